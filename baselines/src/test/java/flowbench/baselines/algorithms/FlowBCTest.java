package flowbench.baselines.algorithms;

import flowbench.baselines.flow.FlowMatching;
import flowbench.baselines.flow.TimeEmbedding;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.Parameters;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.Dataset;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowBCTest {

    private static FlowBC.Config small(int horizon) {
        return new FlowBC.Config(List.of(64, 64), Activation.GELU, LayerNormPlacement.NONE, 64, 3e-3, 10, horizon,
                0.99, TimeEmbedding.RAW, FlowMatching.TimeSampling.UNIFORM, true, 1.0, 0.0, true);
    }

    /** The flow-matching loss gradient (hand-written dL/dv) against central finite differences of the loss itself. */
    @Test
    void flowMatchingLossGradientMatchesFiniteDifferences() {
        for (TimeEmbedding emb : TimeEmbedding.values()) {
            VelocityField field = new VelocityField(3, 4, emb,
                    new MlpConfig(1, new int[] {8, 8}, 1, Activation.GELU, LayerNormPlacement.AFTER_ACTIVATION, false),
                    new Rng(1));
            int batch = 5;
            FlowMatching fm = new FlowMatching(field, batch);
            Rng data = new Rng(2);
            float[] cond = new float[batch * 3];
            float[] act = new float[batch * 4];
            float[] w = {1, 0, 1, 1, 0.5f};
            data.fillGaussian(cond);
            data.fillGaussian(act);
            Mlp.Tape tape = field.network().newTape(batch);
            Gradients g = field.network().newGradients();
            g.zero();
            fm.loss(tape, cond, act, w, FlowMatching.TimeSampling.UNIFORM, 10, new Rng(3), g);
            Parameters p = field.network().parameters();
            float[] grad = g.toArray();
            float eps = 1e-2f;
            int checked = 0;
            for (int i = 0; i < p.size(); i += Math.max(1, p.size() / 40)) {
                float orig = p.get(i);
                p.set(i, orig + eps);
                double up = fm.loss(tape, cond, act, w, FlowMatching.TimeSampling.UNIFORM, 10, new Rng(3), null);
                p.set(i, orig - eps);
                double down = fm.loss(tape, cond, act, w, FlowMatching.TimeSampling.UNIFORM, 10, new Rng(3), null);
                p.set(i, orig);
                double fd = (up - down) / (2 * eps);
                assertEquals(fd, grad[i], 2e-3 + 2e-2 * Math.abs(fd), emb + " parameter " + i);
                checked++;
            }
            assertTrue(checked > 20);
        }
    }

    @Test
    void sinusoidalEmbeddingMatchesQgfFormula() {
        float[] out = new float[16];
        TimeEmbedding.SINUSOIDAL16.embed(0.3f, out, 0);
        double u = 10000.0 * (double) 0.3f;
        for (int j = 0; j < 8; j++) {
            double f = Math.exp(-Math.log(10000) * j / 8);
            assertEquals(Math.cos(u * f), out[j], 1e-5);
            assertEquals(Math.sin(u * f), out[8 + j], 1e-5);
        }
    }

    /** Known answer: BC on a 30/70 bimodal behaviour puts ~30% / ~70% of its samples on the two modes. */
    @Test
    void reproducesBimodalBehaviourDistribution() {
        Dataset data = ToyTasks.bimodal(20, 100, 0.7, 11);
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), data, 5);
        Learner learner = new FlowBC().create(small(1), ctx);
        for (int s = 0; s < 1500; s++) learner.update(s, Seeds.rng(5, "train", s));
        Policy policy = learner.policies().get("flow-bc");
        int n = 2000;
        float[] obs = new float[n];
        java.util.Arrays.fill(obs, 0.5f);
        float[] a = policy.act(obs, new float[0], n, new Rng(99));
        int plus = 0, minus = 0, between = 0;
        for (float x : a) {
            if (Math.abs(x - 0.6) < 0.25) plus++;
            else if (Math.abs(x + 0.6) < 0.25) minus++;
            else between++;
        }
        double pPlus = plus / (double) n;
        assertEquals(0.7, pPlus, 0.07, "mass on the +0.6 mode");
        assertEquals(0.3, minus / (double) n, 0.07, "mass on the -0.6 mode");
        assertTrue(between < 0.1 * n, "samples between the modes: " + between);
    }

    @Test
    void goalConditionedPolicyTakesObservationAndGoal() {
        Dataset data = ToyTasks.bimodal(5, 40, 0.5, 3);
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.GOAL_CONDITIONED, 1, 1), data, 8);
        Learner l = new FlowBC().create(small(3), ctx);
        Map<String, Double> m = l.update(0, new Rng(0));
        assertTrue(Double.isFinite(m.get("bc_flow_loss")));
        float[] chunk = l.policies().get("flow-bc").act(new float[] {0.1f, 0.2f}, new float[] {0.3f, 0.4f}, 2, new Rng(1));
        assertEquals(2 * 3, chunk.length, "batch x (H * actionDim)");
        for (float x : chunk) assertTrue(x >= -1 && x <= 1);
        // velocity input = obs (1) + goal (1) + chunk (3) + raw t (1) = 6 columns; output = chunk (3)
        assertEquals(6 * 64 + 64 + 64 * 64 + 64 + 64 * 3 + 3, l.parameterCount());
    }
}
