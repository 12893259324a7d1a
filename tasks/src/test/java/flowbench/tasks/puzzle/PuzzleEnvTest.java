package flowbench.tasks.puzzle;

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

class PuzzleEnvTest {
    private static long[] seeds(int n, long root) {
        long[] s = new long[n];
        for (int i = 0; i < n; i++) s[i] = Seeds.derive(root, i);
        return s;
    }

    /** A goal-conditioned env with one episode: tip at (x, y, z), the given board, goal = all blue. */
    private static PuzzleEnv single(PuzzleSize size, double x, double y, double z, int board) {
        PuzzleEnv env = new PuzzleEnv(size, TaskMode.GOAL_CONDITIONED, false);
        env.resetState(new double[] {x, y, z}, new int[] {board}, new int[] {size.fullMask()});
        return env;
    }

    /** Mask of the buttons (i, j) listed, bit i * C + j. */
    private static int mask(PuzzleSize s, int[]... cells) {
        int m = 0;
        for (int[] c : cells) m |= 1 << (c[0] * s.cols() + c[1]);
        return m;
    }

    @Test
    void specsTimingsAndGeometry() {
        for (PuzzleSize s : PuzzleSize.values()) {
            PuzzleEnv gc = new PuzzleEnv(s, TaskMode.GOAL_CONDITIONED, false);
            PuzzleEnv st = new PuzzleEnv(s, TaskMode.SINGLE_TASK, true);
            assertEquals(3 + s.buttons(), gc.spec().obsDim());
            assertEquals(3, gc.spec().actionDim());
            assertEquals(s.buttons(), gc.spec().goalDim());
            assertEquals(0, st.spec().goalDim());
            assertEquals(s.rows() == 3 || s.cols() == 4 ? 500 : 1000, gc.spec().maxEpisodeSteps());
            assertEquals(SuccessTiming.POST, gc.successTiming());
            assertEquals(SuccessTiming.PRE, st.successTiming());
        }
        // OGBench's button centres: x = 0.425 - 0.05 (R - 1) + 0.1 i, y = -0.05 (C - 1) + 0.1 j
        assertEquals(0.325, PuzzlePhysics.buttonX(PuzzleSize.P3X3, 0), 1e-12);
        assertEquals(-0.1, PuzzlePhysics.buttonY(PuzzleSize.P3X3, 0), 1e-12);
        assertEquals(0.575, PuzzlePhysics.buttonX(PuzzleSize.P4X6, 3), 1e-12);
        assertEquals(0.25, PuzzlePhysics.buttonY(PuzzleSize.P4X6, 5), 1e-12);
        assertEquals(-0.2, PuzzlePhysics.buttonY(PuzzleSize.P4X5, 0), 1e-12);
        // caps are 0.08 wide with 0.02 gaps
        PuzzleSize s = PuzzleSize.P4X4;
        assertEquals(5, PuzzlePhysics.buttonAt(s, 0.375, -0.05));
        assertEquals(5, PuzzlePhysics.buttonAt(s, 0.375 + 0.039, -0.05 - 0.039));
        assertEquals(-1, PuzzlePhysics.buttonAt(s, 0.375 + 0.045, -0.05), "gap between rows");
        assertEquals(-1, PuzzlePhysics.buttonAt(s, 0.375, -0.05 + 0.05), "gap between columns");
        assertEquals(-1, PuzzlePhysics.buttonAt(s, 0.375, 0.3), "beyond the last column");
        assertThrows(IllegalArgumentException.class, () -> new PuzzleEnv(s, TaskMode.GOAL_CONDITIONED, true));
    }

