package flowbench.harness.protocol;

import java.nio.file.Path;

/**
 * Points in the run loop where an observer is called. The runner never depends on them; tests throw from them to
 * simulate a crash at that exact point, and tools can use them for monitoring.
 */
public interface RunHooks {
    RunHooks NONE = new RunHooks() {};

    /** After update {@code step - 1} (so {@code step} updates are done), before logging/evaluating that step. */
    default void afterUpdate(long step) {}

    default void beforeEvaluation(long step) {}

    /** The checkpoint for {@code step} is complete in its staging folder but not yet renamed into place. */
    default void checkpointStaged(long step, Path stagingDir) {}

    default void checkpointCommitted(long step, Path checkpointDir) {}
}
