package flowbench.baselines.algorithms;

import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.flow.EulerSampler;
import flowbench.baselines.flow.FlowMatching;
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
import flowbench.baselines.rl.TdCritic;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.GoalConfig;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * FAWAC, advantage-weighted flow matching (qam.md section 2.7).
 *
 * <ul>
 *   <li>TD critic (section 0.2) with a' = clip(ODE(v_θ, s'_H, z));</li>
 *   <li>V(c) (one MLP, post-activation LayerNorm) regresses the TARGET critic at the data action, member by member,
 *       SARSA-like: {@code L_V = mean_{k,b} (Q̄_k(c, a_data) − V(c))²·v};</li>
 *   <li>actor: flow matching weighted per row by w = min(exp(β·(mean_k Q_k(c, a_data) − V(c))), 100) (current critic
 *       and V frozen): {@code mean_b [w_b·mean_d (v_θ − u)²·v_b]};</li>
 *   <li>acting: one clipped ODE sample.</li>
 * </ul>
 * One Adam over critic, value and actor, no clipping.
 */
public final class FAWAC implements Algorithm<FAWAC.Config> {

    /**
     * @param actorHidden  hidden widths of v_β and μ
     * @param criticHidden hidden widths of each critic member
     * @param activation   hidden activation (GELU, tanh approximation)
     * @param batchSize    B
     * @param learningRate Adam learning rate (constant)
     * @param numQs        K critic members
     * @param rho          pessimism ρ of the TD target aggregate
     * @param tau          Polyak rate of the target critic
     * @param flowSteps    Euler steps N of the BC flow ODE
     * @param horizon      action chunk length H
     * @param invTemp      β of the advantage weights ({@code inv_temp})
     * @param maxWeight    cap of the advantage weights (100)
     * @param goals        discount γ (its {@code discount}) and hindsight goal sampling for goal-conditioned tasks
     */
    public record Config(int[] actorHidden, int[] criticHidden, Activation activation, int batchSize, double learningRate,
                         int numQs, double rho, double tau, int flowSteps, int horizon, double invTemp, double maxWeight, GoalConfig goals) {
        public Config {
            if (actorHidden == null || actorHidden.length == 0) throw new IllegalArgumentException("fawac: actorHidden must list at least one width");
            if (criticHidden == null || criticHidden.length == 0) throw new IllegalArgumentException("fawac: criticHidden must list at least one width");
            actorHidden = actorHidden.clone();
            criticHidden = criticHidden.clone();
            if (batchSize < 1) throw new IllegalArgumentException("fawac: batchSize must be >= 1, got " + batchSize);
            if (!(learningRate > 0)) throw new IllegalArgumentException("fawac: learningRate must be > 0, got " + learningRate);
            if (flowSteps < 1) throw new IllegalArgumentException("fawac: flowSteps must be >= 1, got " + flowSteps);
            if (horizon < 1) throw new IllegalArgumentException("fawac: horizon must be >= 1, got " + horizon);
            if (!(invTemp >= 0)) throw new IllegalArgumentException("fawac: invTemp must be >= 0, got " + invTemp);
            if (!(maxWeight > 0)) throw new IllegalArgumentException("fawac: maxWeight must be > 0, got " + maxWeight);
            if (goals == null) throw new IllegalArgumentException("fawac: goals must be set");
            new TdCritic.Config(criticHidden, activation, LayerNormPlacement.AFTER_ACTIVATION, numQs, rho, tau);
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
         * Reference defaults (qam.md sections 2.7, 4, 6): 4×512 nets (V too), B 256, K 10, ρ 0.5, τ 0.005, N 10, H 1,
         * weight cap 100; β = 6.4 from the antmaze-large column (the maze domain closest to PointMaze; the agent's own
         * default is 10).
         */
        public static Config paper() {
            return new Config(new int[] {512, 512, 512, 512}, new int[] {512, 512, 512, 512}, Activation.GELU, 256, 3e-4,
                    10, 0.5, 0.005, 10, 1, 6.4, 100, GoalConfig.defaults());
        }

        /**
         * Sized for minutes on 2 cores: 2×128 nets, K = 4, B = 64 (as the other cpu profiles); a step runs one ODE
         * sample for the TD target. Otherwise as {@link #paper()}.
         */
        public static Config cpu() {
            return new Config(new int[] {128, 128}, new int[] {128, 128}, Activation.GELU, 64, 3e-4, 4, 0.5, 0.005, 10, 1,
                    6.4, 100, GoalConfig.defaults());
        }

        public Config withInvTemp(double b) {
            return new Config(actorHidden, criticHidden, activation, batchSize, learningRate, numQs, rho, tau, flowSteps,
                    horizon, b, maxWeight, goals);
        }

        TdCritic.Config criticConfig() {
            return new TdCritic.Config(criticHidden, activation, LayerNormPlacement.AFTER_ACTIVATION, numQs, rho, tau);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && Arrays.equals(actorHidden, c.actorHidden) && Arrays.equals(criticHidden, c.criticHidden)
                    && Arrays.equals(fields(), c.fields());
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(actorHidden) * 961 + Arrays.hashCode(criticHidden) * 31 + Arrays.hashCode(fields());
        }

        private Object[] fields() {
            return new Object[] {activation, batchSize, learningRate, numQs, rho, tau, flowSteps, horizon, invTemp, maxWeight, goals};
        }

        @Override
        public String toString() {
            return "FAWAC.Config[actorHidden=" + Arrays.toString(actorHidden) + ", criticHidden=" + Arrays.toString(criticHidden)
                    + ", " + Arrays.toString(fields()) + "]";
        }
    }

    @Override
    public String name() {
        return "fawac";
    }

    @Override
    public String paper() {
        return "Advantage-weighted flow matching (AWR/AWAC-style weights on the flow BC loss), the FAWAC baseline of "
                + "Park et al., Flow Q-Learning (ICML 2025)";
    }

    @Override
    public String family() {
        return "training-time";
    }

    @Override
    public String description() {
        return "Flow matching weighted by exp(beta * advantage) from a TD critic and a SARSA value; one ODE sample to act.";
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
            default -> throw new IllegalArgumentException("fawac: unknown profile '" + profile + "', expected paper or cpu");
        };
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new FawacLearner(config, context);
    }

