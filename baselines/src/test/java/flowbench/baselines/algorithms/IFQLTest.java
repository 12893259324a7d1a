package flowbench.baselines.algorithms;

import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Parameters;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IFQLTest {

    static IFQL.IfqlLearner trained(IFQL.Config cfg, int steps, long seed) {
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), ReBRACTest.bandit(3000, seed), seed);
        IFQL.IfqlLearner l = (IFQL.IfqlLearner) new IFQL().create(cfg, ctx);
        for (int s = 0; s < steps; s++) l.update(s, Seeds.rng(seed, "train", s));
        return l;
    }

    static float[] half(int n) {
        float[] c = new float[n];
        Arrays.fill(c, 0.5f);
        return c;
    }

    @Test
    void valueGradientMatchesFiniteDifferences() {
        IFQL.Config cfg = IFQL.Config.cpu();
        IFQL.IfqlLearner l = trained(cfg, 20, 4);
        int b = cfg.batchSize();
        float[] cond = new float[b], act = new float[b];
        Rng r = new Rng(3);
        for (int i = 0; i < b; i++) {
            cond[i] = (float) r.nextGaussian();
            act[i] = (float) (2 * r.nextDouble() - 1);
        }
        Parameters ps = l.valueForTests().parameters();
        Gradients g = l.valueForTests().newGradients();
        l.valueLoss(cond, act, g);
        for (int i = 0; i < ps.size(); i += Math.max(1, ps.size() / 25)) {
            float orig = ps.get(i);
            float h = 1e-2f;
            ps.set(i, orig + h);
            double up = l.valueLoss(cond, act, null);
            ps.set(i, orig - h);
            double down = l.valueLoss(cond, act, null);
            ps.set(i, orig);
            double fd = (up - down) / (2 * h);
            assertEquals(fd, g.get(i), 2e-3 + 0.05 * Math.abs(fd), "parameter " + i);
        }
    }

    /** κ-expectile of the behaviour's rewards: the root of Σ |κ − 1[r < v]|·(r − v) = 0 (bisection). */
    static double expectile(double[] r, double kappa) {
        double lo = -2, hi = 1;
        for (int it = 0; it < 100; it++) {
            double v = (lo + hi) / 2, s = 0;
            for (double x : r) s += Math.abs(kappa - (x < v ? 1 : 0)) * (x - v);
            if (s > 0) lo = v; else hi = v;
        }
        return (lo + hi) / 2;
    }

    /**
     * Known answers on the one-step bandit (Q = r(a) since masks are 0, ρ = 0 so q is the ensemble mean): V converges
     * to the κ-expectile of r(a_data), and best-of-32 under min-Q acting beats the BC flow's mean reward.
     */
    @Test
    void valueIsTheExpectileAndRejectionSamplingImproves() {
        IFQL.Config cfg = new IFQL.Config(List.of(128, 128), List.of(128, 128), flowbench.baselines.nn.Activation.GELU,
                64, 3e-4, 4, 0.0, 0.99, 0.005, 10, 1, 0.9, 32, flowbench.harness.data.GoalSampling.defaults());
        IFQL.IfqlLearner l = trained(cfg, 1500, 5);
        double[] r = new double[20000];
        Rng rng = new Rng(99);
        float[] a = new float[1];
        for (int i = 0; i < r.length; i++) {
            a[0] = (float) Math.max(-1, Math.min(1, (rng.nextDouble() < 0.7 ? -0.3 : 0.3) + Bandits.STD * rng.nextGaussian()));
            r[i] = Bandits.D1.reward(a, 0);
        }
        double want = expectile(r, 0.9);
        float v = l.valueForTests().forward(l.valueForTests().newTape(1), new float[] {0.5f}, 1)[0];
        assertEquals(want, v, 0.05, "V vs the 0.9-expectile " + want);
        int n = 500;
        float[] best = l.policies().get("ifql").act(half(n), new float[0], n, new Rng(7));
        double rBest = Bandits.D1.empirical(best, n).meanReward();
        double rBehaviour = Arrays.stream(r).average().orElseThrow();
        assertTrue(rBest > rBehaviour + 0.15 && rBest > -0.03, "best-of-32 " + rBest + " vs behaviour " + rBehaviour);
    }
}
