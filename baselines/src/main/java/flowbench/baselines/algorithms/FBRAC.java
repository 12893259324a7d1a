package flowbench.baselines.algorithms;

import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.flow.EulerBackprop;
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
 * FBRAC, flow behaviour-regularised actor-critic (qam.md section 2.2): one flow actor trained with
 * {@code L_BC + (1/α)·(−mean_b mean_k Q_k(c, clip(ODE(v_θ, c, z))))}, the Q term differentiated through all N Euler
 * steps and the final clip ({@link EulerBackprop}); TD critic (section 0.2) with a' = clip(ODE(v_θ, s'_H, z)); acting
 * with the clipped ODE sample. One Adam over critic and actor, no gradient clipping. A large α means a weak Q term.
 */
public final class FBRAC implements Algorithm<FBRAC.Config> {

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
     * @param alpha        α: the Q term is weighted 1/α ({@code alpha})
     * @param goals        discount γ (its {@code discount}) and hindsight goal sampling for goal-conditioned tasks
     */
    public record Config(int[] actorHidden, int[] criticHidden, Activation activation, int batchSize, double learningRate,
                         int numQs, double rho, double tau, int flowSteps, int horizon, double alpha, GoalConfig goals) {
        public Config {
            if (actorHidden == null || actorHidden.length == 0) throw new IllegalArgumentException("fbrac: actorHidden must list at least one width");
            if (criticHidden == null || criticHidden.length == 0) throw new IllegalArgumentException("fbrac: criticHidden must list at least one width");
            actorHidden = actorHidden.clone();
            criticHidden = criticHidden.clone();
            if (batchSize < 1) throw new IllegalArgumentException("fbrac: batchSize must be >= 1, got " + batchSize);
            if (!(learningRate > 0)) throw new IllegalArgumentException("fbrac: learningRate must be > 0, got " + learningRate);
            if (flowSteps < 1) throw new IllegalArgumentException("fbrac: flowSteps must be >= 1, got " + flowSteps);
            if (horizon < 1) throw new IllegalArgumentException("fbrac: horizon must be >= 1, got " + horizon);
            if (!(alpha > 0)) throw new IllegalArgumentException("fbrac: alpha must be > 0, got " + alpha);
            if (goals == null) throw new IllegalArgumentException("fbrac: goals must be set");
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
         * Reference defaults (qam.md sections 2.2, 4, 6): 4×512 nets, B 256, K 10, ρ 0.5, τ 0.005, N 10, H 1; α = 0.1
         * from the antmaze-large column (the maze domain closest to PointMaze).
         */
        public static Config paper() {
            return new Config(new int[] {512, 512, 512, 512}, new int[] {512, 512, 512, 512}, Activation.GELU, 256, 3e-4,
                    10, 0.5, 0.005, 10, 1, 0.1, GoalConfig.defaults());
        }

        /**
         * Sized for minutes on 2 cores: 2×128 actor/critic nets, K = 4, B = 64 (as QAM's and FQL's cpu profiles); a step
         * runs the actor ODE twice forward (TD target, Q term) and once backward through N steps. Otherwise as
         * {@link #paper()}.
         */
        public static Config cpu() {
            return new Config(new int[] {128, 128}, new int[] {128, 128}, Activation.GELU, 64, 3e-4, 4, 0.5, 0.005, 10, 1,
                    0.1, GoalConfig.defaults());
        }

        public Config withAlpha(double a) {
            return new Config(actorHidden, criticHidden, activation, batchSize, learningRate, numQs, rho, tau, flowSteps,
                    horizon, a, goals);
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
            return new Object[] {activation, batchSize, learningRate, numQs, rho, tau, flowSteps, horizon, alpha, goals};
        }

        @Override
        public String toString() {
            return "FBRAC.Config[actorHidden=" + Arrays.toString(actorHidden) + ", criticHidden=" + Arrays.toString(criticHidden)
                    + ", " + Arrays.toString(fields()) + "]";
        }
    }

    @Override
    public String name() {
        return "fbrac";
    }

    @Override
    public String paper() {
        return "Flow behaviour-regularised actor-critic, the backprop-through-time flow baseline of Park et al., Flow "
                + "Q-Learning (ICML 2025), as used by the QAM paper";
    }

    @Override
    public String family() {
        return "training-time";
    }

    @Override
    public String description() {
        return "Flow BC plus Q maximisation by backpropagation through the flow's Euler ODE.";
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
            default -> throw new IllegalArgumentException("fbrac: unknown profile '" + profile + "', expected paper or cpu");
        };
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new FbracLearner(config, context);
    }

