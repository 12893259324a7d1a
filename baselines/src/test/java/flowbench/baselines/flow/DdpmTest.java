package flowbench.baselines.flow;

import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Module;
import flowbench.baselines.nn.Parameters;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DDPM machinery of QSM/DAC: VP schedule, noise network (forward, gradients), ancestral sampler. */
class DdpmTest {

    @Test
    void vpScheduleMatchesTheReferenceFormula() {
        DiffusionSchedule s = DiffusionSchedule.vp(10);
        assertEquals(0f, s.beta(0));
        assertEquals(1f, s.alphaHat(0));
        double prod = 1;
        for (int t = 1; t <= 10; t++) {
            double beta = 1 - Math.exp(-0.1 / 10 - 0.5 * 9.9 * (2 * t - 1) / 100);
            prod *= 1 - beta;
            assertEquals(beta, s.beta(t), 1e-6, "beta_" + t);
            assertEquals(1 - beta, s.alpha(t), 1e-6, "alpha_" + t);
            assertEquals(prod, s.alphaHat(t), 1e-6, "alpha_hat_" + t);
        }
        assertEquals(0.0578, s.beta(1), 1e-4);
        assertEquals(6.41e-3, s.alphaHat(10), 1e-5);
        assertThrows(IllegalArgumentException.class, () -> s.beta(11));
        assertThrows(IllegalArgumentException.class, () -> DiffusionSchedule.vp(0));
    }

    private static NoiseNetwork net(long seed) {
        NoiseNetwork n = new NoiseNetwork(2, 3, 4, 6, new int[] {9, 7}, Activation.MISH, LayerNormPlacement.NONE,
                Seeds.rng(seed, "init"));
        // move every parameter off its init (zero biases) so that each tensor's gradient is exercised
        Rng r = Seeds.rng(seed, "perturb");
        for (Module m : n.modules()) {
            Parameters p = m.parameters();
            for (int i = 0; i < p.size(); i++) p.set(i, p.get(i) + (float) (0.2 * r.nextGaussian()));
        }
        return n;
    }

    /** Σ w ⊙ ε_θ in the network's own float forward (central differences of float32 need a large step). */
    private static double objective(NoiseNetwork n, NoiseNetwork.Tape tape, float[] c, float[] x, int[] t, int tAll,
                                    int batch, float[] w) {
        float[] e = t == null ? n.forward(tape, c, x, tAll, batch) : n.forward(tape, c, x, t, batch);
        double s = 0;
        for (int i = 0; i < batch * n.actionDim(); i++) s += (double) e[i] * w[i];
        return s;
    }

    /**
     * Parameter gradients of all three modules (Fourier kernel, cond encoder, reverse network) against central
     * differences, for per-row steps (with repeated steps, whose cond-encoder cotangents are summed) and for one shared
     * step (the sampler's path).
     */
    @Test
    void backwardMatchesFiniteDifferencesForEveryModule() {
        NoiseNetwork n = net(1);
        int batch = 5;
        Rng r = Seeds.rng(2);
        float[] c = new float[batch * 2], x = new float[batch * 3], w = new float[batch * 3];
        r.fillGaussian(c);
        r.fillGaussian(x);
        r.fillGaussian(w);
        int[] t = {1, 3, 3, 4, 1};
        for (int[] steps : new int[][] {t, null}) {
            NoiseNetwork.Tape tape = n.newTape(batch + 1);
            Gradients[] g = n.newGradients();
            for (Gradients gi : g) gi.zero();
            objective(n, tape, c, x, steps, 2, batch, w);
            n.backward(tape, w, g);
            List<Module> mods = n.modules();
            int checked = 0;
            for (int k = 0; k < 3; k++) {
                Parameters p = mods.get(k).parameters();
                float[] grad = g[k].toArray();
                for (int i = 0; i < p.size(); i += Math.max(1, p.size() / 25)) {
                    float keep = p.get(i);
                    // the Fourier phase is 2π·t·w: a smaller step there keeps the central difference's error small
                    float h = k == 0 ? 1e-3f : 1e-2f;
                    p.set(i, keep + h);
                    double up = objective(n, tape, c, x, steps, 2, batch, w);
                    p.set(i, keep - h);
                    double down = objective(n, tape, c, x, steps, 2, batch, w);
                    p.set(i, keep);
                    double fd = (up - down) / ((keep + h) - (keep - h));
                    assertEquals(fd, grad[i], 2e-3 + 2e-2 * Math.abs(fd),
                            "module " + k + " parameter " + i + (steps == null ? " (shared t)" : " (per-row t)"));
                    checked++;
                }
            }
            assertTrue(checked > 40);
        }
    }

