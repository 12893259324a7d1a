package flowbench.baselines.flow;

import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.Parameters;
import flowbench.harness.rng.Rng;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EulerBackpropTest {
    static final int B = 6, C = 3, D = 2, N = 5;

    static VelocityField field() {
        return new VelocityField(C, D, TimeEmbedding.RAW,
                new MlpConfig(1, new int[] {16, 16}, 1, Activation.GELU, LayerNormPlacement.NONE, false), new Rng(1));
    }

    static float[] gaussian(int n, long seed) {
        float[] x = new float[n];
        new Rng(seed).fillGaussian(x);
        return x;
    }

    @Test
    void forwardMatchesEulerSampler() {
        VelocityField f = field();
        float[] c = gaussian(B * C, 2), z = gaussian(B * D, 3);
        float[] x = new EulerBackprop(f, N, B).forward(c, z, B).clone();
        float[] ref = EulerSampler.integrate(f, f.network().newTape(B), c, z.clone(), B, N, false);
        assertArrayEquals(ref, x);
    }

    /** L = Σ w·x_N: finite differences on every parameter against the backpropagated gradient (all N steps). */
    @Test
    void parameterGradientMatchesFiniteDifferences() {
        VelocityField f = field();
        float[] c = gaussian(B * C, 2), z = gaussian(B * D, 3), w = gaussian(B * D, 4);
        EulerBackprop e = new EulerBackprop(f, N, B);
        e.forward(c, z, B);
        Gradients g = f.network().newGradients();
        e.backward(w, g);
        Parameters ps = f.network().parameters();
        double maxErr = 0;
        for (int i = 0; i < ps.size(); i += 3) {
            float orig = ps.get(i);
            float h = 1e-2f;
            ps.set(i, orig + h);
            double up = dot(e.forward(c, z, B), w);
            ps.set(i, orig - h);
            double down = dot(e.forward(c, z, B), w);
            ps.set(i, orig);
            double fd = (up - down) / (2 * h);
            assertEquals(fd, g.get(i), 2e-3 + 0.02 * Math.abs(fd), "parameter " + i);
            maxErr = Math.max(maxErr, Math.abs(fd));
        }
        assertTrue(maxErr > 1e-2, "gradients must not all be ~0");
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < b.length; i++) s += (double) a[i] * b[i];
        return s;
    }
}
