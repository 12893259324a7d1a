package flowbench.baselines.flow;

import flowbench.baselines.flow.GuidedEulerSampler.Estimate;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.MlpEnsemble;
import flowbench.baselines.nn.Parameters;
import flowbench.baselines.nn.WeightInit;
import flowbench.baselines.rl.EnsembleCritic;
import flowbench.baselines.rl.NoiseConditionedCritic;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuidedEulerSamplerTest {
    static final int COND = 2, ACT = 3, B = 5, K = 10;

    static void perturb(Parameters p, long seed, double scale) {
        Rng r = Seeds.rng(seed, "perturb");
        for (int i = 0; i < p.size(); i++) p.set(i, p.get(i) + (float) (scale * r.nextGaussian()));
    }

    /** QGF's actor recipe with parameters moved off their init, so that v depends visibly on a_t and t. */
    static VelocityField field(long seed) {
        VelocityField f = new VelocityField(COND, ACT, TimeEmbedding.SINUSOIDAL16, new MlpConfig(1, new int[] {16, 16}, 1,
                Activation.GELU, LayerNormPlacement.BEFORE_ACTIVATION_EXCEPT_LAST, false, WeightInit.LECUN_NORMAL),
                Seeds.rng(seed, "init"));
        perturb(f.network().parameters(), seed, 0.3);
        return f;
    }

    static EnsembleCritic critic(long seed) {
        MlpEnsemble e = new MlpEnsemble(new MlpConfig(COND + ACT, new int[] {16, 16}, 1, Activation.GELU,
                LayerNormPlacement.BEFORE_ACTIVATION, false), 2, Seeds.rng(seed, "critic"));
        perturb(e.parameters(), seed + 100, 0.2);
        return new EnsembleCritic(e, COND, EnsembleCritic.Aggregation.MIN);
    }

    static float[] gaussian(int n, long seed, float scale) {
        float[] a = new float[n];
        new Rng(seed).fillGaussian(a);
        for (int i = 0; i < n; i++) a[i] *= scale;
        return a;
    }

    /** w = 0 reproduces plain Euler sampling bit for bit, for every estimate and for RobustQ. */
    @Test
    void zeroWeightIsBitwisePlainEuler() {
        VelocityField f = field(1);
        EnsembleCritic q = critic(2);
        NoiseConditionedCritic rob = new NoiseConditionedCritic(COND, ACT, TimeEmbedding.SINUSOIDAL16,
                new MlpConfig(1, new int[] {8}, 1, Activation.GELU, LayerNormPlacement.BEFORE_ACTIVATION, false), 3e-4, 4,
                new Rng(3));
        float[] cond = gaussian(B * COND, 3, 1f);
        float[] x0 = gaussian(B * ACT, 4, 1f);
        float[] plain = EulerSampler.integrate(f, f.network().newTape(B), cond, x0.clone(), B, K, true);
        GuidedEulerSampler s = new GuidedEulerSampler(f, K);
        for (Estimate e : Estimate.values()) {
            assertArrayEquals(plain, s.sample(cond, x0.clone(), B, q, e, 0f), e.toString());
        }
        assertArrayEquals(plain, s.sample(cond, x0.clone(), B, rob, 0f), "robustq");
        // and a non-zero weight does move the sample
        assertTrue(!Arrays.equals(plain, s.sample(cond, x0.clone(), B, q, Estimate.ONE_STEP, 0.5f)));
    }

    /** QGF's g is the critic gradient at the clipped one-step estimate; the noisy variant's at a_t itself. */
    @Test
    void oneStepAndNoisyGradientsAreTakenAtTheirPoints() {
        VelocityField f = field(5);
        EnsembleCritic q = critic(6);
        float[] cond = gaussian(B * COND, 7, 1f);
        float[] a = gaussian(B * ACT, 8, 1.5f);
        GuidedEulerSampler s = new GuidedEulerSampler(f, K);
        int k = 3;
        float t = 0.3f;
        float[] v = f.forward(f.network().newTape(B), cond, a, t, B).clone();
        float[] xhat = new float[a.length];
        int clipped = 0;
        for (int i = 0; i < a.length; i++) {
            float x = a[i] + (1f - t) * v[i];
            if (Math.abs(x) > 1) clipped++;
            xhat[i] = Math.max(-1f, Math.min(1f, x));
        }
        assertTrue(clipped > 0, "some coordinates exercise the clip");
        float[] expect = new float[a.length];
        q.evaluate(cond, xhat, B, null, expect);
        assertArrayEquals(expect, s.guidanceGradient(cond, a, k, B, q, Estimate.ONE_STEP).clone());
        q.evaluate(cond, a, B, null, expect);
        assertArrayEquals(expect, s.guidanceGradient(cond, a, k, B, q, Estimate.NOISY).clone());
    }

    /** Σ_b Q(c_b, clip(x_b(a))) for the map x(a) of the estimate, and whether each coordinate of x lies inside [−1, 1]. */
    interface Objective {
        double eval(float[] a, boolean[] inside);
    }

    /**
     * Central differences (float32, ε = 2e-3) of an objective against an analytic gradient. A coordinate whose ±ε probes
     * see different clip patterns (the difference quotient straddles a kink) is skipped; at most 10% may be.
     */
    static int check(String what, Objective f, float[] a, float[] analytic) {
        float eps = 2e-3f;
        int compared = 0, skipped = 0;
        double worst = 0;
        boolean[] p1 = new boolean[a.length], p2 = new boolean[a.length];
        for (int i = 0; i < a.length; i++) {
            float keep = a[i];
            a[i] = keep + eps;
            double up = f.eval(a, p1);
            a[i] = keep - eps;
            double down = f.eval(a, p2);
            a[i] = keep;
            if (!Arrays.equals(p1, p2)) {
                skipped++;
                continue;
            }
            double fd = (up - down) / (2 * eps);
            worst = Math.max(worst, Math.abs(fd - analytic[i]) / (2e-3 + Math.abs(fd)));
            assertEquals(fd, analytic[i], 2e-3 + 2e-2 * Math.abs(fd), what + " coordinate " + i);
            compared++;
        }
        assertTrue(skipped <= a.length / 10, what + ": " + skipped + " kink-adjacent coordinates");
        System.out.printf("%s FD check: %d coordinates (%d skipped), worst |fd-g|/(2e-3+|fd|) = %.2e%n", what, compared,
                skipped, worst);
        return compared;
    }

    static double sumQ(EnsembleCritic q, float[] cond, float[] x, boolean[] inside) {
        float[] clipped = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            inside[i] = x[i] >= -1f && x[i] <= 1f;
            clipped[i] = Math.max(-1f, Math.min(1f, x[i]));
        }
        float[] v = new float[B];
        q.evaluate(cond, clipped, B, v, null);
        double s = 0;
        for (float x1 : v) s += x1;
        return s;
    }

    /** QGF-Jacobian: the VJP m ⊙ g + (1 − t)·J_vᵀ(m ⊙ g) is the gradient of Q(clip(a + (1 − t)·v(a, t))). */
    @Test
    void jacobianVariantMatchesFiniteDifferences() {
        VelocityField f = field(9);
        EnsembleCritic q = critic(10);
        float[] cond = gaussian(B * COND, 11, 1f);
        float[] a = gaussian(B * ACT, 12, 1.2f);
        GuidedEulerSampler s = new GuidedEulerSampler(f, K);
        Mlp.Tape tape = f.network().newTape(B);
        for (int k : new int[] {0, 4, 9}) {
            float t = (float) k / K;
            float[] g = s.guidanceGradient(cond, a, k, B, q, Estimate.ONE_STEP_JACOBIAN).clone();
            boolean[] inside = new boolean[a.length];
            Objective obj = (x, in) -> {
                float[] v = f.forward(tape, cond, x, t, B);
                float[] xh = new float[x.length];
                for (int i = 0; i < x.length; i++) xh[i] = x[i] + (1f - t) * v[i];
                return sumQ(q, cond, xh, in);
            };
            obj.eval(a, inside);
            int out = 0;
            for (boolean b : inside) if (!b) out++;
            if (k == 0) assertTrue(out > 0 && out < a.length, "the clip is active on " + out + " coordinates at t = 0");
            check("qgf-jacobian t=" + t, obj, a, g);
        }
    }

    /** BPTT: the reverse sweep through the remaining Euler chain and the final clip is the gradient of Q(clip(ODE(a))). */
    @Test
    void bpttGradientMatchesFiniteDifferences() {
        VelocityField f = field(13);
        EnsembleCritic q = critic(14);
        float[] cond = gaussian(B * COND, 15, 1f);
        float[] a = gaussian(B * ACT, 16, 1f);
        GuidedEulerSampler s = new GuidedEulerSampler(f, K);
        Mlp.Tape tape = f.network().newTape(B);
        for (int k : new int[] {0, 6, 9}) {
            float[] g = s.guidanceGradient(cond, a, k, B, q, Estimate.FULL_ODE_BPTT).clone();
            Objective obj = (x, in) -> {
                float[] xs = x.clone();
                float h = 1f / K;
                for (int j = k; j < K; j++) {
                    float[] v = f.forward(tape, cond, xs, (float) j / K, B);
                    for (int i = 0; i < xs.length; i++) xs[i] += v[i] * h;
                }
                return sumQ(q, cond, xs, in);
            };
            check("bptt k=" + k, obj, a, g);
        }
        // with one step left, BPTT is the Jacobian variant with t = 0.9 (same map: a + h·v = a + (1 − t)·v)
        float[] jac = s.guidanceGradient(cond, a, 9, B, q, Estimate.ONE_STEP_JACOBIAN).clone();
        float[] bp = s.guidanceGradient(cond, a, 9, B, q, Estimate.FULL_ODE_BPTT).clone();
        for (int i = 0; i < a.length; i++) assertEquals(jac[i], bp[i], 1e-5f * (1 + Math.abs(jac[i])));
    }
}
