package flowbench.harness.stats;

import flowbench.harness.rng.Rng;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static flowbench.harness.stats.MetricTest.of;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StratifiedBootstrapTest {
    static Map<String, double[]> spread() {
        // success rates in steps of 0.05 (20 episodes), 4 tasks x 6 runs
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put("t1", new double[] {0.55, 0.60, 0.45, 0.70, 0.65, 0.50});
        m.put("t2", new double[] {0.90, 0.85, 1.00, 0.95, 0.80, 0.90});
        m.put("t3", new double[] {0.10, 0.00, 0.25, 0.15, 0.05, 0.20});
        m.put("t4", new double[] {0.40, 0.35, 0.60, 0.30, 0.45, 0.50});
        return m;
    }

    @Test
    void degenerateDataGivesZeroWidthIntervals() {
        Map<String, double[]> s = of("a", new double[] {0.3, 0.3, 0.3}, "b", new double[] {0.7, 0.7});
        Map<Metric, Interval> iv = new StratifiedBootstrap(2000, 0.95, 1).intervals(s);
        for (Metric m : Metric.values()) {
            Interval i = iv.get(m);
            assertEquals(m.of(s), i.point(), 0.0);
            assertEquals(i.point(), i.lower(), 0.0, m.name());
            assertEquals(i.point(), i.upper(), 0.0, m.name());
        }
    }

    @Test
    void twoRunsHandComputedPercentiles() {
        // one task, runs {0, 1}: a resample's mean is 0 (p 1/4), 0.5 (p 1/2) or 1 (p 1/4).
        // 95%: the 2.5% and 97.5% percentiles fall in the 0 and 1 masses -> [0, 1].
        // 40%: the 30% and 70% percentiles both fall in the 0.5 mass (0.25 < 0.3, 0.75 > 0.7) -> [0.5, 0.5].
        Map<String, double[]> s = of("t", new double[] {0, 1});
        Interval wide = new StratifiedBootstrap(20_000, 0.95, 3).interval(s, Metric.MEAN);
        assertEquals(new Interval(0.5, 0.0, 1.0, 0.95, 20_000, 3), wide);
        Interval narrow = new StratifiedBootstrap(20_000, 0.40, 3).interval(s, Metric.MEAN);
        assertEquals(0.5, narrow.lower(), 0.0);
        assertEquals(0.5, narrow.upper(), 0.0);
    }

    @Test
    void sameSeedSameIntervalsDifferentSeedDifferent() {
        Map<String, double[]> s = spread();
        Map<Metric, Interval> a = new StratifiedBootstrap(3000, 0.95, 42).intervals(s);
        Map<Metric, Interval> b = new StratifiedBootstrap(3000, 0.95, 42).intervals(new HashMap<>(s));
        Map<Metric, Interval> c = new StratifiedBootstrap(3000, 0.95, 43).intervals(s);
        assertEquals(a, b, "same data, reps and seed, whatever the map order");
        int differing = 0;
        for (Metric m : Metric.values()) {
            assertEquals(42, a.get(m).seed());
            assertEquals(3000, a.get(m).reps());
            if (a.get(m).lower() != c.get(m).lower() || a.get(m).upper() != c.get(m).upper()) differing++;
        }
        assertTrue(differing >= 3, "another seed moves (almost surely) the interval ends: " + a + " vs " + c);
    }

    @Test
    void singleMetricEqualsTheSharedResamples() {
        StratifiedBootstrap b = new StratifiedBootstrap(2000, 0.9, 5);
        Map<Metric, Interval> all = b.intervals(spread());
        for (Metric m : Metric.values()) assertEquals(all.get(m), b.interval(spread(), m), m.name());
    }

    @Test
    void intervalsContainPointAndAreOrdered() {
        Map<Metric, Interval> iv = new StratifiedBootstrap(5000, 0.95, 0).intervals(spread());
        for (Metric m : Metric.values()) {
            Interval i = iv.get(m);
            assertTrue(i.lower() < i.upper(), m + " " + i);
            assertTrue(i.contains(i.point()), m + " " + i);
            assertEquals(m.of(spread()), i.point(), 0.0);
        }
        // gap = 1 - flattened mean, and with equal run counts flattened mean = mean of task means
        assertEquals(1 - iv.get(Metric.MEAN).point(), iv.get(Metric.OPTIMALITY_GAP).point(), 1e-12);
    }

    @Test
    void widthMatchesNormalTheoryForAMeanOfManyRuns() {
        // one task, 400 runs uniform on [0,1): the bootstrap distribution of the mean is close to normal with
        // sd = sigma_pop / sqrt(n), so the 95% percentile interval is about 2 * 1.96 * sigma_pop / sqrt(n) wide
        Rng rng = new Rng(11);
        double[] x = new double[400];
        for (int i = 0; i < x.length; i++) x[i] = rng.nextDouble();
        double mean = Metric.mean(x), var = 0;
        for (double v : x) var += (v - mean) * (v - mean);
        double expected = 2 * 1.959964 * Math.sqrt(var / x.length) / Math.sqrt(x.length);
        Interval i = new StratifiedBootstrap(8000, 0.95, 2).interval(of("t", x), Metric.MEAN);
        assertEquals(expected, i.width(), 0.06 * expected, i.toString());
        assertEquals(mean, (i.lower() + i.upper()) / 2, 0.1 * expected);
    }

    @Test
    void tasksAreFixedStrata() {
        // each task constant: no resample can change any task, so even across very different tasks the width is 0
        Interval i = new StratifiedBootstrap(500, 0.95, 9).interval(of("a", new double[] {0, 0}, "b", new double[] {1, 1, 1}), Metric.MEAN);
        assertEquals(0.0, i.width(), 0.0);
        assertEquals(0.5, i.point(), 0.0);
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new StratifiedBootstrap(0, 0.95, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StratifiedBootstrap(10, 95, 0));
        assertTrue(e.getMessage().contains("(0, 1)"), e.getMessage());
    }

    @Test
    void quantileIsNumpyLinear() {
        double[] v = {1, 2, 3, 4};
        // numpy.percentile([1,2,3,4], 2.5) = 1 + 0.075*(2-1) = 1.075; 97.5 -> h = 2.925 -> 3 + 0.925 = 3.925
        assertEquals(1.075, Strata.quantile(v, 0.025), 1e-15);
        assertEquals(3.925, Strata.quantile(v, 0.975), 1e-15);
        assertEquals(1.0, Strata.quantile(v, 0), 0.0);
        assertEquals(4.0, Strata.quantile(v, 1), 0.0);
        assertNotEquals(Strata.quantile(v, 0.5), Strata.quantile(v, 0.6));
    }
}