    /** Per-row steps (cond table over all T steps, gathered) give what one-step-per-call evaluation gives. */
    @Test
    void perRowStepsEqualSharedStepEvaluation() {
        NoiseNetwork n = net(3);
        int batch = 6;
        Rng r = Seeds.rng(4);
        float[] c = new float[batch * 2], x = new float[batch * 3];
        r.fillGaussian(c);
        r.fillGaussian(x);
        int[] t = {4, 1, 2, 2, 3, 4};
        float[] mixed = n.forward(n.newTape(batch), c, x, t, batch).clone();
        NoiseNetwork.Tape single = n.newTape(1);
        for (int b = 0; b < batch; b++) {
            float[] cb = {c[2 * b], c[2 * b + 1]};
            float[] xb = {x[3 * b], x[3 * b + 1], x[3 * b + 2]};
            float[] e = n.forward(single, cb, xb, t[b], 1);
            for (int j = 0; j < 3; j++) assertEquals(e[j], mixed[3 * b + j], 1e-5, "row " + b + " col " + j);
        }
        var ex = assertThrows(IllegalArgumentException.class, () -> n.forward(single, c, x, 5, 1));
        assertTrue(ex.getMessage().contains("[1, 4]"), ex.getMessage());
        assertThrows(IllegalArgumentException.class, () -> n.forward(n.newTape(2), c, x, new int[] {1, 0}, 2));
    }

    /**
     * Known answer: data x_0 ~ N(0, 1) has the exact noise predictor ε*(x_t, t) = √(1−ᾱ_t)·x_t (x_t ~ N(0, 1) at
     * every t). With it, the DDPM posterior step is x_{t−1} = √α_t·x_t + √β_t·z, so x_t stays N(0, 1) down to t = 1,
     * and the last, noise-free step gives x_0 = √α_1·x_1: variance α_1. The QSM quirk step (jump to x̂0 = √ᾱ_t·x_t,
     * then noise) instead follows v_{t−1} = ᾱ_t·v_t + β_t, v_0 = ᾱ_1·v_1: it does not keep the data variance even with
     * the exact predictor. Mean 0 in both.
     */
    @Test
    void samplerWithTheExactPredictorOfGaussianDataHitsTheClosedForm() {
        DiffusionSchedule s = DiffusionSchedule.vp(10);
        DdpmSampler.Predictor exact = (c, x, t, n) -> {
            float k = (float) Math.sqrt(1 - s.alphaHat(t));
            float[] e = new float[n];
            for (int i = 0; i < n; i++) e[i] = k * x[i];
            return e;
        };
        int n = 100_000;
        double vJump = 1;
        for (int t = 10; t >= 2; t--) vJump = s.alphaHat(t) * vJump + s.beta(t);
        vJump *= s.alphaHat(1);
        for (DdpmSampler.X0Step mode : new DdpmSampler.X0Step[] {DdpmSampler.X0Step.POSTERIOR, DdpmSampler.X0Step.JUMP_TO_X0}) {
            float[] a = new DdpmSampler(s, mode, false).sample(exact, new float[n], n, 1, new Rng(5), new float[n]);
            double m = 0, v = 0;
            for (float f : a) m += f / (double) n;
            for (float f : a) v += (f - m) * (f - m) / n;
            double want = mode == DdpmSampler.X0Step.POSTERIOR ? s.alpha(1) : vJump;
            System.out.printf("ddpm %s with the exact N(0,1) predictor: mean %.4f var %.4f (closed form %.4f)%n", mode, m,
                    v, want);
            assertEquals(0, m, 0.01, mode + " mean");
            assertEquals(want, v, 0.015, mode + " variance");
        }
        assertTrue(Math.abs(vJump - s.alpha(1)) > 0.1, "the two closed forms differ: " + vJump + " vs " + s.alpha(1));
    }

    /** Clipping: DAC's clipped x̂0 keeps every action in [−1, 1] (up to one rounding); clipAfter clips exactly. */
    @Test
    void clippedSamplersStayInTheBox() {
        DiffusionSchedule s = DiffusionSchedule.vp(10);
        // a predictor that pushes x̂0 far outside the box
        DdpmSampler.Predictor wild = (c, x, t, n) -> {
            float[] e = new float[n];
            for (int i = 0; i < n; i++) e[i] = -5f * Math.signum(x[i]);
            return e;
        };
        int n = 2000;
        float[] a = new DdpmSampler(s, DdpmSampler.X0Step.CLIPPED_POSTERIOR, false).sample(wild, new float[n], n, 1,
                new Rng(6), new float[n]);
        float[] b = new DdpmSampler(s, DdpmSampler.X0Step.POSTERIOR, true).sample(wild, new float[n], n, 1, new Rng(6),
                new float[n]);
        float[] u = new DdpmSampler(s, DdpmSampler.X0Step.POSTERIOR, false).sample(wild, new float[n], n, 1, new Rng(6),
                new float[n]);
        double maxU = 0;
        for (int i = 0; i < n; i++) {
            assertTrue(Math.abs(a[i]) <= 1 + 1e-6, "clipped x0 prediction gave " + a[i]);
            assertTrue(Math.abs(b[i]) <= 1, "clip after gave " + b[i]);
            maxU = Math.max(maxU, Math.abs(u[i]));
        }
        assertTrue(maxU > 2, "without clipping the same predictor leaves the box: max " + maxU);
    }
}
