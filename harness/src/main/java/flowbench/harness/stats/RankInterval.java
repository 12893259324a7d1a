package flowbench.harness.stats;

/**
 * A method's rank under task resampling (1 = best).
 *
 * @param meanRank  mean rank over the bootstrap replications (ties count as the average of the ranks they span)
 * @param bestRank  lower end of the rank interval, rounded down
 * @param worstRank upper end of the rank interval, rounded up: two methods whose [best, worst] overlap are not
 *                  shown as a strict order
 */
public record RankInterval(String method, double meanRank, int bestRank, int worstRank) {}
