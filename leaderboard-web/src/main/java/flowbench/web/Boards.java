package flowbench.web;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.protocol.Suite;
import flowbench.harness.report.ResultSet;
import flowbench.harness.report.ScoreKind;
import flowbench.harness.report.Sweeps;
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
 * <p>A leaderboard entry is one (algorithm, policy, method config): the method config
 * ({@link Store#methodConfig(flowbench.harness.protocol.RunRecord)}) is the run's profile and overrides, the same on
 * every task, where the config hash of the resolved config differs between tasks of different domains (per-domain
 * values, docs/domains.md); so one choice of method is one entry over every task, and its rows list every resolved
 * config hash behind them ({@link ConfigSummary}). An algorithm with several method configs in a suite gets
 * "[config xxxxxxxx]" (the method config's first 8 hex digits) in its labels. A learner that exposes several
 * policies gives several entries, except the candidates of a swept family (QGF's {@code qgf(w=...)}, see
 * {@link Sweeps}): with the suite's declared selection rule they form ONE entry per family ({@code qgf [w by rule]}), the candidate chosen on
 * the selection seeds and scored on the report seeds, recomputed here from the stored runs whoever submitted them;
 * without a rule they are not entries at all, only rows of the sweep table. Runs with a selection seed are never
 * entry results. Headline intervals (IQM, mean, median, optimality gap) use rliable's 50,000-rep 95% stratified
 * bootstrap; profiles and per-task intervals 2,000 reps; MTEB-style rank intervals 2,000 task-bootstrap reps. Every
 * bootstrap uses the same explicit seed, stated on the page.
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

    /**
     * One leaderboard row.
     *
     * @param methodConfig what the entry's runs have in common, {@link Store#methodConfig} (profile and overrides)
     * @param selection    for a swept family's entry, the rule's choice ("w=0.3 (chosen on seeds 100–101)"); else null
     * @param configs      profiles, domain columns and config hashes of the entry's runs
     */
    public record Entry(String key, String label, String algorithm, String policy, String methodConfig, String status,
                        int runs, int minSeeds, int maxSeeds, List<String> tasks, Map<Metric, Interval> intervals,
                        RankInterval rank, long parameterCount, double meanSeconds, double meanTrainSeconds,
                        String selection, ConfigSummary configs) {}

    /**
     * One row of the sweep table: a candidate of a swept family over the runs of one group and role.
     *
     * @param methodConfig the family's method config (its runs' profile and overrides)
     * @param status       "selected by rule", {@link Sweeps#NO_RULE}, or why the rule could not be applied
     * @param role         "selection", "report" or "no rule"
     * @param scoreKind    the rule's kind for selection rows, the page's for the others
     * @param mean         plain mean over the runs (for selection rows, exactly the number the rule compares)
     * @param configs      profiles, domain columns and config hashes of the row's runs
     */
    public record SweepRow(String method, String algorithm, String methodConfig, String family, String status, String group,
                           String candidate, boolean chosen, String role, String scoreKind, int runs, double mean,
                           ConfigSummary configs) {}

    /** Mean of one entry on one task with its bootstrap interval, and the configs of those runs. */
    public record TaskCell(String entry, String label, String algorithm, String task, int seeds, Interval mean,
                           ConfigSummary configs) {}

    /**
     * A computed leaderboard.
     *
     * @param ranked     entries with runs on every task of the suite, best IQM first
     * @param incomplete entries missing some task (shown per task only, not ranked)
     * @param plots      plot specifications for the page's charts (see app.js)
     */
    public record Board(String suite, long revision, ScoreKind kind, int headlineReps, int profileReps, int rankReps,
                        int taskReps, double confidence, long seed, List<Entry> ranked, List<Entry> incomplete,
                        List<TaskCell> perTask, ObjectNode plots, double computeSeconds, Suite.Selection rule,
                        List<SweepRow> sweep, List<String> unresolved) {}

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

    private static String entryKey(String algorithm, String policy, String methodConfig) {
        return algorithm + "\n" + policy + "\n" + methodConfig;
    }

    /** The label suffix of an algorithm with several method configs in the suite: " [config xxxxxxxx]". */
    private static String configSuffix(Map<String, Set<String>> configs, String algorithm, String methodConfig) {
        return configs.getOrDefault(algorithm, Set.of()).size() > 1
                ? " [config " + ConfigSummary.shortHash(methodConfig) + "]" : "";
    }

    private static String runKey(long run, String policy) {
        return run + "\n" + policy;
    }

    /**
     * Stored runs as {@link Sweeps} reads them, grouped by method config: each {@link Sweeps.Run}'s
     * {@code configHash} is its run's method config, so a family is one (algorithm, method config) over every task,
     * like the entries. Policies are put in each (algorithm, method config)'s learner order, read from the record of
     * its first run (by task, seed) unless {@code order} gives it; that order breaks exact ties.
     *
     * @param order (algorithm + "\n" + method config) to policy order, for groups the caller knows better (may be empty)
     */
    static List<Sweeps.Run> sweepRuns(Store store, List<Store.PolicyScore> scores, Map<String, List<String>> order)
            throws SQLException {
        Map<Long, List<Store.PolicyScore>> byRun = new TreeMap<>();
        for (Store.PolicyScore s : scores) byRun.computeIfAbsent(s.run(), k -> new ArrayList<>()).add(s);
        Map<String, Store.PolicyScore> firstRun = new TreeMap<>();
        for (List<Store.PolicyScore> l : byRun.values()) {
            Store.PolicyScore f = l.get(0);
            firstRun.merge(f.algorithm() + "\n" + f.methodConfig(), f, (a, b) -> {
                int t = a.task().compareTo(b.task());
                return t < 0 || t == 0 && a.seed() <= b.seed() ? a : b;
            });
        }
        Map<String, List<String>> orders = new HashMap<>(order);
        for (Map.Entry<String, Store.PolicyScore> e : firstRun.entrySet()) {
            // only (algorithm, method config)s with a policy that could be a swept candidate need the order
            if (!orders.containsKey(e.getKey()) && byRun.get(e.getValue().run()).stream().anyMatch(x -> x.policy().contains("("))) {
                orders.put(e.getKey(), store.policyOrder(e.getValue().run()));
            }
        }
        List<Sweeps.Run> out = new ArrayList<>();
        for (Map.Entry<Long, List<Store.PolicyScore>> e : byRun.entrySet()) {
            List<Store.PolicyScore> l = new ArrayList<>(e.getValue());
            Store.PolicyScore f = l.get(0);
            List<String> ord = orders.getOrDefault(f.algorithm() + "\n" + f.methodConfig(), List.of());
            l.sort(Comparator.comparingInt((Store.PolicyScore x) -> ord.contains(x.policy()) ? ord.indexOf(x.policy()) : Integer.MAX_VALUE)
                    .thenComparing(Store.PolicyScore::policy));
            List<Sweeps.PolicyScore> ps = new ArrayList<>();
            for (Store.PolicyScore x : l) ps.add(new Sweeps.PolicyScore(x.policy(), x.finalSuccess(), x.last3Success()));
            // every stored run is complete: the importer skips running ones and submissions must be complete
            out.add(new Sweeps.Run("leaderboard /runs/" + e.getKey(), Long.toString(e.getKey()), f.algorithm(),
                    f.methodConfig(), f.task(), f.dataset(), f.seed(), flowbench.harness.protocol.RunRecord.COMPLETE, ps));
        }
        return out;
    }

    private Board compute(Store.SuiteInfo suite, ScoreKind kind) throws SQLException {
        long t0 = System.nanoTime();
        List<String> tasks = suite.definition().tasks();
        Suite.Selection rule = suite.definition().selection();
        List<Store.PolicyScore> scores = store.scores(suite.id());
        Sweeps sw = Sweeps.compute(rule, sweepRuns(store, scores, Map.of()), kind);
        // algorithms with more than one method config in this suite get it in their label
        Map<String, Set<String>> configs = new HashMap<>();
        Map<String, Set<String>> policies = new HashMap<>();
        Map<String, Store.PolicyScore> byRunPolicy = new HashMap<>();
        for (Store.PolicyScore s : scores) {
            configs.computeIfAbsent(s.algorithm(), k -> new TreeSet<>()).add(s.methodConfig());
            policies.computeIfAbsent(s.algorithm(), k -> new TreeSet<>()).add(s.policy());
            byRunPolicy.put(runKey(s.run(), s.policy()), s);
        }
        // entry key -> its (run, policy) scores; (run, policy) -> entry key, for the curves and compute plots
        Map<String, List<Store.PolicyScore>> byEntry = new LinkedHashMap<>();
        Map<String, String[]> info = new HashMap<>(); // key -> {label, policy, selection}
        Map<String, String> entryOf = new HashMap<>();
        for (Store.PolicyScore s : scores) {
            if (sw.isSelectionSeed(s.seed()) || sw.isSwept(s.algorithm(), s.methodConfig(), s.policy())) continue;
            String key = entryKey(s.algorithm(), s.policy(), s.methodConfig());
            byEntry.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            entryOf.put(runKey(s.run(), s.policy()), key);
            if (!info.containsKey(key)) {
                // the harness reports' method key: "flow-bc", or "bam[flow-bc]" when an algorithm exposes several policies
                String label = ResultSet.methodKey(s.algorithm(), s.policy(), policies.get(s.algorithm()).size() > 1)
                        + configSuffix(configs, s.algorithm(), s.methodConfig());
                info.put(key, new String[] {label, s.policy(), null});
            }
        }
        for (Sweeps.Family f : sw.families()) {
            if (!f.resolved()) continue;
            String policy = f.family() + "(" + f.params() + " by rule)";
            // the family's configHash is the method config its runs were grouped by (sweepRuns)
            String key = entryKey(f.algorithm(), policy, f.methodConfig());
            String label = f.method() + configSuffix(configs, f.algorithm(), f.methodConfig());
            info.put(key, new String[] {label, policy, sw.chosenText(f)});
            for (Sweeps.Selected sel : sw.selected()) {
                if (sel.family() != f) continue;
                long run = Long.parseLong(sel.run().runId());
                byEntry.computeIfAbsent(key, k -> new ArrayList<>()).add(byRunPolicy.get(runKey(run, sel.policy())));
                entryOf.put(runKey(run, sel.policy()), key);
            }
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
            String[] in = info.get(e.getKey());
            String label = in[0];
            Map<String, List<Double>> byTask = new TreeMap<>();
            Map<String, List<Store.PolicyScore>> scoresOfTask = new TreeMap<>();
            Set<String> statuses = new LinkedHashSet<>();
            double secs = 0, train = 0;
            long params = 0;
            list.sort(Comparator.comparing(Store.PolicyScore::task).thenComparingLong(Store.PolicyScore::seed));
            for (Store.PolicyScore s : list) {
                byTask.computeIfAbsent(s.task(), k -> new ArrayList<>()).add(score(s, kind));
                scoresOfTask.computeIfAbsent(s.task(), k -> new ArrayList<>()).add(s);
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
                        taskBoot.interval(Map.of(t.getKey(), t.getValue()), Metric.MEAN),
                        ConfigSummary.of(scoresOfTask.get(t.getKey()))));
            }
            Map<Metric, Interval> iv = full && !runs.isEmpty() ? headline.intervals(runs) : Map.of();
            Entry entry = new Entry(e.getKey(), label, first.algorithm(), in[1], first.methodConfig(), status,
                    list.size(), min, max, List.copyOf(runs.keySet()), iv, null, params, secs / list.size(),
                    train / list.size(), in[2], ConfigSummary.of(list));
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
                withRanks.add(new Entry(en.key(), en.label(), en.algorithm(), en.policy(), en.methodConfig(), en.status(),
                        en.runs(), en.minSeeds(), en.maxSeeds(), en.tasks(), en.intervals(), ranks.get(en.key()),
                        en.parameterCount(), en.meanSeconds(), en.meanTrainSeconds(), en.selection(), en.configs()));
            }
            complete = withRanks;
        }
        complete.sort(Comparator.comparingDouble((Entry en) -> -en.intervals().get(Metric.IQM).point()).thenComparing(Entry::label));
        incomplete.sort(Comparator.comparing(Entry::label));
        perTask.sort(Comparator.comparing(TaskCell::task).thenComparing(c -> -c.mean().point()).thenComparing(TaskCell::label));

        List<SweepRow> sweep = sweepRows(sw, configs, byRunPolicy);
        List<String> unresolved = new ArrayList<>();
        for (Sweeps.Family f : sw.families()) {
            if (f.error() != null) unresolved.add(f.method() + " (method config " + f.methodConfig() + "): not ranked, the"
                    + " suite's selection rule cannot be applied: " + f.error());
        }
        ObjectNode plots = plots(suite, kind, tasks, complete, incomplete, runsOf, scores, entryOf, sw);
        return new Board(suite.id(), suite.revision(), kind, headlineReps, profileReps, RANK_REPS, TASK_REPS, CONFIDENCE,
                seed, List.copyOf(complete), List.copyOf(incomplete), List.copyOf(perTask), plots,
                (System.nanoTime() - t0) / 1e9, rule, List.copyOf(sweep), List.copyOf(unresolved));
    }

    /**
     * Every candidate of every swept family, per group and role, in the families' order.
     *
     * @param byRunPolicy the stored scores by {@link #runKey}, for the resolved configs behind each row
     */
    private static List<SweepRow> sweepRows(Sweeps sw, Map<String, Set<String>> configs,
                                            Map<String, Store.PolicyScore> byRunPolicy) {
        // family -> group -> candidate -> role -> [sum, n, chosen]; the same keys -> the scores behind the row
        Map<Sweeps.Family, Map<String, Map<String, Map<String, double[]>>>> agg = new LinkedHashMap<>();
        Map<Sweeps.Family, Map<String, Map<String, Map<String, List<Store.PolicyScore>>>>> rowScores = new HashMap<>();
        Map<Sweeps.Family, Map<String, String>> kinds = new HashMap<>();
        for (Sweeps.Point p : sw.points()) {
            double[] a = agg.computeIfAbsent(p.family(), x -> new TreeMap<>()).computeIfAbsent(p.group(), x -> new HashMap<>())
                    .computeIfAbsent(p.policy(), x -> new TreeMap<>()).computeIfAbsent(p.role(), x -> new double[3]);
            a[0] += p.score();
            a[1]++;
            if (p.chosen()) a[2] = 1;
            kinds.computeIfAbsent(p.family(), x -> new HashMap<>()).put(p.role(), p.kind().id());
            rowScores.computeIfAbsent(p.family(), x -> new HashMap<>()).computeIfAbsent(p.group(), x -> new HashMap<>())
                    .computeIfAbsent(p.policy(), x -> new HashMap<>()).computeIfAbsent(p.role(), x -> new ArrayList<>())
                    .add(byRunPolicy.get(runKey(Long.parseLong(p.run().runId()), p.policy())));
        }
        List<SweepRow> out = new ArrayList<>();
        for (Sweeps.Family f : sw.families()) {
            String suffix = configSuffix(configs, f.algorithm(), f.methodConfig());
            String status = f.resolved() ? "selected by rule" : f.error() != null ? "rule not applied: " + f.error() : Sweeps.NO_RULE;
            for (Map.Entry<String, Map<String, Map<String, double[]>>> g : agg.getOrDefault(f, Map.of()).entrySet()) {
                for (String cand : f.candidates()) {
                    Map<String, double[]> roles = g.getValue().get(cand);
                    if (roles == null) continue;
                    String method = f.ruled() ? f.method() + suffix : ResultSet.methodKey(f.algorithm(), cand, true) + suffix;
                    for (Map.Entry<String, double[]> r : roles.entrySet()) {
                        double[] a = r.getValue();
                        out.add(new SweepRow(method, f.algorithm(), f.methodConfig(), f.family(), status, g.getKey(), cand, a[2] > 0,
                                r.getKey(), kinds.get(f).get(r.getKey()), (int) a[1], a[0] / a[1],
                                ConfigSummary.of(rowScores.get(f).get(g.getKey()).get(cand).get(r.getKey()))));
                    }
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------------ plots

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ObjectNode plots(Store.SuiteInfo suite, ScoreKind kind, List<String> tasks, List<Entry> complete,
                             List<Entry> incomplete, Map<String, Map<String, double[]>> runsOf,
                             List<Store.PolicyScore> scores, Map<String, String> entryOf, Sweeps sw) throws SQLException {
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
                // only the entries' own runs and policies: no selection run, no swept candidate but the chosen one
                String entry = entryOf.get(runKey(p.run(), p.policy()));
                if (entry == null) continue;
                steps.add(p.step());
                double[] a = acc.computeIfAbsent(entry, k -> new TreeMap<>())
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
                withInterval(series, bands, e.label(), "line", List.of(band));
            }
        }

        guidancePlot(list, kind, sw);

        if (!complete.isEmpty()) scalingPlot(list, kind, complete);

        // success against compute: one point per run, wall-clock seconds of the whole run (train + evaluation)
        Map<String, List<double[]>> runPts = new LinkedHashMap<>();
        for (Store.PolicyScore s : scores) {
            String entry = entryOf.get(runKey(s.run(), s.policy()));
            String label = entry == null ? null : labels.get(entry);
            if (label == null) continue;
            // a submitted run's wall-clock is its submitter's claim: its points are a series of their own, so labelled
            runPts.computeIfAbsent(selfReported(label, !Store.REPRODUCED.equals(s.status())), k -> new ArrayList<>())
                    .add(new double[] {s.totalSeconds(), score(s, kind)});
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

    /**
     * Guidance-weight curves: IQM against w of every swept family whose candidates are named like "qgf(w=0.01)", over
     * the report seeds (every seed when no rule covers the family), with a bootstrap band; the weights the rule chose
     * are marked as points.
     */
    private void guidancePlot(ArrayNode list, ScoreKind kind, Sweeps sw) {
        StratifiedBootstrap boot = new StratifiedBootstrap(TASK_REPS, CONFIDENCE, seed);
        Map<String, TreeMap<Double, Interval>> curves = new LinkedHashMap<>();
        Map<String, Set<Double>> chosen = new LinkedHashMap<>();
        for (Sweeps.Family f : sw.families()) {
            Map<String, Double> weightOf = new HashMap<>();
            for (String c : f.candidates()) {
                Matcher m = GUIDANCE.matcher(c);
                if (!m.find()) break;
                try {
                    weightOf.put(c, Double.parseDouble(m.group(1)));
                } catch (NumberFormatException ex) {
                    break;
                }
            }
            if (weightOf.size() != f.candidates().size()) continue;
            String main = f.ruled() ? Suite.ROLE_REPORT : Sweeps.ROLE_NO_RULE;
            Map<Double, Map<String, List<Double>>> byWeight = new TreeMap<>();
            for (Sweeps.Point p : sw.points()) {
                if (p.family() != f || !p.role().equals(main)) continue;
                byWeight.computeIfAbsent(weightOf.get(p.policy()), k -> new TreeMap<>())
                        .computeIfAbsent(p.run().task(), k -> new ArrayList<>()).add(p.score());
            }
            if (byWeight.isEmpty()) continue;
            String label = f.algorithm().equals(f.family()) ? f.algorithm() : f.algorithm() + " / " + f.family();
            if (curves.containsKey(label)) label += " [config " + ConfigSummary.shortHash(f.methodConfig()) + "]";
            TreeMap<Double, Interval> curve = new TreeMap<>();
            for (Map.Entry<Double, Map<String, List<Double>>> w : byWeight.entrySet()) {
                Map<String, double[]> runs = new TreeMap<>();
                w.getValue().forEach((t, v) -> runs.put(t, v.stream().mapToDouble(Double::doubleValue).toArray()));
                curve.put(w.getKey(), boot.interval(runs, Metric.IQM));
            }
            curves.put(label, curve);
            Set<Double> ch = new TreeSet<>();
            for (Sweeps.GroupChoice c : sw.choicesOf(f).values()) ch.add(weightOf.get(c.choice().policy()));
            chosen.put(label, ch);
        }
        if (curves.isEmpty()) return;
        TreeSet<Double> ws = new TreeSet<>();
        curves.values().forEach(m -> ws.addAll(m.keySet()));
        ObjectNode plot = plot(list, "guidance", "Guidance weight w (IQM, " + kindShort(kind) + ", every candidate)",
                "guidance weight w", "IQM", true);
        ArrayNode x = plot.putArray("x");
        ws.forEach(x::add);
        ArrayNode series = plot.putArray("series");
        ArrayNode bands = plot.putArray("bands");
        for (Map.Entry<String, TreeMap<Double, Interval>> g : curves.entrySet()) {
            List<Interval> ivs = new ArrayList<>();
            for (double w : ws) ivs.add(g.getValue().get(w));
            withInterval(series, bands, g.getKey(), "linepoints", ivs);
            Set<Double> ch = chosen.get(g.getKey());
            if (!ch.isEmpty()) {
                ObjectNode c = series.addObject();
                c.put("label", g.getKey() + ": chosen by rule");
                c.put("style", "points");
                ArrayNode cy = c.putArray("y");
                for (double w : ws) {
                    if (ch.contains(w) && g.getValue().containsKey(w)) cy.add(g.getValue().get(w).point());
                    else cy.addNull();
                }
            }
        }
    }

    /**
     * Model size: IQM with its 95% CI against parameter count. A suite may list one algorithm at several network sizes
     * (overrides such as actorHidden), each its own entry; one line per method over its sizes shows whether the score
     * grows with size and whether the intervals separate. A method is the entry label without its "[config …]"
     * suffix (a policy of an algorithm stays its own method, "bam[flow-bc]"), since the x position already tells the
     * configs apart. Entries of one method with equal parameter counts differ in something the x axis cannot show,
     * so such a method is drawn as one point per entry under its full label instead; so is a method at one size.
     * Submitted counts are their submitters' claims: those entries are never joined with the harness's.
     */
    private static void scalingPlot(ArrayNode list, ScoreKind kind, List<Entry> complete) {
        Map<String, List<Entry>> byMethod = new LinkedHashMap<>();
        for (Entry e : complete) {
            byMethod.computeIfAbsent(selfReported(withoutConfig(e), !Store.REPRODUCED.equals(e.status())),
                    k -> new ArrayList<>()).add(e);
        }
        Map<String, TreeMap<Long, Interval>> curves = new LinkedHashMap<>();
        for (Map.Entry<String, List<Entry>> m : byMethod.entrySet()) {
            TreeMap<Long, Interval> curve = new TreeMap<>();
            for (Entry e : m.getValue()) curve.put(e.parameterCount(), e.intervals().get(Metric.IQM));
            if (curve.size() == m.getValue().size()) {
                curves.put(m.getKey(), curve);
                continue;
            }
            for (Entry e : m.getValue()) {
                curves.put(selfReported(e.label(), !Store.REPRODUCED.equals(e.status())),
                        new TreeMap<>(Map.of(e.parameterCount(), e.intervals().get(Metric.IQM))));
            }
        }
        TreeSet<Long> counts = new TreeSet<>();
        curves.values().forEach(c -> counts.addAll(c.keySet()));
        ObjectNode plot = plot(list, "scaling", "Model size (IQM with 95% CI, " + kindShort(kind) + ")", "parameters",
                "IQM", true);
        // network sizes grow by factors, which a log axis spaces evenly; a record without a count (0) has no
        // logarithm, so then the axis stays linear
        if (counts.first() > 0) plot.put("logX", true);
        ArrayNode x = plot.putArray("x");
        counts.forEach(x::add);
        ArrayNode series = plot.putArray("series");
        ArrayNode bands = plot.putArray("bands");
        for (Map.Entry<String, TreeMap<Long, Interval>> c : curves.entrySet()) {
            List<Interval> ivs = new ArrayList<>();
            for (long n : counts) ivs.add(c.getValue().get(n));
            withInterval(series, bands, c.getKey(), c.getValue().size() > 1 ? "linepoints" : "points", ivs);
        }
    }

    /** An entry's label without the " [config xxxxxxxx]" that only tells its method configs apart. */
    private static String withoutConfig(Entry e) {
        String suffix = " [config " + ConfigSummary.shortHash(e.methodConfig()) + "]";
        return e.label().endsWith(suffix) ? e.label().substring(0, e.label().length() - suffix.length()) : e.label();
    }

    /** Marks a plot series (or cell) whose compute numbers come from submitted records, not the harness's runs. */
    static final String SELF_REPORTED = "self-reported";

    static String selfReported(String label, boolean self) {
        return self ? label + " (" + SELF_REPORTED + ")" : label;
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

    /**
     * A series with its 95% CI as two "bound" series after it, and for a line the band between them; {@code values}
     * has one interval per x, null where the series has no value.
     */
    private static void withInterval(ArrayNode series, ArrayNode bands, String label, String style, List<Interval> values) {
        int idx = series.size();
        ObjectNode s = series.addObject();
        s.put("label", label);
        s.put("style", style);
        ObjectNode lo = series.addObject();
        lo.put("label", label + " (95% CI low)");
        lo.put("style", "bound");
        lo.put("of", idx);
        ObjectNode hi = series.addObject();
        hi.put("label", label + " (95% CI high)");
        hi.put("style", "bound");
        hi.put("of", idx);
        ArrayNode y = s.putArray("y"), ly = lo.putArray("y"), hy = hi.putArray("y");
        for (Interval iv : values) {
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
        // points get whiskers from their bounds (app.js); a band needs a line to fill along
        if (style.equals("points")) return;
        ArrayNode b = bands.addArray();
        // uPlot counts the x values as series 0: the spec's series i is uPlot's i + 1; a band is [upper, lower]
        b.add(idx + 3);
        b.add(idx + 2);
    }
}
