package flowbench.baselines.nn;

/**
 * Plain-Java versions of the elementwise kernels: the reference for {@link VectorKernels} and the fallback when the
 * JVM runs without {@code --add-modules jdk.incubator.vector}.
 *
 * <p>Both implementations perform the same float operations in the same order (no FMA; every reduction uses the
 * 16-partial-sum scheme of {@link #sum16}), so they give bit-identical results; KernelsTest checks this.
 */
final class ScalarKernels {
    private ScalarKernels() {}

    /** √(2/π) and the cubic coefficient of the tanh-approximated GELU. */
    static final float GELU_C0 = 0.7978845608028654f;
    static final float GELU_C1 = 0.044715f;
    static final float GELU_C1X3 = 3f * 0.044715f;

    /** Beyond this |x| the rational tanh below is clamped; tanh(7.9053) is 1 − 2.7e−7. */
    static final float TANH_CLAMP = 7.90531110763549805f;
    // Odd numerator and even denominator of a [13/6] rational approximation of tanh on [−7.9, 7.9] with float error of
    // a few ulp: the coefficients of Eigen's generic_fast_tanh_float, which XLA's CPU backend also uses for tanh.
    static final float A1 = 4.89352455891786e-03f;
    static final float A3 = 6.37261928875436e-04f;
    static final float A5 = 1.48572235717979e-05f;
    static final float A7 = 5.12229709037114e-08f;
    static final float A9 = -8.60467152213735e-11f;
    static final float A11 = 2.00018790482477e-13f;
    static final float A13 = -2.76076847742355e-16f;
    static final float B0 = 4.89352518554385e-03f;
    static final float B2 = 2.26843463243900e-03f;
    static final float B4 = 1.18534705686654e-04f;
    static final float B6 = 1.19825839466702e-06f;

    static float tanh(float x) {
        x = Math.min(TANH_CLAMP, Math.max(-TANH_CLAMP, x));
        float x2 = x * x;
        float p = x2 * A13 + A11;
        p = x2 * p + A9;
        p = x2 * p + A7;
        p = x2 * p + A5;
        p = x2 * p + A3;
        p = x2 * p + A1;
        p = x * p;
        float q = x2 * B6 + B4;
        q = x2 * q + B2;
        q = x2 * q + B0;
        return p / q;
    }

    /** GELU of x; stores tanh(u) in t[i]. */
    private static float gelu(float x, float[] t, int i) {
        float x3 = x * x * x;
        float u = GELU_C0 * (x + GELU_C1 * x3);
        float th = tanh(u);
        t[i] = th;
        return 0.5f * x * (1f + th);
    }

    /** d gelu / dx given x and the cached th = tanh(u). */
    private static float geluGrad(float x, float th) {
        float x2 = x * x;
        return 0.5f * (1f + th) + 0.5f * x * (1f - th * th) * GELU_C0 * (1f + GELU_C1X3 * x2);
    }

    /**
     * Rows [r0, r0 + rows) of row-major arrays: z ← z + bias (row broadcast); out ← act(z); t ← tanh cache for GELU.
     * act null: out ← z + bias. All row kernels take the same (r0, rows) window so callers can work in cache-sized
     * row blocks.
     */
    static void biasAct(float[] z, float[] p, int biasOff, float[] t, float[] out, int r0, int rows, int cols,
                        Activation act) {
        for (int r = r0; r < r0 + rows; r++) {
            int o = r * cols;
            for (int c = 0; c < cols; c++) {
                float a = z[o + c] + p[biasOff + c];
                z[o + c] = a;
                if (act == null) out[o + c] = a;
                else if (act == Activation.RELU) out[o + c] = Math.max(a, 0f);
                else out[o + c] = gelu(a, t, o + c);
            }
        }
    }

    /** out ← act(in) elementwise over [off, off + n). */
    static void activate(float[] in, float[] t, float[] out, int off, int n, Activation act) {
        for (int i = off; i < off + n; i++) {
            float a = in[i];
            out[i] = act == Activation.RELU ? Math.max(a, 0f) : gelu(a, t, i);
        }
    }

