package flowbench.harness.env;

/**
 * A batch of independent episodes stepped in lockstep, so that evaluation sends every episode of a task through the
 * policy network as one batch.
 *
 * <p>Each episode slot has its own seed; all randomness of an episode (start jitter, goal jitter, stochastic
 * transitions such as teleports) comes from that seed, so episode i of task k replays exactly for a given seed.
 */
public interface Environment extends AutoCloseable {
    EnvSpec spec();

    TaskMode mode();

    SuccessTiming successTiming();

    /**
     * Starts {@code seeds.length} episodes of evaluation task {@code taskId} (1-based, as OGBench's task_id).
     *
     * @return the initial observations, row-major (batch x obsDim)
     */
    float[] reset(int taskId, long[] seeds);

    /** Goals of the current episodes, row-major (batch x goalDim); empty in single-task mode. */
    float[] goals();

    /** Advances every live episode by one step with the given actions (batch x actionDim, clipped to [-1, 1]). */
    StepResult step(float[] actions);

    /** Number of episode slots of the current batch. */
    int batchSize();

    @Override
    default void close() {}
}
