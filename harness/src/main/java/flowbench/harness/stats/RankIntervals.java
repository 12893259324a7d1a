package flowbench.harness.stats;

import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * MTEB-style rank intervals (docs/benchmarks.md 6.1, 8.3): a paired bootstrap over tasks. Each replication draws as many
 * tasks as there are, with replacement, the same draw for every method (paired); methods are ranked by their mean
 * score over the drawn tasks (a task's score is its run mean; 1 = best; equal means share the average of their ranks).
 * A method's interval is the percentile range of its ranks, rounded outward to whole ranks.
 *
 * <p>Only tasks every method has are used. Draws: {@code Seeds.rng(seed, "task-bootstrap")}.
 */
public final class RankIntervals {
    static final String LABEL = "task-bootstrap";

    private RankIntervals() {}

    /** Sorted by mean rank, then method name. */
    public static List<RankInterval> compute(List<ScoreSet> methods, int reps, double confidence, long seed) {
        Strata.checkReps(reps, confidence);
        Table t = table(methods);
        int m = t.methods.length;
        int k = t.tasks.length;
        double[][] ranks = new double[m][reps];
        double[] means = new double[m];
        double[] rank = new double[m];
        Rng rng = Seeds.rng(seed, LABEL);
        int[] draw = new int[k];
        for (int r = 0; r < reps; r++) {
            for (int j = 0; j < k; j++) draw[j] = rng.nextInt(k);
            for (int i = 0; i < m; i++) {
                double sum = 0;
                for (int j = 0; j < k; j++) sum += t.score[i][draw[j]];
                means[i] = sum / k;
            }
            rankDescending(means, rank);
            for (int i = 0; i < m; i++) ranks[i][r] = rank[i];
        }
        List<RankInterval> out = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            double mean = 0;
            for (double v : ranks[i]) mean += v;
            mean /= reps;
            double[] ends = Strata.percentileEnds(ranks[i], confidence);
            out.add(new RankInterval(t.methods[i], mean, (int) Math.floor(ends[0]), (int) Math.ceil(ends[1])));
        }
        out.sort(Comparator.comparingDouble(RankInterval::meanRank).thenComparing(RankInterval::method));
        return List.copyOf(out);
    }

    /** Ranks on all (common) tasks without resampling: method to rank, 1 = best, ties averaged. */
    public static Map<String, Double> pointRanks(List<ScoreSet> methods) {
        Table t = table(methods);
        double[] means = new double[t.methods.length];
        for (int i = 0; i < means.length; i++) means[i] = Metric.mean(t.score[i]);
        double[] rank = new double[means.length];
        rankDescending(means, rank);
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < means.length; i++) out.put(t.methods[i], rank[i]);
        return out;
    }

    /** Tasks every method has, in name order. */
    public static List<String> commonTasks(List<ScoreSet> methods) {
        return List.of(table(methods).tasks);
    }

    private record Table(String[] methods, String[] tasks, double[][] score) {}

    private static Table table(List<ScoreSet> methods) {
        if (methods == null || methods.isEmpty()) throw new IllegalArgumentException("rank intervals: no methods; expected at least one");
        Set<String> names = new HashSet<>();
        TreeSet<String> common = null;
        for (ScoreSet s : methods) {
            if (!names.add(s.method())) throw new IllegalArgumentException("rank intervals: method '" + s.method() + "' is given twice");
            if (common == null) common = new TreeSet<>(s.runsByTask().keySet());
            else common.retainAll(s.runsByTask().keySet());
        }
        if (common.isEmpty()) {
            throw new IllegalArgumentException("rank intervals: the methods " + names + " have no task in common; expected at least one");
        }
        String[] tasks = common.toArray(String[]::new);
        String[] ms = new String[methods.size()];
        double[][] score = new double[ms.length][tasks.length];
        for (int i = 0; i < ms.length; i++) {
            ms[i] = methods.get(i).method();
            for (int j = 0; j < tasks.length; j++) score[i][j] = Metric.mean(methods.get(i).runsByTask().get(tasks[j]));
        }
        return new Table(ms, tasks, score);
    }

    /** Rank 1 for the largest value; equal values get the average of the ranks they occupy. */
    static void rankDescending(double[] values, double[] ranks) {
        int n = values.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && values[order[j + 1]] == values[order[i]]) j++;
            double avg = (i + 1 + j + 1) / 2.0;
            for (int q = i; q <= j; q++) ranks[order[q]] = avg;
            i = j + 1;
        }
    }
}