    @Test
    void pressFlipsTheButtonAndItsInGridNeighboursOnEverySize() {
        for (PuzzleSize s : PuzzleSize.values()) {
            int r = s.rows() - 1, c = s.cols() - 1;
            // cell -> the cells it must flip, written out by hand
            Map<int[], int[][]> cases = new java.util.LinkedHashMap<>();
            cases.put(new int[] {0, 0}, new int[][] {{0, 0}, {1, 0}, {0, 1}});
            cases.put(new int[] {r, c}, new int[][] {{r, c}, {r - 1, c}, {r, c - 1}});
            cases.put(new int[] {0, 1}, new int[][] {{0, 1}, {0, 0}, {0, 2}, {1, 1}});
            cases.put(new int[] {r, 1}, new int[][] {{r, 1}, {r, 0}, {r, 2}, {r - 1, 1}});
            cases.put(new int[] {1, 0}, new int[][] {{1, 0}, {0, 0}, {2, 0}, {1, 1}});
            cases.put(new int[] {1, 1}, new int[][] {{1, 1}, {0, 1}, {2, 1}, {1, 0}, {1, 2}});
            for (Map.Entry<int[], int[][]> e : cases.entrySet()) {
                int i = e.getKey()[0], j = e.getKey()[1];
                for (int start : new int[] {0, s.fullMask(), 0b1010 & s.fullMask()}) {
                    PuzzleEnv env = single(s, PuzzlePhysics.buttonX(s, i) + 0.03, PuzzlePhysics.buttonY(s, j) - 0.03, 0.0, start);
                    StepResult res = env.step(new float[] {0, 0, -1}); // 0.0 -> -0.02: crosses
                    int expected = start ^ mask(s, e.getValue());
                    assertEquals(expected, env.boards()[0], s.label() + " press (" + i + "," + j + ")");
                    for (int k = 0; k < s.buttons(); k++) {
                        assertEquals((expected >>> k & 1) != 0 ? 1f : 0f, res.observations()[3 + k], "observation column " + k);
                    }
                    assertEquals(1, env.pressCounts()[0]);
                }
            }
        }
    }

    @Test
    void pressRegistersOnlyOnTheDownwardThresholdCrossing() {
        PuzzleSize s = PuzzleSize.P3X3;
        double x = PuzzlePhysics.buttonX(s, 1), y = PuzzlePhysics.buttonY(s, 1);
        PuzzleEnv env = single(s, x, y, 0.05, 0);
        float[] down = {0, 0, -1}, up = {0, 0, 1};
        env.step(down); // 0.03
        env.step(down); // 0.01
        assertEquals(0, env.boards()[0]);
        env.step(down); // -0.01: still above -0.02
        assertEquals(0, env.boards()[0]);
        env.step(down); // -0.03: crossed
        int once = env.boards()[0];
        assertEquals(s.lightsOut().press(4), once);
        for (int t = 0; t < 20; t++) env.step(down); // held at the bottom
        assertEquals(once, env.boards()[0], "holding z low does not press again");
        env.step(new float[] {1, 0, 0}); // slide at low z onto the next row's cap (x + 0.02) ...
        for (int t = 0; t < 4; t++) env.step(new float[] {1, 0, 0}); // ... and on to its centre
        assertEquals(7, PuzzlePhysics.buttonAt(s, env.positions()[0], env.positions()[1]));
        assertEquals(once, env.boards()[0], "sliding sideways at low z presses nothing");
        env.step(up); // -0.01: above the threshold again
        env.step(down); // -0.03: crossed again, now over button 7
        assertEquals(once ^ s.lightsOut().press(7), env.boards()[0]);
        assertEquals(2, env.pressCounts()[0]);
        // from exactly -0.02 downwards: not a crossing (must start above)
        PuzzleEnv at = single(s, x, y, PuzzlePhysics.PRESS_Z, 0);
        at.step(down);
        assertEquals(0, at.boards()[0]);
        // landing exactly on -0.02 from above is a press (at or below)
        PuzzleEnv land = single(s, x, y, 0.0, 0);
        land.step(down);
        assertEquals(-0.02, land.positions()[2], 0.0);
        assertEquals(s.lightsOut().press(4), land.boards()[0]);
        // a crossing over a gap presses nothing
        PuzzleEnv gap = single(s, x + 0.05, y, 0.0, 0);
        gap.step(down);
        assertEquals(0, gap.boards()[0]);
        assertEquals(0, gap.pressCounts()[0]);
    }

