package flowbench.harness.stats;

import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * rliable's stratified bootstrap with percentile intervals (docs/benchmarks.md 4.1, 4.2): every replication resamples the
 * runs of each task with replacement, independently per task, tasks fixed (the strata); the statistic is computed on
 * each resample and the interval ends are its (1-c)/2 and 1-(1-c)/2 percentiles.
 *
 * <p>Draws come from {@code Seeds.rng(seed, "stratified-bootstrap")}, tasks in name order, runs in order, so an
 * interval is a function of (data, reps, confidence, seed) alone. Every metric is computed on the same resamples:
 * {@code interval(x, m)} equals {@code intervals(x).get(m)} exactly.
 *
 * <p>rliable's defaults: 50,000 reps for headline intervals ({@link #HEADLINE_REPS}), 2,000 for performance profiles
 * ({@link #PROFILE_REPS}), 0.95 confidence.
 */
public final class StratifiedBootstrap {
    public static final int HEADLINE_REPS = 50_000;
    public static final int PROFILE_REPS = 2_000;
    public static final double CONFIDENCE = 0.95;
    static final String LABEL = "stratified-bootstrap";

    private final int reps;
    private final double confidence;
    private final long seed;

    public StratifiedBootstrap(int reps, double confidence, long seed) {
        Strata.checkReps(reps, confidence);
        this.reps = reps;
        this.confidence = confidence;
        this.seed = seed;
    }

    public int reps() {
        return reps;
    }

    public double confidence() {
        return confidence;
    }

    public long seed() {
        return seed;
    }

    public Interval interval(Map<String, double[]> runsByTask, Metric metric) {
        return run(Strata.of(runsByTask), List.of(metric)).get(metric);
    }

    /** All four metrics, on the same resamples. */
    public Map<Metric, Interval> intervals(Map<String, double[]> runsByTask) {
        return run(Strata.of(runsByTask), List.of(Metric.values()));
    }

    private Map<Metric, Interval> run(Strata s, List<Metric> metrics) {
        double[] scratch = Metric.scratch(s);
        int m = metrics.size();
        double[] points = new double[m];
        for (int k = 0; k < m; k++) points[k] = metrics.get(k).compute(s.runs, scratch);
        double[][] values = new double[m][reps];
        double[][] buf = s.newBuffer();
        Rng rng = Seeds.rng(seed, LABEL);
        for (int r = 0; r < reps; r++) {
            s.resample(rng, buf);
            for (int k = 0; k < m; k++) values[k][r] = metrics.get(k).compute(buf, scratch);
        }
        Map<Metric, Interval> out = new EnumMap<>(Metric.class);
        for (int k = 0; k < m; k++) {
            double[] ends = Strata.percentileEnds(values[k], confidence);
            out.put(metrics.get(k), new Interval(points[k], ends[0], ends[1], confidence, reps, seed));
        }
        return out;
    }

    /**
     * Generic stratified bootstrap of a vector statistic: {@code stat} fills {@code out} from a {@code [task][run]}
     * sample (tasks in name order) and must not modify the sample. Returns one interval per component.
     */
    static Interval[] vector(Strata s, int dims, VectorStat stat, int reps, double confidence, long seed) {
        Strata.checkReps(reps, confidence);
        double[] point = new double[dims];
        stat.eval(s.runs, point);
        double[][] values = new double[dims][reps];
        double[] out = new double[dims];
        double[][] buf = s.newBuffer();
        Rng rng = Seeds.rng(seed, LABEL);
        for (int r = 0; r < reps; r++) {
            s.resample(rng, buf);
            stat.eval(buf, out);
            for (int d = 0; d < dims; d++) values[d][r] = out[d];
        }
        Interval[] res = new Interval[dims];
        for (int d = 0; d < dims; d++) {
            double[] ends = Strata.percentileEnds(values[d], confidence);
            res[d] = new Interval(point[d], ends[0], ends[1], confidence, reps, seed);
        }
        return res;
    }

    @FunctionalInterface
    interface VectorStat {
        void eval(double[][] sample, double[] out);
    }
}
