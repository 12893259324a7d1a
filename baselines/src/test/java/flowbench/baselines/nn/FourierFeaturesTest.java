package flowbench.baselines.nn;

import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FourierFeaturesTest {

    /** The reference formula in double: y = [cos 2π xWᵀ, sin 2π xWᵀ]. */
    private static double[] reference(double[] w, double[] x, int batch, int in, int half) {
        double[] y = new double[batch * 2 * half];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < half; j++) {
                double f = 0;
                for (int i = 0; i < in; i++) f += 2 * Math.PI * x[b * in + i] * w[j * in + i];
                y[b * 2 * half + j] = Math.cos(f);
                y[b * 2 * half + half + j] = Math.sin(f);
            }
        }
        return y;
    }

    private static double objective(double[] w, double[] x, int batch, int in, int half, float[] dY) {
        return Reference.dot(reference(w, x, batch, in, half), dY);
    }

    /** Forward against the double formula; kernel and input VJPs against central differences; accumulation. */
    @Test
    void backwardMatchesFiniteDifferences() {
        for (int in : new int[] {1, 3}) {
            int half = 5, batch = 4;
            FourierFeatures ff = new FourierFeatures(in, 2 * half, 0.2, Seeds.rng(1, "init", in));
            Rng r = Seeds.rng(2, in);
            float[] x = new float[batch * in];
            for (int i = 0; i < x.length; i++) x[i] = (float) (1 + 9 * r.nextDouble()); // DDPM steps lie in [1, T]
            float[] dY = new float[batch * 2 * half];
            r.fillGaussian(dY);
            float[] y = ff.forward(x, batch, new float[batch * 2 * half]);
            double[] w = Reference.toDouble(ff.parameters().toArray());
            double[] xd = Reference.toDouble(x);
            double[] yRef = reference(w, xd, batch, in, half);
            for (int i = 0; i < y.length; i++) assertEquals(yRef[i], y[i], 2e-5, "output " + i);

            Gradients g = ff.newGradients();
            g.zero();
            float[] dX = new float[x.length];
            ff.backward(x, batch, dY, g, dX);
            double eps = 1e-4;
            for (int i = 0; i < w.length; i++) {
                double keep = w[i];
                w[i] = keep + eps;
                double up = objective(w, xd, batch, in, half, dY);
                w[i] = keep - eps;
                double down = objective(w, xd, batch, in, half, dY);
                w[i] = keep;
                double fd = (up - down) / (2 * eps);
                assertEquals(fd, g.get(i), 1e-3 + 1e-3 * Math.abs(fd), "dL/dW[" + i + "] (input dim " + in + ")");
            }
            for (int i = 0; i < xd.length; i++) {
                double keep = xd[i];
                xd[i] = keep + eps;
                double up = objective(w, xd, batch, in, half, dY);
                xd[i] = keep - eps;
                double down = objective(w, xd, batch, in, half, dY);
                xd[i] = keep;
                double fd = (up - down) / (2 * eps);
                assertEquals(fd, dX[i], 1e-3 + 1e-3 * Math.abs(fd), "dL/dx[" + i + "] (input dim " + in + ")");
            }
            float[] once = g.toArray();
            ff.backward(x, batch, dY, g, null);
            for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], g.get(i), 1e-5 * (1 + Math.abs(once[i])), "accumulates");
        }
    }

    @Test
    void kernelStartsNormalWithTheGivenStdAndHasTheReferenceShape() {
        FourierFeatures ff = new FourierFeatures(1, 20_000, 0.2, Seeds.rng(3));
        Parameters p = ff.parameters();
        assertEquals(10_000, p.size());
        assertEquals("kernel[10000, 1];", p.layout());
        double s = 0, sq = 0;
        for (int i = 0; i < p.size(); i++) {
            s += p.get(i);
            sq += p.get(i) * p.get(i);
        }
        assertEquals(0, s / p.size(), 0.006);
        assertEquals(0.04, sq / p.size(), 0.002);
        // t = 0 gives cos = 1, sin = 0 whatever the kernel
        float[] y = ff.forward(new float[1], 1, new float[20_000]);
        assertEquals(1f, y[0]);
        assertEquals(0f, y[10_000]);
    }

    @Test
    void badArgumentsAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> new FourierFeatures(1, 7, 0.2, new Rng(1)));
        assertTrue(e.getMessage().contains("even"), e.getMessage());
        FourierFeatures ff = new FourierFeatures(1, 4, 0.2, new Rng(1));
        e = assertThrows(IllegalArgumentException.class, () -> ff.forward(new float[2], 2, new float[7]));
        assertTrue(e.getMessage().contains("out has 7 values, expected at least 8"), e.getMessage());
        Gradients other = new FourierFeatures(1, 4, 0.2, new Rng(2)).newGradients();
        assertThrows(IllegalArgumentException.class, () -> ff.backward(new float[1], 1, new float[4], other, null));
    }
}
