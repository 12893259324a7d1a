package flowbench.baselines.flow;

import flowbench.baselines.flow.AdjointMatching.LastStep;
import flowbench.baselines.flow.AdjointMatching.Options;
import flowbench.baselines.flow.AdjointMatching.Recursion;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.Parameters;
import flowbench.harness.rng.Rng;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Known answers and finite-difference checks of {@link AdjointMatching} (docs/qam.md section 1.4).
 *
 * <p>The reward in the gradient checks is r(x) = Σ_d [sin(1.3 x_d + 0.2 d) − 0.4 x_d²] (smooth, non-quadratic), the
 * terminal adjoint is ã_N = −λ ∇r(x_N) with λ = 0.7, and clipping is off so that r is differentiable everywhere.
 */
class AdjointMatchingTest {
    static final int COND = 2, D = 3, B = 4, N = 6;
    static final double LAMBDA = 0.7;

    static VelocityField field(long seed) {
        VelocityField f = new VelocityField(COND, D, TimeEmbedding.RAW,
                new MlpConfig(1, new int[] {16, 16}, 1, Activation.GELU, LayerNormPlacement.NONE, false), new Rng(seed));
        Rng r = new Rng(seed + 1000);
        Parameters p = f.network().parameters();
        for (int i = 0; i < p.size(); i++) p.set(i, p.get(i) + (float) (0.15 * r.nextGaussian()));
        return f;
    }

    static float[] gaussian(int n, long seed) {
        float[] a = new float[n];
        new Rng(seed).fillGaussian(a);
        return a;
    }

    static double reward(float[] x, int b) {
        double s = 0;
        for (int d = 0; d < D; d++) {
            double v = x[b * D + d];
            s += Math.sin(1.3 * v + 0.2 * d) - 0.4 * v * v;
        }
        return s;
    }

    static final AdjointMatching.TerminalGradient REWARD_GRAD = (c, x, n, g) -> {
        for (int b = 0; b < n; b++) {
            for (int d = 0; d < D; d++) {
                double v = x[b * D + d];
                g[b * D + d] = (float) (1.3 * Math.cos(1.3 * v + 0.2 * d) - 0.8 * v);
            }
        }
    };

    @Test
    void sigmaScheduleMatchesSpecForTenSteps() {
        double[] expect = {4.690, 3.162, 2.449, 2.000, 1.673, 1.414, 1.195, 1.000, 0.816, 0.632};
        for (int k = 0; k < 10; k++) assertEquals(expect[k], AdjointMatching.sigma(k, 10), 5e-4, "sigma_" + k);
    }

    /** The velocity field's input VJP (action columns) against central differences of its outputs. */
    @Test
    void velocityFieldActionVjpMatchesFiniteDifferences() {
        VelocityField f = field(1);
        float[] c = gaussian(B * COND, 2), x = gaussian(B * D, 3), w = gaussian(B * D, 4);
        Mlp.Tape tape = f.network().newTape(B);
        f.forward(tape, c, x, 0.35f, B);
        float[] dIn = new float[B * f.inputDim()];
        f.backward(tape, w, null, dIn);
        float h = 1e-2f;
        for (int i = 0; i < B * D; i++) {
            float orig = x[i];
            x[i] = orig + h;
            float[] up = f.forward(tape, c, x, 0.35f, B).clone();
            x[i] = orig - h;
            float[] down = f.forward(tape, c, x, 0.35f, B).clone();
            x[i] = orig;
            double fd = 0;
            for (int j = 0; j < B * D; j++) fd += w[j] * (up[j] - down[j]) / (2 * h);
            int b = i / D, d = i % D;
            assertEquals(fd, dIn[b * f.inputDim() + f.actionOffset() + d], 1e-3 + 1e-2 * Math.abs(fd), "x " + i);
        }
    }

