package flowbench.harness.stats;

import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.util.Map;
import java.util.TreeMap;

/**
 * Probability of improvement P(X > Y) (docs/benchmarks.md 4.1; {@code rliable.metrics.probability_of_improvement}): per
 * task the Mann-Whitney U statistic of X's runs against Y's (one-sided "greater": pairs with x > y count 1, ties 1/2)
 * divided by {@code n_x n_y}, then averaged over tasks. Identical arrays give 0.5; P(X > Y) + P(Y > X) = 1.
 *
 * <p>Only tasks both methods have are compared (rliable passes arrays over the same tasks); run counts may differ.
 */
public final class ProbabilityOfImprovement {
    static final String LABEL = "independent-bootstrap";

    private ProbabilityOfImprovement() {}

    /** Mean over common tasks of U/(n_x n_y), ties counting 1/2. */
    public static double estimate(Map<String, double[]> x, Map<String, double[]> y) {
        Strata[] c = common(x, y);
        return poi(c[0].runs, c[1].runs);
    }

    /**
     * Percentile interval from rliable's {@code StratifiedIndependentBootstrap}: each replication resamples X's runs
     * within each task and, independently, Y's runs within each task. Draws: {@code Seeds.rng(seed,
     * "independent-bootstrap")}, per replication first all of X (tasks in name order), then all of Y.
     */
    public static Interval interval(Map<String, double[]> x, Map<String, double[]> y, int reps, double confidence, long seed) {
        Strata.checkReps(reps, confidence);
        Strata[] c = common(x, y);
        Strata sx = c[0], sy = c[1];
        double point = poi(sx.runs, sy.runs);
        double[] values = new double[reps];
        double[][] bx = sx.newBuffer();
        double[][] by = sy.newBuffer();
        Rng rng = Seeds.rng(seed, LABEL);
        for (int r = 0; r < reps; r++) {
            sx.resample(rng, bx);
            sy.resample(rng, by);
            values[r] = poi(bx, by);
        }
        double[] ends = Strata.percentileEnds(values, confidence);
        return new Interval(point, ends[0], ends[1], confidence, reps, seed);
    }

    /** The tasks both have, as two strata over the same (sorted) task list. */
    private static Strata[] common(Map<String, double[]> x, Map<String, double[]> y) {
        Strata.of(x, "X");
        Strata.of(y, "Y");
        TreeMap<String, double[]> cx = new TreeMap<>();
        TreeMap<String, double[]> cy = new TreeMap<>();
        for (Map.Entry<String, double[]> e : x.entrySet()) {
            if (y.containsKey(e.getKey())) {
                cx.put(e.getKey(), e.getValue());
                cy.put(e.getKey(), y.get(e.getKey()));
            }
        }
        if (cx.isEmpty()) {
            throw new IllegalArgumentException("probability of improvement: X (tasks " + new TreeMap<>(x).keySet() + ") and Y (tasks "
                    + new TreeMap<>(y).keySet() + ") have no task in common; expected at least one");
        }
        return new Strata[] {Strata.of(cx, "X"), Strata.of(cy, "Y")};
    }

    static double poi(double[][] x, double[][] y) {
        double sum = 0;
        for (int t = 0; t < x.length; t++) sum += uOverN(x[t], y[t]);
        return sum / x.length;
    }

    /** Mann-Whitney U_x / (n_x n_y) = P(x > y) + P(x = y)/2 over all pairs. */
    static double uOverN(double[] x, double[] y) {
        double u = 0;
        for (double a : x) {
            for (double b : y) {
                if (a > b) u += 1;
                else if (a == b) u += 0.5;
            }
        }
        return u / ((double) x.length * y.length);
    }
}
