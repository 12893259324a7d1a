package flowbench.baselines.algorithms;

import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Parameters;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.data.Dataset;
import flowbench.harness.data.Datasets;
import flowbench.harness.data.LoadOptions;
import flowbench.harness.data.NpyArray;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReBRACTest {

    /**
     * {@link Bandits#D1} with the constant observation 0.5 instead of 0: with c = 0 and zero-initialised biases a
     * deterministic actor starts at exactly a = 0, where the critic's input [0, 0] is the all-zero vector and its
     * post-activation LayerNorm is singular (Q depends only on sign(a) there), so the toy would test that singularity
     * rather than ReBRAC.
     */
    static Dataset bandit(int episodes, long seed) {
        int rows = 2 * episodes;
        float[] obs = new float[rows];
        float[] act = new float[rows];
        boolean[] term = new boolean[rows];
        Rng rng = new Rng(seed);
        for (int r = 0; r < rows; r++) {
            obs[r] = 0.5f;
            double mode = rng.nextDouble() < 0.7 ? -0.3 : 0.3; // D1's behaviour mixture
            act[r] = (float) Math.max(-1, Math.min(1, mode + Bandits.STD * rng.nextGaussian()));
            term[r] = r % 2 == 1;
        }
        Map<String, NpyArray> raw = new LinkedHashMap<>();
        raw.put("observations", NpyArray.of(obs, rows, 1));
        raw.put("actions", NpyArray.of(act, rows, 1));
        raw.put("terminals", NpyArray.of(term, rows));
        return Datasets.fromRaw(raw, LoadOptions.defaults(), (fields, n, rewards, success) -> {
            float[] a = fields.get("actions");
            for (int t = 0; t < n; t++) {
                rewards[t] = (float) Bandits.D1.reward(a, t);
                success[t] = true; // one-step episodes: mask 0
            }
        });
    }

    static ReBRAC.RebracLearner trained(ReBRAC.Config cfg, int steps, long seed) {
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), bandit(3000, seed), seed);
        ReBRAC.RebracLearner l = (ReBRAC.RebracLearner) new ReBRAC().create(cfg, ctx);
        for (int s = 0; s < steps; s++) l.update(s, Seeds.rng(seed, "train", s));
        return l;
    }

    static float action(Learner l) {
        return l.policies().get("rebrac").act(new float[] {0.5f}, new float[0], 1, new Rng(1))[0];
    }

    /** Finite differences of the whole actor loss (λ frozen as in the reference, pessimistic mean − ρ·std, tanh, BC). */
    @Test
    void actorGradientMatchesFiniteDifferences() {
        ReBRAC.Config cfg = ReBRAC.Config.cpu().withAlphaActor(0.5);
        ReBRAC.RebracLearner l = trained(cfg, 30, 4);
        int b = cfg.batchSize();
        float[] cond = new float[b];
        float[] data = new float[b];
        float[] v = new float[b];
        Rng r = new Rng(3);
        for (int i = 0; i < b; i++) {
            cond[i] = (float) r.nextGaussian();
            data[i] = (float) (0.8 * r.nextDouble() - 0.4);
            v[i] = i % 5 == 0 ? 0f : 1f;
        }
        Parameters ps = l.actorNetwork().parameters();
        Gradients g = l.actorNetwork().newGradients();
        double[] base = l.actorLoss(cond, data, v, g);
        double lambda = base[3];
        int checked = 0;
        for (int i = 0; i < ps.size(); i += Math.max(1, ps.size() / 25)) {
            float orig = ps.get(i);
            float h = 1e-2f;
            ps.set(i, orig + h);
            double[] up = l.actorLoss(cond, data, v, null);
            ps.set(i, orig - h);
            double[] down = l.actorLoss(cond, data, v, null);
            ps.set(i, orig);
            // λ is a stop-gradient: differentiate −λ·mean q + α·bc at the base λ
            double fd = (-lambda * (up[1] - down[1]) + cfg.alphaActor() * (up[2] - down[2])) / (2 * h);
            assertEquals(fd, g.get(i), 2e-3 + 0.05 * Math.abs(fd), "parameter " + i);
            checked++;
        }
        assertTrue(checked >= 20);
    }

    /**
     * Known answers on the 1-D bandit (Q = −(a − 0.5)², behaviour mean −0.12): the λ = 1/|q| normalisation makes the Q
     * pull grow like 2/|a − 0.5| near the optimum, so with α_a = 0.01 the deterministic actor sits at a* = 0.5; with
     * α_a = 1000 the BC term dominates and the actor regresses to the behaviour mean.
     */
    @Test
    void actorFindsTheOptimumOrTheBehaviourMean() {
        ReBRAC.RebracLearner rl = trained(ReBRAC.Config.cpu(), 600, 5);
        assertEquals(0.5, action(rl), 0.08);
        ReBRAC.RebracLearner bc = trained(ReBRAC.Config.cpu().withAlphaActor(1000), 600, 5);
        assertEquals(-0.12, action(bc), 0.06);
        assertTrue(Bandits.D1.reward(new float[] {action(rl)}, 0) > Bandits.D1.reward(new float[] {action(bc)}, 0) + 0.2);
    }

    @Test
    void actingNoiseIsClippedAndOptional() {
        ReBRAC.RebracLearner l = trained(ReBRAC.Config.cpu().withActorNoise(10), 5, 6);
        float[] a = l.policies().get("rebrac").act(new float[200], new float[0], 200, new Rng(2));
        ReBRAC.RebracLearner quiet = trained(ReBRAC.Config.cpu(), 5, 6);
        float[] q1 = quiet.policies().get("rebrac").act(new float[] {0.3f, 0.3f}, new float[0], 2, new Rng(2));
        float[] q2 = quiet.policies().get("rebrac").act(new float[] {0.3f, 0.3f}, new float[0], 2, new Rng(3));
        assertArrayEquals(q1, q2); // σ_n = 0: deterministic
        double lo = 1, hi = -1;
        for (float v : a) {
            assertTrue(v >= -1 && v <= 1);
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        // σ_n = 10 clipped to ±0.5 around one deterministic mean: the samples span at most 1.0, and nearly all of it
        assertTrue(hi - lo <= 1.0 + 1e-6 && hi - lo > 0.9, "noise clipped to ±0.5, range " + lo + ".." + hi);
        assertNotEquals(a[0], a[1]);
    }
}
