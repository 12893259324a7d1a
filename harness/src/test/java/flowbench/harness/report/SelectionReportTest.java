package flowbench.harness.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.DatasetLoader;
import flowbench.harness.protocol.PolicySelection;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.RunOptions;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.Suite;
import flowbench.harness.protocol.SuiteRunner;
import flowbench.harness.spi.AlgorithmProvider;
import flowbench.harness.stats.ScoreSet;
import flowbench.harness.testing.FakeAlgorithm;
import flowbench.harness.testing.FakeProviders;
import flowbench.harness.testing.FakeSweepAlgorithm;
import flowbench.harness.testing.FakeTask;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The declared selection rule end to end: the test suite {@code suites/fake-selection.json} (fake-bc and the swept
 * test-time learner fake-sweep on two tasks, report seeds 1-3, selection seeds 100-101 for fake-sweep) is run with the
 * suite runner, then reported; copies of its records with doctored scores check what the rule must and must not do.
 */
class SelectionReportTest {
    static final String SUITE = "fake-selection/1";
    static final String METHOD = "fake-sweep[sweep] [w by rule]";
    static final Registry REGISTRY = new Registry(List.of(new FakeProviders.Tasks()),
            List.of((AlgorithmProvider) () -> List.of(new FakeAlgorithm(), new FakeSweepAlgorithm())), List.of());

    @TempDir
    static Path shared;
    static Path results;
    static Suite suite;

    @TempDir
    Path tmp;

    @BeforeAll
    static void runSuite() throws Exception {
        Path file = Path.of(SelectionReportTest.class.getClassLoader().getResource("suites/fake-selection.json").toURI());
        suite = SuiteRunner.load(file.toString());
        results = shared.resolve("results");
        List<RunRecord> records = new SuiteRunner(REGISTRY, DatasetLoader.ogbench()).run(suite, shared.resolve("data"), results,
                RunOptions.defaults());
        assertEquals(2 * (3 + 5), records.size(), "fake-bc: 3 report seeds; fake-sweep: 3 report + 2 selection seeds");
        assertEquals(suite.runCount(), records.size());
    }

