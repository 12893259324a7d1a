package flowbench.baselines.algorithms;

import flowbench.baselines.common.BaselineAlgorithm;
import flowbench.baselines.common.ConfigChecks;
import flowbench.baselines.common.ConfigRecords;
import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.common.OfflineLearner;
import flowbench.baselines.common.TdBackup;
import flowbench.baselines.flow.EulerSampler;
import flowbench.baselines.flow.FlowMatching;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
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
 * FAWAC, advantage-weighted flow matching (docs/qam.md section 2.7).
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
public final class FAWAC extends BaselineAlgorithm<FAWAC.Config> {

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
     * @param invTemp      β of the advantage weights ({@code inv_temp})
     * @param maxWeight    cap of the advantage weights (100)
     * @param goals        hindsight goal sampling for goal-conditioned tasks (γ is {@code discount})
     */
    public record Config(List<Integer> actorHidden, List<Integer> criticHidden, Activation activation, int batchSize, double learningRate,
                         int numQs, double rho, double discount, double tau, int flowSteps, int horizon, double invTemp, double maxWeight, GoalSampling goals) {
        public Config {
            ConfigChecks check = new ConfigChecks("fawac");
            actorHidden = check.widths("actorHidden", actorHidden);
            criticHidden = check.widths("criticHidden", criticHidden);
            check.atLeast("batchSize", batchSize, 1);
            check.positive("learningRate", learningRate);
            check.atLeast("flowSteps", flowSteps, 1);
            check.atLeast("horizon", horizon, 1);
            check.nonNegative("invTemp", invTemp);
            check.positive("maxWeight", maxWeight);
            check.discount("discount", discount);
            check.set("goals", goals);
            TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau); // validates the critic settings
        }

        /**
         * Reference defaults (docs/qam.md sections 2.7, 4, 6): 4×512 nets (V too), B 256, K 10, ρ 0.5, τ 0.005, N 10, H 1,
         * weight cap 100; β = 6.4 from the antmaze-large column (the fallback where a task follows no column; the agent's own
         * default is 10).
         */
        public static Config paper() {
            return new Config(List.of(512, 512, 512, 512), List.of(512, 512, 512, 512), Activation.GELU, 256, 3e-4,
                    10, 0.5, 0.99, 0.005, 10, 1, 6.4, 100, GoalSampling.defaults());
        }

        /**
         * Sized for minutes on 2 cores: 2×128 nets, K = 4, B = 64 (as the other cpu profiles); a step runs one ODE
         * sample for the TD target. Otherwise as {@link #paper()}.
         */
        public static Config cpu() {
            return new Config(List.of(128, 128), List.of(128, 128), Activation.GELU, 64, 3e-4, 4, 0.5, 0.99, 0.005, 10, 1,
                    6.4, 100, GoalSampling.defaults());
        }

        public Config withInvTemp(double b) {
            return ConfigRecords.with(this, "invTemp", b);
        }

        TdCritic.Config criticConfig() {
            return TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau);
        }

    }

    public FAWAC() {
        super("fawac", "training-time",
                "Advantage-weighted flow matching (AWR/AWAC-style weights on the flow BC loss), the FAWAC "
                        + "baseline of Park et al., Flow Q-Learning (ICML 2025)",
                "Flow matching weighted by exp(beta * advantage) from a TD critic and a SARSA value; one ODE "
                        + "sample to act.",
                Config.class, Config::paper, Config::cpu);
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new FawacLearner(config, context);
    }

    static final class FawacLearner extends OfflineLearner {
        private final Config cfg;
        private final TdCritic critic;
        private final TdBackup td;
        private final Mlp value;
        private final VelocityField flow;
        private final FlowMatching bc;
        private final Mlp.Tape flowTape;
        private final Mlp.Tape valueTape;
        private final float[] weights;

        FawacLearner(Config cfg, AgentContext ctx) {
            super("fawac", ctx, cfg.batchSize(), cfg.horizon(), cfg.discount(), cfg.goals());
            this.cfg = cfg;
            this.critic = tdCritic(cfg.criticConfig(), chunkDim);
            this.td = new TdBackup(critic, discountH, batch);
            this.value = modules.train("value", new Mlp(new MlpConfig(condDim, ConfigChecks.ints(cfg.criticHidden()), 1, cfg.activation(),
                    LayerNormPlacement.AFTER_ACTIVATION, false), initRng("value")));
            this.flow = flowActor("actor", ConfigChecks.ints(cfg.actorHidden()), cfg.activation());
            modules.optimise("adam", AdamConfig.of(cfg.learningRate()));
            this.bc = new FlowMatching(flow, batch);
            this.flowTape = flow.network().newTape(batch);
            this.valueTape = value.newTape(batch);
            this.weights = new float[batch];
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            modules.zeroGrads();
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("critic_loss", criticLoss(train, rng, modules.grads(critic.network())));
            // the actor's weights read the current critic and V before anyone's step (all losses from one state)
            double meanW = advantageWeights(train.valueConditioning(), train.batch().actions());
            m.put("value_loss", valueLoss(train.valueConditioning(), train.batch().actions(), td.valid(), modules.grads(value)));
            m.put("actor_loss", bc.loss(flowTape, train.actorConditioning(), train.batch().actions(), weights,
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, modules.grads(flow.network())));
            m.put("adv_weight_mean", meanW);
            modules.step();
            critic.polyakUpdate();
            return m;
        }

        /** TD loss with a' = clip(ODE(s'_H, z)). */
        private double criticLoss(OfflineBatches ob, Rng rng, Gradients grads) {
            return td.loss(ob, (c, n, r) -> EulerSampler.sample(flow, flowTape, c, n, cfg.flowSteps(), r), rng, grads);
        }

        /** weights_b = min(exp(β·(mean_k Q_k − V)), cap)·v_b (current critic); returns the mean uncapped-by-v weight. */
        private double advantageWeights(float[] cond, float[] actions) {
            float[] qk = critic.forward(false, cond, actions, batch);
            int k = critic.members();
            float[] v = value.forward(valueTape, cond, batch);
            float[] valid = td.valid();
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
            m.put("value_loss", valueLoss(validation.valueConditioning(), validation.batch().actions(), td.valid(), null));
            m.put("bc_flow_loss", bc.loss(flowTape, validation.actorConditioning(), validation.batch().actions(),
                    td.valid(), FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            return m;
        }

        @Override
        public Map<String, Policy> policies() {
            return Map.of("fawac", odePolicy(flow, cfg.flowSteps()));
        }
    }
}
