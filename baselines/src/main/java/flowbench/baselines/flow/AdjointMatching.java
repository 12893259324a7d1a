package flowbench.baselines.flow;

import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Mlp;
import flowbench.harness.rng.Rng;

import java.util.Arrays;

/**
 * Adjoint matching with a memoryless noise schedule and the lean adjoint (Domingo-Enrich et al., arXiv 2409.08861), as
 * QAM's code runs it (docs/qam.md section 1.4). A fine-tuned field v_θ and a base field v_β (both [c, x, t] → R^D, t = 0 noise,
 * t = 1 data), N steps of size h = 1/N, t_k = k/N.
 *
 * <ol type="a">
 *   <li><b>Forward memoryless SDE</b> ({@link #forward}): x_0 ~ N(0, I); for k = 0..N−2
 *       {@code x_{k+1} = x_k + h·(2 v_θ(c, x_k, t_k) − x_k/(t_k + h)) + √h·σ_k·ε_k} with
 *       {@code σ_k = √(2(1 − t_k + h)/(t_k + h))} (QUIRK: the offset h removes the t = 0 singularity; N = 10 gives
 *       4.690, 3.162, 2.449, 2.000, 1.673, 1.414, 1.195, 1.000, 0.816, 0.632). The last step is a noise-free Euler step
 *       with the BASE field, {@code x_N = x_{N−1} + h·v_β(c, x_{N−1}, t_{N−1})} (QUIRK, docs/qam.md §8.1; {@link LastStep}).</li>
 *   <li><b>Terminal adjoint</b> ({@link #terminalAdjoint}): ã_N = −λ·∇_a Q(c, clip(a, −1, 1)) at a = x_N; the clip
 *       sends zero gradient through coordinates with |x_N| &gt; 1 ({@code clip_adj}).</li>
 *   <li><b>Lean adjoint</b> ({@link #adjoint}): backward from ã_N using only the base drift b_β(x, τ) = 2 v_β(c, x, τ) −
 *       x/τ; {@link Recursion#REFERENCE} is the code's recursion (QUIRK, §8.2): for k = N−1..0,
 *       {@code ã ← ã + h·(2 J_{v_β}(x_k, t_k + h)ᵀ ã − ã/(t_k + h)); ã_k ← ã} (state x_k but time t_{k+1}, also at the
 *       last step although the forward's last step is a plain ODE step). {@link Recursion#DISCRETE} is the exact
 *       reverse-mode derivative of the discretised base chain: VJP of x ↦ x + h(2 v_β(x, t_k) − x/(t_k + h)) for
 *       k &lt; N−1 and of x ↦ x + h·v_β(x, t_{N−1}) at k = N−1, so that with v_θ = v_β and the noise held fixed,
 *       ã_k = −λ ∂Q(x_N)/∂x_k exactly (the finite-difference test).</li>
 *   <li><b>Regression loss</b> ({@link #loss}): {@code L = mean_b Σ_{k=0}^{N−1} Σ_d [(2/σ_k)(v_θ(c, x_k, t_k) −
 *       v_β(c, x_k, t_k)) + σ_k·ã_k]²} with only v_θ differentiated; no h factor, no validity mask. Its minimiser is
 *       v_θ = v_β − (σ_k²/2)·ã_k.</li>
 * </ol>
 *
 * <p>Holds its trajectories and scratch for batches up to {@code maxBatch}; one instance per (pair of fields, thread).
 */
public final class AdjointMatching {

    /** Which field makes the last forward step (a noise-free Euler step either way). */
    public enum LastStep {
        /** QUIRK (docs/qam.md §8.1): the base field v_β, as the reference code (following the adjoint matching paper). */
        BASE,
        /** The fine-tuned field v_θ, i.e. the policy's own last ODE step. */
        FINE
    }

