package flowbench.tasks.arm;

import flowbench.harness.env.StepResult;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ArmEnvTest {
    private static long[] seeds(int n, long root) {
        long[] s = new long[n];
        for (int i = 0; i < n; i++) s[i] = Seeds.derive(root, i);
        return s;
    }

    @Test
    void specsAndTimings() {
        for (int n : ArmLayout.JOINTS) {
            ArmLayout l = ArmLayout.of(ArmLayout.FREE, n);
            ArmEnv gc = new ArmEnv(l, TaskMode.GOAL_CONDITIONED);
            ArmEnv st = new ArmEnv(l, TaskMode.SINGLE_TASK);
            assertEquals(n + 2, gc.spec().obsDim());
            assertEquals(n, gc.spec().actionDim());
            assertEquals(2, gc.spec().goalDim());
            assertEquals(0, st.spec().goalDim());
            assertEquals(200, gc.spec().maxEpisodeSteps());
            assertEquals(SuccessTiming.POST, gc.successTiming());
            assertEquals(SuccessTiming.PRE, st.successTiming());
        }
    }

    @Test
    void resetJittersStartInBothModesAndGoalOnlyWhenGoalConditioned() {
        for (ArmLayout l : List.of(ArmLayout.of(ArmLayout.FREE, 2), ArmLayout.of(ArmLayout.OBSTACLES, 32))) {
            int n = l.joints(), od = n + 2;
            long[] s = seeds(300, 1);
            ArmEnv gc = new ArmEnv(l, TaskMode.GOAL_CONDITIONED), st = new ArmEnv(l, TaskMode.SINGLE_TASK);
            float[] o1 = gc.reset(4, s), o2 = st.reset(4, s);
            assertArrayEquals(o1, o2, "same seed, same start in both modes");
            double[] nominal = l.startConfiguration(4);
            double jit = ArmEnv.startJitter(n);
            double maxStart = 0, maxGoal = 0;
            float[] g = gc.goals();
            assertEquals(0, st.goals().length);
            ArmLayout.EvalTask task = l.task(4);
            double[] ee = new double[2];
            for (int i = 0; i < s.length; i++) {
                double[] q = new double[n];
                for (int j = 0; j < n; j++) {
                    q[j] = o1[i * od + j];
                    double d = q[j] - nominal[j];
                    assertTrue(Math.abs(d) <= jit + 1e-6);
                    maxStart = Math.max(maxStart, Math.abs(d));
                }
                // the observation's last two columns are the end-effector of its joint angles
                l.kinematics().endEffector(q, 0, ee);
                assertEquals(ee[0], o1[i * od + n], 1e-5);
                assertEquals(ee[1], o1[i * od + n + 1], 1e-5);
                assertFalse(l.kinematics().collides(q, 0));
                double gx = g[2 * i] - task.targetX(), gy = g[2 * i + 1] - task.targetY();
                assertTrue(Math.abs(gx) <= 0.05 + 1e-6 && Math.abs(gy) <= 0.05 + 1e-6);
                maxGoal = Math.max(maxGoal, Math.max(Math.abs(gx), Math.abs(gy)));
                assertEquals(task.targetX(), st.goalPositions()[2 * i]);
                assertEquals(task.targetY(), st.goalPositions()[2 * i + 1]);
            }
            assertTrue(maxStart > 0.95 * jit && maxGoal > 0.045, "jitter covers its range");
        }
        assertEquals(0.2 / Math.sqrt(8), ArmEnv.startJitter(8), 1e-15);
    }

    /** Runs the oracle and returns per step: joint angles before, after, and the result. */
    private static List<Object[]> rollout(ArmEnv env, int taskId, long[] s) {
        float[] obs = env.reset(taskId, s);
        float[] goals = env.goals();
        ArmOracle o = env.mode() == TaskMode.GOAL_CONDITIONED
                ? ArmOracle.goalConditioned(env.layout()) : ArmOracle.singleTask(env.layout(), taskId);
        List<Object[]> out = new ArrayList<>();
        for (int t = 0; t < env.spec().maxEpisodeSteps(); t++) {
            double[] before = env.jointAngles();
            StepResult r = env.step(o.act(obs, goals, s.length, null));
            out.add(new Object[] {before, env.jointAngles(), r});
            obs = r.observations();
            boolean all = true;
            for (int i = 0; i < s.length; i++) all &= r.done(i);
            if (all) break;
        }
        return out;
    }

    private static boolean reached(ArmLayout l, double[] q, int i, double[] goal) {
        int n = l.joints();
        double[] ee = new double[2];
        l.kinematics().endEffector(q, i * n, ee);
        return ArmKinematics.reached(ee[0], ee[1], goal[2 * i], goal[2 * i + 1]);
    }

    @Test
    void goalConditionedSucceedsOnTheNextState() {
        ArmLayout l = ArmLayout.of(ArmLayout.FREE, 8);
        ArmEnv env = new ArmEnv(l, TaskMode.GOAL_CONDITIONED);
        long[] s = seeds(10, 5);
        List<Object[]> steps = rollout(env, 2, s);
        double[] goal = env.goalPositions();
        for (int i = 0; i < s.length; i++) {
            boolean ended = false;
            for (Object[] st : steps) {
                StepResult r = (StepResult) st[2];
                if (ended) {
                    assertEquals(0f, r.rewards()[i]);
                    continue;
                }
                boolean in = reached(l, (double[]) st[1], i, goal);
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
        ArmLayout l = ArmLayout.of(ArmLayout.OBSTACLES, 2);
        long[] s = seeds(10, 6);
        for (SuccessTiming timing : SuccessTiming.values()) {
            ArmEnv env = new ArmEnv(l, TaskMode.SINGLE_TASK, timing, 200);
            List<Object[]> steps = rollout(env, 4, s);
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
                    boolean in = reached(l, timing == SuccessTiming.PRE ? before : after, i, goal);
                    assertEquals(in, r.success()[i]);
                    assertEquals(in, r.terminated()[i]);
                    assertEquals(in ? 0f : -1f, r.rewards()[i]);
                    if (firstInside < 0 && reached(l, after, i, goal)) firstInside = t;
                    if (r.done(i)) end = t;
                }
                assertTrue(firstInside >= 0, "episode " + i + " reached the target");
                // PRE ends on the step after the one that entered the radius, POST on that step
                assertEquals(timing == SuccessTiming.PRE ? firstInside + 1 : firstInside, end, "episode " + i);
            }
        }
    }

    @Test
    void truncatesAtTheTimeLimitAndFreezesFinishedEpisodes() {
        ArmLayout l = ArmLayout.of(ArmLayout.FREE, 8);
        ArmEnv env = new ArmEnv(l, TaskMode.GOAL_CONDITIONED);
        long[] s = seeds(3, 9);
        float[] obs = env.reset(1, s);
        float[] still = new float[3 * 8];
        StepResult r = null;
        for (int t = 1; t <= 200; t++) {
            r = env.step(still);
            for (int i = 0; i < 3; i++) {
                assertFalse(r.terminated()[i]);
                assertEquals(t == 200, r.truncated()[i], "step " + t);
                assertEquals(0f, r.rewards()[i]);
            }
        }
        assertArrayEquals(obs, r.observations());
        // frozen: actions ignored (even NaN), reward 0, flags kept
        float[] wild = new float[24];
        wild[3] = Float.NaN;
        wild[10] = 1;
        StepResult again = env.step(wild);
        assertArrayEquals(r.observations(), again.observations());
        assertArrayEquals(new float[3], again.rewards());
        assertArrayEquals(r.truncated(), again.truncated());
        assertArrayEquals(new int[] {200, 200, 200}, env.stepCounts());
        // a custom limit
        ArmEnv small = new ArmEnv(l, TaskMode.SINGLE_TASK, SuccessTiming.PRE, 5);
        small.reset(1, s);
        for (int t = 1; t <= 5; t++) r = small.step(still);
        assertTrue(r.truncated()[0] && r.truncated()[2]);
        assertArrayEquals(new float[] {-1, -1, -1}, r.rewards());
    }

    @Test
    void terminatedEpisodeIsFrozenWhileOthersContinue() {
        ArmLayout l = ArmLayout.of(ArmLayout.FREE, 16);
        ArmEnv env = new ArmEnv(l, TaskMode.GOAL_CONDITIONED);
        long[] s = seeds(2, 11);
        float[] obs = env.reset(3, s);
        ArmOracle o = ArmOracle.goalConditioned(l);
        float[] g = env.goals();
        float[] frozenObs = null;
        int frozenAt = -1;
        for (int t = 0; t < 200 && frozenAt < 0; t++) {
            float[] a = o.act(obs, g, 2, null);
            for (int j = 16; j < 32; j++) a[j] = 0; // episode 1 stands still, so only episode 0 can finish
            StepResult r = env.step(a);
            obs = r.observations();
            if (r.terminated()[0]) {
                frozenAt = t;
                frozenObs = java.util.Arrays.copyOf(obs, 18);
            }
        }
        assertTrue(frozenAt > 0);
        float[] push = new float[32];
        java.util.Arrays.fill(push, 1);
        for (int t = 0; t < 10; t++) {
            StepResult r = env.step(push);
            assertArrayEquals(frozenObs, java.util.Arrays.copyOf(r.observations(), 18));
            assertTrue(r.terminated()[0] && r.success()[0]);
            assertEquals(0f, r.rewards()[0]);
            assertFalse(r.done(1));
        }
        assertEquals(frozenAt + 1, env.stepCounts()[0]);
        assertEquals(frozenAt + 11, env.stepCounts()[1]);
    }

    /** Actions that depend only on (seed, t, observation): oracle plus the seed's own noise. */
    private static Map<Long, List<float[]>> trajectories(long[] s, int steps) {
        ArmLayout l = ArmLayout.of(ArmLayout.OBSTACLES, 8);
        int n = 8, od = 10;
        ArmEnv env = new ArmEnv(l, TaskMode.GOAL_CONDITIONED);
        float[] obs = env.reset(5, s);
        float[] goals = env.goals();
        ArmOracle o = ArmOracle.goalConditioned(l);
        Rng[] noise = new Rng[s.length];
        for (int i = 0; i < s.length; i++) noise[i] = Seeds.rng(s[i], "test-noise");
        Map<Long, List<float[]>> out = new HashMap<>();
        for (int i = 0; i < s.length; i++) {
            List<float[]> traj = new ArrayList<>();
            traj.add(java.util.Arrays.copyOfRange(obs, i * od, i * od + od));
            traj.add(new float[] {goals[2 * i], goals[2 * i + 1]});
            out.put(s[i], traj);
        }
        for (int t = 0; t < steps; t++) {
            float[] a = o.act(obs, goals, s.length, null);
            for (int k = 0; k < a.length; k++) a[k] += (float) (0.8 * noise[k / n].nextGaussian());
            StepResult r = env.step(a);
            obs = r.observations();
            for (int i = 0; i < s.length; i++) {
                float[] row = java.util.Arrays.copyOf(java.util.Arrays.copyOfRange(obs, i * od, i * od + od), od + 2);
                row[od] = r.rewards()[i];
                row[od + 1] = r.done(i) ? 1 : 0;
                out.get(s[i]).add(row);
            }
        }
        return out;
    }

    @Test
    void episodesDependOnlyOnTheirSeedWhateverTheBatch() {
        long a = 101, b = 202, c = 303;
        Map<Long, List<float[]>> small = trajectories(new long[] {a, b, c}, 150);
        Map<Long, List<float[]>> big = trajectories(new long[] {77, c, 78, a, 79, b, 80, 81}, 150);
        for (long seed : new long[] {a, b, c}) {
            List<float[]> x = small.get(seed), y = big.get(seed);
            for (int t = 0; t < x.size(); t++) assertArrayEquals(x.get(t), y.get(t), "seed " + seed + " row " + t);
        }
        assertNotEquals(small.get(a).get(0)[0], small.get(b).get(0)[0]);
        assertNotEquals(small.get(a).get(1)[0], small.get(b).get(1)[0], "goal jitter differs too");
    }

    @Test
    void badCallsAreRejected() {
        ArmEnv env = new ArmEnv(ArmLayout.of(ArmLayout.FREE, 2), TaskMode.GOAL_CONDITIONED);
        assertThrows(IllegalStateException.class, () -> env.step(new float[2]));
        assertThrows(IllegalArgumentException.class, () -> env.reset(0, new long[] {1}));
        assertThrows(IllegalArgumentException.class, () -> env.reset(6, new long[] {1}));
        assertThrows(IllegalArgumentException.class, () -> env.reset(1, new long[0]));
        env.reset(1, new long[] {1, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> env.step(new float[3]));
        assertTrue(e.getMessage().contains("expected batch 2 x 2 = 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> env.step(new float[] {0, 0, Float.NaN, 0}));
        assertTrue(e.getMessage().contains("episode 1") && e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ArmLayout.of("arm", 7));
        assertTrue(e.getMessage().contains("[2, 8, 16, 32]"), e.getMessage());
    }

    /** Throughput of the batched environment (batch 50, random actions, episodes of 200 steps). */
    @Test
    @Tag("slow")
    void throughput() {
        for (ArmLayout l : ArmLayout.all()) {
            ArmEnv env = new ArmEnv(l, TaskMode.GOAL_CONDITIONED);
            int b = 50, n = l.joints();
            long[] s = seeds(b, 1);
            Rng rng = new Rng(2);
            float[] a = new float[b * n];
            double best = 0;
            for (int round = 0; round < 30; round++) { // the first rounds warm up the JIT
                env.reset(1 + round % 5, s);
                long t0 = System.nanoTime();
                for (int t = 0; t < 200; t++) {
                    for (int k = 0; k < a.length; k++) a[k] = (float) rng.uniform(-1, 1);
                    env.step(a);
                }
                best = Math.max(best, 200.0 * b / ((System.nanoTime() - t0) / 1e9));
            }
            System.out.printf("%s env: %.3g steps/s (batch %d, random actions)%n", l.name(), best, b);
            assertTrue(best > 1e5, "a step must cost microseconds, not more");
        }
    }
}
