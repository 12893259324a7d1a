package flowbench.tasks.ogbench;

import flowbench.harness.data.Dataset;
import flowbench.harness.data.DatasetMode;
import flowbench.harness.data.Datasets;
import flowbench.harness.data.LoadOptions;
import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import flowbench.harness.env.Relabeler;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.Runner;
import flowbench.harness.spi.TaskProvider;
import flowbench.tasks.pointmaze.PointMazeTaskProvider;
import flowbench.tasks.puzzle.PuzzleTaskProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Java loader ({@link Datasets#load}) against OGBench's own ({@code ogbench.utils.load_dataset} and, for single-task
 * names, {@code make_env_and_datasets}'s {@code relabel_dataset}) on the same generated files: every key OGBench
 * returns is compared exactly (bit for bit, float32), in regular and compact mode, with OGBench's info keys
 * ({@code add_info=True}), and for the single-task relabellings of pointmaze-medium-navigate (tasks 1-5) and
 * puzzle-3x3-play (tasks 2 and 4; all five under -Pslow).
 * The Java side loads without action clipping (OGBench's loader does not clip; flowbench clips afterwards, for training).
 *
 * <p>The relabellers compared are the Java-native tasks' ({@code puzzle-3x3-play-singletask-task<k>-v0}, ...), which
 * read the same fields (button_states, qpos) against the same fixed goals, and the {@code ogbench:} tasks' when the
 * bridge's task provider registers them. Needs the bridge (ogbench-bridge/install); skipped without it.
 */
class OgbenchLoaderCrossCheckTest {
    @TempDir
    Path tmp;

    /** Relabelled rows compared, and how many of them were successes: the test's power (all-failure labels compare trivially). */
    private long rows, successes;
    private final java.util.Set<Float> rewardValues = new TreeSet<>();

    /**
     * Tasks 2 and 4 by default: task4 is the default single task, and task2's goal board (011/111/111) is not
     * symmetric, so a Java button order that differs from OGBench's would show. (Each puzzle task costs OGBench about
     * 3 s of CPU to build and compile its environment; all five run under -Pslow.)
     */
    @Test
    void puzzle3x3() throws Exception {
        crossCheck("puzzle-3x3-play-v0", "puzzle-3x3-play", new PuzzleTaskProvider(), 2, 4);
    }

    @Test
    @Tag("slow")
    void puzzle3x3AllTasks() throws Exception {
        crossCheck("puzzle-3x3-play-v0", "puzzle-3x3-play", new PuzzleTaskProvider(), 1, 2, 3, 4, 5);
    }

    @Test
    void pointmazeMedium() throws Exception {
        crossCheck("pointmaze-medium-navigate-v0", "pointmaze-medium-navigate", new PointMazeTaskProvider(), 1, 2, 3, 4, 5);
    }

    private void crossCheck(String dataset, String base, TaskProvider javaNative, int... taskIds) throws Exception {
        int[] size = OgbenchGeneratorTest.size(dataset);
        Path dir = OgbenchBridge.generated(dataset, size[0], size[1], 0);
        Path train = Runner.datasetFile(dir, OgbenchDatasets.PREFIX + dataset, false);
        List<String> names = new ArrayList<>();
        for (int k : taskIds) names.add(base + "-singletask-task" + k + "-v0");
        List<String> args = new ArrayList<>(List.of(OgbenchBridge.script("ogbench_load_dump.py").toString(), train.toString(),
                tmp.toString()));
        args.addAll(names);
        OgbenchBridge.run(600, args.toArray(String[]::new));

        compare(tmp.resolve("regular.npz"), train, DatasetMode.REGULAR, null, "load_dataset regular");
        compare(tmp.resolve("compact.npz"), train, DatasetMode.COMPACT, null, "load_dataset compact");

        Registry registry = Registry.load();
        int relabellers = 0;
        for (String name : names) {
            Map<String, Relabeler> candidates = new LinkedHashMap<>();
            // the Java-native task of OGBench's name, under whatever family word its provider gives it
            // (puzzle-3x3-... may be served as lightsout-3x3-...): same name after the family word, one match
            String rest = name.substring(name.indexOf('-'));
            List<String> matches = javaNative.taskNames().contains(name) ? List.of(name)
                    : javaNative.taskNames().stream().filter(n -> n.endsWith(rest) && n.indexOf('-') == n.length() - rest.length()).toList();
            assertEquals(1, matches.size(), "the Java task for " + name + " in " + javaNative.getClass().getName() + ": " + matches);
            String javaName = matches.get(0);
            candidates.put(javaName, javaNative.task(javaName).orElseThrow().relabeler());
            String og = "ogbench:" + name;
            if (registry.taskNames().contains(og)) candidates.put(og, registry.task(og).relabeler());
            for (Map.Entry<String, Relabeler> c : candidates.entrySet()) {
                for (DatasetMode mode : DatasetMode.values()) {
                    String m = mode == DatasetMode.REGULAR ? "regular" : "compact";
                    compare(tmp.resolve(name + "-" + m + ".npz"), train, mode, c.getValue(),
                            "relabel_dataset " + name + " " + m + " vs Java task " + c.getKey());
                }
                relabellers++;
            }
        }
        assertTrue(relabellers >= taskIds.length);
        System.out.printf("%s: OGBench's loader and relabelling agree with Java's on %d relabelled rows (%d successes, "
                + "%d distinct rewards), %d relabellers, regular and compact%n", dataset, rows, successes, rewardValues.size(),
                relabellers);
        // the test's power: labels that were all equal would agree trivially
        assertTrue(rewardValues.size() >= 2, "rewards take several values: " + rewardValues);
        if (dataset.startsWith("pointmaze")) {
            assertTrue(successes > 0 && successes < rows, "the data reach some task goal and miss it elsewhere ("
                    + successes + " successes of " + rows + " rows)");
        }
    }

    /** Every key of OGBench's result equals the Java dataset's field, exactly; no key of OGBench's is left out. */
    private void compare(Path ogbenchDump, Path raw, DatasetMode mode, Relabeler relabeler, String what) throws Exception {
        Map<String, NpyArray> og = Npz.read(ogbenchDump);
        Dataset d = Datasets.load(raw, new LoadOptions(mode, false, true), relabeler);
        Map<String, float[]> java = new LinkedHashMap<>();
        java.put("observations", d.observations());
        java.put("actions", d.actions());
        java.put("terminals", bools(d.terminals()));
        if (mode == DatasetMode.REGULAR) java.put("next_observations", d.nextObservations());
        else java.put("valids", bools(d.valids()));
        if (relabeler != null) {
            java.put("rewards", d.rewards());
            java.put("masks", d.masks());
        }
        java.putAll(d.extras());
        assertEquals(new TreeSet<>(og.keySet()), new TreeSet<>(java.keySet()), what + ": key sets");
        for (Map.Entry<String, NpyArray> e : og.entrySet()) {
            float[] expected = asFloat(e.getValue(), what + " " + e.getKey());
            float[] actual = java.get(e.getKey());
            assertEquals(expected.length, actual.length, what + ": length of " + e.getKey());
            for (int i = 0; i < expected.length; i++) {
                if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                    fail(what + ": " + e.getKey() + "[" + i + "] is " + actual[i] + " in Java, " + expected[i] + " in OGBench");
                }
            }
        }
        if (relabeler != null) {
            for (float v : d.masks()) successes += v == 0f ? 1 : 0;
            for (float v : d.rewards()) rewardValues.add(v);
            rows += d.size();
        }
    }

    /** OGBench's dtypes: float32 for everything but button_states (int64, 0 or 1); exact in float. */
    private static float[] asFloat(NpyArray a, String what) {
        Object data = a.data();
        if (data instanceof float[] f) return f;
        if (data instanceof long[] l) {
            float[] f = new float[l.length];
            for (int i = 0; i < l.length; i++) {
                assertTrue(Math.abs(l[i]) < (1 << 24), what + ": integer not exact in float32");
                f[i] = l[i];
            }
            return f;
        }
        throw new AssertionError(what + ": unexpected dtype " + a.dtype() + " from OGBench's loader");
    }

    private static float[] bools(boolean[] b) {
        float[] f = new float[b.length];
        for (int i = 0; i < b.length; i++) f[i] = b[i] ? 1f : 0f;
        return f;
    }
}