    /** Which backward recursion produces ã_k. */
    public enum Recursion {
        /** QUIRK (docs/qam.md §8.2): the code's recursion, base-drift VJP at (x_k, t_k + h) for every k. */
        REFERENCE,
        /** The exact VJP of the discretised base chain (VJP at (x_k, t_k); plain Euler Jacobian at the last step). */
        DISCRETE
    }

    /**
     * @param flowSteps    N
     * @param lastStep     field of the last forward step
     * @param recursion    lean-adjoint recursion
     * @param clipTerminal evaluate Q at clip(x_N, −1, 1) with zero gradient outside ({@code clip_adj})
     */
    public record Options(int flowSteps, LastStep lastStep, Recursion recursion, boolean clipTerminal) {
        public Options {
            if (flowSteps < 1) throw new IllegalArgumentException("adjoint matching flowSteps must be >= 1, got " + flowSteps);
            if (lastStep == null || recursion == null) throw new IllegalArgumentException("adjoint matching lastStep and recursion must be set");
        }

        /** QAM's code: both quirks kept, clipped terminal gradient. */
        public static Options reference(int flowSteps) {
            return new Options(flowSteps, LastStep.BASE, Recursion.REFERENCE, true);
        }
    }

    /** A terminal gradient oracle: given c and x_N (batch rows), writes ∇_a r(c, a) at a = x_N (batch × D). */
    public interface TerminalGradient {
        void gradient(float[] cond, float[] xN, int batch, float[] gradOut);
    }

    private final VelocityField fine;
    private final VelocityField base;
    private final Options options;
    private final int n;
    private final int d;
    private final int condDim;
    private final int maxBatch;
    private final float h;
    private final float[] sigma;
    private final Mlp.Tape fineTape;
    private final Mlp.Tape baseTape;
    private final float[] cond;       // batch × condDim (copy of the forward's conditioning)
    private final float[] condRep;    // (N·batch) × condDim, row k·B + b = cond_b
    private final float[] states;     // N × batch × D: x_0..x_{N−1}
    private final float[] terminal;   // batch × D: x_N
    private final float[] adjoints;   // N × batch × D: ã_0..ã_{N−1}
    private final float[] adjN;       // batch × D: ã_N
    private final float[] times;      // N·batch, row k·B + b = t_k
    private final float[] dV;
    private final float[] dInput;
    private final float[] adj;
    private float[] xScratch;
    private int batch = -1;
    private boolean adjointReady;

    public AdjointMatching(VelocityField fine, VelocityField base, int maxBatch, Options options) {
        if (fine.actionDim() != base.actionDim() || fine.condDim() != base.condDim() || fine.embedding() != base.embedding()) {
            throw new IllegalArgumentException("adjoint matching: fine and base fields must share condDim, actionDim and time "
                    + "embedding, got " + fine.condDim() + "/" + fine.actionDim() + "/" + fine.embedding() + " vs "
                    + base.condDim() + "/" + base.actionDim() + "/" + base.embedding());
        }
        if (maxBatch < 1) throw new IllegalArgumentException("adjoint matching maxBatch must be >= 1, got " + maxBatch);
        this.fine = fine;
        this.base = base;
        this.options = options;
        this.n = options.flowSteps();
        this.d = fine.actionDim();
        this.condDim = fine.condDim();
        this.maxBatch = maxBatch;
        this.h = 1f / n;
        this.sigma = new float[n];
        for (int k = 0; k < n; k++) sigma[k] = sigma(k, n);
        this.fineTape = fine.network().newTape(n * maxBatch);
        this.baseTape = fine == base ? fineTape : base.network().newTape(n * maxBatch);
        this.cond = new float[maxBatch * condDim];
        this.condRep = new float[n * maxBatch * condDim];
        this.states = new float[n * maxBatch * d];
        this.terminal = new float[maxBatch * d];
        this.adjoints = new float[n * maxBatch * d];
        this.adjN = new float[maxBatch * d];
        this.times = new float[n * maxBatch];
        this.dV = new float[n * maxBatch * d];
        this.dInput = new float[maxBatch * fine.inputDim()];
        this.adj = new float[maxBatch * d];
        this.xScratch = new float[maxBatch * d];
    }

