package flowbench.baselines.algorithms;

import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.flow.EulerSampler;
import flowbench.baselines.flow.FlowMatching;
import flowbench.baselines.flow.FlowMatching.TimeSampling;
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
 * Flow-matching behavioural cloning: a velocity field trained on dataset action chunks, sampled with N Euler steps,
 * chunks executed open-loop; goal-conditioned by concatenating the hindsight goal to the observation.
 *
 * <p>It is the base policy of FQL, QAM and QGF (QGF with guidance weight 0 is exactly this policy). Defaults follow
 * the FQL/QAM code (qam.md sections 0.3 and 4): 4x512 GELU, no actor LayerNorm, raw t input, t ~ U[0, 1), loss weighted
 * by the chunk's valid flag. QGF's variant (LayerNorm before GELU except on the last hidden layer, 16-dim sinusoidal
 * time, discrete t, unweighted loss) is one override away: see {@link Config#qgf()}.
 */
public final class FlowBC implements Algorithm<FlowBC.Config> {

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
    public record Config(int[] hidden, Activation activation, LayerNormPlacement layerNorm, int batchSize,
                         double learningRate, int flowSteps, int horizon, double discount, TimeEmbedding timeEmbedding,
                         TimeSampling timeSampling, boolean weightByValid, double actorPTrajGoal,
                         double actorPRandomGoal, boolean actorGeomSample) {
        public Config {
            if (hidden == null || hidden.length == 0) throw new IllegalArgumentException("flow-bc: hidden must list at least one width");
            hidden = hidden.clone();
            if (batchSize < 1) throw new IllegalArgumentException("flow-bc: batchSize must be >= 1, got " + batchSize);
            if (!(learningRate > 0)) throw new IllegalArgumentException("flow-bc: learningRate must be > 0, got " + learningRate);
            if (flowSteps < 1) throw new IllegalArgumentException("flow-bc: flowSteps must be >= 1, got " + flowSteps);
            if (horizon < 1) throw new IllegalArgumentException("flow-bc: horizon must be >= 1, got " + horizon);
            if (!(discount >= 0 && discount < 1)) throw new IllegalArgumentException("flow-bc: discount must be in [0, 1), got " + discount);
            if (actorPTrajGoal < 0 || actorPRandomGoal < 0 || actorPTrajGoal + actorPRandomGoal > 1 + 1e-9) {
                throw new IllegalArgumentException("flow-bc: actorPTrajGoal + actorPRandomGoal must be <= 1, got "
                        + actorPTrajGoal + " + " + actorPRandomGoal);
            }
        }

        @Override
        public int[] hidden() {
            return hidden.clone();
        }

        /** FQL/QAM code defaults (qam.md section 4). */
        public static Config paper() {
            return new Config(new int[] {512, 512, 512, 512}, Activation.GELU, LayerNormPlacement.NONE, 256, 3e-4, 10, 1,
                    0.99, TimeEmbedding.RAW, TimeSampling.UNIFORM, true, 1.0, 0.0, true);
        }

        /**
         * Sized for minutes on 2 cores: 3x256 keeps the step at roughly a fifth of 4x512's matrix work (machine-facts:
         * ~850 vs ~170 steps/s ceilings) while staying expressive enough for 2-D PointMaze actions.
         */
        public static Config cpu() {
            return new Config(new int[] {256, 256, 256}, Activation.GELU, LayerNormPlacement.NONE, 256, 3e-4, 10, 1,
                    0.99, TimeEmbedding.RAW, TimeSampling.UNIFORM, true, 1.0, 0.0, true);
        }

        /** QGF's BC flow (qgf.md section 3.1 and 3.4 code defaults, 4x512; the paper's launch scripts use 4x1024, batch 1024). */
        public static Config qgf() {
            return new Config(new int[] {512, 512, 512, 512}, Activation.GELU, LayerNormPlacement.BEFORE_ACTIVATION_EXCEPT_LAST,
                    256, 3e-4, 10, 1, 0.99, TimeEmbedding.SINUSOIDAL16, TimeSampling.DISCRETE, false, 1.0, 0.0, true);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && Arrays.equals(hidden, c.hidden) && activation == c.activation
                    && layerNorm == c.layerNorm && batchSize == c.batchSize && learningRate == c.learningRate
                    && flowSteps == c.flowSteps && horizon == c.horizon && discount == c.discount
                    && timeEmbedding == c.timeEmbedding && timeSampling == c.timeSampling
                    && weightByValid == c.weightByValid && actorPTrajGoal == c.actorPTrajGoal
                    && actorPRandomGoal == c.actorPRandomGoal && actorGeomSample == c.actorGeomSample;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(hidden) * 31 + Arrays.hashCode(new Object[] {activation, layerNorm, batchSize,
                    learningRate, flowSteps, horizon, discount, timeEmbedding, timeSampling, weightByValid,
                    actorPTrajGoal, actorPRandomGoal, actorGeomSample});
        }

        @Override
        public String toString() {
            return "FlowBC.Config[hidden=" + Arrays.toString(hidden) + ", activation=" + activation + ", layerNorm="
                    + layerNorm + ", batchSize=" + batchSize + ", learningRate=" + learningRate + ", flowSteps="
                    + flowSteps + ", horizon=" + horizon + ", discount=" + discount + ", timeEmbedding=" + timeEmbedding
                    + ", timeSampling=" + timeSampling + ", weightByValid=" + weightByValid + "]";
        }

        GoalConfig goalConfig() {
            double cur = Math.max(0, 1 - actorPTrajGoal - actorPRandomGoal);
            return GoalConfig.defaults().withDiscount(discount)
                    .withActorGoals(cur, actorPTrajGoal, actorPRandomGoal, actorGeomSample);
        }
    }

    @Override
    public String name() {
        return "flow-bc";
    }

    @Override
    public String paper() {
        return "Lipman et al., Flow Matching for Generative Modeling (ICLR 2023); as the BC baseline of Park et al., "
                + "Flow Q-Learning (ICML 2025)";
    }

    @Override
    public String family() {
        return "training-time";
    }

    @Override
    public String description() {
        return "Flow-matching behavioural cloning of action chunks, Euler sampling, no reward; goal-conditioned by "
                + "concatenating hindsight goals.";
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
            default -> throw new IllegalArgumentException("flow-bc: unknown profile '" + profile + "', expected paper or cpu");
        };
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new FlowBCLearner(config, context);
    }

    static final class FlowBCLearner implements Learner {
        private final Config config;
        private final OfflineBatches train;
        private final OfflineBatches validation;
        private final VelocityField field;
        private final Adam adam;
        private final Gradients grads;
        private final Mlp.Tape trainTape;
        private final FlowMatching loss;
        private final int actionDim;
        private Mlp.Tape actTape;

        FlowBCLearner(Config config, AgentContext ctx) {
            this.config = config;
            this.train = new OfflineBatches(ctx, ctx.train(), config.batchSize(), config.horizon(), config.discount(),
                    config.goalConfig());
            this.validation = ctx.validation() == null ? null : new OfflineBatches(ctx, ctx.validation(),
                    config.batchSize(), config.horizon(), config.discount(), config.goalConfig());
            this.actionDim = ctx.train().actionDim();
            MlpConfig net = new MlpConfig(1, config.hidden(), 1, config.activation(), config.layerNorm(), false);
            this.field = new VelocityField(train.condDim(), config.horizon() * actionDim, config.timeEmbedding(), net,
                    Seeds.rng(ctx.seed(), "init", "velocity"));
            this.adam = new Adam(AdamConfig.of(config.learningRate()), field.network());
            this.grads = field.network().newGradients();
            this.trainTape = field.network().newTape(config.batchSize());
            this.loss = new FlowMatching(field, config.batchSize());
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            grads.zero();
            float[] w = config.weightByValid() ? train.batch().lastValid() : null;
            double l = loss.loss(trainTape, train.actorConditioning(), train.batch().actions(), w, config.timeSampling(),
                    config.flowSteps(), rng, grads);
            adam.step(grads);
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
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put("flow-bc", new Policy() {
                @Override
                public int chunkLength() {
                    return config.horizon();
                }

                @Override
                public float[] act(float[] observations, float[] goals, int batch, Rng rng) {
                    if (actTape == null || actTape.capacity() < batch) actTape = field.network().newTape(batch);
                    float[] cond = OfflineBatches.policyConditioning(train.goalConditioned(), observations, goals, batch);
                    return EulerSampler.sample(field, actTape, cond, batch, config.flowSteps(), rng);
                }
            });
            return p;
        }

        @Override
        public void save(Path dir) throws IOException {
            new Checkpoint().add("velocity", field.network()).add("adam", adam).write(dir.resolve("flow_bc.bin"));
        }

        @Override
        public void load(Path dir) throws IOException {
            new Checkpoint().add("velocity", field.network()).add("adam", adam).read(dir.resolve("flow_bc.bin"));
        }

        @Override
        public long parameterCount() {
            return field.network().parameterCount();
        }
    }
}