    @Test
    void movementIsBoundedPerStepAndByTheWorkspace() {
        PuzzleSize s = PuzzleSize.P4X6;
        PuzzleEnv env = single(s, 0.4, 0.0, 0.1, 0);
        Rng r = new Rng(3);
        double[] prev = env.positions();
        for (int t = 0; t < 400; t++) {
            float[] a = {(float) r.uniform(-3, 3), (float) r.uniform(-3, 3), (float) r.uniform(-3, 3)};
            env.step(a);
            double[] p = env.positions();
            for (int d = 0; d < 3; d++) {
                double expected = prev[d] + 0.02 * Math.max(-1, Math.min(1, a[d]));
                double lo = d == 0 ? 0.25 : d == 1 ? -0.35 : -0.03, hi = d == 0 ? 0.6 : d == 1 ? 0.35 : 0.15;
                assertEquals(Math.max(lo, Math.min(hi, expected)), p[d], 1e-12, "axis " + d + " step " + t);
            }
            prev = p;
        }
        // pushing into every face ends exactly on the box
        for (int t = 0; t < 60; t++) env.step(new float[] {5, -5, 5});
        assertArrayEquals(new double[] {0.6, -0.35, 0.15}, env.positions(), 1e-12);
        for (int t = 0; t < 60; t++) env.step(new float[] {-1, 1, -1});
        assertArrayEquals(new double[] {0.25, 0.35, -0.03}, env.positions(), 1e-12);
        // the observation is the scaled position and the board
        StepResult res = env.step(new float[] {0, 0, 0});
        float[] o = res.observations();
        assertEquals((float) ((0.25 - 0.425) * 10), o[0]);
        assertEquals((float) (0.35 * 10), o[1]);
        assertEquals((float) (-0.03 * 10), o[2]);
    }

    @Test
    void rewardsSuccessTimingAndTermination() {
        PuzzleSize s = PuzzleSize.P3X3;
        int goal = s.task(4).goal(); // all blue
        int start = goal ^ s.lightsOut().press(4); // one press (the centre) away: 5 buttons wrong
        double x = PuzzlePhysics.buttonX(s, 1), y = PuzzlePhysics.buttonY(s, 1);
        float[] press = {0, 0, -1};

        PuzzleEnv gc = new PuzzleEnv(s, TaskMode.GOAL_CONDITIONED, false);
        gc.resetState(new double[] {x, y, 0.0}, new int[] {start}, new int[] {goal});
        StepResult r = gc.step(press);
        assertTrue(r.success()[0] && r.terminated()[0] && !r.truncated()[0], "POST: solved by this step");
        assertEquals(1f, r.rewards()[0]);

        for (boolean sparse : new boolean[] {false, true}) {
            PuzzleEnv st = new PuzzleEnv(s, TaskMode.SINGLE_TASK, sparse);
            st.resetState(new double[] {x, y, 0.05, x, y, 0.0}, new int[] {start, start}, new int[] {goal, goal});
            r = st.step(new float[] {0, 0, 0, 0, 0, -1}); // episode 0 stays, episode 1 presses
            for (int i = 0; i < 2; i++) {
                assertFalse(r.success()[i] || r.terminated()[i], "PRE: judged on the board before the step");
                assertEquals(sparse ? -1f : -5f, r.rewards()[i]);
            }
            assertEquals(goal, st.boards()[1]);
            r = st.step(new float[] {0, 0, 0, 0, 0, 0});
            assertFalse(r.terminated()[0]);
            assertEquals(sparse ? -1f : -5f, r.rewards()[0]);
            assertTrue(r.success()[1] && r.terminated()[1], "PRE: the step after the solving press");
            assertEquals(0f, r.rewards()[1]);

            // POST single-task (OGBench 1.1.0 timing): success on the solving step itself
            PuzzleEnv post = new PuzzleEnv(s, TaskMode.SINGLE_TASK, sparse, SuccessTiming.POST, 500);
            post.resetState(new double[] {x, y, 0.0}, new int[] {start}, new int[] {goal});
            r = post.step(press);
            assertTrue(r.terminated()[0]);
            assertEquals(0f, r.rewards()[0]);
        }
        // dense reward counts the buttons that differ: every partial board
        PuzzleEnv dense = new PuzzleEnv(s, TaskMode.SINGLE_TASK, false);
        int[] boards = {0, 1, 0b111, 0b101010101, goal};
        double[] pos = new double[15];
        int[] goals = new int[5];
        for (int i = 0; i < 5; i++) {
            pos[3 * i] = 0.3;
            pos[3 * i + 2] = 0.1;
            goals[i] = goal;
        }
        dense.resetState(pos, boards, goals);
        r = dense.step(new float[15]);
        assertArrayEquals(new float[] {-9, -8, -6, -4, 0}, r.rewards());
        assertArrayEquals(new boolean[] {false, false, false, false, true}, r.terminated());
    }

