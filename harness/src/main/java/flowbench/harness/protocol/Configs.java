package flowbench.harness.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.io.Json;

import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Algorithm configuration: defaults of a profile, merged with user overrides, hashed.
 *
 * <p>Merge: the algorithm's {@code defaultConfig(profile)} record becomes a Jackson tree; each override
 * {@code key=value} replaces one field (a dotted key reaches into a nested record); the tree becomes the record again,
 * so the record's own constructor checks still run. Values are read as JSON where the field is not a string
 * ({@code 3e-4}, {@code true}, {@code [256,256]}) and taken verbatim where it is.
 */
public final class Configs {
    private Configs() {}

    public static <C extends Record> C merge(Algorithm<C> algorithm, String profile, Map<String, String> overrides) {
        C base;
        try {
            base = algorithm.defaultConfig(profile);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("algorithm '" + algorithm.name() + "' has no profile '" + profile + "': " + e.getMessage(), e);
        }
        if (base == null) {
            throw new IllegalArgumentException("algorithm '" + algorithm.name() + "' has no profile '" + profile + "'");
        }
        ObjectMapper mapper = Json.mapper();
        ObjectNode tree = mapper.valueToTree(base);
        Class<C> type = algorithm.configType();
        for (Map.Entry<String, String> e : new TreeMap<>(overrides).entrySet()) {
            apply(algorithm.name(), type, tree, e.getKey(), e.getValue());
        }
        try {
            return mapper.treeToValue(tree, type);
        } catch (JsonProcessingException | IllegalArgumentException ex) {
            Throwable cause = ex;
            while (cause.getCause() != null && cause.getCause() != cause) cause = cause.getCause();
            throw new IllegalArgumentException("configuration of '" + algorithm.name() + "' with overrides " + new TreeMap<>(overrides)
                    + " is invalid: " + (cause.getMessage() == null ? cause.toString() : cause.getMessage()), ex);
        }
    }

    /** The config as a JSON object (field order of the record). */
    public static ObjectNode toJson(Record config) {
        return Json.mapper().valueToTree(config);
    }

    /** SHA-256 of the canonical JSON (keys sorted) of the full config. */
    public static String hash(Record config) {
        return Json.canonicalHash(config);
    }

    /** Every settable key (dotted for nested records) of a config type, in declaration order. */
    public static List<String> keys(Class<? extends Record> type) {
        List<String> out = new ArrayList<>();
        collectKeys(type, "", out);
        return out;
    }

    private static void collectKeys(Class<?> type, String prefix, List<String> out) {
        for (RecordComponent rc : type.getRecordComponents()) {
            if (rc.getType().isRecord()) collectKeys(rc.getType(), prefix + rc.getName() + ".", out);
            else out.add(prefix + rc.getName());
        }
    }

    private static void apply(String algorithm, Class<? extends Record> rootType, ObjectNode root, String key, String value) {
        String[] parts = key.split("\\.", -1);
        Class<?> type = rootType;
        ObjectNode node = root;
        for (int i = 0; i < parts.length; i++) {
            RecordComponent rc = component(type, parts[i]);
            if (rc == null) {
                throw new IllegalArgumentException("unknown config key '" + key + "' for algorithm '" + algorithm + "'"
                        + suggestion(key, keys(rootType)) + "; valid keys: " + String.join(", ", keys(rootType)));
            }
            boolean last = i == parts.length - 1;
            if (!last) {
                if (!rc.getType().isRecord() || !(node.get(rc.getName()) instanceof ObjectNode child)) {
                    throw new IllegalArgumentException("config key '" + key + "' of algorithm '" + algorithm + "': '"
                            + String.join(".", Arrays.copyOf(parts, i + 1)) + "' is not a nested record; valid keys: "
                            + String.join(", ", keys(rootType)));
                }
                node = child;
                type = rc.getType();
                continue;
            }
            if (rc.getType().isRecord()) {
                throw new IllegalArgumentException("config key '" + key + "' of algorithm '" + algorithm
                        + "' is a group; set one of its fields instead: " + String.join(", ", keys(rootType).stream()
                        .filter(k -> k.startsWith(key + ".")).toList()));
            }
            node.set(rc.getName(), convert(algorithm, key, value, rc.getGenericType(), rc.getType()));
        }
    }

    private static RecordComponent component(Class<?> type, String name) {
        if (!type.isRecord()) return null;
        for (RecordComponent rc : type.getRecordComponents()) {
            if (rc.getName().equals(name)) return rc;
        }
        return null;
    }

    private static JsonNode convert(String algorithm, String key, String value, Type generic, Class<?> raw) {
        ObjectMapper mapper = Json.mapper();
        JsonNode given;
        if (CharSequence.class.isAssignableFrom(raw) || raw.isEnum() || raw == char.class || raw == Character.class) {
            given = TextNode.valueOf(value);
        } else {
            try {
                given = mapper.readTree(value);
                if (given == null || given.isMissingNode()) given = TextNode.valueOf(value);
            } catch (JsonProcessingException e) {
                given = TextNode.valueOf(value);
            }
        }
        JavaType jt = mapper.getTypeFactory().constructType(generic);
        try {
            Object typed = mapper.readerFor(jt).readValue(given);
            if (typed == null && raw.isPrimitive()) throw new IllegalArgumentException("null");
            return mapper.valueToTree(typed);
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("config key '" + key + "' of algorithm '" + algorithm + "' expects "
                    + describe(raw) + ", got '" + value + "'");
        }
    }

    private static String describe(Class<?> raw) {
        if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class
                || raw == short.class || raw == Short.class) return "an integer";
        if (raw == double.class || raw == Double.class || raw == float.class || raw == Float.class) return "a number (e.g. 3e-4)";
        if (raw == boolean.class || raw == Boolean.class) return "true or false";
        if (raw.isEnum()) return "one of " + Arrays.toString(raw.getEnumConstants());
        if (raw.isArray() || Collection.class.isAssignableFrom(raw)) return "a JSON list such as [256,256]";
        if (Map.class.isAssignableFrom(raw)) return "a JSON object";
        return "a " + raw.getSimpleName();
    }

    private static String suggestion(String key, List<String> keys) {
        List<String> close = Names.closest(key, keys, 3);
        return close.isEmpty() ? "" : " (did you mean " + String.join(", ", close) + "?)";
    }
}
