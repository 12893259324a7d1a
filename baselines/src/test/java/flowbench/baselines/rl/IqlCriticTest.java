package flowbench.baselines.rl;

import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Parameters;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IqlCriticTest {

    static IqlCritic.Config config(int[] hidden, double discount, int horizon, double lr) {
        return new IqlCritic.Config(hidden, Activation.GELU, LayerNormPlacement.BEFORE_ACTIVATION, 2, 0.9, discount, horizon,
                0.005, lr, lr);
    }

    /** Zero every parameter, then set the output bias: the network is the constant {@code bias}. */
    static void constant(Parameters p, String prefix, int layers, float bias) {
        for (int i = 0; i < p.size(); i++) p.set(i, 0f);
        p.set(p.tensor(prefix + "dense" + layers + "/bias").offset(), bias);
    }

    /**
     * Hand-computed losses. Q1 ≡ −3, Q2 ≡ −5 (online and target), γ = 0.9, H = 2 (γ^H = 0.81), R = (−1, −2, 0, −1.5),
     * m = (1, 0, 1, 1), valid = (1, 1, 0, 1).
     * <pre>
     * V ≡ −6: y = (−5.86, −2, −4.86, −6.36); L_Q = (2.86² + 1 + 3.36² + 0.86² + 9 + 1.36²)/8 = 32.0584/8 = 4.0073;
     *         u = min(Q̄) − V = −5 + 6 = 1 > 0, weight 0.9: L_V = 0.9·3/4 = 0.675
     * V ≡ −4: y = (−4.24, −2, −3.24, −4.74); L_Q = (1.24² + 1 + 1.74² + 0.76² + 9 + 0.26²)/8 = 15.2104/8 = 1.9013;
     *         u = −1 < 0, weight 0.1: L_V = 0.1·3/4 = 0.075
     * </pre>
     */
    @Test
    void lossesMatchHandComputedCase() {
        IqlCritic c = new IqlCritic(2, 1, config(new int[] {8}, 0.9, 2, 3e-4), 4, new Rng(1));
        setHeads(c.q().parameters(), -3f, -5f);
        setHeads(c.qTarget().parameters(), -3f, -5f);
        float[] cond = {0.1f, 0.2f, -0.3f, 0.4f, 0.5f, -0.6f, 0.7f, 0.8f};
        float[] act = {0.1f, -0.2f, 0.3f, -0.4f};
        float[] next = {0.9f, 0.1f, 0.2f, 0.3f, -0.4f, 0.5f, 0.6f, 0.7f};
        float[] r = {-1f, -2f, 0f, -1.5f};
        float[] m = {1f, 0f, 1f, 1f};
        float[] valid = {1f, 1f, 0f, 1f};
        assertEquals(0.81f, c.bootstrapFactor(), 1e-7f);

        constant(c.v().parameters(), "", 1, -6f);
        Map<String, Double> l = c.losses(cond, act, next, r, m, valid, 4);
        assertEquals(4.0073, l.get("critic_loss"), 1e-5);
        assertEquals(0.675, l.get("value_loss"), 1e-6);
        assertEquals(-4.0, l.get("q_mean"), 1e-6);
        for (int b = 0; b < 4; b++) assertEquals(-5f, c.lastTargetMinQ()[b], "min over the target heads");

        constant(c.v().parameters(), "", 1, -4f);
        l = c.losses(cond, act, next, r, m, valid, 4);
        assertEquals(1.9013, l.get("critic_loss"), 1e-5);
        assertEquals(0.075, l.get("value_loss"), 1e-6);
    }

    private static void setHeads(Parameters p, float q1, float q2) {
        for (int i = 0; i < p.size(); i++) p.set(i, 0f);
        p.set(p.tensor("member0/dense1/bias").offset(), q1);
        p.set(p.tensor("member1/dense1/bias").offset(), q2);
    }

    /**
     * The hand-written loss derivatives (dL_Q/dQ_i = 2·valid·(Q_i − y)/(K·B), dL_V/dV = −2·valid·w·u/B) pushed through
     * the networks: central differences of L_Q over Q's parameters and of L_V over V's parameters (float32 forward,
     * ε = 1e-2; the expectile loss is C¹ at u = 0).
     */
    @Test
    void parameterGradientsMatchFiniteDifferences() {
        int cd = 3, ad = 2, b = 16;
        IqlCritic c = new IqlCritic(cd, ad, config(new int[] {12, 12}, 0.99, 3, 3e-4), b, new Rng(7));
        Rng r = new Rng(8);
        for (Parameters p : new Parameters[] {c.q().parameters(), c.v().parameters()}) {
            for (int i = 0; i < p.size(); i++) p.set(i, p.get(i) + (float) (0.2 * r.nextGaussian()));
        }
        Parameters tp = c.qTarget().parameters();
        for (int i = 0; i < tp.size(); i++) tp.set(i, tp.get(i) + (float) (0.2 * r.nextGaussian()));
        float[] cond = gaussian(b * cd, r), act = gaussian(b * ad, r), next = gaussian(b * cd, r), rew = gaussian(b, r);
        float[] mask = new float[b], valid = new float[b];
        for (int i = 0; i < b; i++) {
            mask[i] = i % 3 == 0 ? 0f : 1f;
            valid[i] = i % 5 == 0 ? 0f : 1f;
        }
        Gradients gq = c.q().newGradients(), gv = c.v().newGradients();
        gq.zero();
        gv.zero();
        c.gradients(cond, act, next, rew, mask, valid, b, gq, gv);
        int[] counts = new int[2];
        double worst = 0;
        for (int which = 0; which < 2; which++) {
            Parameters p = which == 0 ? c.q().parameters() : c.v().parameters();
            float[] g = (which == 0 ? gq : gv).toArray();
            String key = which == 0 ? "critic_loss" : "value_loss";
            float eps = 1e-2f;
            for (int i = 0; i < p.size(); i += Math.max(1, p.size() / 60)) {
                float keep = p.get(i);
                p.set(i, keep + eps);
                double up = c.losses(cond, act, next, rew, mask, valid, b).get(key);
                p.set(i, keep - eps);
                double down = c.losses(cond, act, next, rew, mask, valid, b).get(key);
                p.set(i, keep);
                double fd = (up - down) / (2 * eps);
                assertEquals(fd, g[i], 2e-3 + 2e-2 * Math.abs(fd), key + " parameter " + i);
                worst = Math.max(worst, Math.abs(fd - g[i]));
                counts[which]++;
            }
        }
        assertTrue(counts[0] > 50 && counts[1] > 50);
        System.out.printf("IqlCritic FD check: %d Q and %d V parameters, worst |fd-g| = %.2e%n", counts[0], counts[1], worst);
    }

    static float[] gaussian(int n, Rng r) {
        float[] a = new float[n];
        r.fillGaussian(a);
        return a;
    }

    /** The 0.9-expectile of r(s, a) over a ~ U[−1, 1] (fixed point of τ-weighted mean, on a fine grid). */
    static double expectile(java.util.function.DoubleUnaryOperator f, double tau) {
        int n = 20001;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = f.applyAsDouble(-1 + 2.0 * i / (n - 1));
        double v = 0;
        for (int it = 0; it < 200; it++) {
            double num = 0, den = 0;
            for (double xi : x) {
                double w = xi < v ? 1 - tau : tau;
                num += w * xi;
                den += w;
            }
            v = num / den;
        }
        return v;
    }

    /**
     * Known answer on a contextual one-step bandit: s ~ U[−1, 1], behaviour a ~ U[−1, 1], r = s·a − a² + 0.5, every step
     * terminal (m = 0, so y = r). After training Q must match r and V the 0.9-expectile of r(s, ·) under the behaviour.
     */
    @Test
    void learnsBanditRewardAndExpectileValue() {
        int b = 128;
        IqlCritic c = new IqlCritic(1, 1, config(new int[] {64, 64}, 0.99, 1, 1e-3), b, new Rng(3));
        float[] s = new float[b], a = new float[b], r = new float[b], zero = new float[b], ones = new float[b];
        java.util.Arrays.fill(ones, 1f);
        for (int step = 0; step < 2500; step++) {
            Rng rng = Seeds.rng(3, "bandit", step);
            for (int i = 0; i < b; i++) {
                s[i] = (float) rng.uniform(-1, 1);
                a[i] = (float) rng.uniform(-1, 1);
                r[i] = s[i] * a[i] - a[i] * a[i] + 0.5f;
            }
            c.update(s, a, s, r, zero, ones, b);
        }
        EnsembleCritic online = new EnsembleCritic(c.q(), 1, EnsembleCritic.Aggregation.MIN);
        double maxErr = 0, sumErr = 0, maxVErr = 0, sumVErr = 0;
        int nv = 0;
        int n = 0;
        float[] qv = new float[1];
        for (double sv = -0.9; sv <= 0.9 + 1e-9; sv += 0.3) {
            for (double av = -0.9; av <= 0.9 + 1e-9; av += 0.1) {
                online.evaluate(new float[] {(float) sv}, new float[] {(float) av}, 1, qv, null);
                double err = Math.abs(qv[0] - (sv * av - av * av + 0.5));
                maxErr = Math.max(maxErr, err);
                sumErr += err;
                n++;
            }
            final double sc = sv;
            double target = expectile(x -> sc * x - x * x + 0.5, 0.9);
            float vv = c.v().forward(c.v().newTape(1), new float[] {(float) sv}, 1)[0];
            maxVErr = Math.max(maxVErr, Math.abs(vv - target));
            sumVErr += Math.abs(vv - target);
            nv++;
        }
        System.out.printf("IQL bandit: Q mean |err| %.4f max %.4f; V vs 0.9-expectile mean |err| %.4f max %.4f%n",
                sumErr / n, maxErr, sumVErr / nv, maxVErr);
        assertTrue(sumErr / n < 0.03, "mean |Q - r| " + sumErr / n);
        assertTrue(maxErr < 0.1, "max |Q - r| " + maxErr);
        // V keeps fluctuating by a few hundredths under Adam (seen with batch 128..512, lr 3e-4..1e-3); the bound still
        // separates the 0.9-expectile (0.38..0.53 here) from the mean reward 0.5 − 1/3 = 0.167 by a wide margin
        assertTrue(sumVErr / nv < 0.04, "mean |V - expectile| " + sumVErr / nv);
        assertTrue(maxVErr < 0.08, "max |V - expectile| " + maxVErr);
    }
}
