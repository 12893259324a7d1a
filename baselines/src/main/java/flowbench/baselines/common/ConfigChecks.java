package flowbench.baselines.common;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The argument checks of config records' compact constructors, with one message form naming the algorithm, the field,
 * what was expected and what was given: {@code "fql: batchSize must be >= 1, got 0"}. The comparisons are written
 * {@code !(x > 0)} and so on, so NaN fails every range check.
 *
 * <pre>{@code
 * public Config {
 *     ConfigChecks check = new ConfigChecks("fql");
 *     actorHidden = check.widths("actorHidden", actorHidden);
 *     check.atLeast("batchSize", batchSize, 1);
 *     check.positive("learningRate", learningRate);
 *     check.set("goals", goals);
 * }
 * }</pre>
 */
public final class ConfigChecks {
    private final String algorithm;

    /** @param algorithm the registered name that starts every message */
    public ConfigChecks(String algorithm) {
        this.algorithm = algorithm;
    }

    private IllegalArgumentException fail(String field, String expected, Object got) {
        return new IllegalArgumentException(algorithm + ": " + field + " must " + expected + ", got " + got);
    }

    /** Hidden-layer widths: at least one, each &gt;= 1; returns an immutable copy for the record to own. */
    public List<Integer> widths(String field, List<Integer> widths) {
        if (widths == null || widths.isEmpty()) {
            throw new IllegalArgumentException(algorithm + ": " + field + " must list at least one width");
        }
        for (int i = 0; i < widths.size(); i++) {
            Integer w = widths.get(i);
            if (w == null || w < 1) throw fail(field + "[" + i + "]", "be >= 1", w);
        }
        return List.copyOf(widths);
    }

    /** The widths as the int[] the network classes take. */
    public static int[] ints(List<Integer> widths) {
        return widths.stream().mapToInt(Integer::intValue).toArray();
    }

    /** {@code value >= min}. */
    public void atLeast(String field, int value, int min) {
        if (value < min) throw fail(field, "be >= " + min, value);
    }

    /** Finite and &gt; 0 (learning rates, scales). */
    public void positive(String field, double value) {
        if (!(value > 0) || !Double.isFinite(value)) throw fail(field, "be > 0", value);
    }

    /** &gt;= 0 (weights, inverse temperatures, coefficients where 0 switches a term off). */
    public void nonNegative(String field, double value) {
        if (!(value >= 0)) throw fail(field, "be >= 0", value);
    }

    /** In [0, 1): a discount factor γ. */
    public void discount(String field, double value) {
        if (!(value >= 0 && value < 1)) throw fail(field, "be in [0, 1)", value);
    }

    /** In [0, 1]: a Polyak rate τ. */
    public void unitInterval(String field, double value) {
        if (!(value >= 0 && value <= 1)) throw fail(field, "be in [0, 1]", value);
    }

    /** In (0, 1): an expectile. */
    public void openUnitInterval(String field, double value) {
        if (!(value > 0 && value < 1)) throw fail(field, "be in (0, 1)", value);
    }

    /** Non-null; {@code expected} says what may be given (e.g. "GELU or RELU"), or is empty. */
    public <T> T set(String field, T value, String expected) {
        if (value == null) {
            throw new IllegalArgumentException(algorithm + ": " + field + " must be set" + (expected.isEmpty() ? "" : " (" + expected + ")"));
        }
        return value;
    }

    /** Non-null. */
    public <T> T set(String field, T value) {
        return set(field, value, "");
    }

    /**
     * A sweep of weights (one policy each): a list, possibly empty, of finite values &gt;= 0 with no value twice as
     * policy names write it (shortest plain decimal: 0.0 and −0.0 would both name a policy "…(w=0)"); returns an
     * immutable copy.
     */
    public List<Double> sweep(String field, List<Double> values) {
        if (values == null) throw new IllegalArgumentException(algorithm + ": " + field + " must be a list (may be empty: [])");
        Set<String> seen = new HashSet<>();
        for (Double w : values) {
            if (w == null || !Double.isFinite(w) || w < 0) throw fail(field, "hold finite values >= 0", values);
            String name = plainDecimal(w);
            if (!seen.add(name)) throw new IllegalArgumentException(algorithm + ": " + field + " lists " + name + " twice");
        }
        return List.copyOf(values);
    }

    /** A weight as policy names write it: the shortest plain decimal (0.1 → "0.1", 0.004 → "0.004", 1.0 → "1"). */
    public static String plainDecimal(double x) {
        return BigDecimal.valueOf(x).stripTrailingZeros().toPlainString();
    }
}
