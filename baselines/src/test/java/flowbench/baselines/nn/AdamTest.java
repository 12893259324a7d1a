package flowbench.baselines.nn;

import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Adam and clipping against hand-computed values; Polyak and copy. */
class AdamTest {
    /** A module whose gradients we set by hand: a bias-only MLP layer would do, but a raw block is clearer. */
    static Parameters block(float... values) {
        Parameters p = new Parameters(java.util.List.of(new Parameters.Tensor("w", 0, new int[] {values.length})));
        p.setAll(values);
        return p;
    }

    /** Gradients with given values, written through a real backward pass would be indirect; set the native block. */
    static Gradients grads(Parameters p, float... g) {
        Gradients gr = p.newGradients();
        gr.zero();
        gr.addRegion(0, g, g.length);
        return gr;
    }

    @Test
    void threeStepsMatchTheFormulaComputedByHand() {
        Parameters p = block(1f, -2f, 0.5f);
        Adam adam = new Adam(AdamConfig.of(0.1), p);
        float[][] gs = {{0.5f, -1f, 0f}, {0.25f, 2f, 1e-3f}, {-0.5f, 0f, 3f}};
        double[] th = {1, -2, 0.5}, m = new double[3], v = new double[3];
        for (int t = 1; t <= 3; t++) {
            adam.step(grads(p, gs[t - 1]));
            for (int i = 0; i < 3; i++) {
                double g = gs[t - 1][i];
                m[i] = 0.1 * g + 0.9 * m[i];
                v[i] = 0.001 * g * g + 0.999 * v[i];
                double mh = m[i] / (1 - Math.pow(0.9, t)), vh = v[i] / (1 - Math.pow(0.999, t));
                th[i] -= 0.1 * mh / (Math.sqrt(vh) + 1e-8);
                assertEquals(th[i], p.get(i), 1e-6, "param " + i + " after step " + t);
                assertEquals(m[i], adam.firstMoment(0)[i], 1e-7);
                assertEquals(v[i], adam.secondMoment(0)[i], 1e-9);
            }
        }
        assertEquals(3, adam.stepCount());
        // Adam's first step moves each coordinate by lr·g/(|g| + eps): ≈ lr·sign(g), slightly less for tiny |g|
        Parameters q = block(0f, 0f);
        new Adam(AdamConfig.of(0.01), q).step(grads(q, 3f, -1e-3f));
        assertEquals(-0.01, q.get(0), 1e-8);
        assertEquals(0.01 * 1e-3 / (1e-3 + 1e-8), q.get(1), 1e-8);
    }

    @Test
    void globalClipSpansAllModules() {
        // two blocks: ‖(3, 4)‖ = 5 across both; clip at 1 ⇒ both see g/5
        Parameters a = block(0f), b = block(0f);
        Adam clipped = new Adam(AdamConfig.of(0.1).withClipGlobalNorm(1.0), a, b);
        double norm = clipped.step(grads(a, 3f), grads(b, 4f));
        assertEquals(5.0, norm, 1e-6);
        assertEquals(0.1 * 0.6, clipped.firstMoment(0)[0], 1e-7, "m = (1−β1)·g·(1/5)");
        assertEquals(0.1 * 0.8, clipped.firstMoment(1)[0], 1e-7);
        assertEquals(0.001 * 0.36, clipped.secondMoment(0)[0], 1e-9);

        // below the threshold nothing changes compared with plain Adam
        Parameters c = block(0f, 0f), d = block(0f, 0f);
        Adam loose = new Adam(AdamConfig.of(0.1).withClipGlobalNorm(10.0), c);
        Adam plain = new Adam(AdamConfig.of(0.1), d);
        loose.step(grads(c, 3f, 4f));
        plain.step(grads(d, 3f, 4f));
        assertEquals(plain.firstMoment(0)[0], loose.firstMoment(0)[0]);
        assertEquals(plain.secondMoment(0)[1], loose.secondMoment(0)[1]);
    }

