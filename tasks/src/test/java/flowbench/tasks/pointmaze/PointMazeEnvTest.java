package flowbench.tasks.pointmaze;

import flowbench.harness.env.StepResult;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class PointMazeEnvTest {
    private static long[] seeds(int n, long root) {
        long[] s = new long[n];
        for (int i = 0; i < n; i++) s[i] = Seeds.derive(root, i);
        return s;
    }

    @Test
    void specsAndTimings() {
        PointMazeEnv gc = new PointMazeEnv(MazeLayout.LARGE, TaskMode.GOAL_CONDITIONED);
        PointMazeEnv st = new PointMazeEnv(MazeLayout.LARGE, TaskMode.SINGLE_TASK);
        assertEquals(2, gc.spec().obsDim());
        assertEquals(2, gc.spec().actionDim());
        assertEquals(2, gc.spec().goalDim());
        assertEquals(0, st.spec().goalDim());
        assertEquals(1000, gc.spec().maxEpisodeSteps());
        assertEquals(SuccessTiming.POST, gc.successTiming());
        assertEquals(SuccessTiming.PRE, st.successTiming());
    }

    @Test
    void resetJittersStartInBothModesAndGoalOnlyWhenGoalConditioned() {
        MazeLayout m = MazeLayout.GIANT;
        MazeLayout.EvalTask task = m.task(2);
        long[] s = seeds(300, 1);
        PointMazeEnv gc = new PointMazeEnv(m, TaskMode.GOAL_CONDITIONED);
        PointMazeEnv st = new PointMazeEnv(m, TaskMode.SINGLE_TASK);
        float[] o1 = gc.reset(2, s), o2 = st.reset(2, s);
        assertArrayEquals(o1, o2, "same seed, same start in both modes");
        float[] g = gc.goals();
        assertEquals(0, st.goals().length);
        double maxStart = 0, maxGoal = 0;
        for (int i = 0; i < s.length; i++) {
            double dx = o1[2 * i] - task.start().x(), dy = o1[2 * i + 1] - task.start().y();
            assertTrue(Math.abs(dx) <= 1 && Math.abs(dy) <= 1);
            maxStart = Math.max(maxStart, Math.max(Math.abs(dx), Math.abs(dy)));
            double gx = g[2 * i] - task.goal().x(), gy = g[2 * i + 1] - task.goal().y();
            assertTrue(Math.abs(gx) <= 1 && Math.abs(gy) <= 1);
            maxGoal = Math.max(maxGoal, Math.max(Math.abs(gx), Math.abs(gy)));
            assertEquals(task.goal().x(), st.goalPositions()[2 * i]);
            assertEquals(task.goal().y(), st.goalPositions()[2 * i + 1]);
        }
        assertTrue(maxStart > 0.95 && maxGoal > 0.95, "jitter covers U(-1, 1)");
    }

    /** Drives the noiseless oracle and returns, per step, the true positions before and after plus the result. */
    private static List<Object[]> rollout(PointMazeEnv env, int taskId, long[] s) {
        float[] obs = env.reset(taskId, s);
        float[] goals = env.goals();
        PointMazeOracle o = env.mode() == TaskMode.GOAL_CONDITIONED
                ? PointMazeOracle.goalConditioned(env.layout(), true)
                : PointMazeOracle.singleTask(env.layout(), taskId, true);
        List<Object[]> out = new ArrayList<>();
        for (int t = 0; t < env.spec().maxEpisodeSteps(); t++) {
            double[] before = env.positions();
            StepResult r = env.step(o.act(obs, goals, s.length, null));
            out.add(new Object[] {before, env.positions(), r});
            obs = r.observations();
            boolean all = true;
            for (int i = 0; i < s.length; i++) all &= r.done(i);
            if (all) break;
        }
        return out;
    }

    @Test
    void goalConditionedSucceedsOnTheNextState() {
        PointMazeEnv env = new PointMazeEnv(MazeLayout.MEDIUM, TaskMode.GOAL_CONDITIONED);
        long[] s = seeds(20, 5);
        List<Object[]> steps = rollout(env, 3, s);
        double[] goal = env.goalPositions();
        for (int i = 0; i < s.length; i++) {
            boolean ended = false;
            for (Object[] st : steps) {
                double[] after = (double[]) st[1];
                StepResult r = (StepResult) st[2];
                if (ended) {
                    assertEquals(0f, r.rewards()[i]);
                    continue;
                }
                boolean in = PointMazePhysics.reached(after[2 * i], after[2 * i + 1], goal[2 * i], goal[2 * i + 1]);
                assertEquals(in, r.success()[i]);
                assertEquals(in, r.terminated()[i]);
                assertEquals(in ? 1f : 0f, r.rewards()[i]);
                assertFalse(r.truncated()[i]);
                ended = r.done(i);
            }
            assertTrue(ended);
        }
    }

    @Test
    void singleTaskSucceedsOnTheCurrentStateOneStepLater() {
        long[] s = seeds(20, 6);
        for (SuccessTiming timing : SuccessTiming.values()) {
            PointMazeEnv env = new PointMazeEnv(MazeLayout.MEDIUM, TaskMode.SINGLE_TASK, timing, 1000);
            List<Object[]> steps = rollout(env, 3, s);
            double[] goal = env.goalPositions();
            for (int i = 0; i < s.length; i++) {
                int firstInside = -1, end = -1;
                for (int t = 0; t < steps.size(); t++) {
                    double[] before = (double[]) steps.get(t)[0], after = (double[]) steps.get(t)[1];
                    StepResult r = (StepResult) steps.get(t)[2];
                    if (end >= 0) {
                        assertEquals(0f, r.rewards()[i], "frozen");
                        continue;
                    }
                    double[] judged = timing == SuccessTiming.PRE ? before : after;
                    boolean in = PointMazePhysics.reached(judged[2 * i], judged[2 * i + 1], goal[2 * i], goal[2 * i + 1]);
                    assertEquals(in, r.success()[i]);
                    assertEquals(in, r.terminated()[i]);
                    assertEquals(in ? 0f : -1f, r.rewards()[i]);
                    if (firstInside < 0 && PointMazePhysics.reached(after[2 * i], after[2 * i + 1], goal[2 * i], goal[2 * i + 1])) {
                        firstInside = t;
                    }
                    if (r.done(i)) end = t;
                }
                // PRE ends on the step after the one that entered the radius, POST on that step
                assertEquals(timing == SuccessTiming.PRE ? firstInside + 1 : firstInside, end, "episode " + i);
            }
        }
    }

    @Test
    void truncatesAtTheTimeLimitAndFreezesFinishedEpisodes() {
        PointMazeEnv env = new PointMazeEnv(MazeLayout.LARGE, TaskMode.GOAL_CONDITIONED);
        long[] s = seeds(3, 9);
        float[] obs = env.reset(1, s);
        float[] still = new float[6];
        StepResult r = null;
        for (int t = 1; t <= 1000; t++) {
            r = env.step(still);
            for (int i = 0; i < 3; i++) {
                assertFalse(r.terminated()[i]);
                assertEquals(t == 1000, r.truncated()[i], "step " + t);
            }
        }
        assertArrayEquals(obs, r.observations());
        // frozen: actions ignored (even NaN), reward 0, flags kept
        float[] wild = {1, 1, Float.NaN, 0, -1, -1};
        StepResult again = env.step(wild);
        assertArrayEquals(r.observations(), again.observations());
        assertArrayEquals(new float[3], again.rewards());
        assertArrayEquals(r.truncated(), again.truncated());
        assertArrayEquals(r.terminated(), again.terminated());
        assertArrayEquals(new int[] {1000, 1000, 1000}, env.stepCounts());

        // a custom limit, and an episode that terminates stays terminated while the others run on
        PointMazeEnv small = new PointMazeEnv(MazeLayout.MEDIUM, TaskMode.GOAL_CONDITIONED, SuccessTiming.POST, 5);
        small.reset(1, s);
        for (int t = 1; t <= 5; t++) r = small.step(still);
        assertTrue(r.truncated()[0] && r.truncated()[2]);
    }

    @Test
    void terminatedEpisodeIsFrozenWhileOthersContinue() {
        PointMazeEnv env = new PointMazeEnv(MazeLayout.MEDIUM, TaskMode.GOAL_CONDITIONED);
        long[] s = seeds(2, 11);
        float[] obs = env.reset(3, s);
        PointMazeOracle o = PointMazeOracle.goalConditioned(MazeLayout.MEDIUM, false);
        float[] g = env.goals();
        float[] frozenObs = null;
        int frozenAt = -1;
        for (int t = 0; t < 1000 && frozenAt < 0; t++) {
            float[] a = o.act(obs, g, 2, null);
            a[2] = 0; // episode 1 stands still, so only episode 0 can finish
            a[3] = 0;
            StepResult r = env.step(a);
            obs = r.observations();
            if (r.terminated()[0]) {
                frozenAt = t;
                frozenObs = Arrays.copyOf(obs, 2);
            }
        }
        assertTrue(frozenAt > 0);
        for (int t = 0; t < 10; t++) {
            StepResult r = env.step(new float[] {-1, -1, 1, 0});
            assertEquals(frozenObs[0], r.observations()[0]);
            assertEquals(frozenObs[1], r.observations()[1]);
            assertTrue(r.terminated()[0] && r.success()[0]);
            assertEquals(0f, r.rewards()[0]);
            assertFalse(r.done(1));
        }
        assertEquals(frozenAt + 1, env.stepCounts()[0]);
        assertEquals(frozenAt + 11, env.stepCounts()[1]);
    }

    /** Actions that depend only on (seed, t, observation): oracle plus the seed's own noise. */
    private static Map<Long, List<float[]>> trajectories(long[] s, int steps) {
        PointMazeEnv env = new PointMazeEnv(MazeLayout.TELEPORT, TaskMode.GOAL_CONDITIONED);
        float[] obs = env.reset(3, s);
        float[] goals = env.goals();
        PointMazeOracle o = PointMazeOracle.goalConditioned(MazeLayout.TELEPORT, false);
        Rng[] noise = new Rng[s.length];
        for (int i = 0; i < s.length; i++) noise[i] = Seeds.rng(s[i], "test-noise");
        Map<Long, List<float[]>> out = new HashMap<>();
        for (long seed : s) out.put(seed, new ArrayList<>());
        for (int i = 0; i < s.length; i++) out.get(s[i]).add(new float[] {obs[2 * i], obs[2 * i + 1]});
        for (int t = 0; t < steps; t++) {
            float[] a = o.act(obs, goals, s.length, null);
            for (int k = 0; k < a.length; k++) a[k] += (float) (0.8 * noise[k / 2].nextGaussian());
            StepResult r = env.step(a);
            obs = r.observations();
            for (int i = 0; i < s.length; i++) {
                out.get(s[i]).add(new float[] {obs[2 * i], obs[2 * i + 1], r.rewards()[i], r.done(i) ? 1 : 0});
            }
        }
        return out;
    }

    @Test
    void episodesDependOnlyOnTheirSeedWhateverTheBatch() {
        long a = 101, b = 202, c = 303;
        Map<Long, List<float[]>> small = trajectories(new long[] {a, b, c}, 300);
        Map<Long, List<float[]>> big = trajectories(new long[] {77, c, 78, a, 79, b, 80, 81}, 300);
        int teleports = 0;
        for (long seed : new long[] {a, b, c}) {
            List<float[]> x = small.get(seed), y = big.get(seed);
            for (int t = 0; t < x.size(); t++) assertArrayEquals(x.get(t), y.get(t), "seed " + seed + " step " + t);
        }
        for (List<float[]> traj : big.values()) {
            for (int t = 1; t < traj.size(); t++) {
                if (Math.hypot(traj.get(t)[0] - traj.get(t - 1)[0], traj.get(t)[1] - traj.get(t - 1)[1]) > 1) teleports++;
            }
        }
        assertTrue(teleports > 0, "the comparison covered teleports");
        assertNotEquals(small.get(a).get(1)[0], small.get(b).get(1)[0]);
    }

    @Test
    void teleportObservationLagsOneStepAsInOgbench() {
        PointMazeEnv env = new PointMazeEnv(MazeLayout.TELEPORT, TaskMode.GOAL_CONDITIONED);
        Cell in = new Cell(4, 6); // task3 starts at (5,6), right below this inbound portal
        List<Cell> out = MazeLayout.TELEPORT.teleportOut();
        Map<Cell, Integer> landed = new HashMap<>();
        long[] s = seeds(60, 12);
        env.reset(3, s);
        float[] up = new float[2 * s.length];
        for (int i = 0; i < s.length; i++) up[2 * i + 1] = -1; // towards smaller y (row 4)
        boolean[] seen = new boolean[s.length];
        for (int t = 0; t < 30; t++) {
            double[] before = env.positions();
            StepResult r = env.step(up);
            double[] pos = env.positions();
            for (int i = 0; i < s.length; i++) {
                if (seen[i]) continue;
                float ox = r.observations()[2 * i], oy = r.observations()[2 * i + 1];
                if (Math.hypot(ox - in.x(), oy - in.y()) <= PointMazePhysics.TELEPORT_TRIGGER) {
                    // observation: the point next to the portal (straight move from before); true state: an outbound centre
                    assertEquals((float) before[2 * i], ox);
                    assertEquals((float) (before[2 * i + 1] - 0.2), oy);
                    Cell hit = null;
                    for (Cell c : out) if (pos[2 * i] == c.x() && pos[2 * i + 1] == c.y()) hit = c;
                    assertNotNull(hit, "teleported onto an outbound centre");
                    landed.merge(hit, 1, Integer::sum);
                    seen[i] = true;
                } else {
                    assertEquals((float) pos[2 * i], ox);
                    assertEquals((float) pos[2 * i + 1], oy);
                }
            }
        }
        for (boolean b : seen) assertTrue(b, "every episode reached the portal");
        assertEquals(3, landed.size(), "all outbound portals used: " + landed);
        // the next step starts from the outbound centre
        StepResult r = env.step(new float[2 * s.length]);
        double[] pos = env.positions();
        for (int i = 0; i < s.length; i++) assertEquals((float) pos[2 * i], r.observations()[2 * i]);
    }

    @Test
    void badCallsAreRejected() {
        PointMazeEnv env = new PointMazeEnv(MazeLayout.MEDIUM, TaskMode.GOAL_CONDITIONED);
        assertThrows(IllegalStateException.class, () -> env.step(new float[2]));
        assertThrows(IllegalArgumentException.class, () -> env.reset(0, new long[] {1}));
        assertThrows(IllegalArgumentException.class, () -> env.reset(6, new long[] {1}));
        assertThrows(IllegalArgumentException.class, () -> env.reset(1, new long[0]));
        env.reset(1, new long[] {1, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> env.step(new float[3]));
        assertTrue(e.getMessage().contains("expected batch 2 x 2 = 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> env.step(new float[] {0, 0, Float.NaN, 0}));
        assertTrue(e.getMessage().contains("episode 1 is NaN"), e.getMessage());
        assertEquals(2, env.batchSize());
    }

    /** Throughput of the batched environment (batch 50, random actions, episodes of 1000 steps). */
    @Test
    @Tag("slow")
    void throughput() {
        for (MazeLayout m : MazeLayout.all()) {
            PointMazeEnv env = new PointMazeEnv(m, TaskMode.GOAL_CONDITIONED);
            int n = 50;
            long[] s = seeds(n, 1);
            Rng rng = new Rng(2);
            float[] a = new float[2 * n];
            double best = 0;
            for (int round = 0; round < 12; round++) { // the first rounds warm up the JIT
                env.reset(1 + round % 5, s);
                long t0 = System.nanoTime();
                for (int t = 0; t < 1000; t++) {
                    for (int k = 0; k < a.length; k++) a[k] = (float) rng.uniform(-1, 1);
                    env.step(a);
                }
                best = Math.max(best, 1000.0 * n / ((System.nanoTime() - t0) / 1e9));
            }
            System.out.printf("pointmaze-%s env: %.3g steps/s (batch %d, random actions)%n", m.name(), best, n);
            assertTrue(best > 1e5, "a step must cost microseconds, not more");
        }
    }
}
