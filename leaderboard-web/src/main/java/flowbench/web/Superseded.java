package flowbench.web;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowbench.harness.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A published report's {@code superseded.json}, the note beside its {@code runs/} folder
 * ({@code reports/<suite>/<version>/superseded.json}) that its runs were made under configs a later harness change
 * alters (docs/domains.md). The leaderboard shows it on the suite page, so nobody compares those numbers with runs
 * made under the current configs without knowing.
 *
 * <pre>
 * {"superseded": true, "since": "2026-12-07", "reason": "...", "checkedWith": "...",
 *  "changedConfigs": [{"algorithm": "fql", "task": "...", "profile": "cpu", "runs": 3,
 *                      "changes": {"alpha": {"was": 3.0, "now": 300.0}}}]}
 * </pre>
 * ({@code flowbench check-configs --superseded-reason} writes it; {@code runs} is optional).
 *
 * <p>The file lies in a folder the operator names, but it is written by hand or by another tool, so it is checked like
 * any input before anything is stored: one JSON object, duplicate keys refused (which value would count is ambiguous),
 * every field typed and bounded. The first problem fails the import with the file and the field. Unknown fields only
 * warn, so a field a newer report adds does not stop the leaderboard from starting.
 */
public final class Superseded {
    public static final String FILE = "superseded.json";
    static final long MAX_BYTES = 1L << 20;
    static final int MAX_REASON = 2_000;
    static final int MAX_NAME = 200;
    /** a changed value, as canonical JSON text */
    static final int MAX_VALUE = 500;
    static final int MAX_CHANGED = 1_000;
    static final int MAX_KEYS = 100;

    private static final Set<String> FIELDS = Set.of("superseded", "since", "reason", "checkedWith", "changedConfigs");
    private static final Set<String> CONFIG_FIELDS = Set.of("algorithm", "task", "profile", "runs", "changes");
    private static final Set<String> CHANGE_FIELDS = Set.of("was", "now");