    /** The forward SDE against a direct transcription of §1.4(a), both last-step options. */
    @Test
    void forwardFollowsTheDiscretisedMemorylessSde() {
        VelocityField fine = field(5), base = field(6);
        float[] c = gaussian(B * COND, 7), x0 = gaussian(B * D, 8), eps = gaussian((N - 1) * B * D, 9);
        for (LastStep last : LastStep.values()) {
            AdjointMatching am = new AdjointMatching(fine, base, B, new Options(N, last, Recursion.REFERENCE, false));
            float[] xN = am.forward(c, B, x0, eps).clone();
            float[] ref = chain(fine, base, last, c, x0.clone(), 0, eps);
            assertArrayEquals(ref, xN, 1e-5f, last.toString());
        }
    }

    /**
     * Runs the discretised chain from step {@code from} (state x) to x_N: SDE steps with v_θ, the last step a plain
     * Euler step with the configured field. A direct transcription of docs/qam.md §1.4(a).
     */
    static float[] chain(VelocityField fine, VelocityField base, LastStep last, float[] c, float[] x, int from, float[] eps) {
        Mlp.Tape tf = fine.network().newTape(B), tb = base.network().newTape(B);
        float h = 1f / N;
        for (int k = from; k < N; k++) {
            float t = (float) k / N;
            if (k < N - 1) {
                float[] v = fine.forward(tf, c, x, t, B);
                float s = (float) Math.sqrt(2f * (1f - t + h) / (t + h));
                for (int i = 0; i < B * D; i++) {
                    x[i] = x[i] + h * (2f * v[i] - x[i] / (t + h)) + (float) Math.sqrt(h) * s * eps[k * B * D + i];
                }
            } else {
                VelocityField f = last == LastStep.BASE ? base : fine;
                float[] v = f.forward(f == base ? tb : tf, c, x, t, B);
                for (int i = 0; i < B * D; i++) x[i] += h * v[i];
            }
        }
        return x;
    }

    /**
     * The check that defines the lean adjoint: with v_θ = v_β (the SDE's drift is the base drift) and the noise held
     * fixed, the DISCRETE recursion gives ã_k = −λ ∂r(x_N)/∂x_k for every k, against central differences of r(x_N) with
     * respect to x_k (the remaining chain re-run from the perturbed x_k with the same ε).
     */
    @Test
    void discreteLeanAdjointIsTheGradientOfTheTerminalReward() {
        VelocityField base = field(10);
        float[] c = gaussian(B * COND, 11), x0 = gaussian(B * D, 12), eps = gaussian((N - 1) * B * D, 13);
        AdjointMatching am = new AdjointMatching(base, base, B, new Options(N, LastStep.BASE, Recursion.DISCRETE, false));
        am.forward(c, B, x0, eps);
        float[] aN = am.terminalAdjoint(REWARD_GRAD, LAMBDA).clone();
        float[] adj = am.adjoint(aN).clone();
        float[] states = am.states().clone();
        float h = 5e-3f;
        double worst = 0;
        for (int k = 0; k < N; k++) {
            for (int i = 0; i < B * D; i++) {
                float[] xu = java.util.Arrays.copyOfRange(states, k * B * D, (k + 1) * B * D);
                float[] xd = xu.clone();
                xu[i] += h;
                xd[i] -= h;
                float[] up = chain(base, base, LastStep.BASE, c, xu, k, eps);
                float[] down = chain(base, base, LastStep.BASE, c, xd, k, eps);
                int b = i / D;
                double fd = -LAMBDA * (reward(up, b) - reward(down, b)) / (2 * h);
                double got = adj[k * B * D + i];
                assertEquals(fd, got, 2e-3 + 1e-2 * Math.abs(fd), "k=" + k + " i=" + i);
                worst = Math.max(worst, Math.abs(fd - got));
            }
        }
        assertTrue(worst < 1e-2);
    }