    static final class FawacLearner implements Learner {
        private final Config cfg;
        private final int batch;
        private final OfflineBatches train;
        private final OfflineBatches validation;
        private final int chunkDim;
        private final double discountH;
        private final TdCritic critic;
        private final Mlp value;
        private final VelocityField flow;
        private final Gradients criticGrads;
        private final Gradients valueGrads;
        private final Gradients flowGrads;
        private final Adam adam;
        private final FlowMatching bc;
        private final Mlp.Tape flowTape;
        private final Mlp.Tape valueTape;
        private Mlp.Tape actTape;
        private final float[] nextActions;
        private final float[] y;
        private final float[] rewards;
        private final float[] masks;
        private final float[] valid;
        private final float[] weights;

        FawacLearner(Config cfg, AgentContext ctx) {
            this.cfg = cfg;
            this.batch = cfg.batchSize();
            GoalConfig g = cfg.goals();
            this.train = new OfflineBatches(ctx, ctx.train(), batch, cfg.horizon(), g.discount(), g);
            this.validation = ctx.validation() == null ? null
                    : new OfflineBatches(ctx, ctx.validation(), batch, cfg.horizon(), g.discount(), g);
            int condDim = train.condDim();
            this.chunkDim = cfg.horizon() * ctx.train().actionDim();
            this.discountH = Math.pow(g.discount(), cfg.horizon());
            long seed = ctx.seed();
            this.critic = new TdCritic(condDim, chunkDim, cfg.criticConfig(), batch, Seeds.rng(seed, "init", "critic"));
            this.value = new Mlp(new MlpConfig(condDim, cfg.criticHidden(), 1, cfg.activation(),
                    LayerNormPlacement.AFTER_ACTIVATION, false), Seeds.rng(seed, "init", "value"));
            MlpConfig actorNet = new MlpConfig(1, cfg.actorHidden(), 1, cfg.activation(), LayerNormPlacement.NONE, false);
            this.flow = new VelocityField(condDim, chunkDim, TimeEmbedding.RAW, actorNet, Seeds.rng(seed, "init", "actor"));
            this.criticGrads = critic.network().newGradients();
            this.valueGrads = value.newGradients();
            this.flowGrads = flow.network().newGradients();
            this.adam = new Adam(AdamConfig.of(cfg.learningRate()), critic.network(), value, flow.network());
            this.bc = new FlowMatching(flow, batch);
            this.flowTape = flow.network().newTape(batch);
            this.valueTape = value.newTape(batch);
            this.nextActions = new float[batch * chunkDim];
            this.y = new float[batch];
            this.rewards = new float[batch];
            this.masks = new float[batch];
            this.valid = new float[batch];
            this.weights = new float[batch];
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            criticGrads.zero();
            valueGrads.zero();
            flowGrads.zero();
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("critic_loss", criticLoss(train, rng, criticGrads));
            // the actor's weights read the current critic and V before anyone's step (all losses from one state)
            double meanW = advantageWeights(train.valueConditioning(), train.batch().actions());
            m.put("value_loss", valueLoss(train.valueConditioning(), train.batch().actions(), valid, valueGrads));
            m.put("actor_loss", bc.loss(flowTape, train.actorConditioning(), train.batch().actions(), weights,
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, flowGrads));
            m.put("adv_weight_mean", meanW);
            adam.step(criticGrads, valueGrads, flowGrads);
            critic.polyakUpdate();
            return m;
        }

