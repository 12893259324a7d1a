package flowbench.baselines.nn;

import flowbench.harness.rng.Rng;

import java.util.List;

/**
 * Learnable Fourier features (jaxrl5 / IDQL {@code FourierFeatures(output_size, learnable=True)}, the time input of
 * DCGQL's DDPM noise network, docs/qam.md §2.9): a kernel W of shape (m, inputDim), m = outputDim/2, drawn from
 * N(0, σ²) (σ = 0.2 in the reference, flax {@code normal(0.2)}), and
 * <pre>
 *   f_bj = 2π · Σ_i x_bi · W_ji        (reference: {@code f = 2 * jnp.pi * x @ w.T})
 *   y_b  = [cos f_b1 … cos f_bm, sin f_b1 … sin f_bm]
 * </pre>
 * Backward: ∂L/∂W_ji = Σ_b 2π·x_bi·(−sin f_bj·∂L/∂y_bj + cos f_bj·∂L/∂y_b,m+j), and the same with W_ji in place of
 * x_bi for ∂L/∂x_bi.
 *
 * <p>No tape: the backward pass recomputes f from x (m·inputDim multiply-adds per row, negligible next to an MLP).
 * Arithmetic: f in float32 as (2π·x)·W; cos and sin in double, rounded once.
 */
public final class FourierFeatures implements Module {
    /** 2π rounded to float, as JAX multiplies by the weakly typed Python float 2·π. */
    static final float TWO_PI = (float) (2 * Math.PI);

    private final int inputDim;
    private final int half;
    private final Parameters params;
    private float[] scratch = new float[0];

    /**
     * @param outputDim even number of features (64 in DCGQL: {@code time_dim})
     * @param initStd   standard deviation of the kernel's normal initialisation (0.2)
     */
    public FourierFeatures(int inputDim, int outputDim, double initStd, Rng rng) {
        if (inputDim < 1) throw new IllegalArgumentException("FourierFeatures inputDim must be >= 1, got " + inputDim);
        if (outputDim < 2 || outputDim % 2 != 0) {
            throw new IllegalArgumentException("FourierFeatures outputDim must be even and >= 2, got " + outputDim);
        }
        if (!(initStd >= 0) || !Double.isFinite(initStd)) {
            throw new IllegalArgumentException("FourierFeatures initStd must be finite and >= 0, got " + initStd);
        }
        this.inputDim = inputDim;
        this.half = outputDim / 2;
        this.params = new Parameters(List.of(new Parameters.Tensor("kernel", 0, new int[] {half, inputDim})));
        for (int i = 0; i < half * inputDim; i++) params.data[i] = (float) (initStd * rng.nextGaussian());
        params.markModified();
    }

    public int inputDim() {
        return inputDim;
    }

    public int outputDim() {
        return 2 * half;
    }

    @Override
    public Parameters parameters() {
        return params;
    }

    private float phase(float[] x, int b, int j) {
        float[] w = params.data;
        float f = 0f;
        for (int i = 0; i < inputDim; i++) f += (TWO_PI * x[b * inputDim + i]) * w[j * inputDim + i];
        return f;
    }

    /**
     * @param x   batch × inputDim
     * @param out receives batch × outputDim (overwritten)
     * @return out
     */
    public float[] forward(float[] x, int batch, float[] out) {
        check("x", x, batch * inputDim);
        check("out", out, batch * 2 * half);
        int w = 2 * half;
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < half; j++) {
                double f = phase(x, b, j);
                out[b * w + j] = (float) Math.cos(f);
                out[b * w + half + j] = (float) Math.sin(f);
            }
        }
        return out;
    }

    /**
     * Vector-Jacobian product at input {@code x} (the same x as the forward pass).
     *
     * @param dY    batch × outputDim cotangent
     * @param grads accumulate ∂L/∂W into it (added), or null
     * @param dX    receives ∂L/∂x (batch × inputDim, overwritten), or null
     */
    public void backward(float[] x, int batch, float[] dY, Gradients grads, float[] dX) {
        check("x", x, batch * inputDim);
        check("dY", dY, batch * 2 * half);
        if (grads != null && grads.parameters() != params) {
            throw new IllegalArgumentException("gradients do not belong to these Fourier features");
        }
        if (dX != null) {
            check("dX", dX, batch * inputDim);
            java.util.Arrays.fill(dX, 0, batch * inputDim, 0f);
        }
        int n = half * inputDim;
        double[] acc = grads == null ? null : new double[n];
        float[] w = params.data;
        int width = 2 * half;
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < half; j++) {
                double f = phase(x, b, j);
                // ∂L/∂f_bj
                double df = -Math.sin(f) * dY[b * width + j] + Math.cos(f) * dY[b * width + half + j];
                for (int i = 0; i < inputDim; i++) {
                    if (acc != null) acc[j * inputDim + i] += df * TWO_PI * x[b * inputDim + i];
                    if (dX != null) dX[b * inputDim + i] += (float) (df * TWO_PI * w[j * inputDim + i]);
                }
            }
        }
        if (acc != null) {
            if (scratch.length < n) scratch = new float[n];
            for (int i = 0; i < n; i++) scratch[i] = (float) acc[i];
            grads.addRegion(0, scratch, n);
        }
    }

    private static void check(String what, float[] a, int need) {
        if (a == null || a.length < need) {
            throw new IllegalArgumentException("FourierFeatures: " + what + " has " + (a == null ? "no" : a.length)
                    + " values, expected at least " + need);
        }
    }
}
