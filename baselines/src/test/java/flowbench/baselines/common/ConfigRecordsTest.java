package flowbench.baselines.common;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigRecordsTest {

    /** A config shaped like the algorithms' ones: an array component, a checked double, a nested list. */
    record Sample(int[] hidden, double lr, String name, List<Double> weights) {
        Sample {
            ConfigChecks check = new ConfigChecks("sample");
            hidden = check.widths("hidden", hidden);
            check.positive("lr", lr);
        }

        @Override
        public int[] hidden() {
            return hidden.clone();
        }

        @Override
        public boolean equals(Object o) {
            return ConfigRecords.equals(this, o);
        }

        @Override
        public int hashCode() {
            return ConfigRecords.hashCode(this);
        }

        @Override
        public String toString() {
            return ConfigRecords.toString(this);
        }
    }

    private static Sample sample() {
        return new Sample(new int[] {8, 4}, 0.5, "a", List.of(1.0, 3.0));
    }

    @Test
    void equalityAndHashFollowArrayContentsNotIdentity() {
        Sample a = sample(), b = sample();
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, new Sample(new int[] {8, 5}, 0.5, "a", List.of(1.0, 3.0)));
        assertNotEquals(a, new Sample(new int[] {8, 4}, 0.25, "a", List.of(1.0, 3.0)));
        assertNotEquals(a, new Sample(new int[] {8, 4}, 0.5, "a", List.of(1.0)));
        assertNotEquals(a, null);
        assertNotEquals(a, "a");
    }

    @Test
    void toStringWritesEveryComponentWithArraysSpelledOut() {
        assertEquals("ConfigRecordsTest.Sample[hidden=[8, 4], lr=0.5, name=a, weights=[1.0, 3.0]]", sample().toString());
    }

    @Test
    void withReplacesOnlyTheNamedComponentsAndRunsTheConstructorChecks() {
        Sample a = sample();
        Sample b = ConfigRecords.with(a, "lr", 0.125, "hidden", new int[] {3});
        assertEquals(0.125, b.lr());
        assertArrayEquals(new int[] {3}, b.hidden());
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
