package flowbench.harness.data;

import flowbench.harness.rng.Rng;

import java.util.Arrays;

/**
 * Hindsight goal sampling for goal-conditioned training, following OGBench's {@code GCDataset.sample_goals}.
 *
 * <p><b>Goal rows.</b> For a transition row idx, with final = the first row >= idx whose {@code terminals} is set
 * (the trajectory's last transition; OGBench's {@code searchsorted} on terminal locations):
 * <ul>
 *   <li>random goal: a uniform dataset row (COMPACT datasets: a uniform valid row, like {@code get_random_idxs});</li>
 *   <li>future goal, geometric: min(idx + k, final), k ~ Geometric(p = 1 - discount) on {1, 2, ...};</li>
 *   <li>future goal, uniform: round-half-even(min(idx + 1, final) * u + final * (1 - u)), u ~ U[0, 1): a later row of
 *       the same trajectory (idx itself only when idx is the final row);</li>
 *   <li>then future is chosen with probability pTraj / (1 - pCur + 1e-6), else random (OGBench's exact expression),
 *       and finally the current row replaces it with probability pCur.</li>
 * </ul>
 * The goal is the {@link GoalProjection} of the goal row (by default its observation). Reward and mask for one-step
 * batches: success = (value goal row == idx), reward = success (+ {@link GoalConfig#rewardOffset()}),
 * mask = 1 - success.
 *
 * <p><b>Goal-conditioned chunks</b> ({@link #sampleChunksInto}). Start idx is drawn exactly as {@link ChunkSampler}
 * does (uniform on 0..size-H, valid rows only for COMPACT), the value and actor goal rows are drawn for idx as above,
 * and the chunk is filled with {@link ChunkSampler}'s recursion (actions, valid, terminals, next observations
 * identical) using per-row labels relabelled against the value goal row g:
 * <pre>
 *   r_j = [j == g] + offset,  m_j = 1 - [j == g]       (the one-step convention applied to every row of the chunk)
 *   rewards[0] = r_idx;  rewards[i] = rewards[i-1] + gamma^i * r_j * valid[i] * [masks[i-1] > 0]
 *   masks[i]   = valid[i] ? min(masks[i-1], m_j) : masks[i-1]
 * </pre>
 * So the chunk succeeds when any of its valid states s_idx..s_{idx+H-1} is the goal row, the goal is absorbing (no
 * reward is added after the step that reached it, which only matters for negative rewards), and with H = 1 the batch
 * equals the one-step convention exactly. gamma is {@link GoalConfig#discount()}.
 */
public final class GoalSampler {
    private final Dataset dataset;
    private final GoalConfig config;
    private final int goalDim;
    private final GoalProjection projection;
    private final int[] terminalLocs;
    /** Valid rows for COMPACT datasets (random indices come from these), null for REGULAR. */
    private final int[] validRows;
    /** Start-index sampler for the last horizon used (chunk starts as ChunkSampler draws them). */
    private ChunkSampler cachedStarts;

    /** Goals are whole observations. */
    public GoalSampler(Dataset dataset, GoalConfig config) {
        this(dataset, config, dataset.obsDim(), GoalProjection.observations(dataset));
    }

    public GoalSampler(Dataset dataset, GoalConfig config, int goalDim, GoalProjection projection) {
        if (goalDim < 1) throw new IllegalArgumentException("goalDim must be positive, got " + goalDim);
        this.dataset = dataset;
        this.config = config;
        this.goalDim = goalDim;
        this.projection = projection;
        boolean[] term = dataset.terminals();
        int n = dataset.size();
        if (n == 0 || !term[n - 1]) {
            throw new IllegalArgumentException("goal sampling needs the dataset's last row to end a trajectory "
                    + "(terminals[size-1] = 1), as OGBench's GCDataset asserts");
        }
        int count = 0;
        for (boolean t : term) if (t) count++;
        terminalLocs = new int[count];
        int k = 0;
        for (int r = 0; r < n; r++) if (term[r]) terminalLocs[k++] = r;
        validRows = dataset.mode() == DatasetMode.COMPACT ? ChunkSampler.validRows(dataset, n - 1) : null;
        if (validRows != null && validRows.length == 0) throw new IllegalArgumentException("compact dataset has no valid row");
    }

    /** Goals are observation columns [from, to), e.g. (0, 2) for a maze agent's x-y. */
    public static GoalSampler observationSlice(Dataset dataset, GoalConfig config, int from, int to) {
        return new GoalSampler(dataset, config, to - from, GoalProjection.observationSlice(dataset, from, to));
    }

    public Dataset dataset() { return dataset; }
    public GoalConfig config() { return config; }
    public int goalDim() { return goalDim; }

    /** A uniform dataset row (valid rows only for COMPACT). */
    public int randomIndex(Rng rng) {
        return validRows == null ? rng.nextInt(dataset.size()) : validRows[rng.nextInt(validRows.length)];
    }

    /** The last transition row of the trajectory containing {@code idx}. */
    public int finalStateIndex(int idx) {
        int pos = Arrays.binarySearch(terminalLocs, idx);
        if (pos < 0) pos = -pos - 1;
        return terminalLocs[pos];
    }

    /** A goal row for {@code idx} with the given mixture, drawn as in the class comment. */
    public int sampleGoal(int idx, double pCur, double pTraj, boolean geom, Rng rng) {
        int random = randomIndex(rng);
        int fin = finalStateIndex(idx);
        int traj;
        if (geom) {
            long offset = geometric(1.0 - config.discount(), rng);
            traj = (int) Math.min(idx + offset, fin);
        } else {
            double u = rng.nextDouble();
            // np.round rounds half to even, as Math.rint does
            traj = (int) Math.rint(Math.min(idx + 1, fin) * u + fin * (1.0 - u));
        }
        int goal = rng.nextDouble() < pTraj / (1.0 - pCur + 1e-6) ? traj : random;
        return rng.nextDouble() < pCur ? idx : goal;
    }

