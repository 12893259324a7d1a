package flowbench.baselines.algorithms;

import flowbench.baselines.nn.Module;
import flowbench.baselines.nn.Parameters;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.Learner;
import flowbench.harness.data.Dataset;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import flowbench.harness.spi.AlgorithmProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QAMTest {
    static QAM.Config small(QAM.Variant v, int horizon) {
        return QAM.Config.cpu(v).withTraining(new int[] {16, 16}, new int[] {16, 16}, 3, 16, 1e-3).withHorizon(horizon);
    }

    @Test
    void registeredUnderThreeNamesWithVariantDefaults() {
        Map<String, Algorithm<?>> byName = new HashMap<>();
        for (AlgorithmProvider p : ServiceLoader.load(AlgorithmProvider.class)) {
            for (Algorithm<?> a : p.algorithms()) byName.put(a.name(), a);
        }
        for (String n : List.of("qam", "qam-f", "qam-e")) assertTrue(byName.containsKey(n), n);
        QAM.Config qam = ((QAM) byName.get("qam")).defaultConfig("paper");
        QAM.Config f = ((QAM) byName.get("qam-f")).defaultConfig("paper");
        QAM.Config e = ((QAM) byName.get("qam-e")).defaultConfig("paper");
        assertEquals(0, qam.fqlAlpha());
        assertEquals(0, qam.editScale());
        assertTrue(f.fqlAlpha() > 0 && f.editScale() == 0);
        assertTrue(e.editScale() > 0 && e.fqlAlpha() == 0);
        // docs/qam.md §1.8 / §4 reference values
        assertEquals(List.of(512, 512, 512, 512), qam.actorHidden());
        assertEquals(10, qam.numQs());
        assertEquals(1.0, qam.clipGradNorm());
        assertEquals(0.5, qam.rho());
        assertEquals(10, qam.flowSteps());
        assertEquals(256, qam.batchSize());
        assertThrows(IllegalArgumentException.class, () -> byName.get("qam").defaultConfig("gpu"));
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> new QAM.Config(
                qam.actorHidden(), qam.criticHidden(), qam.activation(), 256, 3e-4, 1, 10, 0.5, 0.99, 0.005, 10, 1, 1,
                30, 0.1, 0.5, true, true, true, qam.lastStep(), qam.adjointRecursion(), qam.goals()));
        assertTrue(both.getMessage().contains("at most one"), both.getMessage());
    }

    /** Every variant, chunked (H = 2), single-task and goal-conditioned: finite metrics, clipped chunks of H·A. */
    @Test
    void allVariantsTrainAndActInBothModes() {
        for (QAM.Variant v : QAM.Variant.values()) {
            for (TaskMode mode : TaskMode.values()) {
                Dataset data = ToyTasks.bimodal(6, 40, 0.5, 3);
                AgentContext ctx = ToyTasks.context(ToyTasks.task(mode, 1, 1), data, 8);
                Learner l = new QAM(v).create(small(v, 2), ctx);
                Map<String, Double> m = null;
                for (int s = 0; s < 3; s++) m = l.update(s, Seeds.rng(8, "train", s));
                for (Map.Entry<String, Double> e : m.entrySet()) assertTrue(Double.isFinite(e.getValue()), v + " " + e);
                for (String key : List.of("critic_loss", "bc_flow_loss", "am_loss", "grad_norm")) assertTrue(m.containsKey(key), key);
                if (v == QAM.Variant.QAM_F) assertTrue(m.containsKey("distill_loss"));
                if (v == QAM.Variant.QAM_E) assertTrue(m.containsKey("edit_alpha"));
                float[] goals = mode == TaskMode.GOAL_CONDITIONED ? new float[] {0.1f, 0.2f, 0.3f} : new float[0];
                for (String p : List.of("qam", "flow-bc")) {
                    float[] chunk = l.policies().get(p).act(new float[] {0.5f, 0.4f, 0.3f}, goals, 3, new Rng(1));
                    assertEquals(3 * 2, chunk.length, v + " " + mode + " " + p);
                    for (float x : chunk) assertTrue(x >= -1 && x <= 1);
                    assertEquals(2, l.policies().get(p).chunkLength());
                }
                assertTrue(l.validate(new Rng(3)).isEmpty(), "no validation split in this context");
            }
        }
    }

    /**
     * QAM-F: the hand-written gradient of L_q + α·L_distill in the one-step actor's parameters against central
     * differences of that loss (exact critic, same noise for every evaluation).
     */
    @Test
    void oneStepActorGradientMatchesFiniteDifferences() {
        QAM.QamLearner l = learnerWithExactCritic(QAM.Variant.QAM_F);
        float[] cond = new float[16];
        Map<String, Double> m = l.variantTermsOnly(cond, new Rng(5));
        float[] grad = l.gradientsOf(l.oneStepActor()).toArray();
        checkFd(l.oneStepActor(), grad, () -> l.variantTermsOnly(cond, new Rng(5)).get("total"), "one-step");
        assertTrue(m.get("distill_loss") > 0);
    }

    /**
     * QAM-E: the gradient of L_eq + L_ent (α a constant) in the edit policy's parameters against central differences,
     * and dL_α/d log α = α·(−mean log π − H_target) with H_target = −0.5·D.
     */
    @Test
    void editPolicyAndTemperatureGradientsMatch() {
        QAM.QamLearner l = learnerWithExactCritic(QAM.Variant.QAM_E);
        float[] cond = new float[16];
        Map<String, Double> m = l.variantTermsOnly(cond, new Rng(6));
        List<Module> mods = l.editPolicy().modules();
        for (int i = 0; i < mods.size(); i++) {
            float[] grad = l.gradientsOf(mods.get(i)).toArray();
            checkFd(mods.get(i), grad, () -> l.variantTermsOnly(cond, new Rng(6)).get("edit_actor_loss"), "edit module " + i);
        }
        m = l.variantTermsOnly(cond, new Rng(6)); // the FD loop left gradients of perturbed parameters behind
        double alpha = m.get("edit_alpha");
        double entropy = m.get("edit_entropy");
        double expect = alpha * (entropy - (-0.5 * 1)); // D = 1: H_target = −0.5
        assertEquals(expect, l.gradientsOf(l.logAlpha()).get(0), 1e-5);
        assertEquals(expect, m.get("alpha_loss"), 1e-6);
    }

    private static QAM.QamLearner learnerWithExactCritic(QAM.Variant v) {
        Dataset data = Bandits.D1.dataset(200, 2);
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), data, 4);
        QAM.QamLearner l = new QAM.QamLearner(small(v, 1), ctx, Bandits.D1.exactCritic());
        for (int s = 0; s < 5; s++) l.update(s, new Rng(s));
        return l;
    }

    private static void checkFd(Module mod, float[] grad, java.util.function.DoubleSupplier loss, String what) {
        Parameters p = mod.parameters();
        float h = 1e-2f;
        int checked = 0;
        for (int i = 0; i < p.size(); i += Math.max(1, p.size() / 30)) {
            float orig = p.get(i);
            p.set(i, orig + h);
            double up = loss.getAsDouble();
            p.set(i, orig - h);
            double down = loss.getAsDouble();
            p.set(i, orig);
            double fd = (up - down) / (2 * h);
            assertEquals(fd, grad[i], 2e-3 + 2e-2 * Math.abs(fd), what + " parameter " + i);
            checked++;
        }
        assertTrue(checked >= 10, what);
    }

    /** Target critic and target actor_slow start as exact copies and follow θ̄ ← τθ + (1 − τ)θ̄ after every step. */
    @Test
    void targetsArePolyakAveragedEveryStep() {
        Dataset data = Bandits.D1.dataset(200, 2);
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), data, 4);
        QAM.QamLearner l = new QAM.QamLearner(small(QAM.Variant.QAM, 1), ctx, null);
        Parameters critic = l.critic().network().parameters(), criticT = l.critic().targetNetwork().parameters();
        Parameters slow = l.slowField().network().parameters(), slowT = l.slowTargetField().network().parameters();
        assertArrayEquals(critic.toArray(), criticT.toArray());
        assertArrayEquals(slow.toArray(), slowT.toArray());
        for (int s = 0; s < 3; s++) {
            float[] ct = criticT.toArray(), st = slowT.toArray();
            l.update(s, new Rng(s));
            float[] c = critic.toArray(), sl = slow.toArray();
            float[] ct2 = criticT.toArray(), st2 = slowT.toArray();
            for (int i = 0; i < c.length; i++) assertEquals(0.005 * c[i] + 0.995 * ct[i], ct2[i], 1e-6);
            for (int i = 0; i < sl.length; i++) assertEquals(0.005 * sl[i] + 0.995 * st[i], st2[i], 1e-6);
            assertFalse(java.util.Arrays.equals(c, ct2), "the target lags the online critic");
        }
    }
}
