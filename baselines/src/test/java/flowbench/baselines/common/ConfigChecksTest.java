package flowbench.baselines.common;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConfigChecksTest {
    private final ConfigChecks check = new ConfigChecks("algo");

    private static void fails(String message, Executable e) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, e).getMessage());
    }

    @Test
    void widthsAreNonEmptyPositiveAndCopied() {
        java.util.List<Integer> in = new java.util.ArrayList<>(List.of(4, 2));
        List<Integer> out = check.widths("hidden", in);
        in.set(0, 99);
        assertEquals(List.of(4, 2), out);
        fails("algo: hidden must list at least one width", () -> check.widths("hidden", List.of()));
        fails("algo: hidden must list at least one width", () -> check.widths("hidden", null));
        fails("algo: hidden[1] must be >= 1, got 0", () -> check.widths("hidden", List.of(3, 0)));
        assertArrayEquals(new int[] {3, 5}, ConfigChecks.ints(List.of(3, 5)));
    }

    @Test
    void rangesNameFieldExpectationAndValueAndRejectNaN() {
        fails("algo: batchSize must be >= 1, got 0", () -> check.atLeast("batchSize", 0, 1));
        assertDoesNotThrow(() -> check.atLeast("batchSize", 1, 1));
        fails("algo: lr must be > 0, got 0.0", () -> check.positive("lr", 0));
        fails("algo: lr must be > 0, got NaN", () -> check.positive("lr", Double.NaN));
        fails("algo: lr must be > 0, got Infinity", () -> check.positive("lr", Double.POSITIVE_INFINITY));
        fails("algo: alpha must be >= 0, got -1.0", () -> check.nonNegative("alpha", -1));
        fails("algo: alpha must be >= 0, got NaN", () -> check.nonNegative("alpha", Double.NaN));
        assertDoesNotThrow(() -> check.nonNegative("alpha", 0));
        fails("algo: discount must be in [0, 1), got 1.0", () -> check.discount("discount", 1));
        assertDoesNotThrow(() -> check.discount("discount", 0));
        fails("algo: tau must be in [0, 1], got 1.5", () -> check.unitInterval("tau", 1.5));
        assertDoesNotThrow(() -> check.unitInterval("tau", 1));
        fails("algo: expectile must be in (0, 1), got 1.0", () -> check.openUnitInterval("expectile", 1));
        fails("algo: expectile must be in (0, 1), got 0.0", () -> check.openUnitInterval("expectile", 0));
        fails("algo: goals must be set", () -> check.set("goals", null));
        fails("algo: activation must be set (GELU or RELU)", () -> check.set("activation", null, "GELU or RELU"));
        assertEquals("x", check.set("goals", "x"));
    }

    @Test
    void sweepsHoldDistinctFiniteNonNegativeWeights() {
        List<Double> in = new ArrayList<>(List.of(0.3, 1.0));
        List<Double> out = check.sweep("weights", in);
        in.set(0, 5.0);
        assertEquals(List.of(0.3, 1.0), out);
        assertThrows(UnsupportedOperationException.class, () -> out.add(2.0));
        assertEquals(List.of(), check.sweep("weights", List.of()));
        fails("algo: weights lists 1 twice", () -> check.sweep("weights", List.of(1.0, 3.0, 1.0)));
        // 0.0 and -0.0 are different doubles but the same policy name
        fails("algo: weights lists 0 twice", () -> check.sweep("weights", List.of(0.0, -0.0)));
        fails("algo: weights must hold finite values >= 0, got [1.0, -2.0]", () -> check.sweep("weights", List.of(1.0, -2.0)));
        fails("algo: weights must be a list (may be empty: [])", () -> check.sweep("weights", null));
    }
}
