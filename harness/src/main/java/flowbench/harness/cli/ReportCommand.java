package flowbench.harness.cli;

import flowbench.harness.report.Report;
import flowbench.harness.report.ResultSet;
import flowbench.harness.report.ScoreKind;
import flowbench.harness.stats.Interval;
import flowbench.harness.stats.Metric;
import flowbench.harness.stats.ScoreSet;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Turns a results folder into statistics with confidence intervals (rliable: IQM, mean, median, "
                + "optimality gap, performance profiles, probability of improvement; MTEB-style rank intervals) as CSV, "
                + "a Markdown summary and plots (PNG and SVG) under <out>/<suite name>/<suite version>/.", ""},
        footer = {"", "Every complete run.json under --results is read; incomplete runs are skipped with a warning, an invalid "
                + "run.json is an error. Intervals are seeded: the same results and options give the same files.",
                "", "Swept policy families (policies family(param=value) of one learner, e.g. QGF's qgf(w=...)) are reported "
                + "by the suite's declared selection rule: one row per family, its candidate chosen on the selection seeds, "
                + "scored on the report seeds; every candidate goes to sweep.csv. Without a rule they appear only there.",
                "", "Example:", "  flowbench report --results runs/quickstart"})
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--results", paramLabel = "DIR", defaultValue = "runs",
            description = "Results folder, searched recursively for run.json (default: ${DEFAULT-VALUE}).")
    Path results;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", defaultValue = "reports",
            description = "Report root folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--suite", paramLabel = "NAME/VERSION",
            description = "Only this suite, e.g. quickstart/1 (default: every suite found).")
    String suite;

    @Option(names = "--suite-file", paramLabel = "FILE",
            description = "Suite definition JSON whose selection rule applies to its runs (repeatable; default: the shipped "
                    + "suite of the runs' name and version, else the summary.json that 'flowbench suite run' wrote).")
    List<Path> suiteFiles = new java.util.ArrayList<>();

    @Option(names = "--score", paramLabel = "KIND", defaultValue = "final", converter = ScoreKindConverter.class,
            description = "Per-run score: final (final evaluation) or last3 (mean of the last 3 evaluations) (default: ${DEFAULT-VALUE}).")
    ScoreKind score;

    @Option(names = "--reps", paramLabel = "N", defaultValue = "50000",
            description = "Bootstrap replications for aggregate metrics and per-task means (default: ${DEFAULT-VALUE}, rliable's).")
    int reps;

    @Option(names = "--aux-reps", paramLabel = "N", defaultValue = "2000",
            description = "Replications for profiles, probability of improvement, rank intervals and curve bands (default: ${DEFAULT-VALUE}).")
    int auxReps;

    @Option(names = "--confidence", paramLabel = "C", defaultValue = "0.95",
            description = "Interval coverage (default: ${DEFAULT-VALUE}).")
    double confidence;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0",
            description = "Bootstrap seed, recorded with every interval (default: ${DEFAULT-VALUE}).")
    long seed;

    static final class ScoreKindConverter implements CommandLine.ITypeConverter<ScoreKind> {
        @Override
        public ScoreKind convert(String value) {
            try {
                return ScoreKind.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("expected 'final' or 'last3', got '" + value + "'");
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        Report.Options options = new Report.Options(score, reps, auxReps, confidence, seed);
        ResultSet rs = ResultSet.load(results);
        if (!suiteFiles.isEmpty()) {
            List<flowbench.harness.protocol.Suite> defs = new java.util.ArrayList<>();
            for (Path f : suiteFiles) {
                if (!java.nio.file.Files.isRegularFile(f)) throw new IllegalArgumentException("--suite-file " + f + ": no such file");
                defs.add(flowbench.harness.protocol.SuiteRunner.load(f.toString()));
            }
            rs = rs.withDefinitions(defs);
        }
        PrintWriter err = spec.commandLine().getErr();
        for (String w : rs.warnings()) err.println("warning: " + w);
        err.flush();
        if (rs.suites().isEmpty()) {
            throw new IllegalArgumentException("no complete run.json under " + results + "; run 'flowbench suite run SUITE' first");
        }
        List<String> suites = suite != null ? List.of(suite) : rs.suites();
        PrintWriter o = spec.commandLine().getOut();
        for (String s : suites) {
            long t0 = System.nanoTime();
            Report report = Report.compute(rs, s, options);
            Path dir = Report.folder(out, s);
            List<Path> files = report.write(dir);
            int n = report.scores().size();
            o.printf(Locale.ROOT, "suite %s: %d method%s, score %s, %d reps (aux %d), seed %d, %.1fs%n", s, n, n == 1 ? "" : "s",
                    score.id(), reps, auxReps, seed, (System.nanoTime() - t0) / 1e9);
            for (ScoreSet m : report.scores()) {
                Map<Metric, Interval> a = report.aggregates().get(m.method());
                o.printf(Locale.ROOT, "  %-28s IQM %s  mean %s  gap %s%n", m.method(), fmt(a.get(Metric.IQM)), fmt(a.get(Metric.MEAN)),
                        fmt(a.get(Metric.OPTIMALITY_GAP)));
            }
            o.printf(Locale.ROOT, "  %d files in %s (summary: %s)%n", files.size(), dir, dir.resolve("README.md"));
        }
        o.flush();
        return 0;
    }

    private static String fmt(Interval i) {
        return String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", i.point(), i.lower(), i.upper());
    }
}
