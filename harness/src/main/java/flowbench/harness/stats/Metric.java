package flowbench.harness.stats;

import java.util.Arrays;
import java.util.Map;

/**
 * Aggregate metrics over {@code task -> runs}, defined as rliable implements them (docs/benchmarks.md 4.1;
 * {@code rliable.metrics.aggregate_*}). rliable takes a {@code [runs, tasks]} array, so every task has the same number
 * of runs there; with unequal run counts here IQM and the optimality gap weight every run equally (they flatten, as
 * rliable does) while mean and median weight every task equally (they average per-task means first).
 */
public enum Metric {
    /**
     * Interquartile mean: {@code scipy.stats.trim_mean(scores, 0.25, axis=None)}. Flatten all run x task scores, sort,
     * cut {@code int(0.25 n)} values from each end and average the rest (the middle 50% when 4 divides n).
     */
    IQM("IQM") {
        @Override
        double compute(double[][] s, double[] scratch) {
            int n = flatten(s, scratch);
            Arrays.sort(scratch, 0, n);
            int cut = (int) (0.25 * n); // scipy: lowercut = int(proportiontocut * nobs)
            double sum = 0;
            for (int i = cut; i < n - cut; i++) sum += scratch[i];
            return sum / (n - 2 * cut);
        }
    },
    /** Mean over tasks of the per-task run mean. */
    MEAN("Mean") {
        @Override
        double compute(double[][] s, double[] scratch) {
            double sum = 0;
            for (double[] r : s) sum += mean(r);
            return sum / s.length;
        }
    },
    /** Median over tasks of the per-task run means (the average of the two middle ones for an even task count). */
    MEDIAN("Median") {
        @Override
        double compute(double[][] s, double[] scratch) {
            int k = s.length;
            for (int t = 0; t < k; t++) scratch[t] = mean(s[t]);
            Arrays.sort(scratch, 0, k);
            return k % 2 == 1 ? scratch[k / 2] : (scratch[k / 2 - 1] + scratch[k / 2]) / 2;
        }
    },
    /**
     * Optimality gap {@code gamma - mean(min(scores, gamma))} over all flattened run x task scores, gamma = 1 (scores
     * are success rates in [0, 1]): how far runs fall short of "solved"; scores above gamma earn nothing extra.
     * Lower is better.
     */
    OPTIMALITY_GAP("Optimality gap") {
        @Override
        double compute(double[][] s, double[] scratch) {
            double sum = 0;
            int n = 0;
            for (double[] r : s) {
                for (double v : r) sum += Math.min(v, GAMMA);
                n += r.length;
            }
            return GAMMA - sum / n;
        }
    };

    /** The "solved" threshold of the optimality gap for [0, 1] success scores. */
    public static final double GAMMA = 1.0;

    private final String label;

    Metric(String label) {
        this.label = label;
    }

    /** Display name, as in rliable's plots ("IQM", "Mean", "Median", "Optimality gap"). */
    public String label() {
        return label;
    }

    /** Whether a larger value is better (false only for the optimality gap). */
    public boolean higherIsBetter() {
        return this != OPTIMALITY_GAP;
    }

    /** The metric on {@code task -> runs}; every task needs at least one finite score. */
    public double of(Map<String, double[]> runsByTask) {
        Strata s = Strata.of(runsByTask);
        return compute(s.runs, scratch(s));
    }

    static double[] scratch(Strata s) {
        return new double[Math.max(s.total, s.runs.length)];
    }

    /** @param scratch at least max(total runs, tasks) long; overwritten */
    abstract double compute(double[][] runs, double[] scratch);

    static int flatten(double[][] s, double[] into) {
        int n = 0;
        for (double[] r : s) {
            System.arraycopy(r, 0, into, n, r.length);
            n += r.length;
        }
        return n;
    }

    static double mean(double[] r) {
        double sum = 0;
        for (double v : r) sum += v;
        return sum / r.length;
    }
}
