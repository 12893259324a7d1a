package flowbench.harness.data;

/**
 * A batch of action chunks with n-step returns (docs/qam.md section 0.1, docs/qgf.md section 2.3), filled by
 * {@link ChunkSampler}. All arrays are row-major and are the batch's own storage: a sampler's {@code sampleInto}
 * overwrites them, so a batch can be allocated once and reused every gradient step.
 *
 * <ul>
 *   <li>{@link #observations()} (B, obs_dim): s_idx only</li>
 *   <li>{@link #actions()} (B, H, A), which read flat is the (B, H*A) chunk [a_0, ..., a_{H-1}] fed to critics and
 *       policies with {@code action_chunking=True}</li>
 *   <li>{@link #rewards()}, {@link #masks()}, {@link #valid()}, {@link #terminals()} (B, H): running discounted reward
 *       sum, running min of masks over valid steps, validity, running OR of terminals</li>
 *   <li>{@link #nextObservations()} (B, H, obs_dim): s'_{idx+i}, frozen at the episode's last transition</li>
 * </ul>
 * Agents use the last column: {@link #lastRewards()}, {@link #lastMasks()}, {@link #lastValid()},
 * {@link #lastNextObservations()}.
 */
public class ChunkBatch {
    private final int batchSize;
    private final int horizon;
    private final int obsDim;
    private final int actionDim;
    final int[] startIndices;
    final float[] observations;
    final float[] actions;
    final float[] rewards;
    final float[] masks;
    final float[] valid;
    final float[] terminals;
    final float[] nextObservations;

    public ChunkBatch(int batchSize, int horizon, int obsDim, int actionDim) {
        if (batchSize < 1 || horizon < 1 || obsDim < 1 || actionDim < 1) {
            throw new IllegalArgumentException("batch dimensions must be positive: batchSize=" + batchSize
                    + ", horizon=" + horizon + ", obsDim=" + obsDim + ", actionDim=" + actionDim);
        }
        this.batchSize = batchSize;
        this.horizon = horizon;
        this.obsDim = obsDim;
        this.actionDim = actionDim;
        this.startIndices = new int[batchSize];
        this.observations = new float[Math.multiplyExact(batchSize, obsDim)];
        this.actions = new float[Math.multiplyExact(Math.multiplyExact(batchSize, horizon), actionDim)];
        this.rewards = new float[batchSize * horizon];
        this.masks = new float[batchSize * horizon];
        this.valid = new float[batchSize * horizon];
        this.terminals = new float[batchSize * horizon];
        this.nextObservations = new float[Math.multiplyExact(Math.multiplyExact(batchSize, horizon), obsDim)];
    }

    public int batchSize() { return batchSize; }
    public int horizon() { return horizon; }
    public int obsDim() { return obsDim; }
    public int actionDim() { return actionDim; }
    /** H * A, the width of the flattened chunk action. */
    public int chunkActionDim() { return horizon * actionDim; }

    /** Dataset row of each element's first step, (B). */
    public int[] startIndices() { return startIndices; }
    /** (B, obs_dim). */
    public float[] observations() { return observations; }
    /** (B, H, A) row-major, equivalently (B, H*A). */
    public float[] actions() { return actions; }
    /** (B, H). */
    public float[] rewards() { return rewards; }
    /** (B, H). */
    public float[] masks() { return masks; }
    /** (B, H), 1 or 0. */
    public float[] valid() { return valid; }
    /** (B, H), running OR of the dataset's terminals, 1 or 0. */
    public float[] terminals() { return terminals; }
    /** (B, H, obs_dim). */
    public float[] nextObservations() { return nextObservations; }

    /** rewards[:, H-1] into {@code out} (B); returns out. */
    public float[] lastRewards(float[] out) { return lastColumn(rewards, out); }
    public float[] lastRewards() { return lastRewards(new float[batchSize]); }
    /** masks[:, H-1]. */
    public float[] lastMasks(float[] out) { return lastColumn(masks, out); }
    public float[] lastMasks() { return lastMasks(new float[batchSize]); }
    /** valid[:, H-1]: 0 where the chunk crosses an episode end (zero-weight the sample, keep it in the mean). */
    public float[] lastValid(float[] out) { return lastColumn(valid, out); }
    public float[] lastValid() { return lastValid(new float[batchSize]); }

    /** next_observations[:, H-1, :] into {@code out} (B, obs_dim); returns out. */
    public float[] lastNextObservations(float[] out) {
        for (int b = 0; b < batchSize; b++) {
            System.arraycopy(nextObservations, (b * horizon + horizon - 1) * obsDim, out, b * obsDim, obsDim);
        }
        return out;
    }

    public float[] lastNextObservations() { return lastNextObservations(new float[batchSize * obsDim]); }

    /** actions[:, 0, :] into {@code out} (B, A): the single action used with {@code action_chunking=False}. */
    public float[] firstActions(float[] out) {
        int chunk = horizon * actionDim;
        for (int b = 0; b < batchSize; b++) System.arraycopy(actions, b * chunk, out, b * actionDim, actionDim);
        return out;
    }

    public float[] firstActions() { return firstActions(new float[batchSize * actionDim]); }

    private float[] lastColumn(float[] bh, float[] out) {
        for (int b = 0; b < batchSize; b++) out[b] = bh[b * horizon + horizon - 1];
        return out;
    }
}