    @Test
    void truncatesAtTheTimeLimitAndFreezesFinishedEpisodes() {
        PuzzleEnv env = new PuzzleEnv(PuzzleSize.P4X4, TaskMode.GOAL_CONDITIONED, false);
        long[] s = seeds(3, 9);
        float[] obs = env.reset(1, s);
        float[] still = new float[9];
        StepResult r = null;
        for (int t = 1; t <= 500; t++) {
            r = env.step(still);
            for (int i = 0; i < 3; i++) {
                assertFalse(r.terminated()[i]);
                assertEquals(t == 500, r.truncated()[i], "step " + t);
            }
        }
        assertArrayEquals(obs, r.observations());
        float[] wild = {1, 1, Float.NaN, 0, -1, -1, 1, 1, 1};
        StepResult again = env.step(wild);
        assertArrayEquals(r.observations(), again.observations());
        assertArrayEquals(new float[3], again.rewards());
        assertArrayEquals(r.truncated(), again.truncated());
        assertArrayEquals(r.terminated(), again.terminated());
        assertArrayEquals(new int[] {500, 500, 500}, env.stepCounts());

        // an episode that terminates stays frozen while the others run on
        PuzzleSize sz = PuzzleSize.P3X3;
        PuzzleEnv two = new PuzzleEnv(sz, TaskMode.GOAL_CONDITIONED, false);
        double x = PuzzlePhysics.buttonX(sz, 1), y = PuzzlePhysics.buttonY(sz, 1);
        int goal = sz.lightsOut().press(4);
        two.resetState(new double[] {x, y, 0.0, x, y, 0.1}, new int[] {0, 0}, new int[] {goal, goal});
        r = two.step(new float[] {0, 0, -1, 0, 0, 0});
        assertTrue(r.terminated()[0]);
        float[] frozen = java.util.Arrays.copyOf(r.observations(), 12);
        for (int t = 0; t < 10; t++) {
            r = two.step(new float[] {1, 1, 1, 0, 0, -1});
            assertArrayEquals(frozen, java.util.Arrays.copyOf(r.observations(), 12));
            assertTrue(r.terminated()[0] && r.success()[0]);
            assertEquals(0f, r.rewards()[0]);
        }
        assertTrue(r.terminated()[1], "episode 1 went down and pressed the centre meanwhile");
        assertArrayEquals(new int[] {1, 7}, two.stepCounts()); // 1 still step + 6 down from 0.1 to -0.02
    }

    @Test
    void resetPlacesTheTaskBoardsAndJittersTheTipFromTheSeed() {
        PuzzleSize size = PuzzleSize.P4X5;
        long[] s = seeds(200, 1);
        PuzzleEnv gc = new PuzzleEnv(size, TaskMode.GOAL_CONDITIONED, false);
        PuzzleEnv st = new PuzzleEnv(size, TaskMode.SINGLE_TASK, false);
        float[] o1 = gc.reset(3, s), o2 = st.reset(3, s);
        assertArrayEquals(o1, o2, "same seed, same start in both modes");
        assertEquals(0, st.goals().length);
        float[] g = gc.goals();
        PuzzleSize.EvalTask task = size.task(3);
        double minX = 1, maxX = 0, minZ = 1, maxZ = -1;
        for (int i = 0; i < s.length; i++) {
            int od = 23;
            assertEquals(task.start(), PuzzlePhysics.readBoard(size, o1, i * od + 3));
            assertEquals(task.goal(), PuzzlePhysics.readBoard(size, g, i * 20));
            double x = gc.positions()[3 * i], y = gc.positions()[3 * i + 1], z = gc.positions()[3 * i + 2];
            assertTrue(x >= 0.25 && x <= 0.6 && y >= -0.2 && y <= 0.2 && z >= 0.06 && z <= 0.12);
            minX = Math.min(minX, x);
            maxX = Math.max(maxX, x);
            minZ = Math.min(minZ, z);
            maxZ = Math.max(maxZ, z);
        }
        assertTrue(minX < 0.27 && maxX > 0.58 && minZ < 0.065 && maxZ > 0.115, "covers the reset box");
        // the goal input is exactly the goal state's observation columns [3, 3 + RC)
        PuzzleEnv probe = new PuzzleEnv(size, TaskMode.GOAL_CONDITIONED, false);
        float[] goalObs = probe.resetState(new double[] {0.4, 0, 0.1}, new int[] {task.goal()}, new int[] {0});
        assertArrayEquals(java.util.Arrays.copyOfRange(goalObs, 3, 23), java.util.Arrays.copyOf(g, 20));
    }