    public Options options() {
        return options;
    }

    /** t_k = k / N as float32 (the time fed to the networks). */
    public static float time(int k, int n) {
        return (float) k / n;
    }

    /** σ_k = √(2(1 − t_k + h)/(t_k + h)), h = 1/N (QUIRK offset h), float32 like the reference. */
    public static float sigma(int k, int n) {
        float h = 1f / n;
        float t = time(k, n);
        return (float) Math.sqrt(2f * (1f - t + h) / (t + h));
    }

    /** Draws x_0 and ε_0..ε_{N−2} from {@code rng} (x_0 first, then ε row-major) and runs {@link #forward(float[], int, float[], float[])}. */
    public float[] forward(float[] cond, int batch, Rng rng) {
        float[] x0 = new float[batch * d];
        rng.fillGaussian(x0);
        float[] eps = new float[Math.max(0, n - 1) * batch * d];
        rng.fillGaussian(eps);
        return forward(cond, batch, x0, eps);
    }

    /**
     * (a) The forward SDE with the given x_0 (batch × D) and noises ε ((N−1) × batch × D). Nothing is differentiated.
     *
     * @return x_N (batch × D), an internal buffer
     */
    public float[] forward(float[] condIn, int batch, float[] x0, float[] eps) {
        if (batch < 1 || batch > maxBatch) throw new IllegalArgumentException("adjoint matching batch must be in [1, " + maxBatch + "], got " + batch);
        int bd = batch * d;
        if (x0.length < bd) throw new IllegalArgumentException("x0 has " + x0.length + " values, expected " + bd);
        if (eps.length < (n - 1) * bd) throw new IllegalArgumentException("eps has " + eps.length + " values, expected " + (n - 1) * bd);
        this.batch = batch;
        this.adjointReady = false;
        System.arraycopy(condIn, 0, cond, 0, batch * condDim);
        System.arraycopy(x0, 0, states, 0, bd);
        float sqrtH = (float) Math.sqrt(h);
        for (int k = 0; k < n; k++) {
            float t = time(k, n);
            int off = k * bd;
            float[] out = k + 1 < n ? states : terminal;
            int outOff = k + 1 < n ? off + bd : 0;
            if (xScratch.length < bd) xScratch = new float[bd];
            System.arraycopy(states, off, xScratch, 0, bd);
            if (k < n - 1) {
                float[] v = fine.forward(fineTape, cond, xScratch, t, batch);
                float inv = 1f / (t + h);
                float noise = sqrtH * sigma[k];
                int eo = k * bd;
                for (int i = 0; i < bd; i++) {
                    float x = xScratch[i];
                    out[outOff + i] = x + h * (2f * v[i] - x * inv) + noise * eps[eo + i];
                }
            } else {
                VelocityField last = options.lastStep() == LastStep.BASE ? base : fine;
                float[] v = last.forward(last == base ? baseTape : fineTape, cond, xScratch, t, batch);
                for (int i = 0; i < bd; i++) out[outOff + i] = xScratch[i] + h * v[i];
            }
        }
        return terminal;
    }

    /**
     * (b) ã_N = −λ·∇_a r at a = x_N, where {@code grad} returns ∇_a r (e.g. the target critic's ensemble-mean action
     * gradient); with {@code clipTerminal} r is evaluated at clip(x_N) and coordinates with |x_N| &gt; 1 get zero.
     *
     * @return ã_N (batch × D), an internal buffer
     */
    public float[] terminalAdjoint(TerminalGradient grad, double lambda) {
        requireForward();
        int bd = batch * d;
        float[] a = new float[bd];
        for (int i = 0; i < bd; i++) {
            float x = terminal[i];
            a[i] = options.clipTerminal() ? Math.max(-1f, Math.min(1f, x)) : x;
        }
        grad.gradient(cond, a, batch, adjN);
        float l = (float) lambda;
        for (int i = 0; i < bd; i++) {
            // jnp.clip = min(max(x, lo), hi): zero gradient strictly outside the box
            boolean inside = !options.clipTerminal() || (terminal[i] >= -1f && terminal[i] <= 1f);
            adjN[i] = inside ? -l * adjN[i] : 0f;
        }
        return adjN;
    }

