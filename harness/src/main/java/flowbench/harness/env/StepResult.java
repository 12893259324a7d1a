package flowbench.harness.env;

/**
 * The outcome of one batched step. Arrays have one entry per episode slot ({@code observations} is row-major,
 * batch x obsDim). A slot whose episode has already ended reports its final observation again, reward 0 and its
 * final flags; its action is ignored.
 *
 * @param terminated the episode ended because the task was completed (success ends the episode, as in OGBench)
 * @param truncated  the episode ended because of the time limit
 * @param success    success of this step under the task's {@link SuccessTiming}
 */
public record StepResult(float[] observations, float[] rewards, boolean[] terminated, boolean[] truncated, boolean[] success) {
    public boolean done(int i) {
        return terminated[i] || truncated[i];
    }
}
