package flowbench.tasks.pointmaze;

import flowbench.harness.data.Dataset;
import flowbench.harness.data.Datasets;
import flowbench.harness.data.LoadOptions;
import flowbench.harness.env.Environment;
import flowbench.harness.env.Relabeler;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;
import flowbench.harness.spi.TaskProvider;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class PointMazeTaskProviderTest {
    private final PointMazeTaskProvider provider = new PointMazeTaskProvider();

    @Test
    void registeredThroughServiceLoader() {
        boolean found = false;
        for (TaskProvider p : ServiceLoader.load(TaskProvider.class)) {
            if (p instanceof PointMazeTaskProvider) found = true;
        }
        assertTrue(found);
    }

    @Test
    void namesFollowOgbench() {
        List<String> names = provider.taskNames();
        assertEquals(4 * 2 * 7, names.size());
        assertEquals(names.size(), names.stream().distinct().count());
        for (String maze : List.of("medium", "large", "giant", "teleport")) {
            for (String ds : List.of("navigate", "stitch")) {
                String base = "jpointmaze-" + maze + "-" + ds;
                assertTrue(names.contains(base + "-v0"));
                assertTrue(names.contains(base + "-singletask-v0"));
                for (int k = 1; k <= 5; k++) assertTrue(names.contains(base + "-singletask-task" + k + "-v0"));
            }
        }
        for (String n : names) {
            Task t = provider.task(n).orElseThrow();
            assertEquals(n, t.name());
            assertTrue(n.startsWith(t.datasetName().replace("-v0", "")), n);
            assertTrue(provider.datasetNames().contains(t.datasetName()));
        }
        assertTrue(provider.task("jpointmaze-medium-navigate-singletask-task6-v0").isEmpty());
        assertTrue(provider.task("antmaze-medium-navigate-v0").isEmpty());
    }

    @Test
    void taskProperties() {
        Task gc = provider.task("jpointmaze-giant-stitch-v0").orElseThrow();
        assertEquals("jpointmaze-giant-stitch-v0", gc.datasetName());
        assertEquals(TaskMode.GOAL_CONDITIONED, gc.mode());
        assertEquals(SuccessTiming.POST, gc.successTiming());
        assertEquals(List.of(1, 2, 3, 4, 5), gc.evaluationTaskIds());
        assertEquals(2, gc.spec().goalDim());
        assertEquals(1000, gc.spec().maxEpisodeSteps());
        assertNull(gc.relabeler());
        assertTrue(gc.rewardMode().contains("POST"));

        Task st = provider.task("jpointmaze-large-stitch-singletask-task3-v0").orElseThrow();
        assertEquals("jpointmaze-large-stitch-v0", st.datasetName());
        assertEquals(TaskMode.SINGLE_TASK, st.mode());
        assertEquals(SuccessTiming.PRE, st.successTiming());
        assertEquals(List.of(3), st.evaluationTaskIds());
        assertEquals(0, st.spec().goalDim());
        assertTrue(st.rewardMode().contains("success - 1"));

        assertEquals(List.of(1), provider.task("jpointmaze-teleport-navigate-singletask-v0").orElseThrow().evaluationTaskIds());

        try (Environment env = st.newEnvironment()) {
            assertEquals(st.spec(), env.spec());
            assertEquals(st.mode(), env.mode());
            assertEquals(st.successTiming(), env.successTiming());
            assertEquals(2, env.reset(3, new long[] {1}).length);
        }
    }

    @Test
    void relabelerUsesQposAgainstTheGoalCellCentre() {
        // medium task1 goal cell (6,6): centre (20, 20)
        Relabeler r = provider.task("jpointmaze-medium-navigate-singletask-task1-v0").orElseThrow().relabeler();
        float[] qpos = {20f, 20f, 20.9f, 20f, 21.01f, 20f, 20f, 19.05f, 0f, 0f};
        float[] rewards = new float[5];
        boolean[] success = new boolean[5];
        r.relabel(Map.of("qpos", qpos, "observations", new float[10]), 5, rewards, success);
        assertArrayEquals(new boolean[] {true, true, false, true, false}, success);
        assertArrayEquals(new float[] {0, 0, -1, 0, -1}, rewards);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.relabel(Map.of("observations", qpos), 5, rewards, success));
        assertTrue(e.getMessage().contains("'qpos'") && e.getMessage().contains("missing"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> r.relabel(Map.of("qpos", qpos), 4, rewards, success));
        assertTrue(e.getMessage().contains("expected 4 rows x 2 columns = 8"), e.getMessage());
        // the default single-task name is task1
        Relabeler alias = provider.task("jpointmaze-medium-navigate-singletask-v0").orElseThrow().relabeler();
        assertEquals(20.0, ((PointMazeRelabeler) alias).goalX());
        assertEquals(20.0, ((PointMazeRelabeler) alias).goalY());
    }

    /** Renamed 2026-12-07 so no Java-physics result sits under OGBench's name: old names point to both new ones. */
    @Test
    void oldNamesAreRefusedWithTheNewOneAndOgbenchsOwn() {
        assertEquals(java.util.Optional.of("jpointmaze-medium-navigate-singletask-task1-v0"),
                provider.renamedTo("pointmaze-medium-navigate-singletask-task1-v0"));
        assertEquals(java.util.Optional.of("jpointmaze-large-stitch-v0"), provider.renamedTo("pointmaze-large-stitch-v0"));
        assertTrue(provider.renamedTo("pointmaze-huge-navigate-v0").isEmpty());
        assertTrue(provider.task("pointmaze-medium-navigate-v0").isEmpty());
        var registry = flowbench.harness.protocol.Registry.load();
        String m = assertThrows(IllegalArgumentException.class, () -> registry.task("pointmaze-medium-navigate-v0")).getMessage();
        assertTrue(m.contains("renamed to 'jpointmaze-medium-navigate-v0'") && m.contains("'ogbench:pointmaze-medium-navigate-v0'"), m);
        m = assertThrows(IllegalArgumentException.class, () -> registry.generator("pointmaze-giant-stitch-v0")).getMessage();
        assertTrue(m.contains("renamed to 'jpointmaze-giant-stitch-v0'"), m);
    }

    @Test
    void generatorsForEveryDataset() {
        assertEquals(8, provider.datasetNames().size());
        for (String d : provider.datasetNames()) assertEquals(d, provider.generator(d).orElseThrow().datasetName());
        assertEquals(500, provider.generator("jpointmaze-giant-navigate-v0").orElseThrow().defaultEpisodes());
        assertTrue(provider.generator("pointmaze-giant-explore-v0").isEmpty());
    }

    @Test
    void singleTaskDatasetLoadsAndRelabelsThroughTheHarness() {
        PointMazeTask task = (PointMazeTask) provider.task("jpointmaze-medium-stitch-singletask-task3-v0").orElseThrow();
        var raw = task.generator().generateSplit(100, 200, 4, "train");
        Dataset d = Datasets.fromRaw(raw, LoadOptions.defaults(), task.relabeler());
        assertEquals(100 * 200, d.size());
        int successes = 0;
        for (int t = 0; t < d.size(); t++) {
            float r = d.rewards()[t];
            assertTrue(r == 0f || r == -1f);
            assertEquals(r == 0f ? 0f : 1f, d.masks()[t]);
            if (r == 0f) successes++;
        }
        // stitch data: short hops around the maze, some of them at task3's goal cell (4,2)
        assertTrue(successes > 0 && successes < d.size() / 2, "successes " + successes);
    }
}
