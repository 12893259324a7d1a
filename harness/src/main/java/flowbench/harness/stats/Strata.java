package flowbench.harness.stats;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Validated, ordered view of {@code task -> runs}: tasks sorted by name so that bootstrap draws do not depend on the
 * iteration order of the caller's map (a HashMap and a LinkedHashMap with the same content give the same intervals).
 */
final class Strata {
    final String[] tasks;
    final double[][] runs;
    final int total;

    private Strata(String[] tasks, double[][] runs) {
        this.tasks = tasks;
        this.runs = runs;
        int n = 0;
        for (double[] r : runs) n += r.length;
        this.total = n;
    }

    static Strata of(Map<String, double[]> runsByTask) {
        return of(runsByTask, "scores");
    }

    static Strata of(Map<String, double[]> runsByTask, String what) {
        if (runsByTask == null || runsByTask.isEmpty()) {
            throw new IllegalArgumentException(what + ": no tasks; expected at least one task with at least one run");
        }
        TreeMap<String, double[]> sorted = new TreeMap<>();
        for (Map.Entry<String, double[]> e : runsByTask.entrySet()) {
            if (e.getKey() == null) throw new IllegalArgumentException(what + ": a task name is null");
            sorted.put(e.getKey(), e.getValue());
        }
        String[] tasks = sorted.keySet().toArray(String[]::new);
        double[][] runs = new double[tasks.length][];
        for (int t = 0; t < tasks.length; t++) {
            double[] r = sorted.get(tasks[t]);
            if (r == null || r.length == 0) {
                throw new IllegalArgumentException(what + ", task '" + tasks[t] + "': no runs; expected at least one score");
            }
            for (int i = 0; i < r.length; i++) {
                if (!Double.isFinite(r[i])) {
                    throw new IllegalArgumentException(what + ", task '" + tasks[t] + "': run " + i + " score is " + r[i]
                            + "; expected a finite number");
                }
            }
            runs[t] = r.clone();
        }
        return new Strata(tasks, runs);
    }

    /** A buffer with the same shape, for resamples. */
    double[][] newBuffer() {
        double[][] b = new double[runs.length][];
        for (int t = 0; t < runs.length; t++) b[t] = new double[runs[t].length];
        return b;
    }

    /** Resamples runs with replacement independently within each task (tasks fixed), rliable's StratifiedBootstrap. */
    void resample(flowbench.harness.rng.Rng rng, double[][] into) {
        for (int t = 0; t < runs.length; t++) {
            double[] src = runs[t];
            double[] dst = into[t];
            int n = src.length;
            for (int i = 0; i < n; i++) dst[i] = src[rng.nextInt(n)];
        }
    }

    static void checkReps(int reps, double confidence) {
        if (reps < 1) throw new IllegalArgumentException("bootstrap reps is " + reps + "; expected >= 1");
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence is " + confidence + "; expected a number in (0, 1), e.g. 0.95");
        }
    }

    /**
     * Percentile interval ends from bootstrap replications, NumPy's default ("linear") percentile, as arch's
     * {@code conf_int(method="percentile")} computes them for rliable. Sorts {@code values} in place.
     */
    static double[] percentileEnds(double[] values, double confidence) {
        Arrays.sort(values);
        double tail = (1 - confidence) / 2;
        return new double[] {quantile(values, tail), quantile(values, 1 - tail)};
    }

    /** numpy.percentile(sorted, 100 q) with linear interpolation; {@code sorted} must be ascending. */
    static double quantile(double[] sorted, double q) {
        int n = sorted.length;
        double h = (n - 1) * q;
        int lo = (int) Math.floor(h);
        if (lo >= n - 1) return sorted[n - 1];
        if (lo < 0) return sorted[0];
        double t = h - lo;
        double a = sorted[lo];
        double b = sorted[lo + 1];
        // a == b gives exactly a, so degenerate data gives zero-width intervals
        if (t == 0 || a == b) return a;
        // NumPy's _lerp: interpolate from the nearer end (keeps the result monotone and within [a, b])
        double diff = b - a;
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
    }
}
