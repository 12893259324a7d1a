package flowbench.tasks.arm;

import flowbench.harness.env.StepResult;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The noiseless controller must solve every evaluation task (>= 95% within the 200-step limit). */
class ArmOracleTest {
    /** Success rate of the oracle on one evaluation task over {@code n} seeded episodes. */
    static double successRate(ArmLayout l, TaskMode mode, int taskId, int n) {
        ArmEnv env = new ArmEnv(l, mode);
        long[] s = new long[n];
        for (int i = 0; i < n; i++) s[i] = Seeds.derive(2024, l.name(), taskId, i);
        float[] obs = env.reset(taskId, s);
        float[] goals = env.goals();
        ArmOracle o = mode == TaskMode.GOAL_CONDITIONED ? ArmOracle.goalConditioned(l) : ArmOracle.singleTask(l, taskId);
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
    void solvesEveryEvaluationTaskOfEveryVariant() {
        for (ArmLayout l : ArmLayout.all()) {
            for (TaskMode mode : TaskMode.values()) {
                for (int task = 1; task <= 5; task++) {
                    double rate = successRate(l, mode, task, 20);
                    assertTrue(rate >= 0.95, l.name() + " " + mode + " task" + task + ": " + rate);
                }
            }
        }
    }

    @Test
    void policyContract() {
        ArmLayout l = ArmLayout.of(ArmLayout.FREE, 8);
        ArmOracle gc = ArmOracle.goalConditioned(l);
        assertEquals(1, gc.chunkLength());
        float[] obs = new float[2 * 10];
        obs[8] = 1; // straight arm: end-effector (1, 0)
        obs[18] = 1;
        float[] a = gc.act(obs, new float[] {0, 0.75f, 0.9f, 0}, 2, null);
        assertEquals(16, a.length);
        float max = 0;
        for (int j = 0; j < 8; j++) max = Math.max(max, Math.abs(a[j]));
        for (float v : a) assertTrue(v >= -1 && v <= 1);
        assertEquals(1f, max, 1e-6f, "far from the goal the controller moves at full speed");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gc.act(obs, new float[2], 2, null));
        assertTrue(e.getMessage().contains("goals has 2 values, expected batch 2 x 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> gc.act(new float[19], new float[4], 2, null));
        assertTrue(e.getMessage().contains("expected batch 2 x 10"), e.getMessage());
        // single-task: no goal input needed; the same target gives the same action
        float[] st = ArmOracle.singleTask(l, 1).act(java.util.Arrays.copyOf(obs, 10), new float[0], 1, null);
        assertArrayEquals(java.util.Arrays.copyOf(a, 8), st, 1e-6f);
    }

    /**
     * Obstacle-blind damped least squares on the whole arm, straight at the target (lambda 0.05, error capped at
     * 0.1): what a controller that does not go around the discs achieves.
     */
    static double directReachRate(ArmLayout l, int taskId, int n) {
        ArmKinematics k = l.kinematics();
        int nj = l.joints(), od = nj + 2;
        ArmEnv env = new ArmEnv(l, TaskMode.SINGLE_TASK);
        long[] s = new long[n];
        for (int i = 0; i < n; i++) s[i] = Seeds.derive(2024, l.name(), taskId, i);
        float[] obs = env.reset(taskId, s);
        ArmLayout.EvalTask t = l.task(taskId);
        double[] q = new double[nj], jac = new double[2 * nj], v = new double[nj];
        StepResult r = null;
        for (int step = 0; step < env.spec().maxEpisodeSteps(); step++) {
            float[] a = new float[n * nj];
            for (int b = 0; b < n; b++) {
                for (int j = 0; j < nj; j++) q[j] = obs[b * od + j];
                double ex = t.targetX() - obs[b * od + nj], ey = t.targetY() - obs[b * od + nj + 1];
                double e = Math.hypot(ex, ey);
                if (e > 0.1) {
                    ex *= 0.1 / e;
                    ey *= 0.1 / e;
                }
                k.jacobian(q, 0, jac);
                double lam = 0.0025, p = lam, c = 0, d = lam;
                for (int j = 0; j < nj; j++) {
                    p += jac[j] * jac[j];
                    c += jac[j] * jac[nj + j];
                    d += jac[nj + j] * jac[nj + j];
                }
                double det = p * d - c * c, y0 = (d * ex - c * ey) / det, y1 = (-c * ex + p * ey) / det;
                double max = 0;
                for (int j = 0; j < nj; j++) {
                    v[j] = (jac[j] * y0 + jac[nj + j] * y1) / k.maxJointStep(j);
                    max = Math.max(max, Math.abs(v[j]));
                }
                for (int j = 0; j < nj; j++) a[b * nj + j] = (float) (max > 1 ? v[j] / max : v[j]);
            }
            r = env.step(a);
            obs = r.observations();
        }
        int ok = 0;
        for (int i = 0; i < n; i++) if (r.terminated()[i]) ok++;
        return ok / (double) n;
    }

    @Test
    void obstacleTasksRequireGoingAround() {
        for (int n : ArmLayout.JOINTS) {
            ArmLayout l = ArmLayout.of(ArmLayout.OBSTACLES, n);
            double sum = 0;
            for (int task = 1; task <= 5; task++) {
                double rate = directReachRate(l, task, 10);
                assertTrue(rate <= 0.2, l.name() + " task" + task + " is solved by reaching straight at it: " + rate);
                sum += rate;
            }
            assertTrue(sum / 5 <= 0.05, l.name() + ": direct reach solves " + sum / 5);
        }
        // the same direct reach does work in free space when no base stop is in the way (task1: a quarter turn)
        for (int n : ArmLayout.JOINTS) assertEquals(1.0, directReachRate(ArmLayout.of(ArmLayout.FREE, n), 1, 10));
    }

    /** The numbers for the README: 100 episodes per task, both modes. */
    @Test
    @Tag("slow")
    void successTable() {
        for (ArmLayout l : ArmLayout.all()) {
            StringBuilder sb = new StringBuilder(String.format("%-20s", l.name()));
            for (TaskMode mode : TaskMode.values()) {
                sb.append(mode == TaskMode.GOAL_CONDITIONED ? " GC" : " ST");
                for (int task = 1; task <= 5; task++) sb.append(String.format(" %.2f", successRate(l, mode, task, 100)));
            }
            sb.append(" | direct reach (ST)");
            for (int task = 1; task <= 5; task++) sb.append(String.format(" %.2f", directReachRate(l, task, 100)));
            System.out.println(sb);
        }
    }
}
