package flowbench.baselines.algorithms;

import flowbench.baselines.flow.DdpmSampler;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Module;
import flowbench.baselines.nn.Parameters;
import flowbench.baselines.rl.ActionCritic;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.data.Dataset;
import flowbench.harness.env.TaskMode;
import flowbench.harness.protocol.Configs;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** QSM and DAC (one learner, {@link Dcgql}): gradients, resume, configs, goal-conditioned use. */
class DcgqlTest {

    static QSM.Config smallQsm() {
        return QSM.Config.cpu().withTraining(new int[] {24, 24}, new int[] {32, 32}, 2, 16, 1e-3);
    }

    static DAC.Config smallDac() {
        return DAC.Config.cpu().withTraining(new int[] {24, 24}, new int[] {32, 32}, 2, 16, 1e-3);
    }

    private static AgentContext banditContext(Bandits b, int episodes, long seed) {
        return ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, b.d), b.dataset(episodes, seed), seed);
    }

    /**
     * α·bc + (qsm | dac) as a function of the network output ε_θ: the hand-written ∂/∂ε_θ against central differences
     * in double, with an invalid row, for both the reference's {@code ** valid} and the product (same gradient).
     */
    @Test
    void actorLossGradientWithRespectToTheNetworkOutputMatchesFiniteDifferences() {
        int n = 4, d = 3;
        Rng r = new Rng(1);
        float[] pred = new float[n * d], eps = new float[n * d], g = new float[n * d];
        r.fillGaussian(pred);
        r.fillGaussian(eps);
        r.fillGaussian(g);
        float[] scale = {0.3f, 0.7f, 0.9f, 0.99f};
        float[] valid = {1, 0, 1, 1};
        for (Dcgql.LossType type : Dcgql.LossType.values()) {
            for (boolean power : new boolean[] {true, false}) {
                double beta = 2.5, alpha = 0.7;
                float[] dEps = new float[n * d];
                double[] l = Dcgql.actorLoss(type, pred, eps, g, scale, valid, beta, alpha, power, n, d, dEps);
                // the invalid row contributes 1 to each mean under ** valid, 0 under * valid
                double[] lp = Dcgql.actorLoss(type, pred, eps, g, scale, valid, beta, alpha, !power, n, d, null);
                assertEquals(power ? 0.25 : -0.25, (l[0] - lp[0]), 1e-6, type + " bc offset of the invalid row");
                for (int i = 0; i < n * d; i++) {
                    float keep = pred[i];
                    double h = 1e-3;
                    pred[i] = (float) (keep + h);
                    double[] up = Dcgql.actorLoss(type, pred, eps, g, scale, valid, beta, alpha, power, n, d, null);
                    pred[i] = (float) (keep - h);
                    double[] down = Dcgql.actorLoss(type, pred, eps, g, scale, valid, beta, alpha, power, n, d, null);
                    pred[i] = keep;
                    double fd = (alpha * (up[0] - down[0]) + (up[1] - down[1])) / ((float) (keep + h) - (float) (keep - h));
                    assertEquals(fd, dEps[i], 1e-4 + 1e-3 * Math.abs(fd), type + " power=" + power + " coordinate " + i);
                    if (valid[i / d] == 0) assertEquals(0.0, dEps[i], 0.0, type + ": invalid rows get no gradient");
                }
            }
        }
    }

    /**
     * The whole actor loss through a_t, the critic gradient (here the exact bandit critic, so g is known in closed
     * form) and all three noise-network modules, against central differences of the parameters.
     */
    @Test
    void actorLossParameterGradientMatchesFiniteDifferences() {
        AgentContext ctx = banditContext(Bandits.D2, 50, 2);
        ActionCritic q = Bandits.D2.exactCritic();
        for (Learner created : new Learner[] {new QSM().create(smallQsm().withWeights(2, 0.5), ctx),
                new DAC().create(smallDac().withAlpha(0.5), ctx)}) {
            Dcgql.DcgqlLearner l = (Dcgql.DcgqlLearner) created;
            int n = 5;
            float[] cond = new float[n];
            float[] act = {0.9f, -0.2f, 0.3f, 0.4f, -0.7f, 0.1f, 0.0f, 0.99f, -0.5f, -0.5f};
            float[] eps = new float[n * 2];
            new Rng(3).fillGaussian(eps);
            int[] t = {1, 4, 10, 4, 7};
            float[] valid = {1, 1, 0, 1, 1};
            Gradients[] g = l.actor.newGradients();
            for (Gradients gi : g) gi.zero();
            double[] base = l.actorLoss(cond, act, t, eps, valid, n, q, g);
            assertTrue(Double.isFinite(base[2]));
            List<Module> mods = l.actor.modules();
            int checked = 0;
            for (int k = 0; k < 3; k++) {
                Parameters p = mods.get(k).parameters();
                float[] grad = g[k].toArray();
                for (int i = 0; i < p.size(); i += Math.max(1, p.size() / 20)) {
                    float keep = p.get(i);
                    float h = k == 0 ? 1e-3f : 1e-2f; // the Fourier phase 2π·t·w moves fast in w
                    p.set(i, keep + h);
                    double up = l.actorLoss(cond, act, t, eps, valid, n, q, null)[2];
                    p.set(i, keep - h);
                    double down = l.actorLoss(cond, act, t, eps, valid, n, q, null)[2];
                    p.set(i, keep);
                    double fd = (up - down) / ((keep + h) - (keep - h));
                    assertEquals(fd, grad[i], 2e-3 + 3e-2 * Math.abs(fd), l.s.type() + " module " + k + " parameter " + i);
                    checked++;
                }
            }
            assertTrue(checked > 40);
        }
    }

    /** g = ∇_a mean_k Q̄_k(s, a) as the actor loss reads it (target critic view) vs central differences. */
    @Test
    void criticActionGradientMatchesFiniteDifferences() {
        AgentContext ctx = banditContext(Bandits.D2, 100, 4);
        Dcgql.DcgqlLearner l = (Dcgql.DcgqlLearner) new QSM().create(smallQsm(), ctx);
        for (int s = 0; s < 30; s++) l.update(s, Seeds.rng(4, "train", s)); // target ≠ init, LayerNorm scales ≠ 1
        ActionCritic q = l.critic.target();
        int n = 3;
        float[] c = new float[n];
        float[] a = {0.2f, -0.4f, 0.8f, 0.1f, -0.9f, 0.5f};
        float[] g = new float[n * 2];
        float[] v = new float[n];
        q.evaluate(c, a, n, v, g);
        float[] qk = l.critic.forward(true, c, a, n).clone();
        for (int b = 0; b < n; b++) {
            double mean = 0;
            for (int k = 0; k < 2; k++) mean += qk[k * n + b] / 2;
            assertEquals(mean, v[b], 1e-6, "ensemble mean of the target critic");
        }
        for (int i = 0; i < a.length; i++) {
            float keep = a[i];
            float h = 1e-2f;
            float[] vu = new float[n], vd = new float[n];
            a[i] = keep + h;
            q.evaluate(c, a, n, vu, null);
            a[i] = keep - h;
            q.evaluate(c, a, n, vd, null);
            a[i] = keep;
            double fd = (vu[i / 2] - vd[i / 2]) / (2 * h);
            assertEquals(fd, g[i], 2e-3 + 2e-2 * Math.abs(fd), "dQ/da[" + i + "]");
        }
    }

    private static Learner create(String name, AgentContext ctx) {
        return name.equals("qsm") ? new QSM().create(smallQsm(), ctx) : new DAC().create(smallDac(), ctx);
    }

    @Test
    void configsRoundTripThroughJsonAndRejectBadValues() {
        QSM.Config q = QSM.Config.paper();
        assertEquals(q, Configs.merge(new QSM(), "paper", Map.of()));
        assertEquals(10, q.invTemp());
        assertEquals(10, q.alpha());
        assertEquals(DdpmSampler.X0Step.JUMP_TO_X0, q.x0Step());
        assertTrue(q.clipSamplerAfter());
        DAC.Config d = DAC.Config.paper();
        assertEquals(d, Configs.merge(new DAC(), "paper", Map.of()));
        assertEquals(0.3, d.alpha());
        assertEquals(DdpmSampler.X0Step.CLIPPED_POSTERIOR, d.x0Step());
        DAC.Config o = Configs.merge(new DAC(), "cpu", Map.of("x0Step", "POSTERIOR", "actorHidden", "[64,64,64]"));
        assertEquals(DdpmSampler.X0Step.POSTERIOR, o.x0Step());
        assertEquals(List.of(64, 64, 64), o.actorHidden());
        var e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(new QSM(), "cpu", Map.of("timeDim", "7")));
        assertTrue(e.getMessage().contains("timeDim"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(new DAC(), "cpu", Map.of("alpha", "-1")));
        assertTrue(e.getMessage().contains("alpha"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new QSM().defaultConfig("gpu"));
        assertTrue(e.getMessage().contains("paper or cpu"), e.getMessage());
        assertTrue(Configs.keys(QSM.Config.class).contains("invTemp"));
        assertTrue(!Configs.keys(DAC.Config.class).contains("invTemp"), "DAC has no inverse temperature");
    }

    /** Paper sizes: 4×512 noise network with 64 Fourier features, 10 critics; the count adds up module by module. */
    @Test
    void paperProfileParameterCount() {
        AgentContext ctx = banditContext(Bandits.D1, 10, 1);
        Learner l = new QSM().create(QSM.Config.paper(), ctx);
        int d = 1, s = 1, w = 512;
        long time = 32;
        long cond = (64L * w + w) + 2L * (w * w + w) + (w * w + w);
        long rev = ((long) (d + s + w) * w + w) + 3L * (w * w + w) + (w * d + d);
        long criticMember = ((long) (s + d) * w + 3L * w) + 3L * (w * w + 3L * w) + (w + 1);
        assertEquals(time + cond + rev + 10 * criticMember, l.parameterCount());
    }
}
