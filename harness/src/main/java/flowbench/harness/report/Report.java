package flowbench.harness.report;

import flowbench.harness.io.AtomicFiles;
import flowbench.harness.io.PortablePaths;
import flowbench.harness.protocol.Suite;
import flowbench.harness.stats.Interval;
import flowbench.harness.stats.Metric;
import flowbench.harness.stats.PerformanceProfile;
import flowbench.harness.stats.ProbabilityOfImprovement;
import flowbench.harness.stats.RankInterval;
import flowbench.harness.stats.RankIntervals;
import flowbench.harness.stats.ScoreSet;
import flowbench.harness.stats.StratifiedBootstrap;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.jfree.chart.axis.NumberAxis;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The statistics of one suite's results, and their files: CSV tables, a Markdown summary ({@code README.md}) and plots
 * (PNG and SVG). Every interval is a percentile stratified bootstrap drawn with the one recorded seed, so the same
 * results, options and seed give byte-identical files.
 *
 * <p>Two bootstrap sizes, as rliable uses them: {@link Options#reps()} (default 50,000) for the headline numbers
 * (aggregate metrics, per-task means) and {@link Options#auxReps()} (default 2,000) for performance profiles,
 * probability of improvement, rank intervals and the bands of learning and guidance curves.
 */
public final class Report {
    /** Aggregate panel name in the learning curves. */
    static final String ALL_TASKS_IQM = "IQM over all tasks";
    static final String ALL_TASKS_MEAN = "mean over all tasks";
    /** Performance-profile thresholds: 0, 0.01, ..., 1. */
    static final double[] TAUS = PerformanceProfile.linspace(0, 1, 101);
    /** A policy name carrying a guidance weight, e.g. "qgf(w=0.01)". */
    static final Pattern WEIGHTED = Pattern.compile("(.+)\\(w=([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\\)");

    public record Options(ScoreKind score, int reps, int auxReps, double confidence, long seed) {
        public Options {
            if (score == null) throw new IllegalArgumentException("score kind is missing; expected final or last3");
            if (reps < 1) throw new IllegalArgumentException("--reps is " + reps + "; expected >= 1 (rliable uses 50000)");
            if (auxReps < 1) throw new IllegalArgumentException("--aux-reps is " + auxReps + "; expected >= 1 (rliable uses 2000)");
            if (!(confidence > 0 && confidence < 1)) {
                throw new IllegalArgumentException("--confidence is " + confidence + "; expected a number in (0, 1), e.g. 0.95");
            }
        }

        public static Options defaults() {
            return new Options(ScoreKind.FINAL, StratifiedBootstrap.HEADLINE_REPS, StratifiedBootstrap.PROFILE_REPS,
                    StratifiedBootstrap.CONFIDENCE, 0);
        }
    }

    /** Mean success of one method on one task over its runs, with an interval. */
    public record TaskRow(String method, String task, int runs, Interval mean) {}

    public record PoiRow(String x, String y, int commonTasks, Interval poi) {}

    /** A curve: x values and an interval per x. */
    public record Curve(String series, double[] x, int[] runs, Interval[] y) {}

    /**
     * Guidance-weight curves of one learner's swept family, e.g. algorithm qgf, policies qgf(w=...): every candidate,
     * per task and over all tasks on the report seeds (all seeds when no rule covers the family), and over all tasks
     * on the selection seeds.
     *
     * @param roles  per curve (same order): the role of the runs it averages ("report", "selection", "no rule")
     * @param chosen group to the weight the suite's rule chose there (empty without a rule)
     */
    public record Guidance(String algorithm, String family, Map<String, String> policyByWeight, List<Curve> curves,
                           List<String> roles, Map<String, Double> chosen) {}

    private final String suite;
    private final Options options;
    private final ResultSet results;
    private final Sweeps sweeps;
    private final List<ResultSet.RunScore> runScores;
    private final List<ScoreSet> scores;
    private final Map<String, Map<Metric, Interval>> aggregates = new LinkedHashMap<>();
    private final List<TaskRow> taskRows = new ArrayList<>();
    private final List<PoiRow> poi = new ArrayList<>();
    private final List<RankInterval> ranks;
    private final Map<String, Double> pointRanks;
    private final List<String> rankTasks;
    private final Map<String, Interval[]> profiles = new LinkedHashMap<>();
    /** panel (task, or {@link #ALL_TASKS_IQM}) -> method -> curve over training steps */
    private final Map<String, Map<String, Curve>> learning = new LinkedHashMap<>();
    private final List<Guidance> guidance = new ArrayList<>();
    private final ProtocolCheck.Shared shared;

    private Report(ResultSet results, String suite, Options o) {
        this.results = results;
        this.suite = suite;
        this.options = o;
        this.shared = ProtocolCheck.check(suite, results.entries(suite));
        this.sweeps = results.sweeps(suite, o.score());
        this.runScores = splitByTaskMode(results.runScores(suite, o.score(), sweeps), shared.taskModes());
        this.scores = ResultSet.scores(runScores);
        StratifiedBootstrap headline = new StratifiedBootstrap(o.reps(), o.confidence(), o.seed());
        for (ScoreSet s : scores) {
            aggregates.put(s.method(), headline.intervals(s.runsByTask()));
            for (Map.Entry<String, double[]> t : s.runsByTask().entrySet()) {
                Interval iv = headline.interval(Map.of(t.getKey(), t.getValue()), Metric.MEAN);
                taskRows.add(new TaskRow(s.method(), t.getKey(), t.getValue().length, iv));
            }
            profiles.put(s.method(), PerformanceProfile.band(s.runsByTask(), TAUS, o.auxReps(), o.confidence(), o.seed()));
        }
        for (ScoreSet x : scores) {
            for (ScoreSet y : scores) {
                if (x == y) continue;
                Set<String> common = new TreeSet<>(x.runsByTask().keySet());
                common.retainAll(y.runsByTask().keySet());
                if (common.isEmpty()) continue;
                poi.add(new PoiRow(x.method(), y.method(), common.size(),
                        ProbabilityOfImprovement.interval(x.runsByTask(), y.runsByTask(), o.auxReps(), o.confidence(), o.seed())));
            }
        }
        List<RankInterval> r;
        Map<String, Double> pr;
        List<String> rt;
        try {
            rt = RankIntervals.commonTasks(scores);
            r = RankIntervals.compute(scores, o.auxReps(), o.confidence(), o.seed());
            pr = RankIntervals.pointRanks(scores);
        } catch (IllegalArgumentException noCommonTask) {
            rt = List.of();
            r = List.of();
            pr = Map.of();
        }
        this.ranks = r;
        this.pointRanks = pr;
        this.rankTasks = rt;
        computeLearningCurves();
        computeGuidance();
    }

    /**
     * Single-task and goal-conditioned scores are different quantities (one reward to maximise vs reaching any goal of
     * five), so a suite with both reports each method once per mode ({@code "flow-bc [single-task]"}): aggregates,
     * profiles, improvement probabilities and ranks never average over the two.
     */
    private static List<ResultSet.RunScore> splitByTaskMode(List<ResultSet.RunScore> scores, Map<String, String> modeOfTask) {
        if (new TreeSet<>(modeOfTask.values()).size() < 2) return scores;
        return scores.stream().map(s -> new ResultSet.RunScore(s.suite(), s.method() + " [" + modeOfTask.get(s.task())
                .toLowerCase(Locale.ROOT).replace('_', '-') + "]", s.algorithm(), s.config(), s.policy(), s.task(), s.seed(), s.runId(),
                s.score(), s.evaluationsAveraged(), s.finalStep(), s.file())).toList();
    }

    /** Computes every statistic of {@code suite} ("name/version", see {@link ResultSet#suites()}). */
    public static Report compute(ResultSet results, String suite, Options options) {
        return new Report(results, suite, options);
    }

    private void computeLearningCurves() {
        // method -> task -> step -> scores over seeds
        Map<String, Map<String, TreeMap<Long, List<Double>>>> data = new TreeMap<>();
        for (ResultSet.CurvePoint p : results.curves(suite, runScores)) {
            data.computeIfAbsent(p.method(), k -> new TreeMap<>()).computeIfAbsent(p.task(), k -> new TreeMap<>())
                    .computeIfAbsent(p.step(), k -> new ArrayList<>()).add(p.success());
        }
        StratifiedBootstrap aux = new StratifiedBootstrap(options.auxReps(), options.confidence(), options.seed());
        learning.put(ALL_TASKS_IQM, new LinkedHashMap<>());
        Set<String> tasks = new TreeSet<>();
        data.values().forEach(m -> tasks.addAll(m.keySet()));
        for (String t : tasks) learning.put(t, new LinkedHashMap<>());
        for (Map.Entry<String, Map<String, TreeMap<Long, List<Double>>>> m : data.entrySet()) {
            // per task: mean over seeds at every step
            TreeSet<Long> allSteps = null;
            for (Map.Entry<String, TreeMap<Long, List<Double>>> t : m.getValue().entrySet()) {
                List<Long> steps = new ArrayList<>(t.getValue().keySet());
                double[] x = new double[steps.size()];
                int[] n = new int[steps.size()];
                Interval[] y = new Interval[steps.size()];
                for (int i = 0; i < steps.size(); i++) {
                    double[] v = toArray(t.getValue().get(steps.get(i)));
                    x[i] = steps.get(i);
                    n[i] = v.length;
                    y[i] = aux.interval(Map.of(t.getKey(), v), Metric.MEAN);
                }
                learning.get(t.getKey()).put(m.getKey(), new Curve(m.getKey(), x, n, y));
                if (allSteps == null) allSteps = new TreeSet<>(t.getValue().keySet());
                else allSteps.retainAll(t.getValue().keySet());
            }
            // rliable's sample-efficiency curve: IQM over all runs x tasks at the steps every task was evaluated at
            List<Long> steps = new ArrayList<>(allSteps);
            double[] x = new double[steps.size()];
            int[] n = new int[steps.size()];
            Interval[] y = new Interval[steps.size()];
            for (int i = 0; i < steps.size(); i++) {
                Map<String, double[]> byTask = new TreeMap<>();
                for (Map.Entry<String, TreeMap<Long, List<Double>>> t : m.getValue().entrySet()) {
                    byTask.put(t.getKey(), toArray(t.getValue().get(steps.get(i))));
                }
                x[i] = steps.get(i);
                n[i] = byTask.values().stream().mapToInt(a -> a.length).sum();
                y[i] = aux.interval(byTask, Metric.IQM);
            }
            if (!steps.isEmpty()) learning.get(ALL_TASKS_IQM).put(m.getKey(), new Curve(m.getKey(), x, n, y));
        }
    }

    private void computeGuidance() {
        StratifiedBootstrap aux = new StratifiedBootstrap(options.auxReps(), options.confidence(), options.seed());
        for (Sweeps.Family f : sweeps.families()) {
            // weight -> policy; every candidate must carry a weight ("qgf(w=0.01)"), else the family has no w axis
            TreeMap<Double, String> weights = new TreeMap<>();
            for (String c : f.candidates()) {
                Matcher w = WEIGHTED.matcher(c);
                if (w.matches()) weights.put(Double.parseDouble(w.group(2)), c);
            }
            if (weights.size() < 2 || weights.size() != f.candidates().size()) continue;
            Map<String, Double> weightOf = new LinkedHashMap<>();
            Map<String, String> policyByWeight = new LinkedHashMap<>();
            weights.forEach((w, p) -> {
                weightOf.put(p, w);
                policyByWeight.put(fmtWeight(w), p);
            });
            // role -> task -> weight -> scores over seeds
            Map<String, Map<String, TreeMap<Double, List<Double>>>> data = new TreeMap<>();
            for (Sweeps.Point pt : sweeps.points()) {
                if (pt.family() != f) continue;
                data.computeIfAbsent(pt.role(), k -> new TreeMap<>()).computeIfAbsent(pt.run().task(), k -> new TreeMap<>())
                        .computeIfAbsent(weightOf.get(pt.policy()), k -> new ArrayList<>()).add(pt.score());
            }
            List<Curve> curves = new ArrayList<>();
            List<String> roles = new ArrayList<>();
            String main = f.ruled() ? Suite.ROLE_REPORT : Sweeps.ROLE_NO_RULE;
            Map<String, TreeMap<Double, List<Double>>> mainData = data.getOrDefault(main, Map.of());
            if (mainData.size() > 1) {
                curves.add(guidanceCurve(ALL_TASKS_MEAN + seedsLabel(main), mainData, null, aux));
                roles.add(main);
            }
            Map<String, TreeMap<Double, List<Double>>> selData = data.get(Suite.ROLE_SELECTION);
            if (selData != null && f.ruled()) {
                curves.add(guidanceCurve(ALL_TASKS_MEAN + seedsLabel(Suite.ROLE_SELECTION), selData, null, aux));
                roles.add(Suite.ROLE_SELECTION);
            }
            for (String t : mainData.keySet()) {
                curves.add(guidanceCurve(t, mainData, t, aux));
                roles.add(main);
            }
            Map<String, Double> chosen = new TreeMap<>();
            for (Sweeps.GroupChoice c : sweeps.choicesOf(f).values()) chosen.put(c.group(), weightOf.get(c.choice().policy()));
            guidance.add(new Guidance(f.algorithm(), f.family(), policyByWeight, curves, roles, chosen));
        }
    }

    /** Series name suffix: which seeds a curve averages. */
    private String seedsLabel(String role) {
        return switch (role) {
            case Suite.ROLE_SELECTION -> ", selection seeds (" + Sweeps.kindOf(sweeps.rule().score()).id() + ")";
            case Suite.ROLE_REPORT -> ", report seeds";
            default -> "";
        };
    }

    /** Mean over seeds (and over tasks when {@code task} is null) of every weight, with a bootstrap interval. */
    private static Curve guidanceCurve(String name, Map<String, TreeMap<Double, List<Double>>> byTask, String task,
                                       StratifiedBootstrap aux) {
        TreeSet<Double> ws = new TreeSet<>();
        for (Map.Entry<String, TreeMap<Double, List<Double>>> t : byTask.entrySet()) {
            if (task == null || t.getKey().equals(task)) ws.addAll(t.getValue().keySet());
        }
        List<Double> x = new ArrayList<>();
        List<Integer> n = new ArrayList<>();
        List<Interval> y = new ArrayList<>();
        for (double w : ws) {
            Map<String, double[]> use = new TreeMap<>();
            for (Map.Entry<String, TreeMap<Double, List<Double>>> t : byTask.entrySet()) {
                if (task != null && !t.getKey().equals(task)) continue;
                List<Double> v = t.getValue().get(w);
                if (v != null) use.put(t.getKey(), toArray(v));
            }
            x.add(w);
            n.add(use.values().stream().mapToInt(a -> a.length).sum());
            y.add(aux.interval(use, Metric.MEAN));
        }
        return new Curve(name, x.stream().mapToDouble(Double::doubleValue).toArray(), n.stream().mapToInt(Integer::intValue).toArray(),
                y.toArray(Interval[]::new));
    }

    private static double[] toArray(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    public String suite() {
        return suite;
    }

    public Options options() {
        return options;
    }

    public List<ScoreSet> scores() {
        return scores;
    }

    public List<ResultSet.RunScore> runScores() {
        return runScores;
    }

    public Map<String, Map<Metric, Interval>> aggregates() {
        return aggregates;
    }

    public List<TaskRow> taskRows() {
        return taskRows;
    }

    public List<PoiRow> probabilityOfImprovement() {
        return poi;
    }

    public List<RankInterval> ranks() {
        return ranks;
    }

    public Map<String, Interval[]> profiles() {
        return profiles;
    }

    public Map<String, Map<String, Curve>> learningCurves() {
        return learning;
    }

    public List<Guidance> guidance() {
        return guidance;
    }

    /** The suite's swept families and its selection rule applied to them. */
    public Sweeps sweeps() {
        return sweeps;
    }

    /** The report folder of a suite under an output root: {@code <out>/<name>/<version>}. */
    public static Path folder(Path outRoot, String suite) {
        Path p = outRoot;
        for (String part : suite.split("/")) {
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("suite '" + suite + "' cannot name a report folder; expected name/version");
            }
            p = p.resolve(part);
        }
        return p;
    }

    // ---------------------------------------------------------------- files

    /** Writes every file into {@code dir} (created if needed); returns the files written, in order. */
    public List<Path> write(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        writeCsvs(dir, written);
        writePlots(dir, written);
        Path readme = dir.resolve("README.md");
        AtomicFiles.writeString(readme, markdown(written, dir));
        written.add(readme);
        removeStalePlots(dir, written);
        return written;
    }

    private static CSVFormat csv(String... header) {
        return CSVFormat.DEFAULT.builder().setHeader(header).setRecordSeparator('\n').get();
    }

    @FunctionalInterface
    private interface Rows {
        void print(CSVPrinter p) throws IOException;
    }

    private static void csvFile(Path file, CSVFormat format, Rows rows, List<Path> written) throws IOException {
        AtomicFiles.write(file, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            try (CSVPrinter p = new CSVPrinter(w, format)) {
                rows.print(p);
            }
        });
        written.add(file);
    }

    /** Shortest text that reads back as the same double, so CSV numbers equal the API's exactly. */
    static String num(double v) {
        return Double.toString(v);
    }

    /** {@link #ci(Interval)} with empty bounds where a task has fewer than 3 seeds (no interval is claimed). */
    private List<Object> ci(Interval i, int fewestSeedsPerTask) {
        List<Object> row = new ArrayList<>(ci(i));
        if (fewestSeedsPerTask < MIN_SEEDS_FOR_INTERVAL) {
            row.set(1, "");
            row.set(2, "");
        }
        return row;
    }

    private List<Object> ci(Interval i) {
        return List.of(num(i.point()), num(i.lower()), num(i.upper()), num(i.confidence()), i.reps(), i.seed());
    }

    private void writeCsvs(Path dir, List<Path> written) throws IOException {
        Path root = results.root().toAbsolutePath().normalize();
        // config (the run's method choice as a label, empty for the default) last, so the older columns keep their places
        csvFile(dir.resolve("runs.csv"), csv("suite", "method", "algorithm", "policy", "task", "seed", "run_id", "score_kind",
                "score", "evaluations_averaged", "final_step", "file", "config"), p -> {
            for (ResultSet.RunScore s : runScores) {
                Path f = s.file().toAbsolutePath().normalize();
                String rel = (f.startsWith(root) ? root.relativize(f) : f).toString().replace('\\', '/');
                p.printRecord(s.suite(), s.method(), s.algorithm(), s.policy(), s.task(), s.seed(), s.runId(), options.score().id(),
                        num(s.score()), s.evaluationsAveraged(), s.finalStep(), rel, s.config());
            }
        }, written);
        csvFile(dir.resolve("tasks.csv"), csv("method", "task", "runs", "mean", "ci_lower", "ci_upper", "confidence", "reps", "seed"), p -> {
            for (TaskRow r : taskRows) {
                List<Object> row = new ArrayList<>(List.of(r.method(), r.task(), r.runs()));
                row.addAll(ci(r.mean(), r.runs()));
                p.printRecord(row);
            }
        }, written);
        csvFile(dir.resolve("aggregates.csv"), csv("method", "metric", "tasks", "runs", "point", "ci_lower", "ci_upper", "confidence",
                "reps", "seed"), p -> {
            for (ScoreSet s : scores) {
                for (Metric m : Metric.values()) {
                    List<Object> row = new ArrayList<>(List.of(s.method(), m.name(), s.runsByTask().size(), s.runCount()));
                    row.addAll(ci(aggregates.get(s.method()).get(m),
                            s.runsByTask().values().stream().mapToInt(x -> x.length).min().orElse(0)));
                    p.printRecord(row);
                }
            }
        }, written);
        csvFile(dir.resolve("poi.csv"), csv("x", "y", "common_tasks", "p_x_better", "ci_lower", "ci_upper", "confidence", "reps", "seed"), p -> {
            for (PoiRow r : poi) {
                List<Object> row = new ArrayList<>(List.of(r.x(), r.y(), r.commonTasks()));
                row.addAll(ci(r.poi()));
                p.printRecord(row);
            }
        }, written);
        List<String> methods = scores.stream().map(ScoreSet::method).toList();
        List<String> header = new ArrayList<>();
        header.add("P(row > column)");
        header.addAll(methods);
        csvFile(dir.resolve("poi-matrix.csv"), csv(header.toArray(String[]::new)), p -> {
            for (String x : methods) {
                List<Object> row = new ArrayList<>();
                row.add(x);
                for (String y : methods) row.add(poiCell(x, y).map(r -> num(r.poi().point())).orElse(""));
                p.printRecord(row);
            }
        }, written);
        csvFile(dir.resolve("ranks.csv"), csv("method", "rank", "mean_rank", "best_rank", "worst_rank", "tasks", "confidence", "reps",
                "seed"), p -> {
            for (RankInterval r : ranks) {
                p.printRecord(r.method(), num(pointRanks.get(r.method())), num(r.meanRank()), r.bestRank(), r.worstRank(),
                        rankTasks.size(), num(options.confidence()), options.auxReps(), options.seed());
            }
        }, written);
        csvFile(dir.resolve("profiles.csv"), csv("method", "tau", "fraction_above", "ci_lower", "ci_upper", "confidence", "reps", "seed"), p -> {
            for (Map.Entry<String, Interval[]> e : profiles.entrySet()) {
                for (int k = 0; k < TAUS.length; k++) {
                    List<Object> row = new ArrayList<>(List.of(e.getKey(), num(TAUS[k])));
                    row.addAll(ci(e.getValue()[k]));
                    p.printRecord(row);
                }
            }
        }, written);
        csvFile(dir.resolve("learning-curves.csv"), csv("panel", "method", "step", "runs", "value", "ci_lower", "ci_upper", "confidence",
                "reps", "seed"), p -> {
            for (Map.Entry<String, Map<String, Curve>> panel : learning.entrySet()) {
                for (Curve c : panel.getValue().values()) {
                    for (int i = 0; i < c.x().length; i++) {
                        List<Object> row = new ArrayList<>(List.of(panel.getKey(), c.series(), (long) c.x()[i], c.runs()[i]));
                        row.addAll(ci(c.y()[i]));
                        p.printRecord(row);
                    }
                }
            }
        }, written);
        if (!guidance.isEmpty()) {
            csvFile(dir.resolve("guidance.csv"), csv("algorithm", "family", "weight", "policy", "task", "role", "runs", "mean",
                    "ci_lower", "ci_upper", "confidence", "reps", "seed", "chosen"), p -> {
                for (Guidance g : guidance) {
                    for (int k = 0; k < g.curves().size(); k++) {
                        Curve c = g.curves().get(k);
                        for (int i = 0; i < c.x().length; i++) {
                            String w = fmtWeight(c.x()[i]);
                            List<Object> row = new ArrayList<>(List.of(g.algorithm(), g.family(), w, g.policyByWeight().get(w),
                                    c.series(), g.roles().get(k), c.runs()[i]));
                            row.addAll(ci(c.y()[i]));
                            row.add(g.chosen().containsValue(c.x()[i]));
                            p.printRecord(row);
                        }
                    }
                }
            }, written);
        }
        if (!sweeps.families().isEmpty()) {
            // every candidate on every run, selection and report seeds, each row with its own score kind
            csvFile(dir.resolve("sweep.csv"), csv("algorithm", "family", "method", "status", "group", "candidate", "chosen", "role",
                    "task", "seed", "run_id", "score_kind", "score"), p -> {
                List<Sweeps.Point> pts = new ArrayList<>(sweeps.points());
                pts.sort(java.util.Comparator.comparing((Sweeps.Point x) -> x.family().method()).thenComparing(Sweeps.Point::group)
                        .thenComparing(x -> x.family().candidates().indexOf(x.policy())).thenComparing(Sweeps.Point::role)
                        .thenComparing(x -> x.run().task()).thenComparingLong(x -> x.run().seed()));
                for (Sweeps.Point x : pts) {
                    p.printRecord(x.family().algorithm(), x.family().family(), x.family().method(), familyStatus(x.family()),
                            x.group(), x.policy(), x.chosen(), x.role(), x.run().task(), x.run().seed(), x.run().runId(),
                            x.kind().id(), num(x.score()));
                }
            }, written);
        }
    }

    /** "selected by rule" or the {@link Sweeps#NO_RULE} label. */
    private static String familyStatus(Sweeps.Family f) {
        return f.resolved() ? "selected by rule" : Sweeps.NO_RULE;
    }

    private java.util.Optional<PoiRow> poiCell(String x, String y) {
        return poi.stream().filter(r -> r.x().equals(x) && r.y().equals(y)).findFirst();
    }

    static String fmtWeight(double w) {
        return w == Math.rint(w) && Math.abs(w) < 1e15 ? Long.toString((long) w) : Double.toString(w);
    }

    private String pct() {
        double c = options.confidence() * 100;
        return c == Math.rint(c) ? Long.toString((long) c) + "%" : String.format(Locale.ROOT, "%.1f%%", c);
    }

    private String subtitle(int reps) {
        return String.format(Locale.ROOT, "suite %s · score: %s · %s stratified-bootstrap CIs, %,d reps, seed %d", suite,
                options.score().id(), pct(), reps, options.seed());
    }

    /** Learning curves use every evaluation, not the per-run score. */
    private String curveSubtitle(int reps) {
        return String.format(Locale.ROOT, "suite %s · %s bootstrap CIs, %,d reps, seed %d", suite, pct(), reps, options.seed());
    }

    private void writePlots(Path dir, List<Path> written) throws IOException {
        List<String> methods = scores.stream().map(ScoreSet::method).toList();
        int m = methods.size();
        Charts.write(Charts.aggregates(methods, aggregates, "Aggregate metrics", subtitle(options.reps())),
                1200, 150 + 46 * m, dir, "aggregates", written);
        Map<String, double[]> taus = new LinkedHashMap<>();
        for (String method : methods) taus.put(method, TAUS);
        Charts.write(Charts.bands(methods, taus, profiles, axis("success threshold τ"), "fraction of runs with score > τ", true, false,
                "Performance profiles", subtitle(options.auxReps())), 900, 560, dir, "profiles", written);
        List<String> panels = new ArrayList<>();
        List<Map<String, double[]>> xs = new ArrayList<>();
        List<Map<String, Interval[]>> ys = new ArrayList<>();
        for (Map.Entry<String, Map<String, Curve>> panel : learning.entrySet()) {
            if (panel.getValue().isEmpty()) continue;
            panels.add(panel.getKey().equals(ALL_TASKS_IQM) ? ALL_TASKS_IQM : "task " + panel.getKey() + " (mean over seeds)");
            Map<String, double[]> x = new LinkedHashMap<>();
            Map<String, Interval[]> y = new LinkedHashMap<>();
            for (Curve c : panel.getValue().values()) {
                x.put(c.series(), c.x());
                y.put(c.series(), c.y());
            }
            xs.add(x);
            ys.add(y);
        }
        Charts.write(Charts.panels(methods, panels, xs, ys, "training step", "success", "Learning curves (overall success)",
                curveSubtitle(options.auxReps())), 1000, 110 + 250 * panels.size(), dir, "learning-curves", written);
        for (Guidance g : guidance) {
            List<String> series = g.curves().stream().map(Curve::series).toList();
            Map<String, double[]> x = new LinkedHashMap<>();
            Map<String, Interval[]> y = new LinkedHashMap<>();
            double[] allW = g.policyByWeight().keySet().stream().mapToDouble(Double::parseDouble).toArray();
            Charts.WeightScale scale = Charts.weightScale(allW);
            for (Curve c : g.curves()) {
                x.put(c.series(), scale.map(c.x()));
                y.put(c.series(), c.y());
            }
            org.jfree.chart.JFreeChart chart = Charts.bands(series, x, y, scale.axis(), "success (mean over seeds)",
                    true, true, "Guidance weight: " + g.algorithm() + " / " + g.family() + "(w=…)", subtitle(options.auxReps()));
            // the rule's choice, one marker per chosen weight (labelled with the groups that chose it)
            Map<Double, List<String>> byWeight = new TreeMap<>();
            g.chosen().forEach((group, w) -> byWeight.computeIfAbsent(w, k -> new ArrayList<>()).add(group));
            for (Map.Entry<Double, List<String>> c : byWeight.entrySet()) {
                Charts.markChosen(chart, scale.position().get(c.getKey()), "chosen by rule"
                        + (g.chosen().size() > 1 ? ": " + String.join(", ", c.getValue()) : ""));
            }
            Charts.write(chart, 900, 560, dir, guidanceBase(g), written);
        }
    }

    private static NumberAxis axis(String label) {
        NumberAxis a = new NumberAxis(label);
        a.setRange(0, 1);
        return a;
    }

    static String guidanceBase(Guidance g) {
        String name = g.algorithm().equals(g.family()) ? g.algorithm() : g.algorithm() + "-" + g.family();
        return "guidance-" + name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** Deletes guidance plots a previous report left that this one did not write (the other names are fixed). */
    private static void removeStalePlots(Path dir, List<Path> written) throws IOException {
        Set<Path> keep = new HashSet<>(written);
        List<Path> stale = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "guidance*.{png,svg,csv}")) {
            for (Path p : ds) if (!keep.contains(p)) stale.add(p);
        }
        for (Path p : stale) Files.deleteIfExists(p);
    }

    // ---------------------------------------------------------------- markdown

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String cell(Interval i) {
        return String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", i.point(), i.lower(), i.upper());
    }

    /** Fewer seeds per task than this give no interval: a bootstrap over 1 or 2 runs is not a confidence statement. */
    static final int MIN_SEEDS_FOR_INTERVAL = 3;

    /** The fewest seeds any task of a method has. */
    private int fewestSeeds(String method) {
        return scores.stream().filter(x -> x.method().equals(method)).flatMap(x -> x.runsByTask().values().stream())
                .mapToInt(v -> v.length).min().orElse(0);
    }

    /** {@link #cell(Interval)}, or the point estimate alone when a task has fewer than 3 seeds. */
    private static String cell(Interval i, int fewestSeedsPerTask) {
        if (fewestSeedsPerTask >= MIN_SEEDS_FOR_INTERVAL) return cell(i);
        return String.format(Locale.ROOT, "%.3f (too few seeds for an interval)", i.point());
    }

    /** The protocol every run of this report shares (checked by {@link ProtocolCheck}). */
    private String protocolLine() {
        TreeSet<String> modes = new TreeSet<>(shared.taskModes().values());
        StringBuilder d = new StringBuilder();
        shared.datasets().forEach((name, sha) -> d.append(d.length() == 0 ? "" : ", ").append('`').append(name).append("` (SHA-256 ")
                .append(sha.length() > 12 ? sha.substring(0, 12) + "…" : sha).append(')'));
        return String.format(Locale.ROOT, "**Protocol** (the same for every run here): %,d train steps; evaluation every %,d "
                        + "steps%s; %d episodes per evaluation task; evaluation seed %d; task mode%s %s; datasets %s.",
                shared.trainSteps(), shared.evalEvery(), shared.evalAtStart() ? " and at step 0" : "",
                shared.episodesPerTask(), shared.evalSeed(), modes.size() == 1 ? "" : "s (reported separately)",
                String.join(", ", modes.stream().map(m -> m.toLowerCase(Locale.ROOT).replace('_', '-')).toList()), d);
    }

    private static String md(String s) {
        return s.replace("|", "\\|");
    }

    private String markdown(List<Path> written, Path dir) {
        StringBuilder b = new StringBuilder();
        List<String> methods = scores.stream().map(ScoreSet::method).toList();
        int runs = (int) runScores.stream().map(ResultSet.RunScore::runId).distinct().count();
        long selectionRuns = results.entries(suite).stream().filter(e -> sweeps.isSelectionSeed(e.record().identity().seed())).count();
        b.append("# Report: suite ").append(suite).append("\n\n");
        b.append(String.format(Locale.ROOT, "Results: `%s`, %d complete runs%s, %d method%s. ", PortablePaths.of(results.root()), runs,
                selectionRuns == 0 ? "" : " (and " + selectionRuns + " selection runs, never reported)", methods.size(),
                methods.size() == 1 ? "" : "s"));
        b.append("**Score per run: ").append(options.score().id()).append("** = ").append(options.score().description());
        if (options.score() == ScoreKind.LAST3) {
            TreeSet<Integer> used = new TreeSet<>();
            runScores.forEach(s -> used.add(s.evaluationsAveraged()));
            if (!used.equals(new TreeSet<>(List.of(ScoreKind.LAST_N)))) {
                b.append(" (runs here have fewer evaluations: averaged over ").append(used).append(")");
            }
        }
        b.append(".\n\n");
        b.append(protocolLine()).append("\n\n");
        b.append(String.format(Locale.ROOT, "Intervals: %s percentile intervals from rliable's stratified bootstrap (runs resampled "
                        + "within each task), seed %d; %,d reps for per-task means and aggregate metrics, %,d reps for performance "
                        + "profiles, probability of improvement, rank intervals and curves. The same results, options and seed give "
                        + "the same numbers (`flowbench report --seed %d --reps %d --aux-reps %d --confidence %s --score %s`).\n\n",
                pct(), options.seed(), options.reps(), options.auxReps(), options.seed(), options.reps(), options.auxReps(),
                num(options.confidence()), options.score().id()));

        selectionSection(b);

        b.append("## Aggregate metrics\n\n");
        b.append("IQM: mean of the middle 50% of all run × task scores; mean and median over tasks of the per-task mean; "
                + "optimality gap: 1 − mean(min(score, 1)), lower is better.\n\n");
        b.append("| method | tasks | runs | IQM | Mean | Median | Optimality gap ↓ |\n|---|---|---|---|---|---|---|\n");
        for (ScoreSet s : scores) {
            Map<Metric, Interval> a = aggregates.get(s.method());
            b.append("| ").append(md(s.method())).append(" | ").append(s.runsByTask().size()).append(" | ").append(s.runCount());
            int fewest = s.runsByTask().values().stream().mapToInt(x -> x.length).min().orElse(0);
            for (Metric m : Metric.values()) b.append(" | ").append(cell(a.get(m), fewest));
            b.append(" |\n");
        }
        for (Sweeps.Family f : sweeps.families()) {
            if (!f.resolved() || scores.stream().noneMatch(x -> x.method().equals(f.method()))) continue;
            b.append("\n`").append(f.method()).append("`: ").append(md(sweeps.chosenText(f))).append(" by the suite's rule");
        }
        if (sweeps.families().stream().anyMatch(Sweeps.Family::resolved)) b.append('\n');
        List<String[]> separated = separatedPairs(scores, aggregates);
        int comparable = comparablePairs(scores);
        b.append("\n**Settled orders**: ").append(separated.size()).append(" of ").append(comparable)
                .append(" method pairs with the same tasks have disjoint IQM intervals");
        if (separated.isEmpty()) b.append(".\n");
        else {
            b.append(" (higher first): ");
            StringJoiner j = new StringJoiner("; ");
            for (String[] p : separated) j.add(md(p[0]) + " > " + md(p[1]));
            b.append(j).append(".\n");
        }
        b.append("\n![aggregate metrics](aggregates.png)\n\n");

        b.append("## Per task: mean success over seeds [").append(pct()).append(" CI] (runs)\n\n");
        TreeSet<String> tasks = new TreeSet<>();
        scores.forEach(s -> tasks.addAll(s.runsByTask().keySet()));
        b.append("| task |");
        for (String m : methods) b.append(' ').append(md(m)).append(" |");
        b.append("\n|---|");
        b.append("---|".repeat(methods.size())).append('\n');
        for (String t : tasks) {
            b.append("| ").append(md(t)).append(" |");
            for (String m : methods) {
                TaskRow r = taskRows.stream().filter(x -> x.method().equals(m) && x.task().equals(t)).findFirst().orElse(null);
                b.append(' ').append(r == null ? "—" : cell(r.mean(), r.runs()) + " (" + r.runs() + ")").append(" |");
            }
            b.append('\n');
        }
        b.append('\n');

        if (methods.size() > 1) {
            b.append("## Probability of improvement P(row > column)\n\n");
            b.append("Per task the Mann–Whitney U of the row's runs against the column's, divided by n_row·n_col (ties count ½), "
                    + "averaged over the tasks both have; intervals from independent stratified resampling of both "
                    + "(`poi.csv`).\n\n");
            b.append("| P(row > column) |");
            for (String m : methods) b.append(' ').append(md(m)).append(" |");
            b.append("\n|---|").append("---|".repeat(methods.size())).append('\n');
            for (String x : methods) {
                b.append("| ").append(md(x)).append(" |");
                for (String y : methods) {
                    b.append(' ').append(x.equals(y) ? "—" : poiCell(x, y).map(r -> cell(r.poi(), Math.min(fewestSeeds(x), fewestSeeds(y))))
                            .orElse("no common task")).append(" |");
                }
                b.append('\n');
            }
            b.append('\n');
        }

        b.append("## Rank intervals\n\n");
        if (ranks.isEmpty()) {
            b.append("No task is shared by every method, so methods are not ranked.\n\n");
        } else {
            b.append(String.format(Locale.ROOT, "Tasks resampled with replacement (paired across methods, MTEB style, %,d reps) over "
                    + "the %d tasks every method has; methods ranked by mean task score on each resample (1 = best, ties share "
                    + "the average rank). Overlapping ranges are not a strict order.\n\n", options.auxReps(), rankTasks.size()));
            b.append("| method | rank | mean rank | ").append(pct()).append(" rank range |\n|---|---|---|---|\n");
            for (RankInterval r : ranks) {
                b.append("| ").append(md(r.method())).append(" | ").append(fmtRank(pointRanks.get(r.method()))).append(" | ")
                        .append(String.format(Locale.ROOT, "%.2f", r.meanRank())).append(" | ")
                        .append(r.bestRank() == r.worstRank() ? Integer.toString(r.bestRank()) : r.bestRank() + "–" + r.worstRank())
                        .append(" |\n");
            }
            b.append('\n');
        }

        b.append("## Performance profiles\n\nFraction of all runs (over all tasks) whose score is strictly above τ, with ")
                .append(pct()).append(" bands (`profiles.csv`).\n\n![performance profiles](profiles.png)\n\n");
        b.append("## Learning curves\n\nOverall success at each evaluation step: first panel IQM over all run × task scores ")
                .append("(rliable's sample-efficiency curve), then each task's mean over seeds; bands are ").append(pct())
                .append(" bootstrap intervals (`learning-curves.csv`).\n\n![learning curves](learning-curves.png)\n\n");
        if (!guidance.isEmpty()) {
            b.append("## Guidance weight\n\nScore (").append(options.score().id()).append(") against the guidance weight of the ")
                    .append("learner's policies, mean over seeds per task and over all tasks on the report seeds (all seeds ")
                    .append("when no rule covers the family), and over all tasks on the selection seeds (the rule's score ")
                    .append("kind), ").append(pct()).append(" bands (`guidance.csv`); a dashed line marks the weight the rule ")
                    .append("chose.\n\n");
            for (Guidance g : guidance) {
                b.append("**").append(md(g.algorithm())).append("**, policies ").append(md(String.join(", ", g.policyByWeight().values())));
                if (!g.chosen().isEmpty()) {
                    StringBuilder c = new StringBuilder();
                    g.chosen().forEach((group, w) -> c.append(c.length() == 0 ? "" : ", ").append(group).append(": w=").append(fmtWeight(w)));
                    b.append("; chosen by rule: ").append(md(c.toString()));
                } else {
                    b.append(" (").append(Sweeps.NO_RULE).append(")");
                }
                b.append("\n\n![guidance weight](").append(guidanceBase(g)).append(".png)\n\n");
            }
        }

        sweepSection(b);

        if (!results.warnings().isEmpty()) {
            b.append("## Skipped files\n\n");
            for (String w : results.warnings()) b.append("- ").append(md(w)).append('\n');
            b.append('\n');
        }
        b.append("## Files\n\n");
        for (Path p : written) b.append("- [").append(dir.relativize(p)).append("](").append(dir.relativize(p)).append(")\n");
        b.append("- README.md (this file)\n");
        return b.toString();
    }

    /**
     * The rule (or its absence) and every choice it made. Left out when the suite has neither a rule nor a swept
     * family, so such reports read as before.
     */
    private void selectionSection(StringBuilder b) {
        Suite.Selection rule = sweeps.rule();
        if (rule == null && sweeps.families().isEmpty()) return;
        b.append("## Selection rule\n\n");
        String source = results.definition(suite).map(d -> d.source().equals("given") || d.source().equals("shipped")
                ? d.source() + " suite definition" : "suite definition in `" + d.source() + "`").orElse("no suite definition found");
        if (rule == null) {
            b.append("No selection rule is declared (").append(md(source)).append("). Swept policy families (policies ")
                    .append("`family(param=value)` of one learner) are therefore not methods: their candidates appear only in ")
                    .append("the sweep below, labelled \"").append(Sweeps.NO_RULE).append("\", and in no table, ranking or ")
                    .append("plot of method results (taking the best candidate per run or per task would be an optimistic ")
                    .append("oracle).\n\n");
            return;
        }
        b.append("Declared by the suite (").append(md(source)).append("): ").append(md(rule.describe())).append(". Runs with a ")
                .append("selection seed are never method results. A swept family's row (`family [param by rule]`) reports ")
                .append("its group's chosen candidate on the report seeds; every candidate, on every seed, is in the sweep ")
                .append("below and `sweep.csv`.\n\n");
        if (sweeps.choices().isEmpty()) {
            b.append("No swept family of an algorithm the rule covers has report runs here.\n\n");
            return;
        }
        String k = Sweeps.kindOf(rule.score()).id();
        b.append("| method | group | chosen | selection mean (").append(k).append(") | selection runs | other candidates (selection mean) |\n")
                .append("|---|---|---|---|---|---|\n");
        for (Sweeps.GroupChoice c : sweeps.choices()) {
            StringBuilder others = new StringBuilder();
            for (flowbench.harness.protocol.PolicySelection.Candidate cand : c.choice().candidates()) {
                if (cand.policy().equals(c.choice().policy())) continue;
                if (others.length() > 0) others.append(", ");
                others.append(Sweeps.params(cand.policy())).append(' ').append(f3(cand.selectionMean()));
            }
            b.append("| ").append(md(c.family().method())).append(" | ").append(md(c.group())).append(" | ")
                    .append(md(c.chosenParams())).append(" | ").append(f3(c.choice().selectionMean())).append(" | ")
                    .append(c.choice().candidates().get(0).selectionRuns()).append(" | ").append(md(others.toString()))
                    .append(" |\n");
        }
        b.append('\n');
    }

    /** Every candidate of every swept family: mean per group and role, the chosen one marked. */
    private void sweepSection(StringBuilder b) {
        if (sweeps.families().isEmpty()) return;
        b.append("## Sweep: every candidate (not method results)\n\n");
        b.append("Mean score per candidate over the runs of each group and role; selection rows use the rule's score kind, ")
                .append("the others the report's (").append(options.score().id()).append("). Per run: `sweep.csv`.\n\n");
        b.append("| family | status | group | candidate | role | runs | mean | chosen |\n|---|---|---|---|---|---|---|---|\n");
        // family -> group -> candidate -> role -> [sum, n, chosen]
        Map<Sweeps.Family, Map<String, Map<String, Map<String, double[]>>>> agg = new LinkedHashMap<>();
        for (Sweeps.Point p : sweeps.points()) {
            double[] a = agg.computeIfAbsent(p.family(), x -> new TreeMap<>()).computeIfAbsent(p.group(), x -> new LinkedHashMap<>())
                    .computeIfAbsent(p.policy(), x -> new TreeMap<>()).computeIfAbsent(p.role(), x -> new double[3]);
            a[0] += p.score();
            a[1]++;
            if (p.chosen()) a[2] = 1;
        }
        for (Sweeps.Family f : sweeps.families()) {
            Map<String, Map<String, Map<String, double[]>>> byGroup = agg.getOrDefault(f, Map.of());
            String name = f.resolved() ? f.method() : f.algorithm() + " / " + f.family() + "(" + f.params() + ")";
            for (Map.Entry<String, Map<String, Map<String, double[]>>> g : byGroup.entrySet()) {
                for (String cand : f.candidates()) {
                    Map<String, double[]> roles = g.getValue().get(cand);
                    if (roles == null) continue;
                    for (Map.Entry<String, double[]> r : roles.entrySet()) {
                        double[] a = r.getValue();
                        b.append("| ").append(md(name)).append(" | ").append(md(familyStatus(f))).append(" | ").append(md(g.getKey()))
                                .append(" | ").append(md(cand)).append(" | ").append(r.getKey()).append(" | ").append((long) a[1])
                                .append(" | ").append(f3(a[0] / a[1])).append(" | ").append(a[2] > 0 ? "✓" : "").append(" |\n");
                    }
                }
            }
        }
        b.append('\n');
    }

    private static String fmtRank(double r) {
        return r == Math.rint(r) ? Long.toString((long) r) : String.format(Locale.ROOT, "%.1f", r);
    }

    /**
     * Pairs of methods over the same tasks whose IQM intervals do not overlap, the higher first: the orders a reader
     * may take as settled at this number of seeds (pairs over different task sets, e.g. goal-conditioned against
     * single-task, are not comparable and never listed).
     */
    static List<String[]> separatedPairs(List<ScoreSet> scores, Map<String, Map<Metric, Interval>> aggregates) {
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < scores.size(); i++) {
            for (int k = i + 1; k < scores.size(); k++) {
                ScoreSet a = scores.get(i), c = scores.get(k);
                if (!a.runsByTask().keySet().equals(c.runsByTask().keySet())) continue;
                Interval x = aggregates.get(a.method()).get(Metric.IQM), y = aggregates.get(c.method()).get(Metric.IQM);
                if (x.lower() > y.upper()) out.add(new String[] {a.method(), c.method()});
                else if (y.lower() > x.upper()) out.add(new String[] {c.method(), a.method()});
            }
        }
        return out;
    }

    /** Pairs of methods over the same tasks. */
    static int comparablePairs(List<ScoreSet> scores) {
        int n = 0;
        for (int i = 0; i < scores.size(); i++) {
            for (int k = i + 1; k < scores.size(); k++) {
                if (scores.get(i).runsByTask().keySet().equals(scores.get(k).runsByTask().keySet())) n++;
            }
        }
        return n;
    }
}
