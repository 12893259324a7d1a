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

class BAMTest {

    private static BAM.Config small() {
        return BAM.Config.cpu().withTraining(new int[] {32, 32}, new int[] {32, 32}, 2, 32, 1e-3);
    }

    /**
     * BPTT through the SDE (v_θ and the x → v_β dependence, the base last step, the mean − ρ·std critic aggregate)
     * against central differences of the actor terms over actor_fast's parameters, with fixed x_0 and SDE noise.
     */
    @Test
    void actorLossGradientMatchesFiniteDifferences() {
        Dataset data = Bandits.D2.dataset(50, 1);
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 2), data, 4);
        BAM.BamLearner l = new BAM.BamLearner(small().withInvTemp(3), ctx);
        int n = 4;
        int steps = 10;
        float[] cond = {0.1f, -0.2f, 0.3f, 0f};
        float[] x0 = new float[n * 2];
        float[] eps = new float[(steps - 1) * n * 2];
        new Rng(2).fillGaussian(x0);
        new Rng(3).fillGaussian(eps);
        Gradients g = l.fast.network().newGradients();
        g.zero();
        l.actorLoss(cond, x0, eps, n, g);
        float[] grad = g.toArray();
        Parameters p = l.fast.network().parameters();
        double e = 1e-2;
        int checked = 0;
        for (int i = 0; i < p.size(); i += Math.max(1, p.size() / 50)) {
            float orig = p.get(i);
            p.set(i, (float) (orig + e));
            double[] up = l.actorLoss(cond, x0, eps, n, null);
            p.set(i, (float) (orig - e));
            double[] down = l.actorLoss(cond, x0, eps, n, null);
            p.set(i, orig);
            double fd = (up[0] + up[1] - down[0] - down[1]) / (2 * e);
            assertEquals(fd, grad[i], 3e-3 + 3e-2 * Math.abs(fd), "parameter " + i);
            checked++;
        }
        assertTrue(checked > 30);
    }

    /** Known answer on the 2-D bimodal bandit: the BPTT-trained flow earns more reward than the BC flow. */
    @Test
    void fineTunedFlowImprovesRewardOverBehaviourCloning() {
        Dataset data = Bandits.D2.dataset(3000, 1);
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 2), data, 4);
        BAM.Config cfg = BAM.Config.cpu().withTraining(new int[] {64, 64}, new int[] {64, 64}, 2, 64, 1e-3).withInvTemp(10);
        Learner l = new BAM().create(cfg, ctx);
        Map<String, Double> last = null;
        for (int s = 0; s < 600; s++) last = l.update(s, Seeds.rng(4, "train", s));
        int n = 2000;
        float[] cond = new float[n];
        Bandits.Tilted bc = Bandits.D2.empirical(l.policies().get("flow-bc").act(cond, new float[0], n, new Rng(7)), n);
        Bandits.Tilted fine = Bandits.D2.empirical(l.policies().get("bam").act(cond, new float[0], n, new Rng(7)), n);
        System.out.printf("bam: bc reward %.4f modes %s | bam reward %.4f modes %s | %s%n", bc.meanReward(),
                java.util.Arrays.toString(bc.modeMasses()), fine.meanReward(), java.util.Arrays.toString(fine.modeMasses()), last);
        assertTrue(fine.meanReward() > bc.meanReward() + 0.02, "bam " + fine.meanReward() + " vs bc " + bc.meanReward());
    }
}
