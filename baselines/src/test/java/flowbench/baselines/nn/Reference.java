package flowbench.baselines.nn;

import java.util.List;

/**
 * Double-precision reference MLP written straight from the formulas (exact Math.tanh, two-pass LayerNorm), reading
 * the parameters of an {@link Mlp}/{@link MlpEnsemble} through their public tensor names. Used for finite-difference
 * checks of the float32 backward passes.
 */
final class Reference {
    private Reference() {}

    static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    static double act(Activation a, double x) {
        return switch (a) {
            case RELU -> Math.max(x, 0);
            case GELU -> 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
            // softplus(x) = log(1 + e^x), written overflow-free as max(x, 0) + log1p(e^−|x|)
            case MISH -> x * Math.tanh(Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))));
        };
    }

    /** y[r] = LayerNorm(x[r]) with eps 1e−6 and the given scale and shift (double precision). */
    static void layerNorm(double[] x, int rows, int cols, double[] p, int scaleOff, int shiftOff, double[] out) {
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int c = 0; c < cols; c++) mean += x[r * cols + c];
            mean /= cols;
            double var = 0;
            for (int c = 0; c < cols; c++) var += (x[r * cols + c] - mean) * (x[r * cols + c] - mean);
            var /= cols;
            double rs = 1 / Math.sqrt(var + 1e-6);
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = p[scaleOff + c] * (x[r * cols + c] - mean) * rs + p[shiftOff + c];
            }
        }
    }

    /**
     * Forward of one MLP whose tensors are named {@code prefix + "dense<l>/kernel"} etc.
     *
     * @param signs if non-null, records which ReLU inputs are positive (appended from bit {@code signs[0]})
     */
    static double[] forward(MlpConfig cfg, Parameters params, String prefix, double[] p, double[] x, int batch,
                            java.util.BitSet signs) {
        double[] h = x;
        for (int l = 0; l < cfg.layerCount(); l++) {
            int in = cfg.fanIn(l), w = cfg.width(l);
            int k = params.tensor(prefix + "dense" + l + "/kernel").offset();
            int b = params.tensor(prefix + "dense" + l + "/bias").offset();
            double[] z = new double[batch * w];
            for (int r = 0; r < batch; r++) {
                for (int j = 0; j < w; j++) {
                    double s = p[b + j];
                    for (int i = 0; i < in; i++) s += h[r * in + i] * p[k + i * w + j];
                    z[r * w + j] = s;
                }
            }
            if (cfg.activated(l)) {
                LayerNormPlacement ln = cfg.layerNormAt(l);
                int so = -1, sh = -1;
                if (ln != LayerNormPlacement.NONE) {
                    so = params.tensor(prefix + "layernorm" + l + "/scale").offset();
                    sh = params.tensor(prefix + "layernorm" + l + "/bias").offset();
                }
                if (ln == LayerNormPlacement.BEFORE_ACTIVATION) layerNorm(z, batch, w, p, so, sh, z);
                if (signs != null && cfg.activation() == Activation.RELU) {
                    for (int i = 0; i < z.length; i++) if (z[i] > 0) signs.set(NEXT[0] + i);
                    NEXT[0] += z.length;
                }
                for (int i = 0; i < z.length; i++) z[i] = act(cfg.activation(), z[i]);
                if (ln == LayerNormPlacement.AFTER_ACTIVATION) layerNorm(z, batch, w, p, so, sh, z);
            }
            h = z;
        }
        return h;
    }

    /** Bit cursor for {@link #forward}'s sign recording; reset by {@link #checkGradient} before each probe. */
    static final int[] NEXT = {0};

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    static double dot(double[] a, float[] w) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * w[i];
        return s;
    }

    /** Objective whose gradient the backward pass computes when seeded with dY = w. */
    interface Objective {
        /** Value of Σ w ⊙ y; records the ReLU sign pattern into {@code signs}. */
        double eval(double[] params, double[] x, java.util.BitSet signs);
    }

    /**
     * Central finite differences of {@code f} in float64 (eps 1e−3) against {@code analytic}, over either the
     * parameters or the input. Coordinates whose ±eps probes see different ReLU sign patterns are skipped (the
     * difference quotient straddles a kink there); at most 5% may be skipped.
     *
     * @return number of coordinates compared
     */
    static int checkGradient(String what, Objective f, double[] params, double[] x, boolean wrtInput,
                             float[] analytic, double atol, double rtol, List<String> failures) {
        double eps = 1e-3;
        double[] v = wrtInput ? x : params;
        int compared = 0, skipped = 0;
        for (int i = 0; i < v.length; i++) {
            double keep = v[i];
            java.util.BitSet s1 = new java.util.BitSet(), s2 = new java.util.BitSet();
            v[i] = keep + eps;
            NEXT[0] = 0;
            double fp = f.eval(params, x, s1);
            v[i] = keep - eps;
            NEXT[0] = 0;
            double fm = f.eval(params, x, s2);
            v[i] = keep;
            if (!s1.equals(s2)) {
                skipped++;
                continue;
            }
            double fd = (fp - fm) / (2 * eps);
            double an = analytic[i];
            compared++;
            if (Math.abs(fd - an) > atol + rtol * Math.abs(fd)) {
                failures.add(what + "[" + i + "]: finite difference " + fd + " vs backward " + an);
            }
        }
        if (skipped > Math.max(1, v.length / 20)) failures.add(what + ": too many kink-adjacent coordinates " + skipped);
        return compared;
    }
}