    @Test
    void clippingChangesTheTrajectoryOfARealNetwork() {
        MlpConfig cfg = MlpConfig.of(3, new int[] {8}, 2, Activation.RELU);
        Mlp n1 = new Mlp(cfg, Seeds.rng(1)), n2 = n1.copy();
        Adam a1 = new Adam(AdamConfig.of(1e-2), n1), a2 = new Adam(AdamConfig.of(1e-2).withClipGlobalNorm(1e-3), n2);
        float[] x = {1, 2, 3, -1, 0, 2}, dY = {5, -5, 5, 5};
        Gradients g1 = n1.newGradients(), g2 = n2.newGradients();
        g1.zero();
        g2.zero();
        n1.backward(forward(n1, x), dY, g1, null);
        n2.backward(forward(n2, x), dY, g2, null);
        double norm = Math.sqrt(g1.squaredNorm());
        assertEquals(norm, a1.step(g1), 1e-9 * norm);
        assertEquals(norm, a2.step(g2), 1e-9 * norm);
        assertTrue(norm > 1e-2, "test needs a gradient above the clip threshold");
        float[] m1 = a1.firstMoment(0), m2 = a2.firstMoment(0);
        for (int i = 0; i < m1.length; i++) {
            assertEquals(m1[i] * (1e-3 / norm), m2[i], 1e-6 * Math.abs(m1[i]) + 1e-12, "clipped moment " + i);
        }
    }

    private static Mlp.Tape forward(Mlp n, float[] x) {
        Mlp.Tape t = n.newTape(2);
        n.forward(t, x, 2);
        return t;
    }

    /** Adam works in cache-sized chunks and pushes each to the gemm mirror: check against one plain pass. */
    @Test
    void chunkedUpdateMatchesOnePassAndReachesTheNativeMirror() {
        MlpConfig cfg = MlpConfig.of(40, new int[] {256, 256}, 8, Activation.GELU); // ~78k parameters: several chunks
        Mlp net = new Mlp(cfg, Seeds.rng(4));
        float[] x = new float[16 * 40], dY = new float[16 * 8];
        Seeds.rng(5).fillGaussian(x);
        Seeds.rng(6).fillGaussian(dY);
        Mlp.Tape tape = net.newTape(16);
        Gradients g = net.newGradients();
        for (boolean clipOn : new boolean[] {false, true}) {
            g.zero();
            net.forward(tape, x, 16);
            net.backward(tape, dY, g, null);
            float[] p = net.parameters().toArray(), grad = g.toArray();
            int n = p.length;
            float[] m = new float[n], v = new float[n];
            double normRef = Math.sqrt(ScalarKernels.sumSquares(grad, 0, n));
            AdamConfig cfgA = clipOn ? AdamConfig.of(1e-3).withClipGlobalNorm(1e-2) : AdamConfig.of(1e-3);
            double norm = new Adam(cfgA, net).step(g);
            assertEquals(normRef, norm, 0.0, "norm in the same summation order, clip " + clipOn);
            boolean clip = clipOn && !((float) normRef < 1e-2f);
            assertTrue(clip || !clipOn);
            ScalarKernels.adam(p, grad, m, v, 0, n, 1e-3f, 0.9f, 0.999f, (float) (1 - 0.9), (float) (1 - 0.999), 1e-8f,
                    (float) (1 - 0.9), (float) (1 - 0.999), clip, (float) normRef, 1e-2f);
            org.junit.jupiter.api.Assertions.assertArrayEquals(p, net.parameters().toArray());
            // the forward pass must see the updated parameters: compare with a copy synchronised the slow way
            float[] y = net.forward(tape, x, 16).clone();
            Mlp copy = net.copy();
            org.junit.jupiter.api.Assertions.assertArrayEquals(copy.forward(copy.newTape(16), x, 16), y);
        }
    }

    @Test
    void polyakAndCopy() {
        Parameters online = block(1f, 2f, -4f), target = block(0f, 0f, 0f);
        target.polyakUpdate(online, 0.005);
        assertEquals(0.005f, target.get(0));
        assertEquals(1f * 0.005f + 0f * 0.995f, target.get(0));
        target.polyakUpdate(online, 0.5);
        assertEquals(2f * 0.5f + (2f * 0.005f) * 0.5f, target.get(1));
        target.copyFrom(online);
        assertEquals(-4f, target.get(2));
        assertThrows(IllegalArgumentException.class, () -> target.polyakUpdate(block(1f), 0.1));
        assertThrows(IllegalArgumentException.class, () -> target.polyakUpdate(online, 1.5));
    }

    @Test
    void mismatchedGradientsAreRejected() {
        Parameters a = block(0f), b = block(0f);
        Adam adam = new Adam(AdamConfig.of(0.1), a, b);
        var e = assertThrows(IllegalArgumentException.class, () -> adam.step(grads(b, 1f), grads(a, 1f)));
        assertTrue(e.getMessage().contains("do not belong"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> adam.step(grads(a, 1f)));
        assertThrows(IllegalArgumentException.class, () -> AdamConfig.of(-1));
    }
}
