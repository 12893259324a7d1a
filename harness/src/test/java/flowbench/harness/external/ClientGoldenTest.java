package flowbench.harness.external;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.data.ChunkBatch;
import flowbench.harness.data.ChunkSampler;
import flowbench.harness.data.Dataset;
import flowbench.harness.data.DatasetMode;
import flowbench.harness.data.Datasets;
import flowbench.harness.data.GoalBatch;
import flowbench.harness.data.GoalChunkBatch;
import flowbench.harness.data.GoalConfig;
import flowbench.harness.data.GoalSampler;
import flowbench.harness.data.LoadOptions;
import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import flowbench.harness.io.Json;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Golden values that the Python client ({@code clients/python}, {@code flowbench_client.seeds}, {@code .sampling},
 * {@code .data.load_ogbench_raw}) must reproduce exactly: seed derivation, the generator's streams, the chunk and goal
 * samplers' batches and raw OGBench loading, all on fixed seeds and a small in-memory dataset.
 *
 * <p>The fixture {@code clients/python/tests/fixtures/golden.json} (and the raw file {@code raw.npz} beside it) is
 * committed; this test recomputes it and fails on any difference, so a change to the Java streams cannot go unnoticed
 * by the Python side. With {@code -Dflowbench.regenerateGolden=true} it rewrites both files instead. Floats are written
 * as the JSON number of their exact double value, which parses back to the same float32 in Python.
 */
class ClientGoldenTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = Json.mapper();

    /** 3 episodes of 5, 7 and 4 raw rows (4, 6 and 3 transitions); obs dim 3, action dim 2, some actions beyond the clip. */
    static LinkedHashMap<String, NpyArray> raw() {
        int[] lengths = {5, 7, 4};
        int n = Arrays.stream(lengths).sum();
        Rng rng = new Rng(20240607L);
        float[] obs = new float[n * 3];
        rng.fillGaussian(obs);
        float[] act = new float[n * 2];
        for (int i = 0; i < act.length; i++) act[i] = (float) rng.uniform(-1.3, 1.3);
        act[3] = 1f;
        act[4] = -1f;
        boolean[] term = new boolean[n];
        int end = -1;
        for (int len : lengths) {
            end += len;
            term[end] = true;
        }
        LinkedHashMap<String, NpyArray> m = new LinkedHashMap<>();
        m.put("observations", NpyArray.of(obs, n, 3));
        m.put("actions", NpyArray.of(act, n, 2));
        m.put("terminals", NpyArray.of(term, n));
        return m;
    }

    static Path fixtures() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("clients/python"))) return p.resolve("clients/python/tests/fixtures");
        }
        throw new IllegalStateException("no clients/python above " + System.getProperty("user.dir"));
    }

    @Test
    void pythonClientFixtureIsCurrent() throws IOException {
        LinkedHashMap<String, NpyArray> raw = raw();
        ObjectNode golden = golden(raw);
        Path dir = fixtures();
        Path jsonFile = dir.resolve("golden.json");
        Path rawFile = dir.resolve("raw.npz");
        if (Boolean.getBoolean("flowbench.regenerateGolden")) {
            Files.createDirectories(dir);
            Npz.write(rawFile, raw);
            Files.writeString(jsonFile, Json.pretty(golden));
            return;
        }
        assertTrue(Files.isRegularFile(jsonFile), jsonFile + " is missing; run with -Dflowbench.regenerateGolden=true");
        // through text and back, so that int/long and float/double nodes compare as the parsed file's nodes do
        JsonNode actual = MAPPER.readTree(Json.pretty(golden));
        JsonNode expected = MAPPER.readTree(jsonFile.toFile());
        String diff = firstDifference("", expected, actual);
        assertNull(diff, "golden.json differs from what the Java harness computes now (regenerate with "
                + "-Dflowbench.regenerateGolden=true and check the Python client still passes): " + diff);
        Map<String, NpyArray> onDisk = Npz.read(rawFile);
        assertEquals(raw.keySet(), onDisk.keySet());
        for (String k : raw.keySet()) {
            assertEquals(raw.get(k).dtype(), onDisk.get(k).dtype(), k);
            assertArrayEquals(raw.get(k).shape(), onDisk.get(k).shape(), k);
            assertTrue(Arrays.deepEquals(new Object[]{raw.get(k).data()}, new Object[]{onDisk.get(k).data()}), k);
        }
        // the committed raw file loads to the same datasets the fixture records
        Dataset fromFile = Datasets.load(rawFile, LoadOptions.defaults(), null);
        assertArrayEquals(Datasets.fromRaw(raw, LoadOptions.defaults(), null).observations(), fromFile.observations());
    }

    static ObjectNode golden(LinkedHashMap<String, NpyArray> raw) {
        ObjectNode g = F.objectNode();
        g.put("comment", "Written by harness/src/test/java/flowbench/harness/external/ClientGoldenTest.java with "
                + "-Dflowbench.regenerateGolden=true; checked by that test and by clients/python/tests/test_golden.py");
        g.set("derive", derive());
        g.set("rng", rngStreams());
        Dataset regular = Datasets.fromRaw(raw, LoadOptions.defaults(), null);
        Dataset compact = Datasets.fromRaw(raw, LoadOptions.defaults().withMode(DatasetMode.COMPACT), null);
        ObjectNode datasets = g.putObject("datasets");
        datasets.set("regular", dataset(regular));
        datasets.set("compact", dataset(compact));
        Map<String, Dataset> byName = Map.of("regular", regular, "compact", compact);

        ArrayNode chunks = g.putArray("chunk");
        Object[][] chunkCases = {{"regular", 3, 0.99, 5}, {"compact", 3, 0.99, 5}, {"regular", 1, 0.9, 4}, {"compact", 4, 0.5, 6}};
        for (int c = 0; c < chunkCases.length; c++) {
            String name = (String) chunkCases[c][0];
            int h = (Integer) chunkCases[c][1];
            double gamma = (Double) chunkCases[c][2];
            int batch = (Integer) chunkCases[c][3];
            long seed = Seeds.derive(2024, "golden", "chunk", c);
            ObjectNode o = chunks.addObject();
            o.put("dataset", name).put("horizon", h).put("gamma", gamma).put("batch", batch).put("seed", seed);
            o.set("out", chunkBatch(new ChunkSampler(byName.get(name), h, gamma).sample(batch, new Rng(seed))));
        }

        GoalConfig other = new GoalConfig(0.9, 0.1, 0.6, 0.3, true, 0.3, 0.3, 0.4, false, true);
        Object[][] goalCases = {{"regular", GoalConfig.defaults(), 0, 3}, {"compact", GoalConfig.defaults(), 0, 3},
                {"regular", other, 1, 3}, {"compact", other, 0, 2}};
        ArrayNode goals = g.putArray("goal");
        for (int c = 0; c < goalCases.length; c++) {
            String name = (String) goalCases[c][0];
            GoalConfig cfg = (GoalConfig) goalCases[c][1];
            int from = (Integer) goalCases[c][2];
            int to = (Integer) goalCases[c][3];
            Dataset d = byName.get(name);
            GoalSampler s = GoalSampler.observationSlice(d, cfg, from, to);
            long seed = Seeds.derive(2024, "golden", "goal", c);
            long chunkSeed = Seeds.derive(2024, "golden", "goal-chunk", c);
            ObjectNode o = goals.addObject();
            o.put("dataset", name).put("from", from).put("to", to).put("batch", 8).put("horizon", 3);
            o.put("seed", seed).put("chunk_seed", chunkSeed);
            o.putObject("config")
                    .put("discount", cfg.discount())
                    .put("value_p_cur_goal", cfg.valuePCurGoal()).put("value_p_traj_goal", cfg.valuePTrajGoal())
                    .put("value_p_random_goal", cfg.valuePRandomGoal()).put("value_geom_sample", cfg.valueGeomSample())
                    .put("actor_p_cur_goal", cfg.actorPCurGoal()).put("actor_p_traj_goal", cfg.actorPTrajGoal())
                    .put("actor_p_random_goal", cfg.actorPRandomGoal()).put("actor_geom_sample", cfg.actorGeomSample())
                    .put("negative_reward", cfg.negativeReward());
            o.set("sample", goalBatch(s.sample(8, new Rng(seed))));
            o.set("chunks", goalChunkBatch(s.sampleChunks(8, 3, new Rng(chunkSeed))));
        }
        return g;
    }

    /** derive(root, labels...) for label paths of integers, strings, doubles and booleans (Java's hashing rules). */
    static ArrayNode derive() {
        long[] roots = {0, 1, -1, 123456789, Long.MIN_VALUE, Long.MAX_VALUE};
        List<Object[]> paths = List.of(new Object[]{}, new Object[]{"train", 0}, new Object[]{"train", 5L},
                new Object[]{"train", 299_999L}, new Object[]{"external", "init"}, new Object[]{"validate", 1000},
                new Object[]{"policy", 3000L, "flow-bc", 2, 7}, new Object[]{"init", "velocity"},
                new Object[]{"\u00fcn\u00efc\u00f6de \u2713", -7}, new Object[]{"mixed", 0.25, 1.0e-4, 1.0e10, true, -3L});
        ArrayNode out = F.arrayNode();
        for (long root : roots) {
            for (Object[] path : paths) {
                ObjectNode o = out.addObject();
                o.put("root", root);
                o.set("labels", Json.tree(path));
                o.put("value", Seeds.derive(root, path));
            }
        }
        return out;
    }

    static ObjectNode rngStreams() {
        long seed = 42;
        ObjectNode o = F.objectNode();
        o.put("seed", seed);
        Rng r = new Rng(seed);
        ArrayNode a = o.putArray("next_long");
        for (int i = 0; i < 20; i++) a.add(r.nextLong());
        r = new Rng(seed);
        a = o.putArray("next_double");
        for (int i = 0; i < 20; i++) a.add(r.nextDouble());
        r = new Rng(seed);
        a = o.putArray("next_float");
        for (int i = 0; i < 20; i++) a.add((double) r.nextFloat());
        r = new Rng(seed);
        a = o.putArray("next_int_7");
        for (int i = 0; i < 20; i++) a.add(r.nextInt(7));
        r = new Rng(seed);
        a = o.putArray("next_gaussian");
        for (int i = 0; i < 21; i++) a.add(r.nextGaussian());
        // several bounds from one generator, including 1 and the largest int
        r = new Rng(-seed);
        ObjectNode bounds = o.putObject("next_int_bounds");
        bounds.put("seed", -seed);
        ArrayNode bs = bounds.putArray("bounds");
        ArrayNode vs = bounds.putArray("values");
        for (int bound : new int[]{1, 2, 7, 1000, 1 << 30, Integer.MAX_VALUE}) {
            for (int i = 0; i < 4; i++) {
                bs.add(bound);
                vs.add(r.nextInt(bound));
            }
        }
        r = new Rng(seed + 1);
        a = o.putArray("uniform_m2_3");
        for (int i = 0; i < 10; i++) a.add(r.uniform(-2, 3));
        r = new Rng(seed + 2);
        float[] fill = new float[7];
        r.fillGaussian(fill);
        o.set("fill_gaussian_7", floats(fill));
        a = o.putArray("after_fill_next_gaussian");  // the 8th normal is the spare of the 4th pair
        a.add(r.nextGaussian());
        r = new Rng(seed + 3);
        Rng child = r.split();
        a = o.putArray("split_child_next_long");
        for (int i = 0; i < 3; i++) a.add(child.nextLong());
        a = o.putArray("split_parent_next_long");
        for (int i = 0; i < 3; i++) a.add(r.nextLong());
        return o;
    }

    static ObjectNode dataset(Dataset d) {
        ObjectNode o = F.objectNode();
        o.put("size", d.size()).put("obs_dim", d.obsDim()).put("action_dim", d.actionDim());
        o.set("observations", floats(d.observations()));
        o.set("actions", floats(d.actions()));
        o.set("next_observations", floats(d.nextObservations()));
        o.set("rewards", floats(d.rewards()));
        o.set("masks", floats(d.masks()));
        o.set("terminals", bools(d.terminals()));
        o.set("valids", bools(d.valids()));
        return o;
    }

    static ObjectNode chunkBatch(ChunkBatch b) {
        ObjectNode o = F.objectNode();
        o.set("start_indices", ints(b.startIndices()));
        o.set("observations", floats(b.observations()));
        o.set("actions", floats(b.actions()));
        o.set("rewards", floats(b.rewards()));
        o.set("masks", floats(b.masks()));
        o.set("valid", floats(b.valid()));
        o.set("terminals", floats(b.terminals()));
        o.set("next_observations", floats(b.nextObservations()));
        return o;
    }

    static ObjectNode goalChunkBatch(GoalChunkBatch b) {
        ObjectNode o = chunkBatch(b);
        o.set("value_goal_indices", ints(b.valueGoalIndices()));
        o.set("actor_goal_indices", ints(b.actorGoalIndices()));
        o.set("value_goals", floats(b.valueGoals()));
        o.set("actor_goals", floats(b.actorGoals()));
        return o;
    }

    static ObjectNode goalBatch(GoalBatch b) {
        ObjectNode o = F.objectNode();
        o.set("indices", ints(b.indices()));
        o.set("value_goal_indices", ints(b.valueGoalIndices()));
        o.set("actor_goal_indices", ints(b.actorGoalIndices()));
        o.set("observations", floats(b.observations()));
        o.set("actions", floats(b.actions()));
        o.set("next_observations", floats(b.nextObservations()));
        o.set("rewards", floats(b.rewards()));
        o.set("masks", floats(b.masks()));
        o.set("value_goals", floats(b.valueGoals()));
        o.set("actor_goals", floats(b.actorGoals()));
        return o;
    }

    /** Each float as the JSON number of its exact double value (round-trips to the same float32). */
    static ArrayNode floats(float[] v) {
        ArrayNode a = F.arrayNode();
        for (float x : v) a.add((double) x);
        return a;
    }

    static ArrayNode ints(int[] v) {
        ArrayNode a = F.arrayNode();
        for (int x : v) a.add(x);
        return a;
    }

    static ArrayNode bools(boolean[] v) {
        ArrayNode a = F.arrayNode();
        for (boolean x : v) a.add(x ? 1 : 0);
        return a;
    }

    /** The path and both values of the first difference between two trees, or null when equal. */
    static String firstDifference(String path, JsonNode expected, JsonNode actual) {
        if (expected.equals(actual)) return null;
        if (expected.isObject() && actual.isObject()) {
            for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!actual.has(k)) return path + "/" + k + ": missing now";
                String d = firstDifference(path + "/" + k, expected.get(k), actual.get(k));
                if (d != null) return d;
            }
            for (Iterator<String> it = actual.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!expected.has(k)) return path + "/" + k + ": not in the fixture";
            }
        }
        if (expected.isArray() && actual.isArray() && expected.size() == actual.size()) {
            for (int i = 0; i < expected.size(); i++) {
                String d = firstDifference(path + "/" + i, expected.get(i), actual.get(i));
                if (d != null) return d;
            }
        }
        return path + ": fixture " + abbreviate(expected) + ", now " + abbreviate(actual);
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
}
