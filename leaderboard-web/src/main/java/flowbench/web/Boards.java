package flowbench.web;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.report.ResultSet;
import flowbench.harness.report.ScoreKind;
import flowbench.harness.stats.Interval;
import flowbench.harness.stats.Metric;
import flowbench.harness.stats.PerformanceProfile;
import flowbench.harness.stats.RankInterval;
import flowbench.harness.stats.RankIntervals;
import flowbench.harness.stats.ScoreSet;
import flowbench.harness.stats.StratifiedBootstrap;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The statistics of a suite's leaderboard, computed with {@code flowbench.harness.stats} and cached per suite
 * revision and score kind: a new import or submission bumps the revision and the next request recomputes.
 *
 * <p>A leaderboard entry is one (algorithm, policy, config hash): a learner that exposes several policies (QGF's
 * guidance weights) gives several entries. Headline intervals (IQM, mean, median, optimality gap) use rliable's
 * 50,000-rep 95% stratified bootstrap; profiles and per-task intervals 2,000 reps; MTEB-style rank intervals 2,000
 * task-bootstrap reps. Every bootstrap uses the same explicit seed, stated on the page.
 */
public final class Boards {
    public static final int RANK_REPS = 2_000;
    public static final int TASK_REPS = 2_000;
    public static final double CONFIDENCE = StratifiedBootstrap.CONFIDENCE;
    /** QGF-style policy names carry their guidance weight: "qgf(w=0.01)". */
    static final Pattern GUIDANCE = Pattern.compile("\\bw\\s*=\\s*([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)");

    private final Store store;
    private final long seed;
    private final int headlineReps;
    private final int profileReps;
    private final Map<String, Board> cache = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    public Boards(Store store, long seed, int headlineReps, int profileReps) {
        this.store = store;
        this.seed = seed;
        this.headlineReps = headlineReps;
        this.profileReps = profileReps;
    }

    /** One leaderboard row. */
    public record Entry(String key, String label, String algorithm, String policy, String configHash, String status,
                        int runs, int minSeeds, int maxSeeds, List<String> tasks, Map<Metric, Interval> intervals,
                        RankInterval rank, long parameterCount, double meanSeconds, double meanTrainSeconds) {}

    /** Mean of one entry on one task with its bootstrap interval. */
    public record TaskCell(String entry, String label, String algorithm, String task, int seeds, Interval mean) {}

    /**
     * A computed leaderboard.
     *
     * @param ranked     entries with runs on every task of the suite, best IQM first
     * @param incomplete entries missing some task (shown per task only, not ranked)
     * @param plots      plot specifications for the page's charts (see app.js)
     */
    public record Board(String suite, long revision, ScoreKind kind, int headlineReps, int profileReps, int rankReps,
                        int taskReps, double confidence, long seed, List<Entry> ranked, List<Entry> incomplete,
                        List<TaskCell> perTask, ObjectNode plots, double computeSeconds) {}

    public Board board(Store.SuiteInfo suite, ScoreKind kind) throws SQLException {
        String key = suite.id() + "|" + kind;
        Board b = cache.get(key);
        if (b != null && b.revision() == suite.revision()) return b;
        synchronized (locks.computeIfAbsent(key, k -> new Object())) {
            b = cache.get(key);
            if (b != null && b.revision() == suite.revision()) return b;
            b = compute(suite, kind);
            cache.put(key, b);
            return b;
        }
    }

    /** Score of a policy of a run under a score kind. */
    static double score(Store.PolicyScore s, ScoreKind kind) {
        return kind == ScoreKind.FINAL ? s.finalSuccess() : s.last3Success();
    }

    private static String entryKey(String algorithm, String policy, String config) {
        return algorithm + "\n" + policy + "\n" + config;
    }

