package flowbench.tasks.puzzle;

import flowbench.harness.env.StepResult;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The noiseless GF(2) oracle must solve the evaluation tasks (>= 95% within the time limit; it solves all). */
class PuzzleOracleTest {
    /** Outcome of the oracle on one evaluation task: success rate, mean steps of the episodes, max presses. */
    record Outcome(double rate, double meanSteps, int maxSteps, int maxPresses) {}

    static Outcome run(PuzzleSize size, TaskMode mode, int taskId, int n) {
        PuzzleEnv env = new PuzzleEnv(size, mode, false);
        long[] s = new long[n];
        for (int i = 0; i < n; i++) s[i] = Seeds.derive(2024, size.label(), taskId, i);
        float[] obs = env.reset(taskId, s);
        float[] goals = env.goals();
        PuzzleOracle o = mode == TaskMode.GOAL_CONDITIONED
                ? PuzzleOracle.goalConditioned(size)
                : PuzzleOracle.singleTask(size, taskId);
        StepResult r = null;
        for (int t = 0; t < env.spec().maxEpisodeSteps(); t++) {
            r = env.step(o.act(obs, goals, n, null));
            obs = r.observations();
        }
        int ok = 0, maxSteps = 0, maxPresses = 0;
        double steps = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(r.done(i), "every episode ends within the limit");
            if (r.terminated()[i]) ok++;
            steps += env.stepCounts()[i];
            maxSteps = Math.max(maxSteps, env.stepCounts()[i]);
            maxPresses = Math.max(maxPresses, env.pressCounts()[i]);
        }
        return new Outcome(ok / (double) n, steps / n, maxSteps, maxPresses);
    }

    @Test
    void solvesEveryEvaluationTaskWithTheFewestPresses() {
        for (PuzzleSize size : PuzzleSize.values()) {
            for (TaskMode mode : TaskMode.values()) {
                StringBuilder line = new StringBuilder("lightsout-" + size.label() + " " + mode + ":");
                for (PuzzleSize.EvalTask t : size.evaluationTasks()) {
                    Outcome o = run(size, mode, t.id(), 20);
                    assertTrue(o.rate() >= 0.95, size.label() + " " + mode + " task" + t.id() + ": " + o);
                    // noiseless: exactly the GF(2) minimum number of presses, never a wasted one
                    assertEquals(size.lightsOut().minimalPresses(t.start(), t.goal()), o.maxPresses(), size.label()
                            + " task" + t.id());
                    line.append(String.format(" task%d %.0f%% (%.0f steps, max %d)", t.id(), 100 * o.rate(), o.meanSteps(),
                            o.maxSteps()));
                }
                System.out.println(line);
            }
        }
    }

    @Test
    void goalConditionedOracleReachesArbitraryReachableGoals() {
        PuzzleSize size = PuzzleSize.P4X4;
        PuzzleEnv env = new PuzzleEnv(size, TaskMode.GOAL_CONDITIONED, false);
        int n = 30;
        double[] pos = new double[3 * n];
        int[] start = new int[n], goal = new int[n];
        var rng = Seeds.rng(5, "goals");
        for (int i = 0; i < n; i++) {
            PuzzlePhysics.resetPosition(rng, pos, i);
            start[i] = rng.nextInt(1 << 16);
            // a reachable goal: start plus a random press set
            goal[i] = size.lightsOut().apply(start[i], rng.nextInt(1 << 16));
            if (goal[i] == start[i]) goal[i] = size.lightsOut().apply(start[i], 1);
        }
        float[] obs = env.resetState(pos, start, goal);
        float[] g = env.goals();
        PuzzleOracle o = PuzzleOracle.goalConditioned(size);
        StepResult r = null;
        for (int t = 0; t < 500; t++) {
            r = env.step(o.act(obs, g, n, null));
            obs = r.observations();
        }
        for (int i = 0; i < n; i++) {
            assertTrue(r.terminated()[i], "episode " + i);
            assertEquals(goal[i], env.boards()[i]);
        }
    }

    @Test
    void unreachableOrSolvedBoardsMakeTheOracleStayPut() {
        PuzzleSize size = PuzzleSize.P4X4;
        PuzzleOracle o = PuzzleOracle.goalConditioned(size);
        float[] obs = new float[19];
        obs[0] = 0.3f;
        obs[2] = 0.5f;
        float[] goal = new float[16];
        goal[0] = 1; // a single blue button is unreachable from all red on 4x4
        assertArrayEquals(new float[3], o.act(obs, goal, 1, null));
        assertArrayEquals(new float[3], o.act(obs, new float[16], 1, null), "solved");
        assertEquals(1, o.chunkLength());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> o.act(obs, new float[0], 1, null));
        assertTrue(e.getMessage().contains("needs goal inputs"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> o.act(new float[18], goal, 1, null));
    }

    @Test
    void controlHoversDescendsAndRearms() {
        PuzzleSize s = PuzzleSize.P3X3;
        double cx = PuzzlePhysics.buttonX(s, 1), cy = PuzzlePhysics.buttonY(s, 1);
        double[] a = new double[3];
        // far away: straight towards the hover point, the largest component saturated
        PuzzleOracle.control(s, cx - 0.2, cy, 0.06, 4, a);
        assertArrayEquals(new double[] {1, 0, 0}, a, 1e-12);
        // aligned above the press height: down towards the bottom
        PuzzleOracle.control(s, cx + 0.01, cy, 0.0, 4, a);
        assertEquals(-1.0 / 3, a[0], 1e-9); // (-0.01, -0.03) / 0.02 scaled by 1/1.5
        assertEquals(-1.0, a[2], 1e-9);
        // aligned at the press height but not clearly below it: still down (see REARM_MARGIN)
        PuzzleOracle.control(s, cx, cy, PuzzlePhysics.PRESS_Z, 4, a);
        assertEquals(-0.5, a[2], 1e-9);
        // aligned and clearly below: up again
        PuzzleOracle.control(s, cx, cy, -0.03, 4, a);
        assertEquals(1.0, a[2], 1e-9);
        // close but not aligned: to the hover point, never down
        PuzzleOracle.control(s, cx + 0.02, cy, 0.06, 4, a);
        assertEquals(-1.0, a[0], 1e-9);
        assertEquals(0.0, a[2], 1e-9);
        // target choice: nearest button of the fewest-presses set; solved -> -1
        int start = s.task(1).start(), goal = s.task(1).goal(); // presses {0, 8}: corners (0,0) and (2,2)
        assertEquals(0b100000001, s.lightsOut().minimalSolution(start ^ goal));
        assertEquals(0, PuzzleOracle.target(s, PuzzlePhysics.buttonX(s, 0), PuzzlePhysics.buttonY(s, 0), start, goal));
        assertEquals(8, PuzzleOracle.target(s, PuzzlePhysics.buttonX(s, 2), PuzzlePhysics.buttonY(s, 2), start, goal));
        assertEquals(-1, PuzzleOracle.target(s, 0.4, 0, goal, goal));
    }
}
