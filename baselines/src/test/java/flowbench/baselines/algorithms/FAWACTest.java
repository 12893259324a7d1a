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

class FAWACTest {

    static FAWAC.FawacLearner trained(FAWAC.Config cfg, int steps, long seed) {
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), ReBRACTest.bandit(3000, seed), seed);
        FAWAC.FawacLearner l = (FAWAC.FawacLearner) new FAWAC().create(cfg, ctx);
        for (int s = 0; s < steps; s++) l.update(s, Seeds.rng(seed, "train", s));
        return l;
    }

    @Test
    void valueGradientMatchesFiniteDifferences() {
        FAWAC.Config cfg = FAWAC.Config.cpu();
        FAWAC.FawacLearner l = trained(cfg, 20, 4);
        int b = cfg.batchSize();
        float[] cond = new float[b], act = new float[b], w = new float[b];
        Rng r = new Rng(3);
        for (int i = 0; i < b; i++) {
            cond[i] = (float) r.nextGaussian();
            act[i] = (float) (2 * r.nextDouble() - 1);
            w[i] = i % 4 == 0 ? 0f : 1f;
        }
        Parameters ps = l.valueForTests().parameters();
        Gradients g = l.valueForTests().newGradients();
        l.valueLoss(cond, act, w, g);
        for (int i = 0; i < ps.size(); i += Math.max(1, ps.size() / 25)) {
            float orig = ps.get(i);
            float h = 1e-2f;
            ps.set(i, orig + h);
            double up = l.valueLoss(cond, act, w, null);
            ps.set(i, orig - h);
            double down = l.valueLoss(cond, act, w, null);
            ps.set(i, orig);
            double fd = (up - down) / (2 * h);
            assertEquals(fd, g.get(i), 2e-3 + 0.05 * Math.abs(fd), "parameter " + i);
        }
    }

    /**
     * Known answers on the one-step bandit (masks 0, so Q = r): the SARSA value V is the behaviour's mean reward, and
     * the advantage-weighted flow approaches π_β·exp(β·r) (with β = 5 the weight cap never binds: β·A ≤ 5·0.5 &lt; ln 100), whose
     * mode masses are integrated numerically; β = 0 leaves plain BC masses.
     */
    @Test
    void valueIsSarsaAndPolicyIsTheTiltedBehaviour() {
        int n = 2000;
        float[] c = new float[n];
        Arrays.fill(c, 0.5f);
        FAWAC.FawacLearner l = trained(FAWAC.Config.cpu().withInvTemp(5), 1500, 5);
        // V regresses a noisy target (reward variance ≈ 0.13 per row) at a constant rate: average its last 500 steps
        double v = 0;
        for (int s = 1500; s < 2000; s++) {
            l.update(s, Seeds.rng(5, "train", s));
            if (s % 10 == 0) v += l.valueForTests().forward(l.valueForTests().newTape(1), new float[] {0.5f}, 1)[0] / 50;
        }
        double[] r = new double[20000];
        Rng rng = new Rng(99);
        float[] a = new float[1];
        for (int i = 0; i < r.length; i++) {
            a[0] = (float) Math.max(-1, Math.min(1, (rng.nextDouble() < 0.7 ? -0.3 : 0.3) + Bandits.STD * rng.nextGaussian()));
            r[i] = Bandits.D1.reward(a, 0);
        }
        double sarsa = Arrays.stream(r).average().orElseThrow();
        assertEquals(sarsa, v, 0.04, "V vs behaviour mean reward");
        Bandits.Tilted got = Bandits.D1.empirical(l.policies().get("fawac").act(c, new float[0], n, new Rng(7)), n);
        Bandits.Tilted want = Bandits.D1.tilted(5);
        assertEquals(want.modeMasses()[1], got.modeMasses()[1], 0.1,
                "masses " + Arrays.toString(got.modeMasses()) + " vs tilted " + Arrays.toString(want.modeMasses()));
        Bandits.Tilted bc = Bandits.D1.empirical(trained(FAWAC.Config.cpu().withInvTemp(0), 2000, 5).policies().get("fawac")
                .act(c, new float[0], n, new Rng(7)), n);
        assertEquals(0.3, bc.modeMasses()[1], 0.08);
        assertTrue(got.meanReward() > bc.meanReward() + 0.03, got.meanReward() + " vs " + bc.meanReward());
    }
}
