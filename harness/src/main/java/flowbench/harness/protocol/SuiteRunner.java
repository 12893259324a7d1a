package flowbench.harness.protocol;

import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.data.Sha256;
import flowbench.harness.io.AtomicFiles;
import flowbench.harness.io.Json;
import flowbench.harness.io.ProgressListener;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a whole {@link Suite}: generates (or verifies) its datasets, runs every (task, algorithm, seed) with the
 * resumable {@link Runner} (complete runs are skipped), then writes {@code summary.md} and {@code summary.json}.
 * A suite with a {@link Suite.Selection} rule also runs the selection seeds of the algorithms it covers: ordinary runs
 * in the same folders, whose role ("selection" or "report") the summary records next to each row.
 */
public final class SuiteRunner {
    /** Suites shipped with the harness, under {@code flowbench/harness/suites/<name>.json}. */
    public static final List<String> SHIPPED = List.of("quickstart", "core", "qgf-guidance", "model-size", "pilot", "pointmaze-medium-flowbc", "families-flowbc",
            "pointmaze-navigate-comparison");

    /**
     * Earlier versions of shipped suites, kept so that results published under them (reports/quickstart/1, /2, reports/pilot/1) stay
     * registered and comparable: loadable as {@code history/<name>-v<version>}, never run by default.
     */
    public static final List<String> SHIPPED_HISTORY = List.of("history/quickstart-v1", "history/quickstart-v2", "history/pilot-v1");

    private static final PrintStream SILENT = new PrintStream(java.io.OutputStream.nullOutputStream());

    private final Registry registry;
    private final DatasetLoader loader;

    public SuiteRunner(Registry registry, DatasetLoader loader) {
        this.registry = registry;
        this.loader = loader;
    }

    /** A suite by shipped name or by JSON file path. */
    public static Suite load(String nameOrFile) throws IOException {
        Path p = Path.of(nameOrFile);
        if (Files.isRegularFile(p)) {
            try {
                return Json.read(p, Suite.class);
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException(p + ": not a valid suite file: " + rootMessage(e), e);
            }
        }
        String resource = "flowbench/harness/suites/" + nameOrFile + ".json";
        try (InputStream in = SuiteRunner.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no suite file '" + nameOrFile + "' and no shipped suite of that name; "
                        + "shipped suites: " + String.join(", ", SHIPPED));
            }
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            try {
                return Json.mapper().readValue(json, Suite.class);
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException("shipped suite " + resource + " is invalid: " + rootMessage(e), e);
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage();
    }

    /** Generates missing datasets and checks every pinned SHA-256. */
    public void prepareDatasets(Suite suite, Path dataDir, ProgressListener progress, PrintStream log) throws IOException {
        log = log != null ? log : SILENT;
        progress = progress != null ? progress : ProgressListener.NONE;
        for (int i = 0; i < suite.datasets().size(); i++) {
            Suite.DatasetEntry d = suite.datasets().get(i);
            Path train = Runner.datasetFile(dataDir, d.name(), false);
            Path val = Runner.datasetFile(dataDir, d.name(), true);
            if (!Files.isRegularFile(train) || !Files.isRegularFile(val)) {
                DatasetGenerator gen = registry.generator(d.name());
                log.printf(Locale.ROOT, "generating %s (%d episodes x %d steps, seed %d) into %s%n", d.name(), d.episodes(),
                        d.steps(), d.seed(), dataDir);
                long t0 = System.nanoTime();
                DatasetGeneration.generate(gen, d.episodes(), d.steps(), d.seed(), dataDir, progress);
                log.printf(Locale.ROOT, "generated %s in %.1fs%n", d.name(), (System.nanoTime() - t0) / 1e9);
            }
            checkPinned(suite, i, "sha256", train, d.sha256());
            checkPinned(suite, i, "valSha256", val, d.valSha256());
        }
    }

