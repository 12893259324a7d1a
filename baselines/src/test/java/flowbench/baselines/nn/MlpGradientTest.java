package flowbench.baselines.nn;

import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finite-difference checks (float64 reference, central differences) of the MLP forward, VJPs and parameter grads. */
class MlpGradientTest {
    static final int BATCH = 3;

    static Stream<Arguments> configs() {
        List<Arguments> out = new ArrayList<>();
        for (Activation act : Activation.values()) {
            // single layers: Dense alone, Dense→act, Dense→act→LN, Dense→LN→act
            out.add(Arguments.of("dense", new MlpConfig(5, new int[0], 4, act, LayerNormPlacement.NONE, false)));
            out.add(Arguments.of("dense-act", new MlpConfig(5, new int[0], 4, act, LayerNormPlacement.NONE, true)));
            out.add(Arguments.of("dense-act-ln",
                    new MlpConfig(5, new int[0], 4, act, LayerNormPlacement.AFTER_ACTIVATION, true)));
            out.add(Arguments.of("dense-ln-act",
                    new MlpConfig(5, new int[0], 4, act, LayerNormPlacement.BEFORE_ACTIVATION, true)));
            // whole MLPs, every placement, widths off the 16-lane grid and one on it (vector body + tail)
            for (LayerNormPlacement ln : LayerNormPlacement.values()) {
                for (boolean fin : new boolean[] {false, true}) {
                    out.add(Arguments.of("mlp", new MlpConfig(6, new int[] {7, 19}, 3, act, ln, fin)));
                }
            }
            out.add(Arguments.of("wide", new MlpConfig(4, new int[] {32, 17}, 2, act, LayerNormPlacement.AFTER_ACTIVATION,
                    false)));
        }
        out.add(Arguments.of("lecun-head", new MlpConfig(6, new int[] {8}, 3, Activation.GELU,
                LayerNormPlacement.BEFORE_ACTIVATION_EXCEPT_LAST, false, WeightInit.LECUN_NORMAL)));
        return out.stream();
    }

    /** Parameters perturbed away from their init so LN scale/shift and biases are not trivially 1/0. */
    static Mlp randomNet(MlpConfig cfg, long seed) {
        Mlp net = new Mlp(cfg, Seeds.rng(seed, "init"));
        Rng r = Seeds.rng(seed, "perturb");
        Parameters p = net.parameters();
        for (int i = 0; i < p.size(); i++) p.set(i, p.get(i) + (float) (0.3 * r.nextGaussian()));
        return net;
    }

