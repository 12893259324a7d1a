package flowbench.harness.agent;

import flowbench.harness.rng.Rng;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A trainable agent. The harness owns the loop; the learner owns its networks, optimiser state and batch sampling.
 *
 * <p>Test-time methods expose several policies from one set of parameters (e.g. a BC flow and a critic give
 * "flow-bc", "qgf(w=0.01)", "best-of-8"); every named policy is evaluated and recorded separately.
 */
public interface Learner {
    /**
     * One gradient step.
     *
     * @param step 0-based index of this step
     * @param rng  generator for this step only (derived from the run seed and the step index)
     * @return scalar metrics for train.csv (losses, norms)
     */
    Map<String, Double> update(long step, Rng rng);

    /** Validation metrics (e.g. the BC loss on the validation split), computed without changing any state. */
    default Map<String, Double> validate(Rng rng) {
        return Map.of();
    }

    /** Named policies evaluated from the current parameters; iteration order is the report order. */
    Map<String, Policy> policies();

    /** Writes everything needed to continue training bit-identically: parameters, targets, optimiser state. */
    void save(Path dir) throws IOException;

    void load(Path dir) throws IOException;

    /** Number of trainable parameters (for scaling plots and compute accounting). */
    long parameterCount();

    /** Releases what the learner holds outside the JVM heap (an external learner's process); called once at the run's end. */
    default void close() {}
}
