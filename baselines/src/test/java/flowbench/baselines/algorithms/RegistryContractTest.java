package flowbench.baselines.algorithms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.Learner;
import flowbench.harness.env.TaskMode;
import flowbench.harness.protocol.Configs;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What every registered algorithm owes the harness, checked over the whole registry (so a new algorithm is covered
 * the day it is registered): one {@code discount} key that reaches the TD targets, every settable key taking effect
 * in the merged config and its hash, bit-exact checkpoint resume, both profiles, and goal-conditioned training.
 */
class RegistryContractTest {

    static Stream<Algorithm<?>> algorithms() {
        return new BaselinesAlgorithms().algorithms().stream();
    }

    /** Algorithms without a critic: γ only shapes the goal sampler's offsets there. */
    static final Set<String> NO_CRITIC = Set.of("flow-bc");

    private static <C extends Record> C config(Algorithm<C> a, Map<String, String> overrides) {
        return Configs.merge(a, "cpu", overrides);
    }

    private static <C extends Record> Learner learner(Algorithm<C> a, Map<String, String> overrides, AgentContext ctx) {
        return a.create(config(a, overrides), ctx);
    }

    /** Small networks and batches so the whole registry trains in seconds. */
    private static Map<String, String> small(Algorithm<?> a) {
        Map<String, String> m = new LinkedHashMap<>();
        List<String> keys = Configs.keys(a.configType());
        for (String k : List.of("actorHidden", "criticHidden", "hidden")) if (keys.contains(k)) m.put(k, "[16,16]");
        m.put("batchSize", "8");
        m.put("horizon", "1");
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void discountIsOneKeyAndReachesTheTdTargets(Algorithm<?> a) {
        Map<String, String> base = small(a);
        Map<String, String> other = new LinkedHashMap<>(base);
        other.put("discount", "0.995");
        JsonNode merged = Configs.toJson(config(a, other));
        assertEquals(0.995, merged.get("discount").asDouble(), a.name() + ": top-level discount");
        assertEquals(List.of("discount"), Configs.keys(a.configType()).stream().filter(k -> k.toLowerCase().contains("discount")).toList(),
                a.name() + ": exactly one key for γ");
        if (NO_CRITIC.contains(a.name())) return;
        // the same batch, noise and initialisation; only γ differs, so any change in the critic's loss is the target's
        other.put("discount", "0.5");
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), ToyTasks.bimodal(6, 20, 0.5, 3), 3);
        Map<String, Double> m99 = learner(a, base, ctx).update(0, Seeds.rng(3, "train", 0));
        Map<String, Double> m50 = learner(a, other, ctx).update(0, Seeds.rng(3, "train", 0));
        List<String> changed = new ArrayList<>();
        for (String k : m99.keySet()) {
            if ((k.contains("critic") || k.contains("value") || k.startsWith("q")) && !m99.get(k).equals(m50.get(k))) changed.add(k);
        }
        assertFalse(changed.isEmpty(), a.name() + ": no critic or value loss changed with γ 0.99 -> 0.5: " + m99 + " vs " + m50);
    }

    /**
     * A key that can be set must take effect: each key either changes the merged config and its hash, or every change
     * tried is refused with a message that names it (e.g. QAM-F's editScale, exclusive with its fqlAlpha).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void everySettableKeyChangesTheMergedConfigOrIsRefusedByName(Algorithm<?> a) {
        Record base = config(a, Map.of());
        ObjectNode baseJson = Configs.toJson(base);
        String baseHash = Configs.hash(base);
        List<String> inert = new ArrayList<>();
        for (String key : Configs.keys(a.configType())) {
            String refusal = null;
            boolean tookEffect = false;
            for (Map<String, String> o : candidates(a, key, baseJson)) {
                try {
                    Record c = config(a, o);
                    if (at(baseJson, key).equals(at(Configs.toJson(c), key)) || Configs.hash(c).equals(baseHash)) {
                        inert.add(key + " (set " + o + ")");
                    } else {
                        tookEffect = true;
                    }
                    break;
                } catch (IllegalArgumentException e) {
                    refusal = e.getMessage();
                }
            }
            if (!tookEffect && refusal != null) {
                String leaf = key.substring(key.lastIndexOf('.') + 1);
                assertTrue(refusal.contains(leaf), a.name() + ": refusal of " + key + " does not name it: " + refusal);
            }
        }
        assertEquals(List.of(), inert, a.name() + ": keys that are accepted but change nothing");
    }

    /** Overrides of {@code key} that differ from the current value (probability triples move in pairs). */
    private static List<Map<String, String>> candidates(Algorithm<?> a, String key, ObjectNode json) {
        JsonNode v = at(json, key);
        String leaf = key.substring(key.lastIndexOf('.') + 1);
        if (leaf.matches("(value|actor)P(Cur|Traj|Random)Goal")) {
            String side = leaf.startsWith("value") ? "value" : "actor";
            String prefix = key.substring(0, key.length() - leaf.length());
            String[] names = {side + "PCurGoal", side + "PTrajGoal", side + "PRandomGoal"};
            double[] p = new double[3];
            for (int i = 0; i < 3; i++) p[i] = at(json, prefix + names[i]).asDouble();
            int me = leaf.contains("Cur") ? 0 : leaf.contains("Traj") ? 1 : 2;
            List<Map<String, String>> out = new ArrayList<>();
            for (int other = 0; other < 3; other++) {
                if (other == me) continue;
                for (double d : new double[] {0.1, -0.1}) {
                    double[] q = p.clone();
                    q[me] += d;
                    q[other] -= d;
                    if (q[me] < 0 || q[other] < 0) continue;
                    Map<String, String> o = new LinkedHashMap<>();
                    for (int i = 0; i < 3; i++) {
                        if (!at(json, prefix + names[i]).isMissingNode()) o.put(prefix + names[i], Double.toString(Math.round(q[i] * 1e6) / 1e6));
                    }
                    out.add(o);
                }
            }
            return out;
        }
        List<String> values = new ArrayList<>();
        if (v.isBoolean()) values.add(Boolean.toString(!v.asBoolean()));
        else if (v.isIntegralNumber()) {
            long x = v.asLong();
            values.addAll(List.of(Long.toString(x + 2), Long.toString(x + 1), Long.toString(Math.max(1, x - 1))));
        } else if (v.isNumber()) {
            double d = v.asDouble();
            for (double x : new double[] {d == 0 ? 0.1 : d > 0 && d < 1 ? d / 2 : d * 2, 0, 0.5, 1}) {
                if (x != d) values.add(Double.toString(x));
            }
        } else if (v.isArray()) {
            boolean ints = v.size() > 0 && v.get(0).isIntegralNumber();
            values.addAll(ints ? List.of("[7,8]", "[2]", "[4]") : List.of("[0.5]", "[0.25,0.75]"));
        } else if (v.isTextual()) {
            Class<?> type = componentType(a.configType(), key);
            assertTrue(type.isEnum(), a.name() + ": text key " + key + " is not an enum");
            for (Object c : type.getEnumConstants()) if (!((Enum<?>) c).name().equals(v.asText())) values.add(((Enum<?>) c).name());
        } else {
            throw new AssertionError("no changed value for " + key + " = " + v);
        }
        List<Map<String, String>> out = new ArrayList<>();
        for (String x : values) if (!x.equals(v.asText())) out.add(Map.of(key, x));
        return out;
    }

    private static Class<?> componentType(Class<?> type, String key) {
        Class<?> t = type;
        for (String part : key.split("\\.")) {
            Class<?> next = null;
            for (var rc : t.getRecordComponents()) if (rc.getName().equals(part)) next = rc.getType();
            t = next;
        }
        return t;
    }

    private static JsonNode at(JsonNode json, String key) {
        return json.at("/" + key.replace('.', '/'));
    }

    /** 'flowbench run --help' shows these; they must work for every algorithm as printed. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void theHelpExamplesWorkEverywhere(Algorithm<?> a) {
        JsonNode c = Configs.toJson(config(a, Map.of("lr", "1e-3", "hidden", "[256,256]", "discount", "0.995")));
        assertEquals(0.995, c.get("discount").asDouble());
        int lrs = 0, widths = 0;
        for (String k : List.of("learningRate", "actorLearningRate", "criticLearningRate", "valueLearningRate")) {
            if (c.has(k)) {
                assertEquals(1e-3, c.get(k).asDouble(), a.name() + " " + k);
                lrs++;
            }
        }
        for (String k : List.of("hidden", "actorHidden", "criticHidden")) {
            if (c.has(k)) {
                assertEquals("[256,256]", c.get(k).toString(), a.name() + " " + k);
                widths++;
            }
        }
        assertTrue(lrs > 0 && widths > 0, a.name() + ": lr and hidden reach nothing");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void checkpointResumeIsBitIdentical(Algorithm<?> a, @TempDir Path dir) throws Exception {
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), ToyTasks.bimodal(6, 20, 0.5, 8), 8);
        Learner x = learner(a, small(a), ctx);
        for (int s = 0; s < 3; s++) x.update(s, Seeds.rng(8, "train", s));
        x.save(dir);
        Map<String, Double> lastX = null;
        for (int s = 3; s < 6; s++) lastX = x.update(s, Seeds.rng(8, "train", s));
        Learner y = learner(a, small(a), ctx);
        y.load(dir);
        Map<String, Double> lastY = null;
        for (int s = 3; s < 6; s++) lastY = y.update(s, Seeds.rng(8, "train", s));
        assertEquals(lastX, lastY, a.name());
        for (String p : x.policies().keySet()) {
            assertArrayEquals(x.policies().get(p).act(new float[] {0.5f, 0.5f}, new float[0], 2, new Rng(1)),
                    y.policies().get(p).act(new float[] {0.5f, 0.5f}, new float[0], 2, new Rng(1)), a.name() + " policy " + p);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("algorithms")
    void bothProfilesAndGoalConditionedTraining(Algorithm<?> a) {
        assertNotEquals(Configs.hash(a.defaultConfig("paper")), Configs.hash(a.defaultConfig("cpu")), a.name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.defaultConfig("gpu"));
        assertTrue(e.getMessage().contains("paper or cpu"), e.getMessage());
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.GOAL_CONDITIONED, 1, 1), ToyTasks.bimodal(6, 20, 0.5, 3), 3);
        Map<String, String> chunked = new LinkedHashMap<>(small(a));
        chunked.put("horizon", "3");
        Learner l = learner(a, chunked, ctx);
        for (int s = 0; s < 2; s++) {
            Map<String, Double> m = l.update(s, Seeds.rng(3, "train", s));
            for (Map.Entry<String, Double> x : m.entrySet()) assertTrue(Double.isFinite(x.getValue()), a.name() + " " + x);
        }
        for (String p : l.policies().keySet()) {
            float[] act = l.policies().get(p).act(new float[] {0.5f, 0.5f}, new float[] {0.1f, 0.2f}, 2, new Rng(2));
            assertEquals(2 * 3, act.length, a.name() + " " + p + ": batch x (H * actionDim)");
            for (float v : act) assertTrue(v >= -1 && v <= 1, a.name() + " " + p + " acts " + v);
        }
    }
}
