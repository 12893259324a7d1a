package flowbench.harness.report;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.Configs;
import flowbench.harness.protocol.Evaluation;
import flowbench.harness.protocol.PolicyEvaluation;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.Suite;
import flowbench.harness.protocol.SuiteRunner;
import flowbench.harness.stats.ScoreSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Every complete run record ({@code run.json}) under a results folder, grouped by suite and method.
 *
 * <p>Loading rules:
 * <ul>
 *   <li>every file named {@code run.json} below the root is read (recursively, in path order);</li>
 *   <li>a file that is not a valid run record, or has another {@code schemaVersion}, is an <b>error</b> naming the file:
 *       silently dropping a run would bias the statistics;</li>
 *   <li>runs that are not complete (still running, or interrupted) are <b>skipped with a warning</b>
 *       ({@link #warnings()});</li>
 *   <li>a second record with the same {@code identity.runId} (a copied run folder) is skipped with a warning;</li>
 *   <li>two different runs for the same (suite, method, task, seed) are an error naming both files;</li>
 *   <li>every {@code summary.json} (what {@code flowbench suite run} writes) registers its suite's definition, which
 *       carries the suite's selection rule; a file that holds no suite is ignored with a warning, an invalid suite in
 *       one is an error naming the file.</li>
 * </ul>
 *
 * <p>Methods: every policy of a learner is a method ({@link #methodKey}), except the candidates of a swept family
 * ({@link Sweeps}), which the suite's declared rule turns into one method per family, scored on the report seeds; in
 * a suite with a rule, runs with a selection seed are never method results. The rule comes from the suite definition:
 * one given explicitly ({@link #withDefinitions}), else the shipped suite of that name and version, else a
 * {@code summary.json} under the results folder.
 *
 * <p>Configurations: when a suite's method results hold several method choices of one algorithm (profile and
 * overrides, {@link Configs#methodConfig}), e.g. runs made with {@code --set alpha=3} and {@code --set alpha=30}, each
 * is its own method named {@code algorithm@label} ({@link Configs#methodLabel}; the default choice keeps the plain
 * name), e.g. {@code fql} and {@code fql@alpha=3}. With one choice per algorithm the method is the algorithm, as
 * before. Candidates of swept families are not counted: the suite's rule names them ({@link Sweeps}).
 */
public final class ResultSet {
    /**
     * One run's score for one policy.
     *
     * @param config the run's method choice as a label ({@link Configs#methodLabel}), "" for the default
     */
    public record RunScore(String suite, String method, String algorithm, String config, String policy, String task,
                           long seed, String runId, double score, int evaluationsAveraged, long finalStep, Path file) {}

    /** A loaded record and where it came from. */
    record Entry(RunRecord record, Path file) {}

    /** A suite definition and where it was found ("given", "shipped", or a summary.json path). */
    public record Definition(Suite suite, String source) {}

    private final Path root;
    private final List<Entry> entries;
    /** incomplete records, skipped from statistics but named when the selection rule needs them */
    private final List<Entry> incomplete;
    private final List<String> warnings;
    /** definitions found in summary.json files, by "name/version" */
    private final Map<String, Definition> found;
    /** definitions given explicitly, by "name/version" */
    private final Map<String, Definition> given;

    private ResultSet(Path root, List<Entry> entries, List<Entry> incomplete, List<String> warnings,
                      Map<String, Definition> found, Map<String, Definition> given) {
        this.root = root;
        this.entries = List.copyOf(entries);
        this.incomplete = List.copyOf(incomplete);
        this.warnings = List.copyOf(warnings);
        this.found = Map.copyOf(found);
        this.given = Map.copyOf(given);
    }

    /** This result set with suite definitions that take precedence over shipped and found ones. */
    public ResultSet withDefinitions(List<Suite> suites) {
        Map<String, Definition> g = new LinkedHashMap<>(given);
        for (Suite s : suites) g.put(s.name() + "/" + s.version(), new Definition(s, "given"));
        return new ResultSet(root, entries, incomplete, warnings, found, g);
    }

    /**
     * The definition of a suite ("name/version"): given, else shipped with the same version, else from a summary.json
     * under the results folder.
     */
    public Optional<Definition> definition(String suite) {
        Definition d = given.get(suite);
        if (d != null) return Optional.of(d);
        int slash = suite.lastIndexOf('/');
        String name = slash < 0 ? suite : suite.substring(0, slash);
        if (SuiteRunner.SHIPPED.contains(name)) {
            try {
                Suite shipped = SuiteRunner.load(name);
                if ((shipped.name() + "/" + shipped.version()).equals(suite)) return Optional.of(new Definition(shipped, "shipped"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return Optional.ofNullable(found.get(suite));
    }

    /** The suite's selection rule, or null when its definition declares none (or no definition is known). */
    public Suite.Selection rule(String suite) {
        return definition(suite).map(d -> d.suite().selection()).orElse(null);
    }

    public static ResultSet load(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "results folder does not exist or is not a folder");
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(p -> p.getFileName().toString().equals("run.json") && Files.isRegularFile(p)).sorted().toList();
        }
        List<Entry> entries = new ArrayList<>();
        List<Entry> incomplete = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, Definition> found = new TreeMap<>();
        List<Path> summaries;
        try (Stream<Path> s = Files.walk(root)) {
            summaries = s.filter(p -> p.getFileName().toString().equals("summary.json") && Files.isRegularFile(p)).sorted().toList();
        }
        for (Path f : summaries) {
            JsonNode tree;
            try {
                tree = Json.mapper().readTree(f.toFile());
            } catch (IOException e) {
                warnings.add(f + ": not valid JSON (" + e.getMessage() + "); ignored");
                continue;
            }
            JsonNode suite = tree == null ? null : tree.get("suite");
            if (suite == null || !suite.isObject()) {
                warnings.add(f + ": no 'suite' object, not a suite summary; ignored");
                continue;
            }
            Suite def;
            try {
                def = Json.mapper().treeToValue(suite, Suite.class);
            } catch (IOException | RuntimeException e) {
                // the definition may hold the selection rule: dropping it silently would report sweeps wrongly
                throw new IOException(f + ": field 'suite' is not a valid suite definition: " + rootMessage(e), e);
            }
            String id = def.name() + "/" + def.version();
            Definition prev = found.putIfAbsent(id, new Definition(def, f.toString()));
            if (prev != null && !Objects.equals(prev.suite().selection(), def.selection())) {
                throw new IOException(f + ": suite " + id + " declares another selection rule than " + prev.source()
                        + "; expected one definition per suite version");
            }
        }
        Map<String, Path> byRunId = new HashMap<>();
        for (Path f : files) {
            RunRecord r = Json.read(f, RunRecord.class); // IOException naming the file when invalid
            if (r.schemaVersion() != RunRecord.SCHEMA_VERSION) {
                throw new IOException(f + ": field 'schemaVersion' is " + r.schemaVersion() + "; expected "
                        + RunRecord.SCHEMA_VERSION + " (written by another flowbench version?)");
            }
            if (!r.complete()) {
                warnings.add(f + ": status '" + r.status() + "', not complete; skipped");
                if (r.identity() != null && r.protocol() != null) incomplete.add(new Entry(r, f));
                continue;
            }
            require(f, r.identity() != null, "identity");
            require(f, r.protocol() != null, "protocol");
            require(f, r.evaluations() != null && !r.evaluations().isEmpty(), "evaluations");
            Path first = byRunId.putIfAbsent(r.identity().runId(), f);
            if (first != null) {
                warnings.add(f + ": same run id " + r.identity().runId() + " as " + first + " (a copy?); skipped");
                continue;
            }
            entries.add(new Entry(r, f));
        }
        return new ResultSet(root, entries, incomplete, warnings, found, Map.of());
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage();
    }

    private static void require(Path f, boolean ok, String field) throws IOException {
        if (!ok) throw new IOException(f + ": field '" + field + "' is missing or empty; expected it in a complete run record");
    }

    public Path root() {
        return root;
    }

    public List<RunRecord> records() {
        return entries.stream().map(Entry::record).toList();
    }

    /** Messages about skipped files (incomplete runs, duplicate copies). */
    public List<String> warnings() {
        return warnings;
    }

    /** Suites present, as "name/version", sorted. */
    public List<String> suites() {
        return List.copyOf(new TreeSet<>(entries.stream().map(e -> suiteOf(e.record())).toList()));
    }

    static String suiteOf(RunRecord r) {
        return r.protocol().suite();
    }

    List<Entry> entries(String suite) {
        if (!suites().contains(suite)) {
            throw new IllegalArgumentException("no complete runs of suite '" + suite + "' under " + root + "; suites found: "
                    + (suites().isEmpty() ? "none" : String.join(", ", suites())));
        }
        return entries.stream().filter(e -> suiteOf(e.record()).equals(suite)).toList();
    }

    /** Policy names per algorithm in a suite, in first-seen order. */
    private Map<String, Set<String>> policies(String suite) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (Entry e : entries(suite)) {
            Set<String> ps = out.computeIfAbsent(e.record().identity().algorithm(), k -> new LinkedHashSet<>());
            for (Evaluation ev : e.record().evaluations()) for (PolicyEvaluation p : ev.policies()) ps.add(p.policy());
        }
        return out;
    }

    /** Method key: the algorithm, plus the policy in brackets when the algorithm exposes several, e.g. "qgf[qgf(w=0.01)]". */
    public static String methodKey(String algorithm, String policy, boolean severalPolicies) {
        return methodKey(algorithm, "", policy, severalPolicies);
    }

    /**
     * Method key of one configuration of an algorithm: {@code algorithm@label} when {@code label} is not empty (the
     * suite holds several configurations of the algorithm), plus the policy in brackets when the algorithm exposes
     * several, e.g. "fql@alpha=3" or "qgf@lr=1e-3[qgf(w=0.01)]".
     */
    public static String methodKey(String algorithm, String label, String policy, boolean severalPolicies) {
        String name = label == null || label.isEmpty() ? algorithm : algorithm + "@" + label;
        return severalPolicies ? name + "[" + policy + "]" : name;
    }

    /** The method choice of a record: {@link Configs#methodConfig} of its spec's profile and overrides. */
    static String methodConfig(RunRecord r) {
        return Configs.methodConfig(r.spec().profile(), r.spec().overrides());
    }

    /** The label of a record's method choice ({@link Configs#methodLabel}), "" for the default. */
    static String configLabel(RunRecord r) {
        return Configs.methodLabel(r.spec().profile(), r.spec().overrides());
    }

    /**
     * Per algorithm with several method choices among a suite's method results (non-swept policies of report runs):
     * method config to the label its methods carry. A label that two choices share (they differ only in spaces) is
     * replaced by the {@code cfg-} hash form for each, so method names stay one per choice. Algorithms with one choice
     * are absent: their method is the algorithm.
     */
    private Map<String, Map<String, String>> configLabels(String suite, Sweeps sw, Map<String, Set<String>> policies) {
        Map<String, Map<String, String>> byAlgorithm = new TreeMap<>();
        for (Entry e : entries(suite)) {
            RunRecord r = e.record();
            if (sw.isSelectionSeed(r.identity().seed())) continue;
            String alg = r.identity().algorithm();
            String config = methodConfig(r);
            for (String policy : policies.get(alg)) {
                if (sw.isSwept(alg, config, policy)) continue;
                byAlgorithm.computeIfAbsent(alg, k -> new TreeMap<>()).putIfAbsent(config, configLabel(r));
                break;
            }
        }
        byAlgorithm.values().removeIf(m -> m.size() < 2);
        for (Map<String, String> labels : byAlgorithm.values()) {
            Map<String, Integer> uses = new HashMap<>();
            labels.values().forEach(l -> uses.merge(l, 1, Integer::sum));
            labels.replaceAll((config, l) -> uses.get(l) > 1
                    ? "cfg-" + config.substring(0, Configs.METHOD_LABEL_HASH_DIGITS) : l);
        }
        return byAlgorithm;
    }

    /** The run as {@link Sweeps} reads it: every policy of its last evaluation, in the learner's order. */
    static Sweeps.Run sweepRun(Entry e) {
        RunRecord r = e.record();
        List<Sweeps.PolicyScore> ps = new ArrayList<>();
        List<Evaluation> evals = r.evaluations();
        if (r.complete() && evals != null && !evals.isEmpty()) {
            for (PolicyEvaluation p : evals.get(evals.size() - 1).policies()) {
                ps.add(new Sweeps.PolicyScore(p.policy(), ScoreKind.FINAL.score(r, p.policy(), e.file()),
                        ScoreKind.LAST3.score(r, p.policy(), e.file())));
            }
        }
        RunRecord.Identity id = r.identity();
        // grouped by method choice (profile + overrides), not by the per-task resolved config
        return new Sweeps.Run(e.file().toString(), id.runId(), id.algorithm(),
                Configs.methodConfig(r.spec().profile(), r.spec().overrides()), id.task(), id.datasetName(),
                id.seed(), r.status(), ps);
    }

    /**
     * The swept families of a suite with its rule applied ({@link #rule}); families the rule cannot be applied to
     * are an error naming the run ({@link Sweeps#requireResolved()}).
     *
     * @param kind score kind of the reported numbers (the choice uses the rule's own)
     */
    public Sweeps sweeps(String suite, ScoreKind kind) {
        List<Sweeps.Run> runs = new ArrayList<>();
        for (Entry e : entries(suite)) runs.add(sweepRun(e));
        for (Entry e : incomplete) if (suiteOf(e.record()).equals(suite)) runs.add(sweepRun(e));
        return Sweeps.compute(rule(suite), runs, kind).requireResolved();
    }

    /**
     * Every method result of a suite, sorted by method, task, seed: each policy that is not a swept candidate on each
     * report run, and each family the rule resolves with its group's chosen candidate on each report run (runs with a
     * selection seed never appear).
     */
    public List<RunScore> runScores(String suite, ScoreKind kind) {
        return runScores(suite, kind, sweeps(suite, kind));
    }

    List<RunScore> runScores(String suite, ScoreKind kind, Sweeps sw) {
        Map<String, Set<String>> policies = policies(suite);
        Map<String, Map<String, String>> labels = configLabels(suite, sw, policies);
        Map<String, Path> fileOf = new HashMap<>();
        List<RunScore> out = new ArrayList<>();
        Map<String, RunScore> seen = new HashMap<>();
        for (Entry e : entries(suite)) {
            RunRecord r = e.record();
            fileOf.put(r.identity().runId(), e.file());
            if (sw.isSelectionSeed(r.identity().seed())) continue;
            String alg = r.identity().algorithm();
            Set<String> ps = policies.get(alg);
            int nEval = r.evaluations().size();
            if (kind == ScoreKind.LAST3 && nEval < ScoreKind.LAST_N) {
                throw new IllegalArgumentException("score last3 needs " + ScoreKind.LAST_N + " evaluations per run; " + e.file()
                        + " has " + nEval + " (use --score final, or runs with --eval-every small enough for 3 evaluations)");
            }
            String config = methodConfig(r);
            String label = labels.getOrDefault(alg, Map.of()).getOrDefault(config, "");
            for (String policy : ps) {
                if (sw.isSwept(alg, config, policy)) continue;
                String method = methodKey(alg, label, policy, ps.size() > 1);
                add(out, seen, suite, new RunScore(suite, method, alg, label.isEmpty() ? configLabel(r) : label, policy,
                        r.identity().task(), r.identity().seed(),
                        r.identity().runId(), kind.score(r, policy, e.file()), kind.evaluationsUsed(nEval),
                        r.evaluations().get(nEval - 1).step(), e.file()));
            }
        }
        for (Sweeps.Selected s : sw.selected()) {
            RunRecord r = entry(suite, s.run().runId()).record();
            int nEval = r.evaluations().size();
            add(out, seen, suite, new RunScore(suite, s.family().method(), s.family().algorithm(), configLabel(r), s.policy(), s.run().task(),
                    s.run().seed(), s.run().runId(), s.score(), kind.evaluationsUsed(nEval), r.evaluations().get(nEval - 1).step(),
                    fileOf.get(s.run().runId())));
        }
        out.sort(Comparator.comparing(RunScore::method).thenComparing(RunScore::task).thenComparingLong(RunScore::seed));
        return out;
    }

    private static void add(List<RunScore> out, Map<String, RunScore> seen, String suite, RunScore s) {
        RunScore other = seen.putIfAbsent(s.method() + "\u0000" + s.task() + "\u0000" + s.seed(), s);
        if (other != null) {
            throw new IllegalStateException("two different runs of " + s.method() + " on " + s.task() + " with seed " + s.seed()
                    + " in suite " + suite + ": " + other.file() + " and " + s.file()
                    + "; a report expects one run per method, task and seed (point --results at one of them)");
        }
        out.add(s);
    }

    private Entry entry(String suite, String runId) {
        for (Entry e : entries(suite)) if (e.record().identity().runId().equals(runId)) return e;
        throw new IllegalStateException("run " + runId + " is not among the complete runs of suite " + suite);
    }

    /** Per method (sorted by key) task to per-seed scores (seeds ascending). */
    public List<ScoreSet> scores(String suite, ScoreKind kind) {
        return scores(runScores(suite, kind));
    }

    static List<ScoreSet> scores(List<RunScore> runScores) {
        Map<String, Map<String, List<Double>>> byMethod = new TreeMap<>();
        for (RunScore s : runScores) {
            byMethod.computeIfAbsent(s.method(), k -> new TreeMap<>()).computeIfAbsent(s.task(), k -> new ArrayList<>()).add(s.score());
        }
        List<ScoreSet> out = new ArrayList<>();
        for (Map.Entry<String, Map<String, List<Double>>> m : byMethod.entrySet()) {
            Map<String, double[]> runs = new LinkedHashMap<>();
            for (Map.Entry<String, List<Double>> t : m.getValue().entrySet()) {
                runs.put(t.getKey(), t.getValue().stream().mapToDouble(Double::doubleValue).toArray());
            }
            out.add(new ScoreSet(m.getKey(), runs));
        }
        return out;
    }

    /** One evaluation point of a run: the policy's overall success at a training step. */
    record CurvePoint(String method, String task, long seed, long step, double success) {}

    /** Every evaluation of every method result in a suite (the same runs and policies as {@link #runScores}). */
    List<CurvePoint> curves(String suite, List<RunScore> runScores) {
        Map<String, Entry> byRunId = new HashMap<>();
        for (Entry e : entries(suite)) byRunId.put(e.record().identity().runId(), e);
        List<CurvePoint> out = new ArrayList<>();
        for (RunScore s : runScores) {
            Entry e = byRunId.get(s.runId());
            List<Evaluation> evals = e.record().evaluations();
            for (int i = 0; i < evals.size(); i++) {
                out.add(new CurvePoint(s.method(), s.task(), s.seed(), evals.get(i).step(),
                        ScoreKind.success(evals.get(i), s.policy(), e.file(), i)));
            }
        }
        return out;
    }
}
