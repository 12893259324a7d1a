package flowbench.baselines.algorithms;

import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Module;
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
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DSRLTest {

    static DSRL.DsrlLearner trained(DSRL.Config cfg, int steps, long seed) {
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), ReBRACTest.bandit(3000, seed), seed);
        DSRL.DsrlLearner l = (DSRL.DsrlLearner) new DSRL().create(cfg, ctx);
        for (int s = 0; s < steps; s++) l.update(s, Seeds.rng(seed, "train", s));
        return l;
    }

    static float[] half(int n) {
        float[] c = new float[n];
        Arrays.fill(c, 0.5f);
        return c;
    }

    private static void checkFd(Module m, Gradients g, DoubleSupplier loss) {
        Parameters ps = m.parameters();
        for (int i = 0; i < ps.size(); i += Math.max(1, ps.size() / 20)) {
            float orig = ps.get(i);
            float h = 1e-2f;
            ps.set(i, orig + h);
            double up = loss.getAsDouble();
            ps.set(i, orig - h);
            double down = loss.getAsDouble();
            ps.set(i, orig);
            double fd = (up - down) / (2 * h);
            assertEquals(fd, g.get(i), 2e-3 + 0.05 * Math.abs(fd), "parameter " + i);
        }
    }

    /** Finite differences of the z-distillation loss (z-critic) and of the noise-space SAC loss (all actor modules). */
    @Test
    void gradientsMatchFiniteDifferences() {
        DSRL.Config cfg = DSRL.Config.cpu();
        DSRL.DsrlLearner l = trained(cfg, 20, 4);
        int b = cfg.batchSize();
        float[] cond = new float[b];
        Rng r = new Rng(3);
        for (int i = 0; i < b; i++) cond[i] = (float) r.nextGaussian();
        List<Module> mods = l.modulesForTests();
        Gradients gz = mods.get(1).newGradients();
        l.zDistillLoss(cond, new Rng(5), gz);
        checkFd(mods.get(1), gz, () -> l.zDistillLoss(cond, new Rng(5), null));
        Gradients[] ga = new Gradients[3];
        for (int i = 0; i < 3; i++) ga[i] = mods.get(3 + i).newGradients();
        Gradients galpha = mods.get(6).newGradients();
        double[] base = l.actorLoss(cond, new Rng(6), ga, galpha);
        for (int i = 0; i < 3; i++) checkFd(mods.get(3 + i), ga[i], () -> l.actorLoss(cond, new Rng(6), null, null)[0]);
        // dL/dlog α = α·(entropy − H_t), H_t = −D/2 with D = 1
        assertEquals(base[3] * (base[2] + 0.5), galpha.get(0), 1e-5);
    }

    /**
     * On the one-step bandit the latent policy steers the (fixed) BC flow: its actions must beat the flow's own samples
     * in reward and stay in the flow's image of (−scale, scale) noise, i.e. inside the behaviour's support.
     */
    @Test
    void latentPolicyImprovesOverBcInsideTheSupport() {
        DSRL.DsrlLearner l = trained(DSRL.Config.cpu(), 2000, 5);
        int n = 1000;
        float[] z = new float[n];
        new Rng(11).fillGaussian(z);
        double bc = Bandits.D1.empirical(l.flowActions(half(n), z, n), n).meanReward();
        float[] a = l.policies().get("dsrl").act(half(n), new float[0], n, new Rng(12));
        Bandits.Tilted got = Bandits.D1.empirical(a, n);
        float[] edge = l.flowActions(half(2), new float[] {-0.8f, 0.8f}, 2);
        for (float v : a) assertTrue(v >= edge[0] - 0.05 && v <= edge[1] + 0.05, v + " outside " + Arrays.toString(edge));
        assertTrue(got.meanReward() > bc + 0.1, "dsrl " + got.meanReward() + " vs bc " + bc);
    }
}
