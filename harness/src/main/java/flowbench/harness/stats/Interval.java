package flowbench.harness.stats;

/**
 * A point estimate with a two-sided interval, and how the interval was computed.
 *
 * @param point      the statistic on the observed data
 * @param lower      lower end of the percentile bootstrap interval
 * @param upper      upper end
 * @param confidence nominal coverage, e.g. 0.95 (the ends are the (1-c)/2 and 1-(1-c)/2 percentiles)
 * @param reps       bootstrap replications (0 for a statistic reported without an interval)
 * @param seed       the explicit seed the replications were drawn with; the same data, reps and seed reproduce the
 *                   interval exactly (rliable's draws come from NumPy's global generator and do not, docs/benchmarks.md 4.2)
 */
public record Interval(double point, double lower, double upper, double confidence, int reps, long seed) {

    /** {@code upper - lower}. */
    public double width() {
        return upper - lower;
    }

    /** Whether {@code x} lies in {@code [lower, upper]}. */
    public boolean contains(double x) {
        return x >= lower && x <= upper;
    }
}
