package flowbench.baselines.algorithms;

import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Parameters;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.data.Dataset;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EDPTest {

    private static EDP.Config small(int h, double lambda) {
        return EDP.Config.cpu().withTraining(new int[] {32, 32}, new int[] {32, 32}, 32, 1e-3, h, lambda);
    }

    /** −Q(clip(x_t + (1 − t)v)) + λ·BC through the velocity field, the clip and the exact bandit critic vs central differences. */
    @Test
    void actorLossGradientMatchesFiniteDifferences() {
        Dataset data = Bandits.D2.dataset(50, 1);
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 2), data, 4);
        EDP.EdpLearner l = new EDP.EdpLearner(small(1, 3), ctx);
        int n = 5;
        float[] cond = new float[n];
        float[] act = {0.9f, -0.2f, 0.3f, 0.4f, -0.7f, 0.1f, 0.0f, 0.99f, -0.5f, -0.5f};
        float[] x0 = new float[n * 2];
        new Rng(2).fillGaussian(x0);
        for (int i = 0; i < x0.length; i++) x0[i] *= 2; // pushes some â outside [−1, 1] so the clip mask is exercised
        float[] t = {0f, 0.3f, 0.5f, 0.9f, 1f};
        var q = Bandits.D2.exactCritic();
        Gradients g = l.field.network().newGradients();
        g.zero();
        l.actorLoss(cond, act, x0, t, n, q, g);
        float[] grad = g.toArray();
        Parameters p = l.field.network().parameters();
        double e = 1e-2;
        int checked = 0;
        for (int i = 0; i < p.size(); i += Math.max(1, p.size() / 60)) {
            float orig = p.get(i);
            p.set(i, (float) (orig + e));
            double[] up = l.actorLoss(cond, act, x0, t, n, q, null);
            p.set(i, (float) (orig - e));
            double[] down = l.actorLoss(cond, act, x0, t, n, q, null);
            p.set(i, orig);
            double fd = (up[0] + 3 * up[1] - down[0] - 3 * down[1]) / (2 * e);
            assertEquals(fd, grad[i], 3e-3 + 3e-2 * Math.abs(fd), "parameter " + i);
            checked++;
        }
        assertTrue(checked > 30);
    }

    /**
     * Known answer on the 2-D bimodal bandit: the behaviour's mean reward is tilted(0).meanReward() (≈ −0.46); EDP's
     * Q term must raise it, while λ·BC keeps samples near the data (most of them within 3σ of a behaviour mode).
     */
    @Test
    void improvesRewardOverBehaviourAndStaysNearSupport() {
        Dataset data = Bandits.D2.dataset(3000, 1);
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 2), data, 4);
        EDP.Config cfg = EDP.Config.cpu().withTraining(new int[] {64, 64}, new int[] {64, 64}, 64, 1e-3, 1, 3);
        Learner l = new EDP().create(cfg, ctx);
        Map<String, Double> last = null;
        for (int s = 0; s < 1000; s++) last = l.update(s, Seeds.rng(4, "train", s));
        int n = 2000;
        float[] a = l.policies().get("edp").act(new float[n], new float[0], n, new Rng(7));
        Bandits.Tilted got = Bandits.D2.empirical(a, n);
        double behaviour = Bandits.D2.tilted(0).meanReward();
        int near = 0;
        for (int b = 0; b < n; b++) {
            double best = Double.POSITIVE_INFINITY;
            for (double[] mode : Bandits.D2.modes) {
                best = Math.min(best, Math.hypot(a[2 * b] - mode[0], a[2 * b + 1] - mode[1]));
            }
            if (best < 3 * Bandits.STD) near++;
        }
        System.out.printf("edp: behaviour reward %.4f | edp reward %.4f modes %s | near support %.3f | %s%n", behaviour,
                got.meanReward(), java.util.Arrays.toString(got.modeMasses()), near / (double) n, last);
        assertTrue(got.meanReward() > behaviour + 0.05, "edp " + got.meanReward() + " vs behaviour " + behaviour);
        assertTrue(near > 0.8 * n, "only " + near + " of " + n + " samples within 3 sigma of a behaviour mode");
    }
}