    /** dIn ← dOut ⊙ act'(pre); when colAcc is non-null also colAcc[c] += Σ_rows dIn[r, c]. dIn may alias dOut. */
    static void activationBackward(float[] dOut, float[] pre, float[] t, float[] dIn, float[] colAcc, int r0,
                                   int rows, int cols, Activation act) {
        for (int r = r0; r < r0 + rows; r++) {
            int o = r * cols;
            for (int c = 0; c < cols; c++) {
                int i = o + c;
                float d = act == Activation.RELU
                        ? (pre[i] > 0f ? dOut[i] : 0f)
                        : dOut[i] * geluGrad(pre[i], t[i]);
                dIn[i] = d;
                if (colAcc != null) colAcc[c] += d;
            }
        }
    }

    /** acc[c] += Σ_rows in[r, c], rows in ascending order. */
    static void colSumAdd(float[] in, float[] acc, int r0, int rows, int cols) {
        for (int r = r0; r < r0 + rows; r++) {
            int o = r * cols;
            for (int c = 0; c < cols; c++) acc[c] += in[o + c];
        }
    }

    /**
     * The shared summation order: 16 interleaved partial sums over the first ⌊n/16⌋·16 values, combined as a fixed
     * pairwise tree, then the remaining values added in order.
     */
    private static final ThreadLocal<float[]> PARTIALS = ThreadLocal.withInitial(() -> new float[16]);

    private static float[] partials() {
        float[] s = PARTIALS.get();
        java.util.Arrays.fill(s, 0f);
        return s;
    }

    static float sum16(float[] a, int off, int n) {
        float[] s = partials();
        int n16 = n & ~15;
        for (int i = 0; i < n16; i += 16) {
            for (int l = 0; l < 16; l++) s[l] += a[off + i + l];
        }
        float total = combine16(s);
        for (int i = n16; i < n; i++) total += a[off + i];
        return total;
    }

    /** Σ (a[i] − m)² in the {@link #sum16} order. */
    static float sumSqDev16(float[] a, int off, int n, float m) {
        float[] s = partials();
        int n16 = n & ~15;
        for (int i = 0; i < n16; i += 16) {
            for (int l = 0; l < 16; l++) {
                float d = a[off + i + l] - m;
                s[l] += d * d;
            }
        }
        float total = combine16(s);
        for (int i = n16; i < n; i++) {
            float d = a[off + i] - m;
            total += d * d;
        }
        return total;
    }

    /** Σ x[i]·y[i] in the {@link #sum16} order. */
    static float dot16(float[] x, int xo, float[] y, int yo, int n) {
        float[] s = partials();
        int n16 = n & ~15;
        for (int i = 0; i < n16; i += 16) {
            for (int l = 0; l < 16; l++) s[l] += x[xo + i + l] * y[yo + i + l];
        }
        float total = combine16(s);
        for (int i = n16; i < n; i++) total += x[xo + i] * y[yo + i];
        return total;
    }

    static float combine16(float[] s) {
        float a = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
        float b = ((s[8] + s[9]) + (s[10] + s[11])) + ((s[12] + s[13]) + (s[14] + s[15]));
        return a + b;
    }

    /**
     * LayerNorm over each row: x̂ = (x − mean)·rstd with rstd = 1/√(var + eps) (two-pass variance, ddof 0),
     * out = γ⊙x̂ + β. out may alias in. Caches x̂ and rstd for the backward pass.
     */
    static void layerNormForward(float[] in, float[] p, int gammaOff, int betaOff, float[] xhat, float[] rstd,
                                 float[] out, int r0, int rows, int cols, float eps) {
        float invN = 1f / cols;
        for (int r = r0; r < r0 + rows; r++) {
            int o = r * cols;
            float mean = sum16(in, o, cols) * invN;
            float var = sumSqDev16(in, o, cols, mean) * invN;
            float rs = (float) (1.0 / Math.sqrt(var + eps));
            rstd[r] = rs;
            for (int c = 0; c < cols; c++) {
                float xh = (in[o + c] - mean) * rs;
                xhat[o + c] = xh;
                out[o + c] = p[gammaOff + c] * xh + p[betaOff + c];
            }
        }
    }