    static final class FbracLearner implements Learner {
        private final Config cfg;
        private final int batch;
        private final OfflineBatches train;
        private final OfflineBatches validation;
        private final int chunkDim;
        private final double discountH;
        private final TdCritic critic;
        private final VelocityField flow;
        private final Gradients criticGrads;
        private final Gradients flowGrads;
        private final Adam adam;
        private final FlowMatching bc;
        private final EulerBackprop ode;
        private final Mlp.Tape flowTape;
        private Mlp.Tape actTape;
        private final float[] nextActions;
        private final float[] y;
        private final float[] rewards;
        private final float[] masks;
        private final float[] valid;

        FbracLearner(Config cfg, AgentContext ctx) {
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
            MlpConfig actorNet = new MlpConfig(1, cfg.actorHidden(), 1, cfg.activation(), LayerNormPlacement.NONE, false);
            this.flow = new VelocityField(condDim, chunkDim, TimeEmbedding.RAW, actorNet, Seeds.rng(seed, "init", "actor_flow"));
            this.criticGrads = critic.network().newGradients();
            this.flowGrads = flow.network().newGradients();
            this.adam = new Adam(AdamConfig.of(cfg.learningRate()), critic.network(), flow.network());
            this.bc = new FlowMatching(flow, batch);
            this.ode = new EulerBackprop(flow, cfg.flowSteps(), batch);
            this.flowTape = flow.network().newTape(batch);
            this.nextActions = new float[batch * chunkDim];
            this.y = new float[batch];
            this.rewards = new float[batch];
            this.masks = new float[batch];
            this.valid = new float[batch];
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            criticGrads.zero();
            flowGrads.zero();
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("critic_loss", criticLoss(train, rng, criticGrads));
            float[] cond = train.actorConditioning();
            double lbc = bc.loss(flowTape, cond, train.batch().actions(), valid, FlowMatching.TimeSampling.UNIFORM,
                    cfg.flowSteps(), rng, flowGrads);
            double q = qLoss(cond, rng, flowGrads);
            m.put("bc_flow_loss", lbc);
            m.put("q_loss", q);
            m.put("actor_loss", lbc + q / cfg.alpha());
            adam.step(criticGrads, flowGrads);
            critic.polyakUpdate();
            return m;
        }

        /** TD loss (section 0.2) with a' = clip(ODE(s'_H, z)); fills {@code valid} with the chunks' last valid flags. */
        private double criticLoss(OfflineBatches ob, Rng rng, Gradients grads) {
            ob.batch().lastRewards(rewards);
            ob.batch().lastMasks(masks);
            ob.batch().lastValid(valid);
            System.arraycopy(EulerSampler.sample(flow, flowTape, ob.nextValueConditioning(), batch, cfg.flowSteps(), rng), 0,
                    nextActions, 0, nextActions.length);
            critic.targets(rewards, masks, discountH, ob.nextValueConditioning(), nextActions, batch, y);
            return critic.loss(ob.valueConditioning(), ob.batch().actions(), y, valid, batch, grads);
        }

        /**
         * −mean_b mean_k Q_k(c, clip(x_N)) with x_N the Euler ODE from z ~ N(0, I); when grads is non-null, accumulates
         * (1/α) times its gradient through the clip (zero outside [−1, 1], as jnp.clip) and all N steps.
         *
         * @return the unweighted Q loss
         */
        double qLoss(float[] cond, Rng rng, Gradients grads) {
            int bd = batch * chunkDim;
            float[] z = new float[bd];
            rng.fillGaussian(z);
            float[] x = ode.forward(cond, z, batch);
            float[] a = new float[bd];
            for (int i = 0; i < bd; i++) a[i] = clip(x[i]);
            float[] q = new float[batch];
            float[] gq = new float[bd];
            critic.current().evaluate(cond, a, batch, q, gq);
            double qMean = 0;
            for (int b = 0; b < batch; b++) qMean += q[b];
            qMean /= batch;
            if (grads != null) {
                float s = (float) (-1.0 / (cfg.alpha() * batch));
                for (int i = 0; i < bd; i++) gq[i] = Math.abs(x[i]) <= 1f ? s * gq[i] : 0f;
                ode.backward(gq, grads);
            }
            return -qMean;
        }

        VelocityField flowForTests() {
            return flow;
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("critic_loss", criticLoss(validation, rng, null));
            m.put("bc_flow_loss", bc.loss(flowTape, validation.actorConditioning(), validation.batch().actions(), valid,
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            m.put("q_loss", qLoss(validation.actorConditioning(), rng, null));
            return m;
        }

        @Override
        public Map<String, Policy> policies() {
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put("fbrac", new Policy() {
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
                    .add("actor_flow", flow.network()).add("adam", adam);
        }

        @Override
        public void save(Path dir) throws IOException {
            checkpoint().write(dir.resolve("fbrac.bin"));
        }

        @Override
        public void load(Path dir) throws IOException {
            checkpoint().read(dir.resolve("fbrac.bin"));
        }

        @Override
        public long parameterCount() {
            return critic.network().parameterCount() + flow.network().parameterCount();
        }
    }

    private static float clip(float v) {
        return FQL.clip(v);
    }
}
