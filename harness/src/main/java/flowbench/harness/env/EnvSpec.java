package flowbench.harness.env;

/**
 * Shapes and limits of an environment.
 *
 * @param obsDim          observation dimension (the state, without the goal)
 * @param actionDim       per-step action dimension; actions live in [-1, 1]^actionDim
 * @param goalDim         goal dimension in goal-conditioned mode (0 in single-task mode)
 * @param maxEpisodeSteps time limit; an episode reaching it is truncated
 */
public record EnvSpec(int obsDim, int actionDim, int goalDim, int maxEpisodeSteps) {
    public EnvSpec {
        if (obsDim <= 0 || actionDim <= 0 || goalDim < 0 || maxEpisodeSteps <= 0) {
            throw new IllegalArgumentException("invalid EnvSpec " + obsDim + "/" + actionDim + "/" + goalDim + "/" + maxEpisodeSteps);
        }
    }
}
