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

    // exp for mish: Cephes expf (range reduction x = n·ln2 + r, |r| ≤ ln2/2, degree-6 polynomial, then ·2^n), the
    // scheme of Eigen's pexp that XLA's CPU backend uses. Only + − × and a bit construction of 2^n, so the vector
    // version repeats it exactly. Relative error ~2 ulp on the clamped range.
    /** exp argument range: below −87 the result would leave the normal floats; above 20 mish(x) = x in float. */
    static final float MISH_EXP_LO = -87f;
    static final float MISH_EXP_HI = 20f;
    static final float LOG2E = 1.44269504088896341f;
    /** 1.5·2²³: adding and subtracting it rounds a float of magnitude &lt; 2²² to the nearest integer. */
    static final float ROUND_MAGIC = 12582912f;
    /** ln 2 split in two: C1 has 9 significant bits, so n·C1 is exact for |n| ≤ 2¹⁴. */
    static final float EXP_C1 = 0.693359375f;
    static final float EXP_C2 = -2.12194440e-4f;
    static final float EXP_P0 = 1.9875691500e-4f;
    static final float EXP_P1 = 1.3981999507e-3f;
    static final float EXP_P2 = 8.3334519073e-3f;
    static final float EXP_P3 = 4.1665795894e-2f;
    static final float EXP_P4 = 1.6666665459e-1f;
    static final float EXP_P5 = 5.0000001201e-1f;

    /** e^x for x in [{@link #MISH_EXP_LO}, {@link #MISH_EXP_HI}] (callers clamp). */
    static float exp(float x) {
        float fn = (x * LOG2E + ROUND_MAGIC) - ROUND_MAGIC;
        float r = x - fn * EXP_C1;
        r = r - fn * EXP_C2;
        float z = r * r;
        float y = EXP_P0;
        y = y * r + EXP_P1;
        y = y * r + EXP_P2;
        y = y * r + EXP_P3;
        y = y * r + EXP_P4;
        y = y * r + EXP_P5;
        y = y * z + r;
        y = y + 1f;
        return y * Float.intBitsToFloat(((int) fn + 127) << 23);
    }

    /** mish(x); stores e = exp(clamped x) in t[i] for the backward pass. */
    private static float mish(float x, float[] t, int i) {
        float e = exp(Math.min(MISH_EXP_HI, Math.max(MISH_EXP_LO, x)));
        t[i] = e;
        float n = e * (e + 2f);
        return x * (n / (n + 2f));
    }

    /** d mish / dx given x and the cached e. */
    static float mishGrad(float x, float e) {
        float n = e * (e + 2f);
        float q = 1f / (n + 2f);
        float tsp = n * q;
        float sech2 = (4f * q) * (1f - q);
        float sig = e / (1f + e);
        return tsp + x * sech2 * sig;
    }

    /** act(a) for a non-null activation, filling the backward cache slot t[i] where the activation has one. */
    static float act(float a, float[] t, int i, Activation act) {
        return switch (act) {
            case RELU -> Math.max(a, 0f);
            case GELU -> gelu(a, t, i);
            case MISH -> mish(a, t, i);
        };
    }

    private static float actGrad(float x, float cached, Activation act) {
        return switch (act) {
            case RELU -> x > 0f ? 1f : 0f;
            case GELU -> geluGrad(x, cached);
            case MISH -> mishGrad(x, cached);
        };
    }

    /**
     * Rows [r0, r0 + rows) of row-major arrays: z ← z + bias (row broadcast); out ← act(z); t ← the activation's
     * backward cache (tanh(u) for GELU, exp(x) for mish).
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
                out[o + c] = act == null ? a : act(a, t, o + c, act);
            }
        }
    }

    /** out ← act(in) elementwise over [off, off + n). */
    static void activate(float[] in, float[] t, float[] out, int off, int n, Activation act) {
        for (int i = off; i < off + n; i++) {
            out[i] = act(in[i], t, i, act);
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
                        : dOut[i] * actGrad(pre[i], t[i], act);
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
