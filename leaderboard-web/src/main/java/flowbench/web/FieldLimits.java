package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every limit on the free text a submission can carry, in one place: the bundle's method fields and submitter, and
 * every text value and object key anywhere in a run record (policy names, file paths, config values, ...). Without
 * them a bundle within the upload limit could store a 200 KB policy name that every page, table and plot then shows.
 * The limits are generous for what the harness writes and far below what would hurt a page.
 */
final class FieldLimits {
    private FieldLimits() {}

    /**
     * Submitted method names: lower-case letters, digits and {@code . _ + -}, starting with a letter or digit (so never
     * {@code .} or {@code ..}), at most 64: safe as one URL path segment and as a file name, with no escaping.
     */
    static final Pattern METHOD_NAME = Pattern.compile("[a-z0-9][a-z0-9._+-]{0,63}");
    static final String METHOD_NAME_RULE = "a name of 1 to 64 lower-case letters, digits or . _ + -, starting with a"
            + " letter or digit";
    static final int PAPER = 500;
    static final int DESCRIPTION = 5000;
    static final int CODE_URL = 500;
    static final int SUBMITTER = 100;
    /** A policy name ({@code evaluations[].policies[].policy}, {@code summary[].policy}), shown in every table and plot. */
    static final int POLICY = 100;
    /** Any object key in a run record (config keys, overrides, chunk lengths by policy). */
    static final int RECORD_KEY = 200;
    /** Any other text value in a run record (protocol descriptions, paths, config values, ...). */
    static final int RECORD_TEXT = 2000;
    /**
     * A run record's {@code external} block (an external learner's provenance: command, agent, client, environment;
     * free JSON), as compact canonical JSON in UTF-8 bytes: 16 KiB.
     */
    static final int EXTERNAL_JSON_BYTES = 16 * 1024;
    /** {@code external.command}: the command line that started the learner. */
    static final int EXTERNAL_COMMAND = 2000;

    /** Limits by the last field name of a record path, where they differ from {@link #RECORD_TEXT}. */
    private static final Map<String, Integer> BY_FIELD = Map.of("policy", POLICY);

    /** The limit of the text value at a record field named {@code field}. */
    static int recordText(String field) {
        return BY_FIELD.getOrDefault(field, RECORD_TEXT);
    }

    /** A problem sink: path, expected, found. */
    interface Sink {
        void add(String path, String expected, String found);
    }

    /** Checks every text value and key of {@code node} (a run record) against the record limits. */
    static void checkRecord(JsonNode node, String path, String field, Sink out) {
        if (node == null) return;
        if (node.isTextual()) {
            int max = recordText(field);
            if (node.textValue().length() > max) {
                out.add(path, "text of at most " + max + " characters", "text of " + node.textValue().length()
                        + " characters");
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) checkRecord(node.get(i), path + "[" + i + "]", field, out);
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String key = e.getKey();
                if (key.length() > RECORD_KEY) {
                    out.add(path + "." + RecordSchema.truncate(key), "a field name of at most " + RECORD_KEY
                            + " characters", "a name of " + key.length() + " characters");
                    continue;
                }
                checkRecord(e.getValue(), path + "." + key, key, out);
            }
        }
    }
}