    /** Actions that depend only on (seed, t, observation): oracle plus the seed's own noise. */
    private static Map<Long, List<float[]>> trajectories(long[] s, int steps) {
        PuzzleSize size = PuzzleSize.P3X3;
        PuzzleEnv env = new PuzzleEnv(size, TaskMode.GOAL_CONDITIONED, false);
        float[] obs = env.reset(4, s);
        float[] goals = env.goals();
        PuzzleOracle o = PuzzleOracle.goalConditioned(size);
        Rng[] noise = new Rng[s.length];
        for (int i = 0; i < s.length; i++) noise[i] = Seeds.rng(s[i], "test-noise");
        Map<Long, List<float[]>> out = new HashMap<>();
        for (long seed : s) out.put(seed, new ArrayList<>());
        for (int t = 0; t < steps; t++) {
            float[] a = o.act(obs, goals, s.length, null);
            for (int k = 0; k < a.length; k++) a[k] += (float) (0.5 * noise[k / 3].nextGaussian());
            StepResult r = env.step(a);
            obs = r.observations();
            for (int i = 0; i < s.length; i++) {
                float[] row = java.util.Arrays.copyOfRange(obs, 12 * i, 12 * i + 13);
                row[12] = r.rewards()[i] + (r.done(i) ? 10 : 0);
                out.get(s[i]).add(row);
            }
        }
        return out;
    }

    @Test
    void episodesDependOnlyOnTheirSeedWhateverTheBatch() {
        long a = 101, b = 202, c = 303;
        Map<Long, List<float[]>> small = trajectories(new long[] {a, b, c}, 200);
        Map<Long, List<float[]>> big = trajectories(new long[] {77, c, 78, a, 79, b, 80}, 200);
        for (long seed : new long[] {a, b, c}) {
            List<float[]> x = small.get(seed), y = big.get(seed);
            for (int t = 0; t < x.size(); t++) assertArrayEquals(x.get(t), y.get(t), "seed " + seed + " step " + t);
        }
        assertNotEquals(small.get(a).get(0)[0], small.get(b).get(0)[0]);
    }

    @Test
    void badCallsAreRejected() {
        PuzzleEnv env = new PuzzleEnv(PuzzleSize.P3X3, TaskMode.GOAL_CONDITIONED, false);
        assertThrows(IllegalStateException.class, () -> env.step(new float[3]));
        assertThrows(IllegalArgumentException.class, () -> env.reset(0, new long[] {1}));
        assertThrows(IllegalArgumentException.class, () -> env.reset(6, new long[] {1}));
        assertThrows(IllegalArgumentException.class, () -> env.reset(1, new long[0]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> env.resetState(new double[3], new int[] {1 << 9}, new int[] {0}));
        assertTrue(e.getMessage().contains("beyond the 9 buttons"), e.getMessage());
        env.reset(1, new long[] {1, 2});
        e = assertThrows(IllegalArgumentException.class, () -> env.step(new float[5]));
        assertTrue(e.getMessage().contains("expected batch 2 x 3 = 6"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> env.step(new float[] {0, 0, 0, 0, Float.NaN, 0}));
        assertTrue(e.getMessage().contains("episode 1 is NaN"), e.getMessage());
        assertEquals(2, env.batchSize());
    }

    /** Throughput of the batched environment (batch 50, random actions, full-length episodes). */
    @Test
    @Tag("slow")
    void throughput() {
        for (PuzzleSize size : PuzzleSize.values()) {
            PuzzleEnv env = new PuzzleEnv(size, TaskMode.GOAL_CONDITIONED, false);
            int n = 50;
            long[] s = seeds(n, 1);
            Rng rng = new Rng(2);
            float[] a = new float[3 * n];
            int len = size.maxEpisodeSteps();
            double best = 0;
            for (int round = 0; round < 12; round++) { // the first rounds warm up the JIT
                env.reset(1 + round % 5, s);
                long t0 = System.nanoTime();
                for (int t = 0; t < len; t++) {
                    for (int k = 0; k < a.length; k++) a[k] = (float) rng.uniform(-1, 1);
                    env.step(a);
                }
                best = Math.max(best, (double) len * n / ((System.nanoTime() - t0) / 1e9));
            }
            System.out.printf("puzzle-%s env: %.3g steps/s (batch %d, random actions)%n", size.label(), best, n);
            assertTrue(best > 1e5, "a step must cost microseconds, not more");
        }
    }
}
