package flowbench.tasks.ogbench;

import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.protocol.Registry;
import flowbench.harness.spi.TaskProvider;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OGBench task names, modes and dims, and the separation from the Java-native tasks (no Python needed). */
class OgbenchTaskProviderTest {
    private final OgbenchTaskProvider provider = new OgbenchTaskProvider();

    @Test
    void servesEveryRequiredEnvInBothModes() {
        List<String> names = provider.taskNames();
        assertEquals(OgbenchDataset.ALL.size() * 13, names.size(), "goal-conditioned + 6 single-task names, dense and sparse");
        for (String maze : List.of("medium", "large", "giant", "teleport")) {
            for (String kind : List.of("navigate", "stitch")) {
                assertTrue(names.contains("ogbench:pointmaze-" + maze + "-" + kind + "-v0"));
                assertTrue(names.contains("ogbench:pointmaze-" + maze + "-" + kind + "-singletask-task5-v0"));
            }
        }
        for (String d : List.of("cube-single-play", "cube-double-play", "scene-play", "puzzle-3x3-play", "puzzle-4x4-play")) {
            assertTrue(names.contains("ogbench:" + d + "-v0"), d);
            assertTrue(names.contains("ogbench:" + d + "-singletask-v0"), d);
            for (int k = 1; k <= 5; k++) assertTrue(names.contains("ogbench:" + d + "-singletask-task" + k + "-v0"), d);
            assertTrue(names.contains("ogbench:" + d + "-singletask-task3-sparse-v0"), d);
            assertTrue(names.contains("ogbench:" + d + "-singletask-sparse-v0"), d);
        }
    }

    /** QAM's sparse transform r ← −[r ≠ 0] on the same OGBench env and data: named, recorded, applied. */
    @Test
    void sparseSingleTaskNamesServeTheSameEnvWithTheSparseReward() {
        OgbenchTask sp = (OgbenchTask) provider.task("ogbench:puzzle-3x3-play-singletask-task2-sparse-v0").orElseThrow();
        assertTrue(sp.sparse());
        assertEquals("puzzle-3x3-play-singletask-task2-v0", sp.envName(), "the bridge serves OGBench's own env");
        assertEquals("ogbench:puzzle-3x3-play-v0", sp.datasetName(), "the same dataset as the dense name");
        assertEquals(sp.envName(), sp.expected().envName());
        assertTrue(sp.rewardMode().contains("sparse: -[r != 0]"), sp.rewardMode());
        assertEquals(-1f, sp.reward(-3f));
        assertEquals(0f, sp.reward(0f));
        assertEquals(-1f, sp.reward(-1f));
        OgbenchTask dense = (OgbenchTask) provider.task("ogbench:puzzle-3x3-play-singletask-task2-v0").orElseThrow();
        assertFalse(dense.sparse());
        assertEquals(-3f, dense.reward(-3f));
        assertEquals(List.of(4), provider.task("ogbench:puzzle-4x4-play-singletask-sparse-v0").orElseThrow().evaluationTaskIds());
        assertTrue(provider.task("ogbench:puzzle-3x3-play-sparse-v0").isEmpty(), "goal-conditioned names have no sparse variant");
    }

    @Test
    void modesTimingsDimsAndDatasets() {
        OgbenchTask gc = (OgbenchTask) provider.task("ogbench:cube-double-play-v0").orElseThrow();
        assertEquals(TaskMode.GOAL_CONDITIONED, gc.mode());
        assertEquals(SuccessTiming.POST, gc.successTiming());
        assertEquals(List.of(1, 2, 3, 4, 5), gc.evaluationTaskIds());
        assertEquals(37, gc.spec().obsDim());
        assertEquals(37, gc.spec().goalDim());
        assertEquals(500, gc.spec().maxEpisodeSteps());
        assertEquals("ogbench:cube-double-play-v0", gc.datasetName());
        assertNull(gc.relabeler());

        OgbenchTask st = (OgbenchTask) provider.task("ogbench:puzzle-3x3-play-singletask-task2-v0").orElseThrow();
        assertEquals(TaskMode.SINGLE_TASK, st.mode());
        assertEquals(SuccessTiming.PRE, st.successTiming(), "OGBench >= 1.2.0 single-task: success on s");
        assertEquals(List.of(2), st.evaluationTaskIds());
        assertEquals(0, st.spec().goalDim());
        assertEquals("ogbench:puzzle-3x3-play-v0", st.datasetName());
        assertEquals("puzzle-3x3-play-singletask-task2-v0", st.envName());
        assertInstanceOf(OgbenchRelabeler.class, st.relabeler());
        assertTrue(st.rewardMode().contains("success_timing='pre'") && st.rewardMode().contains("OGBench 1.2.2"));

        // OGBench's defaults of the bare -singletask-v0 names
        assertEquals(List.of(1), provider.task("ogbench:pointmaze-giant-stitch-singletask-v0").orElseThrow().evaluationTaskIds());
        assertEquals(List.of(2), provider.task("ogbench:cube-single-play-singletask-v0").orElseThrow().evaluationTaskIds());
        assertEquals(List.of(2), provider.task("ogbench:scene-play-singletask-v0").orElseThrow().evaluationTaskIds());
        assertEquals(List.of(4), provider.task("ogbench:puzzle-4x4-play-singletask-v0").orElseThrow().evaluationTaskIds());
    }

