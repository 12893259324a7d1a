package flowbench.baselines.algorithms;

import flowbench.baselines.common.BaselineAlgorithm;
import flowbench.baselines.common.ConfigChecks;
import flowbench.baselines.common.ConfigRecords;
import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.common.OfflineLearner;
import flowbench.baselines.common.QgfLoader;
import flowbench.baselines.flow.TimeEmbedding;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.WeightInit;
import flowbench.baselines.rl.ActionCritic;
import flowbench.baselines.rl.IqlCritic;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.GoalSampling;
import flowbench.harness.rng.Rng;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;

/**
 * EDP (Kang et al. 2023), flow version, as the QGF repository trains it (docs/qgf.md section 6.2): a BC flow whose training
 * loss also maximises the critic at the one-step clean-action estimate.
 *
 * <pre>
 *   x_0 ~ N(0, I), t ~ U{0, 1/N, …, 1} (QGF's discrete grid), x_t = (1 − t)·x_0 + t·a, u = a − x_0, v = v_θ(c, x_t, t)
 *   â = clip(x_t + (1 − t)·v, −1, 1)
 *   L = −mean_b min_i Q̄_i(c, â) + λ · mean_b mean_d (v − u)²
 * </pre>
 * The gradient flows through v_θ (the QGF one-step estimate, but in training), through the clip (zero outside
 * [−1, 1]) and through the arg-min head of the TARGET IQL critic; the BC and Q terms share x_t and t (one forward pass).
 * Critic: {@link IqlCritic} as QGF (2 heads, expectile V, own Adams). Architecture and loader as QGF (LayerNorm before
 * GELU except on the last hidden layer, 16-dim sinusoidal time, LeCun-normal output, actions clipped to ±(1 − 1e−5),
 * mask QUIRK m = 1 − terminals by default). Acting: plain Euler sampling of the trained flow, clipped.
 */
public final class EDP extends BaselineAlgorithm<EDP.Config> {

    /**
     * @param actorHidden        velocity-field widths
     * @param criticHidden       Q and V widths
     * @param activation         hidden activation
     * @param batchSize          B
     * @param actorLearningRate  flow Adam step size
     * @param criticLearningRate Q Adam step size
     * @param valueLearningRate  V Adam step size
     * @param flowSteps          N
     * @param horizon            H
     * @param discount           γ
     * @param numQs              Q heads
     * @param expectile          IQL τ_e
     * @param targetTau          Polyak rate of Q̄
     * @param bcCoef             λ, weight of the BC term
     * @param maskSource         TERMINALS (QGF loader QUIRK, default) or DATASET
     * @param goals              hindsight goal sampling (discount replaced by {@code discount})
     */
    public record Config(List<Integer> actorHidden, List<Integer> criticHidden, Activation activation, int batchSize,
                         double actorLearningRate, double criticLearningRate, double valueLearningRate, int flowSteps,
                         int horizon, double discount, int numQs, double expectile, double targetTau, double bcCoef,
                         QGF.MaskSource maskSource, GoalSampling goals) {
        public Config {
            ConfigChecks check = new ConfigChecks("edp");
            actorHidden = check.widths("actorHidden", actorHidden);
            criticHidden = check.widths("criticHidden", criticHidden);
            check.set("activation", activation);
            check.atLeast("batchSize", batchSize, 1);
            check.positive("actorLearningRate", actorLearningRate);
            check.positive("criticLearningRate", criticLearningRate);
            check.positive("valueLearningRate", valueLearningRate);
            check.atLeast("flowSteps", flowSteps, 1);
            check.atLeast("horizon", horizon, 1);
            check.discount("discount", discount);
            check.nonNegative("bcCoef", bcCoef);
            check.set("maskSource", maskSource, "TERMINALS or DATASET");
            check.set("goals", goals);
        }

        /**
         * QGF launch-script settings (docs/qgf.md §3.4): 4×1024, batch 1024, γ 0.999, H 5, N 10, lr 3e-4, 2 Q heads, τ_e 0.9,
         * τ 0.005; λ = 100 (the cube-triple value of the EDP sweep 100 / 300 / 300 / 30; PointMaze is not in it).
         */
        public static Config paper() {
            return new Config(List.of(1024, 1024, 1024, 1024), List.of(1024, 1024, 1024, 1024), Activation.GELU,
                    1024, 3e-4, 3e-4, 3e-4, 10, 5, 0.999, 2, 0.9, 0.005, 100, QGF.MaskSource.TERMINALS,
                    GoalSampling.defaults());
        }

        /** QGF's cpu sizing (3×256, batch 256, γ 0.99, H 5); λ = 100 as {@link #paper}. One flow pass plus one VJP. */
        public static Config cpu() {
            return new Config(List.of(256, 256, 256), List.of(256, 256, 256), Activation.GELU, 256, 3e-4, 3e-4,
                    3e-4, 10, 5, 0.99, 2, 0.9, 0.005, 100, QGF.MaskSource.TERMINALS, GoalSampling.defaults());
        }

        /** This config with other sizes, horizon and λ (tests). */
        public Config withTraining(int[] actor, int[] critic, int batch, double lr, int h, double lambda) {
            return ConfigRecords.with(this, "actorHidden", actor, "criticHidden", critic, "batchSize", batch,
                    "actorLearningRate", lr, "criticLearningRate", lr, "valueLearningRate", lr, "horizon", h, "bcCoef", lambda);
        }

        IqlCritic.Config criticConfig() {
            return new IqlCritic.Config(ConfigChecks.ints(criticHidden), activation, LayerNormPlacement.BEFORE_ACTIVATION, numQs, expectile,
                    discount, horizon, targetTau, criticLearningRate, valueLearningRate);
        }

    }

