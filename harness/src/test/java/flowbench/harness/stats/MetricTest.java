package flowbench.harness.stats;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricTest {
    static final double EPS = 1e-12;

    static Map<String, double[]> of(Object... kv) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (double[]) kv[i + 1]);
        return m;
    }

    @Test
    void iqmOfEightValuesDropsTwoEachSide() {
        // flattened and sorted: 0.1 0.2 0.3 0.4 | 0.5 0.8 0.9 1.0 ; cut int(0.25*8) = 2 from each end
        // middle 0.3 0.4 0.5 0.8 -> (0.3+0.4+0.5+0.8)/4 = 2.0/4 = 0.5
        Map<String, double[]> s = of("a", new double[] {0.1, 0.9, 0.4, 0.2}, "b", new double[] {0.8, 0.3, 0.5, 1.0});
        assertEquals(0.5, Metric.IQM.of(s), EPS);
        // mean: a = 1.6/4 = 0.4, b = 2.6/4 = 0.65 -> (0.4+0.65)/2 = 0.525; median of two task means = 0.525 too
        assertEquals(0.525, Metric.MEAN.of(s), EPS);
        assertEquals(0.525, Metric.MEDIAN.of(s), EPS);
        // gap: 1 - mean(all 8) = 1 - 4.2/8 = 1 - 0.525 = 0.475
        assertEquals(0.475, Metric.OPTIMALITY_GAP.of(s), EPS);
    }

    @Test
    void threeTasksWithUnequalRunCounts() {
        // a = {0.1,0.9,0.4,0.2} mean 0.4; b = {0.8,0.3,0.5,1.0} mean 0.65; c = {0.0,0.6} mean 0.3
        Map<String, double[]> s = of("a", new double[] {0.1, 0.9, 0.4, 0.2}, "b", new double[] {0.8, 0.3, 0.5, 1.0},
                "c", new double[] {0.0, 0.6});
        // IQM: 10 values 0.0 0.1 | 0.2 0.3 0.4 0.5 0.6 0.8 | 0.9 1.0, cut int(2.5) = 2 -> 2.8/6
        assertEquals(2.8 / 6, Metric.IQM.of(s), EPS);
        // mean of task means (each task weighs the same): (0.4+0.65+0.3)/3 = 1.35/3 = 0.45
        assertEquals(0.45, Metric.MEAN.of(s), EPS);
        // median of {0.3, 0.4, 0.65} = 0.4
        assertEquals(0.4, Metric.MEDIAN.of(s), EPS);
        // gap over the flattened runs (each run weighs the same): sum = 1.6+2.6+0.6 = 4.8 -> 1 - 4.8/10 = 0.52
        assertEquals(0.52, Metric.OPTIMALITY_GAP.of(s), EPS);
    }

    @Test
    void iqmFollowsScipyTrimMeanForCountsNotDivisibleByFour() {
        // n = 5: cut int(1.25) = 1 -> mean(2,3,4) = 3
        assertEquals(3.0, Metric.IQM.of(of("t", new double[] {5, 1, 3, 2, 4})), EPS);
        // n = 3: cut int(0.75) = 0 -> plain mean (0+0+0.9)/3 = 0.3
        assertEquals(0.3, Metric.IQM.of(of("t", new double[] {0, 0.9, 0})), EPS);
        // n = 7: cut 1 -> drop 0.0 and 1.0, mean(0.2,0.2,0.4,0.6,0.6) = 2.0/5 = 0.4
        assertEquals(0.4, Metric.IQM.of(of("x", new double[] {1.0, 0.2, 0.6}, "y", new double[] {0.0, 0.4, 0.2, 0.6})), EPS);
    }

    @Test
    void optimalityGapClipsScoresAboveGamma() {
        // min(1.2, 1) = 1, min(0.5, 1) = 0.5 -> 1 - 0.75 = 0.25
        assertEquals(0.25, Metric.OPTIMALITY_GAP.of(of("t", new double[] {1.2, 0.5})), EPS);
        assertEquals(0.0, Metric.OPTIMALITY_GAP.of(of("t", new double[] {1, 1}, "u", new double[] {1})), EPS);
    }

    @Test
    void medianOfOddTaskCountIsTheMiddleTaskMean() {
        // task means 0.9, 0.1, 0.5 (u = (0.4+0.6)/2) -> median 0.5
        assertEquals(0.5, Metric.MEDIAN.of(of("s", new double[] {0.9}, "t", new double[] {0.1}, "u", new double[] {0.4, 0.6})), EPS);
    }

    @Test
    void resultDoesNotDependOnMapOrder() {
        Map<String, double[]> a = of("z", new double[] {0.3, 0.1}, "a", new double[] {0.7, 0.2, 0.9});
        Map<String, double[]> b = new HashMap<>(a);
        for (Metric m : Metric.values()) assertEquals(m.of(a), m.of(b), 0.0, m.name());
    }

    @Test
    void badInputNamesTaskAndExpectation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Metric.MEAN.of(of("ok", new double[] {1}, "broken", new double[] {0.5, Double.NaN})));
        assertTrue(e.getMessage().contains("'broken'") && e.getMessage().contains("run 1") && e.getMessage().contains("finite"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Metric.IQM.of(of("empty", new double[0])));
        assertTrue(e.getMessage().contains("'empty'") && e.getMessage().contains("at least one"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Metric.IQM.of(Map.of()));
        assertTrue(e.getMessage().contains("no tasks"), e.getMessage());
    }
}
