package flowbench.harness.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.Configs;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.RunSpec;
import flowbench.harness.protocol.Runner;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Expands run specs over an override grid and selects a part of them. {@code --set alpha=[1,3,10]} gives every run
 * whose algorithm has {@code alpha} three runs, one per value; a run whose algorithm has no such key is kept once.
 * A JSON list is one value, not a grid, where the field itself is a list ({@code hidden=[256,256]}); a list of lists
 * is a grid over such a field ({@code hidden=[[256,256],[512,512]]}).
 */
public final class SweepGrid {
    private SweepGrid() {}

    /** Every spec, crossed with every point of the grid its algorithm takes, in spec order then grid order. */
    public static List<RunSpec> expand(Registry registry, List<RunSpec> specs, Map<String, String> sets) {
        if (sets.isEmpty()) return specs;
        Set<String> used = new LinkedHashSet<>();
        List<RunSpec> out = new ArrayList<>();
        Set<RunSpec> seen = new LinkedHashSet<>();
        for (RunSpec s : specs) {
            Algorithm<?> alg = registry.algorithm(s.algorithm());
            List<Map<String, String>> points = List.of(new LinkedHashMap<>(s.overrides()));
            for (Map.Entry<String, String> e : sets.entrySet()) {
                List<String> values = valuesFor(alg, e.getKey(), e.getValue());
                if (values == null) continue;
                used.add(e.getKey());
                List<Map<String, String>> next = new ArrayList<>();
                for (Map<String, String> p : points) {
                    for (String v : values) {
                        Map<String, String> q = new LinkedHashMap<>(p);
                        q.put(e.getKey(), v);
                        next.add(q);
                    }
                }
                points = next;
            }
            for (Map<String, String> p : points) {
                RunSpec r = s.withOverrides(p);
                if (seen.add(r)) out.add(r);
            }
        }
        for (String k : sets.keySet()) {
            if (!used.contains(k)) {
                throw new IllegalArgumentException("--set " + k + ": no algorithm of the sweep has a config key '" + k
                        + "' (algorithms: " + String.join(", ", specs.stream().map(RunSpec::algorithm).distinct().toList())
                        + "; see 'flowbench algorithms NAME' for each one's keys)");
            }
        }
        return out;
    }

    /** The values of {@code key} for this algorithm, or null when the algorithm has no such key. */
    static List<String> valuesFor(Algorithm<?> alg, String key, String value) {
        Map<String, String> canonical;
        try {
            canonical = Configs.canonicalKeys(alg.name(), alg.configType(), Map.of(key, value));
        } catch (IllegalArgumentException unknown) {
            return null;
        }
        boolean listField = false;
        for (String k : canonical.keySet()) {
            Class<?> t = Configs.fieldType(alg.configType(), k);
            if (t != null && (List.class.isAssignableFrom(t) || t.isArray())) listField = true;
        }
        String v = value.trim();
        if (!v.startsWith("[")) return List.of(value);
        JsonNode node;
        try {
            node = Json.mapper().readTree(v);
        } catch (java.io.IOException e) {
            return List.of(value); // not JSON: the config's own parser gives the precise message
        }
        if (!node.isArray()) return List.of(value);
        boolean nested = node.size() > 0 && node.get(0).isArray();
        if (listField && !nested) return List.of(value);
        if (node.isEmpty()) throw new IllegalArgumentException("--set " + key + "=[]: a grid needs at least one value");
        List<String> out = new ArrayList<>();
        for (JsonNode n : node) out.add(n.isTextual() ? n.asText() : n.toString());
        return out;
    }

    /**
     * The specs whose run folder (relative to the results root, e.g. {@code task/fql@alpha=3/seed1}), or one of its
     * parent folders, matches one of the globs; a glob without '/' is matched against each part of that path
     * ({@code fql@*}, {@code seed[01]}).
     */
    public static List<RunSpec> only(List<RunSpec> specs, List<String> globs) {
        if (globs == null || globs.isEmpty()) return specs;
        List<PathMatcher> whole = new ArrayList<>(), part = new ArrayList<>();
        for (String g : globs) (g.contains("/") ? whole : part).add(FileSystems.getDefault().getPathMatcher("glob:" + g));
        List<RunSpec> out = new ArrayList<>();
        for (RunSpec s : specs) {
            Path rel = relative(s);
            boolean hit = false;
            // a glob with '/' matches the folder or one of its parents: 'task/*' selects everything under task/
            for (int k = 1; k <= rel.getNameCount(); k++) {
                Path prefix = rel.subpath(0, k);
                hit |= whole.stream().anyMatch(m -> m.matches(prefix));
            }
            for (Path p : rel) hit |= part.stream().anyMatch(m -> m.matches(p));
            if (hit) out.add(s);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--only " + String.join(" ", globs) + " matches none of the sweep's "
                    + specs.size() + " runs (e.g. " + relative(specs.get(0)) + ")");
        }
        return out;
    }

    /** The run folder relative to the results root. */
    public static Path relative(RunSpec s) {
        Path root = Path.of("/r");
        return root.relativize(Runner.runDir(root, s));
    }

    /** Shard {@code i} of {@code n} (1-based): every n-th spec starting at the i-th, for hand-made splits. */
    public static List<RunSpec> shard(List<RunSpec> specs, String shard) {
        if (shard == null) return specs;
        String[] p = shard.split("/", -1);
        int i, n;
        try {
            if (p.length != 2) throw new NumberFormatException();
            i = Integer.parseInt(p[0].trim());
            n = Integer.parseInt(p[1].trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--shard '" + shard + "': expected i/N with 1 <= i <= N, e.g. 1/4");
        }
        if (n < 1 || i < 1 || i > n) {
            throw new IllegalArgumentException("--shard '" + shard + "': expected i/N with 1 <= i <= N, e.g. 1/4");
        }
        List<RunSpec> out = new ArrayList<>();
        for (int k = 0; k < specs.size(); k++) if (k % n == i - 1) out.add(specs.get(k));
        return out;
    }
}