    public EDP() {
        super("edp", "training-time",
                "Kang, Ma, Du, Pang, Yan, Efficient Diffusion Policies for Offline RL (NeurIPS 2023), flow "
                        + "version of the QGF repo",
                "EDP (flow): BC flow trained with -min Q(s, clip(a_t + (1-t) v)) + lambda * BC, IQL critic; "
                        + "acts with plain Euler sampling of the trained flow.",
                Config.class, Config::paper, Config::cpu);
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new EdpLearner(config, context);
    }

    static final class EdpLearner extends OfflineLearner {
        private final Config cfg;
        final VelocityField field;
        private final Mlp.Tape tape;
        private final IqlCritic critic;
        private final float[] rewards;
        private final float[] masks;
        private final float[] valid;

        EdpLearner(Config cfg, AgentContext ctx) {
            super("edp", ctx, cfg.batchSize(), cfg.horizon(), cfg.discount(), cfg.goals());
            this.cfg = cfg;
            MlpConfig actor = new MlpConfig(1, ConfigChecks.ints(cfg.actorHidden()), 1, cfg.activation(),
                    LayerNormPlacement.BEFORE_ACTIVATION_EXCEPT_LAST, false, WeightInit.LECUN_NORMAL);
            this.field = new VelocityField(condDim, chunkDim, TimeEmbedding.SINUSOIDAL16, actor, initRng("velocity"));
            modules.train("velocity", field.network());
            modules.optimise("velocity_adam", AdamConfig.of(cfg.actorLearningRate()));
            this.tape = field.network().newTape(batch);
            this.critic = new IqlCritic(condDim, chunkDim, cfg.criticConfig(), batch, initRng("iql"));
            modules.part("iql_", critic::addTo, critic::parameterCount);
            this.rewards = new float[batch];
            this.masks = new float[batch];
            this.valid = new float[batch];
        }

        private void labels(OfflineBatches source) {
            QgfLoader.labels(source, cfg.maskSource() == QGF.MaskSource.TERMINALS, rewards, masks, valid);
        }

        /**
         * The EDP actor loss for given x_0 and t; accumulates dL/dθ into {@code g} when non-null.
         *
         * @return {−mean_b Q(c, â), mean_b mean_d (v − u)²} (the total is the first plus λ times the second)
         */
        double[] actorLoss(float[] cond, float[] actions, float[] x0, float[] t, int n, ActionCritic q, Gradients g) {
            int nd = n * chunkDim;
            float[] xt = new float[nd];
            for (int b = 0; b < n; b++) {
                for (int j = b * chunkDim; j < (b + 1) * chunkDim; j++) xt[j] = (1f - t[b]) * x0[j] + t[b] * actions[j];
            }
            float[] v = field.forward(tape, cond, xt, t, n);
            float[] hat = new float[nd];
            boolean[] inside = new boolean[nd];
            double bc = 0;
            float[] dV = new float[nd];
            float bcScale = (float) (2 * cfg.bcCoef() / nd);
            for (int b = 0; b < n; b++) {
                for (int j = b * chunkDim; j < (b + 1) * chunkDim; j++) {
                    float raw = xt[j] + (1f - t[b]) * v[j];
                    inside[j] = raw >= -1f && raw <= 1f;
                    hat[j] = Math.max(-1f, Math.min(1f, raw));
                    float diff = v[j] - (actions[j] - x0[j]);
                    bc += (double) diff * diff;
                    dV[j] = bcScale * diff;
                }
            }
            bc /= nd;
            float[] qv = new float[n];
            float[] gq = g == null ? null : new float[nd];
            q.evaluate(cond, hat, n, qv, gq);
            double qMean = 0;
            for (int b = 0; b < n; b++) qMean += qv[b];
            qMean /= n;
            if (g != null) {
                for (int b = 0; b < n; b++) {
                    for (int j = b * chunkDim; j < (b + 1) * chunkDim; j++) {
                        if (inside[j]) dV[j] -= (1f - t[b]) * gq[j] / n;
                    }
                }
                field.backward(tape, dV, g, null);
            }
            return new double[] {-qMean, bc};
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            Rng batchRng = rng.split();
            Rng actorRng = rng.split();
            train.sample(batchRng);
            float[] actions = train.batch().actions();
            QgfLoader.clipActions(actions);
            float[] x0 = new float[batch * chunkDim];
            actorRng.fillGaussian(x0);
            float[] t = new float[batch];
            for (int b = 0; b < batch; b++) t[b] = (float) actorRng.nextInt(cfg.flowSteps() + 1) / cfg.flowSteps();
            modules.zeroGrads();
            double[] l = actorLoss(train.actorConditioning(), actions, x0, t, batch, critic.targetMin(),
                    modules.grads(field.network()));
            modules.step();
            labels(train);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("actor_q_loss", l[0]);
            m.put("bc_flow_loss", l[1]);
            m.put("actor_loss", l[0] + cfg.bcCoef() * l[1]);
            m.putAll(critic.update(train.valueConditioning(), actions, train.nextValueConditioning(), rewards, masks, valid,
                    batch));
            return m;
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            labels(validation);
            return new LinkedHashMap<>(critic.losses(validation.valueConditioning(), validation.batch().actions(),
                    validation.nextValueConditioning(), rewards, masks, valid, batch));
        }

        @Override
        public Map<String, Policy> policies() {
            return Map.of("edp", odePolicy(field, cfg.flowSteps()));
        }
    }
}
