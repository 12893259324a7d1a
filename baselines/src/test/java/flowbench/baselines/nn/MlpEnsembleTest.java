package flowbench.baselines.nn;

import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MlpEnsembleTest {
    static final MlpConfig CRITIC = new MlpConfig(7, new int[] {18, 18}, 1, Activation.GELU,
            LayerNormPlacement.AFTER_ACTIVATION, false);

    static MlpEnsemble perturbed(int k, long seed) {
        MlpEnsemble e = new MlpEnsemble(CRITIC, k, Seeds.rng(seed, "init"));
        Rng r = Seeds.rng(seed, "perturb");
        for (int i = 0; i < e.parameters().size(); i++) {
            e.parameters().set(i, e.parameters().get(i) + (float) (0.3 * r.nextGaussian()));
        }
        return e;
    }

    @Test
    void membersAreIndependentlyInitialised() {
        MlpEnsemble e = new MlpEnsemble(CRITIC, 3, Seeds.rng(1));
        Parameters p = e.parameters();
        int k0 = p.tensor("member0/dense0/kernel").offset(), k1 = p.tensor("member1/dense0/kernel").offset();
        assertEquals(e.memberOffset(1), k1);
        boolean differ = false;
        for (int i = 0; i < 7 * 18; i++) differ |= p.get(k0 + i) != p.get(k1 + i);
        assertTrue(differ, "members must not share an initialisation");
        assertEquals(3 * new Mlp(CRITIC, Seeds.rng(1)).parameterCount(), e.parameterCount());
    }

    @Test
    void forwardAndBackwardMatchFiniteDifferences() {
        int k = 3, batch = 4;
        MlpEnsemble e = perturbed(k, 5);
        Rng r = Seeds.rng(6);
        float[] x = new float[batch * 7], w = new float[k * batch];
        r.fillGaussian(x);
        r.fillGaussian(w);
        MlpEnsemble.Tape tape = e.newTape(batch);
        float[] y = e.forward(tape, x, batch).clone();
        Parameters params = e.parameters();
        double[] p = Reference.toDouble(params.toArray()), xd = Reference.toDouble(x);
        for (int m = 0; m < k; m++) {
            double[] ym = Reference.forward(CRITIC, params, "member" + m + "/", p, xd, batch, null);
            for (int b = 0; b < batch; b++) assertEquals(ym[b], y[m * batch + b], 1e-4 * (1 + Math.abs(ym[b])));
        }
        Gradients g = e.newGradients();
        g.zero();
        float[] dX = new float[x.length];
        e.backward(tape, w, g, dX);
        Reference.Objective f = (pp, xx, signs) -> {
            double s = 0;
            for (int m = 0; m < k; m++) {
                double[] ym = Reference.forward(CRITIC, params, "member" + m + "/", pp, xx, batch, signs);
                for (int b = 0; b < batch; b++) s += ym[b] * w[m * batch + b];
            }
            return s;
        };
        List<String> failures = new ArrayList<>();
        Reference.checkGradient("ensemble dθ", f, p, xd, false, g.toArray(), 2e-4, 2e-3, failures);
        Reference.checkGradient("ensemble dx (summed over members)", f, p, xd, true, dX, 2e-4, 2e-3, failures);
        assertTrue(failures.isEmpty(), String.join("\n", failures));

        // per-member backward: gradients only in that member's slice, dX of that member alone; members sum to the total
        float[] sum = new float[x.length];
        Gradients gm = e.newGradients();
        gm.zero();
        for (int m = 0; m < k; m++) {
            float[] wk = java.util.Arrays.copyOfRange(w, m * batch, (m + 1) * batch);
            float[] dXk = new float[x.length];
            e.backwardMember(tape, m, wk, gm, dXk);
            for (int i = 0; i < sum.length; i++) sum[i] += dXk[i];
            if (m == 0) {
                float[] ga = gm.toArray();
                for (int i = e.memberOffset(1); i < ga.length; i++) assertEquals(0f, ga[i], "member 0 only");
            }
        }
        float[] gAll = g.toArray(), gSep = gm.toArray();
        for (int i = 0; i < gAll.length; i++) assertEquals(gAll[i], gSep[i], 1e-6 * (1 + Math.abs(gAll[i])));
        for (int i = 0; i < sum.length; i++) assertEquals(dX[i], sum[i], 1e-5 * (1 + Math.abs(dX[i])));
    }

    @Test
    void copyIsExactAndIndependent() {
        MlpEnsemble e = perturbed(2, 8);
        MlpEnsemble t = e.copy();
        assertArrayEquals(e.parameters().toArray(), t.parameters().toArray());
        float[] x = new float[2 * 7];
        Seeds.rng(1).fillGaussian(x);
        assertArrayEquals(e.forward(e.newTape(2), x, 2), t.forward(t.newTape(2), x, 2));
        t.parameters().set(0, t.parameters().get(0) + 1f);
        assertNotEquals(e.parameters().get(0), t.parameters().get(0));
        assertFalse(java.util.Arrays.equals(e.forward(e.newTape(2), x, 2), t.forward(t.newTape(2), x, 2)),
                "changing a parameter must reach the (lazily synchronised) native copy");
    }
}
