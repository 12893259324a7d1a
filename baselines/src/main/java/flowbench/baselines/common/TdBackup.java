package flowbench.baselines.common;

import flowbench.baselines.nn.Gradients;
import flowbench.baselines.rl.TdCritic;
import flowbench.harness.data.ChunkBatch;
import flowbench.harness.rng.Rng;

/**
 * The TD regression of the common critic (docs/qam.md section 0.2) on one batch, in the order every agent of the QAM and
 * FQL reference code runs it: the labels of the chunk's last step (R_H, m_H, valid_H); next actions a' at s'_H from
 * the agent's own sampler; the target y = R + γ^H·m·Q̄agg(s'_H, a') of the TARGET critic; the loss
 * mean_{k,b} (Q_k(c, a) − y)²·valid with its gradient. Owns its label and target buffers: one thread, and
 * {@link #valid()} holds the last batch's flags until the next call (agents weight their actor losses with them).
 */
public final class TdBackup {
    /** An agent's next-action rule a'(c') for the TD target. */
    @FunctionalInterface
    public interface NextActions {
        /** @return n × D clipped actions at the conditioning c' = [s'_H] or [s'_H, g_value] */
        float[] sample(float[] nextCond, int n, Rng rng);
    }

    private final TdCritic critic;
    private final double discountH;
    private final int batch;
    private final float[] rewards;
    private final float[] masks;
    private final float[] valid;
    private final float[] y;

    /**
     * @param critic    the critic {@link #loss} trains; null for a learner that only reads the labels (QAM's tests
     *                  with a fixed critic)
     * @param discountH γ^H
     */
    public TdBackup(TdCritic critic, double discountH, int batch) {
        this.critic = critic;
        this.discountH = discountH;
        this.batch = batch;
        this.rewards = new float[batch];
        this.masks = new float[batch];
        this.valid = new float[batch];
        this.y = new float[batch];
    }

    /** Reads R_H, m_H and valid_H of the chunk's last step. */
    public void labels(ChunkBatch b) {
        b.lastRewards(rewards);
        b.lastMasks(masks);
        b.lastValid(valid);
    }

    public float[] rewards() {
        return rewards;
    }

    public float[] masks() {
        return masks;
    }

    /** valid_H of the last {@link #labels} (or {@link #loss}) batch. */
    public float[] valid() {
        return valid;
    }

    /** The target buffer, for agents that build y themselves (IFQL's y = R + γ^H·m·V(s'_H)). */
    public float[] targets() {
        return y;
    }

    /**
     * Labels, next actions, targets and the TD loss on the last sampled batch of {@code ob}; accumulates dL/dθ into
     * {@code grads} when non-null.
     */
    public double loss(OfflineBatches ob, NextActions next, Rng rng, Gradients grads) {
        labels(ob.batch());
        float[] a = next.sample(ob.nextValueConditioning(), batch, rng);
        critic.targets(rewards, masks, discountH, ob.nextValueConditioning(), a, batch, y);
        return critic.loss(ob.valueConditioning(), ob.batch().actions(), y, valid, batch, grads);
    }
}
