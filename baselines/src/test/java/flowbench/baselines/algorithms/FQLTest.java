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
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FQLTest {

    static FQL.FqlLearner trained(FQL.Config cfg, int steps, long seed) {
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), Bandits.D1.dataset(3000, seed), seed);
        FQL.FqlLearner l = (FQL.FqlLearner) new FQL().create(cfg, ctx);
        for (int s = 0; s < steps; s++) l.update(s, Seeds.rng(seed, "train", s));
        return l;
    }

    /** Finite differences of α·distill − mean Q with respect to the one-step policy's parameters (critic frozen). */
    @Test
    void oneStepGradientMatchesFiniteDifferences() {
        FQL.Config cfg = FQL.Config.cpu().withAlpha(3);
        FQL.FqlLearner l = trained(cfg, 30, 4);
        int b = cfg.batchSize();
        float[] cond = new float[b];
        Parameters ps = l.oneStepNetwork().parameters();
        Gradients g = l.oneStepNetwork().newGradients();
        l.oneStepLoss(cond, new Rng(9), g);
        int checked = 0;
        for (int i = 0; i < ps.size(); i += Math.max(1, ps.size() / 25)) {
            float orig = ps.get(i);
            float h = 1e-2f;
            ps.set(i, orig + h);
            double up = total(l, cond, cfg.alpha());
            ps.set(i, orig - h);
            double down = total(l, cond, cfg.alpha());
            ps.set(i, orig);
            double fd = (up - down) / (2 * h);
            assertEquals(fd, g.get(i), 2e-3 + 0.05 * Math.abs(fd), "parameter " + i);
            checked++;
        }
        assertTrue(checked >= 20);
    }

    private static double total(FQL.FqlLearner l, float[] cond, double alpha) {
        double[] p = l.oneStepLoss(cond, new Rng(9), null);
        return alpha * p[0] - p[1];
    }

    /**
     * Known answer on the 1-D bandit (Q = −(a − 0.5)², masks 0): per noise z the one-step objective
     * α(μ − a_flow)² − Q(μ) is minimised at μ = (α·a_flow + 0.5)/(α + 1). With α = 1 the policy must sit halfway
     * between the flow's sample and a* = 0.5, and its reward must beat BC's.
     */
    @Test
    void oneStepPolicyMatchesTheClosedFormOptimum() {
        double alpha = 1;
        FQL.FqlLearner l = trained(FQL.Config.cpu().withAlpha(alpha), 1500, 5);
        int n = 2000;
        float[] c = new float[n];
        float[] z = new float[n];
        new Rng(11).fillGaussian(z);
        float[] flow = l.flowActions(c, z, n);
        float[] mu = l.oneStepActions(c, z, n);
        double err = 0, rMu = 0, rFlow = 0;
        for (int i = 0; i < n; i++) {
            double want = (alpha * flow[i] + 0.5) / (alpha + 1);
            err += Math.abs(mu[i] - want) / n;
            rMu += Bandits.D1.reward(mu, i) / n;
            rFlow += Bandits.D1.reward(flow, i) / n;
        }
        assertTrue(err < 0.08, "mean |mu - closed form| = " + err);
        assertTrue(rMu > rFlow + 0.05, "one-step reward " + rMu + " vs BC flow " + rFlow);
        // BC flow itself reproduces the behaviour's 0.7/0.3 mode masses
        Bandits.Tilted bc = Bandits.D1.empirical(flow, n);
        assertEquals(0.7, bc.modeMasses()[0], 0.08);
    }

    /** With the agent's own default α = 100 the Q shift |∇Q|/(2α) is below 0.01: the policy stays on the behaviour flow's samples. */
    @Test
    void largeAlphaStaysOnTheBehaviourSupport() {
        FQL.FqlLearner l = trained(FQL.Config.cpu().withAlpha(100), 1000, 6);
        int n = 1000;
        float[] c = new float[n];
        float[] z = new float[n];
        new Rng(12).fillGaussian(z);
        float[] flow = l.flowActions(c, z, n);
        float[] mu = l.oneStepActions(c, z, n);
        double err = 0;
        for (int i = 0; i < n; i++) err += Math.abs(mu[i] - flow[i]) / n;
        assertTrue(err < 0.06, "mean |mu - flow| = " + err);
        Bandits.Tilted t = Bandits.D1.empirical(mu, n);
        assertEquals(0.7, t.modeMasses()[0], 0.1, "mode masses " + java.util.Arrays.toString(t.modeMasses()));
    }
}
