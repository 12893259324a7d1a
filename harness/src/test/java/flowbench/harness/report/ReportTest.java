package flowbench.harness.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.cli.CliContext;
import flowbench.harness.cli.Main;
import flowbench.harness.io.Json;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.protocol.DatasetLoader;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.RunOptions;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.Suite;
import flowbench.harness.protocol.SuiteRunner;
import flowbench.harness.stats.Interval;
import flowbench.harness.stats.Metric;
import flowbench.harness.stats.ProbabilityOfImprovement;
import flowbench.harness.stats.RankInterval;
import flowbench.harness.stats.RankIntervals;
import flowbench.harness.stats.ScoreSet;
import flowbench.harness.stats.StratifiedBootstrap;
import flowbench.harness.testing.FakeAlgorithm;
import flowbench.harness.testing.FakeProviders;
import flowbench.harness.testing.FakeTask;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flowbench report} end to end on a tiny results folder: a fake suite (2 tasks x fake-bc x 3 seeds, evaluations
 * at steps 0, 10, 20) run with the test fakes, plus copies of its records renamed into a learner "fake-qgf" whose two
 * policies carry guidance weights, one incomplete copy and one duplicate copy. The suite declares no selection rule,
 * so fake-qgf's two weights are a sweep, not methods (the rule itself: {@link SelectionReportTest}).
 */
class ReportTest {
    static final String SUITE = "fake-suite/3";
    static final int REPS = 2000;
    static final int AUX = 400;

    @TempDir
    static Path shared;
    static Path results;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeResults() throws Exception {
        Registry registry = new Registry(List.of(new FakeProviders.Tasks()), List.of(new FakeProviders.Algorithms()),
                List.of(new FakeProviders.Bench()));
        Suite suite = new Suite("fake-suite", 3, "test", List.of(new Suite.DatasetEntry(FakeTask.DATASET, 3, 20, 7, null, null)),
                List.of(FakeTask.SINGLE3, FakeTask.SINGLE), List.of(new Suite.AlgorithmEntry(FakeAlgorithm.NAME, "cpu", Map.of())),
                List.of(1L, 2L, 3L), new Suite.ProtocolEntry(20, 10, true, 3, 0, 5, 0));
        results = shared.resolve("results");
        new SuiteRunner(registry, DatasetLoader.ogbench()).run(suite, shared.resolve("data"), results, RunOptions.defaults());
        List<Path> runs;
        try (Stream<Path> s = Files.walk(results)) {
            runs = s.filter(p -> p.getFileName().toString().equals("run.json")).sorted().toList();
        }
        assertEquals(6, runs.size());
        for (Path f : runs) {
            ObjectNode n = (ObjectNode) Json.mapper().readTree(f.toFile());
            ((ObjectNode) n.get("identity")).put("algorithm", "fake-qgf").put("runId", n.get("identity").get("runId").asText() + "q");
            for (JsonNode e : n.get("evaluations")) {
                for (JsonNode p : e.get("policies")) {
                    String name = p.get("policy").asText();
                    ((ObjectNode) p).put("policy", name.equals("greedy") ? "qgf(w=0)" : "qgf(w=0.5)");
                }
            }
            ArrayNode summary = (ArrayNode) n.get("summary");
            for (JsonNode p : summary) ((ObjectNode) p).put("policy", p.get("policy").asText().equals("greedy") ? "qgf(w=0)" : "qgf(w=0.5)");
            Path rel = results.relativize(f);
            Path copy = results.resolve("guided").resolve(rel);
            Files.createDirectories(copy.getParent());
            Files.writeString(copy, Json.pretty(n));
        }
        // an interrupted run (skipped with a warning) and a copied folder (same run id: skipped with a warning)
        ObjectNode running = (ObjectNode) Json.mapper().readTree(runs.get(0).toFile());
        running.put("status", RunRecord.RUNNING);
        ((ObjectNode) running.get("identity")).put("runId", "0123456789abcdef").put("seed", 99);
        Files.createDirectories(results.resolve("zz-running"));
        Files.writeString(results.resolve("zz-running/run.json"), Json.pretty(running));
        Files.createDirectories(results.resolve("zz-copy"));
        Files.copy(runs.get(1), results.resolve("zz-copy/run.json"));
    }

    record Cli(int code, String out, String err) {}

