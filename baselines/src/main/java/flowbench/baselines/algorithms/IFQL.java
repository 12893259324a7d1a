package flowbench.baselines.algorithms;

import flowbench.baselines.common.BaselineAlgorithm;
import flowbench.baselines.common.ConfigChecks;
import flowbench.baselines.common.ConfigRecords;
import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.common.OfflineLearner;
import flowbench.baselines.common.TdBackup;
import flowbench.baselines.flow.FlowMatching;
import flowbench.baselines.flow.OdeSampler;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.rl.BestOfN;
import flowbench.baselines.rl.EnsembleCritic;
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
 * IFQL, the flow version of IDQL (docs/qam.md section 2.6): an in-sample IQL-style critic with a flow BC actor and
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
public final class IFQL extends BaselineAlgorithm<IFQL.Config> {

    /**
     * @param actorHidden  hidden widths of the BC flow v_β
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
     * @param kappa        expectile κ of the value loss ({@code kappa})
     * @param numSamples   candidates per observation at acting time ({@code num_samples} = 32)
     * @param goals        hindsight goal sampling for goal-conditioned tasks (γ is {@code discount})
     */
    public record Config(List<Integer> actorHidden, List<Integer> criticHidden, Activation activation, int batchSize, double learningRate,
                         int numQs, double rho, double discount, double tau, int flowSteps, int horizon, double kappa, int numSamples, GoalSampling goals) {
        public Config {
            ConfigChecks check = new ConfigChecks("ifql");
            actorHidden = check.widths("actorHidden", actorHidden);
            criticHidden = check.widths("criticHidden", criticHidden);
            check.atLeast("batchSize", batchSize, 1);
            check.positive("learningRate", learningRate);
            check.atLeast("flowSteps", flowSteps, 1);
            check.atLeast("horizon", horizon, 1);
            check.openUnitInterval("kappa", kappa);
            check.atLeast("numSamples", numSamples, 1);
            check.discount("discount", discount);
            check.set("goals", goals);
            TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau); // validates the critic settings
        }

        /**
         * Reference defaults (docs/qam.md sections 2.6, 4, 6): 4×512 nets (V too), B 256, K 10, ρ 0.5, τ 0.005, N 10, H 1,
         * 32 samples; κ = 0.9 (the default, also the antmaze-large column).
         */
        public static Config paper() {
            return new Config(List.of(512, 512, 512, 512), List.of(512, 512, 512, 512), Activation.GELU, 256, 3e-4,
                    10, 0.5, 0.99, 0.005, 10, 1, 0.9, 32, GoalSampling.defaults());
        }

        /**
         * Sized for minutes on 2 cores: 2×128 nets, K = 4, B = 64 (as the other cpu profiles). Training never samples
         * the ODE, so it is cheap; acting runs 32 ODE samples per observation. Otherwise as {@link #paper()}.
         */
        public static Config cpu() {
            return new Config(List.of(128, 128), List.of(128, 128), Activation.GELU, 64, 3e-4, 4, 0.5, 0.99, 0.005, 10, 1,
                    0.9, 32, GoalSampling.defaults());
        }

        public Config withKappa(double k) {
            return ConfigRecords.with(this, "kappa", k);
        }

        TdCritic.Config criticConfig() {
            return TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau);
        }

    }

    public IFQL() {
        super("ifql", "training-time",
                "Flow version of IDQL (Hansen-Estruch et al., 2023), the IFQL baseline of Park et al., Flow "
                        + "Q-Learning (ICML 2025)",
                "Expectile value + in-sample Q critic, flow BC actor, acting by best-of-32 flow samples under "
                        + "min-ensemble Q.",
                Config.class, Config::paper, Config::cpu);
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new IfqlLearner(config, context);
    }

    static final class IfqlLearner extends OfflineLearner {
        private final Config cfg;
        private final TdCritic critic;
        private final TdBackup td;
        private final EnsembleCritic minCritic;
        private final Mlp value;
        private final VelocityField flow;
        private final FlowMatching bc;
        private final Mlp.Tape flowTape;
        private final Mlp.Tape valueTape;
        private final float[] q;

        IfqlLearner(Config cfg, AgentContext ctx) {
            super("ifql", ctx, cfg.batchSize(), cfg.horizon(), cfg.discount(), cfg.goals());
            this.cfg = cfg;
            this.critic = tdCritic(cfg.criticConfig(), chunkDim);
            this.td = new TdBackup(critic, discountH, batch);
            this.minCritic = new EnsembleCritic(critic.network(), condDim, EnsembleCritic.Aggregation.MIN);
            this.value = modules.train("value", new Mlp(new MlpConfig(condDim, ConfigChecks.ints(cfg.criticHidden()), 1, cfg.activation(),
                    LayerNormPlacement.AFTER_ACTIVATION, false), initRng("value")));
            this.flow = flowActor("actor_flow", ConfigChecks.ints(cfg.actorHidden()), cfg.activation());
            modules.optimise("adam", AdamConfig.of(cfg.learningRate()));
            this.bc = new FlowMatching(flow, batch);
            this.flowTape = flow.network().newTape(batch);
            this.valueTape = value.newTape(batch);
            this.q = new float[batch];
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            modules.zeroGrads();
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("value_loss", valueLoss(train.valueConditioning(), train.batch().actions(), modules.grads(value)));
            m.put("critic_loss", criticLoss(train, modules.grads(critic.network())));
            m.put("bc_flow_loss", bc.loss(flowTape, train.actorConditioning(), train.batch().actions(), td.valid(),
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, modules.grads(flow.network())));
            modules.step();
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

        /** TD loss with y = R + γ^H·m·V(c'_H) (in-sample: no next action); fills the labels. */
        private double criticLoss(OfflineBatches ob, Gradients grads) {
            td.labels(ob.batch());
            float[] r = td.rewards(), mk = td.masks(), y = td.targets();
            float[] vNext = value.forward(valueTape, ob.nextValueConditioning(), batch);
            for (int b = 0; b < batch; b++) y[b] = (float) (r[b] + discountH * mk[b] * vNext[b]);
            return critic.loss(ob.valueConditioning(), ob.batch().actions(), y, td.valid(), batch, grads);
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
            m.put("bc_flow_loss", bc.loss(flowTape, validation.actorConditioning(), validation.batch().actions(),
                    td.valid(), FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            return m;
        }

        @Override
        public Map<String, Policy> policies() {
            OdeSampler ode = new OdeSampler(flow, cfg.flowSteps());
            // numSamples clipped ODE samples per row, then the argmax of min_k Q_k per row
            return Map.of("ifql", policy((c, n, rng) -> BestOfN.ofFlowSamples(ode, minCritic, c, n, cfg.numSamples(), rng)));
        }
    }

}
