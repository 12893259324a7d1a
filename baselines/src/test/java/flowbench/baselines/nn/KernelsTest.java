package flowbench.baselines.nn;

import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The elementwise kernels: accuracy of the tanh approximation, derivatives, and vector = scalar bit for bit. */
class KernelsTest {
    static float[] gaussian(int n, Rng r, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (scale * r.nextGaussian());
        return a;
    }

    @Test
    void rationalTanhIsWithinAFewUlpOfTanh() {
        double maxErr = 0;
        for (int i = -200_000; i <= 200_000; i++) {
            float x = i * 5e-5f;
            maxErr = Math.max(maxErr, Math.abs(ScalarKernels.tanh(x) - Math.tanh(x)));
        }
        for (float x : new float[] {12f, -12f, 100f, Float.MAX_VALUE}) {
            maxErr = Math.max(maxErr, Math.abs(ScalarKernels.tanh(x) - Math.tanh(x)));
        }
        assertTrue(maxErr < 5e-7, "max |tanh error| " + maxErr);
        assertEquals(0f, ScalarKernels.tanh(0f));
    }

    /** d/dx of the float GELU and ReLU kernels vs central differences of the float64 formula. */
    @Test
    void activationDerivativesMatchFiniteDifferences() {
        Rng r = Seeds.rng(1);
        int n = 101;
        float[] x = gaussian(n, r, 2.5);
        for (Activation act : Activation.values()) {
            float[] t = new float[n], y = new float[n], ones = new float[n], d = new float[n];
            java.util.Arrays.fill(ones, 1f);
            Kernels.activate(x, t, y, 0, n, act);
            Kernels.activationBackward(ones, x, t, d, null, 0, 1, n, act);
            for (int i = 0; i < n; i++) {
                double h = 1e-3;
                assertEquals(Reference.act(act, x[i]), y[i], 1e-6 * (1 + Math.abs(y[i])), act + " value at " + x[i]);
                if (act == Activation.RELU && Math.abs(x[i]) < 2 * h) continue;
                double fd = (Reference.act(act, x[i] + h) - Reference.act(act, x[i] - h)) / (2 * h);
                assertEquals(fd, d[i], 1e-5, act + " derivative at " + x[i]);
            }
        }
    }

    /**
     * Mish over its whole float range: values within 5e−7·(1 + |y|) of the float64 formula, derivative within 1e−6 of
     * the float64 closed form x ↦ tanh(sp) + x·sech²(sp)·σ(x), at large |x| (where the exp argument is clamped),
     * near 0 and across the polynomial's range-reduction boundaries; the float exp itself within 3 ulp.
     */
    @Test
    void mishAndItsExpAreAccurateOverTheWholeRange() {
        double maxExpUlps = 0;
        for (int i = -870_000; i <= 200_000; i++) {
            float x = i * 1e-4f;
            double want = Math.exp(x);
            maxExpUlps = Math.max(maxExpUlps, Math.abs(ScalarKernels.exp(x) - want) / Math.ulp((float) want));
        }
        assertTrue(maxExpUlps <= 3, "float exp max error " + maxExpUlps + " ulp");
        int n = 4001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -200f + 0.1f * i;
        float[] t = new float[n], y = new float[n], ones = new float[n], d = new float[n];
        java.util.Arrays.fill(ones, 1f);
        Kernels.activate(x, t, y, 0, n, Activation.MISH);
        Kernels.activationBackward(ones, x, t, d, null, 0, 1, n, Activation.MISH);
        for (int i = 0; i < n; i++) {
            double xv = x[i];
            double sp = Math.max(xv, 0) + Math.log1p(Math.exp(-Math.abs(xv)));
            double th = Math.tanh(sp);
            double sig = 1 / (1 + Math.exp(-xv));
            double grad = th + xv * (1 - th * th) * sig;
            assertEquals(Reference.act(Activation.MISH, xv), y[i], 5e-7 * (1 + Math.abs(y[i])), "mish(" + xv + ")");
            assertEquals(grad, d[i], 1e-6, "mish'(" + xv + ")");
        }
        assertEquals(0f, y[2000], "mish(0) = 0");
        assertEquals(0.6, d[2000], 1e-6, "mish'(0) = tanh(ln 2) = 0.6");
    }