    /**
     * LayerNorm backward: with g = dOut⊙γ, dIn = rstd·(g − mean(g) − x̂·mean(g⊙x̂)); dγ += Σ_rows dOut⊙x̂,
     * dβ += Σ_rows dOut. dIn may alias dOut. gScratch holds one row.
     */
    static void layerNormBackward(float[] dOut, float[] xhat, float[] rstd, float[] p, int gammaOff, float[] dIn,
                                  float[] dGamma, float[] dBeta, float[] gScratch, int r0, int rows, int cols) {
        float invN = 1f / cols;
        for (int r = r0; r < r0 + rows; r++) {
            int o = r * cols;
            for (int c = 0; c < cols; c++) {
                float d = dOut[o + c];
                gScratch[c] = d * p[gammaOff + c];
                if (dGamma != null) {
                    dGamma[c] += d * xhat[o + c];
                    dBeta[c] += d;
                }
            }
            float meanG = sum16(gScratch, 0, cols) * invN;
            float meanGX = dot16(gScratch, 0, xhat, o, cols) * invN;
            float rs = rstd[r];
            for (int c = 0; c < cols; c++) {
                dIn[o + c] = rs * ((gScratch[c] - meanG) - xhat[o + c] * meanGX);
            }
        }
    }

    /**
     * One Adam step in optax's operation order (scale_by_adam then scale_by_learning_rate, eps_root 0):
     * g ← g/norm·maxNorm if clipping; m ← (1−β1)g + β1·m; v ← (1−β2)g² + β2·v;
     * p ← p + (−lr)·((m/bc1) / (√(v/bc2) + eps)). omb1 and omb2 are 1−β1 and 1−β2 rounded from double, as optax
     * and torch compute them (1f − 0.999f would be off by 1.3e−5 relative).
     */
    static void adam(float[] p, float[] g, float[] m, float[] v, int off, int n, float lr, float b1, float b2, float omb1,
                     float omb2, float eps, float bc1, float bc2, boolean clip, float norm, float maxNorm) {
        float negLr = -lr;
        for (int i = off; i < off + n; i++) {
            float gi = g[i];
            if (clip) gi = gi / norm * maxNorm;
            float mi = omb1 * gi + b1 * m[i];
            float vi = omb2 * (gi * gi) + b2 * v[i];
            m[i] = mi;
            v[i] = vi;
            float mh = mi / bc1;
            float vh = vi / bc2;
            float u = mh / ((float) Math.sqrt(vh) + eps);
            p[i] = p[i] + negLr * u;
        }
    }

    /**
     * Σ a[i]² over [from, from + n): float partial sums per 4096-value chunk ({@link #sum16} order), chunks added in
     * double. Chunks start at {@code from}, so a range split at multiples of 4096 sums in the same order.
     */
    static double sumSquares(float[] a, int from, int n) {
        double total = 0;
        for (int off = from; off < from + n; off += 4096) {
            int len = Math.min(4096, from + n - off);
            total += dot16(a, off, a, off, len);
        }
        return total;
    }

    /** target ← src·τ + target·(1 − τ) (optax incremental_update). */
    static void lerp(float[] target, float[] src, int n, float tau) {
        float keep = 1f - tau;
        for (int i = 0; i < n; i++) target[i] = src[i] * tau + target[i] * keep;
    }

    /** dst ← dst + src. */
    static void addInto(float[] dst, int dstOff, float[] src, int srcOff, int n) {
        for (int i = 0; i < n; i++) dst[dstOff + i] += src[srcOff + i];
    }
}
