package flowbench.harness.stats;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scores of one method: task name to per-run (seed) scores, already normalised (success in [0, 1]).
 *
 * <p>The map is copied in task-name order and made unmodifiable; arrays are copied too, so a ScoreSet cannot change
 * after it is built. Tasks may have different numbers of runs.
 */
public record ScoreSet(String method, Map<String, double[]> runsByTask) {
    public ScoreSet {
        if (method == null || method.isBlank()) throw new IllegalArgumentException("ScoreSet method name is missing");
        Strata.of(runsByTask, "method '" + method + "'"); // validates: non-empty, every task with >= 1 finite score
        Map<String, double[]> copy = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : new TreeMap<>(runsByTask).entrySet()) copy.put(e.getKey(), e.getValue().clone());
        runsByTask = Collections.unmodifiableMap(copy);
    }

    /** Total number of runs over all tasks. */
    public int runCount() {
        int n = 0;
        for (double[] r : runsByTask.values()) n += r.length;
        return n;
    }
}
