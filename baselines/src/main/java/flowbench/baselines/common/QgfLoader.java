package flowbench.baselines.common;

import flowbench.harness.data.ChunkBatch;

/**
 * The two places where the QGF repository's data loader departs from OGBench's (docs/qgf.md sections 2.1 and 2.2), shared by
 * QGF and the train-time baselines of its paper (CFGRL, EDP), which train on the same loader.
 */
public final class QgfLoader {
    private QgfLoader() {}

    /** QGF's loader clips dataset actions to [−1 + 1e−5, 1 − 1e−5] (docs/qgf.md section 2.1); in place (the batch owns them). */
    public static void clipActions(float[] actions) {
        float hi = (float) (1 - 1e-5);
        for (int i = 0; i < actions.length; i++) actions[i] = Math.max(-hi, Math.min(hi, actions[i]));
    }

    /**
     * R_H, m_H and valid_H of the chunk's last step into the given arrays. With {@code terminalMasks} on a single-task
     * batch the masks follow the QUIRK of QGF's loader, m = 1 − terminals (docs/qgf.md section 2.2): terminals[:, H−1] is
     * the running OR over the chunk, so m is 0 exactly when a trajectory end lies within the chunk's valid steps; the
     * backup is cut only at dataset trajectory ends. Otherwise (goal-conditioned, or the dataset's own masks) m = the
     * batch's masks.
     */
    public static void labels(OfflineBatches source, boolean terminalMasks, float[] rewards, float[] masks, float[] valid) {
        ChunkBatch b = source.batch();
        b.lastRewards(rewards);
        b.lastValid(valid);
        if (source.goalConditioned() || !terminalMasks) {
            b.lastMasks(masks);
        } else {
            float[] term = b.terminals();
            int h = b.horizon();
            for (int i = 0; i < b.batchSize(); i++) masks[i] = 1f - term[i * h + h - 1];
        }
    }
}
