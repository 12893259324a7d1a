package flowbench.harness.report;

import flowbench.harness.stats.Interval;
import flowbench.harness.stats.Metric;
import flowbench.harness.stats.ScoreSet;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The report's "settled orders": disjoint IQM intervals, only between methods over the same tasks. */
class SeparatedPairsTest {
    private static Map<Metric, Interval> iqm(double lo, double hi) {
        return Map.of(Metric.IQM, new Interval((lo + hi) / 2, lo, hi, 0.95, 100, 0));
    }

    private static ScoreSet set(String method, String... tasks) {
        Map<String, double[]> runs = new LinkedHashMap<>();
        for (String t : tasks) runs.put(t, new double[] {0.5});
        return new ScoreSet(method, runs);
    }

    @Test
    void disjointIntervalsOverTheSameTasksAreListedHigherFirst() {
        List<ScoreSet> scores = List.of(set("low", "a", "b"), set("high", "a", "b"), set("mid", "a", "b"),
                set("other-mode", "c"));
        Map<String, Map<Metric, Interval>> agg = Map.of(
                "low", iqm(0.0, 0.2), "high", iqm(0.5, 0.9), "mid", iqm(0.15, 0.55), "other-mode", iqm(0.95, 1.0));
        List<String[]> pairs = Report.separatedPairs(scores, agg);
        // low–mid touch (0.15 < 0.2) and mid–high overlap: only high > low is settled; other-mode shares no task set
        assertEquals(1, pairs.size());
        assertEquals(List.of("high", "low"), List.of(pairs.get(0)));
        assertEquals(3, Report.comparablePairs(scores));
    }

    @Test
    void touchingEndsAreNotSeparated() {
        List<ScoreSet> scores = List.of(set("x", "a"), set("y", "a"));
        assertEquals(0, Report.separatedPairs(scores, Map.of("x", iqm(0.0, 0.3), "y", iqm(0.3, 0.6))).size());
        assertEquals(1, Report.separatedPairs(scores, Map.of("x", iqm(0.0, 0.29), "y", iqm(0.3, 0.6))).size());
    }
}
