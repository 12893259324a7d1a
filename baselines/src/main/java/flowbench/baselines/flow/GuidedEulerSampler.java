package flowbench.baselines.flow;

import flowbench.baselines.nn.Mlp;
import flowbench.baselines.rl.ActionCritic;
import flowbench.baselines.rl.TimeActionCritic;

/**
 * Euler integration of a behaviour flow with a critic gradient added to the velocity at every step: QGF and its
 * test-time ablations (docs/qgf.md sections 4.1 and 4.3). With K steps, h = 1/K and t_k = k/K:
 * <pre>
 *   a ← a0 ~ N(0, I)
 *   for k = 0 .. K−1:
 *       v ← v_θ(c, a, t_k)
 *       g ← guidance gradient (see {@link Estimate})
 *       a ← a + h·(v + w·g)
 *   return clip(a, −1, 1)                      (intermediate a is never clipped)
 * </pre>
 * The weight w is constant over all K steps (no schedule, no normalisation of g), and the gradient of a batch is that
 * of the SUM of per-row critic values, i.e. per-row gradients. With w = 0 the result is bit-for-bit
 * {@link EulerSampler#integrate} (the Euler update is the same float expression, (v + 0·g)·h = v·h).
 *
 * <p>Flow time follows the QGF/FQL convention (t = 0 noise, t = 1 data), so the critic gradient is ADDED.
 *
 * <p>Holds tapes and buffers, grown on demand: one instance serves one thread.
 */
public final class GuidedEulerSampler {
    /** Where the critic gradient is taken and how it is pulled back to a_t. */
    public enum Estimate {
        /**
         * QGF: g = ∇_x Q(c, x) at x = â = clip(a_t + (1 − t)·v, −1, 1), the one-Euler-step estimate of the clean action,
         * applied to a_t with the Jacobian dâ/da_t replaced by the identity (no clip mask either).
         */
        ONE_STEP,
        /**
         * QGF-Jacobian: the true pullback g = (dâ/da_t)ᵀ ∇Q(â) through the clip and the velocity field, as one
         * vector-Jacobian product: u = m ⊙ ∇Q(â), g = u + (1 − t)·VJP_a[v_θ](u), m = 1 inside [−1, 1] (docs/qgf.md section 9.4).
         */
        ONE_STEP_JACOBIAN,
        /** Noisy-gradient guidance ("QFQL" in the scripts): g = ∇_a Q(c, a) at the noisy a_t itself. */
        NOISY,
        /**
         * BPTT: run the remaining BC Euler steps k .. K−1 from a_t, clip, and backpropagate ∇Q through that whole chain
         * (and the clip) to a_t. O(K²) velocity evaluations per sample.
         */
        FULL_ODE_BPTT
    }

    private final VelocityField field;
    private final int steps;
    private final int d;
    private final int cols;
    private final int actOff;
    private Mlp.Tape[] tapes = new Mlp.Tape[0];
    private int capacity;
    private float[] v = new float[0];
    private float[] g = new float[0];
    private float[] xhat = new float[0];
    private float[] gq = new float[0];
    private float[] u = new float[0];
    private float[] dInput = new float[0];
    private float[] chain = new float[0];
    private float[] xj = new float[0];

    /**
     * @param steps Euler steps K (QGF: {@code denoise_steps} = 10)
     */
    public GuidedEulerSampler(VelocityField field, int steps) {
        if (steps < 1) throw new IllegalArgumentException("guided sampler needs at least one Euler step, got " + steps);
        this.field = field;
        this.steps = steps;
        this.d = field.actionDim();
        this.cols = field.inputDim();
        this.actOff = field.actionOffset();
    }

    public VelocityField field() {
        return field;
    }

    public int steps() {
        return steps;
    }

    private void ensure(int batch, int tapeCount) {
        if (batch > capacity) {
            capacity = batch;
            tapes = new Mlp.Tape[0];
            v = new float[batch * d];
            g = new float[batch * d];
            xhat = new float[batch * d];
            gq = new float[batch * d];
            u = new float[batch * d];
            dInput = new float[batch * cols];
            xj = new float[batch * d];
            chain = new float[0];
        }
        if (tapes.length < tapeCount) {
            Mlp.Tape[] t = java.util.Arrays.copyOf(tapes, tapeCount);
            for (int i = tapes.length; i < tapeCount; i++) t[i] = field.network().newTape(capacity);
            tapes = t;
        }
    }

    private static void checkCritic(VelocityField field, int condDim, int actionDim) {
        if (condDim != field.condDim() || actionDim != field.actionDim()) {
            throw new IllegalArgumentException("critic takes conditioning " + condDim + " and action " + actionDim
                    + " columns; the velocity field has " + field.condDim() + " and " + field.actionDim());
        }
    }

    /**
     * Guided sampling from the given noise.
     *
     * @param x0     a0, batch x actionDim; integrated in place and returned (clipped)
     * @param weight w (= 1/β); 0 gives plain BC sampling
     */
    public float[] sample(float[] cond, float[] x0, int batch, ActionCritic critic, Estimate estimate, float weight) {
        checkCritic(field, critic.condDim(), critic.actionDim());
        float h = 1f / steps;
        for (int k = 0; k < steps; k++) {
            velocityAndGradient(cond, x0, k, batch, critic, estimate);
            for (int i = 0; i < batch * d; i++) x0[i] += (v[i] + weight * g[i]) * h;
        }
        clip(x0, batch * d);
        return x0;
    }