    static Cli cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext ctx = new CliContext(Registry::load, DatasetLoader.ogbench(), () -> ProgressListener.NONE);
        int code = Main.execute(ctx, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static List<CSVRecord> csv(Path f) throws IOException {
        try (Reader r = Files.newBufferedReader(f); CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
            return p.getRecords();
        }
    }

    static Interval interval(CSVRecord r, String pointColumn) {
        return new Interval(Double.parseDouble(r.get(pointColumn)), Double.parseDouble(r.get("ci_lower")), Double.parseDouble(r.get("ci_upper")),
                Double.parseDouble(r.get("confidence")), Integer.parseInt(r.get("reps")), Long.parseLong(r.get("seed")));
    }

    @Test
    void loadsCompleteRunsGroupsMethodsAndWarns() throws Exception {
        ResultSet rs = ResultSet.load(results);
        assertEquals(12, rs.records().size(), "6 fake-bc + 6 renamed; the running one and the copy are skipped");
        assertEquals(List.of(SUITE), rs.suites());
        assertEquals(2, rs.warnings().size(), rs.warnings().toString());
        assertTrue(rs.warnings().stream().anyMatch(w -> w.contains("zz-running") && w.contains("not complete")), rs.warnings().toString());
        assertTrue(rs.warnings().stream().anyMatch(w -> w.contains("zz-copy") && w.contains("same run id")), rs.warnings().toString());
        List<ScoreSet> scores = rs.scores(SUITE, ScoreKind.FINAL);
        assertEquals(List.of("fake-bc[greedy]", "fake-bc[noisy-chunk]"), scores.stream().map(ScoreSet::method).toList(),
                "fake-qgf's weights are a sweep without a declared rule: no method row, no maximum to pick");
        Sweeps sw = rs.sweeps(SUITE, ScoreKind.FINAL);
        assertEquals(1, sw.families().size());
        Sweeps.Family f = sw.families().get(0);
        assertEquals(List.of("fake-qgf", "qgf", "w", List.of("qgf(w=0)", "qgf(w=0.5)"), false),
                List.of(f.algorithm(), f.family(), f.params(), f.candidates(), f.resolved()));
        assertEquals(12, sw.points().size(), "6 runs x 2 candidates");
        assertTrue(sw.points().stream().allMatch(p -> p.role().equals(Sweeps.ROLE_NO_RULE) && !p.chosen()));
        assertTrue(sw.choices().isEmpty() && sw.selected().isEmpty());
        for (ScoreSet s : scores) {
            assertEquals(List.of(FakeTask.SINGLE, FakeTask.SINGLE3), List.copyOf(s.runsByTask().keySet()), "tasks in name order");
            for (double[] r : s.runsByTask().values()) assertEquals(3, r.length);
        }
        // scores by hand from the records: final = last evaluation's overall success; last3 = mean of evaluations
        // at steps 0, 10 and 20 (all three here)
        for (RunRecord r : rs.records()) {
            if (!r.identity().algorithm().equals(FakeAlgorithm.NAME) || !r.identity().task().equals(FakeTask.SINGLE3)) continue;
            int seedIndex = (int) r.identity().seed() - 1;
            assertEquals(List.of(0L, 10L, 20L), r.evaluations().stream().map(e -> e.step()).toList());
            double[] s = r.evaluations().stream().mapToDouble(e -> e.policy("greedy").orElseThrow().overallSuccess()).toArray();
            assertEquals(s[2], scores.get(0).runsByTask().get(FakeTask.SINGLE3)[seedIndex], 0.0);
            assertEquals((s[0] + s[1] + s[2]) / 3, rs.scores(SUITE, ScoreKind.LAST3).get(0).runsByTask().get(FakeTask.SINGLE3)[seedIndex], 1e-15);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rs.scores("nope/1", ScoreKind.FINAL));
        assertTrue(e.getMessage().contains(SUITE), e.getMessage());
    }

    @Test
    void invalidFilesAreErrorsNamingTheFile() throws Exception {
        Path bad = tmp.resolve("r/a/run.json");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "{\"schemaVersion\": 1, \"status\": \"complete\", \"bogus\": 3}");
        IOException e = assertThrows(IOException.class, () -> ResultSet.load(tmp.resolve("r")));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());

