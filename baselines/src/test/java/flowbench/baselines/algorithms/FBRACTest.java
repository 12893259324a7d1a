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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FBRACTest {

    static FBRAC.FbracLearner trained(FBRAC.Config cfg, int steps, long seed) {
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), ReBRACTest.bandit(3000, seed), seed);
        FBRAC.FbracLearner l = (FBRAC.FbracLearner) new FBRAC().create(cfg, ctx);
        for (int s = 0; s < steps; s++) l.update(s, Seeds.rng(seed, "train", s));
        return l;
    }

    static float[] sample(Learner l, int n) {
        float[] obs = new float[n];
        Arrays.fill(obs, 0.5f);
        return l.policies().get("fbrac").act(obs, new float[0], n, new Rng(21));
    }

    /** Finite differences of the (1/α)-weighted Q term through the clip and the N Euler steps (critic frozen). */
    @Test
    void qGradientMatchesFiniteDifferences() {
        FBRAC.Config cfg = FBRAC.Config.cpu().withAlpha(2);
        FBRAC.FbracLearner l = trained(cfg, 30, 4);
        float[] cond = new float[cfg.batchSize()];
        Arrays.fill(cond, 0.5f);
        Parameters ps = l.flowForTests().network().parameters();
        Gradients g = l.flowForTests().network().newGradients();
        l.qLoss(cond, new Rng(9), g);
        int checked = 0;
        for (int i = 0; i < ps.size(); i += Math.max(1, ps.size() / 25)) {
            float orig = ps.get(i);
            float h = 1e-2f;
            ps.set(i, orig + h);
            double up = l.qLoss(cond, new Rng(9), null) / cfg.alpha();
            ps.set(i, orig - h);
            double down = l.qLoss(cond, new Rng(9), null) / cfg.alpha();
            ps.set(i, orig);
            double fd = (up - down) / (2 * h);
            assertEquals(fd, g.get(i), 2e-3 + 0.05 * Math.abs(fd), "parameter " + i);
            checked++;
        }
        assertTrue(checked >= 20);
    }

    /**
     * On the 1-D bandit (Q = −(a − 0.5)², behaviour 0.7 at −0.3, 0.3 at +0.3): with α = 0.1 the Q term dominates and
     * the flow's samples move onto a* = 0.5; with α = 10⁴ it is negligible and the flow keeps the behaviour's mode
     * masses.
     */
    @Test
    void qWeightMovesTheFlowFromBehaviourToOptimum() {
        int n = 1000;
        Bandits.Tilted rl = Bandits.D1.empirical(sample(trained(FBRAC.Config.cpu(), 800, 5), n), n);
        Bandits.Tilted bc = Bandits.D1.empirical(sample(trained(FBRAC.Config.cpu().withAlpha(1e4), 800, 5), n), n);
        assertEquals(0.7, bc.modeMasses()[0], 0.1, "BC-like masses " + Arrays.toString(bc.modeMasses()));
        assertTrue(rl.modeMasses()[1] > 0.9, "Q-driven masses " + Arrays.toString(rl.modeMasses()));
        assertTrue(rl.meanReward() > bc.meanReward() + 0.1, rl.meanReward() + " vs " + bc.meanReward());
    }
}
