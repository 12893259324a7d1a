package flowbench.harness.report;

import flowbench.harness.io.Json;
import flowbench.harness.protocol.Evaluation;
import flowbench.harness.protocol.PolicyEvaluation;
import flowbench.harness.protocol.RunRecord;
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
 *   <li>two different runs for the same (suite, method, task, seed), e.g. two configurations of one algorithm, are an
 *       error naming both files: a report compares one configuration per method.</li>
 * </ul>
 */
public final class ResultSet {
    /** One run's score for one policy. */
    public record RunScore(String suite, String method, String algorithm, String policy, String task, long seed,
                           String runId, double score, int evaluationsAveraged, long finalStep, Path file) {}

    /** A loaded record and where it came from. */
    record Entry(RunRecord record, Path file) {}

    private final Path root;
    private final List<Entry> entries;
    private final List<String> warnings;

    private ResultSet(Path root, List<Entry> entries, List<String> warnings) {
        this.root = root;
        this.entries = List.copyOf(entries);
        this.warnings = List.copyOf(warnings);
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
        List<String> warnings = new ArrayList<>();
        Map<String, Path> byRunId = new HashMap<>();
        for (Path f : files) {
            RunRecord r = Json.read(f, RunRecord.class); // IOException naming the file when invalid
            if (r.schemaVersion() != RunRecord.SCHEMA_VERSION) {
                throw new IOException(f + ": field 'schemaVersion' is " + r.schemaVersion() + "; expected "
                        + RunRecord.SCHEMA_VERSION + " (written by another flowbench version?)");
            }
            if (!r.complete()) {
                warnings.add(f + ": status '" + r.status() + "', not complete; skipped");
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
        return new ResultSet(root, entries, warnings);
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
        return severalPolicies ? algorithm + "[" + policy + "]" : algorithm;
    }

    /** Every run's score for every policy in a suite, sorted by method, task, seed. */
    public List<RunScore> runScores(String suite, ScoreKind kind) {
        Map<String, Set<String>> policies = policies(suite);
        List<RunScore> out = new ArrayList<>();
        Map<String, RunScore> seen = new HashMap<>();
        for (Entry e : entries(suite)) {
            RunRecord r = e.record();
            String alg = r.identity().algorithm();
            Set<String> ps = policies.get(alg);
            int nEval = r.evaluations().size();
            for (String policy : ps) {
                String method = methodKey(alg, policy, ps.size() > 1);
                RunScore s = new RunScore(suite, method, alg, policy, r.identity().task(), r.identity().seed(),
                        r.identity().runId(), kind.score(r, policy, e.file()), kind.evaluationsUsed(nEval),
                        r.evaluations().get(nEval - 1).step(), e.file());
                RunScore other = seen.putIfAbsent(method + "\u0000" + s.task() + "\u0000" + s.seed(), s);
                if (other != null) {
                    throw new IllegalStateException("two different runs of " + method + " on " + s.task() + " with seed " + s.seed()
                            + " in suite " + suite + ": " + other.file() + " and " + s.file()
                            + "; a report compares one configuration per method (point --results at one of them)");
                }
                out.add(s);
            }
        }
        out.sort(Comparator.comparing(RunScore::method).thenComparing(RunScore::task).thenComparingLong(RunScore::seed));
        return out;
    }

    /** Per method (sorted by key) task to per-seed scores (seeds ascending). */
    public List<ScoreSet> scores(String suite, ScoreKind kind) {
        Map<String, Map<String, List<Double>>> byMethod = new TreeMap<>();
        for (RunScore s : runScores(suite, kind)) {
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

    /** Every evaluation of every run in a suite, per method. */
    List<CurvePoint> curves(String suite) {
        Map<String, Set<String>> policies = policies(suite);
        List<CurvePoint> out = new ArrayList<>();
        for (Entry e : entries(suite)) {
            RunRecord r = e.record();
            String alg = r.identity().algorithm();
            Set<String> ps = policies.get(alg);
            for (String policy : ps) {
                String method = methodKey(alg, policy, ps.size() > 1);
                List<Evaluation> evals = r.evaluations();
                for (int i = 0; i < evals.size(); i++) {
                    out.add(new CurvePoint(method, r.identity().task(), r.identity().seed(), evals.get(i).step(),
                            ScoreKind.success(evals.get(i), policy, e.file(), i)));
                }
            }
        }
        return out;
    }

    /** The method key of every (algorithm, policy) pair in a suite. */
    Map<String, String[]> methods(String suite) {
        Map<String, String[]> out = new TreeMap<>();
        for (Map.Entry<String, Set<String>> a : policies(suite).entrySet()) {
            for (String p : a.getValue()) out.put(methodKey(a.getKey(), p, a.getValue().size() > 1), new String[] {a.getKey(), p});
        }
        return out;
    }
}
