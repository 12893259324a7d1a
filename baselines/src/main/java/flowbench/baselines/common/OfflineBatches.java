package flowbench.baselines.common;

import flowbench.harness.agent.AgentContext;
import flowbench.harness.data.ChunkBatch;
import flowbench.harness.data.ChunkSampler;
import flowbench.harness.data.Dataset;
import flowbench.harness.data.GoalChunkBatch;
import flowbench.harness.data.GoalSampling;
import flowbench.harness.data.GoalSampler;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;

/**
 * Training batches for every offline agent, single-task and goal-conditioned alike: action chunks of length H from the
 * chunked n-step sampler (docs/qam.md section 0.1) and, for goal-conditioned tasks, hindsight goals (docs/qgf.md section 5)
 * concatenated to the observation, so that agents see one "conditioning" vector c = s or c = [s, g].
 */
public final class OfflineBatches {
    private final boolean goalConditioned;
    private final int obsDim;
    private final int goalDim;
    private final int horizon;
    private final ChunkSampler chunks;
    private final GoalSampler goals;
    private final ChunkBatch batch;
    private final float[] actorCond;
    private final float[] valueCond;
    private final float[] nextValueCond;
    private final float[] nextObsScratch;

    public OfflineBatches(AgentContext ctx, Dataset dataset, int batchSize, int horizon, double gamma, GoalSampling goalConfig) {
        this.goalConditioned = ctx.task().mode() == TaskMode.GOAL_CONDITIONED;
        this.obsDim = dataset.obsDim();
        this.goalDim = goalConditioned ? ctx.task().spec().goalDim() : 0;
        this.horizon = horizon;
        if (goalConditioned) {
            int from = ctx.task().goalColumnsFrom();
            int to = ctx.task().goalColumnsTo();
            if (to - from != goalDim || from < 0 || to > obsDim) {
                throw new IllegalArgumentException("task " + ctx.task().name() + ": goal columns [" + from + ", " + to
                        + ") do not give goalDim " + goalDim + " within obsDim " + obsDim);
            }
            this.goals = GoalSampler.observationSlice(dataset, goalConfig.at(gamma), from, to);
            this.chunks = null;
            this.batch = goals.newChunkBatch(batchSize, horizon);
        } else {
            this.goals = null;
            this.chunks = new ChunkSampler(dataset, horizon, gamma);
            this.batch = chunks.newBatch(batchSize);
        }
        this.actorCond = new float[batchSize * condDim()];
        this.valueCond = new float[batchSize * condDim()];
        this.nextValueCond = new float[batchSize * condDim()];
        this.nextObsScratch = new float[batchSize * obsDim];
    }

    /** Columns of the conditioning vector: obsDim, plus goalDim in goal-conditioned mode. */
    public int condDim() {
        return obsDim + goalDim;
    }

    public int horizon() {
        return horizon;
    }

    public boolean goalConditioned() {
        return goalConditioned;
    }

    /** Draws a new batch. */
    public void sample(Rng rng) {
        if (goalConditioned) {
            goals.sampleChunksInto((GoalChunkBatch) batch, rng);
            concat(batch.observations(), ((GoalChunkBatch) batch).actorGoals(), actorCond, batch.batchSize(), obsDim, goalDim);
        } else {
            chunks.sampleInto(batch, rng);
            System.arraycopy(batch.observations(), 0, actorCond, 0, actorCond.length);
        }
        fillValueConditioning();
    }

    private void fillValueConditioning() {
        int n = batch.batchSize();
        batch.lastNextObservations(nextObsScratch);
        if (goalConditioned) {
            float[] vg = ((GoalChunkBatch) batch).valueGoals();
            concat(batch.observations(), vg, valueCond, n, obsDim, goalDim);
            concat(nextObsScratch, vg, nextValueCond, n, obsDim, goalDim);
        } else {
            System.arraycopy(batch.observations(), 0, valueCond, 0, valueCond.length);
            System.arraycopy(nextObsScratch, 0, nextValueCond, 0, nextValueCond.length);
        }
    }

    /** The raw chunk batch of the last {@link #sample} (observations, actions, rewards, masks, valid, ...). */
    public ChunkBatch batch() {
        return batch;
    }

    /** Actor conditioning [s] or [s, g_actor], batch x condDim. */
    public float[] actorConditioning() {
        return actorCond;
    }

    /**
     * Critic conditioning [s] or [s, g_value], batch x condDim: the value (critic) goal, against which the batch's
     * rewards and masks were relabelled (equal to {@link #actorConditioning()} in single-task mode).
     */
    public float[] valueConditioning() {
        return valueCond;
    }

    /**
     * Bootstrap conditioning [s'_H] or [s'_H, g_value], batch x condDim: the chunk's last next observation
     * (next_observations[:, -1]) with the same value goal, for TD targets Q(s'_H, a') and the next action a'.
     */
    public float[] nextValueConditioning() {
        return nextValueCond;
    }

    /**
     * What a policy is conditioned on at evaluation time: the observations as they are, or the row-wise concatenation
     * [s, g] when the task is goal-conditioned (the same layout as {@link #actorConditioning()} in training).
     */
    public static float[] policyConditioning(boolean goalConditioned, float[] observations, float[] goals, int rows) {
        if (!goalConditioned) return observations;
        int od = observations.length / rows;
        int gd = goals.length / rows;
        float[] c = new float[rows * (od + gd)];
        concat(observations, goals, c, rows, od, gd);
        return c;
    }

    /** Row-wise concatenation [a, b] into out. */
    public static void concat(float[] a, float[] b, float[] out, int rows, int da, int db) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(a, r * da, out, r * (da + db), da);
            if (db > 0) System.arraycopy(b, r * db, out, r * (da + db) + da, db);
        }
    }
}
