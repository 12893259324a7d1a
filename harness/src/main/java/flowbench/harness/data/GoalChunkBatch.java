package flowbench.harness.data;

/**
 * A {@link ChunkBatch} whose rewards and masks are computed against a hindsight value goal, plus value and actor
 * goals. See {@link GoalSampler#sampleChunksInto(GoalChunkBatch, flowbench.harness.rng.Rng)} for the exact definition.
 */
public final class GoalChunkBatch extends ChunkBatch {
    private final int goalDim;
    final int[] valueGoalIndices;
    final int[] actorGoalIndices;
    final float[] valueGoals;
    final float[] actorGoals;

    public GoalChunkBatch(int batchSize, int horizon, int obsDim, int actionDim, int goalDim) {
        super(batchSize, horizon, obsDim, actionDim);
        if (goalDim < 1) throw new IllegalArgumentException("goalDim must be positive, got " + goalDim);
        this.goalDim = goalDim;
        valueGoalIndices = new int[batchSize];
        actorGoalIndices = new int[batchSize];
        valueGoals = new float[batchSize * goalDim];
        actorGoals = new float[batchSize * goalDim];
    }

    public int goalDim() { return goalDim; }
    public int[] valueGoalIndices() { return valueGoalIndices; }
    public int[] actorGoalIndices() { return actorGoalIndices; }
    /** (B, goal_dim). */
    public float[] valueGoals() { return valueGoals; }
    /** (B, goal_dim). */
    public float[] actorGoals() { return actorGoals; }
}
