package flowbench.harness.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One evaluation episode.
 *
 * @param episode    index i within its task (its seed is {@code Seeds.derive(evalSeed, "episode", taskId, i)})
 * @param seed       the episode's environment seed
 * @param success    success flag of the episode's final step (OGBench: mean of final-step {@code info['success']})
 * @param episodeReturn sum of rewards
 * @param length     environment steps taken
 * @param terminated ended by task completion
 * @param truncated  ended by the time limit
 */
public record EpisodeOutcome(int episode, long seed, boolean success, @JsonProperty("return") double episodeReturn,
                             int length, boolean terminated, boolean truncated) {}
