package flowbench.baselines.nn;

/**
 * Dispatch between {@link VectorKernels} (when the JVM was started with {@code --add-modules jdk.incubator.vector})
 * and {@link ScalarKernels} (otherwise, or with {@code -Dflowbench.nn.kernels=scalar}). Both give identical bits; the
 * scalar path is several times slower on the elementwise part. The flag is a static final, so the JIT removes the
 * branch.
 */
final class Kernels {
    private Kernels() {}

    static final boolean VECTOR = vectorAvailable();

    private static boolean vectorAvailable() {
        String forced = System.getProperty("flowbench.nn.kernels", "auto");
        if (forced.equals("scalar")) return false;
        boolean present = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        if (forced.equals("vector") && !present) {
            throw new IllegalStateException("-Dflowbench.nn.kernels=vector needs the JVM option "
                    + "--add-modules jdk.incubator.vector");
        }
        if (!forced.equals("auto") && !forced.equals("vector")) {
            throw new IllegalArgumentException("system property flowbench.nn.kernels must be auto, vector or scalar, got '"
                    + forced + "'");
        }
        return present;
    }

    /** Human-readable description for benchmark output. */
    static String describe() {
        return VECTOR ? "vector (" + VectorKernels.L + " float lanes)"
                : "scalar (start the JVM with --add-modules jdk.incubator.vector for the fast path)";
    }

    static void biasAct(float[] z, float[] p, int biasOff, float[] t, float[] out, int r0, int rows, int cols,
                        Activation act) {
        if (VECTOR) VectorKernels.biasAct(z, p, biasOff, t, out, r0, rows, cols, act);
        else ScalarKernels.biasAct(z, p, biasOff, t, out, r0, rows, cols, act);
    }

    static void activate(float[] in, float[] t, float[] out, int off, int n, Activation act) {
        if (VECTOR) VectorKernels.activate(in, t, out, off, n, act);
        else ScalarKernels.activate(in, t, out, off, n, act);
    }

    static void activationBackward(float[] dOut, float[] pre, float[] t, float[] dIn, float[] colAcc, int r0,
                                   int rows, int cols, Activation act) {
        if (VECTOR) VectorKernels.activationBackward(dOut, pre, t, dIn, colAcc, r0, rows, cols, act);
        else ScalarKernels.activationBackward(dOut, pre, t, dIn, colAcc, r0, rows, cols, act);
    }

    static void colSumAdd(float[] in, float[] acc, int r0, int rows, int cols) {
        if (VECTOR) VectorKernels.colSumAdd(in, acc, r0, rows, cols);
        else ScalarKernels.colSumAdd(in, acc, r0, rows, cols);
    }

    static void layerNormForward(float[] in, float[] p, int gammaOff, int betaOff, float[] xhat, float[] rstd,
                                 float[] out, int r0, int rows, int cols, float eps) {
        if (VECTOR) VectorKernels.layerNormForward(in, p, gammaOff, betaOff, xhat, rstd, out, r0, rows, cols, eps);
        else ScalarKernels.layerNormForward(in, p, gammaOff, betaOff, xhat, rstd, out, r0, rows, cols, eps);
    }

    static void layerNormBackward(float[] dOut, float[] xhat, float[] rstd, float[] p, int gammaOff, float[] dIn,
                                  float[] dGamma, float[] dBeta, float[] gScratch, int r0, int rows, int cols) {
        if (VECTOR) {
            VectorKernels.layerNormBackward(dOut, xhat, rstd, p, gammaOff, dIn, dGamma, dBeta, gScratch, r0, rows,
                    cols);
        } else {
            ScalarKernels.layerNormBackward(dOut, xhat, rstd, p, gammaOff, dIn, dGamma, dBeta, gScratch, r0, rows,
                    cols);
        }
    }

    static void adam(float[] p, float[] g, float[] m, float[] v, int off, int n, float lr, float b1, float b2,
                     float omb1, float omb2, float eps, float bc1, float bc2, boolean clip, float norm, float maxNorm) {
        if (VECTOR) VectorKernels.adam(p, g, m, v, off, n, lr, b1, b2, omb1, omb2, eps, bc1, bc2, clip, norm, maxNorm);
        else ScalarKernels.adam(p, g, m, v, off, n, lr, b1, b2, omb1, omb2, eps, bc1, bc2, clip, norm, maxNorm);
    }

    static double sumSquares(float[] a, int from, int n) {
        return VECTOR ? VectorKernels.sumSquares(a, from, n) : ScalarKernels.sumSquares(a, from, n);
    }

    static double sumSquares(float[] a, int n) {
        return sumSquares(a, 0, n);
    }

    static void lerp(float[] target, float[] src, int n, float tau) {
        if (VECTOR) VectorKernels.lerp(target, src, n, tau);
        else ScalarKernels.lerp(target, src, n, tau);
    }

    static void addInto(float[] dst, int dstOff, float[] src, int srcOff, int n) {
        if (VECTOR) VectorKernels.addInto(dst, dstOff, src, srcOff, n);
        else ScalarKernels.addInto(dst, dstOff, src, srcOff, n);
    }
}
