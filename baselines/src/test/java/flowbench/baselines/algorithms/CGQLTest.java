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

class CGQLTest {

    private static CGQL.Config small(CGQL.Mode m) {
        return CGQL.Config.cpu(m).withTraining(new int[] {32, 32}, new int[] {32, 32}, 2, 32, 1e-3);
    }

    /** The hand-written noisy-critic gradients (mse and linex, both LINEX branches) against central differences. */
    @Test
    void noisyCriticLossGradientMatchesFiniteDifferences() {
        Dataset data = Bandits.D2.dataset(50, 1);
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 2), data, 4);
        for (CGQL.Mode mode : new CGQL.Mode[] {CGQL.Mode.MSE, CGQL.Mode.LINEX}) {
            // isdClip 0.05 puts rows on both sides of the LINEX switch
            CGQL.Config base = small(mode);
            CGQL.Config cfg = new CGQL.Config(base.actorHidden(), base.criticHidden(), base.activation(), 6, 1e-3, 2,
                    0.5, 0.99, 0.005, 10, 1, mode, 10, 0.1, 0.1, mode == CGQL.Mode.LINEX ? 0.05 : 5, true, true,
                    base.goals());
            CGQL.CgqlLearner l = new CGQL.CgqlLearner(cfg, ctx);
            // move the online critic away from its target so that q̄ − Q is not ~0
            Parameters p = l.critic.network().parameters();
            Rng jitter = new Rng(9);
            for (int i = 0; i < p.size(); i++) p.set(i, p.get(i) + 0.05f * (float) jitter.nextGaussian());
            int n = 6;
            float[] cond = new float[n];
            float[] act = new float[n * 2];
            new Rng(2).fillGaussian(act);
            float[] valid = {1, 1, 0, 1, 1, 1};
            Gradients g = l.critic.network().newGradients();
            g.zero();
            l.noisyLoss(cond, act, valid, n, new Rng(3), g, 1.0);
            float[] grad = g.toArray();
            double eps = 1e-2;
            int checked = 0;
            for (int i = 0; i < p.size(); i += Math.max(1, p.size() / 60)) {
                float orig = p.get(i);
                p.set(i, (float) (orig + eps));
                double up = l.noisyLoss(cond, act, valid, n, new Rng(3), null, 1.0);
                p.set(i, (float) (orig - eps));
                double down = l.noisyLoss(cond, act, valid, n, new Rng(3), null, 1.0);
                p.set(i, orig);
                double fd = (up - down) / (2 * eps);
                assertEquals(fd, grad[i], 3e-3 + 3e-2 * Math.abs(fd), mode + " parameter " + i);
                checked++;
            }
            assertTrue(checked > 30);
        }
    }

    /**
     * Known answer on the 2-D bimodal bandit (mass 0.7 on (−0.3, −0.3), reward −‖a − (0.5, 0.5)‖²/2): after joint
     * critic and BC training, Q-guided sampling must earn more reward than the unguided BC flow of the same learner.
     */
    @Test
    void guidanceImprovesRewardOverBehaviourCloning() {
        Dataset data = Bandits.D2.dataset(3000, 1);
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 2), data, 4);
        for (CGQL.Mode mode : CGQL.Mode.values()) {
            // the noisy-action critic (t < 1) is trained ONLY by the noisy term: weight 1 so that it is learned in 800
            // steps (the paper's 0.1 / 0.001 are tuned for 1M steps)
            CGQL.Config cfg = CGQL.Config.cpu(mode).withTraining(new int[] {64, 64}, new int[] {64, 64}, 2, 64, 1e-3);
            if (mode != CGQL.Mode.SIMPLE) cfg = cfg.withNoisyCoef(1.0).withGuidance(10, 0.1, false);
            Learner l = new CGQL(mode).create(cfg, ctx);
            for (int s = 0; s < 800; s++) l.update(s, Seeds.rng(4, "train", s));
            int n = 2000;
            float[] cond = new float[n];
            Bandits.Tilted bc = Bandits.D2.empirical(l.policies().get("flow-bc").act(cond, new float[0], n, new Rng(7)), n);
            Bandits.Tilted guided = Bandits.D2.empirical(l.policies().get(mode.registryName()).act(cond, new float[0], n,
                    new Rng(7)), n);
            System.out.printf("cgql %s: bc reward %.4f modes %s | guided reward %.4f modes %s%n", mode, bc.meanReward(),
                    java.util.Arrays.toString(bc.modeMasses()), guided.meanReward(),
                    java.util.Arrays.toString(guided.modeMasses()));
            assertTrue(guided.meanReward() > bc.meanReward() + 0.02,
                    mode + ": guided " + guided.meanReward() + " vs bc " + bc.meanReward());
        }
    }

    @Test
    void configRoundTripsThroughJsonAndRejectsBadValues() {
        CGQL.Config c = CGQL.Config.paper(CGQL.Mode.LINEX);
        assertEquals(c, flowbench.harness.protocol.Configs.merge(new CGQL(CGQL.Mode.LINEX), "paper", Map.of()));
        assertEquals(0.001, c.noisyCoef());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> flowbench.harness.protocol.Configs.merge(new CGQL(CGQL.Mode.MSE), "cpu", Map.of("isdClip", "0")));
        assertTrue(e.getMessage().contains("isdClip"), e.getMessage());
    }
}