    @Test
    void onlyPrefixedNamesAndOnlyThisProviderServesThem() {
        assertTrue(provider.task("puzzle-3x3-play-v0").isEmpty(), "a Java-native name is not an OGBench task");
        assertTrue(provider.task("ogbench:antmaze-large-navigate-v0").isEmpty());
        for (String n : provider.taskNames()) assertTrue(n.startsWith(OgbenchTask.PREFIX), n);
        for (TaskProvider p : ServiceLoader.load(TaskProvider.class)) {
            if (p instanceof OgbenchTaskProvider) continue;
            for (String n : p.taskNames()) {
                assertFalse(n.startsWith(OgbenchTask.PREFIX), p.getClass().getName() + " claims the OGBench name " + n);
                assertTrue(p.task(n).isEmpty() || !(p.task(n).get() instanceof OgbenchTask), n);
            }
        }
        // through the registry (what the CLI uses): every ogbench: task is a bridge task
        Registry r = Registry.load(getClass().getClassLoader());
        int count = 0;
        for (String n : r.taskNames()) {
            if (!n.startsWith(OgbenchTask.PREFIX)) continue;
            count++;
            Task t = r.task(n);
            assertInstanceOf(OgbenchTask.class, t, n);
            assertInstanceOf(OgbenchEnvironment.class, t.newEnvironment(), n);
        }
        assertEquals(provider.taskNames().size(), count);
        String m = assertThrows(IllegalArgumentException.class, () -> r.task("ogbench:antmaze-large-navigate-v0")).getMessage();
        assertTrue(m.contains("unknown task 'ogbench:antmaze-large-navigate-v0'"), m);
    }

    @Test
    void everyTaskTrainsOnADatasetTheGeneratorServes() {
        Set<String> generated = new HashSet<>(new OgbenchDatasets().datasetNames());
        for (String n : provider.taskNames()) {
            String d = provider.task(n).orElseThrow().datasetName();
            assertTrue(generated.contains(d), n + " trains on " + d + ", which OgbenchDatasets does not generate");
        }
        assertEquals(generated.size(), OgbenchDataset.ALL.size());
    }

    /** The versions the client insists on are the ones the bridge package declares. */
    @Test
    void versionConstantsMatchThePythonPackage() throws IOException {
        Path root = repoRoot();
        String pyproject = Files.readString(root.resolve("ogbench-bridge/pyproject.toml"));
        Matcher v = Pattern.compile("(?m)^version = \"([^\"]+)\"").matcher(pyproject);
        assertTrue(v.find());
        assertEquals(OgbenchBridgeClient.BRIDGE_VERSION, v.group(1), "pyproject version vs OgbenchBridgeClient.BRIDGE_VERSION");
        assertTrue(pyproject.contains("\"ogbench==" + OgbenchDataset.OGBENCH_VERSION + "\""), "OGBench pin");
        String init = Files.readString(root.resolve("ogbench-bridge/flowbench_ogbench/__init__.py"));
        assertTrue(init.contains("__version__ = \"" + OgbenchBridgeClient.BRIDGE_VERSION + "\""), init);
        String serve = Files.readString(root.resolve("ogbench-bridge/flowbench_ogbench/serve.py"));
        assertTrue(serve.contains("PROTOCOL_VERSION = " + OgbenchBridgeClient.PROTOCOL_VERSION + "\n"), "serve.py protocol");
    }

    private static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("ogbench-bridge/pyproject.toml"))) return p;
        }
        throw new IllegalStateException("cannot find ogbench-bridge/pyproject.toml above " + Path.of("").toAbsolutePath());
    }
}