    public int sampleValueGoal(int idx, Rng rng) {
        return sampleGoal(idx, config.valuePCurGoal(), config.valuePTrajGoal(), config.valueGeomSample(), rng);
    }

    public int sampleActorGoal(int idx, Rng rng) {
        return sampleGoal(idx, config.actorPCurGoal(), config.actorPTrajGoal(), config.actorGeomSample(), rng);
    }

    /** numpy's geometric: trials until the first success, support {1, 2, ...}; inverse-CDF draw. */
    static long geometric(double p, Rng rng) {
        if (p >= 1.0) return 1;
        double u = 1.0 - rng.nextDouble(); // (0, 1]
        double k = Math.floor(Math.log(u) / Math.log1p(-p));
        return k >= Long.MAX_VALUE / 2 ? Long.MAX_VALUE / 2 : 1L + (long) k;
    }

    public GoalBatch newBatch(int batchSize) {
        return new GoalBatch(batchSize, dataset.obsDim(), dataset.actionDim(), goalDim);
    }

    public GoalBatch sample(int batchSize, Rng rng) {
        GoalBatch out = newBatch(batchSize);
        sampleInto(out, rng);
        return out;
    }

    /** Refills a preallocated one-step batch. */
    public void sampleInto(GoalBatch out, Rng rng) {
        if (out.obsDim() != dataset.obsDim() || out.actionDim() != dataset.actionDim() || out.goalDim() != goalDim) {
            throw new IllegalArgumentException("batch shape does not match this sampler");
        }
        int od = dataset.obsDim();
        int ad = dataset.actionDim();
        float offset = config.rewardOffset();
        for (int b = 0; b < out.batchSize(); b++) {
            int idx = randomIndex(rng);
            int vg = sampleValueGoal(idx, rng);
            int ag = sampleActorGoal(idx, rng);
            out.indices[b] = idx;
            out.valueGoalIndices[b] = vg;
            out.actorGoalIndices[b] = ag;
            System.arraycopy(dataset.observations(), idx * od, out.observations, b * od, od);
            System.arraycopy(dataset.actions(), idx * ad, out.actions, b * ad, ad);
            System.arraycopy(dataset.nextObservations(), idx * od, out.nextObservations, b * od, od);
            boolean success = vg == idx;
            out.rewards[b] = (success ? 1f : 0f) + offset;
            out.masks[b] = success ? 0f : 1f;
            projection.project(vg, out.valueGoals, b * goalDim);
            projection.project(ag, out.actorGoals, b * goalDim);
        }
    }

    public GoalChunkBatch newChunkBatch(int batchSize, int horizon) {
        return new GoalChunkBatch(batchSize, horizon, dataset.obsDim(), dataset.actionDim(), goalDim);
    }

    public GoalChunkBatch sampleChunks(int batchSize, int horizon, Rng rng) {
        GoalChunkBatch out = newChunkBatch(batchSize, horizon);
        sampleChunksInto(out, rng);
        return out;
    }

    /** Refills a preallocated goal-conditioned chunk batch; its horizon is the batch's. */
    public void sampleChunksInto(GoalChunkBatch out, Rng rng) {
        int h = out.horizon();
        if (out.obsDim() != dataset.obsDim() || out.actionDim() != dataset.actionDim() || out.goalDim() != goalDim) {
            throw new IllegalArgumentException("batch shape does not match this sampler");
        }
        ChunkSampler starts = startSampler(h);
        double[] discounts = new double[h];
        for (int i = 0; i < h; i++) discounts[i] = Math.pow(config.discount(), i);
        for (int b = 0; b < out.batchSize(); b++) {
            int idx = starts.sampleStart(rng);
            int vg = sampleValueGoal(idx, rng);
            int ag = sampleActorGoal(idx, rng);
            fillGoalChunk(out, b, idx, vg, ag, discounts);
        }
    }

    /** Fills element {@code b} with the chunk at {@code start} and the given goal rows (deterministic; for tests and replays). */
    public void fillChunk(GoalChunkBatch out, int b, int start, int valueGoal, int actorGoal) {
        int h = out.horizon();
        if (start < 0 || start > dataset.size() - h) {
            throw new IndexOutOfBoundsException("chunk start " + start + " outside 0.." + (dataset.size() - h));
        }
        double[] discounts = new double[h];
        for (int i = 0; i < h; i++) discounts[i] = Math.pow(config.discount(), i);
        fillGoalChunk(out, b, start, valueGoal, actorGoal, discounts);
    }

    private void fillGoalChunk(GoalChunkBatch out, int b, int idx, int vg, int ag, double[] discounts) {
        ChunkSampler.fillChunk(dataset, discounts, out, b, idx, null, null, vg, config.rewardOffset(), true);
        out.valueGoalIndices[b] = vg;
        out.actorGoalIndices[b] = ag;
        projection.project(vg, out.valueGoals, b * goalDim);
        projection.project(ag, out.actorGoals, b * goalDim);
    }

    private ChunkSampler startSampler(int h) {
        ChunkSampler s = cachedStarts;
        if (s == null || s.horizon() != h) {
            s = new ChunkSampler(dataset, h, config.discount());
            cachedStarts = s;
        }
        return s;
    }
}
