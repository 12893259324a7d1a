package flowbench.baselines.rl;

import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Parameters;
import flowbench.harness.rng.Rng;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TdCriticTest {
    static final int COND = 3, ACT = 2, K = 3, B = 5;

    static TdCritic critic(double rho, double tau) {
        TdCritic.Config cfg = new TdCritic.Config(new int[] {16, 16}, Activation.GELU, LayerNormPlacement.AFTER_ACTIVATION,
                K, rho, tau);
        TdCritic c = new TdCritic(COND, ACT, cfg, B, new Rng(1));
        // move the parameters off their init (LayerNorm scale 1, zero biases) so that every path is exercised
        Rng r = new Rng(2);
        Parameters p = c.network().parameters();
        for (int i = 0; i < p.size(); i++) p.set(i, p.get(i) + (float) (0.2 * r.nextGaussian()));
        return c;
    }

    static float[] gaussian(int n, long seed) {
        float[] a = new float[n];
        new Rng(seed).fillGaussian(a);
        return a;
    }

    @Test
    void targetStartsAsExactCopyAndFollowsPolyak() {
        TdCritic.Config cfg = new TdCritic.Config(new int[] {8}, Activation.GELU, LayerNormPlacement.AFTER_ACTIVATION, K, 0.5, 0.25);
        TdCritic c = new TdCritic(COND, ACT, cfg, B, new Rng(3));
        assertArrayEquals(c.network().parameters().toArray(), c.targetNetwork().parameters().toArray());
        float[] before = c.targetNetwork().parameters().toArray();
        Parameters p = c.network().parameters();
        for (int i = 0; i < p.size(); i++) p.set(i, p.get(i) + 1f);
        float[] online = p.toArray();
        c.polyakUpdate();
        float[] after = c.targetNetwork().parameters().toArray();
        for (int i = 0; i < after.length; i++) assertEquals(0.25 * online[i] + 0.75 * before[i], after[i], 1e-6);
    }

    @Test
    void aggregateIsMeanMinusRhoPopulationStd() {
        TdCritic c = critic(0.5, 0.005);
        // K = 3 members x 2 rows: row 0 values {1, 2, 3} (mean 2, pop. std sqrt(2/3)), row 1 {0, 0, 6}
        float[] q = {1, 0, 2, 0, 3, 6};
        float[] out = c.aggregate(q, 2, new float[2]);
        assertEquals(2 - 0.5 * Math.sqrt(2.0 / 3), out[0], 1e-6);
        assertEquals(2 - 0.5 * Math.sqrt(8.0), out[1], 1e-6);
    }

    @Test
    void targetsAreRewardPlusDiscountedMaskedAggregate() {
        TdCritic c = critic(0.7, 0.005);
        float[] cond = gaussian(B * COND, 4), next = gaussian(B * ACT, 5);
        float[] r = {1, -1, 0.5f, 0, 2}, m = {1, 0, 1, 1, 0};
        float[] y = c.targets(r, m, 0.9, cond, next, B, new float[B]);
        float[] qk = c.forward(true, cond, next, B).clone();
        float[] agg = c.aggregate(qk, B, new float[B]);
        for (int b = 0; b < B; b++) assertEquals(r[b] + 0.9 * m[b] * agg[b], y[b], 1e-5);
        assertEquals(r[1], y[1], 0, "mask 0: no bootstrap");
    }

    /** L = mean_{k,b} (Q_k − y)² v and its parameter gradient against central differences of the loss itself. */
    @Test
    void lossValueAndGradientMatchDefinitionAndFiniteDifferences() {
        TdCritic c = critic(0.5, 0.005);
        float[] cond = gaussian(B * COND, 6), act = gaussian(B * ACT, 7), y = gaussian(B, 8);
        float[] v = {1, 0, 1, 1, 0.5f};
        Gradients g = c.network().newGradients();
        g.zero();
        double loss = c.loss(cond, act, y, v, B, g);
        float[] q = c.forward(false, cond, act, B).clone();
        double expect = 0;
        for (int k = 0; k < K; k++) for (int b = 0; b < B; b++) expect += Math.pow(q[k * B + b] - y[b], 2) * v[b];
        assertEquals(expect / (K * B), loss, 1e-5);
        Parameters p = c.network().parameters();
        float[] grad = g.toArray();
        float eps = 1e-2f;
        int checked = 0;
        for (int i = 0; i < p.size(); i += Math.max(1, p.size() / 60)) {
            float orig = p.get(i);
            p.set(i, orig + eps);
            double up = c.loss(cond, act, y, v, B, null);
            p.set(i, orig - eps);
            double down = c.loss(cond, act, y, v, B, null);
            p.set(i, orig);
            double fd = (up - down) / (2 * eps);
            assertEquals(fd, grad[i], 1e-3 + 2e-2 * Math.abs(fd), "parameter " + i);
            checked++;
        }
        assertTrue(checked > 40);
    }

    /** ∇_a of the ensemble mean (current and target views, and actionVjp) against central differences. */
    @Test
    void actionGradientsMatchFiniteDifferences() {
        TdCritic c = critic(0.5, 0.005);
        // make the target differ from the online critic
        Parameters tp = c.targetNetwork().parameters();
        Rng r = new Rng(9);
        for (int i = 0; i < tp.size(); i++) tp.set(i, tp.get(i) + (float) (0.2 * r.nextGaussian()));
        float[] cond = gaussian(B * COND, 10), act = gaussian(B * ACT, 11);
        for (boolean target : new boolean[] {false, true}) {
            ActionCritic view = target ? c.target() : c.current();
            float[] q = new float[B], g = new float[B * ACT];
            view.evaluate(cond, act, B, q, g);
            float[] qk = c.forward(target, cond, act, B);
            for (int b = 0; b < B; b++) {
                double mean = 0;
                for (int k = 0; k < K; k++) mean += qk[k * B + b];
                assertEquals(mean / K, q[b], 1e-5);
            }
            // the generic VJP with per-member weights 1/K gives the same gradient
            float[] w = new float[K * B];
            java.util.Arrays.fill(w, 1f / K);
            float[] g2 = new float[B * ACT];
            c.actionVjp(target, w, g2);
            assertArrayEquals(g, g2, 1e-6f);
            float eps = 1e-2f;
            for (int i = 0; i < B * ACT; i++) {
                float orig = act[i];
                float[] qu = new float[B], qd = new float[B];
                act[i] = orig + eps;
                view.evaluate(cond, act, B, qu, null);
                act[i] = orig - eps;
                view.evaluate(cond, act, B, qd, null);
                act[i] = orig;
                int b = i / ACT;
                double fd = (qu[b] - qd[b]) / (2 * eps);
                assertEquals(fd, g[i], 1e-3 + 2e-2 * Math.abs(fd), (target ? "target" : "current") + " action " + i);
            }
        }
        float[] gt = new float[B * ACT], gc = new float[B * ACT];
        c.target().evaluate(cond, act, B, null, gt);
        c.current().evaluate(cond, act, B, null, gc);
        assertNotEquals(gt[0], gc[0], "target and current views read different parameters");
    }

    @Test
    void rejectsBadConfigAndBatch() {
        assertThrows(IllegalArgumentException.class,
                () -> new TdCritic.Config(new int[] {8}, Activation.GELU, LayerNormPlacement.AFTER_ACTIVATION, 0, 0.5, 0.005));
        assertThrows(IllegalArgumentException.class,
                () -> new TdCritic.Config(new int[] {8}, Activation.GELU, LayerNormPlacement.AFTER_ACTIVATION, 2, 0.5, 1.5));
        TdCritic c = critic(0.5, 0.005);
        assertThrows(IllegalArgumentException.class, () -> c.forward(false, new float[COND * 6], new float[ACT * 6], 6));
    }

    /** FQL's own q_agg='min' over its 2 critics is our mean − ρ·std with ρ = 1 (fql-paper on antmaze relies on it). */
    @Test
    void twoMemberMinIsMeanMinusOneStd() {
        TdCritic.Config cfg = new TdCritic.Config(new int[] {8}, Activation.GELU, LayerNormPlacement.AFTER_ACTIVATION, 2, 1.0, 0.005);
        TdCritic c = new TdCritic(COND, ACT, cfg, B, new Rng(3));
        float[] q = {1.5f, -2f, 0f, 3f, 7f, /* member 2 */ 0.5f, 4f, 0f, -1f, 7.25f};
        float[] agg = c.aggregate(q, B, new float[B]);
        for (int b = 0; b < B; b++) assertEquals(Math.min(q[b], q[B + b]), agg[b], 1e-6, "row " + b);
    }
}