    private Board compute(Store.SuiteInfo suite, ScoreKind kind) throws SQLException {
        long t0 = System.nanoTime();
        List<String> tasks = suite.definition().tasks();
        List<Store.PolicyScore> scores = store.scores(suite.id());
        // algorithms with more than one config in this suite get the config hash in their label
        Map<String, Set<String>> configs = new HashMap<>();
        Map<String, Set<String>> policies = new HashMap<>();
        for (Store.PolicyScore s : scores) {
            configs.computeIfAbsent(s.algorithm(), k -> new TreeSet<>()).add(s.configHash());
            policies.computeIfAbsent(s.algorithm(), k -> new TreeSet<>()).add(s.policy());
        }
        Map<String, List<Store.PolicyScore>> byEntry = new LinkedHashMap<>();
        for (Store.PolicyScore s : scores) {
            byEntry.computeIfAbsent(entryKey(s.algorithm(), s.policy(), s.configHash()), k -> new ArrayList<>()).add(s);
        }
        List<Entry> complete = new ArrayList<>();
        List<Entry> incomplete = new ArrayList<>();
        List<TaskCell> perTask = new ArrayList<>();
        Map<String, Map<String, double[]>> runsOf = new LinkedHashMap<>();
        StratifiedBootstrap headline = new StratifiedBootstrap(headlineReps, CONFIDENCE, seed);
        StratifiedBootstrap taskBoot = new StratifiedBootstrap(TASK_REPS, CONFIDENCE, seed);
        for (Map.Entry<String, List<Store.PolicyScore>> e : byEntry.entrySet()) {
            List<Store.PolicyScore> list = e.getValue();
            Store.PolicyScore first = list.get(0);
            // the harness reports' method key: "qgf[qgf(w=0.01)]" when an algorithm exposes several policies
            String label = ResultSet.methodKey(first.algorithm(), first.policy(), policies.get(first.algorithm()).size() > 1);
            if (configs.get(first.algorithm()).size() > 1) label += " [config " + first.configHash().substring(0, 8) + "]";
            Map<String, List<Double>> byTask = new TreeMap<>();
            Set<String> statuses = new LinkedHashSet<>();
            double secs = 0, train = 0;
            long params = 0;
            for (Store.PolicyScore s : list) {
                byTask.computeIfAbsent(s.task(), k -> new ArrayList<>()).add(score(s, kind));
                statuses.add(s.status());
                secs += s.totalSeconds();
                train += s.trainSeconds();
                params = Math.max(params, s.parameterCount());
            }
            Map<String, double[]> runs = new TreeMap<>();
            byTask.forEach((t, v) -> runs.put(t, v.stream().mapToDouble(Double::doubleValue).toArray()));
            String status = statuses.size() > 1 ? "partly reproduced" : statuses.iterator().next();
            int min = runs.values().stream().mapToInt(a -> a.length).min().orElse(0);
            int max = runs.values().stream().mapToInt(a -> a.length).max().orElse(0);
            boolean full = runs.keySet().containsAll(tasks);
            // only the suite's tasks count; a record of another task cannot be in the suite (validation), but be safe
            runs.keySet().retainAll(tasks);
            for (Map.Entry<String, double[]> t : runs.entrySet()) {
                perTask.add(new TaskCell(e.getKey(), label, first.algorithm(), t.getKey(), t.getValue().length,
                        taskBoot.interval(Map.of(t.getKey(), t.getValue()), Metric.MEAN)));
            }
            Map<Metric, Interval> iv = full && !runs.isEmpty() ? headline.intervals(runs) : Map.of();
            Entry entry = new Entry(e.getKey(), label, first.algorithm(), first.policy(), first.configHash(), status,
                    list.size(), min, max, List.copyOf(runs.keySet()), iv, null, params, secs / list.size(),
                    train / list.size());
            if (full) {
                complete.add(entry);
                runsOf.put(e.getKey(), runs);
            } else {
                incomplete.add(entry);
            }
        }
        // rank intervals over the complete entries (paired task bootstrap)
        if (!complete.isEmpty()) {
            List<ScoreSet> sets = new ArrayList<>();
            for (Entry en : complete) sets.add(new ScoreSet(en.key(), runsOf.get(en.key())));
            Map<String, RankInterval> ranks = new HashMap<>();
            for (RankInterval r : RankIntervals.compute(sets, RANK_REPS, CONFIDENCE, seed)) ranks.put(r.method(), r);
            List<Entry> withRanks = new ArrayList<>();
            for (Entry en : complete) {
                withRanks.add(new Entry(en.key(), en.label(), en.algorithm(), en.policy(), en.configHash(), en.status(),
                        en.runs(), en.minSeeds(), en.maxSeeds(), en.tasks(), en.intervals(), ranks.get(en.key()),
                        en.parameterCount(), en.meanSeconds(), en.meanTrainSeconds()));
            }
            complete = withRanks;
        }
        complete.sort(Comparator.comparingDouble((Entry en) -> -en.intervals().get(Metric.IQM).point()).thenComparing(Entry::label));
        incomplete.sort(Comparator.comparing(Entry::label));
        perTask.sort(Comparator.comparing(TaskCell::task).thenComparing(c -> -c.mean().point()).thenComparing(TaskCell::label));

        ObjectNode plots = plots(suite, kind, tasks, complete, incomplete, runsOf, scores);
        return new Board(suite.id(), suite.revision(), kind, headlineReps, profileReps, RANK_REPS, TASK_REPS, CONFIDENCE,
                seed, List.copyOf(complete), List.copyOf(incomplete), List.copyOf(perTask), plots,
                (System.nanoTime() - t0) / 1e9);
    }