    private static final ObjectMapper STRICT = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).maxNumberLength(64)
                    .maxStringLength((int) MAX_BYTES).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Superseded() {}

    /**
     * The note.
     *
     * @param superseded false withdraws an earlier note (the import then clears what that file marked)
     * @param since      a date (YYYY-MM-DD), or null
     * @param checkedWith how the changes were established, or null
     */
    public record Notice(boolean superseded, String since, String reason, String checkedWith,
                         List<ChangedConfig> changedConfigs) {}

    /**
     * One (algorithm, task, profile) whose config the change alters, key by key in the file's order.
     *
     * @param runs how many of the report's runs had this config, or null when the file does not say
     */
    public record ChangedConfig(String algorithm, String task, String profile, Integer runs, Map<String, Change> changes) {}

    /** A key's value before and after: any JSON value. */
    public record Change(JsonNode was, JsonNode now) {}

    /** A malformed note: the field, what was expected there and what was found. */
    static final class Invalid extends Exception {
        Invalid(String field, String expected, String found) {
            super("field '" + field + "': expected " + expected + ", found " + found);
        }
    }

    /** Where a results folder's note would be: beside the folder, in its parent (null for a root folder). */
    static Path fileFor(Path resultsFolder) {
        Path parent = resultsFolder.toAbsolutePath().normalize().getParent();
        return parent == null ? null : parent.resolve(FILE);
    }

    /**
     * Reads and checks a note; empty when there is no file.
     *
     * @param warnings receives one line per unknown field
     * @throws IOException naming the file, and the field for a malformed note
     */
    static Optional<Notice> read(Path file, List<String> warnings) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
        // symbolic links are not followed, as in the rest of the import
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + ": not a regular file (a link or a folder); expected the report's superseded note");
        }
        long size = Files.size(file);
        if (size > MAX_BYTES) throw new IOException(file + ": " + size + " bytes; a superseded note has at most " + MAX_BYTES);
        JsonNode tree;
        try {
            tree = STRICT.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IOException(file + ": not valid JSON: " + BundleValidator.rootMessage(e), e);
        }
        List<String> unknown = new ArrayList<>();
        try {
            Notice n = parse(tree, unknown);
            for (String u : unknown) warnings.add(file + ": unknown field '" + u + "' ignored");
            return Optional.of(n);
        } catch (Invalid e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Checks a note's tree; unknown fields are named in {@code unknown}. */
    static Notice parse(JsonNode tree, List<String> unknown) throws Invalid {
        if (tree == null || !tree.isObject()) throw new Invalid("(top level)", "an object {superseded, reason, since?,"
                + " checkedWith?, changedConfigs?}", RecordSchema.describe(tree));
        unknownFields(tree, "", FIELDS, unknown);
        JsonNode s = tree.get("superseded");
        if (s == null || !s.isBoolean()) throw new Invalid("superseded", "true or false", RecordSchema.describe(s));
        String reason = text(tree, "reason", "reason", MAX_REASON, true);
        String since = text(tree, "since", "since", 40, false);
        if (since != null) {
            try {
                LocalDate.parse(since, DateTimeFormatter.ISO_LOCAL_DATE);
            } catch (DateTimeParseException e) {
                throw new Invalid("since", "a date YYYY-MM-DD", RecordSchema.found(since));
            }
        }
        String checkedWith = text(tree, "checkedWith", "checkedWith", MAX_REASON, false);
        JsonNode cc = tree.get("changedConfigs");
        List<ChangedConfig> changed = cc == null || cc.isNull() ? List.of() : changedConfigs(cc, "changedConfigs", unknown);
        return new Notice(s.booleanValue(), since, reason, checkedWith, changed);
    }

    /** The {@code changedConfigs} array (also how the store reads back what it kept). */
    static List<ChangedConfig> changedConfigs(JsonNode arr, String path, List<String> unknown) throws Invalid {
        if (!arr.isArray() || arr.size() > MAX_CHANGED) {
            throw new Invalid(path, "an array of at most " + MAX_CHANGED + " objects", RecordSchema.describe(arr));
        }
        List<ChangedConfig> out = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            String at = path + "[" + i + "]";
            JsonNode o = arr.get(i);
            if (!o.isObject()) throw new Invalid(at, "an object {algorithm, task, profile, runs?, changes}", RecordSchema.describe(o));
            unknownFields(o, at + ".", CONFIG_FIELDS, unknown);
            String algorithm = text(o, "algorithm", at + ".algorithm", MAX_NAME, true);
            String task = text(o, "task", at + ".task", MAX_NAME, true);
            String profile = text(o, "profile", at + ".profile", MAX_NAME, true);
            JsonNode n = o.get("runs");
            if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.canConvertToInt() && n.intValue() >= 0)) {
                throw new Invalid(at + ".runs", "a number of runs (an integer >= 0)", RecordSchema.describe(n));
            }
            Integer runs = n == null || n.isNull() ? null : n.intValue();
            JsonNode ch = o.get("changes");
            if (ch == null || !ch.isObject() || ch.isEmpty() || ch.size() > MAX_KEYS) {
                throw new Invalid(at + ".changes", "an object of 1 to " + MAX_KEYS + " keys, each {was, now}",
                        RecordSchema.describe(ch));
            }
            Map<String, Change> changes = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : ch.properties()) {
                String key = e.getKey();
                String kat = at + ".changes." + RecordSchema.truncate(key);
                if (key.isBlank() || key.length() > MAX_NAME) {
                    throw new Invalid(kat, "a config key of 1 to " + MAX_NAME + " characters", RecordSchema.found(key));
                }
                JsonNode c = e.getValue();
                if (!c.isObject()) throw new Invalid(kat, "an object {was, now}", RecordSchema.describe(c));
                unknownFields(c, kat + ".", CHANGE_FIELDS, unknown);
                changes.put(key, new Change(value(c, "was", kat + ".was"), value(c, "now", kat + ".now")));
            }
            out.add(new ChangedConfig(algorithm, task, profile, runs, changes));
        }
        return out;
    }

    /** A value as a reader sees it: text without quotes, anything else as canonical JSON. */
    static String show(JsonNode v) {
        return v.isTextual() ? v.textValue() : Json.canonical(v);
    }

    private static JsonNode value(JsonNode o, String field, String path) throws Invalid {
        JsonNode v = o.get(field);
        if (v == null) throw new Invalid(path, "a JSON value (null for none)", RecordSchema.describe(v));
        if (v.isNumber() && !Double.isFinite(v.asDouble())) throw new Invalid(path, "a finite number", RecordSchema.describe(v));
        if (Json.canonical(v).length() > MAX_VALUE) {
            throw new Invalid(path, "a value of at most " + MAX_VALUE + " characters of JSON", RecordSchema.describe(v));
        }
        return v;
    }

    private static String text(JsonNode o, String field, String path, int max, boolean required) throws Invalid {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) throw new Invalid(path, "text of 1 to " + max + " characters", RecordSchema.describe(v));
            return null;
        }
        if (!v.isTextual() || v.textValue().isBlank() || v.textValue().length() > max) {
            String found = v.isTextual() ? (v.textValue().isBlank() ? "blank text" : "text of " + v.textValue().length()
                    + " characters") : RecordSchema.describe(v);
            throw new Invalid(path, "text of 1 to " + max + " characters", found);
        }
        return v.textValue();
    }

    private static void unknownFields(JsonNode o, String prefix, Set<String> allowed, List<String> unknown) {
        for (String f : (Iterable<String>) o::fieldNames) {
            if (!allowed.contains(f)) unknown.add(prefix + RecordSchema.truncate(f));
        }
    }
}