    /** LayerNorm backward (input and scale/shift gradients) vs central differences of a float64 LayerNorm. */
    @Test
    void layerNormBackwardMatchesFiniteDifferences() {
        Rng r = Seeds.rng(2);
        int rows = 3, cols = 21;
        float[] x = gaussian(rows * cols, r, 1.5);
        float[] p = gaussian(2 * cols, r, 1.0);
        float[] w = gaussian(rows * cols, r, 1.0);
        float[] xhat = new float[rows * cols], rstd = new float[rows], y = new float[rows * cols];
        Kernels.layerNormForward(x, p, 0, cols, xhat, rstd, y, 0, rows, cols, 1e-6f);
        float[] dx = new float[rows * cols], dScale = new float[cols], dShift = new float[cols];
        Kernels.layerNormBackward(w, xhat, rstd, p, 0, dx, dScale, dShift, new float[cols], 0, rows, cols);
        double[] xd = Reference.toDouble(x), pd = Reference.toDouble(p);
        double eps = 1e-3;
        for (int which = 0; which < 2; which++) {
            double[] v = which == 0 ? xd : pd;
            for (int i = 0; i < v.length; i++) {
                double keep = v[i];
                v[i] = keep + eps;
                double fp = lnObjective(xd, pd, w, rows, cols);
                v[i] = keep - eps;
                double fm = lnObjective(xd, pd, w, rows, cols);
                v[i] = keep;
                double fd = (fp - fm) / (2 * eps);
                double an = which == 0 ? dx[i] : (i < cols ? dScale[i] : dShift[i - cols]);
                assertEquals(fd, an, 2e-4 + 2e-3 * Math.abs(fd), (which == 0 ? "dx" : "dparam") + "[" + i + "]");
            }
        }
    }

    private static double lnObjective(double[] x, double[] p, float[] w, int rows, int cols) {
        double[] out = new double[rows * cols];
        Reference.layerNorm(x, rows, cols, p, 0, cols, out);
        return Reference.dot(out, w);
    }

