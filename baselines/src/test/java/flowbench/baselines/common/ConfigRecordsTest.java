package flowbench.baselines.common;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigRecordsTest {

    /** A config shaped like the algorithms' ones: widths as a list, a checked double, another list. */
    record Sample(List<Integer> hidden, double lr, String name, List<Double> weights) {
        Sample {
            ConfigChecks check = new ConfigChecks("sample");
            hidden = check.widths("hidden", hidden);
            check.positive("lr", lr);
        }
    }

    private static Sample sample() {
        return new Sample(List.of(8, 4), 0.5, "a", List.of(1.0, 3.0));
    }

    @Test
    void listComponentsGiveValueEqualityWithoutHandWrittenOverrides() {
        assertEquals(sample(), sample());
        assertEquals(sample().hashCode(), sample().hashCode());
        assertEquals("Sample[hidden=[8, 4], lr=0.5, name=a, weights=[1.0, 3.0]]", sample().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Sample(List.of(8, 0), 0.5, "a", List.of()));
        assertEquals("sample: hidden[1] must be >= 1, got 0", e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> sample().hidden().set(0, 1), "the record owns an immutable copy");
    }

    @Test
    void withReplacesOnlyTheNamedComponentsAndRunsTheConstructorChecks() {
        Sample a = sample();
        Sample b = ConfigRecords.with(a, "lr", 0.125, "hidden", new int[] {3});
        assertEquals(0.125, b.lr());
        assertEquals(List.of(3), b.hidden(), "int[] widths are taken for a list component");
        assertEquals("a", b.name());
        assertEquals(0.5, a.lr(), "the original is unchanged");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> ConfigRecords.with(a, "lr", 0.0));
        assertEquals("sample: lr must be > 0, got 0.0", bad.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> ConfigRecords.with(a, "rl", 1.0));
        assertTrue(unknown.getMessage().contains("no component 'rl'") && unknown.getMessage().contains("lr"),
                unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfigRecords.with(a, "lr"));
    }
}