        ObjectNode n = (ObjectNode) Json.mapper().readTree(firstRun().toFile());
        n.put("schemaVersion", 7);
        Files.writeString(bad, Json.pretty(n));
        e = assertThrows(IOException.class, () -> ResultSet.load(tmp.resolve("r")));
        assertTrue(e.getMessage().contains(bad.toString()) && e.getMessage().contains("schemaVersion") && e.getMessage().contains("expected 1"),
                e.getMessage());
        assertThrows(IOException.class, () -> ResultSet.load(tmp.resolve("missing")));
    }

    @Test
    void twoRunsOfOneMethodTaskAndSeedAreAnError() throws Exception {
        Path a = tmp.resolve("r/a/run.json"), b = tmp.resolve("r/b/run.json");
        Files.createDirectories(a.getParent());
        Files.createDirectories(b.getParent());
        Files.copy(firstRun(), a);
        ObjectNode n = (ObjectNode) Json.mapper().readTree(firstRun().toFile());
        ((ObjectNode) n.get("identity")).put("runId", "ffffffffffffffff");
        Files.writeString(b, Json.pretty(n));
        ResultSet rs = ResultSet.load(tmp.resolve("r"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> rs.scores(SUITE, ScoreKind.FINAL));
        assertTrue(e.getMessage().contains(a.toString()) && e.getMessage().contains(b.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("one run per method, task and seed"), e.getMessage());
    }

    private static Path firstRun() throws IOException {
        try (Stream<Path> s = Files.walk(results.resolve(FakeTask.SINGLE3))) {
            return s.filter(p -> p.getFileName().toString().equals("run.json")).sorted().findFirst().orElseThrow();
        }
    }

    @Test
    void reportCommandWritesFilesWhoseNumbersMatchTheStatisticsApi() throws Exception {
        Path out = tmp.resolve("reports");
        Cli r = cli("report", "--results", results.toString(), "--out", out.toString(), "--reps", "" + REPS, "--aux-reps", "" + AUX,
                "--seed", "5");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning:") && r.err().contains("zz-running"), r.err());
        Path dir = out.resolve("fake-suite").resolve("3");
        assertTrue(r.out().contains(dir.toString()), r.out());
        for (String f : List.of("README.md", "runs.csv", "tasks.csv", "aggregates.csv", "poi.csv", "poi-matrix.csv", "ranks.csv", "profiles.csv",
                "learning-curves.csv", "guidance.csv")) {
            assertTrue(Files.size(dir.resolve(f)) > 0, f);
        }
        for (String base : List.of("aggregates", "profiles", "learning-curves", "guidance-fake-qgf-qgf")) {
            BufferedImage img = ImageIO.read(dir.resolve(base + ".png").toFile());
            assertNotNull(img, base + ".png is a PNG");
            assertTrue(img.getWidth() >= 800 && img.getHeight() >= 200, base + " " + img.getWidth() + "x" + img.getHeight());
            String svg = Files.readString(dir.resolve(base + ".svg"));
            assertTrue(svg.startsWith("<?xml") && svg.contains("<svg") && svg.strip().endsWith("</svg>"), base + ".svg");
        }

        List<ScoreSet> scores = ResultSet.load(results).scores(SUITE, ScoreKind.FINAL);
        StratifiedBootstrap headline = new StratifiedBootstrap(REPS, 0.95, 5);
        List<CSVRecord> agg = csv(dir.resolve("aggregates.csv"));
        assertEquals(2 * 4, agg.size(), "fake-bc's two policies; the unruled sweep is not a method");
        for (CSVRecord row : agg) {
            ScoreSet s = scores.stream().filter(x -> x.method().equals(row.get("method"))).findFirst().orElseThrow();
            assertEquals(headline.interval(s.runsByTask(), Metric.valueOf(row.get("metric"))), interval(row, "point"), row.toString());
            assertEquals("6", row.get("runs"));
        }
        List<CSVRecord> tasks = csv(dir.resolve("tasks.csv"));
        assertEquals(2 * 2, tasks.size());
        for (CSVRecord row : tasks) {
            ScoreSet s = scores.stream().filter(x -> x.method().equals(row.get("method"))).findFirst().orElseThrow();
            double[] runs = s.runsByTask().get(row.get("task"));
            assertEquals(headline.interval(Map.of(row.get("task"), runs), Metric.MEAN), interval(row, "mean"));
        }
        List<CSVRecord> poi = csv(dir.resolve("poi.csv"));
        assertEquals(2, poi.size(), "every ordered pair of distinct methods");
        for (CSVRecord row : poi) {
            ScoreSet x = scores.stream().filter(m -> m.method().equals(row.get("x"))).findFirst().orElseThrow();
            ScoreSet y = scores.stream().filter(m -> m.method().equals(row.get("y"))).findFirst().orElseThrow();
            assertEquals(ProbabilityOfImprovement.interval(x.runsByTask(), y.runsByTask(), AUX, 0.95, 5), interval(row, "p_x_better"));
        }
        List<CSVRecord> ranks = csv(dir.resolve("ranks.csv"));
        List<RankInterval> expected = RankIntervals.compute(scores, AUX, 0.95, 5);
        assertEquals(expected.size(), ranks.size());
        for (int i = 0; i < ranks.size(); i++) {
            CSVRecord row = ranks.get(i);
            assertEquals(expected.get(i), new RankInterval(row.get("method"), Double.parseDouble(row.get("mean_rank")),
                    Integer.parseInt(row.get("best_rank")), Integer.parseInt(row.get("worst_rank"))));
        }
        List<CSVRecord> runs = csv(dir.resolve("runs.csv"));
        assertEquals(12, runs.size(), "6 fake-bc records x 2 policies");
        for (CSVRecord row : runs) {
            ScoreSet s = scores.stream().filter(x -> x.method().equals(row.get("method"))).findFirst().orElseThrow();
            assertEquals(s.runsByTask().get(row.get("task"))[Integer.parseInt(row.get("seed")) - 1], Double.parseDouble(row.get("score")), 0.0);
            assertEquals("final", row.get("score_kind"));
            assertFalse(row.get("file").startsWith("/"), "relative to the results folder: " + row.get("file"));
        }
        // the guidance curve: weights 0 and 0.5, per task and over all tasks, every seed (no rule), nothing chosen
        List<CSVRecord> guidance = csv(dir.resolve("guidance.csv"));
        assertEquals(2 * 3, guidance.size());
        assertEquals(List.of("0", "0.5"), guidance.stream().filter(g -> g.get("task").equals(FakeTask.SINGLE3)).map(g -> g.get("weight")).toList());
        assertEquals("qgf(w=0.5)", guidance.get(1).get("policy"));
        assertTrue(guidance.stream().allMatch(g -> g.get("role").equals(Sweeps.ROLE_NO_RULE) && g.get("chosen").equals("false")));
        Map<String, double[]> w05 = new java.util.TreeMap<>();
        for (String task : List.of(FakeTask.SINGLE3, FakeTask.SINGLE)) {
            w05.put(task, ResultSet.load(results).records().stream()
                    .filter(x -> x.identity().algorithm().equals("fake-qgf") && x.identity().task().equals(task))
                    .sorted(java.util.Comparator.comparingLong(x -> x.identity().seed()))
                    .mapToDouble(x -> x.summary().get(1).finalSuccess()).toArray());
        }
        CSVRecord all05 = guidance.stream().filter(g -> g.get("weight").equals("0.5") && g.get("task").equals(Report.ALL_TASKS_MEAN))
                .findFirst().orElseThrow();
        assertEquals(new StratifiedBootstrap(AUX, 0.95, 5).interval(w05, Metric.MEAN), interval(all05, "mean"));
        List<CSVRecord> sweep = csv(dir.resolve("sweep.csv"));
        assertEquals(12, sweep.size(), "6 fake-qgf runs x 2 candidates");
        assertTrue(sweep.stream().allMatch(x -> x.get("status").equals(Sweeps.NO_RULE) && x.get("chosen").equals("false")));

        String md = Files.readString(dir.resolve("README.md"));
        for (String s : List.of("# Report: suite fake-suite/3", "Score per run: final", "seed 5", "2,000 reps", "400 reps", "95%",
                "| fake-bc[greedy] | 2 | 6 |", "![aggregate metrics](aggregates.png)", "## Probability of improvement",
                "![guidance weight](guidance-fake-qgf-qgf.png)", "zz-running", "## Selection rule",
                "No selection rule is declared (suite definition in `" + results.resolve("summary.json") + "`)", "## Sweep: every candidate (not method results)",
                "| fake-qgf / qgf(w) | " + Sweeps.NO_RULE + " | " + FakeTask.DATASET + " | qgf(w=0.5) | no rule | 6 |")) {
            assertTrue(md.contains(s), "README has '" + s + "'\n" + md);
        }
        assertFalse(md.contains("| fake-qgf[qgf(w="), "no weight is a method row");
        // the markdown's aggregate cell is the CSV's interval rounded
        Interval iqm = headline.interval(scores.get(0).runsByTask(), Metric.IQM);
        assertTrue(md.contains(String.format(java.util.Locale.ROOT, "%.3f [%.3f, %.3f]", iqm.point(), iqm.lower(), iqm.upper())), md);
    }

    @Test
    void outputIsDeterministicForASeedAndChangesWithIt() throws Exception {
        Path a = tmp.resolve("a"), b = tmp.resolve("b"), c = tmp.resolve("c");
        for (Path p : List.of(a, b)) {
            assertEquals(0, cli("report", "--results", results.toString(), "--out", p.toString(), "--reps", "500", "--aux-reps", "200",
                    "--suite", SUITE).code());
        }
        assertEquals(0, cli("report", "--results", results.toString(), "--out", c.toString(), "--reps", "500", "--aux-reps", "200",
                "--seed", "1").code());
        List<String> names;
        try (Stream<Path> s = Files.list(a.resolve("fake-suite/3"))) {
            names = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(19, names.size(), names.toString());
        for (String n : names) {
            assertArrayEquals(Files.readAllBytes(a.resolve("fake-suite/3").resolve(n)), Files.readAllBytes(b.resolve("fake-suite/3").resolve(n)), n);
        }
        assertFalse(Arrays.equals(Files.readAllBytes(a.resolve("fake-suite/3/aggregates.csv")), Files.readAllBytes(c.resolve("fake-suite/3/aggregates.csv"))));
        assertNotEquals(Files.readString(a.resolve("fake-suite/3/README.md")), Files.readString(c.resolve("fake-suite/3/README.md")));
    }

    @Test
    void last3ScoreIsLabelledAndUsed() throws Exception {
        Path out = tmp.resolve("l3");
        Cli r = cli("report", "--results", results.toString(), "--out", out.toString(), "--score", "last3", "--reps", "300", "--aux-reps", "100");
        assertEquals(0, r.code(), r.err());
        String md = Files.readString(out.resolve("fake-suite/3/README.md"));
        assertTrue(md.contains("Score per run: last3") && md.contains("last 3 evaluations"), md);
        List<ScoreSet> last3 = ResultSet.load(results).scores(SUITE, ScoreKind.LAST3);
        for (CSVRecord row : csv(out.resolve("fake-suite/3/runs.csv"))) {
            assertEquals("last3", row.get("score_kind"));
            assertEquals("3", row.get("evaluations_averaged"));
            ScoreSet s = last3.stream().filter(x -> x.method().equals(row.get("method"))).findFirst().orElseThrow();
            assertEquals(s.runsByTask().get(row.get("task"))[Integer.parseInt(row.get("seed")) - 1], Double.parseDouble(row.get("score")), 0.0);
        }
    }

    @Test
    void commandLineErrorsAreClear() {
        Cli r = cli("report", "--results", results.toString(), "--score", "best");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("expected 'final' or 'last3', got 'best'"), r.err());
        r = cli("report", "--results", tmp.resolve("nothing").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("nothing"), r.err());
        r = cli("report", "--results", results.toString(), "--out", tmp.toString(), "--suite", "other/1", "--reps", "10");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("other/1") && r.err().contains(SUITE), r.err());
        r = cli("report", "--results", results.toString(), "--reps", "0");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--reps is 0"), r.err());
        r = cli("report", "--help");
        assertEquals(0, r.code());
        for (String opt : List.of("--results", "--out", "--suite", "--score", "--reps", "--aux-reps", "--confidence", "--seed", "(default: 50000, rliable's)")) {
            assertTrue(r.out().contains(opt), opt + "\n" + r.out());
        }
    }

    @Test
    void emptyResultsFolderIsAnError() throws Exception {
        Files.createDirectories(tmp.resolve("empty"));
        Cli r = cli("report", "--results", tmp.resolve("empty").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no complete run.json"), r.err());
    }
}