    /**
     * Checks, without generating anything, that the suite's dataset files exist and match every pinned SHA-256: what
     * each task of a sweep does before it trains, so a node with a stale or half-copied file refuses to run.
     */
    public static void verifyDatasets(Suite suite, Path dataDir) throws IOException {
        for (int i = 0; i < suite.datasets().size(); i++) {
            Suite.DatasetEntry d = suite.datasets().get(i);
            for (boolean val : new boolean[] {false, true}) {
                Path f = Runner.datasetFile(dataDir, d.name(), val);
                if (!Files.isRegularFile(f)) {
                    throw new IllegalStateException("dataset file " + f + " of suite " + suite.name() + " is missing; generate "
                            + "the suite's datasets once before the tasks run ('flowbench sweep prepare MANIFEST', or "
                            + "'flowbench suite run' / 'flowbench sweep' on a machine that sees the same folder)");
                }
                checkPinned(suite, i, val ? "valSha256" : "sha256", f, val ? d.valSha256() : d.sha256());
            }
        }
    }

    private static void checkPinned(Suite suite, int index, String field, Path file, String expected) throws IOException {
        if (expected == null || expected.isBlank()) return;
        String actual = Sha256.ofFile(file);
        if (!actual.equalsIgnoreCase(expected)) {
            throw new IllegalStateException(file + ": SHA-256 " + actual + " does not match suite " + suite.name() + "/"
                    + suite.version() + " field datasets[" + index + "]." + field + " = " + expected
                    + "; delete the file to regenerate it with the suite's size and seed, or use another --data folder");
        }
    }

    /**
     * Every run spec of the suite, in execution order (task, then algorithm, then its report seeds followed by its
     * selection seeds, see {@link Suite#seedsOf}).
     */
    public static List<RunSpec> specs(Suite suite, Path dataDir) {
        List<RunSpec> specs = new ArrayList<>();
        Protocol protocol = suite.runProtocol();
        for (String task : suite.tasks()) {
            for (Suite.AlgorithmEntry a : suite.algorithms()) {
                for (long seed : suite.seedsOf(a.name())) {
                    specs.add(new RunSpec(a.name(), task, dataDir.toAbsolutePath().normalize().toString(), seed,
                            a.profile(), new LinkedHashMap<>(a.overrides()), protocol));
                }
            }
        }
        return specs;
    }

    /** Runs (or skips, when complete) every run of the suite, one at a time, and writes the summary. */
    public List<RunRecord> run(Suite suite, Path dataDir, Path outRoot, RunOptions options) throws IOException {
        return run(suite, dataDir, outRoot, options, 1);
    }

    /**
     * Runs (or skips, when complete) every run of the suite, {@code jobs} at a time in this process ({@link RunPool}),
     * and writes the summary. A failed run does not stop the others; the failures are reported together afterwards.
     */
    public List<RunRecord> run(Suite suite, Path dataDir, Path outRoot, RunOptions options, int jobs) throws IOException {
        for (String t : suite.tasks()) registry.task(t);
        for (Suite.AlgorithmEntry a : suite.algorithms()) registry.algorithm(a.name());
        PrintStream log = options.log() != null ? options.log() : SILENT;
        prepareDatasets(suite, dataDir, options.progress(), log);
        List<RunSpec> specs = specs(suite, dataDir);
        Map<RunSpec, Integer> index = new java.util.IdentityHashMap<>();
        for (int i = 0; i < specs.size(); i++) index.put(specs.get(i), i);
        List<RunPool.Result> results;
        try {
            results = new RunPool(new Runner(registry, loader), jobs).runAll(specs, outRoot, options,
                    s -> s.algorithm() + "/" + s.task() + "/seed" + s.seed(),
                    s -> log.printf(Locale.ROOT, "[%d/%d] %s  %s  seed %d%s%n", index.get(s) + 1, specs.size(), s.task(),
                            s.algorithm(), s.seed(), suite.roleOf(s.seed()).equals(Suite.ROLE_SELECTION) ? " (selection)" : ""));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("suite " + suite.name() + " interrupted");
        }
        List<RunRecord> records = new ArrayList<>();
        List<RunPool.Result> failed = new ArrayList<>();
        for (RunPool.Result r : results) {
            if (r.ok()) records.add(r.outcome().record());
            else failed.add(r);
        }
        if (!failed.isEmpty()) {
            for (RunPool.Result r : failed) if (r.failure() instanceof RunStop.Stopped) rethrow(r.failure());
            if (failed.size() == 1 && results.size() == 1) rethrow(failed.get(0).failure());
            StringBuilder b = new StringBuilder();
            for (RunPool.Result r : failed) {
                b.append("\n  ").append(Runner.runDir(outRoot, r.spec())).append(": ").append(r.failure().getMessage());
            }
            IllegalStateException e = new IllegalStateException(failed.size() + " of " + results.size() + " runs of suite "
                    + suite.name() + " failed (the others are complete; rerunning runs only what is not):" + b);
            for (RunPool.Result r : failed) e.addSuppressed(r.failure());
            throw e;
        }
        writeSummary(suite, records, outRoot);
        return records;
    }

