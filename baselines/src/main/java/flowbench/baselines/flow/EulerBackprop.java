package flowbench.baselines.flow;

import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Mlp;

/**
 * The Euler ODE of {@link EulerSampler} (x ← x + v(c, x, t_i)/N, t_i = i/N, the same float arithmetic) kept
 * differentiable: one tape per step, so that {@link #backward} propagates dL/dx_N through all N steps to the velocity
 * network's parameters (backpropagation through time, FBRAC's actor loss, docs/qam.md section 2.2). The conditioning gets no
 * gradient. One instance per use site: the tapes hold the last {@link #forward}.
 */
public final class EulerBackprop {
    private final VelocityField field;
    private final int steps;
    private final int maxBatch;
    private final Mlp.Tape[] tapes;
    private final float[] x;
    private final float[] dInput;
    private final float[] dx;
    private final float[] dv;
    private int batch = -1;

    public EulerBackprop(VelocityField field, int steps, int maxBatch) {
        if (steps < 1) throw new IllegalArgumentException("Euler steps must be >= 1, got " + steps);
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        this.field = field;
        this.steps = steps;
        this.maxBatch = maxBatch;
        this.tapes = new Mlp.Tape[steps];
        for (int i = 0; i < steps; i++) tapes[i] = field.network().newTape(maxBatch);
        this.x = new float[maxBatch * field.actionDim()];
        this.dInput = new float[maxBatch * field.inputDim()];
        this.dx = new float[maxBatch * field.actionDim()];
        this.dv = new float[maxBatch * field.actionDim()];
    }

    /**
     * Integrates from {@code noise} (not modified) and returns x_N, unclipped, in an internal buffer (valid until the next
     * forward).
     */
    public float[] forward(float[] cond, float[] noise, int batch) {
        if (batch < 1 || batch > maxBatch) throw new IllegalArgumentException("batch must be in [1, " + maxBatch + "], got " + batch);
        int n = batch * field.actionDim();
        System.arraycopy(noise, 0, x, 0, n);
        float h = 1f / steps;
        for (int i = 0; i < steps; i++) {
            float[] v = field.forward(tapes[i], cond, x, (float) i / steps, batch);
            for (int k = 0; k < n; k++) x[k] += v[k] * h;
        }
        this.batch = batch;
        return x;
    }

    /**
     * Accumulates into {@code grads} the parameter gradient of a loss whose gradient with respect to x_N is {@code dxN}:
     * dx_i = dx_{i+1} + (∂v_i/∂x)ᵀ·dx_{i+1}/N, and ∂L/∂θ += (∂v_i/∂θ)ᵀ·dx_{i+1}/N at every step.
     */
    public void backward(float[] dxN, Gradients grads) {
        if (batch < 0) throw new IllegalStateException("EulerBackprop.backward called before forward");
        int d = field.actionDim();
        int n = batch * d;
        int in = field.inputDim();
        int off = field.actionOffset();
        System.arraycopy(dxN, 0, dx, 0, n);
        float h = 1f / steps;
        for (int i = steps - 1; i >= 0; i--) {
            for (int k = 0; k < n; k++) dv[k] = dx[k] * h;
            field.backward(tapes[i], dv, grads, i > 0 ? dInput : null);
            if (i == 0) break;
            for (int b = 0; b < batch; b++) {
                for (int j = 0; j < d; j++) dx[b * d + j] += dInput[b * in + off + j];
            }
        }
    }
}
