package flowbench.baselines.algorithms;

import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Module;
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
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FEditTest {

    private static FEdit.Config small() {
        return FEdit.Config.cpu().withTraining(new int[] {32, 32}, new int[] {32, 32}, 2, 32, 1e-3);
    }

    /**
     * The edit gradients against central differences: L_eq + L_ent (pathwise through the clip and the exact bandit
     * critic, α constant) over every edit module, and L_α over log α. aFlow puts some rows where the clip is active.
     */
    @Test
    void editLossGradientMatchesFiniteDifferences() {
        Dataset data = Bandits.D2.dataset(50, 1);
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 2), data, 4);
        FEdit.FEditLearner l = new FEdit.FEditLearner(small().withEditScale(0.5), ctx);
        int n = 5;
        float[] cond = new float[n];
        float[] aFlow = {-0.9f, 0.2f, 0.95f, -0.3f, 0.1f, 0.1f, 0.7f, -0.6f, 0.0f, 0.4f};
        float[] noise = new float[n * 2];
        new Rng(2).fillGaussian(noise);
        var q = Bandits.D2.exactCritic();
        List<Module> em = l.edit.modules();
        Gradients[] g = new Gradients[3];
        for (int i = 0; i < 3; i++) {
            g[i] = em.get(i).newGradients();
            g[i].zero();
        }
        Gradients ga = l.logAlpha.newGradients();
        ga.zero();
        l.logAlpha.parameters().set(0, 0.3f);
        l.editLoss(cond, aFlow, noise, n, q, g, ga, null);
        double eps = 1e-2;
        int checked = 0;
        for (int k = 0; k < 3; k++) {
            Parameters p = em.get(k).parameters();
            float[] grad = g[k].toArray();
            for (int i = 0; i < p.size(); i += Math.max(1, p.size() / 25)) {
                float orig = p.get(i);
                p.set(i, (float) (orig + eps));
                double up = l.editLoss(cond, aFlow, noise, n, q, null, null, null)[0];
                p.set(i, (float) (orig - eps));
                double down = l.editLoss(cond, aFlow, noise, n, q, null, null, null)[0];
                p.set(i, orig);
                double fd = (up - down) / (2 * eps);
                assertEquals(fd, grad[i], 2e-3 + 3e-2 * Math.abs(fd), "module " + k + " parameter " + i);
                checked++;
            }
        }
        assertTrue(checked > 40);
        Parameters pa = l.logAlpha.parameters();
        pa.set(0, (float) (0.3 + eps));
        double up = l.editLoss(cond, aFlow, noise, n, q, null, null, null)[1];
        pa.set(0, (float) (0.3 - eps));
        double down = l.editLoss(cond, aFlow, noise, n, q, null, null, null)[1];
        pa.set(0, 0.3f);
        double fd = (up - down) / (2 * eps);
        assertEquals(fd, ga.get(0), 1e-3 + 1e-2 * Math.abs(fd), "log alpha");
    }

    /**
     * Known answer on the 2-D bimodal bandit (a* = (0.5, 0.5)): the edited action stays within edit_scale of the BC
     * sample drawn from the same noise (per coordinate: |clip(a + s·e) − a| ≤ s·|e| ≤ s), and the trained edit earns
     * more reward than the BC flow.
     */
    @Test
    void editImprovesRewardWithinEditScale() {
        Dataset data = Bandits.D2.dataset(3000, 1);
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 2), data, 4);
        // edit_scale 0.5 and lr 3e-3: the SAC temperature starts at α = 1 and must fall before −Q dominates the edit
        FEdit.Config cfg = FEdit.Config.cpu().withTraining(new int[] {64, 64}, new int[] {64, 64}, 2, 64, 3e-3)
                .withEditScale(0.5);
        Learner l = new FEdit().create(cfg, ctx);
        Map<String, Double> last = null;
        for (int s = 0; s < 1000; s++) last = l.update(s, Seeds.rng(4, "train", s));
        System.out.println("fedit last metrics " + last);
        int n = 2000;
        float[] cond = new float[n];
        float[] bcA = l.policies().get("flow-bc").act(cond, new float[0], n, new Rng(7));
        float[] edA = l.policies().get("fedit").act(cond, new float[0], n, new Rng(7));
        double maxShift = 0;
        for (int i = 0; i < bcA.length; i++) maxShift = Math.max(maxShift, Math.abs(edA[i] - bcA[i]));
        Bandits.Tilted bc = Bandits.D2.empirical(bcA, n);
        Bandits.Tilted ed = Bandits.D2.empirical(edA, n);
        System.out.printf("fedit: bc reward %.4f | edited reward %.4f | max shift %.4f%n", bc.meanReward(),
                ed.meanReward(), maxShift);
        assertTrue(maxShift <= cfg.editScale() + 1e-6, "edit moved an action by " + maxShift);
        assertTrue(maxShift > 0.5 * cfg.editScale(), "edit barely moves actions: " + maxShift);
        assertTrue(ed.meanReward() > bc.meanReward() + 0.02, "edited " + ed.meanReward() + " vs bc " + bc.meanReward());
    }
}