    /** Same operations in the same order: the Vector API kernels must reproduce the scalar ones exactly. */
    @Test
    void vectorKernelsAreBitIdenticalToScalarKernels() {
        assumeTrue(Kernels.VECTOR, "runs only with --add-modules jdk.incubator.vector (surefire sets it)");
        Rng r = Seeds.rng(3);
        for (int cols : new int[] {1, 7, 16, 40, 67, 256}) {
            int rows = 5, n = rows * cols;
            for (Activation act : new Activation[] {null, Activation.RELU, Activation.GELU, Activation.MISH}) {
                float[] z = gaussian(n, r, 3), p = gaussian(3 * cols, r, 1);
                float[] z1 = z.clone(), z2 = z.clone(), t1 = new float[n], t2 = new float[n];
                float[] o1 = new float[n], o2 = new float[n];
                ScalarKernels.biasAct(z1, p, cols, t1, o1, 1, rows - 1, cols, act);
                VectorKernels.biasAct(z2, p, cols, t2, o2, 1, rows - 1, cols, act);
                assertArrayEquals(z1, z2);
                assertArrayEquals(o1, o2, "biasAct " + act + " cols " + cols);
                assertArrayEquals(t1, t2);
                if (act == null) continue;
                ScalarKernels.activate(z, t1, o1, 3, n - 3, act);
                VectorKernels.activate(z, t2, o2, 3, n - 3, act);
                assertArrayEquals(o1, o2, "activate " + act);
                float[] dOut = gaussian(n, r, 1), d1 = new float[n], d2 = new float[n];
                float[] c1 = new float[cols], c2 = new float[cols];
                ScalarKernels.activationBackward(dOut, z, t1, d1, c1, 1, rows - 1, cols, act);
                VectorKernels.activationBackward(dOut, z, t2, d2, c2, 1, rows - 1, cols, act);
                assertArrayEquals(d1, d2, "activationBackward " + act);
                assertArrayEquals(c1, c2, "activationBackward column sums");
            }
            float[] x = gaussian(rows * cols, r, 2), p = gaussian(2 * cols, r, 1);
            float[] xh1 = new float[rows * cols], xh2 = new float[rows * cols], rs1 = new float[rows], rs2 = new float[rows];
            float[] y1 = new float[rows * cols], y2 = new float[rows * cols];
            ScalarKernels.layerNormForward(x, p, 0, cols, xh1, rs1, y1, 1, rows - 1, cols, 1e-6f);
            VectorKernels.layerNormForward(x, p, 0, cols, xh2, rs2, y2, 1, rows - 1, cols, 1e-6f);
            assertArrayEquals(y1, y2, "layerNormForward cols " + cols);
            assertArrayEquals(rs1, rs2);
            float[] dy = gaussian(rows * cols, r, 1), dx1 = new float[rows * cols], dx2 = new float[rows * cols];
            float[] g1 = new float[cols], g2 = new float[cols], b1 = new float[cols], b2 = new float[cols];
            ScalarKernels.layerNormBackward(dy, xh1, rs1, p, 0, dx1, g1, b1, new float[cols], 1, rows - 1, cols);
            VectorKernels.layerNormBackward(dy, xh1, rs1, p, 0, dx2, g2, b2, new float[cols], 1, rows - 1, cols);
            assertArrayEquals(dx1, dx2, "layerNormBackward cols " + cols);
            assertArrayEquals(g1, g2);
            assertArrayEquals(b1, b2);
            float[] acc1 = new float[cols], acc2 = new float[cols];
            ScalarKernels.colSumAdd(dy, acc1, 0, rows, cols);
            VectorKernels.colSumAdd(dy, acc2, 0, rows, cols);
            assertArrayEquals(acc1, acc2);
        }
        for (int n : new int[] {1, 15, 16, 17, 4096 + 33, 20000}) {
            float[] g = gaussian(n, r, 1), p1 = gaussian(n, r, 1), p2 = p1.clone();
            float[] m1 = gaussian(n, r, 0.1), m2 = m1.clone(), v1 = new float[n], v2 = new float[n];
            for (int i = 0; i < n; i++) v1[i] = v2[i] = (float) Math.abs(0.01 * r.nextGaussian());
            for (boolean clip : new boolean[] {false, true}) {
                ScalarKernels.adam(p1, g, m1, v1, n > 3 ? 3 : 0, n > 3 ? n - 3 : n, 3e-4f, 0.9f, 0.999f, 0.1f, 0.001f, 1e-8f, 0.19f, 0.003f, clip, 7.5f, 1f);
                VectorKernels.adam(p2, g, m2, v2, n > 3 ? 3 : 0, n > 3 ? n - 3 : n, 3e-4f, 0.9f, 0.999f, 0.1f, 0.001f, 1e-8f, 0.19f, 0.003f, clip, 7.5f, 1f);
                assertArrayEquals(p1, p2, "adam n " + n);
                assertArrayEquals(m1, m2);
                assertArrayEquals(v1, v2);
            }
            assertEquals(ScalarKernels.sumSquares(g, 0, n), VectorKernels.sumSquares(g, 0, n), 0.0, "sumSquares n " + n);
            float[] t1 = gaussian(n, r, 1), t2 = t1.clone();
            ScalarKernels.lerp(t1, g, n, 0.005f);
            VectorKernels.lerp(t2, g, n, 0.005f);
            assertArrayEquals(t1, t2, "lerp");
        }
    }

    @Test
    void sumSquaresIsAccurate() {
        Rng r = Seeds.rng(4);
        float[] a = gaussian(100_003, r, 1);
        double exact = 0;
        for (float v : a) exact += (double) v * v;
        assertEquals(exact, Kernels.sumSquares(a, a.length), 1e-5 * exact);
    }
}