    static float[] gaussian(int n, Rng r) {
        float[] a = new float[n];
        r.fillGaussian(a);
        return a;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("configs")
    void backwardMatchesFiniteDifferences(String label, MlpConfig cfg) {
        Mlp net = randomNet(cfg, 7);
        Rng r = Seeds.rng(11, label);
        float[] x = gaussian(BATCH * cfg.inputDim(), r);
        float[] w = gaussian(BATCH * cfg.outputDim(), r);
        Mlp.Tape tape = net.newTape(BATCH + 2); // capacity above the batch on purpose
        float[] y = net.forward(tape, x, BATCH).clone();

        Parameters params = net.parameters();
        double[] p = Reference.toDouble(params.toArray());
        double[] xd = Reference.toDouble(x);
        double[] yRef = Reference.forward(cfg, params, "", p, xd, BATCH, null);
        for (int i = 0; i < yRef.length; i++) {
            assertEquals(yRef[i], y[i], 1e-4 * (1 + Math.abs(yRef[i])), "forward output " + i);
        }

        Gradients g = net.newGradients();
        g.zero();
        float[] dX = new float[x.length];
        net.backward(tape, w, g, dX);
        Reference.Objective f = (pp, xx, signs) -> Reference.dot(Reference.forward(cfg, params, "", pp, xx, BATCH, signs), w);
        List<String> failures = new ArrayList<>();
        int n1 = Reference.checkGradient("dL/dθ", f, p, xd, false, g.toArray(), 2e-4, 2e-3, failures);
        int n2 = Reference.checkGradient("dL/dx", f, p, xd, true, dX, 2e-4, 2e-3, failures);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertTrue(n1 > params.size() * 0.9 && n2 > x.length * 0.9, "too few coordinates compared");

        // the input VJP alone (no parameter work) gives the same numbers, and leaves other gradients untouched
        float[] dX2 = new float[x.length];
        net.backward(tape, w, null, dX2);
        assertArrayEquals(dX, dX2);
        // a second backward accumulates
        float[] once = g.toArray();
        net.backward(tape, w, g, null);
        float[] twice = g.toArray();
        for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], twice[i], 1e-6 * (1 + Math.abs(once[i])));
    }

    @Test
    void smallerBatchOnLargerTapeMatchesExactTape() {
        MlpConfig cfg = new MlpConfig(6, new int[] {20, 20}, 3, Activation.GELU, LayerNormPlacement.AFTER_ACTIVATION, false);
        Mlp net = randomNet(cfg, 3);
        float[] x = gaussian(5 * 6, Seeds.rng(1));
        float[] a = net.forward(net.newTape(5), x, 5).clone();
        float[] b = net.forward(net.newTape(64), x, 5);
        for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 0f);
    }

    @Test
    void initialisationFollowsGlorotAndLayerNormDefaults() {
        MlpConfig cfg = new MlpConfig(100, new int[] {300}, 50, Activation.RELU, LayerNormPlacement.AFTER_ACTIVATION, false);
        Mlp net = new Mlp(cfg, Seeds.rng(5, "init"));
        Parameters p = net.parameters();
        Parameters.Tensor k = p.tensor("dense0/kernel");
        double limit = Math.sqrt(6.0 / 400), sq = 0, max = 0;
        for (int i = 0; i < k.size(); i++) {
            float v = p.get(k.offset() + i);
            sq += v * v;
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max <= limit, "Glorot bound");
        assertEquals(limit * limit / 3, sq / k.size(), 0.05 * limit * limit / 3, "uniform variance l²/3");
        Parameters.Tensor s = p.tensor("layernorm0/scale"), b = p.tensor("dense0/bias");
        for (int i = 0; i < 300; i++) {
            assertEquals(1f, p.get(s.offset() + i));
            assertEquals(0f, p.get(b.offset() + i));
        }
        assertEquals(100 * 300 + 300 + 300 + 300 + 300 * 50 + 50, net.parameterCount());
    }

    @Test
    void lecunNormalHeadHasFanInVariance() {
        MlpConfig cfg = new MlpConfig(10, new int[] {400}, 200, Activation.GELU, LayerNormPlacement.NONE, false,
                WeightInit.LECUN_NORMAL);
        Parameters p = new Mlp(cfg, Seeds.rng(9)).parameters();
        Parameters.Tensor k = p.tensor("dense1/kernel");
        double sq = 0, max = 0;
        for (int i = 0; i < k.size(); i++) {
            sq += p.get(k.offset() + i) * p.get(k.offset() + i);
            max = Math.max(max, Math.abs(p.get(k.offset() + i)));
        }
        assertEquals(1.0 / 400, sq / k.size(), 0.05 / 400);
        assertTrue(max <= 2 * Math.sqrt(1.0 / 400) / 0.87962566103423978 + 1e-7, "truncated at 2 sigma");
    }

    @Test
    void badShapesAreRejectedWithClearMessages() {
        Mlp net = new Mlp(MlpConfig.of(4, new int[] {8}, 2, Activation.RELU), Seeds.rng(1));
        Mlp.Tape tape = net.newTape(4);
        var e = assertThrows(IllegalArgumentException.class, () -> net.forward(tape, new float[7], 2));
        assertTrue(e.getMessage().contains("x has 7 values, expected at least 8"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> net.forward(tape, new float[40], 5));
        assertTrue(e.getMessage().contains("capacity"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> net.backward(net.newTape(2), new float[4], null, new float[8]));
        e = assertThrows(IllegalArgumentException.class,
                () -> new MlpConfig(4, new int[] {8, 0}, 2, Activation.RELU, LayerNormPlacement.NONE, false));
        assertTrue(e.getMessage().contains("hidden[1]"), e.getMessage());
        Mlp other = new Mlp(MlpConfig.of(4, new int[] {8}, 2, Activation.RELU), Seeds.rng(2));
        net.forward(tape, new float[16], 4);
        e = assertThrows(IllegalArgumentException.class,
                () -> net.backward(tape, new float[8], other.newGradients(), null));
        assertTrue(e.getMessage().contains("different parameter block"), e.getMessage());
    }
}
