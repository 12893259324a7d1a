package flowbench.harness.stats;

import java.util.Map;

/**
 * Performance profiles (score distributions), rliable's default kind (docs/benchmarks.md 4.1): for each threshold tau the
 * fraction of all runs over all tasks whose score is strictly above tau ({@code rliable.metrics.run_score_deviation},
 * {@code np.mean(scores > tau)} over the flattened array). With unequal run counts every run weighs the same.
 */
public final class PerformanceProfile {
    private PerformanceProfile() {}

    /** Fraction of all runs over all tasks scoring strictly above each tau. */
    public static double[] curve(Map<String, double[]> runsByTask, double[] taus) {
        Strata s = Strata.of(runsByTask);
        double[] out = new double[checkTaus(taus).length];
        fractions(s.runs, s.total, taus, out);
        return out;
    }

    /**
     * Per tau a stratified-bootstrap percentile interval around {@link #curve}; all taus share the same resamples
     * (rliable bootstraps the whole profile at once). Draws: {@code Seeds.rng(seed, "stratified-bootstrap")}, as in
     * {@link StratifiedBootstrap}. rliable's default is 2,000 reps.
     */
    public static Interval[] band(Map<String, double[]> runsByTask, double[] taus, int reps, double confidence, long seed) {
        Strata s = Strata.of(runsByTask);
        double[] t = checkTaus(taus).clone();
        int total = s.total;
        return StratifiedBootstrap.vector(s, t.length, (sample, out) -> fractions(sample, total, t, out), reps, confidence, seed);
    }

    /** {@code n} evenly spaced thresholds from {@code lo} to {@code hi} inclusive (NumPy's linspace). */
    public static double[] linspace(double lo, double hi, int n) {
        if (n < 2) throw new IllegalArgumentException("linspace needs n >= 2, got " + n);
        double[] out = new double[n];
        double step = (hi - lo) / (n - 1);
        for (int i = 0; i < n; i++) out[i] = lo + i * step;
        out[n - 1] = hi;
        return out;
    }

    private static double[] checkTaus(double[] taus) {
        if (taus == null || taus.length == 0) throw new IllegalArgumentException("no thresholds (taus); expected at least one");
        for (double t : taus) {
            if (Double.isNaN(t)) throw new IllegalArgumentException("a threshold (tau) is NaN; expected a number");
        }
        return taus;
    }

    private static void fractions(double[][] sample, int total, double[] taus, double[] out) {
        for (int k = 0; k < taus.length; k++) {
            double tau = taus[k];
            int above = 0;
            for (double[] r : sample) {
                for (double v : r) if (v > tau) above++;
            }
            out[k] = (double) above / total;
        }
    }
}
