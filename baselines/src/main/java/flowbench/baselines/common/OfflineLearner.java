package flowbench.baselines.common;

import flowbench.baselines.flow.OdeSampler;
import flowbench.baselines.flow.TimeEmbedding;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.rl.TdCritic;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.GoalSampling;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.IOException;
import java.nio.file.Path;

/**
 * What every offline learner of this module shares, so that an algorithm's file holds only its networks, losses and
 * update order:
 * <ul>
 *   <li>the training and validation batch streams ({@link OfflineBatches}: chunks of H actions, hindsight goals on
 *       goal-conditioned tasks) and the dimensions derived from them: batch B, conditioning width ([s] or [s, g]),
 *       chunk width D = H·A, and γ^H for TD targets over a chunk;</li>
 *   <li>initialisation generators {@code Seeds.rng(seed, "init", name)}, one per network;</li>
 *   <li>the {@link LearnerModules} registry, from which {@link #save}, {@link #load} and {@link #parameterCount} follow
 *       (one checkpoint file {@code <checkpointName>.bin} in the learner folder);</li>
 *   <li>the policy wrappers: observations (and goals) to the conditioning the networks were trained on, chunks of H.</li>
 * </ul>
 */
public abstract class OfflineLearner implements Learner {
    protected final OfflineBatches train;
    /** Null when the run has no validation set. */
    protected final OfflineBatches validation;
    protected final boolean goalConditioned;
    protected final int batch;
    protected final int condDim;
    protected final int chunkDim;
    /** γ^H: the discount of a bootstrap H environment steps ahead. */
    protected final double discountH;
    protected final LearnerModules modules = new LearnerModules();
    private final String checkpointName;
    private final int horizon;
    private final long seed;

    /**
     * @param checkpointName stem of the checkpoint file, also used in error messages
     * @param discount       γ of the chunk sampler's n-step returns, the goal sampler's geometric offsets and γ^H
     * @param goals          hindsight goal sampling on goal-conditioned tasks (with γ = discount)
     */
    protected OfflineLearner(String checkpointName, AgentContext ctx, int batchSize, int horizon, double discount,
                             GoalSampling goals) {
        this.checkpointName = checkpointName;
        this.horizon = horizon;
        this.seed = ctx.seed();
        this.batch = batchSize;
        this.train = new OfflineBatches(ctx, ctx.train(), batchSize, horizon, discount, goals);
        this.validation = ctx.validation() == null ? null
                : new OfflineBatches(ctx, ctx.validation(), batchSize, horizon, discount, goals);
        this.goalConditioned = train.goalConditioned();
        this.condDim = train.condDim();
        this.chunkDim = horizon * ctx.train().actionDim();
        this.discountH = Math.pow(discount, horizon);
    }

    /** Clip to the action bounds [−1, 1] (jnp.clip: where it clips, its gradient is zero). */
    protected static float clip(float v) {
        return Math.max(-1f, Math.min(1f, v));
    }

    /** The initialisation generator of the network {@code name}: {@code Seeds.rng(seed, "init", name)}. */
    protected final Rng initRng(String name) {
        return Seeds.rng(seed, "init", name);
    }

    /**
     * The common TD critic ensemble (docs/qam.md section 0.2) on [c, a] with {@code actionDim} action columns, initialised
     * from {@code initRng("critic")}, trained as {@code critic}, its Polyak target kept as {@code target_critic}.
     */
    protected final TdCritic tdCritic(TdCritic.Config config, int actionDim) {
        TdCritic critic = new TdCritic(condDim, actionDim, config, batch, initRng("critic"));
        modules.train("critic", critic.network());
        modules.keep("target_critic", critic.targetNetwork());
        return critic;
    }

    /**
     * A velocity field v(c, x, t) on chunk actions as the FQL/QAM reference code builds its flow actors (raw t input,
     * no LayerNorm), initialised from {@code initRng(name)}; not registered (see {@link #flowActor}).
     */
    protected final VelocityField referenceFlow(String name, int[] hidden, Activation activation) {
        MlpConfig net = new MlpConfig(1, hidden, 1, activation, LayerNormPlacement.NONE, false);
        return new VelocityField(condDim, chunkDim, TimeEmbedding.RAW, net, initRng(name));
    }

    /** {@link #referenceFlow} trained under the same name. */
    protected final VelocityField flowActor(String name, int[] hidden, Activation activation) {
        VelocityField f = referenceFlow(name, hidden, activation);
        modules.train(name, f.network());
        return f;
    }

    /**
     * The policy conditioning of a batch of observations: themselves, or [s, g] row by row on goal-conditioned tasks
     * (the layout of {@link OfflineBatches#actorConditioning()} in training).
     */
    protected final float[] conditioning(float[] observations, float[] goals, int n) {
        if (!goalConditioned) return observations;
        int obsDim = observations.length / n;
        int goalDim = goals.length / n;
        if (obsDim + goalDim != condDim) {
            throw new IllegalArgumentException(checkpointName + ": observation (" + obsDim + ") + goal (" + goalDim
                    + ") columns do not match the trained conditioning width " + condDim);
        }
        return OfflineBatches.policyConditioning(true, observations, goals, n);
    }

    /** An acting rule on the policy conditioning. */
    @FunctionalInterface
    protected interface ActionSampler {
        /** @return n × D actions (a chunk of H per row) */
        float[] sample(float[] cond, int n, Rng rng);
    }

    /** A policy returning chunks of H actions from an acting rule on the conditioning. */
    protected final Policy policy(ActionSampler sampler) {
        return new Policy() {
            @Override
            public int chunkLength() {
                return horizon;
            }

            @Override
            public float[] act(float[] observations, float[] goals, int n, Rng rng) {
                return sampler.sample(conditioning(observations, goals, n), n, rng);
            }
        };
    }

    /** A policy acting with the clipped Euler ODE of {@code field} (N steps) from fresh noise, with a tape of its own. */
    protected final Policy odePolicy(VelocityField field, int steps) {
        return policy(new OdeSampler(field, steps)::sample);
    }

    @Override
    public void save(Path dir) throws IOException {
        modules.checkpoint().write(dir.resolve(checkpointName + ".bin"));
    }

    @Override
    public void load(Path dir) throws IOException {
        modules.checkpoint().read(dir.resolve(checkpointName + ".bin"));
    }

    @Override
    public long parameterCount() {
        return modules.parameterCount();
    }
}
