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
import flowbench.baselines.rl.BestOfN;
import flowbench.baselines.rl.EnsembleCritic;
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
 * IFQL, the flow version of IDQL (qam.md section 2.6): an in-sample IQL-style critic with a flow BC actor and
 * rejection sampling.
 *
 * <ul>
 *   <li>V(c): one MLP with post-activation LayerNorm, expectile regression
 *       {@code L_V = mean_b |κ − 1[q_b − V_b < 0]|·(q_b − V_b)²} on q = mean_k Q̄_k(c, a_data) − ρ·std_k Q̄_k (TARGET
 *       critic); not masked by chunk validity (as the reference);</li>
 *   <li>Q: {@code mean_{k,b} (Q_k(c, a_data) − (R + γ^H·m·V(c'_H)))²·v}, V frozen ({@link TdCritic#loss});</li>
 *   <li>actor: plain flow BC;</li>
 *   <li>acting: {@code numSamples} clipped ODE samples per observation, keep the argmax of min_k Q_k (current critic;
 *       QUIRK section 8.15: min here, the mean everywhere else). The reference handles one unbatched observation; this
 *       selects per row, which is the same thing done for each observation of a lockstep batch.</li>
 * </ul>
 * No policy samples enter training. One Adam over critic, value and actor, no clipping.
 */
public final class IFQL implements Algorithm<IFQL.Config> {

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
     * @param kappa        expectile κ of the value loss ({@code kappa})
     * @param numSamples   candidates per observation at acting time ({@code num_samples} = 32)
     * @param goals        discount γ (its {@code discount}) and hindsight goal sampling for goal-conditioned tasks
     */
    public record Config(int[] actorHidden, int[] criticHidden, Activation activation, int batchSize, double learningRate,
                         int numQs, double rho, double tau, int flowSteps, int horizon, double kappa, int numSamples, GoalConfig goals) {
        public Config {
            if (actorHidden == null || actorHidden.length == 0) throw new IllegalArgumentException("ifql: actorHidden must list at least one width");
            if (criticHidden == null || criticHidden.length == 0) throw new IllegalArgumentException("ifql: criticHidden must list at least one width");
            actorHidden = actorHidden.clone();
            criticHidden = criticHidden.clone();
            if (batchSize < 1) throw new IllegalArgumentException("ifql: batchSize must be >= 1, got " + batchSize);
            if (!(learningRate > 0)) throw new IllegalArgumentException("ifql: learningRate must be > 0, got " + learningRate);
            if (flowSteps < 1) throw new IllegalArgumentException("ifql: flowSteps must be >= 1, got " + flowSteps);
            if (horizon < 1) throw new IllegalArgumentException("ifql: horizon must be >= 1, got " + horizon);
            if (!(kappa > 0 && kappa < 1)) throw new IllegalArgumentException("ifql: kappa must be in (0, 1), got " + kappa);
            if (numSamples < 1) throw new IllegalArgumentException("ifql: numSamples must be >= 1, got " + numSamples);
            if (goals == null) throw new IllegalArgumentException("ifql: goals must be set");
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
         * Reference defaults (qam.md sections 2.6, 4, 6): 4×512 nets (V too), B 256, K 10, ρ 0.5, τ 0.005, N 10, H 1,
         * 32 samples; κ = 0.9 (the default, also the antmaze-large column).
         */
        public static Config paper() {
            return new Config(new int[] {512, 512, 512, 512}, new int[] {512, 512, 512, 512}, Activation.GELU, 256, 3e-4,
                    10, 0.5, 0.005, 10, 1, 0.9, 32, GoalConfig.defaults());
        }

        /**
         * Sized for minutes on 2 cores: 2×128 nets, K = 4, B = 64 (as the other cpu profiles). Training never samples
         * the ODE, so it is cheap; acting runs 32 ODE samples per observation. Otherwise as {@link #paper()}.
         */
        public static Config cpu() {
            return new Config(new int[] {128, 128}, new int[] {128, 128}, Activation.GELU, 64, 3e-4, 4, 0.5, 0.005, 10, 1,
                    0.9, 32, GoalConfig.defaults());
        }

        public Config withKappa(double k) {
            return new Config(actorHidden, criticHidden, activation, batchSize, learningRate, numQs, rho, tau, flowSteps,
                    horizon, k, numSamples, goals);
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
            return new Object[] {activation, batchSize, learningRate, numQs, rho, tau, flowSteps, horizon, kappa, numSamples, goals};
        }

        @Override
        public String toString() {
            return "IFQL.Config[actorHidden=" + Arrays.toString(actorHidden) + ", criticHidden=" + Arrays.toString(criticHidden)
                    + ", " + Arrays.toString(fields()) + "]";
        }
    }

    @Override
    public String name() {
        return "ifql";
    }

    @Override
    public String paper() {
        return "Flow version of IDQL (Hansen-Estruch et al., 2023), the IFQL baseline of Park et al., Flow Q-Learning "
                + "(ICML 2025)";
    }

    @Override
    public String family() {
        return "training-time";
    }

    @Override
    public String description() {
        return "Expectile value + in-sample Q critic, flow BC actor, acting by best-of-32 flow samples under min-ensemble Q.";
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
            default -> throw new IllegalArgumentException("ifql: unknown profile '" + profile + "', expected paper or cpu");
        };
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new IfqlLearner(config, context);
    }

    static final class IfqlLearner implements Learner {
        private final Config cfg;
        private final int batch;
        private final OfflineBatches train;
        private final OfflineBatches validation;
        private final int chunkDim;
        private final double discountH;
        private final TdCritic critic;
        private final EnsembleCritic minCritic;
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
        private final float[] y;
        private final float[] q;
        private final float[] rewards;
        private final float[] masks;
        private final float[] valid;

        IfqlLearner(Config cfg, AgentContext ctx) {
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
            this.minCritic = new EnsembleCritic(critic.network(), condDim, EnsembleCritic.Aggregation.MIN);
            this.value = new Mlp(new MlpConfig(condDim, cfg.criticHidden(), 1, cfg.activation(),
                    LayerNormPlacement.AFTER_ACTIVATION, false), Seeds.rng(seed, "init", "value"));
            MlpConfig actorNet = new MlpConfig(1, cfg.actorHidden(), 1, cfg.activation(), LayerNormPlacement.NONE, false);
            this.flow = new VelocityField(condDim, chunkDim, TimeEmbedding.RAW, actorNet, Seeds.rng(seed, "init", "actor_flow"));
            this.criticGrads = critic.network().newGradients();
            this.valueGrads = value.newGradients();
            this.flowGrads = flow.network().newGradients();
            this.adam = new Adam(AdamConfig.of(cfg.learningRate()), critic.network(), value, flow.network());
            this.bc = new FlowMatching(flow, batch);
            this.flowTape = flow.network().newTape(batch);
            this.valueTape = value.newTape(batch);
            this.y = new float[batch];
            this.q = new float[batch];
            this.rewards = new float[batch];
            this.masks = new float[batch];
            this.valid = new float[batch];
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            criticGrads.zero();
            valueGrads.zero();
            flowGrads.zero();
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("value_loss", valueLoss(train.valueConditioning(), train.batch().actions(), valueGrads));
            m.put("critic_loss", criticLoss(train, criticGrads));
            m.put("bc_flow_loss", bc.loss(flowTape, train.actorConditioning(), train.batch().actions(), valid,
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, flowGrads));
            adam.step(criticGrads, valueGrads, flowGrads);
            critic.polyakUpdate();
            return m;
        }

        /**
         * Expectile loss of V against the target critic's mean − ρ·std at the data action; dL/dV_b = −2·w_b·u_b/B with
         * u = q − V and w = |κ − 1[u &lt; 0]|.
         */
        double valueLoss(float[] cond, float[] actions, Gradients grads) {
            critic.aggregate(critic.forward(true, cond, actions, batch), batch, q);
            float[] v = value.forward(valueTape, cond, batch);
            float[] dV = new float[batch];
            double loss = 0;
            for (int b = 0; b < batch; b++) {
                double u = q[b] - v[b];
                double w = Math.abs(cfg.kappa() - (u < 0 ? 1 : 0));
                loss += w * u * u / batch;
                dV[b] = (float) (-2 * w * u / batch);
            }
            if (grads != null) value.backward(valueTape, dV, grads, null);
            return loss;
        }

        /** TD loss with y = R + γ^H·m·V(c'_H); fills {@code valid}. */
        private double criticLoss(OfflineBatches ob, Gradients grads) {
            ob.batch().lastRewards(rewards);
            ob.batch().lastMasks(masks);
            ob.batch().lastValid(valid);
            float[] vNext = value.forward(valueTape, ob.nextValueConditioning(), batch);
            for (int b = 0; b < batch; b++) y[b] = (float) (rewards[b] + discountH * masks[b] * vNext[b]);
            return critic.loss(ob.valueConditioning(), ob.batch().actions(), y, valid, batch, grads);
        }

        Mlp valueForTests() {
            return value;
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("value_loss", valueLoss(validation.valueConditioning(), validation.batch().actions(), null));
            m.put("critic_loss", criticLoss(validation, null));
            m.put("bc_flow_loss", bc.loss(flowTape, validation.actorConditioning(), validation.batch().actions(), valid,
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            return m;
        }

        /** numSamples clipped ODE samples per row of c, then the argmax of min_k Q_k per row. */
        float[] act(float[] c, int n, Rng rng) {
            int s = cfg.numSamples();
            int cd = train.condDim();
            float[] rep = new float[n * s * cd];
            for (int b = 0; b < n; b++) {
                for (int j = 0; j < s; j++) System.arraycopy(c, b * cd, rep, (b * s + j) * cd, cd);
            }
            if (actTape == null || actTape.capacity() < n * s) actTape = flow.network().newTape(n * s);
            float[] candidates = EulerSampler.sample(flow, actTape, rep, n * s, cfg.flowSteps(), rng);
            float[] out = new float[n * chunkDim];
            BestOfN.select(minCritic, c, candidates, n, s, out, rep);
            return out;
        }

        @Override
        public Map<String, Policy> policies() {
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put("ifql", new Policy() {
                @Override
                public int chunkLength() {
                    return cfg.horizon();
                }

                @Override
                public float[] act(float[] observations, float[] goals, int n, Rng rng) {
                    return IfqlLearner.this.act(OfflineBatches.policyConditioning(train.goalConditioned(), observations, goals, n), n, rng);
                }
            });
            return p;
        }

        private Checkpoint checkpoint() {
            return new Checkpoint().add("critic", critic.network()).add("target_critic", critic.targetNetwork())
                    .add("value", value).add("actor_flow", flow.network()).add("adam", adam);
        }

        @Override
        public void save(Path dir) throws IOException {
            checkpoint().write(dir.resolve("ifql.bin"));
        }

        @Override
        public void load(Path dir) throws IOException {
            checkpoint().read(dir.resolve("ifql.bin"));
        }

        @Override
        public long parameterCount() {
            return critic.network().parameterCount() + value.parameterCount() + flow.network().parameterCount();
        }
    }

}
