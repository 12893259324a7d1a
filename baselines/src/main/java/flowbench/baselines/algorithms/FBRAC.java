package flowbench.baselines.algorithms;

import flowbench.baselines.common.BaselineAlgorithm;
import flowbench.baselines.common.ConfigChecks;
import flowbench.baselines.common.ConfigRecords;
import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.common.OfflineLearner;
import flowbench.baselines.common.TdBackup;
import flowbench.baselines.flow.EulerBackprop;
import flowbench.baselines.flow.EulerSampler;
import flowbench.baselines.flow.FlowMatching;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.rl.TdCritic;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.GoalSampling;
import flowbench.harness.rng.Rng;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;

/**
 * FBRAC, flow behaviour-regularised actor-critic (docs/qam.md section 2.2): one flow actor trained with
 * {@code L_BC + (1/α)·(−mean_b mean_k Q_k(c, clip(ODE(v_θ, c, z))))}, the Q term differentiated through all N Euler
 * steps and the final clip ({@link EulerBackprop}); TD critic (section 0.2) with a' = clip(ODE(v_θ, s'_H, z)); acting
 * with the clipped ODE sample. One Adam over critic and actor, no gradient clipping. A large α means a weak Q term.
 */
public final class FBRAC extends BaselineAlgorithm<FBRAC.Config> {

    /**
     * @param actorHidden  hidden widths of the flow actor v_θ
     * @param criticHidden hidden widths of each critic member
     * @param activation   hidden activation (GELU, tanh approximation)
     * @param batchSize    B
     * @param learningRate Adam learning rate (constant)
     * @param numQs        K critic members
     * @param rho          pessimism ρ of the TD target aggregate
     * @param discount     γ (TD targets, n-step chunk returns, hindsight goal offsets)
     * @param tau          Polyak rate of the target critic
     * @param flowSteps    Euler steps N of the BC flow ODE
     * @param horizon      action chunk length H
     * @param alpha        α: the Q term is weighted 1/α ({@code alpha})
     * @param goals        hindsight goal sampling for goal-conditioned tasks (γ is {@code discount})
     */
    public record Config(List<Integer> actorHidden, List<Integer> criticHidden, Activation activation, int batchSize, double learningRate,
                         int numQs, double rho, double discount, double tau, int flowSteps, int horizon, double alpha, GoalSampling goals) {
        public Config {
            ConfigChecks check = new ConfigChecks("fbrac");
            actorHidden = check.widths("actorHidden", actorHidden);
            criticHidden = check.widths("criticHidden", criticHidden);
            check.atLeast("batchSize", batchSize, 1);
            check.positive("learningRate", learningRate);
            check.atLeast("flowSteps", flowSteps, 1);
            check.atLeast("horizon", horizon, 1);
            check.positive("alpha", alpha);
            check.discount("discount", discount);
            check.set("goals", goals);
            TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau); // validates the critic settings
        }

        /**
         * Reference defaults (docs/qam.md sections 2.2, 4, 6): 4×512 nets, B 256, K 10, ρ 0.5, τ 0.005, N 10, H 1; α = 0.1
         * from the antmaze-large column (fallback; docs/domains.md).
         */
        public static Config paper() {
            return new Config(List.of(512, 512, 512, 512), List.of(512, 512, 512, 512), Activation.GELU, 256, 3e-4,
                    10, 0.5, 0.99, 0.005, 10, 1, 0.1, GoalSampling.defaults());
        }

        /**
         * Sized for minutes on 2 cores: 2×128 actor/critic nets, K = 4, B = 64 (as QAM's and FQL's cpu profiles); a step
         * runs the actor ODE twice forward (TD target, Q term) and once backward through N steps. Otherwise as
         * {@link #paper()}.
         */
        public static Config cpu() {
            return new Config(List.of(128, 128), List.of(128, 128), Activation.GELU, 64, 3e-4, 4, 0.5, 0.99, 0.005, 10, 1,
                    0.1, GoalSampling.defaults());
        }

        public Config withAlpha(double a) {
            return ConfigRecords.with(this, "alpha", a);
        }

        TdCritic.Config criticConfig() {
            return TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau);
        }

    }

    public FBRAC() {
        super("fbrac", "training-time",
                "Flow behaviour-regularised actor-critic, the backprop-through-time flow baseline of Park et "
                        + "al., Flow Q-Learning (ICML 2025), as used by the QAM paper",
                "Flow BC plus Q maximisation by backpropagation through the flow's Euler ODE.",
                Config.class, Config::paper, Config::cpu);
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new FbracLearner(config, context);
    }

    static final class FbracLearner extends OfflineLearner {
        private final Config cfg;
        private final TdCritic critic;
        private final TdBackup td;
        private final VelocityField flow;
        private final FlowMatching bc;
        private final EulerBackprop ode;
        private final Mlp.Tape flowTape;

        FbracLearner(Config cfg, AgentContext ctx) {
            super("fbrac", ctx, cfg.batchSize(), cfg.horizon(), cfg.discount(), cfg.goals());
            this.cfg = cfg;
            this.critic = tdCritic(cfg.criticConfig(), chunkDim);
            this.td = new TdBackup(critic, discountH, batch);
            this.flow = flowActor("actor_flow", ConfigChecks.ints(cfg.actorHidden()), cfg.activation());
            modules.optimise("adam", AdamConfig.of(cfg.learningRate()));
            this.bc = new FlowMatching(flow, batch);
            this.ode = new EulerBackprop(flow, cfg.flowSteps(), batch);
            this.flowTape = flow.network().newTape(batch);
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            modules.zeroGrads();
            Gradients flowGrads = modules.grads(flow.network());
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("critic_loss", criticLoss(train, rng, modules.grads(critic.network())));
            float[] cond = train.actorConditioning();
            double lbc = bc.loss(flowTape, cond, train.batch().actions(), td.valid(), FlowMatching.TimeSampling.UNIFORM,
                    cfg.flowSteps(), rng, flowGrads);
            double q = qLoss(cond, rng, flowGrads);
            m.put("bc_flow_loss", lbc);
            m.put("q_loss", q);
            m.put("actor_loss", lbc + q / cfg.alpha());
            modules.step();
            critic.polyakUpdate();
            return m;
        }

        /** TD loss (section 0.2) with a' = clip(ODE(s'_H, z)). */
        private double criticLoss(OfflineBatches ob, Rng rng, Gradients grads) {
            return td.loss(ob, (c, n, r) -> EulerSampler.sample(flow, flowTape, c, n, cfg.flowSteps(), r), rng, grads);
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
            m.put("bc_flow_loss", bc.loss(flowTape, validation.actorConditioning(), validation.batch().actions(),
                    td.valid(), FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            m.put("q_loss", qLoss(validation.actorConditioning(), rng, null));
            return m;
        }

        @Override
        public Map<String, Policy> policies() {
            return Map.of("fbrac", odePolicy(flow, cfg.flowSteps()));
        }
    }
}