    /**
     * The code's recursion (REFERENCE, QUIRK §8.2) against its own definition written with dense Jacobians: J_k =
     * ∂v_β/∂x at (x_k, t_k + h) by central differences of the network outputs, ã_k = ã_{k+1} + h(2 J_kᵀ ã_{k+1} −
     * ã_{k+1}/(t_k + h)). It is NOT the gradient of the discretised chain: the two recursions must differ.
     */
    @Test
    void referenceRecursionMatchesItsDenseJacobianDefinition() {
        VelocityField fine = field(20), base = field(21);
        float[] c = gaussian(B * COND, 22), x0 = gaussian(B * D, 23), eps = gaussian((N - 1) * B * D, 24);
        AdjointMatching am = new AdjointMatching(fine, base, B, Options.reference(N));
        am.forward(c, B, x0, eps);
        float[] aN = am.terminalAdjoint(REWARD_GRAD, LAMBDA).clone();
        float[] adj = am.adjoint(aN).clone();
        float[] states = am.states().clone();
        Mlp.Tape tape = base.network().newTape(B);
        float hstep = 1f / N;
        double[] a = new double[B * D];
        for (int i = 0; i < a.length; i++) a[i] = aN[i];
        float fdH = 1e-2f;
        for (int k = N - 1; k >= 0; k--) {
            float tau = (float) k / N + hstep;
            float[] xk = java.util.Arrays.copyOfRange(states, k * B * D, (k + 1) * B * D);
            // J[b][out][in] by central differences of v_β(c, x, τ)
            double[][][] jac = new double[B][D][D];
            for (int in = 0; in < D; in++) {
                float[] xu = xk.clone(), xd = xk.clone();
                for (int b = 0; b < B; b++) {
                    xu[b * D + in] += fdH;
                    xd[b * D + in] -= fdH;
                }
                float[] vu = base.forward(tape, c, xu, tau, B).clone();
                float[] vd = base.forward(tape, c, xd, tau, B).clone();
                for (int b = 0; b < B; b++) {
                    for (int out = 0; out < D; out++) jac[b][out][in] = (vu[b * D + out] - vd[b * D + out]) / (2 * fdH);
                }
            }
            double[] next = new double[B * D];
            for (int b = 0; b < B; b++) {
                for (int in = 0; in < D; in++) {
                    double jt = 0;
                    for (int out = 0; out < D; out++) jt += jac[b][out][in] * a[b * D + out];
                    next[b * D + in] = a[b * D + in] + hstep * (2 * jt - a[b * D + in] / tau);
                }
            }
            a = next;
            for (int i = 0; i < B * D; i++) {
                assertEquals(a[i], adj[k * B * D + i], 2e-3 + 5e-3 * Math.abs(a[i]), "k=" + k + " i=" + i);
            }
        }
        AdjointMatching exact = new AdjointMatching(fine, base, B, new Options(N, LastStep.BASE, Recursion.DISCRETE, false));
        exact.forward(c, B, x0, eps);
        float[] adjExact = exact.adjoint(exact.terminalAdjoint(REWARD_GRAD, LAMBDA).clone());
        double maxDiff = 0;
        for (int i = 0; i < adj.length; i++) maxDiff = Math.max(maxDiff, Math.abs(adj[i] - adjExact[i]));
        assertTrue(maxDiff > 1e-3, "the time-offset quirk changes the adjoint (max |diff| = " + maxDiff + ")");
    }

