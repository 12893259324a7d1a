package flowbench.baselines.rl;

import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Module;
import flowbench.baselines.nn.Parameters;
import flowbench.harness.rng.Rng;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TanhNormalPolicyTest {
    static final int IN = 4, D = 3, B = 4;

    static TanhNormalPolicy policy(long seed) {
        TanhNormalPolicy p = new TanhNormalPolicy(IN, D, new int[] {16, 16}, Activation.GELU, B, new Rng(seed));
        Rng r = new Rng(seed + 100);
        for (Module m : p.modules()) {
            Parameters ps = m.parameters();
            for (int i = 0; i < ps.size(); i++) ps.set(i, ps.get(i) + (float) (0.2 * r.nextGaussian()));
        }
        return p;
    }

    static float[] gaussian(int n, long seed) {
        float[] a = new float[n];
        new Rng(seed).fillGaussian(a);
        return a;
    }

    /**
     * With zero head kernels, μ and log σ are the head biases; e and log π(e) against the change-of-variables density
     * computed independently in double: log π = Σ_d [log N(u; μ, σ) − log(1 − tanh²u)], u = μ + σε.
     */
    @Test
    void logProbIsGaussianLogDensityMinusTanhLogJacobian() {
        TanhNormalPolicy p = policy(1);
        double[] mu = {0.3, -0.2, 1.1};
        double[] logStd = {-0.5, 0.2, -1.0};
        for (int head = 1; head <= 2; head++) {
            Parameters ps = p.modules().get(head).parameters();
            Parameters.Tensor kernel = ps.tensor("dense0/kernel");
            for (int i = 0; i < kernel.size(); i++) ps.set(kernel.offset() + i, 0f);
            int bias = ps.tensor("dense0/bias").offset();
            for (int j = 0; j < D; j++) ps.set(bias + j, (float) (head == 1 ? mu[j] : logStd[j]));
        }
        float[] x = gaussian(B * IN, 2), eps = gaussian(B * D, 3);
        float[] e = new float[B * D], lp = new float[B];
        p.sample(x, B, eps, e, lp);
        for (int b = 0; b < B; b++) {
            double expect = 0;
            for (int j = 0; j < D; j++) {
                double sigma = Math.exp((float) logStd[j]);
                double u = (float) mu[j] + sigma * eps[b * D + j];
                assertEquals(Math.tanh(u), e[b * D + j], 1e-6);
                double z = (u - (float) mu[j]) / sigma;
                double logN = -0.5 * z * z - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
                double t = Math.tanh(u);
                expect += logN - Math.log(1 - t * t);
            }
            assertEquals(expect, lp[b], 1e-4 * Math.max(1, Math.abs(expect)), "row " + b);
        }
    }

    /** L = Σ w·e + Σ c·log π with ε fixed: parameter and input gradients against central differences. */
    @Test
    void reparameterisedGradientMatchesFiniteDifferences() {
        TanhNormalPolicy p = policy(4);
        float[] x = gaussian(B * IN, 5), eps = gaussian(B * D, 6), w = gaussian(B * D, 7), c = gaussian(B, 8);
        Gradients[] g = p.newGradients();
        for (Gradients gi : g) gi.zero();
        float[] dIn = new float[B * IN];
        loss(p, x, eps, w, c);
        p.backward(w, c, g, dIn);
        float h = 1e-2f;
        List<Module> mods = p.modules();
        int checked = 0;
        for (int m = 0; m < mods.size(); m++) {
            Parameters ps = mods.get(m).parameters();
            float[] grad = g[m].toArray();
            for (int i = 0; i < ps.size(); i += Math.max(1, ps.size() / 25)) {
                float orig = ps.get(i);
                ps.set(i, orig + h);
                double up = loss(p, x, eps, w, c);
                ps.set(i, orig - h);
                double down = loss(p, x, eps, w, c);
                ps.set(i, orig);
                double fd = (up - down) / (2 * h);
                assertEquals(fd, grad[i], 2e-3 + 2e-2 * Math.abs(fd), "module " + m + " parameter " + i);
                checked++;
            }
        }
        for (int i = 0; i < B * IN; i++) {
            float orig = x[i];
            x[i] = orig + h;
            double up = loss(p, x, eps, w, c);
            x[i] = orig - h;
            double down = loss(p, x, eps, w, c);
            x[i] = orig;
            double fd = (up - down) / (2 * h);
            assertEquals(fd, dIn[i], 2e-3 + 2e-2 * Math.abs(fd), "input " + i);
        }
        assertTrue(checked > 40);
    }

    private static double loss(TanhNormalPolicy p, float[] x, float[] eps, float[] w, float[] c) {
        float[] e = new float[B * D], lp = new float[B];
        p.sample(x, B, eps, e, lp);
        double l = 0;
        for (int i = 0; i < e.length; i++) l += (double) w[i] * e[i];
        for (int b = 0; b < B; b++) l += (double) c[b] * lp[b];
        return l;
    }

    /** A log-std pushed above 2 is clipped: σ = e², and no gradient flows into the log-std head. */
    @Test
    void logStdIsClippedWithZeroGradientOutside() {
        TanhNormalPolicy p = new TanhNormalPolicy(IN, D, new int[] {8}, Activation.GELU, B, new Rng(9));
        Parameters ls = p.modules().get(2).parameters();
        int biasOffset = ls.tensor("dense0/bias").offset();
        for (int j = 0; j < D; j++) ls.set(biasOffset + j, 50f); // raw log-std ≈ 50 ≫ 2
        float[] x = gaussian(B * IN, 10), eps = new float[B * D], e = new float[B * D], lp = new float[B];
        java.util.Arrays.fill(eps, 0.01f);
        p.sample(x, B, eps, e, lp);
        Gradients[] g = p.newGradients();
        for (Gradients gi : g) gi.zero();
        float[] ones = new float[B * D];
        java.util.Arrays.fill(ones, 1f);
        p.backward(ones, new float[] {1, 1, 1, 1}, g, null);
        for (float v : g[2].toArray()) assertEquals(0f, v, 0f);
        // log π = Σ [−ε²/2 − 2 − log √(2π) − log(1 − e²)] with σ = e² exactly
        double expect = 0;
        for (int j = 0; j < D; j++) {
            expect += -0.5 * 0.01 * 0.01 - 2 - 0.5 * Math.log(2 * Math.PI) - Math.log(1 - (double) e[j] * e[j]);
        }
        assertEquals(expect, lp[0], 2e-3 * Math.abs(expect));
    }
}
