package flowbench.baselines.flow;

import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Mlp;
import flowbench.harness.rng.Rng;

/**
 * The flow-matching behaviour-cloning loss shared by every flow agent (docs/qam.md section 0.3, docs/qgf.md section 3.1):
 * x0 ~ N(0, I), t per row, x_t = (1 - t) x0 + t x1, u = x1 - x0,
 * L = mean_b [ w_b * mean_d (v(c, x_t, t) - u)^2 ].
 *
 * <p>Holds its scratch buffers; one instance per (field, batch size).
 */
public final class FlowMatching {
    /** How flow time is drawn per row. */
    public enum TimeSampling {
        /** t ~ U[0, 1) (FQL / QAM). */
        UNIFORM,
        /** t uniform on {0, 1/K, ..., 1} with K = flow steps, i.e. K + 1 values (QGF's {@code denoise_steps}). */
        DISCRETE
    }

    private final VelocityField field;
    private final int batch;
    private final float[] x0;
    private final float[] xt;
    private final float[] t;
    private final float[] dV;

    public FlowMatching(VelocityField field, int batch) {
        this.field = field;
        this.batch = batch;
        int d = field.actionDim();
        this.x0 = new float[batch * d];
        this.xt = new float[batch * d];
        this.t = new float[batch];
        this.dV = new float[batch * d];
    }

    /**
     * Computes the loss and, if {@code grads} is non-null, accumulates its parameter gradient.
     *
     * @param cond    batch x condDim
     * @param actions x1, batch x actionDim
     * @param weights per-row weight w_b (e.g. the chunk's valid flag), or null for all ones
     * @return the loss value
     */
    public double loss(Mlp.Tape tape, float[] cond, float[] actions, float[] weights, TimeSampling sampling, int flowSteps,
                       Rng rng, Gradients grads) {
        int d = field.actionDim();
        rng.fillGaussian(x0);
        for (int b = 0; b < batch; b++) {
            t[b] = switch (sampling) {
                case UNIFORM -> rng.nextFloat();
                case DISCRETE -> (float) rng.nextInt(flowSteps + 1) / flowSteps;
            };
        }
        for (int b = 0; b < batch; b++) {
            float tb = t[b];
            for (int k = b * d; k < (b + 1) * d; k++) xt[k] = (1f - tb) * x0[k] + tb * actions[k];
        }
        float[] v = field.forward(tape, cond, xt, t, batch);
        double loss = 0;
        float scale = 2f / ((float) batch * d);
        for (int b = 0; b < batch; b++) {
            float w = weights == null ? 1f : weights[b];
            double rowSum = 0;
            for (int k = b * d; k < (b + 1) * d; k++) {
                float diff = v[k] - (actions[k] - x0[k]);
                rowSum += (double) diff * diff;
                dV[k] = scale * w * diff;
            }
            loss += w * rowSum / d;
        }
        loss /= batch;
        if (grads != null) field.backward(tape, dV, grads, null);
        return loss;
    }
}
