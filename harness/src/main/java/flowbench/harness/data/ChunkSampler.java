package flowbench.harness.data;

import flowbench.harness.rng.Rng;

/**
 * Action-chunked n-step sampling, {@code Dataset.sample_sequence(B, H, gamma)} of QC/QAM (docs/qam.md section 0.1) and QGF
 * (docs/qgf.md section 2.3). For each batch element a start index idx is drawn uniformly, then for i = 0..H-1 and
 * j = idx + i:
 * <pre>
 *   actions[i]   = a_j                                   (raw, even past an episode end: the BC loss sees them)
 *   valid[0]     = 1;  valid[i] = 1 - termcum[i-1]       termcum[i] = max(termcum[i-1], terminal_j) = terminals[i]
 *   rewards[0]   = r_idx;  rewards[i] = rewards[i-1] + gamma^i * r_j * valid[i]
 *   masks[0]     = m_idx;  masks[i] = valid[i] ? min(masks[i-1], m_j) : masks[i-1]
 *   next_obs[i]  = valid[i] ? s'_j : next_obs[i-1]       (frozen at the episode's last transition)
 * </pre>
 * Rewards are accumulated in double and stored as float.
 *
 * <p><b>Start indices.</b> REGULAR datasets: idx ~ Uniform{0, ..., size - H}, not aligned to chunks or episodes.
 * COMPACT datasets: idx is uniform over the rows of {0, ..., size - H} whose {@code valids} is true, as OGBench's
 * {@code Dataset.get_random_idxs} samples only valid rows; an episode's final row (no successor) is thus never a
 * start. Because compact terminals are 1 on both of the last two rows, the running OR cuts validity right after an
 * episode's last real transition, so an invalid row is never a valid step and s' is only read where it is meaningful.
 */
public final class ChunkSampler {
    private final Dataset dataset;
    private final int horizon;
    private final double gamma;
    private final double[] discounts;
    /** Admissible start rows for COMPACT datasets; null for REGULAR (every row in 0..size-H). */
    private final int[] compactStarts;
    private final int numStarts;

    public ChunkSampler(Dataset dataset, int horizon, double gamma) {
        if (horizon < 1) throw new IllegalArgumentException("horizon must be >= 1, got " + horizon);
        if (!(gamma >= 0 && gamma <= 1)) throw new IllegalArgumentException("gamma must be in [0, 1], got " + gamma);
        if (dataset.size() < horizon) {
            throw new IllegalArgumentException("dataset has " + dataset.size() + " rows, fewer than the horizon " + horizon);
        }
        this.dataset = dataset;
        this.horizon = horizon;
        this.gamma = gamma;
        this.discounts = new double[horizon];
        for (int i = 0; i < horizon; i++) discounts[i] = Math.pow(gamma, i);
        int last = dataset.size() - horizon;
        if (dataset.mode() == DatasetMode.COMPACT) {
            this.compactStarts = validRows(dataset, last);
            this.numStarts = compactStarts.length;
            if (numStarts == 0) throw new IllegalArgumentException("compact dataset has no valid start row in 0.." + last);
        } else {
            this.compactStarts = null;
            this.numStarts = last + 1;
        }
    }

    /** Rows 0..last whose valids flag is set. */
    static int[] validRows(Dataset d, int last) {
        boolean[] v = d.valids();
        int count = 0;
        for (int r = 0; r <= last; r++) if (v[r]) count++;
        int[] rows = new int[count];
        int k = 0;
        for (int r = 0; r <= last; r++) if (v[r]) rows[k++] = r;
        return rows;
    }

    public Dataset dataset() { return dataset; }
    public int horizon() { return horizon; }
    public double gamma() { return gamma; }
    /** How many start indices are possible (size - H + 1 for REGULAR). */
    public int numStarts() { return numStarts; }

    /** One start index, drawn as documented in the class comment. */
    public int sampleStart(Rng rng) {
        int k = rng.nextInt(numStarts);
        return compactStarts == null ? k : compactStarts[k];
    }