    // ------------------------------------------------------------------------------------------------ plots

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ObjectNode plots(Store.SuiteInfo suite, ScoreKind kind, List<String> tasks, List<Entry> complete,
                             List<Entry> incomplete, Map<String, Map<String, double[]>> runsOf,
                             List<Store.PolicyScore> scores) throws SQLException {
        ObjectNode root = F.objectNode();
        ArrayNode list = root.putArray("plots");
        Map<String, String> labels = new LinkedHashMap<>();
        for (Entry e : complete) labels.put(e.key(), e.label());
        for (Entry e : incomplete) labels.put(e.key(), e.label());

        // learning curves: per task, mean over seeds of overall success at each evaluation step
        List<Store.EvalPoint> points = store.curves(suite.id());
        for (String task : tasks) {
            TreeSet<Long> steps = new TreeSet<>();
            Map<String, TreeMap<Long, double[]>> acc = new LinkedHashMap<>(); // entry -> step -> [sum, n]
            for (Store.EvalPoint p : points) {
                if (!p.task().equals(task)) continue;
                steps.add(p.step());
                double[] a = acc.computeIfAbsent(entryKey(p.algorithm(), p.policy(), p.configHash()), k -> new TreeMap<>())
                        .computeIfAbsent(p.step(), k -> new double[2]);
                a[0] += p.success();
                a[1]++;
            }
            if (steps.isEmpty()) continue;
            ObjectNode plot = plot(list, "curve-" + task, "Learning curve: " + task, "train step",
                    "success (mean over seeds)", true);
            ArrayNode x = plot.putArray("x");
            steps.forEach(x::add);
            ArrayNode series = plot.putArray("series");
            for (Map.Entry<String, TreeMap<Long, double[]>> e : acc.entrySet()) {
                ObjectNode s = series.addObject();
                s.put("label", labels.getOrDefault(e.getKey(), e.getKey()));
                s.put("style", "line");
                ArrayNode y = s.putArray("y");
                for (long st : steps) {
                    double[] a = e.getValue().get(st);
                    if (a == null) y.addNull();
                    else y.add(a[0] / a[1]);
                }
            }
        }

        // performance profiles with bootstrap bands (complete entries)
        if (!complete.isEmpty()) {
            double[] taus = PerformanceProfile.linspace(0, 1, 51);
            ObjectNode plot = plot(list, "profile", "Performance profile (" + kindShort(kind) + ")",
                    "score threshold τ", "fraction of runs with score > τ", true);
            ArrayNode x = plot.putArray("x");
            for (double t : taus) x.add(t);
            ArrayNode series = plot.putArray("series");
            ArrayNode bands = plot.putArray("bands");
            for (Entry e : complete) {
                Map<String, double[]> runs = runsOf.get(e.key());
                Interval[] band = PerformanceProfile.band(runs, taus, profileReps, CONFIDENCE, seed);
                int idx = series.size();
                ObjectNode s = series.addObject();
                s.put("label", e.label());
                s.put("style", "line");
                ArrayNode y = s.putArray("y");
                for (Interval iv : band) y.add(iv.point());
                ObjectNode lo = series.addObject();
                lo.put("label", e.label() + " (95% CI low)");
                lo.put("style", "bound");
                lo.put("of", idx);
                ArrayNode ly = lo.putArray("y");
                for (Interval iv : band) ly.add(iv.lower());
                ObjectNode hi = series.addObject();
                hi.put("label", e.label() + " (95% CI high)");
                hi.put("style", "bound");
                hi.put("of", idx);
                ArrayNode hy = hi.putArray("y");
                for (Interval iv : band) hy.add(iv.upper());
                ArrayNode b = bands.addArray();
                // uPlot counts the x values as series 0: the spec's series i is uPlot's i + 1; a band is [upper, lower]
                b.add(idx + 3);
                b.add(idx + 2);
            }
        }

        // QGF guidance-weight curve: IQM against w for policies named like "qgf(w=0.01)"
        Map<String, TreeMap<Double, Interval>> guided = new LinkedHashMap<>();
        Map<String, String> guidedLabel = new LinkedHashMap<>();
        for (Entry e : complete) {
            Matcher m = GUIDANCE.matcher(e.policy());
            if (!m.find()) continue;
            double w;
            try {
                w = Double.parseDouble(m.group(1));
            } catch (NumberFormatException ex) {
                continue;
            }
            String group = e.algorithm() + "\n" + e.configHash();
            guided.computeIfAbsent(group, k -> new TreeMap<>()).put(w, e.intervals().get(Metric.IQM));
            String base = e.policy().substring(0, m.start()).replaceAll("[(\\s,]+$", "");
            guidedLabel.putIfAbsent(group, base.isEmpty() ? e.algorithm() : e.algorithm().equals(base) ? base : e.algorithm() + " / " + base);
        }
        if (!guided.isEmpty()) {
            TreeSet<Double> ws = new TreeSet<>();
            guided.values().forEach(m -> ws.addAll(m.keySet()));
            ObjectNode plot = plot(list, "guidance", "Guidance weight w (IQM, " + kindShort(kind) + ")", "guidance weight w",
                    "IQM", true);
            ArrayNode x = plot.putArray("x");
            ws.forEach(x::add);
            ArrayNode series = plot.putArray("series");
            ArrayNode bands = plot.putArray("bands");
            for (Map.Entry<String, TreeMap<Double, Interval>> g : guided.entrySet()) {
                int idx = series.size();
                ObjectNode s = series.addObject();
                s.put("label", guidedLabel.get(g.getKey()));
                s.put("style", "linepoints");
                ObjectNode lo = series.addObject();
                lo.put("label", guidedLabel.get(g.getKey()) + " (95% CI low)");
                lo.put("style", "bound");
                lo.put("of", idx);
                ObjectNode hi = series.addObject();
                hi.put("label", guidedLabel.get(g.getKey()) + " (95% CI high)");
                hi.put("style", "bound");
                hi.put("of", idx);
                ArrayNode y = s.putArray("y"), ly = lo.putArray("y"), hy = hi.putArray("y");
                for (double w : ws) {
                    Interval iv = g.getValue().get(w);
                    if (iv == null) {
                        y.addNull();
                        ly.addNull();
                        hy.addNull();
                    } else {
                        y.add(iv.point());
                        ly.add(iv.lower());
                        hy.add(iv.upper());
                    }
                }
                ArrayNode b = bands.addArray();
                // uPlot counts the x values as series 0: the spec's series i is uPlot's i + 1; a band is [upper, lower]
                b.add(idx + 3);
                b.add(idx + 2);
            }
        }

        // model size scaling: IQM against parameter count, one point per entry
        if (!complete.isEmpty()) {
            Map<String, double[]> pts = new LinkedHashMap<>();
            for (Entry e : complete) pts.put(e.label(), new double[] {e.parameterCount(), e.intervals().get(Metric.IQM).point()});
            scatter(list, "scaling", "Model size (IQM, " + kindShort(kind) + ")", "parameters", "IQM", pts);
        }

        // success against compute: one point per run, wall-clock seconds of the whole run (train + evaluation)
        Map<String, List<double[]>> runPts = new LinkedHashMap<>();
        for (Store.PolicyScore s : scores) {
            String label = labels.get(entryKey(s.algorithm(), s.policy(), s.configHash()));
            if (label == null) continue;
            runPts.computeIfAbsent(label, k -> new ArrayList<>()).add(new double[] {s.totalSeconds(), score(s, kind)});
        }
        if (!runPts.isEmpty()) {
            TreeSet<Double> xs = new TreeSet<>();
            runPts.values().forEach(l -> l.forEach(p -> xs.add(p[0])));
            ObjectNode plot = plot(list, "compute", "Success vs compute (one point per run, " + kindShort(kind) + ")",
                    "wall-clock seconds per run", "success", true);
            ArrayNode x = plot.putArray("x");
            xs.forEach(x::add);
            ArrayNode series = plot.putArray("series");
            List<Double> xl = new ArrayList<>(xs);
            for (Map.Entry<String, List<double[]>> e : runPts.entrySet()) {
                ObjectNode s = series.addObject();
                s.put("label", e.getKey());
                s.put("style", "points");
                // two runs of one entry with the same wall-clock (to the nanosecond) share a point: their mean
                double[] sum = new double[xl.size()];
                int[] n = new int[xl.size()];
                for (double[] p : e.getValue()) {
                    int i = xl.indexOf(p[0]);
                    sum[i] += p[1];
                    n[i]++;
                }
                ArrayNode ya = s.putArray("y");
                for (int i = 0; i < xl.size(); i++) {
                    if (n[i] == 0) ya.addNull();
                    else ya.add(sum[i] / n[i]);
                }
            }
        }
        return root;
    }

