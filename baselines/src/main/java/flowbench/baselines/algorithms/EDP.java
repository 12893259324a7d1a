package flowbench.baselines.algorithms;

import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.flow.EulerSampler;
import flowbench.baselines.flow.TimeEmbedding;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.Adam;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Checkpoint;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.WeightInit;
import flowbench.baselines.rl.ActionCritic;
import flowbench.baselines.rl.IqlCritic;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.ChunkBatch;
import flowbench.harness.data.GoalConfig;
import flowbench.harness.protocol.Configs;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * EDP (Kang et al. 2023), flow version, as the QGF repository trains it (qgf.md section 6.2): a BC flow whose training
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
public final class EDP implements Algorithm<EDP.Config> {

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
    public record Config(int[] actorHidden, int[] criticHidden, Activation activation, int batchSize,
                         double actorLearningRate, double criticLearningRate, double valueLearningRate, int flowSteps,
                         int horizon, double discount, int numQs, double expectile, double targetTau, double bcCoef,
                         QGF.MaskSource maskSource, GoalConfig goals) {
        public Config {
            if (actorHidden == null || actorHidden.length == 0) throw new IllegalArgumentException("edp: actorHidden must list at least one width");
            if (criticHidden == null || criticHidden.length == 0) throw new IllegalArgumentException("edp: criticHidden must list at least one width");
            actorHidden = actorHidden.clone();
            criticHidden = criticHidden.clone();
            if (activation == null) throw new IllegalArgumentException("edp: activation must be set");
            if (batchSize < 1) throw new IllegalArgumentException("edp: batchSize must be >= 1, got " + batchSize);
            if (!(actorLearningRate > 0 && criticLearningRate > 0 && valueLearningRate > 0)) {
                throw new IllegalArgumentException("edp: learning rates must be > 0, got " + actorLearningRate + ", "
                        + criticLearningRate + ", " + valueLearningRate);
            }
            if (flowSteps < 1) throw new IllegalArgumentException("edp: flowSteps must be >= 1, got " + flowSteps);
            if (horizon < 1) throw new IllegalArgumentException("edp: horizon must be >= 1, got " + horizon);
            if (!(discount >= 0 && discount < 1)) throw new IllegalArgumentException("edp: discount must be in [0, 1), got " + discount);
            if (!(bcCoef >= 0)) throw new IllegalArgumentException("edp: bcCoef must be >= 0, got " + bcCoef);
            if (maskSource == null) throw new IllegalArgumentException("edp: maskSource must be TERMINALS or DATASET");
            if (goals == null) throw new IllegalArgumentException("edp: goals must be set");
        }

        @Override
        public int[] actorHidden() {
            return actorHidden.clone();
        }

        @Override
        public int[] criticHidden() {
            return criticHidden.clone();
        }

        /**
         * QGF launch-script settings (qgf.md §3.4): 4×1024, batch 1024, γ 0.999, H 5, N 10, lr 3e-4, 2 Q heads, τ_e 0.9,
         * τ 0.005; λ = 100 (the cube-triple value of the EDP sweep 100 / 300 / 300 / 30; PointMaze is not in it).
         */
        public static Config paper() {
            return new Config(new int[] {1024, 1024, 1024, 1024}, new int[] {1024, 1024, 1024, 1024}, Activation.GELU,
                    1024, 3e-4, 3e-4, 3e-4, 10, 5, 0.999, 2, 0.9, 0.005, 100, QGF.MaskSource.TERMINALS,
                    GoalConfig.defaults());
        }

        /** QGF's cpu sizing (3×256, batch 256, γ 0.99, H 5); λ = 100 as {@link #paper}. One flow pass plus one VJP. */
        public static Config cpu() {
            return new Config(new int[] {256, 256, 256}, new int[] {256, 256, 256}, Activation.GELU, 256, 3e-4, 3e-4,
                    3e-4, 10, 5, 0.99, 2, 0.9, 0.005, 100, QGF.MaskSource.TERMINALS, GoalConfig.defaults());
        }

        /** This config with other sizes, horizon and λ (tests). */
        public Config withTraining(int[] actor, int[] critic, int batch, double lr, int h, double lambda) {
            return new Config(actor, critic, activation, batch, lr, lr, lr, flowSteps, h, discount, numQs, expectile,
                    targetTau, lambda, maskSource, goals);
        }

        IqlCritic.Config criticConfig() {
            return new IqlCritic.Config(criticHidden, activation, LayerNormPlacement.BEFORE_ACTIVATION, numQs, expectile,
                    discount, horizon, targetTau, criticLearningRate, valueLearningRate);
        }

        GoalConfig goalConfig() {
            return goals.withDiscount(discount);
        }

        // arrays make the generated equals/hashCode/toString identity-based; compare the JSON form instead
        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && Configs.toJson(this).equals(Configs.toJson(c));
        }

        @Override
        public int hashCode() {
            return Configs.toJson(this).hashCode();
        }