    private static void rethrow(Throwable t) throws IOException {
        if (t instanceof IOException io) throw io;
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error err) throw err;
        throw new IllegalStateException(t);
    }

    /**
     * One row of the suite summary: a (task, algorithm, configuration, policy, role) over its seeds.
     *
     * @param config the runs' method choice as a label ({@link RunSpec#configLabel()}), "" for the default (profile
     *               "cpu", no overrides); left out of the JSON when empty, so such summaries read as before
     * @param role   "report" (the suite's seeds) or "selection" (its rule's selection seeds, never reported)
     */
    public record SummaryRow(String task, String algorithm,
                             @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY)
                             String config, String policy, String role, List<Long> seeds,
                             List<Double> finalSuccess, double meanFinalSuccess, double stdFinalSuccess,
                             double meanLastNSuccess, Map<Integer, Double> perTaskFinalSuccess, double meanStepsPerSecond,
                             double meanWallSeconds, long trainSteps) {
        /** The algorithm as the summary shows it: {@code algorithm@label} for another than the default choice. */
        public String method() {
            return config == null || config.isEmpty() ? algorithm : algorithm + "@" + config;
        }
    }

    /** Rows of runs without a selection rule: every run is a report run. */
    public static List<SummaryRow> summarize(List<RunRecord> records) {
        return summarize(null, records);
    }

    /**
     * Rows per (task, algorithm, configuration label, policy, role), in order of first appearance; the role of a run is
     * its seed's under {@code suite}'s rule.
     */
    public static List<SummaryRow> summarize(Suite suite, List<RunRecord> records) {
        Map<String, List<RunRecord>> groups = new LinkedHashMap<>();
        for (RunRecord r : records) {
            String role = suite == null ? Suite.ROLE_REPORT : suite.roleOf(r.identity().seed());
            for (RunRecord.PolicySummary p : r.summary()) {
                groups.computeIfAbsent(r.identity().task() + "\u0000" + r.identity().algorithm() + "\u0000"
                        + r.spec().configLabel() + "\u0000" + p.policy() + "\u0000" + role, k -> new ArrayList<>()).add(r);
            }
        }
        List<SummaryRow> rows = new ArrayList<>();
        for (Map.Entry<String, List<RunRecord>> g : groups.entrySet()) {
            String[] key = g.getKey().split("\u0000", -1);
            String policy = key[3];
            List<Long> seeds = new ArrayList<>();
            List<Double> finals = new ArrayList<>();
            double lastN = 0, sps = 0, wall = 0;
            Map<Integer, Double> perTask = new LinkedHashMap<>();
            for (RunRecord r : g.getValue()) {
                RunRecord.PolicySummary p = r.summary().stream().filter(x -> x.policy().equals(policy)).findFirst().orElseThrow();
                seeds.add(r.identity().seed());
                finals.add(p.finalSuccess());
                lastN += p.lastNSuccess();
                sps += r.timing().stepsPerSecond();
                wall += r.timing().totalSeconds();
                Evaluation last = r.evaluations().get(r.evaluations().size() - 1);
                for (PolicyEvaluation pe : last.policies()) {
                    if (!pe.policy().equals(policy)) continue;
                    for (TaskEvaluation te : pe.tasks()) perTask.merge(te.taskId(), te.success(), Double::sum);
                }
            }
            int n = finals.size();
            double mean = finals.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double var = 0;
            for (double f : finals) var += (f - mean) * (f - mean);
            double std = n > 1 ? Math.sqrt(var / (n - 1)) : 0;
            perTask.replaceAll((k, v) -> v / n);
            rows.add(new SummaryRow(key[0], key[1], key[2], policy, key[4], seeds, finals, mean, std, lastN / n, perTask, sps / n,
                    wall / n, g.getValue().get(0).protocol().trainSteps()));
        }
        return rows;
    }

    public static String markdown(Suite suite, List<SummaryRow> rows) {
        StringBuilder b = new StringBuilder();
        b.append("# Suite ").append(suite.name()).append(" v").append(suite.version()).append("\n\n");
        if (!suite.description().isEmpty()) b.append(suite.description()).append("\n\n");
        b.append("Success = final-step success of each episode, averaged over episodes and evaluation tasks; ")
                .append("\"final\" is the last evaluation, mean ± sample std over seeds; \"last-3\" averages the last ")
                .append("three evaluations (OGBench papers' convention). Per-task columns: final evaluation, mean over seeds.\n\n");
        Suite.Selection rule = suite.selection();
        if (rule != null) {
            // the summary lists every policy of every run; the method numbers are the report's, where the rule applies
            b.append("Selection rule: ").append(rule.describe()).append(". Rows with role \"selection\" exist only to ")
                    .append("choose and are never reported; rows of swept candidates are raw per-policy numbers, not ")
                    .append("method results: `flowbench report` applies the rule.\n\n");
            b.append("| task | algorithm | policy | role | seeds | final success | last-3 | per evaluation task | steps | steps/s | wall s/run |\n");
            b.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        } else {
            b.append("| task | algorithm | policy | seeds | final success | last-3 | per evaluation task | steps | steps/s | wall s/run |\n");
            b.append("|---|---|---|---|---|---|---|---|---|---|\n");
        }
        for (SummaryRow r : rows) {
            StringBuilder per = new StringBuilder();
            for (Map.Entry<Integer, Double> e : r.perTaskFinalSuccess().entrySet()) {
                if (per.length() > 0) per.append(", ");
                per.append(String.format(Locale.ROOT, "t%d %.2f", e.getKey(), e.getValue()));
            }
            b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s%d | %.3f ± %.3f | %.3f | %s | %d | %.0f | %.0f |%n",
                    r.task(), r.method(), r.policy(), rule != null ? r.role() + " | " : "", r.seeds().size(),
                    r.meanFinalSuccess(), r.stdFinalSuccess(), r.meanLastNSuccess(), per, r.trainSteps(),
                    r.meanStepsPerSecond(), r.meanWallSeconds()));
        }
        return b.toString();
    }

    public static void writeSummary(Suite suite, List<RunRecord> records, Path outRoot) throws IOException {
        List<SummaryRow> rows = summarize(suite, records);
        Files.createDirectories(outRoot);
        AtomicFiles.writeString(outRoot.resolve("summary.md"), markdown(suite, rows));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("suite", suite);
        doc.put("rows", rows);
        Json.writeAtomically(outRoot.resolve("summary.json"), doc);
    }
}
