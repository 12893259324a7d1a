package flowbench.harness.data;

/**
 * One-step goal-conditioned batch, the content of OGBench's {@code GCDataset.sample}: transitions (s, a, s') at rows
 * idx, a value goal and an actor goal, and reward/mask against the value goal: success = (value goal row == idx),
 * reward = success (or success - 1), mask = 1 - success. Arrays are row-major, owned by the batch and overwritten by
 * {@link GoalSampler#sampleInto(GoalBatch, flowbench.harness.rng.Rng)}.
 */
public final class GoalBatch {
    private final int batchSize;
    private final int obsDim;
    private final int actionDim;
    private final int goalDim;
    final int[] indices;
    final int[] valueGoalIndices;
    final int[] actorGoalIndices;
    final float[] observations;
    final float[] actions;
    final float[] nextObservations;
    final float[] rewards;
    final float[] masks;
    final float[] valueGoals;
    final float[] actorGoals;

    public GoalBatch(int batchSize, int obsDim, int actionDim, int goalDim) {
        if (batchSize < 1 || obsDim < 1 || actionDim < 1 || goalDim < 1) {
            throw new IllegalArgumentException("batch dimensions must be positive");
        }
        this.batchSize = batchSize;
        this.obsDim = obsDim;
        this.actionDim = actionDim;
        this.goalDim = goalDim;
        indices = new int[batchSize];
        valueGoalIndices = new int[batchSize];
        actorGoalIndices = new int[batchSize];
        observations = new float[batchSize * obsDim];
        actions = new float[batchSize * actionDim];
        nextObservations = new float[batchSize * obsDim];
        rewards = new float[batchSize];
        masks = new float[batchSize];
        valueGoals = new float[batchSize * goalDim];
        actorGoals = new float[batchSize * goalDim];
    }

    public int batchSize() { return batchSize; }
    public int obsDim() { return obsDim; }
    public int actionDim() { return actionDim; }
    public int goalDim() { return goalDim; }
    /** Dataset rows of the transitions, (B). */
    public int[] indices() { return indices; }
    public int[] valueGoalIndices() { return valueGoalIndices; }
    public int[] actorGoalIndices() { return actorGoalIndices; }
    /** (B, obs_dim). */
    public float[] observations() { return observations; }
    /** (B, A). */
    public float[] actions() { return actions; }
    /** (B, obs_dim). */
    public float[] nextObservations() { return nextObservations; }
    /** (B). */
    public float[] rewards() { return rewards; }
    /** (B). */
    public float[] masks() { return masks; }
    /** (B, goal_dim). */
    public float[] valueGoals() { return valueGoals; }
    /** (B, goal_dim). */
    public float[] actorGoals() { return actorGoals; }
}
