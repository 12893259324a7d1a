package flowbench.tasks.puzzle;

import flowbench.harness.data.Dataset;
import flowbench.harness.data.DatasetMode;
import flowbench.harness.data.Datasets;
import flowbench.harness.data.LoadOptions;
import flowbench.harness.data.NpyArray;
import flowbench.harness.env.Environment;
import flowbench.harness.env.Relabeler;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;
import flowbench.harness.spi.TaskProvider;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class PuzzleTaskProviderTest {
    private final PuzzleTaskProvider provider = new PuzzleTaskProvider();

    @Test
    void registeredThroughServiceLoader() {
        boolean found = false;
        for (TaskProvider p : ServiceLoader.load(TaskProvider.class)) {
            if (p instanceof PuzzleTaskProvider) found = true;
        }
        assertTrue(found);
    }

    @Test
    void namesFollowOgbench() {
        List<String> names = provider.taskNames();
        assertEquals(4 * 2 * 13, names.size());
        assertEquals(names.size(), names.stream().distinct().count());
        for (String size : List.of("3x3", "4x4", "4x5", "4x6")) {
            for (String ds : List.of("play", "noisy")) {
                String base = "lightsout-" + size + "-" + ds;
                assertTrue(names.contains(base + "-v0"));
                assertTrue(names.contains(base + "-singletask-v0"));
                assertTrue(names.contains(base + "-singletask-sparse-v0"));
                for (int k = 1; k <= 5; k++) {
                    assertTrue(names.contains(base + "-singletask-task" + k + "-v0"));
                    assertTrue(names.contains(base + "-singletask-task" + k + "-sparse-v0"));
                }
            }
        }
        for (String n : names) {
            Task t = provider.task(n).orElseThrow();
            assertEquals(n, t.name());
            assertTrue(n.startsWith(t.datasetName().replace("-v0", "")), n);
            assertTrue(provider.datasetNames().contains(t.datasetName()));
            assertEquals(n.contains("-sparse-"), t.rewardMode().startsWith("sparse"), n);
        }
        assertTrue(provider.task("lightsout-3x3-play-singletask-task6-v0").isEmpty());
        assertTrue(provider.task("puzzle-5x5-play-v0").isEmpty());
        assertTrue(provider.task("lightsout-3x3-play-sparse-v0").isEmpty(), "goal-conditioned has no sparse variant");
    }

    @Test
    void taskProperties() {
        Task gc = provider.task("lightsout-4x6-noisy-v0").orElseThrow();
        assertEquals("lightsout-4x6-noisy-v0", gc.datasetName());
        assertEquals(TaskMode.GOAL_CONDITIONED, gc.mode());
        assertEquals(SuccessTiming.POST, gc.successTiming());
        assertEquals(List.of(1, 2, 3, 4, 5), gc.evaluationTaskIds());
        assertEquals(27, gc.spec().obsDim());
        assertEquals(3, gc.spec().actionDim());
        assertEquals(24, gc.spec().goalDim());
        assertEquals(3, gc.goalColumnsFrom());
        assertEquals(27, gc.goalColumnsTo());
        assertEquals(1000, gc.spec().maxEpisodeSteps());
        assertNull(gc.relabeler());
        assertTrue(gc.rewardMode().contains("POST"));

        Task st = provider.task("lightsout-4x4-play-singletask-task3-v0").orElseThrow();
        assertEquals("lightsout-4x4-play-v0", st.datasetName());
        assertEquals(TaskMode.SINGLE_TASK, st.mode());
        assertEquals(SuccessTiming.PRE, st.successTiming());
        assertEquals(List.of(3), st.evaluationTaskIds());
        assertEquals(0, st.spec().goalDim());
        assertEquals(st.goalColumnsFrom(), st.goalColumnsTo());
        assertEquals(500, st.spec().maxEpisodeSteps());
        assertTrue(st.rewardMode().startsWith("dense") && st.rewardMode().contains("PRE"), st.rewardMode());
        Task sp = provider.task("lightsout-4x4-play-singletask-task3-sparse-v0").orElseThrow();
        assertEquals("lightsout-4x4-play-v0", sp.datasetName());
        assertTrue(sp.rewardMode().startsWith("sparse"), sp.rewardMode());

        // bare names: task4 for 3x3 and 4x4, task2 for 4x5 and 4x6
        assertEquals(List.of(4), provider.task("lightsout-3x3-play-singletask-v0").orElseThrow().evaluationTaskIds());
        assertEquals(List.of(4), provider.task("lightsout-4x4-noisy-singletask-sparse-v0").orElseThrow().evaluationTaskIds());
        assertEquals(List.of(2), provider.task("lightsout-4x5-play-singletask-v0").orElseThrow().evaluationTaskIds());
        assertEquals(List.of(2), provider.task("lightsout-4x6-play-singletask-sparse-v0").orElseThrow().evaluationTaskIds());

        for (Task t : List.of(gc, st, sp)) {
            try (Environment env = t.newEnvironment()) {
                assertEquals(t.spec(), env.spec());
                assertEquals(t.mode(), env.mode());
                assertEquals(t.successTiming(), env.successTiming());
                assertEquals(t.spec().obsDim() * 2, env.reset(t.evaluationTaskIds().get(0), new long[] {1, 2}).length);
                assertEquals(t.spec().goalDim() * 2, env.goals().length);
            }
        }
        try (Environment env = sp.newEnvironment()) {
            env.reset(3, new long[] {1});
            float r = env.step(new float[3]).rewards()[0];
            assertEquals(-1f, r, "sparse environment reward");
        }
    }

    @Test
    void relabelerUsesButtonStatesAgainstTheGoalBoard() {
        // 3x3 task4 goal: all blue
        Relabeler dense = provider.task("lightsout-3x3-play-singletask-v0").orElseThrow().relabeler();
        Relabeler sparse = provider.task("lightsout-3x3-play-singletask-sparse-v0").orElseThrow().relabeler();
        float[] bs = {
                1, 1, 1, 1, 1, 1, 1, 1, 1,
                0, 1, 0, 1, 0, 1, 0, 1, 0,
                1, 1, 1, 1, 0, 1, 1, 1, 1,
                0, 0, 0, 0, 0, 0, 0, 0, 0};
        float[] rewards = new float[4];
        boolean[] success = new boolean[4];
        dense.relabel(Map.of("button_states", bs), 4, rewards, success);
        assertArrayEquals(new boolean[] {true, false, false, false}, success);
        assertArrayEquals(new float[] {0, -5, -1, -9}, rewards);
        sparse.relabel(Map.of("button_states", bs), 4, rewards, success);
        assertArrayEquals(new boolean[] {true, false, false, false}, success);
        assertArrayEquals(new float[] {0, -1, -1, -1}, rewards);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dense.relabel(Map.of("qpos", bs), 4, rewards, success));
        assertTrue(e.getMessage().contains("'button_states'") && e.getMessage().contains("missing"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> dense.relabel(Map.of("button_states", bs), 3, rewards, success));
        assertTrue(e.getMessage().contains("expected 3 rows x 9 columns = 27"), e.getMessage());
        float[] bad = bs.clone();
        bad[13] = 2;
        e = assertThrows(IllegalArgumentException.class, () -> dense.relabel(Map.of("button_states", bad), 4, rewards, success));
        assertTrue(e.getMessage().contains("row 1, column 4, expected 0 (red) or 1 (blue)"), e.getMessage());
        assertEquals(PuzzleSize.P3X3.task(4).goal(), ((PuzzleRelabeler) dense).goalBoard());
    }

    @Test
    void generatorsForEveryDataset() {
        assertEquals(8, provider.datasetNames().size());
        for (String d : provider.datasetNames()) assertEquals(d, provider.generator(d).orElseThrow().datasetName());
        assertEquals(5000, provider.generator("lightsout-4x6-noisy-v0").orElseThrow().defaultEpisodes());
        assertTrue(provider.generator("puzzle-4x4-explore-v0").isEmpty());
    }

    @Test
    void singleTaskDatasetLoadsAndRelabelsThroughTheHarness() {
        for (boolean sparse : new boolean[] {false, true}) {
            PuzzleTask task = (PuzzleTask) provider.task("lightsout-3x3-noisy-singletask-task1" + (sparse ? "-sparse" : "")
                    + "-v0").orElseThrow();
            LinkedHashMap<String, NpyArray> raw = task.generator().generateSplit(200, 200, 4, "train");
            Dataset d = Datasets.fromRaw(raw, LoadOptions.defaults(), task.relabeler());
            assertEquals(DatasetMode.REGULAR, LoadOptions.defaults().mode());
            assertEquals(200 * 200, d.size());
            long[] bs = (long[]) raw.get("button_states").data();
            int goal = PuzzleSize.P3X3.task(1).goal();
            int successes = 0;
            for (int t = 0; t < d.size(); t++) {
                // transition t of episode e is raw row e * 201 + (t mod 200): the state before the step (PRE)
                int row = t / 200 * 201 + t % 200;
                int wrong = 0;
                for (int k = 0; k < 9; k++) if (bs[row * 9 + k] != (goal >>> k & 1)) wrong++;
                float expected = sparse ? (wrong == 0 ? 0f : -1f) : -wrong;
                assertEquals(expected, d.rewards()[t], "transition " + t);
                assertEquals(wrong == 0 ? 0f : 1f, d.masks()[t]);
                if (wrong == 0) successes++;
            }
            // random presses on a 3x3 board: task1's goal board (2 presses from all red) shows up now and then
            assertTrue(successes > 0 && successes < d.size() / 20, "successes " + successes);
        }
    }

    /** A kinematic Lights Out is not OGBench's MuJoCo puzzle: renamed, and the old names say so. */
    @Test
    void oldPuzzleNamesAreRefusedWithTheNewOne() {
        assertEquals(java.util.Optional.of("lightsout-3x3-play-singletask-task4-sparse-v0"),
                provider.renamedTo("puzzle-3x3-play-singletask-task4-sparse-v0"));
        assertEquals(java.util.Optional.of("lightsout-4x6-noisy-v0"), provider.renamedTo("puzzle-4x6-noisy-v0"));
        var registry = flowbench.harness.protocol.Registry.load();
        String m = assertThrows(IllegalArgumentException.class, () -> registry.task("puzzle-3x3-play-v0")).getMessage();
        assertTrue(m.contains("renamed to 'lightsout-3x3-play-v0'") && m.contains("'ogbench:puzzle-3x3-play-v0'"), m);
    }
}