    /** A copy of the suite's results for a test to doctor. */
    private Path copy() throws IOException {
        Path dst = tmp.resolve("results");
        try (Stream<Path> s = Files.walk(results)) {
            for (Path p : s.sorted().toList()) {
                if (p.toString().contains("checkpoints")) continue;
                Path q = dst.resolve(results.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
        return dst;
    }

    private static Path runJson(Path root, String task, String algorithm, long seed) {
        return root.resolve(task).resolve(algorithm).resolve("seed" + seed).resolve("run.json");
    }

    /** Sets the overall success of every evaluation of {@code policy} (and its summary) in one run.json. */
    private static void setSuccess(Path runJson, String policy, double success) throws IOException {
        ObjectNode n = (ObjectNode) Json.mapper().readTree(runJson.toFile());
        for (JsonNode e : n.get("evaluations")) {
            for (JsonNode p : e.get("policies")) if (p.get("policy").asText().equals(policy)) ((ObjectNode) p).put("overallSuccess", success);
        }
        for (JsonNode p : n.get("summary")) {
            if (p.get("policy").asText().equals(policy)) {
                ((ObjectNode) p).put("finalSuccess", success).put("lastNSuccess", success).put("bestSuccess", success);
            }
        }
        Files.writeString(runJson, Json.pretty(n));
    }

    @Test
    void suiteRunnerRunsSelectionSeedsAndRecordsTheirRole() throws Exception {
        for (String task : suite.tasks()) {
            for (long seed : List.of(100L, 101L)) {
                assertTrue(Files.isRegularFile(runJson(results, task, FakeSweepAlgorithm.NAME, seed)), task + " " + seed);
                assertFalse(Files.exists(runJson(results, task, FakeAlgorithm.NAME, seed)), "the rule covers fake-sweep only");
            }
        }
        String summary = Files.readString(results.resolve("summary.md"));
        assertTrue(summary.contains("| " + FakeTask.SINGLE3 + " | fake-sweep | sweep(w=0.5) | selection | 2 |"), summary);
        assertTrue(summary.contains("| " + FakeTask.SINGLE3 + " | fake-sweep | sweep(w=0.5) | report | 3 |"), summary);
        assertTrue(summary.contains("Selection rule:") && summary.contains("never reported"), summary);
        JsonNode json = Json.mapper().readTree(results.resolve("summary.json").toFile());
        assertEquals("[100,101]", json.get("suite").get("selection").get("selectionSeeds").toString(), "the rule travels with the results");
        Set<String> roles = new TreeSet<>();
        for (JsonNode r : json.get("rows")) roles.add(r.get("role").asText());
        assertEquals(Set.of("report", "selection"), roles);
    }

    @Test
    void reportShowsOneRowPerFamilyChosenOnSelectionSeedsAndScoredOnReportSeeds() throws Exception {
        ResultSet rs = ResultSet.load(results);
        assertEquals("summary.json", Path.of(rs.definition(SUITE).orElseThrow().source()).getFileName().toString());
        List<ResultSet.RunScore> scores = rs.runScores(SUITE, ScoreKind.FINAL);
        assertEquals(List.of("fake-bc[greedy]", "fake-bc[noisy-chunk]", "fake-sweep[flow-bc]", METHOD),
                scores.stream().map(ResultSet.RunScore::method).distinct().toList());
        assertTrue(scores.stream().noneMatch(s -> s.seed() >= 100), "selection runs are never method results");
        assertEquals(2 * 3, scores.stream().filter(s -> s.method().equals(METHOD)).count());

        // the choice is PolicySelection's on the selection runs, per environment (one dataset here)
        List<RunRecord> sel = new ArrayList<>(), rep = new ArrayList<>();
        for (RunRecord r : rs.records()) {
            if (!r.identity().algorithm().equals(FakeSweepAlgorithm.NAME)) continue;
            (r.identity().seed() >= 100 ? sel : rep).add(r);
        }
        sel.sort(Comparator.comparing((RunRecord r) -> r.identity().task()).thenComparingLong(r -> r.identity().seed()));
        PolicySelection.Choice expected = PolicySelection.select("sweep", sel, rep, PolicySelection.Score.FINAL).get(FakeTask.DATASET);
        for (ResultSet.RunScore s : scores) {
            if (!s.method().equals(METHOD)) continue;
            assertEquals(expected.policy(), s.policy());
            RunRecord r = rep.stream().filter(x -> x.identity().runId().equals(s.runId())).findFirst().orElseThrow();
            assertEquals(r.summary().stream().filter(p -> p.policy().equals(expected.policy())).findFirst().orElseThrow().finalSuccess(),
                    s.score(), 0.0);
        }

        Path out = tmp.resolve("reports");
        ReportTest.Cli cli = ReportTest.cli("report", "--results", results.toString(), "--out", out.toString(), "--reps", "300",
                "--aux-reps", "100");
        assertEquals(0, cli.code(), cli.err());
        Path dir = out.resolve("fake-selection/1");
        List<CSVRecord> runs = ReportTest.csv(dir.resolve("runs.csv"));
        assertTrue(runs.stream().noneMatch(r -> Long.parseLong(r.get("seed")) >= 100));
        assertTrue(runs.stream().anyMatch(r -> r.get("method").equals(METHOD) && r.get("policy").equals(expected.policy())));
        List<CSVRecord> sweep = ReportTest.csv(dir.resolve("sweep.csv"));
        assertEquals(2 * 5 * FakeSweepAlgorithm.WEIGHTS.size(), sweep.size(), "every candidate of every fake-sweep run, both roles");
        assertEquals(Set.of("selection", "report"), new TreeSet<>(sweep.stream().map(r -> r.get("role")).toList()));
        for (CSVRecord r : sweep) {
            assertEquals(r.get("candidate").equals(expected.policy()), Boolean.parseBoolean(r.get("chosen")), r.toString());
            assertEquals("selected by rule", r.get("status"));
        }
        List<CSVRecord> aggregates = ReportTest.csv(dir.resolve("aggregates.csv"));
        assertEquals(Set.of("fake-bc[greedy]", "fake-bc[noisy-chunk]", METHOD, "fake-sweep[flow-bc]"),
                new TreeSet<>(aggregates.stream().map(r -> r.get("method")).toList()));
        assertTrue(aggregates.stream().filter(r -> r.get("method").equals(METHOD)).allMatch(r -> r.get("runs").equals("6")));
        List<CSVRecord> guidance = ReportTest.csv(dir.resolve("guidance.csv"));
        assertTrue(guidance.stream().anyMatch(g -> g.get("role").equals("selection")), "the selection seeds' curve is drawn too");
        String md = Files.readString(dir.resolve("README.md"));
        String w = Sweeps.params(expected.policy());
        for (String s : List.of("## Selection rule", "selection runs (seeds 100–101)", "| " + METHOD + " | " + FakeTask.DATASET + " | " + w + " |",
                "`" + METHOD + "`: " + w + " (chosen on seeds 100–101) by the suite's rule", "## Sweep: every candidate",
                "![guidance weight](guidance-fake-sweep-sweep.png)")) {
            assertTrue(md.contains(s), "README has '" + s + "'\n" + md);
        }
        assertFalse(md.contains("| fake-sweep[sweep(w="), "no row per weight among the methods");
        assertTrue(Files.readString(dir.resolve("guidance-fake-sweep-sweep.svg")).contains("chosen by rule"));

        // byte-deterministic: a second report gives the same files
        Path again = tmp.resolve("again");
        assertEquals(0, ReportTest.cli("report", "--results", results.toString(), "--out", again.toString(), "--reps", "300",
                "--aux-reps", "100").code());
        List<String> names;
        try (Stream<Path> st = Files.list(dir)) {
            names = st.map(p -> p.getFileName().toString()).sorted().toList();
        }
        for (String f : names) {
            assertArrayEquals(Files.readAllBytes(dir.resolve(f)), Files.readAllBytes(again.resolve("fake-selection/1").resolve(f)), f);
        }
    }

    @Test
    void theRulesWeightIsReportedEvenWhenAnotherWeightWinsOnTheReportSeeds() throws Exception {
        Path r = copy();
        for (String task : suite.tasks()) {
            for (long seed : List.of(100L, 101L)) {
                Path f = runJson(r, task, FakeSweepAlgorithm.NAME, seed);
                setSuccess(f, "sweep(w=0)", 0.2);
                setSuccess(f, "sweep(w=0.5)", 0.8);
                setSuccess(f, "sweep(w=2)", 0.3);
            }
            for (long seed : List.of(1L, 2L, 3L)) {
                Path f = runJson(r, task, FakeSweepAlgorithm.NAME, seed);
                setSuccess(f, "sweep(w=0)", 0.5);
                setSuccess(f, "sweep(w=0.5)", 0.1 * seed);
                setSuccess(f, "sweep(w=2)", 1.0); // the report-seed maximum: an oracle would pick it
            }
        }
        ResultSet rs = ResultSet.load(r);
        Sweeps sw = rs.sweeps(SUITE, ScoreKind.FINAL);
        assertEquals(1, sw.choices().size());
        assertEquals("sweep(w=0.5)", sw.choices().get(0).choice().policy());
        assertEquals(0.8, sw.choices().get(0).choice().selectionMean(), 1e-12);
        ScoreSet m = rs.scores(SUITE, ScoreKind.FINAL).stream().filter(s -> s.method().equals(METHOD)).findFirst().orElseThrow();
        for (double[] v : m.runsByTask().values()) assertArrayEquals(new double[] {0.1, 0.2, 0.30000000000000004}, v, 1e-12);

        Path out = tmp.resolve("reports");
        assertEquals(0, ReportTest.cli("report", "--results", r.toString(), "--out", out.toString(), "--reps", "200",
                "--aux-reps", "100").code());
        List<CSVRecord> agg = ReportTest.csv(out.resolve("fake-selection/1/aggregates.csv"));
        CSVRecord mean = agg.stream().filter(x -> x.get("method").equals(METHOD) && x.get("metric").equals("MEAN")).findFirst().orElseThrow();
        assertEquals(0.2, Double.parseDouble(mean.get("point")), 1e-12, "w=0.5 on the report seeds, not w=2's 1.0");
        List<CSVRecord> sweep = ReportTest.csv(out.resolve("fake-selection/1/sweep.csv"));
        assertTrue(sweep.stream().anyMatch(x -> x.get("candidate").equals("sweep(w=2)") && x.get("role").equals("report")
                && Double.parseDouble(x.get("score")) == 1.0 && x.get("chosen").equals("false")), "the sweep still shows w=2");
        // a last3 report keeps the rule's FINAL choice
        assertEquals("sweep(w=0.5)", rs.sweeps(SUITE, ScoreKind.LAST3).choices().get(0).choice().policy());
    }

    @Test
    void incompleteOrMissingSelectionRunsAreErrorsNamingTheRun() throws Exception {
        Path r = copy();
        Path running = runJson(r, FakeTask.SINGLE, FakeSweepAlgorithm.NAME, 101);
        ObjectNode n = (ObjectNode) Json.mapper().readTree(running.toFile());
        n.put("status", RunRecord.RUNNING);
        Files.writeString(running, Json.pretty(n));
        ReportTest.Cli cli = ReportTest.cli("report", "--results", r.toString(), "--out", tmp.resolve("o").toString(), "--reps", "10");
        assertEquals(1, cli.code());
        assertTrue(cli.err().contains(running.toString()) && cli.err().contains("status 'running'")
                && cli.err().contains("selection"), cli.err());

        Files.delete(running);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ResultSet.load(r).runScores(SUITE, ScoreKind.FINAL));
        assertTrue(e.getMessage().contains("no selection run of fake-sweep") && e.getMessage().contains("task " + FakeTask.SINGLE)
                && e.getMessage().contains("seed 101"), e.getMessage());
    }

    @Test
    void anExplicitSuiteFileReplacesAMissingSummary() throws Exception {
        Path r = copy();
        Files.delete(r.resolve("summary.json"));
        ResultSet bare = ResultSet.load(r);
        assertTrue(bare.definition(SUITE).isEmpty());
        // without the definition the sweep is shown without a rule; selection runs then count as ordinary runs
        assertTrue(bare.scores(SUITE, ScoreKind.FINAL).stream().noneMatch(s -> s.method().contains("by rule")));
        ResultSet given = bare.withDefinitions(List.of(suite));
        assertEquals("given", given.definition(SUITE).orElseThrow().source());
        assertTrue(given.scores(SUITE, ScoreKind.FINAL).stream().anyMatch(s -> s.method().equals(METHOD)));
        Path file = Path.of(SelectionReportTest.class.getClassLoader().getResource("suites/fake-selection.json").toURI());
        ReportTest.Cli cli = ReportTest.cli("report", "--results", r.toString(), "--out", tmp.resolve("o").toString(), "--reps", "50",
                "--aux-reps", "20", "--suite-file", file.toString());
        assertEquals(0, cli.code(), cli.err());
        assertTrue(Files.readString(tmp.resolve("o/fake-selection/1/README.md")).contains("given suite definition"));
        assertTrue(cli.out().contains(METHOD), cli.out());
    }
}
