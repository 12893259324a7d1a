package flowbench.harness.stats;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static flowbench.harness.stats.MetricTest.of;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PerformanceProfileTest {
    @Test
    void curveCountsRunsStrictlyAboveTau() {
        // 5 runs: 0.1 0.5 | 0.5 0.9 1.0
        // tau 0    -> all 5 above          = 1.0
        // tau 0.5  -> 0.9, 1.0 (0.5 is not strictly above) = 2/5 = 0.4
        // tau 0.95 -> 1.0                  = 1/5 = 0.2
        // tau 1    -> none                 = 0
        Map<String, double[]> s = of("a", new double[] {0.1, 0.5}, "b", new double[] {0.5, 0.9, 1.0});
        assertArrayEquals(new double[] {1.0, 0.4, 0.2, 0.0}, PerformanceProfile.curve(s, new double[] {0, 0.5, 0.95, 1}), 1e-15);
    }

    @Test
    void bandMatchesCurveAndIsNonIncreasing() {
        Map<String, double[]> s = StratifiedBootstrapTest.spread();
        double[] taus = PerformanceProfile.linspace(0, 1, 21);
        double[] curve = PerformanceProfile.curve(s, taus);
        Interval[] band = PerformanceProfile.band(s, taus, 2000, 0.95, 3);
        assertEquals(taus.length, band.length);
        for (int k = 0; k < taus.length; k++) {
            assertEquals(curve[k], band[k].point(), 0.0);
            assertTrue(band[k].contains(curve[k]), "tau " + taus[k] + ": " + band[k]);
            assertEquals(3, band[k].seed());
            if (k > 0) {
                assertTrue(curve[k] <= curve[k - 1]);
                assertTrue(band[k].upper() <= band[k - 1].upper() && band[k].lower() <= band[k - 1].lower(),
                        "every resample's profile is non-increasing, so are the percentile ends");
            }
        }
        // tau at or above every score: exactly 0 with zero width; below every score: exactly 1
        assertEquals(new Interval(0, 0, 0, 0.95, 2000, 3), band[taus.length - 1]);
        assertEquals(new Interval(1, 1, 1, 0.95, 2000, 3), PerformanceProfile.band(s, new double[] {-0.5}, 2000, 0.95, 3)[0]);
        assertArrayEquals(band, PerformanceProfile.band(s, taus, 2000, 0.95, 3), "seeded");
    }

    @Test
    void linspaceIsNumpys() {
        assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75, 1}, PerformanceProfile.linspace(0, 1, 5), 0.0);
        assertEquals(1.0, PerformanceProfile.linspace(0, 1, 101)[100], 0.0);
        assertEquals(0.37, PerformanceProfile.linspace(0, 1, 101)[37], 1e-15);
    }
}
