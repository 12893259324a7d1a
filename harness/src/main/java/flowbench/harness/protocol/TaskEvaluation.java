package flowbench.harness.protocol;

import java.util.List;

/**
 * All episodes of one evaluation task for one policy.
 *
 * @param taskId           OGBench evaluation task id (1-based)
 * @param success          mean final-step success over the episodes
 * @param meanReturn       mean episode return
 * @param meanLength       mean episode length
 * @param nonFiniteActions action components the policy returned as NaN or infinite; they are executed as 0 and
 *                         counted here, so a diverged policy scores (badly) instead of stopping the run
 * @param episodes         per-episode outcomes in episode order
 */
public record TaskEvaluation(int taskId, double success, double meanReturn, double meanLength, long nonFiniteActions,
                             List<EpisodeOutcome> episodes) {
    public TaskEvaluation {
        episodes = List.copyOf(episodes);
    }
}
