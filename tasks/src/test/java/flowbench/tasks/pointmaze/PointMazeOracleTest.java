package flowbench.tasks.pointmaze;

import flowbench.harness.env.StepResult;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The noiseless BFS oracle must solve the evaluation tasks (docs/benchmarks.md: >= 95% within 1000 steps). */
class PointMazeOracleTest {
    /** Success rate of the oracle on one evaluation task over {@code n} seeded episodes. */
    static double successRate(MazeLayout m, TaskMode mode, int taskId, boolean avoidPortals, int n) {
        PointMazeEnv env = new PointMazeEnv(m, mode);
        long[] s = new long[n];
        for (int i = 0; i < n; i++) s[i] = Seeds.derive(2024, m.name(), taskId, i);
        float[] obs = env.reset(taskId, s);
        float[] goals = env.goals();
        PointMazeOracle o = mode == TaskMode.GOAL_CONDITIONED
                ? PointMazeOracle.goalConditioned(m, avoidPortals)
                : PointMazeOracle.singleTask(m, taskId, avoidPortals);
        StepResult r = null;
        for (int t = 0; t < env.spec().maxEpisodeSteps(); t++) {
            r = env.step(o.act(obs, goals, n, null));
            obs = r.observations();
        }
        int ok = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(r.done(i), "every episode ends within the limit");
            if (r.terminated()[i]) ok++;
        }
        return ok / (double) n;
    }

    @Test
    void solvesEveryEvaluationTaskOfEveryMaze() {
        for (MazeLayout m : MazeLayout.all()) {
            for (TaskMode mode : TaskMode.values()) {
                double sum = 0;
                for (int task = 1; task <= 5; task++) {
                    double rate = successRate(m, mode, task, true, 20);
                    assertTrue(rate >= 0.95, m.name() + " " + mode + " task" + task + ": " + rate);
                    sum += rate;
                }
                assertTrue(sum / 5 >= 0.95);
            }
        }
    }

    @Test
    void portalBlindOracleLosesHalfTheTeleportTasksItRoutesThroughAPortal() {
        MazeLayout m = MazeLayout.TELEPORT;
        // task2's shortest path crosses no portal
        assertEquals(1.0, successRate(m, TaskMode.GOAL_CONDITIONED, 2, false, 50));
        // task4 starts at (7,1); the shortest path runs through the inbound portal (5,1). Each entry lands on (6,10)
        // next to the goal (win), (6,1) right below the portal (walk in again) or the closed cell (1,7) (lost), each
        // with probability 1/3: P(win) = 1/3 + P(win)/3 = 1/2
        double rate = successRate(m, TaskMode.GOAL_CONDITIONED, 4, false, 400);
        assertEquals(0.5, rate, 0.1);
    }

    @Test
    void directionIsAUnitVectorToTheNextCellCentre() {
        PointMazeOracle o = PointMazeOracle.goalConditioned(MazeLayout.MEDIUM, false);
        double[] d = new double[2];
        // from (1,1) towards (6,6): BFS goes (1,1) -> (2,1) or (1,2) -> (2,2); up/left/down/right order picks (2,1)
        o.direction(0.0, 0.0, 20, 20, d);
        assertEquals(0.0, d[0], 1e-9);
        assertEquals(1.0, d[1], 1e-6);
        // inside the goal cell it heads for the goal point itself
        o.direction(20.0, 20.0, 20.5, 19.5, d);
        assertEquals(Math.sqrt(0.5), d[0], 1e-5);
        assertEquals(-Math.sqrt(0.5), d[1], 1e-5);
        // an unreachable goal: head for the own cell centre (OGBench)
        PointMazeOracle t = PointMazeOracle.goalConditioned(MazeLayout.TELEPORT, false);
        t.direction(24.5, 0.0, 0.0, 0.0, d); // in the closed cell (1,7)
        assertEquals(-1.0, d[0], 1e-5);
        assertEquals(0.0, d[1], 1e-9);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> o.direction(0, 0, -4, -4, d));
        assertTrue(e.getMessage().contains("wall cell"), e.getMessage());
        assertEquals(1, o.chunkLength());
        assertThrows(IllegalArgumentException.class, () -> o.act(new float[2], new float[0], 1, null));
    }
}
