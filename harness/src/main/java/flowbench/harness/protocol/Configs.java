package flowbench.harness.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.domain.Domain;
import flowbench.harness.domain.DomainSetting;
import flowbench.harness.io.Json;

import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
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
 *
 * <p>{@link #resolve} layers, in order: the profile's defaults, the task domain's shared values (where the config has
 * the key), the algorithm's own values for that domain, then the user's overrides. User keys may be the reference
 * code's names ({@code lr}, {@code actor_hidden_dims}, {@code inv_temp}, …; see {@link #ALIASES}); a key that names
 * nothing in the config is refused with the list of valid keys.
 */
public final class Configs {
    private Configs() {}

    /**
     * Reference-code and group names, each standing for every listed key the config has: {@code lr} sets one learning
     * rate or all three of an IQL-style learner, {@code hidden} every network's widths. snake_case keys are also
     * tried in camelCase ({@code inv_temp} is {@code invTemp}).
     */
    public static final Map<String, List<String>> ALIASES = aliases();

    private static Map<String, List<String>> aliases() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        List<String> lrs = List.of("learningRate", "actorLearningRate", "criticLearningRate", "valueLearningRate");
        m.put("lr", lrs);
        m.put("learningRate", lrs);
        m.put("hidden", List.of("actorHidden", "criticHidden"));
        m.put("actor_hidden_dims", List.of("actorHidden", "hidden"));
        m.put("actorHidden", List.of("hidden"));
        m.put("value_hidden_dims", List.of("criticHidden"));
        m.put("horizon_length", List.of("horizon"));
        m.put("denoise_steps", List.of("flowSteps", "diffusionSteps"));
        m.put("flow_steps", List.of("flowSteps", "diffusionSteps"));
        m.put("target_tau", List.of("tau", "targetTau"));
        m.put("tau", List.of("targetTau"));
        m.put("bc_weight", List.of("bcCoef"));
        return m;
    }

    /** A merged config, the domain it was resolved for and the domain values that took effect (user overrides win). */
    public record Resolved<C extends Record>(C config, Domain domain, List<DomainSetting> applied) {
        public Resolved {
            applied = List.copyOf(applied);
        }
    }

    /** Profile defaults, then the domain's values, then {@code overrides} (which may use {@link #ALIASES}). */
    public static <C extends Record> Resolved<C> resolve(Algorithm<C> algorithm, String profile, Domain domain,
                                                         Map<String, String> overrides) {
        Class<C> type = algorithm.configType();
        List<String> keys = keys(type);
        Map<String, DomainSetting> applied = new LinkedHashMap<>();
        for (DomainSetting s : domain.shared()) {
            if (keys.contains(s.key())) applied.put(s.key(), s);
        }
        for (DomainSetting s : algorithm.domainSettings(domain.column())) {
            if (!keys.contains(s.key())) {
                throw new IllegalStateException("per-domain value '" + s.key() + "' of algorithm '" + algorithm.name()
                        + "' (column " + domain.column() + ", " + s.source() + ") is not one of its config keys: " + keys);
            }
            applied.put(s.key(), s);
        }
        Map<String, String> user = canonicalKeys(algorithm.name(), type, overrides);
        applied.keySet().removeAll(user.keySet());
        Map<String, String> all = new LinkedHashMap<>();
        applied.forEach((k, s) -> all.put(k, s.value()));
        all.putAll(user);
        return new Resolved<>(merge(algorithm, profile, all), domain, List.copyOf(applied.values()));
    }

    /**
     * The user's keys as config keys: each key as it is when the config has it, else its camelCase form, else what its
     * alias stands for in this config. A key that names nothing, or a config key set twice (directly and through an
     * alias, with different values), is refused with the valid keys.
     */
    public static Map<String, String> canonicalKeys(String algorithm, Class<? extends Record> type, Map<String, String> overrides) {
        List<String> keys = keys(type);
        Map<String, String> out = new TreeMap<>();
        Map<String, String> via = new TreeMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(overrides).entrySet()) {
            for (String k : targets(e.getKey(), keys)) {
                String before = out.put(k, e.getValue());
                if (before != null && !before.equals(e.getValue())) {
                    throw new IllegalArgumentException("config key '" + k + "' of algorithm '" + algorithm + "' is set twice: "
                            + via.get(k) + "=" + before + " and " + e.getKey() + "=" + e.getValue());
                }
                via.put(k, e.getKey());
            }
        }
        for (String k : overrides.keySet()) {
            if (targets(k, keys).isEmpty()) {
                throw new IllegalArgumentException("unknown config key '" + k + "' for algorithm '" + algorithm + "'"
                        + suggestion(k, keys) + "; valid keys: " + String.join(", ", keys) + "; reference-code names "
                        + "accepted where they apply: " + String.join(", ", ALIASES.keySet()) + " and snake_case forms");
            }
        }
        return out;
    }

    /**
     * Keys that only shape hindsight goal sampling: on a single-task task nothing reads them, so setting one would change
     * the config hash and nothing else.
     */
    static boolean goalSamplingKey(String key) {
        String leaf = key.substring(key.lastIndexOf('.') + 1);
        return key.startsWith("goals.") || leaf.matches("(actor|value)P(Cur|Traj|Random)Goal|(actor|value)GeomSample|goalNegativeReward");
    }

    /**
     * Refuses user overrides that would take no effect on a task of this mode (goal-sampling keys on a single-task
     * task), naming them and why; {@code overrides} as the user typed them (aliases allowed).
     */
    public static void refuseInert(String algorithm, Class<? extends Record> type, flowbench.harness.env.TaskMode mode,
                                   Map<String, String> overrides) {
        if (mode != flowbench.harness.env.TaskMode.SINGLE_TASK) return;
        List<String> inert = canonicalKeys(algorithm, type, overrides).keySet().stream().filter(Configs::goalSamplingKey).toList();
        if (!inert.isEmpty()) {
            throw new IllegalArgumentException("config key(s) " + inert + " of algorithm '" + algorithm + "' only shape "
                    + "hindsight goal sampling, which a single-task task does not use; drop them, or use the task's "
                    + "goal-conditioned name");
        }
    }

    private static List<String> targets(String key, List<String> keys) {
        if (keys.contains(key)) return List.of(key);
        String camel = camel(key);
        if (keys.contains(camel)) return List.of(camel);
        // goal sampling is nested under goals. in most configs and flat in flow BC's and QGF's: both spellings work
        if (camel.startsWith("goals.") && keys.contains(camel.substring(6))) return List.of(camel.substring(6));
        if (keys.contains("goals." + camel)) return List.of("goals." + camel);
        for (String k : new String[] {key, camel}) {
            List<String> alias = ALIASES.get(k);
            if (alias != null) {
                List<String> hit = alias.stream().filter(keys::contains).toList();
                if (!hit.isEmpty()) return hit;
            }
        }
        return List.of();
    }

    private static String camel(String key) {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char c : key.toCharArray()) {
            if (c == '_') {
                up = b.length() > 0;
                continue;
            }
            b.append(up ? Character.toUpperCase(c) : c);
            up = false;
        }
        return b.toString();
    }

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
        // aliases become config keys; a key that names nothing is left for apply(), whose message is the precise one
        Map<String, String> expanded = new TreeMap<>();
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            List<String> t = targets(e.getKey(), keys(type));
            if (t.isEmpty()) expanded.put(e.getKey(), e.getValue());
            else expanded.putAll(canonicalKeys(algorithm.name(), type, Map.of(e.getKey(), e.getValue())));
        }
        overrides = expanded;
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

    /** Hex digits of a {@link #methodConfig} id. */
    public static final int METHOD_CONFIG_DIGITS = 16;

    /**
     * The method choice a run was made under: its profile and the user's overrides, hashed. Runs of one method on tasks
     * of different domains resolve to different configs (another H, α, λ per column) yet are one method; reports and the
     * leaderboard group by this, and show the resolved config hashes beside it.
     */
    public static String methodConfig(String profile, Map<String, String> overrides) {
        Map<String, Object> choice = new TreeMap<>();
        choice.put("profile", profile);
        choice.put("overrides", overrides == null ? Map.of() : new TreeMap<>(overrides));
        return Json.canonicalHash(choice).substring(0, METHOD_CONFIG_DIGITS);
    }

    /** Longest readable {@link #methodLabel}; a longer one becomes {@code cfg-<hash>}. */
    public static final int METHOD_LABEL_MAX = 64;
    /** Hex digits of the {@link #methodConfig} id in a {@code cfg-} label. */
    public static final int METHOD_LABEL_HASH_DIGITS = 10;
    /** The profile whose method choice, without overrides, has the empty label. */
    public static final String DEFAULT_PROFILE = "cpu";

    /**
     * A short, folder-safe name of a method choice (what {@link #methodConfig} hashes): {@code ""} for the default
     * (profile {@value #DEFAULT_PROFILE}, no overrides); else the profile when it is not {@value #DEFAULT_PROFILE},
     * then {@code key=value} per override sorted by key, joined with ','. Brackets become parentheses and spaces are
     * dropped ({@code hidden=[256, 256]} reads {@code hidden=(256,256)}). Where that is not a readable, unambiguous
     * name (a character outside {@code [A-Za-z0-9._=,()+-]}, a profile or key holding '=' or ',', a value holding '='
     * or a parenthesis, or more than {@value #METHOD_LABEL_MAX} characters) the label is {@code cfg-} and the first
     * {@value #METHOD_LABEL_HASH_DIGITS} hex digits of {@link #methodConfig}, unique per method choice.
     */
    public static String methodLabel(String profile, Map<String, String> overrides) {
        Map<String, String> o = new TreeMap<>(overrides == null ? Map.of() : overrides);
        String p = profile == null ? DEFAULT_PROFILE : profile;
        if (p.equals(DEFAULT_PROFILE) && o.isEmpty()) return "";
        List<String> parts = new ArrayList<>();
        boolean ambiguous = false;
        if (!p.equals(DEFAULT_PROFILE)) {
            parts.add(p);
            ambiguous = p.indexOf('=') >= 0 || p.indexOf(',') >= 0;
        }
        for (Map.Entry<String, String> e : o.entrySet()) {
            String k = e.getKey(), v = e.getValue() == null ? "" : e.getValue();
            // a label must decode to one choice: ',' only separates parts or sits inside a value, '=' only follows a key
            ambiguous |= k.indexOf('=') >= 0 || k.indexOf(',') >= 0 || v.indexOf('=') >= 0 || v.indexOf('(') >= 0
                    || v.indexOf(')') >= 0;
            parts.add(k + "=" + v);
        }
        String label = String.join(",", parts).replace('[', '(').replace(']', ')').replace(" ", "");
        if (ambiguous || label.isEmpty() || label.length() > METHOD_LABEL_MAX || !label.matches("[A-Za-z0-9._=,()+-]+")) {
            return "cfg-" + methodConfig(p, o).substring(0, METHOD_LABEL_HASH_DIGITS);
        }
        return label;
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

    /** The Java type of a canonical (dotted) config key, or null when the key names no field. */
    public static Class<?> fieldType(Class<? extends Record> type, String key) {
        Class<?> t = type;
        RecordComponent rc = null;
        for (String part : key.split("\\.", -1)) {
            rc = component(t, part);
            if (rc == null) return null;
            t = rc.getType();
        }
        return rc == null ? null : rc.getType();
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