    /**
     * RobustQ: a ← a + h·(v + w·∇_{a_t} Q_rob(c, a_t, t_k)), the gradient of a noise-conditioned critic at the noisy
     * point itself (docs/qgf.md section 6.1).
     */
    public float[] sample(float[] cond, float[] x0, int batch, TimeActionCritic critic, float weight) {
        checkCritic(field, critic.condDim(), critic.actionDim());
        ensure(batch, 1);
        float h = 1f / steps;
        for (int k = 0; k < steps; k++) {
            float t = (float) k / steps;
            float[] vt = field.forward(tapes[0], cond, x0, t, batch);
            System.arraycopy(vt, 0, v, 0, batch * d);
            critic.evaluate(cond, x0, t, batch, null, g);
            for (int i = 0; i < batch * d; i++) x0[i] += (v[i] + weight * g[i]) * h;
        }
        clip(x0, batch * d);
        return x0;
    }

    /**
     * The guidance gradient g at Euler step k (t = k/K) for the noisy actions {@code a}, as the sampler adds it (for
     * tests and diagnostics).
     *
     * @return batch x actionDim, a buffer owned by this sampler (overwritten by the next call)
     */
    public float[] guidanceGradient(float[] cond, float[] a, int k, int batch, ActionCritic critic, Estimate estimate) {
        checkCritic(field, critic.condDim(), critic.actionDim());
        if (k < 0 || k >= steps) throw new IllegalArgumentException("step k must be in [0, " + steps + "), got " + k);
        velocityAndGradient(cond, a, k, batch, critic, estimate);
        return g;
    }

    /** Fills {@link #v} with v_θ(c, a, t_k) and {@link #g} with the guidance gradient. */
    private void velocityAndGradient(float[] cond, float[] a, int k, int batch, ActionCritic critic, Estimate estimate) {
        int n = batch * d;
        ensure(batch, estimate == Estimate.FULL_ODE_BPTT ? steps - k : 1);
        float t = (float) k / steps;
        float[] vt = field.forward(tapes[0], cond, a, t, batch);
        System.arraycopy(vt, 0, v, 0, n);
        switch (estimate) {
            case NOISY -> critic.evaluate(cond, a, batch, null, g);
            case ONE_STEP -> {
                float oneMinusT = 1f - t;
                for (int i = 0; i < n; i++) xhat[i] = Math.max(-1f, Math.min(1f, a[i] + oneMinusT * v[i]));
                critic.evaluate(cond, xhat, batch, null, g);
            }
            case ONE_STEP_JACOBIAN -> {
                float oneMinusT = 1f - t;
                for (int i = 0; i < n; i++) xhat[i] = a[i] + oneMinusT * v[i];
                // u = m ⊙ ∇Q(clip(x̂)); the clip passes the gradient only where it is the identity
                for (int i = 0; i < n; i++) gq[i] = Math.max(-1f, Math.min(1f, xhat[i]));
                critic.evaluate(cond, gq, batch, null, u);
                for (int i = 0; i < n; i++) if (xhat[i] < -1f || xhat[i] > 1f) u[i] = 0f;
                for (int i = 0; i < n; i++) gq[i] = oneMinusT * u[i];
                field.backward(tapes[0], gq, null, dInput);
                for (int b = 0; b < batch; b++) {
                    for (int j = 0; j < d; j++) g[b * d + j] = u[b * d + j] + dInput[b * cols + actOff + j];
                }
            }
            case FULL_ODE_BPTT -> bptt(cond, a, k, batch, critic);
        }
    }

    /** g = ∇_{a_k} Q(c, clip(x_K)) with x_k = a_k, x_{j+1} = x_j + h·v(c, x_j, t_j). Tape j − k holds step j. */
    private void bptt(float[] cond, float[] a, int k, int batch, ActionCritic critic) {
        int n = batch * d;
        int remaining = steps - k;
        if (chain.length < (remaining + 1) * n) chain = new float[(steps + 1) * capacity * d];
        float h = 1f / steps;
        System.arraycopy(a, 0, chain, 0, n);
        // step k reuses the velocity already on tape 0
        for (int i = 0; i < n; i++) chain[n + i] = chain[i] + v[i] * h;
        for (int j = k + 1; j < steps; j++) {
            int s = j - k;
            System.arraycopy(chain, s * n, xj, 0, n);
            float[] vj = field.forward(tapes[s], cond, xj, (float) j / steps, batch);
            for (int i = 0; i < n; i++) chain[(s + 1) * n + i] = chain[s * n + i] + vj[i] * h;
        }
        int end = remaining * n;
        for (int i = 0; i < n; i++) xhat[i] = Math.max(-1f, Math.min(1f, chain[end + i]));
        critic.evaluate(cond, xhat, batch, null, g);
        for (int i = 0; i < n; i++) if (chain[end + i] < -1f || chain[end + i] > 1f) g[i] = 0f;
        // reverse sweep: dx_j = dx_{j+1} + h·J_v(x_j)ᵀ dx_{j+1}
        for (int s = remaining - 1; s >= 0; s--) {
            for (int i = 0; i < n; i++) gq[i] = g[i] * h;
            field.backward(tapes[s], gq, null, dInput);
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < d; j++) g[b * d + j] += dInput[b * cols + actOff + j];
            }
        }
    }

    private static void clip(float[] x, int n) {
        for (int i = 0; i < n; i++) x[i] = Math.max(-1f, Math.min(1f, x[i]));
    }
}
