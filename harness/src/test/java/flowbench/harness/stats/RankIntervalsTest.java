package flowbench.harness.stats;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static flowbench.harness.stats.MetricTest.of;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RankIntervalsTest {
    @Test
    void dominatingMethodRanksFirstAndTiesShareRanks() {
        // a beats b and c on every task, so a is first on every task resample: [1, 1].
        // b and c are identical: they always tie for ranks 2 and 3 -> rank 2.5 each, interval [2, 3].
        ScoreSet a = new ScoreSet("a", of("t1", new double[] {0.9, 0.8}, "t2", new double[] {0.8}, "t3", new double[] {0.7}));
        ScoreSet b = new ScoreSet("b", of("t1", new double[] {0.5}, "t2", new double[] {0.4, 0.4}, "t3", new double[] {0.1}));
        ScoreSet c = new ScoreSet("c", of("t1", new double[] {0.5}, "t2", new double[] {0.4}, "t3", new double[] {0.1}));
        List<RankInterval> r = RankIntervals.compute(List.of(c, b, a), 2000, 0.95, 0);
        assertEquals(List.of(new RankInterval("a", 1.0, 1, 1), new RankInterval("b", 2.5, 2, 3), new RankInterval("c", 2.5, 2, 3)), r);
        assertEquals(Map.of("a", 1.0, "b", 2.5, "c", 2.5), RankIntervals.pointRanks(List.of(a, b, c)));
    }

    @Test
    void orderThatDependsOnTheTasksGivesOverlappingIntervals() {
        // x: t1 1.0, t2 0.0 (mean 0.5); y: t1 0.0, t2 0.9 (mean 0.45). Resamples of 2 tasks:
        //   {t1,t1} p 1/4: x first; {t1,t2} or {t2,t1} p 1/2: 0.5 > 0.45, x first; {t2,t2} p 1/4: y first.
        // x's expected rank = 1*3/4 + 2*1/4 = 1.25, y's 1.75; both ranks occur with p >= 1/4, so both intervals are [1, 2]
        ScoreSet x = new ScoreSet("x", of("t1", new double[] {1.0}, "t2", new double[] {0.0}));
        ScoreSet y = new ScoreSet("y", of("t1", new double[] {0.0}, "t2", new double[] {0.9}, "t9", new double[] {1}));
        List<RankInterval> r = RankIntervals.compute(List.of(x, y), 20_000, 0.95, 1);
        assertEquals("x", r.get(0).method());
        assertEquals(1.25, r.get(0).meanRank(), 0.015);
        assertEquals(1.75, r.get(1).meanRank(), 0.015);
        assertArrayEquals(new int[] {1, 2, 1, 2}, new int[] {r.get(0).bestRank(), r.get(0).worstRank(), r.get(1).bestRank(), r.get(1).worstRank()});
        assertEquals(List.of("t1", "t2"), RankIntervals.commonTasks(List.of(x, y)), "t9 is not shared and is left out");
        assertEquals(r, RankIntervals.compute(List.of(x, y), 20_000, 0.95, 1), "seeded");
    }

    @Test
    void rejectsDuplicateMethodsAndNoCommonTasks() {
        ScoreSet x = new ScoreSet("x", of("t1", new double[] {1.0}));
        assertThrows(IllegalArgumentException.class, () -> RankIntervals.compute(List.of(x, x), 10, 0.95, 0));
        ScoreSet y = new ScoreSet("y", of("t2", new double[] {1.0}));
        assertThrows(IllegalArgumentException.class, () -> RankIntervals.compute(List.of(x, y), 10, 0.95, 0));
    }
}