    public ChunkBatch newBatch(int batchSize) {
        return new ChunkBatch(batchSize, horizon, dataset.obsDim(), dataset.actionDim());
    }

    public ChunkBatch sample(int batchSize, Rng rng) {
        ChunkBatch out = newBatch(batchSize);
        sampleInto(out, rng);
        return out;
    }

    /** Refills a preallocated batch (no allocation). */
    public void sampleInto(ChunkBatch out, Rng rng) {
        checkShape(out);
        for (int b = 0; b < out.batchSize(); b++) fill(out, b, sampleStart(rng));
    }

    /** Fills element {@code b} of {@code out} with the chunk starting at dataset row {@code start}. */
    public void fill(ChunkBatch out, int b, int start) {
        checkShape(out);
        if (start < 0 || start > dataset.size() - horizon) {
            throw new IndexOutOfBoundsException("chunk start " + start + " outside 0.." + (dataset.size() - horizon));
        }
        fillChunk(dataset, discounts, out, b, start, dataset.rewards(), dataset.masks(), -1, 0f, false);
    }

    private void checkShape(ChunkBatch out) {
        if (out.horizon() != horizon || out.obsDim() != dataset.obsDim() || out.actionDim() != dataset.actionDim()) {
            throw new IllegalArgumentException("batch shape (H=" + out.horizon() + ", obs=" + out.obsDim() + ", act="
                    + out.actionDim() + ") does not match sampler (H=" + horizon + ", obs=" + dataset.obsDim()
                    + ", act=" + dataset.actionDim() + ")");
        }
    }

    /**
     * The chunk recursion. Per-row labels come either from the dataset ({@code rowRewards}/{@code rowMasks}) or, when
     * {@code goalRow >= 0}, from hindsight goal relabelling: r_j = [j == goalRow] + {@code goalRewardOffset},
     * m_j = 1 - [j == goalRow]. With {@code absorbing}, a step's reward is added only while no earlier step of the
     * chunk has reached mask 0 (the goal is absorbing); the single-task recursion of QAM/QGF has no such cut and is
     * kept as published.
     */
    static void fillChunk(Dataset d, double[] discounts, ChunkBatch out, int b, int start,
                          float[] rowRewards, float[] rowMasks, int goalRow, float goalRewardOffset, boolean absorbing) {
        int h = out.horizon();
        int od = d.obsDim();
        int ad = d.actionDim();
        float[] obs = d.observations();
        float[] act = d.actions();
        float[] next = d.nextObservations();
        boolean[] term = d.terminals();
        System.arraycopy(obs, start * od, out.observations, b * od, od);
        out.startIndices[b] = start;
        double reward = 0;
        float mask = 1f;
        boolean termCum = false;
        int base = b * h;
        for (int i = 0; i < h; i++) {
            int j = start + i;
            System.arraycopy(act, j * ad, out.actions, (base + i) * ad, ad);
            boolean v = i == 0 || !termCum;
            float rj;
            float mj;
            if (goalRow >= 0) {
                rj = (j == goalRow ? 1f : 0f) + goalRewardOffset;
                mj = j == goalRow ? 0f : 1f;
            } else {
                rj = rowRewards[j];
                mj = rowMasks[j];
            }
            if (i == 0) {
                reward = rj;
                mask = mj;
            } else if (v) {
                if (!absorbing || mask > 0f) reward += discounts[i] * rj;
                mask = Math.min(mask, mj);
            }
            out.rewards[base + i] = (float) reward;
            out.masks[base + i] = mask;
            out.valid[base + i] = v ? 1f : 0f;
            if (v) System.arraycopy(next, j * od, out.nextObservations, (base + i) * od, od);
            else System.arraycopy(out.nextObservations, (base + i - 1) * od, out.nextObservations, (base + i) * od, od);
            termCum |= term[j];
            out.terminals[base + i] = termCum ? 1f : 0f;
        }
    }
}