        @Override
        public String toString() {
            return "EDP.Config" + Configs.toJson(this);
        }
    }

    @Override
    public String name() {
        return "edp";
    }

    @Override
    public String paper() {
        return "Kang, Ma, Du, Pang, Yan, Efficient Diffusion Policies for Offline RL (NeurIPS 2023), flow version of the QGF repo";
    }

    @Override
    public String family() {
        return "training-time";
    }

    @Override
    public String description() {
        return "EDP (flow): BC flow trained with -min Q(s, clip(a_t + (1-t) v)) + lambda * BC, IQL critic; acts with "
                + "plain Euler sampling of the trained flow.";
    }

    @Override
    public Class<Config> configType() {
        return Config.class;
    }

    @Override
    public Config defaultConfig(String profile) {
        return switch (profile) {
            case "paper" -> Config.paper();
            case "cpu" -> Config.cpu();
            default -> throw new IllegalArgumentException("edp: unknown profile '" + profile + "', expected paper or cpu");
        };
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new EdpLearner(config, context);
    }

    static final class EdpLearner implements Learner {
        private final Config cfg;
        private final OfflineBatches train;
        private final OfflineBatches validation;
        private final boolean goalConditioned;
        private final int condDim;
        private final int chunkDim;
        private final int batch;
        final VelocityField field;
        private final Adam adam;
        private final Gradients grads;
        private final Mlp.Tape tape;
        private final IqlCritic critic;
        private Mlp.Tape actTape;
        private final float[] rewards;
        private final float[] masks;
        private final float[] valid;

        EdpLearner(Config cfg, AgentContext ctx) {
            this.cfg = cfg;
            this.batch = cfg.batchSize();
            this.train = new OfflineBatches(ctx, ctx.train(), batch, cfg.horizon(), cfg.discount(), cfg.goalConfig());
            this.validation = ctx.validation() == null ? null
                    : new OfflineBatches(ctx, ctx.validation(), batch, cfg.horizon(), cfg.discount(), cfg.goalConfig());
            this.goalConditioned = train.goalConditioned();
            this.condDim = train.condDim();
            this.chunkDim = cfg.horizon() * ctx.train().actionDim();
            MlpConfig actor = new MlpConfig(1, cfg.actorHidden(), 1, cfg.activation(),
                    LayerNormPlacement.BEFORE_ACTIVATION_EXCEPT_LAST, false, WeightInit.LECUN_NORMAL);
            this.field = new VelocityField(condDim, chunkDim, TimeEmbedding.SINUSOIDAL16, actor,
                    Seeds.rng(ctx.seed(), "init", "velocity"));
            this.adam = new Adam(AdamConfig.of(cfg.actorLearningRate()), field.network());
            this.grads = field.network().newGradients();
            this.tape = field.network().newTape(batch);
            this.actTape = field.network().newTape(batch);
            this.critic = new IqlCritic(condDim, chunkDim, cfg.criticConfig(), batch, Seeds.rng(ctx.seed(), "init", "iql"));
            this.rewards = new float[batch];
            this.masks = new float[batch];
            this.valid = new float[batch];
        }

        private void labels(OfflineBatches source) {
            ChunkBatch b = source.batch();
            b.lastRewards(rewards);
            b.lastValid(valid);
            if (source.goalConditioned() || cfg.maskSource() == QGF.MaskSource.DATASET) {
                b.lastMasks(masks);
            } else {
                // QUIRK (QGF loader, qgf.md §2.2): m = 1 − terminals of the chunk's last step
                float[] term = b.terminals();
                int h = b.horizon();
                for (int i = 0; i < b.batchSize(); i++) masks[i] = 1f - term[i * h + h - 1];
            }
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
            float hi = (float) (1 - 1e-5); // QGF loader clip (qgf.md §2.1)
            for (int i = 0; i < actions.length; i++) actions[i] = Math.max(-hi, Math.min(hi, actions[i]));
            float[] x0 = new float[batch * chunkDim];
            actorRng.fillGaussian(x0);
            float[] t = new float[batch];
            for (int b = 0; b < batch; b++) t[b] = (float) actorRng.nextInt(cfg.flowSteps() + 1) / cfg.flowSteps();
            grads.zero();
            double[] l = actorLoss(train.actorConditioning(), actions, x0, t, batch, critic.targetMin(), grads);
            adam.step(grads);
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
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put("edp", new Policy() {
                @Override
                public int chunkLength() {
                    return cfg.horizon();
                }

                @Override
                public float[] act(float[] observations, float[] goals, int n, Rng rng) {
                    float[] c = OfflineBatches.policyConditioning(goalConditioned, observations, goals, n);
                    if (actTape.capacity() < n) actTape = field.network().newTape(n);
                    return EulerSampler.sample(field, actTape, c, n, cfg.flowSteps(), rng);
                }
            });
            return p;
        }

        private Checkpoint checkpoint() {
            Checkpoint ck = new Checkpoint().add("velocity", field.network()).add("velocity_adam", adam);
            return critic.addTo(ck, "iql_");
        }

        @Override
        public void save(Path dir) throws IOException {
            checkpoint().write(dir.resolve("edp.bin"));
        }

        @Override
        public void load(Path dir) throws IOException {
            checkpoint().read(dir.resolve("edp.bin"));
        }

        @Override
        public long parameterCount() {
            return field.network().parameterCount() + critic.parameterCount();
        }
    }
}
