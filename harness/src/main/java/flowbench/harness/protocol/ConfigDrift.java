package flowbench.harness.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.domain.Domains;
import flowbench.harness.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Whether recorded runs still describe what the harness would run today: each run record's spec (algorithm, task,
 * profile, overrides) is resolved again with the current registry and per-domain values, and the config compared,
 * value by value, with the recorded one. A key that moved (e.g. {@code goals.discount} to {@code discount}) or was
 * merged into a key of the same name with an equal value is a rename, not a change. Published reports whose runs drifted are marked superseded.
 */
public final class ConfigDrift {
    private ConfigDrift() {}

    /** One configuration (algorithm, task, profile, overrides) whose value changed, and how. */
    public record Changed(String algorithm, String task, String profile, Map<String, String> overrides,
                          Map<String, Change> changes, int runs) {}

    /** A value as recorded ({@code was}) and as resolved today ({@code now}); null where the key is absent. */
    public record Change(JsonNode was, JsonNode now) {}

    /** Runs checked, runs unchanged, and the distinct changed configurations. */
    public record Result(int runs, int unchanged, List<Changed> changed) {}

    public static Result check(Registry registry, Path results) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(results)) {
            files = s.filter(p -> p.getFileName().toString().equals("run.json") && Files.isRegularFile(p)).sorted().toList();
        }
        Map<String, Changed> changed = new LinkedHashMap<>();
        int unchanged = 0;
        for (Path f : files) {
            RunRecord r = Json.read(f, RunRecord.class);
            RunSpec spec = r.spec();
            Map<String, Change> diff;
            try {
                Algorithm<?> a = registry.algorithm(spec.algorithm());
                Record now = Configs.resolve(a, spec.profile(), Domains.of(spec.task()), spec.overrides()).config();
                diff = diff(r.config(), Configs.toJson(now));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(f + ": cannot resolve this run's config today: " + e.getMessage(), e);
            }
            if (diff.isEmpty()) {
                unchanged++;
                continue;
            }
            String key = spec.algorithm() + "|" + spec.task() + "|" + spec.profile() + "|" + spec.overrides() + "|" + diff;
            Changed prev = changed.get(key);
            changed.put(key, new Changed(spec.algorithm(), spec.task(), spec.profile(), spec.overrides(), diff,
                    prev == null ? 1 : prev.runs() + 1));
        }
        return new Result(files.size(), unchanged, List.copyOf(changed.values()));
    }

    /** Leaf differences between two configs, renamed keys with equal values left out. */
    static Map<String, Change> diff(JsonNode was, JsonNode now) {
        Map<String, JsonNode> a = leaves(was), b = leaves(now);
        Map<String, Change> out = new TreeMap<>();
        List<String> onlyA = new ArrayList<>(), onlyB = new ArrayList<>();
        for (String k : a.keySet()) {
            if (!b.containsKey(k)) onlyA.add(k);
            else if (!numericEquals(a.get(k), b.get(k))) out.put(k, new Change(a.get(k), b.get(k)));
        }
        for (String k : b.keySet()) if (!a.containsKey(k)) onlyB.add(k);
        for (String k : onlyA) {
            // moved (to a key only today has) or merged (into a key both have) with the same value: not a change
            String renamedTo = onlyB.stream().filter(n -> leaf(n).equals(leaf(k)) && numericEquals(a.get(k), b.get(n)))
                    .findFirst().orElse(null);
            boolean merged = b.entrySet().stream().anyMatch(e -> a.containsKey(e.getKey()) && leaf(e.getKey()).equals(leaf(k))
                    && numericEquals(a.get(k), e.getValue()));
            if (renamedTo != null) onlyB.remove(renamedTo);
            else if (!merged) out.put(k, new Change(a.get(k), null));
        }
        for (String k : onlyB) out.put(k, new Change(null, b.get(k)));
        return out;
    }

    private static boolean numericEquals(JsonNode x, JsonNode y) {
        if (x.isNumber() && y.isNumber()) return x.decimalValue().compareTo(y.decimalValue()) == 0;
        return x.equals(y);
    }

    private static String leaf(String key) {
        return key.substring(key.lastIndexOf('.') + 1);
    }

    private static Map<String, JsonNode> leaves(JsonNode n) {
        Map<String, JsonNode> out = new TreeMap<>();
        collect(n, "", out);
        return out;
    }

    private static void collect(JsonNode n, String prefix, Map<String, JsonNode> out) {
        if (n == null || n.isNull()) return;
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                collect(e.getValue(), prefix + e.getKey() + ".", out);
            }
        } else {
            out.put(prefix.substring(0, prefix.length() - 1), n);
        }
    }
}