        /** TD loss with a' = clip(ODE(s'_H, z)); fills {@code valid}. */
        private double criticLoss(OfflineBatches ob, Rng rng, Gradients grads) {
            ob.batch().lastRewards(rewards);
            ob.batch().lastMasks(masks);
            ob.batch().lastValid(valid);
            System.arraycopy(EulerSampler.sample(flow, flowTape, ob.nextValueConditioning(), batch, cfg.flowSteps(), rng), 0,
                    nextActions, 0, nextActions.length);
            critic.targets(rewards, masks, discountH, ob.nextValueConditioning(), nextActions, batch, y);
            return critic.loss(ob.valueConditioning(), ob.batch().actions(), y, valid, batch, grads);
        }

        /** weights_b = min(exp(β·(mean_k Q_k − V)), cap)·v_b (current critic); returns the mean uncapped-by-v weight. */
        private double advantageWeights(float[] cond, float[] actions) {
            float[] qk = critic.forward(false, cond, actions, batch);
            int k = critic.members();
            float[] v = value.forward(valueTape, cond, batch);
            double sum = 0;
            for (int b = 0; b < batch; b++) {
                double mean = 0;
                for (int j = 0; j < k; j++) mean += qk[j * batch + b];
                mean /= k;
                double w = Math.min(Math.exp(cfg.invTemp() * (mean - v[b])), cfg.maxWeight());
                sum += w / batch;
                weights[b] = (float) w * valid[b];
            }
            return sum;
        }

        /** L_V = mean_{k,b}(Q̄_k − V)²·w_b; dL/dV_b = −2·w_b·Σ_k(Q̄_kb − V_b)/(K·B). */
        double valueLoss(float[] cond, float[] actions, float[] w, Gradients grads) {
            float[] qk = critic.forward(true, cond, actions, batch);
            int k = critic.members();
            float[] v = value.forward(valueTape, cond, batch);
            float[] dV = new float[batch];
            double loss = 0;
            for (int b = 0; b < batch; b++) {
                double g = 0;
                for (int j = 0; j < k; j++) {
                    double u = qk[j * batch + b] - v[b];
                    loss += u * u * w[b];
                    g += u;
                }
                dV[b] = (float) (-2 * w[b] * g / ((double) k * batch));
            }
            if (grads != null) value.backward(valueTape, dV, grads, null);
            return loss / ((double) k * batch);
        }

        Mlp valueForTests() {
            return value;
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("critic_loss", criticLoss(validation, rng, null));
            m.put("value_loss", valueLoss(validation.valueConditioning(), validation.batch().actions(), valid, null));
            m.put("bc_flow_loss", bc.loss(flowTape, validation.actorConditioning(), validation.batch().actions(), valid,
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            return m;
        }

        @Override
        public Map<String, Policy> policies() {
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put("fawac", new Policy() {
                @Override
                public int chunkLength() {
                    return cfg.horizon();
                }

                @Override
                public float[] act(float[] observations, float[] goals, int n, Rng rng) {
                    if (actTape == null || actTape.capacity() < n) actTape = flow.network().newTape(n);
                    return EulerSampler.sample(flow, actTape, OfflineBatches.policyConditioning(train.goalConditioned(), observations, goals, n), n,
                            cfg.flowSteps(), rng);
                }
            });
            return p;
        }

        private Checkpoint checkpoint() {
            return new Checkpoint().add("critic", critic.network()).add("target_critic", critic.targetNetwork())
                    .add("value", value).add("actor", flow.network()).add("adam", adam);
        }

        @Override
        public void save(Path dir) throws IOException {
            checkpoint().write(dir.resolve("fawac.bin"));
        }

        @Override
        public void load(Path dir) throws IOException {
            checkpoint().read(dir.resolve("fawac.bin"));
        }

        @Override
        public long parameterCount() {
            return critic.network().parameterCount() + value.parameterCount() + flow.network().parameterCount();
        }
    }

}
