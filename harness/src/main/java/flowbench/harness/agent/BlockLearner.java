package flowbench.harness.agent;

import java.util.Map;

/**
 * A learner for which one call doing k updates is much cheaper than k calls (an external learner, where every call is a
 * round trip to another process). The harness then trains in blocks that end exactly at every logging, evaluation and
 * checkpoint step, so the record is the same as with one call per update. Such a learner draws its own training
 * randomness (from {@code Seeds.derive(seed, "train", s)} by convention); {@link #update} is not called.
 */
public interface BlockLearner extends Learner {
    /**
     * Updates {@code firstStep} … {@code firstStep + steps - 1}.
     *
     * @return the last update's metrics
     */
    Map<String, Double> updateBlock(long firstStep, int steps);
}
