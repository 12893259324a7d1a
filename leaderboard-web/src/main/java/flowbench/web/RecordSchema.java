package flowbench.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a JSON tree against the shape of a Java record class (the run record and its nested records), before any
 * object is built from it, so every problem is reported with its field path, the expected type and what was found:
 * {@code runs[2].identity.seed: expected an integer, found text "0"}.
 *
 * <p>Rules: every component must be present, no other field may be; null is accepted only for {@code Boolean}
 * components (a record's "unknown" tri-state, e.g. {@code software.gitDirty}); numbers must be finite and integers
 * must fit their Java type; {@code JsonNode} components take any value. A component the harness writes only when set
 * ({@code @JsonInclude(NON_NULL)}, e.g. {@code datasets[].provenance}) may be absent or null.
 */
public final class RecordSchema {
    private RecordSchema() {}

    /** A validation problem: where, what was expected, what was found. */
    public record Problem(String path, String expected, String found) {
        @Override
        public String toString() {
            return path + ": expected " + expected + (found == null ? "" : ", found " + found);
        }
    }

    public static List<Problem> check(JsonNode node, Class<?> type, String path) {
        List<Problem> out = new ArrayList<>();
        check(node, type, path, out);
        return out;
    }

    /** A short description of a JSON value for messages: its type and, for scalars, a truncated value. */
    public static String describe(JsonNode n) {
        if (n == null || n.isMissingNode()) return "nothing (field missing)";
        if (n.isNull()) return "null";
        if (n.isTextual()) return "text " + quote(n.textValue());
        if (n.isBoolean()) return "boolean " + n.booleanValue();
        if (n.isNumber()) return "number " + truncate(n.asText());
        if (n.isArray()) return "an array of " + n.size();
        if (n.isObject()) return "an object";
        return n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }

    /** A found text value, worded as {@link #describe} words it: {@code text "value"}. */
    static String found(String s) {
        return s == null ? "null" : "text " + quote(s);
    }

    static String quote(String s) {
        return "\"" + truncate(s) + "\"";
    }

    static String truncate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /** JSON field names of a record's components (a {@code @JsonProperty} on the accessor renames, e.g. "return"). */
    static Map<String, RecordComponent> fields(Class<?> record) {
        Map<String, RecordComponent> out = new LinkedHashMap<>();
        for (RecordComponent rc : record.getRecordComponents()) {
            JsonProperty jp = rc.getAccessor().getAnnotation(JsonProperty.class);
            String name = jp != null && !jp.value().isEmpty() ? jp.value() : rc.getName();
            out.put(name, rc);
        }
        return out;
    }

    private static void check(JsonNode node, Type type, String path, List<Problem> out) {
        Class<?> raw = raw(type);
        if (raw == JsonNode.class) {
            if (node == null || node.isMissingNode()) out.add(new Problem(path, "a JSON value", describe(node)));
            return;
        }
        if (node == null || node.isMissingNode()) {
            out.add(new Problem(path, expectation(type), "nothing (field missing)"));
            return;
        }
        if (node.isNull()) {
            if (raw != Boolean.class) out.add(new Problem(path, expectation(type), "null"));
            return;
        }
        if (raw.isRecord()) {
            if (!node.isObject()) {
                out.add(new Problem(path, expectation(type), describe(node)));
                return;
            }
            Map<String, RecordComponent> fields = fields(raw);
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!fields.containsKey(f)) {
                    out.add(new Problem(path + "." + f, "no such field (allowed: " + String.join(", ", fields.keySet()) + ")",
                            describe(node.get(f))));
                }
            }
            for (Map.Entry<String, RecordComponent> e : fields.entrySet()) {
                JsonNode v = node.get(e.getKey());
                if ((v == null || v.isNull()) && optional(e.getValue())) continue;
                check(v, e.getValue().getGenericType(), path + "." + e.getKey(), out);
            }
            return;
        }
        if (List.class.isAssignableFrom(raw)) {
            if (!node.isArray()) {
                out.add(new Problem(path, expectation(type), describe(node)));
                return;
            }
            Type elem = typeArg(type, 0);
            for (int i = 0; i < node.size(); i++) check(node.get(i), elem, path + "[" + i + "]", out);
            return;
        }
        if (Map.class.isAssignableFrom(raw)) {
            if (!node.isObject()) {
                out.add(new Problem(path, expectation(type), describe(node)));
                return;
            }
            Type val = typeArg(type, 1);
            for (Map.Entry<String, JsonNode> e : node.properties()) check(e.getValue(), val, path + "." + e.getKey(), out);
            return;
        }
        boolean ok;
        if (raw == int.class || raw == Integer.class) ok = node.isIntegralNumber() && node.canConvertToInt();
        else if (raw == long.class || raw == Long.class) ok = node.isIntegralNumber() && node.canConvertToLong();
        else if (raw == double.class || raw == Double.class || raw == float.class || raw == Float.class) {
            // 1e999 parses to infinity: a JSON number, but not a finite one
            ok = node.isNumber() && Double.isFinite(node.asDouble());
        } else if (raw == boolean.class || raw == Boolean.class) ok = node.isBoolean();
        else if (raw == String.class) ok = node.isTextual();
        else if (raw.isEnum()) {
            ok = false;
            if (node.isTextual()) {
                for (Object c : raw.getEnumConstants()) ok |= ((Enum<?>) c).name().equals(node.textValue());
            }
        } else {
            throw new IllegalStateException("RecordSchema cannot check Java type " + type.getTypeName() + " at " + path);
        }
        if (!ok) out.add(new Problem(path, expectation(type), describe(node)));
    }

    /** A component written only when non-null: older records and unset values leave it out. */
    private static boolean optional(RecordComponent rc) {
        JsonInclude inc = rc.getAccessor().getAnnotation(JsonInclude.class);
        return inc != null && inc.value() == JsonInclude.Include.NON_NULL;
    }

    private static Class<?> raw(Type t) {
        if (t instanceof Class<?> c) return c;
        if (t instanceof ParameterizedType p) return (Class<?>) p.getRawType();
        throw new IllegalStateException("unsupported type " + t);
    }

    private static Type typeArg(Type t, int i) {
        if (t instanceof ParameterizedType p) return p.getActualTypeArguments()[i];
        return Object.class;
    }

    static String expectation(Type type) {
        Class<?> raw = raw(type);
        if (raw == int.class || raw == Integer.class) return "an integer (32-bit)";
        if (raw == long.class || raw == Long.class) return "an integer (64-bit)";
        if (raw == double.class || raw == Double.class || raw == float.class || raw == Float.class) return "a finite number";
        if (raw == boolean.class) return "true or false";
        if (raw == Boolean.class) return "true, false or null";
        if (raw == String.class) return "text";
        if (raw.isEnum()) {
            List<String> names = new ArrayList<>();
            for (Object c : raw.getEnumConstants()) names.add(((Enum<?>) c).name());
            return "one of " + String.join(", ", names);
        }
        if (raw.isRecord()) return "an object (" + raw.getSimpleName() + ")";
        if (List.class.isAssignableFrom(raw)) return "an array";
        if (Map.class.isAssignableFrom(raw)) return "an object";
        return raw.getSimpleName();
    }
}
