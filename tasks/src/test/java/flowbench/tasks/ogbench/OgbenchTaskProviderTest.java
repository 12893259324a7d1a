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
import java.util.ArrayList;
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
        assertEquals(47, OgbenchDataset.ALL.size(), "OGBench 1.2.2's state-based datasets: 85 minus 35 visual, minus 3 powderworld");
        assertEquals(OgbenchDataset.ALL.size() * 13, names.size(), "goal-conditioned + 6 single-task names, dense and sparse");
        assertEquals(611, names.size());
        for (String maze : List.of("medium", "large", "giant", "teleport")) {
            for (String kind : List.of("navigate", "stitch")) {
                assertTrue(names.contains("ogbench:pointmaze-" + maze + "-" + kind + "-v0"));
                assertTrue(names.contains("ogbench:pointmaze-" + maze + "-" + kind + "-singletask-task5-v0"));
            }
        }
        List<String> datasets = new ArrayList<>(List.of("cube-single-play", "cube-double-play", "scene-play",
                "puzzle-3x3-play", "puzzle-4x4-play", "cube-triple-play", "cube-quadruple-play", "puzzle-4x5-play",
                "puzzle-4x6-play", "scene-noisy"));
        for (String env : List.of("cube-single", "cube-double", "cube-triple", "cube-quadruple", "puzzle-3x3", "puzzle-4x4",
                "puzzle-4x5", "puzzle-4x6")) {
            datasets.add(env + "-noisy");
        }
        for (String maze : List.of("medium", "large", "giant", "teleport")) {
            for (String kind : List.of("navigate", "stitch", "explore")) {
                if (!(maze.equals("giant") && kind.equals("explore"))) datasets.add("antmaze-" + maze + "-" + kind);
            }
        }
        for (String maze : List.of("medium", "large", "giant")) {
            for (String kind : List.of("navigate", "stitch")) datasets.add("humanoidmaze-" + maze + "-" + kind);
        }
        for (String arena : List.of("arena", "medium")) {
            for (String kind : List.of("navigate", "stitch")) datasets.add("antsoccer-" + arena + "-" + kind);
        }
        assertEquals(47 - 8, datasets.size());
        for (String d : datasets) {
            assertTrue(names.contains("ogbench:" + d + "-v0"), d);
            assertTrue(names.contains("ogbench:" + d + "-singletask-v0"), d);
            for (int k = 1; k <= 5; k++) assertTrue(names.contains("ogbench:" + d + "-singletask-task" + k + "-v0"), d);
            assertTrue(names.contains("ogbench:" + d + "-singletask-task3-sparse-v0"), d);
            assertTrue(names.contains("ogbench:" + d + "-singletask-sparse-v0"), d);
        }
    }

    /** Dims, lengths, default tasks and timing of the families OGBench's download provides (OgbenchTableSlowTest checks all). */
    @Test
    void downloadedFamiliesHaveOgbenchsDimsLengthsAndDefaults() {
        record Want(String dataset, int obs, int act, int length, int defaultTask) {}
        for (Want w : List.of(new Want("antmaze-medium-navigate", 29, 8, 1000, 1), new Want("antmaze-teleport-explore", 29, 8, 1000, 1),
                new Want("antmaze-giant-stitch", 29, 8, 1000, 1), new Want("humanoidmaze-large-stitch", 69, 21, 2000, 1),
                new Want("humanoidmaze-giant-navigate", 69, 21, 4000, 1), new Want("antsoccer-arena-navigate", 42, 8, 1000, 4),
                new Want("antsoccer-medium-stitch", 42, 8, 1000, 4), new Want("cube-triple-play", 46, 5, 1000, 2),
                new Want("cube-quadruple-noisy", 55, 5, 1000, 2), new Want("puzzle-4x5-play", 99, 5, 1000, 2),
                new Want("puzzle-4x6-noisy", 115, 5, 1000, 2), new Want("puzzle-3x3-noisy", 55, 5, 500, 4),
                new Want("scene-noisy", 40, 5, 750, 2), new Want("cube-single-noisy", 28, 5, 200, 2))) {
            OgbenchTask gc = (OgbenchTask) provider.task("ogbench:" + w.dataset() + "-v0").orElseThrow();
            assertEquals(TaskMode.GOAL_CONDITIONED, gc.mode(), w.dataset());
            assertEquals(SuccessTiming.POST, gc.successTiming(), w.dataset());
            assertEquals(w.obs(), gc.spec().obsDim(), w.dataset());
            assertEquals(w.obs(), gc.spec().goalDim(), w.dataset());
            assertEquals(w.act(), gc.spec().actionDim(), w.dataset());
            assertEquals(w.length(), gc.spec().maxEpisodeSteps(), w.dataset());
            assertEquals(List.of(1, 2, 3, 4, 5), gc.evaluationTaskIds(), w.dataset());
            OgbenchTask st = (OgbenchTask) provider.task("ogbench:" + w.dataset() + "-singletask-v0").orElseThrow();
            assertEquals(TaskMode.SINGLE_TASK, st.mode(), w.dataset());
            assertEquals(SuccessTiming.PRE, st.successTiming(), w.dataset());
            assertEquals(0, st.spec().goalDim(), w.dataset());
            assertEquals(w.length(), st.spec().maxEpisodeSteps(), w.dataset());
            assertEquals(List.of(w.defaultTask()), st.evaluationTaskIds(), w.dataset());
            assertEquals(w.dataset() + "-singletask-v0", st.envName());
            assertEquals("ogbench:" + w.dataset() + "-v0", st.datasetName());
            OgbenchTask sparse = (OgbenchTask) provider.task("ogbench:" + w.dataset() + "-singletask-task5-sparse-v0").orElseThrow();
            assertTrue(sparse.sparse() && sparse.envName().equals(w.dataset() + "-singletask-task5-v0"), w.dataset());
        }
        OgbenchTask soccer = (OgbenchTask) provider.task("ogbench:antsoccer-arena-stitch-singletask-task1-v0").orElseThrow();
        assertTrue(soccer.rewardMode().contains("ball xy") && soccer.rewardMode().contains("<= 0.5"), soccer.rewardMode());
        OgbenchTask ant = (OgbenchTask) provider.task("ogbench:antmaze-large-navigate-singletask-task1-v0").orElseThrow();
        assertTrue(ant.rewardMode().contains("||xy - goal cell centre|| <= 0.5"), ant.rewardMode());
        OgbenchTask cube = (OgbenchTask) provider.task("ogbench:cube-quadruple-play-singletask-task2-v0").orElseThrow();
        assertTrue(cube.rewardMode().contains("(task2_quadruple_pnp)"), cube.rewardMode());
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
        // names OGBench does not have (giant has no explore dataset, humanoidmaze no teleport one) or does not serve as states
        for (String n : List.of("ogbench:antmaze-giant-explore-v0", "ogbench:humanoidmaze-teleport-navigate-v0",
                "ogbench:visual-antmaze-large-navigate-v0", "ogbench:powderworld-easy-play-v0", "ogbench:cube-octuple-play-v0")) {
            assertTrue(provider.task(n).isEmpty(), n);
        }
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
        String m = assertThrows(IllegalArgumentException.class, () -> r.task("ogbench:antmaze-giant-explore-v0")).getMessage();
        assertTrue(m.contains("unknown task 'ogbench:antmaze-giant-explore-v0'"), m);
    }

    /** Every task's dataset is registered: generated by the bridge ({@code SPECS}) or OGBench's download ({@code DOWNLOAD_ONLY}). */
    @Test
    void everyTaskTrainsOnARegisteredDataset() {
        Set<String> registered = new HashSet<>(new OgbenchDatasets().datasetNames());
        for (String n : provider.taskNames()) {
            String d = provider.task(n).orElseThrow().datasetName();
            assertTrue(registered.contains(d), n + " trains on " + d + ", which OgbenchDatasets does not register");
        }
        assertEquals(registered.size(), OgbenchDataset.ALL.size());
        Set<String> table = new HashSet<>();
        for (OgbenchDataset d : OgbenchDataset.ALL) table.add(d.name());
        Set<String> both = new HashSet<>(OgbenchDatasets.SPECS.keySet());
        both.addAll(OgbenchDatasets.DOWNLOAD_ONLY.keySet());
        assertEquals(table, both, "generated + downloaded = the task table");
        assertEquals(OgbenchDataset.ALL.size(), OgbenchDatasets.SPECS.size() + OgbenchDatasets.DOWNLOAD_ONLY.size(), "disjoint");
        assertEquals(13, OgbenchDatasets.SPECS.size());
        assertEquals(34, OgbenchDatasets.DOWNLOAD_ONLY.size());
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
