package flowbench.baselines.flow;

import flowbench.baselines.nn.Mlp;
import flowbench.harness.rng.Rng;

/**
 * Deterministic Euler integration of a velocity field from noise (t = 0) to an action (t = 1), docs/qam.md section 0.3
 * ({@code compute_flow_actions}): x <- x0 ~ N(0, I); for i = 0..N-1: x <- x + v(c, x, i/N) / N; then clip to [-1, 1].
 */
public final class EulerSampler {
    private EulerSampler() {}

    /**
     * @param noise initial x0 (batch x actionDim); integrated in place and returned
     */
    public static float[] integrate(VelocityField field, Mlp.Tape tape, float[] cond, float[] noise, int batch, int steps,
                                    boolean clip) {
        int d = field.actionDim();
        float h = 1f / steps;
        for (int i = 0; i < steps; i++) {
            float[] v = field.forward(tape, cond, noise, (float) i / steps, batch);
            for (int k = 0; k < batch * d; k++) noise[k] += v[k] * h;
        }
        if (clip) {
            for (int k = 0; k < batch * d; k++) noise[k] = Math.max(-1f, Math.min(1f, noise[k]));
        }
        return noise;
    }

    /** Draws x0 ~ N(0, I) from {@code rng} and integrates it. */
    public static float[] sample(VelocityField field, Mlp.Tape tape, float[] cond, int batch, int steps, Rng rng) {
        float[] x = new float[batch * field.actionDim()];
        rng.fillGaussian(x);
        return integrate(field, tape, cond, x, batch, steps, true);
    }
}
