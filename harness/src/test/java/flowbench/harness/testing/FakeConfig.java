package flowbench.harness.testing;

import java.util.List;

/** Config of {@link FakeAlgorithm}: scalar, string, list, enum and nested fields, to exercise override merging. */
public record FakeConfig(double lr, int batch, String tag, List<Integer> layers, Noise noise, Mode mode, int chunk) {
    public enum Mode { FAST, SLOW }

    public record Noise(double scale, boolean enabled) {}

    public FakeConfig {
        if (lr <= 0) throw new IllegalArgumentException("lr must be > 0, got " + lr);
        if (chunk < 1) throw new IllegalArgumentException("chunk must be >= 1, got " + chunk);
        layers = List.copyOf(layers);
    }
}
