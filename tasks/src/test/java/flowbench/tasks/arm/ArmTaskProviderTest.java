package flowbench.tasks.arm;

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

class ArmTaskProviderTest {
    private final ArmTaskProvider provider = new ArmTaskProvider();

    @Test
    void registeredThroughServiceLoader() {
        boolean found = false;
        for (TaskProvider p : ServiceLoader.load(TaskProvider.class)) found |= p instanceof ArmTaskProvider;
        assertTrue(found);
    }

    @Test
    void namesFollowOgbench() {
        List<String> names = provider.taskNames();
        assertEquals(2 * 4 * 7, names.size());
        assertEquals(names.size(), names.stream().distinct().count());
        for (String family : List.of("arm", "armobstacles")) {
            for (int n : List.of(2, 8, 16, 32)) {
                String base = family + "-" + n + "dof-reach";
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
        assertTrue(provider.task("arm-8dof-reach-singletask-task6-v0").isEmpty());
        assertTrue(provider.task("arm-4dof-reach-v0").isEmpty());
    }

    @Test
    void taskProperties() {
        Task gc = provider.task("armobstacles-32dof-reach-v0").orElseThrow();
        assertEquals("armobstacles-32dof-reach-v0", gc.datasetName());
        assertEquals(TaskMode.GOAL_CONDITIONED, gc.mode());
        assertEquals(SuccessTiming.POST, gc.successTiming());
        assertEquals(List.of(1, 2, 3, 4, 5), gc.evaluationTaskIds());
        assertEquals(34, gc.spec().obsDim());
        assertEquals(32, gc.spec().actionDim());
        assertEquals(2, gc.spec().goalDim());
        assertEquals(200, gc.spec().maxEpisodeSteps());
        // the goal is the end-effector: the last two observation columns
        assertEquals(32, gc.goalColumnsFrom());
        assertEquals(34, gc.goalColumnsTo());
        assertEquals(gc.spec().goalDim(), gc.goalColumnsTo() - gc.goalColumnsFrom());
        assertNull(gc.relabeler());
        assertTrue(gc.rewardMode().contains("POST"));

        Task st = provider.task("arm-8dof-reach-singletask-task3-v0").orElseThrow();
        assertEquals("arm-8dof-reach-v0", st.datasetName());
        assertEquals(TaskMode.SINGLE_TASK, st.mode());
        assertEquals(SuccessTiming.PRE, st.successTiming());
        assertEquals(List.of(3), st.evaluationTaskIds());
        assertEquals(0, st.spec().goalDim());
        assertEquals(8, st.spec().actionDim());
        assertTrue(st.rewardMode().contains("success - 1"));
        assertEquals(List.of(1), provider.task("armobstacles-2dof-reach-singletask-v0").orElseThrow().evaluationTaskIds());

        try (Environment env = st.newEnvironment()) {
            assertEquals(st.spec(), env.spec());
            assertEquals(st.mode(), env.mode());
            assertEquals(st.successTiming(), env.successTiming());
            assertEquals(10, env.reset(3, new long[] {1}).length);
        }
    }

    @Test
    void relabelerComputesTheEndEffectorFromQpos() {
        // arm-2dof task1 target: (0, 0.75), i.e. 0.75 at 90 deg
        Relabeler r = provider.task("arm-2dof-reach-singletask-task1-v0").orElseThrow().relabeler();
        ArmRelabeler ar = (ArmRelabeler) r;
        assertEquals(0.0, ar.targetX(), 1e-12);
        assertEquals(0.75, ar.targetY(), 1e-12);
        // elbow angle b puts the end-effector at distance cos(b/2) along the direction a + b/2
        double b = 2 * Math.acos(0.75);
        float[] qpos = {
                (float) (Math.PI / 2 - b / 2), (float) b, // exactly on the target
                (float) (Math.PI / 2 - b / 2 + 0.06), (float) b, // turned by 0.06 rad: 0.045 away
                (float) (Math.PI / 2 - b / 2 + 0.07), (float) b, // 0.0525 away
                0f, 0f}; // stretched along x
        float[] rewards = new float[4];
        boolean[] success = new boolean[4];
        r.relabel(Map.of("qpos", qpos, "observations", new float[16]), 4, rewards, success);
        assertArrayEquals(new boolean[] {true, true, false, false}, success);
        assertArrayEquals(new float[] {0, 0, -1, -1}, rewards);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.relabel(Map.of("observations", qpos), 4, rewards, success));
        assertTrue(e.getMessage().contains("'qpos'") && e.getMessage().contains("missing"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> r.relabel(Map.of("qpos", qpos), 3, rewards, success));
        assertTrue(e.getMessage().contains("expected 3 rows x 2 joint angles = 6"), e.getMessage());
        // the default single-task name is task1
        ArmRelabeler alias = (ArmRelabeler) provider.task("arm-2dof-reach-singletask-v0").orElseThrow().relabeler();
        assertEquals(ar.targetX(), alias.targetX());
        assertEquals(ar.targetY(), alias.targetY());
    }

    @Test
    void generatorsForEveryDataset() {
        assertEquals(8, provider.datasetNames().size());
        for (String d : provider.datasetNames()) assertEquals(d, provider.generator(d).orElseThrow().datasetName());
        assertEquals(1000, provider.generator("armobstacles-16dof-reach-v0").orElseThrow().defaultEpisodes());
        assertTrue(provider.generator("arm-8dof-explore-v0").isEmpty());
    }
}
