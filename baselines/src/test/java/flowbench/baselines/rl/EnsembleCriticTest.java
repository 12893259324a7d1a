package flowbench.baselines.rl;

import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.MlpEnsemble;
import flowbench.baselines.nn.Parameters;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnsembleCriticTest {
    static final int COND = 3, ACT = 4, B = 6;

    /** A 2-member critic with parameters moved off their init so both members, LN and biases are non-trivial. */
    static MlpEnsemble randomEnsemble(long seed, int members) {
        MlpEnsemble e = new MlpEnsemble(new MlpConfig(COND + ACT, new int[] {16, 16}, 1, Activation.GELU,
                LayerNormPlacement.BEFORE_ACTIVATION, false), members, Seeds.rng(seed, "init"));
        Rng r = Seeds.rng(seed, "perturb");
        Parameters p = e.parameters();
        for (int i = 0; i < p.size(); i++) p.set(i, p.get(i) + (float) (0.2 * r.nextGaussian()));
        return e;
    }

    static float[] gaussian(int n, long seed) {
        float[] a = new float[n];
        new Rng(seed).fillGaussian(a);
        return a;
    }

    /** Per-member value and input gradient, through the ensemble's own single-member backward. */
    static float[][] memberGradients(MlpEnsemble e, float[] cond, float[] a, float[] valuesOut) {
        float[] in = new float[B * (COND + ACT)];
        EnsembleCritic.assemble(cond, COND, a, ACT, B, in);
        MlpEnsemble.Tape tape = e.newTape(B);
        float[] q = e.forward(tape, in, B).clone();
        System.arraycopy(q, 0, valuesOut, 0, q.length);
        float[][] g = new float[e.members()][B * ACT];
        float[] ones = new float[B];
        java.util.Arrays.fill(ones, 1f);
        float[] dX = new float[B * (COND + ACT)];
        for (int k = 0; k < e.members(); k++) {
            e.backwardMember(tape, k, ones, null, dX);
            for (int b = 0; b < B; b++) System.arraycopy(dX, b * (COND + ACT) + COND, g[k], b * ACT, ACT);
        }
        return g;
    }

    /**
     * ∇_a of min over heads: central differences of Σ_b min_k Q_k (float32, ε = 1e-2; coordinates whose ±ε probes change
     * the arg-min are skipped), and each row's gradient is exactly the arg-min head's own input gradient.
     */
    @Test
    void minGradientMatchesFiniteDifferencesAndRoutesToArgMinHead() {
        MlpEnsemble e = randomEnsemble(3, 2);
        EnsembleCritic c = new EnsembleCritic(e, COND, EnsembleCritic.Aggregation.MIN);
        float[] cond = gaussian(B * COND, 1);
        float[] a = gaussian(B * ACT, 2);
        float[] v = new float[B];
        float[] g = new float[B * ACT];
        c.evaluate(cond, a, B, v, g);

        float[] q = new float[2 * B];
        float[][] gm = memberGradients(e, cond, a, q);
        int lowerFirst = 0;
        for (int b = 0; b < B; b++) {
            int arg = q[b] <= q[B + b] ? 0 : 1;
            if (arg == 0) lowerFirst++;
            assertEquals(Math.min(q[b], q[B + b]), v[b], 0f, "row " + b + " value is the min");
            for (int j = 0; j < ACT; j++) assertEquals(gm[arg][b * ACT + j], g[b * ACT + j], 0f, "row " + b + " routed");
        }
        assertTrue(lowerFirst > 0 && lowerFirst < B, "both heads are the minimum somewhere (" + lowerFirst + " of " + B + ")");

        float eps = 1e-2f;
        int compared = 0;
        double worst = 0;
        float[] vp = new float[B], vm = new float[B];
        for (int i = 0; i < a.length; i++) {
            float keep = a[i];
            a[i] = keep + eps;
            c.evaluate(cond, a, B, vp, null);
            boolean argP = argFirst(e, cond, a, i / ACT);
            a[i] = keep - eps;
            c.evaluate(cond, a, B, vm, null);
            boolean argM = argFirst(e, cond, a, i / ACT);
            a[i] = keep;
            if (argP != argM) continue;
            double fd = (sum(vp) - sum(vm)) / (2 * eps);
            worst = Math.max(worst, Math.abs(fd - g[i]) / (1e-3 + Math.abs(fd)));
            assertEquals(fd, g[i], 1e-3 + 1e-2 * Math.abs(fd), "coordinate " + i);
            compared++;
        }
        assertTrue(compared >= a.length - 2, "compared " + compared);
        System.out.printf("EnsembleCritic MIN FD check: %d coordinates, worst |fd-g|/(1e-3+|fd|) = %.2e%n", compared, worst);
    }

    private static boolean argFirst(MlpEnsemble e, float[] cond, float[] a, int row) {
        float[] q = new float[2 * B];
        memberGradients(e, cond, a, q);
        return q[row] <= q[B + row];
    }

    private static double sum(float[] x) {
        double s = 0;
        for (float f : x) s += f;
        return s;
    }

    /** Mean aggregation: (1/K) Σ_k ∇Q_k; and an exact tie of MIN splits the gradient equally (JAX's reduce-min rule). */
    @Test
    void meanGradientAndTieSplit() {
        MlpEnsemble e = randomEnsemble(5, 2);
        float[] cond = gaussian(B * COND, 3);
        float[] a = gaussian(B * ACT, 4);
        float[] q = new float[2 * B];
        float[][] gm = memberGradients(e, cond, a, q);
        float[] v = new float[B], g = new float[B * ACT];
        new EnsembleCritic(e, COND, EnsembleCritic.Aggregation.MEAN).evaluate(cond, a, B, v, g);
        for (int b = 0; b < B; b++) {
            assertEquals((q[b] + q[B + b]) / 2f, v[b], 1e-6f);
            for (int j = 0; j < ACT; j++) {
                int i = b * ACT + j;
                assertEquals(0.5f * (gm[0][i] + gm[1][i]), g[i], 1e-6f * (1 + Math.abs(g[i])));
            }
        }
        // member 1 := member 0, so every row ties
        Parameters p = e.parameters();
        int size = e.memberOffset(1);
        for (int i = 0; i < size; i++) p.set(size + i, p.get(i));
        float[] gt = new float[B * ACT];
        new EnsembleCritic(e, COND, EnsembleCritic.Aggregation.MIN).evaluate(cond, a, B, v, gt);
        float[][] gm2 = memberGradients(e, cond, a, q);
        for (int i = 0; i < gt.length; i++) {
            assertEquals(0.5f * gm2[0][i] + 0.5f * gm2[1][i], gt[i], 1e-6f * (1 + Math.abs(gt[i])));
        }
    }
}
