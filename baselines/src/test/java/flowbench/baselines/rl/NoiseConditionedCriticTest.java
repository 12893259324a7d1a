package flowbench.baselines.rl;

import flowbench.baselines.flow.TimeEmbedding;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.Parameters;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NoiseConditionedCriticTest {
    static MlpConfig hidden(int... h) {
        return new MlpConfig(1, h, 1, Activation.GELU, LayerNormPlacement.BEFORE_ACTIVATION, false);
    }

    /** ∇_{a_t} Q_rob(c, a_t, t) (input VJP sliced past the conditioning) against central differences. */
    @Test
    void actionGradientMatchesFiniteDifferences() {
        NoiseConditionedCritic c = new NoiseConditionedCritic(2, 3, TimeEmbedding.SINUSOIDAL16, hidden(16, 16), 3e-4, 8,
                new Rng(1));
        Parameters p = c.network().parameters();
        Rng r = new Rng(2);
        for (int i = 0; i < p.size(); i++) p.set(i, p.get(i) + (float) (0.2 * r.nextGaussian()));
        int b = 4;
        float[] cond = new float[b * 2], a = new float[b * 3];
        r.fillGaussian(cond);
        r.fillGaussian(a);
        float[] g = new float[b * 3], vp = new float[b], vm = new float[b];
        c.evaluate(cond, a, 0.3f, b, null, g);
        float eps = 1e-2f;
        for (int i = 0; i < a.length; i++) {
            float keep = a[i];
            a[i] = keep + eps;
            c.evaluate(cond, a, 0.3f, b, vp, null);
            a[i] = keep - eps;
            c.evaluate(cond, a, 0.3f, b, vm, null);
            a[i] = keep;
            double fd = (vp[i / 3] - (double) vm[i / 3]) / (2 * eps);
            assertEquals(fd, g[i], 1e-3 + 1e-2 * Math.abs(fd), "coordinate " + i);
        }
    }

    /**
     * Known answer: clean actions a ~ U[−1, 1], target = a. At t → 1 the input is the clean action, so Q_rob ≈ a; at t = 0
     * the input is pure noise, independent of the target, so the MSE optimum is E[target] = 0 whatever a_0 is.
     */
    @Test
    void regressesCleanValueAtDataEndAndMeanAtNoiseEnd() {
        int b = 128;
        NoiseConditionedCritic c = new NoiseConditionedCritic(1, 1, TimeEmbedding.SINUSOIDAL16, hidden(64, 64), 1e-3, b,
                new Rng(4));
        float[] cond = new float[b], a = new float[b];
        java.util.Arrays.fill(cond, 0.5f);
        for (int step = 0; step < 2500; step++) {
            Rng rng = Seeds.rng(4, "data", step);
            for (int i = 0; i < b; i++) a[i] = (float) rng.uniform(-1, 1);
            c.update(cond, a, a, b, Seeds.rng(4, "noise", step));
        }
        double maxClean = 0, maxNoise = 0;
        float[] v = new float[1];
        for (double x = -0.9; x <= 0.9 + 1e-9; x += 0.1) {
            c.evaluate(new float[] {0.5f}, new float[] {(float) x}, 0.98f, 1, v, null);
            maxClean = Math.max(maxClean, Math.abs(v[0] - x));
            c.evaluate(new float[] {0.5f}, new float[] {(float) (2 * x)}, 0f, 1, v, null);
            maxNoise = Math.max(maxNoise, Math.abs(v[0]));
        }
        System.out.printf("RobustQ critic: max |Q_rob(a, t=0.98) - a| %.3f, max |Q_rob(eps, t=0)| %.3f%n", maxClean, maxNoise);
        assertTrue(maxClean < 0.12, "t = 0.98: " + maxClean);
        assertTrue(maxNoise < 0.12, "t = 0: " + maxNoise);
    }
}
