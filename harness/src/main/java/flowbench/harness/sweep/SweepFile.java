package flowbench.harness.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.Suite;
import flowbench.harness.protocol.SuiteRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A sweep written down: the suite it runs under, and the same selections the command line takes, so a grid can be
 * reviewed, committed and rerun. Example:
 * <pre>
 * {"suite": "quickstart", "seeds": [0, 1, 2, 3], "set": {"alpha": [1, 3, 10]}, "only": ["fql*"]}
 * </pre>
 * {@code suite} is a shipped suite's name or a suite file (relative to this file's folder). Flags given on the command
 * line add to {@code set} and {@code only} and replace {@code seeds} and {@code shard}.
 */
public record SweepFile(Suite suite, List<Long> seeds, Map<String, String> set, List<String> only, String shard) {
    private static final Set<String> FIELDS = Set.of("suite", "seeds", "set", "only", "shard", "description");

    /** A sweep file, or null when {@code file} is not one (e.g. a suite file). */
    public static SweepFile readIfSweep(Path file) throws IOException {
        if (!Files.isRegularFile(file) || !file.toString().endsWith(".json")) return null;
        JsonNode n;
        try {
            n = Json.mapper().readTree(file.toFile());
        } catch (IOException e) {
            return null; // the suite loader gives the precise message
        }
        if (n == null || !n.isObject() || !n.path("suite").isTextual()) return null;
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new IllegalArgumentException(file + ": unknown field '" + f + "' in a sweep file; expected " + FIELDS);
            }
        }
        String suiteRef = n.get("suite").asText();
        Path relative = file.toAbsolutePath().getParent().resolve(suiteRef);
        Suite suite;
        try {
            suite = SuiteRunner.load(Files.isRegularFile(relative) ? relative.toString() : suiteRef);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": field 'suite': " + e.getMessage(), e);
        }
        List<Long> seeds = null;
        if (n.has("seeds")) {
            if (!n.get("seeds").isArray()) throw new IllegalArgumentException(file + ": field 'seeds' must be a list of integers");
            seeds = new ArrayList<>();
            for (JsonNode s : n.get("seeds")) {
                if (!s.canConvertToLong()) throw new IllegalArgumentException(file + ": field 'seeds' holds " + s + "; expected integers");
                seeds.add(s.asLong());
            }
        }
        Map<String, String> set = new LinkedHashMap<>();
        if (n.has("set")) {
            if (!n.get("set").isObject()) throw new IllegalArgumentException(file + ": field 'set' must be an object KEY: VALUE(S)");
            for (Iterator<Map.Entry<String, JsonNode>> it = n.get("set").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                set.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
            }
        }
        List<String> only = new ArrayList<>();
        if (n.has("only")) {
            if (!n.get("only").isArray()) throw new IllegalArgumentException(file + ": field 'only' must be a list of globs");
            for (JsonNode g : n.get("only")) only.add(g.asText());
        }
        String shard = n.has("shard") ? n.get("shard").asText() : null;
        return new SweepFile(suite, seeds, set, only, shard);
    }
}