    static String kindText(ScoreKind kind) {
        return kind.description();
    }

    /** For plot titles: "final" or "last 3". */
    static String kindShort(ScoreKind kind) {
        return kind == ScoreKind.FINAL ? "final evaluation" : "last 3 evaluations";
    }

    private static ObjectNode plot(ArrayNode list, String id, String title, String xLabel, String yLabel, boolean unitY) {
        ObjectNode p = list.addObject();
        p.put("id", id);
        p.put("title", title);
        p.put("xLabel", xLabel);
        p.put("yLabel", yLabel);
        if (unitY) {
            ArrayNode r = p.putArray("yRange");
            r.add(0);
            r.add(1);
        }
        return p;
    }

    private static void scatter(ArrayNode list, String id, String title, String xLabel, String yLabel,
                                Map<String, double[]> pts) {
        TreeSet<Double> xs = new TreeSet<>();
        pts.values().forEach(p -> xs.add(p[0]));
        ObjectNode plot = plot(list, id, title, xLabel, yLabel, true);
        ArrayNode x = plot.putArray("x");
        xs.forEach(x::add);
        List<Double> xl = new ArrayList<>(xs);
        ArrayNode series = plot.putArray("series");
        for (Map.Entry<String, double[]> e : pts.entrySet()) {
            ObjectNode s = series.addObject();
            s.put("label", e.getKey());
            s.put("style", "points");
            ArrayNode y = s.putArray("y");
            for (double xv : xl) {
                if (xv == e.getValue()[0]) y.add(e.getValue()[1]);
                else y.addNull();
            }
        }
    }
}
