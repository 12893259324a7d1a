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

    @Test
    void checkpointResumeIsBitIdentical(@TempDir Path dir) throws Exception {
        FAWAC.Config cfg = FAWAC.Config.cpu();
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), ReBRACTest.bandit(300, 8), 8);
        Learner a = new FAWAC().create(cfg, ctx);
        for (int s = 0; s < 10; s++) a.update(s, Seeds.rng(8, "train", s));
        a.save(dir);
        Map<String, Double> lastA = null;
        for (int s = 10; s < 20; s++) lastA = a.update(s, Seeds.rng(8, "train", s));
        Learner b = new FAWAC().create(cfg, ctx);
        b.load(dir);
        Map<String, Double> lastB = null;
        for (int s = 10; s < 20; s++) lastB = b.update(s, Seeds.rng(8, "train", s));
        assertEquals(lastA, lastB);
        float[] obs = {0.5f, 0.5f, 0.5f};
        assertArrayEquals(a.policies().get("fawac").act(obs, new float[0], 3, new Rng(1)),
                b.policies().get("fawac").act(obs, new float[0], 3, new Rng(1)));
    }

    @Test
    void goalConditionedAndProfiles() {
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.GOAL_CONDITIONED, 1, 1), ToyTasks.bimodal(20, 30, 0.5, 3), 3);
        Learner l = new FAWAC().create(FAWAC.Config.cpu(), ctx);
        for (int s = 0; s < 3; s++) {
            Map<String, Double> m = l.update(s, Seeds.rng(3, "train", s));
            assertTrue(Double.isFinite(m.get("critic_loss")) && Double.isFinite(m.get("actor_loss")), m.toString());
        }
        float[] a = l.policies().get("fawac").act(new float[] {0.5f, 0.5f}, new float[] {0.1f, 0.2f}, 2, new Rng(2));
        assertEquals(2, a.length);
        assertEquals(6.4, new FAWAC().defaultConfig("paper").invTemp());
        assertThrows(IllegalArgumentException.class, () -> new FAWAC().defaultConfig("gpu"));
        assertThrows(IllegalArgumentException.class, () -> FAWAC.Config.cpu().withInvTemp(-1));
    }
}