    /**
     * (c) The lean adjoint from ã_N (batch × D; e.g. the array returned by {@link #terminalAdjoint}).
     *
     * @return ã_0..ã_{N−1} (N × batch × D), an internal buffer
     */
    public float[] adjoint(float[] aN) {
        requireForward();
        int bd = batch * d;
        System.arraycopy(aN, 0, adj, 0, bd);
        int inDim = base.inputDim();
        int xo = base.actionOffset();
        float[] dx = new float[bd];
        for (int k = n - 1; k >= 0; k--) {
            float tk = time(k, n);
            float tau = tk + h;
            boolean discrete = options.recursion() == Recursion.DISCRETE;
            boolean odeStep = discrete && k == n - 1;
            float tv = discrete ? tk : tau;
            if (xScratch.length < bd) xScratch = new float[bd];
            System.arraycopy(states, k * bd, xScratch, 0, bd);
            base.forward(baseTape, cond, xScratch, tv, batch);
            base.backward(baseTape, adj, null, dInput);
            for (int b = 0; b < batch; b++) System.arraycopy(dInput, b * inDim + xo, dx, b * d, d);
            float inv = 1f / tau;
            for (int i = 0; i < bd; i++) {
                float a = adj[i];
                adj[i] = odeStep ? a + h * dx[i] : a + h * (2f * dx[i] - a * inv);
            }
            System.arraycopy(adj, 0, adjoints, k * bd, bd);
        }
        adjointReady = true;
        return adjoints;
    }

    /**
     * (d) The adjoint-matching regression loss; accumulates dL/dθ of the fine field into {@code fineGrads} when non-null.
     * The base field's value v_β(c, x_k, t_k) is a constant.
     *
     * @return the loss (mean over the batch of the sum over steps and dimensions)
     */
    public double loss(Gradients fineGrads) {
        requireForward();
        if (!adjointReady) throw new IllegalStateException("adjoint matching loss needs adjoint() first");
        int rows = n * batch;
        int bd = batch * d;
        for (int k = 0; k < n; k++) {
            float t = time(k, n);
            for (int b = 0; b < batch; b++) {
                times[k * batch + b] = t;
                System.arraycopy(cond, b * condDim, condRep, (k * batch + b) * condDim, condDim);
            }
        }
        float[] vb = base.forward(baseTape, condRep, states, times, rows);
        float[] vbCopy = fine == base ? Arrays.copyOf(vb, rows * d) : vb;
        float[] vt = fine.forward(fineTape, condRep, states, times, rows);
        double total = 0;
        float gScale = 2f / batch;
        for (int k = 0; k < n; k++) {
            float s = sigma[k];
            float c = 2f / s;
            int off = k * bd;
            for (int i = 0; i < bd; i++) {
                float r = c * (vt[off + i] - vbCopy[off + i]) + s * adjoints[off + i];
                total += (double) r * r;
                dV[off + i] = gScale * c * r;
            }
        }
        if (fineGrads != null) fine.backward(fineTape, dV, fineGrads, null);
        return total / batch;
    }

    /** x_0..x_{N−1} of the last forward (N × batch × D), internal buffer. */
    public float[] states() {
        return states;
    }

    /** x_N of the last forward (batch × D), internal buffer. */
    public float[] terminal() {
        return terminal;
    }

    /** ã_0..ã_{N−1} of the last adjoint (N × batch × D), internal buffer. */
    public float[] adjoints() {
        return adjoints;
    }

    public int batch() {
        return batch;
    }

    private void requireForward() {
        if (batch < 0) throw new IllegalStateException("adjoint matching: forward() has not been run");
    }
}