    /** clip_adj: ∇Q at clip(x_N) and zero where |x_N| > 1; ã_N = −λ ∇Q elsewhere. */
    @Test
    void terminalAdjointClipsAndScales() {
        VelocityField base = field(30);
        float[] c = gaussian(B * COND, 31), x0 = gaussian(B * D, 32), eps = gaussian((N - 1) * B * D, 33);
        for (int i = 0; i < x0.length; i++) x0[i] *= 3; // push some x_N outside [−1, 1]
        AdjointMatching am = new AdjointMatching(base, base, B, Options.reference(N));
        float[] xN = am.forward(c, B, x0, eps).clone();
        float[][] seen = new float[1][];
        float[] aN = am.terminalAdjoint((cc, x, n, g) -> {
            seen[0] = x.clone();
            REWARD_GRAD.gradient(cc, x, n, g);
        }, 2.0);
        int outside = 0;
        float[] g = new float[B * D];
        REWARD_GRAD.gradient(c, seen[0], B, g);
        for (int i = 0; i < B * D; i++) {
            assertEquals(Math.max(-1f, Math.min(1f, xN[i])), seen[0][i], 0f);
            if (Math.abs(xN[i]) > 1) {
                outside++;
                assertEquals(0f, aN[i], 0f);
            } else {
                assertEquals(-2f * g[i], aN[i], 1e-6f);
            }
        }
        assertTrue(outside > 0 && outside < B * D, "some but not all coordinates clipped: " + outside);
    }

    /**
     * The regression loss: its value against a direct transcription of §1.4(d) and its gradient in v_θ's parameters
     * against central differences; with v_θ = v_β and ã = 0 (λ = 0) it is exactly 0 (the optimum v_θ = v_β − σ²/2·ã).
     */
    @Test
    void regressionLossValueAndGradient() {
        VelocityField fine = field(40), base = field(41);
        float[] c = gaussian(B * COND, 42), x0 = gaussian(B * D, 43), eps = gaussian((N - 1) * B * D, 44);
        AdjointMatching am = new AdjointMatching(fine, base, B, Options.reference(N));
        am.forward(c, B, x0, eps);
        am.adjoint(am.terminalAdjoint(REWARD_GRAD, LAMBDA).clone());
        Gradients g = fine.network().newGradients();
        g.zero();
        double loss = am.loss(g);
        // direct transcription
        float[] states = am.states(), adj = am.adjoints();
        Mlp.Tape tf = fine.network().newTape(B), tb = base.network().newTape(B);
        double expect = 0;
        for (int k = 0; k < N; k++) {
            float t = (float) k / N;
            float[] xk = java.util.Arrays.copyOfRange(states, k * B * D, (k + 1) * B * D);
            float[] vt = fine.forward(tf, c, xk, t, B).clone();
            float[] vb = base.forward(tb, c, xk, t, B).clone();
            double s = AdjointMatching.sigma(k, N);
            for (int i = 0; i < B * D; i++) expect += Math.pow(2 / s * (vt[i] - vb[i]) + s * adj[k * B * D + i], 2);
        }
        expect /= B;
        assertEquals(expect, loss, 1e-4 * expect);
        Parameters p = fine.network().parameters();
        float[] grad = g.toArray();
        float h = 1e-2f;
        int checked = 0;
        for (int i = 0; i < p.size(); i += Math.max(1, p.size() / 40)) {
            float orig = p.get(i);
            p.set(i, orig + h);
            double up = am.loss(null);
            p.set(i, orig - h);
            double down = am.loss(null);
            p.set(i, orig);
            double fd = (up - down) / (2 * h);
            assertEquals(fd, grad[i], 5e-3 + 1e-2 * Math.abs(fd), "parameter " + i);
            checked++;
        }
        assertTrue(checked > 20);

        AdjointMatching same = new AdjointMatching(base, base, B, Options.reference(N));
        same.forward(c, B, x0, eps);
        same.adjoint(same.terminalAdjoint(REWARD_GRAD, 0.0).clone());
        assertEquals(0.0, same.loss(null), 0.0);
    }

    @Test
    void rejectsMisuse() {
        VelocityField f = field(50);
        AdjointMatching am = new AdjointMatching(f, f, B, Options.reference(N));
        assertThrows(IllegalStateException.class, () -> am.loss(null));
        assertThrows(IllegalArgumentException.class, () -> am.forward(new float[COND * 9], 9, new Rng(1)));
        assertThrows(IllegalArgumentException.class, () -> new Options(0, LastStep.BASE, Recursion.REFERENCE, true));
    }
}
