package flowbench.harness.stats;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static flowbench.harness.stats.MetricTest.of;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProbabilityOfImprovementTest {
    static final double EPS = 1e-12;

    @Test
    void tinyArraysWithTiesAndUnequalCounts() {
        // task t1: x = {0.2, 0.5, 0.9}, y = {0.5, 0.1}
        //   0.2: vs 0.5 -> 0, vs 0.1 -> 1      = 1
        //   0.5: vs 0.5 -> 1/2 (tie), vs 0.1 -> 1 = 1.5
        //   0.9: 1 + 1                          = 2     U = 4.5, / (3*2) = 0.75
        // task t2: x = {0}, y = {1} -> 0
        // task t3 only in x: ignored. P(X > Y) = (0.75 + 0) / 2 = 0.375
        Map<String, double[]> x = of("t1", new double[] {0.2, 0.5, 0.9}, "t2", new double[] {0}, "t3", new double[] {1});
        Map<String, double[]> y = of("t1", new double[] {0.5, 0.1}, "t2", new double[] {1});
        assertEquals(0.375, ProbabilityOfImprovement.estimate(x, y), EPS);
        // the other way: t1 1 - 0.75 = 0.25, t2 1 -> 0.625; the two always add up to 1
        assertEquals(0.625, ProbabilityOfImprovement.estimate(y, x), EPS);
    }

    @Test
    void identicalArraysGiveOneHalf() {
        Map<String, double[]> x = of("a", new double[] {0.1, 0.4, 0.4, 0.9}, "b", new double[] {0.3});
        assertEquals(0.5, ProbabilityOfImprovement.estimate(x, x), EPS);
        // all-tied constants: every pair is a tie -> 1/2
        assertEquals(0.5, ProbabilityOfImprovement.estimate(of("a", new double[] {1, 1}), of("a", new double[] {1, 1, 1})), EPS);
    }

    @Test
    void dominationGivesOneAndZeroWidthInterval() {
        Map<String, double[]> x = of("a", new double[] {0.8, 0.9}, "b", new double[] {0.6, 0.7, 0.65});
        Map<String, double[]> y = of("a", new double[] {0.1, 0.2, 0.3}, "b", new double[] {0.5});
        Interval i = ProbabilityOfImprovement.interval(x, y, 1000, 0.95, 4);
        assertEquals(new Interval(1.0, 1.0, 1.0, 0.95, 1000, 4), i);
    }

    @Test
    void intervalIsSeededAndContainsPoint() {
        Map<String, double[]> x = StratifiedBootstrapTest.spread();
        Map<String, double[]> y = of("t1", new double[] {0.50, 0.55, 0.60, 0.40}, "t2", new double[] {0.95, 0.90, 0.70},
                "t3", new double[] {0.10, 0.20, 0.05, 0.30, 0.15}, "t4", new double[] {0.45, 0.35, 0.40});
        Interval a = ProbabilityOfImprovement.interval(x, y, 2000, 0.95, 7);
        Interval b = ProbabilityOfImprovement.interval(x, y, 2000, 0.95, 7);
        Interval c = ProbabilityOfImprovement.interval(x, y, 2000, 0.95, 8);
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertEquals(ProbabilityOfImprovement.estimate(x, y), a.point(), 0.0);
        assertTrue(a.contains(a.point()) && a.lower() < a.upper() && a.lower() >= 0 && a.upper() <= 1, a.toString());
    }

    @Test
    void noCommonTaskIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProbabilityOfImprovement.estimate(of("a", new double[] {1}), of("b", new double[] {1})));
        assertTrue(e.getMessage().contains("no task in common"), e.getMessage());
    }
}
