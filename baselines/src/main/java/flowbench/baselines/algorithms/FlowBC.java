package flowbench.baselines.algorithms;

import flowbench.baselines.common.BaselineAlgorithm;
import flowbench.baselines.common.ConfigChecks;
import flowbench.baselines.common.OfflineLearner;
import flowbench.baselines.flow.FlowMatching;
import flowbench.baselines.flow.FlowMatching.TimeSampling;
import flowbench.baselines.flow.TimeEmbedding;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.GoalSampling;
import flowbench.harness.rng.Rng;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;

/**
 * Flow-matching behavioural cloning: a velocity field trained on dataset action chunks, sampled with N Euler steps,
 * chunks executed open-loop; goal-conditioned by concatenating the hindsight goal to the observation.
 *
 * <p>It is the base policy of FQL, QAM and QGF (QGF with guidance weight 0 is exactly this policy). Defaults follow
 * the FQL/QAM code (docs/qam.md sections 0.3 and 4): 4x512 GELU, no actor LayerNorm, raw t input, t ~ U[0, 1), loss weighted
 * by the chunk's valid flag. QGF's variant (LayerNorm before GELU except on the last hidden layer, 16-dim sinusoidal
 * time, discrete t, unweighted loss) is one override away: see {@link Config#qgf()}.
 */
public final class FlowBC extends BaselineAlgorithm<FlowBC.Config> {

    /**
     * @param hidden          hidden layer widths of the velocity network
     * @param activation      hidden activation
     * @param layerNorm       LayerNorm placement in the velocity network
     * @param batchSize       training batch size
     * @param learningRate    Adam learning rate (constant)
     * @param flowSteps       Euler steps N at sampling time (and K for discrete t)
     * @param horizon         action chunk length H (executed open-loop)
     * @param discount        gamma (only used for the goal sampler's geometric offsets)
     * @param timeEmbedding   how t enters the network
     * @param timeSampling    how t is drawn in the loss
     * @param weightByValid   weight each row's loss by its chunk-valid flag (FQL/QAM) or not (QGF)
     * @param actorPTrajGoal  goal-conditioned: probability of a future goal from the same trajectory
     * @param actorPRandomGoal goal-conditioned: probability of a random dataset goal (1 - both = current state)
     * @param actorGeomSample goal-conditioned: geometric (p = 1 - discount) rather than uniform future offsets
     */
    public record Config(List<Integer> hidden, Activation activation, LayerNormPlacement layerNorm, int batchSize,
                         double learningRate, int flowSteps, int horizon, double discount, TimeEmbedding timeEmbedding,
                         TimeSampling timeSampling, boolean weightByValid, double actorPTrajGoal,
                         double actorPRandomGoal, boolean actorGeomSample) {
        public Config {
            ConfigChecks check = new ConfigChecks("flow-bc");
            hidden = check.widths("hidden", hidden);
            check.atLeast("batchSize", batchSize, 1);
            check.positive("learningRate", learningRate);
            check.atLeast("flowSteps", flowSteps, 1);
            check.atLeast("horizon", horizon, 1);
            check.discount("discount", discount);
            if (actorPTrajGoal < 0 || actorPRandomGoal < 0 || actorPTrajGoal + actorPRandomGoal > 1 + 1e-9) {
                throw new IllegalArgumentException("flow-bc: actorPTrajGoal + actorPRandomGoal must be <= 1, got "
                        + actorPTrajGoal + " + " + actorPRandomGoal);
            }
        }

        /** FQL/QAM code defaults (docs/qam.md section 4). */
        public static Config paper() {
            return new Config(List.of(512, 512, 512, 512), Activation.GELU, LayerNormPlacement.NONE, 256, 3e-4, 10, 1,
                    0.99, TimeEmbedding.RAW, TimeSampling.UNIFORM, true, 1.0, 0.0, true);
        }

        /**
         * Sized for minutes on 2 cores: 3x256 keeps the step at roughly a fifth of 4x512's matrix work (machine-facts:
         * ~850 vs ~170 steps/s ceilings) while staying expressive enough for 2-D PointMaze actions.
         */
        public static Config cpu() {
            return new Config(List.of(256, 256, 256), Activation.GELU, LayerNormPlacement.NONE, 256, 3e-4, 10, 1,
                    0.99, TimeEmbedding.RAW, TimeSampling.UNIFORM, true, 1.0, 0.0, true);
        }

        /** QGF's BC flow (docs/qgf.md section 3.1 and 3.4 code defaults, 4x512; the paper's launch scripts use 4x1024, batch 1024). */
        public static Config qgf() {
            return new Config(List.of(512, 512, 512, 512), Activation.GELU, LayerNormPlacement.BEFORE_ACTIVATION_EXCEPT_LAST,
                    256, 3e-4, 10, 1, 0.99, TimeEmbedding.SINUSOIDAL16, TimeSampling.DISCRETE, false, 1.0, 0.0, true);
        }

        GoalSampling goalConfig() {
            double cur = Math.max(0, 1 - actorPTrajGoal - actorPRandomGoal);
            return GoalSampling.defaults()
                    .withActorGoals(cur, actorPTrajGoal, actorPRandomGoal, actorGeomSample);
        }
    }

    public FlowBC() {
        super("flow-bc", "training-time",
                "Lipman et al., Flow Matching for Generative Modeling (ICLR 2023); as the BC baseline of Park "
                        + "et al., Flow Q-Learning (ICML 2025)",
                "Flow-matching behavioural cloning of action chunks, Euler sampling, no reward; "
                        + "goal-conditioned by concatenating hindsight goals.",
                Config.class, Config::paper, Config::cpu);
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new FlowBCLearner(config, context);
    }

    static final class FlowBCLearner extends OfflineLearner {
        private final Config config;
        private final VelocityField field;
        private final Mlp.Tape trainTape;
        private final FlowMatching loss;

        FlowBCLearner(Config config, AgentContext ctx) {
            super("flow_bc", ctx, config.batchSize(), config.horizon(), config.discount(), config.goalConfig());
            this.config = config;
            MlpConfig net = new MlpConfig(1, ConfigChecks.ints(config.hidden()), 1, config.activation(), config.layerNorm(), false);
            this.field = new VelocityField(condDim, chunkDim, config.timeEmbedding(), net, initRng("velocity"));
            modules.train("velocity", field.network());
            modules.optimise("adam", AdamConfig.of(config.learningRate()));
            this.trainTape = field.network().newTape(batch);
            this.loss = new FlowMatching(field, batch);
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            modules.zeroGrads();
            float[] w = config.weightByValid() ? train.batch().lastValid() : null;
            double l = loss.loss(trainTape, train.actorConditioning(), train.batch().actions(), w, config.timeSampling(),
                    config.flowSteps(), rng, modules.grads(field.network()));
            modules.step();
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("bc_flow_loss", l);
            return m;
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            float[] w = config.weightByValid() ? validation.batch().lastValid() : null;
            double l = loss.loss(trainTape, validation.actorConditioning(), validation.batch().actions(), w,
                    config.timeSampling(), config.flowSteps(), rng, null);
            return Map.of("bc_flow_loss", l);
        }

        @Override
        public Map<String, Policy> policies() {
            return Map.of("flow-bc", odePolicy(field, config.flowSteps()));
        }
    }
}
