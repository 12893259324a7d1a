package flowbench.harness.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.Configs;
import flowbench.harness.protocol.DatasetLoader;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.RunOptions;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.Suite;
import flowbench.harness.protocol.SuiteRunner;
import flowbench.harness.stats.ScoreSet;
import flowbench.harness.testing.FakeAlgorithm;
import flowbench.harness.testing.FakeProviders;
import flowbench.harness.testing.FakeTask;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several configurations of one algorithm in one results folder: a suite lists fake-bc three times (the default, and
 * {@code lr=0.05} and {@code lr=0.2}); each runs in its own folder, the summary has a row per configuration, and the
 * report ranks each configuration as its own method {@code fake-bc@<label>}. One configuration alone keeps the plain
 * method name.
 */
class ConfigMethodsReportTest {
    static final String SUITE = "fake-configs/1";
    static final List<String> LABELS = List.of("", "lr=0.05", "lr=0.2");
    static final Registry REGISTRY = new Registry(List.of(new FakeProviders.Tasks()), List.of(new FakeProviders.Algorithms()),
            List.of(new FakeProviders.Bench()));

    @TempDir
    static Path shared;
    static Path results;
    static Suite suite;
    static List<RunRecord> records;

    @TempDir
    Path tmp;

    @BeforeAll
    static void runSuite() throws Exception {
        suite = new Suite("fake-configs", 1, "one algorithm, three configurations",
                List.of(new Suite.DatasetEntry(FakeTask.DATASET, 3, 20, 7, null, null)), List.of(FakeTask.SINGLE3, FakeTask.SINGLE),
                List.of(new Suite.AlgorithmEntry(FakeAlgorithm.NAME, "cpu", Map.of()),
                        new Suite.AlgorithmEntry(FakeAlgorithm.NAME, "cpu", Map.of("lr", "0.05")),
                        new Suite.AlgorithmEntry(FakeAlgorithm.NAME, "cpu", Map.of("lr", "0.2"))),
                List.of(1L, 2L, 3L), new Suite.ProtocolEntry(20, 10, true, 3, 0, 5, 0));
        results = shared.resolve("results");
        records = new SuiteRunner(REGISTRY, DatasetLoader.ogbench()).run(suite, shared.resolve("data"), results, RunOptions.defaults());
    }

    private static String folder(String label) {
        return label.isEmpty() ? FakeAlgorithm.NAME : FakeAlgorithm.NAME + "@" + label;
    }

    /** Copies the run folders of the given configurations (and nothing else) of the suite's results. */
    private Path copyOf(Path dst, List<String> labels) throws IOException {
        try (Stream<Path> s = Files.walk(results)) {
            for (Path p : s.filter(x -> x.getFileName().toString().equals("run.json")).toList()) {
                String method = p.getParent().getParent().getFileName().toString();
                if (labels.stream().noneMatch(l -> folder(l).equals(method))) continue;
                Path q = dst.resolve(results.relativize(p).toString());
                Files.createDirectories(q.getParent());
                Files.copy(p, q);
            }
        }
        return dst;
    }

    @Test
    void suiteRunsEachConfigurationInItsOwnFolderAndSummarizesEach() throws Exception {
        assertEquals(2 * 3 * 3, suite.runCount());
        assertEquals(suite.runCount(), records.size());
        assertTrue(records.stream().allMatch(RunRecord::complete));
        for (String task : suite.tasks()) {
            try (Stream<Path> s = Files.list(results.resolve(task))) {
                assertEquals(List.of("fake-bc", "fake-bc@lr=0.05", "fake-bc@lr=0.2"), s.map(p -> p.getFileName().toString()).sorted().toList());
            }
            for (String label : LABELS) {
                for (long seed = 1; seed <= 3; seed++) {
                    RunRecord r = Json.read(results.resolve(task).resolve(folder(label)).resolve("seed" + seed).resolve("run.json"),
                            RunRecord.class);
                    assertEquals(label, r.spec().configLabel());
                    assertEquals(label.isEmpty() ? 0.1 : Double.parseDouble(label.substring(3)), r.config().get("lr").asDouble(), 0.0);
                }
            }
        }

        List<SuiteRunner.SummaryRow> rows = SuiteRunner.summarize(suite, records);
        int policies = records.get(0).summary().size();
        assertEquals(2, policies);
        assertEquals(2 * 3 * policies, rows.size(), "a row per (task, configuration, policy)");
        for (String task : suite.tasks()) {
            List<SuiteRunner.SummaryRow> ofTask = rows.stream().filter(r -> r.task().equals(task)).toList();
            assertEquals(3 * policies, ofTask.size());
            assertEquals(Set.of("fake-bc", "fake-bc@lr=0.05", "fake-bc@lr=0.2"),
                    new TreeSet<>(ofTask.stream().map(SuiteRunner.SummaryRow::method).toList()));
            for (SuiteRunner.SummaryRow r : ofTask) {
                assertEquals(List.of(1L, 2L, 3L), r.seeds(), r.method() + " " + r.policy());
                assertEquals(FakeAlgorithm.NAME, r.algorithm());
                // the row's numbers are those of its own configuration's runs
                double mean = records.stream().filter(x -> x.identity().task().equals(task) && x.spec().configLabel().equals(r.config()))
                        .mapToDouble(x -> x.summary().stream().filter(p -> p.policy().equals(r.policy())).findFirst().orElseThrow()
                                .finalSuccess()).average().orElseThrow();
                assertEquals(mean, r.meanFinalSuccess(), 1e-12, r.method() + " " + r.policy());
            }
        }
        String md = Files.readString(results.resolve("summary.md"));
        for (String method : List.of("fake-bc", "fake-bc@lr=0.05", "fake-bc@lr=0.2")) {
            assertTrue(md.contains("| " + FakeTask.SINGLE3 + " | " + method + " | greedy | 3 | "), method + "\n" + md);
        }
        JsonNode json = Json.mapper().readTree(results.resolve("summary.json").toFile());
        Map<String, Integer> byConfig = new TreeMap<>();
        for (JsonNode r : json.get("rows")) byConfig.merge(r.has("config") ? r.get("config").asText() : "(none)", 1, Integer::sum);
        assertEquals(Map.of("(none)", 4, "lr=0.05", 4, "lr=0.2", 4), byConfig, "the default's rows have no config field, as before");
        assertEquals(3, json.get("suite").get("algorithms").size());
        assertFalse(json.get("suite").get("algorithms").get(1).has("configLabel"), "the suite's JSON is unchanged");
    }

    @Test
    void reportRanksEachConfigurationAsItsOwnMethod() throws Exception {
        ResultSet rs = ResultSet.load(results);
        List<ResultSet.RunScore> scores = rs.runScores(SUITE, ScoreKind.FINAL);
        List<String> methods = List.of("fake-bc@lr=0.05[greedy]", "fake-bc@lr=0.05[noisy-chunk]", "fake-bc@lr=0.2[greedy]",
                "fake-bc@lr=0.2[noisy-chunk]", "fake-bc[greedy]", "fake-bc[noisy-chunk]");
        assertEquals(methods, rs.scores(SUITE, ScoreKind.FINAL).stream().map(ScoreSet::method).sorted().toList());
        for (ResultSet.RunScore s : scores) {
            RunRecord r = rs.records().stream().filter(x -> x.identity().runId().equals(s.runId())).findFirst().orElseThrow();
            String label = r.spec().configLabel();
            assertEquals(label, s.config());
            assertEquals((label.isEmpty() ? "fake-bc" : "fake-bc@" + label) + "[" + s.policy() + "]", s.method());
            assertEquals(ScoreKind.FINAL.score(r, s.policy(), s.file()), s.score(), 0.0);
        }

        Path out = tmp.resolve("reports");
        ReportTest.Cli cli = ReportTest.cli("report", "--results", results.toString(), "--out", out.toString(), "--reps", "200",
                "--aux-reps", "100", "--seed", "1");
        assertEquals(0, cli.code(), cli.err());
        Path dir = out.resolve("fake-configs").resolve("1");
        assertEquals(new TreeSet<>(methods), new TreeSet<>(ReportTest.csv(dir.resolve("ranks.csv")).stream().map(r -> r.get("method")).toList()),
                "every configuration is ranked");
        List<CSVRecord> runs = ReportTest.csv(dir.resolve("runs.csv"));
        assertEquals("suite,method,algorithm,policy,task,seed,run_id,score_kind,score,evaluations_averaged,final_step,file,config",
                Files.readAllLines(dir.resolve("runs.csv")).get(0), "the config column comes last; the others keep their places");
        assertEquals(2 * 3 * 3 * 2, runs.size());
        Map<String, Integer> perConfig = new TreeMap<>();
        for (CSVRecord row : runs) {
            String config = row.get("config");
            perConfig.merge(config, 1, Integer::sum);
            assertEquals(FakeAlgorithm.NAME, row.get("algorithm"));
            assertTrue(row.get("method").startsWith(folder(config) + "["), row.toString());
            assertTrue(row.get("file").startsWith(row.get("task") + "/" + folder(config) + "/seed"), row.toString());
        }
        assertEquals(Map.of("", 12, "lr=0.05", 12, "lr=0.2", 12), perConfig);
        String readme = Files.readString(dir.resolve("README.md"));
        assertTrue(readme.contains("| fake-bc@lr=0.2[noisy-chunk] |"), readme);
        assertTrue(readme.contains("6 methods"), readme);
    }

    @Test
    void oneConfigurationAloneKeepsThePlainMethodName() throws Exception {
        Path only = copyOf(tmp.resolve("only"), List.of("lr=0.05"));
        ResultSet rs = ResultSet.load(only);
        List<ResultSet.RunScore> scores = rs.runScores(SUITE, ScoreKind.FINAL);
        assertEquals(List.of("fake-bc[greedy]", "fake-bc[noisy-chunk]"), scores.stream().map(ResultSet.RunScore::method).distinct().toList());
        assertTrue(scores.stream().allMatch(s -> s.config().equals("lr=0.05")), "the label still travels with each run");
        Path out = tmp.resolve("reports");
        ReportTest.Cli cli = ReportTest.cli("report", "--results", only.toString(), "--out", out.toString(), "--reps", "200",
                "--aux-reps", "100");
        assertEquals(0, cli.code(), cli.err());
        List<CSVRecord> runs = ReportTest.csv(out.resolve("fake-configs/1/runs.csv"));
        assertEquals(12, runs.size());
        assertTrue(runs.stream().allMatch(r -> r.get("config").equals("lr=0.05") && r.get("method").startsWith("fake-bc[")), runs.toString());

        Path plain = copyOf(tmp.resolve("plain"), List.of(""));
        assertEquals(List.of("fake-bc[greedy]", "fake-bc[noisy-chunk]"),
                ResultSet.load(plain).scores(SUITE, ScoreKind.FINAL).stream().map(ScoreSet::method).toList());
        assertTrue(ResultSet.load(plain).runScores(SUITE, ScoreKind.FINAL).stream().allMatch(s -> s.config().isEmpty()));
    }

    @Test
    void choicesWhoseLabelsCoincideAreNamedByTheirHash() throws Exception {
        // two method choices that differ only in a space share the readable label; the report tells them apart
        Path root = copyOf(tmp.resolve("spaces"), List.of("lr=0.05", "lr=0.2"));
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(p -> p.getFileName().toString().equals("run.json")).toList();
        }
        for (Path f : files) {
            ObjectNode n = (ObjectNode) Json.mapper().readTree(f.toFile());
            boolean first = f.toString().contains("@lr=0.05");
            ((ObjectNode) n.get("spec")).putObject("overrides").put("layers", first ? "[64, 64]" : "[64,64]");
            Files.writeString(f, Json.pretty(n));
        }
        String a = "cfg-" + Configs.methodConfig("cpu", Map.of("layers", "[64, 64]")).substring(0, 10);
        String b = "cfg-" + Configs.methodConfig("cpu", Map.of("layers", "[64,64]")).substring(0, 10);
        assertEquals(Configs.methodLabel("cpu", Map.of("layers", "[64, 64]")), Configs.methodLabel("cpu", Map.of("layers", "[64,64]")));
        List<String> methods = new ArrayList<>(ResultSet.load(root).scores(SUITE, ScoreKind.FINAL).stream().map(ScoreSet::method).toList());
        assertEquals(new TreeSet<>(List.of("fake-bc@" + a + "[greedy]", "fake-bc@" + a + "[noisy-chunk]", "fake-bc@" + b + "[greedy]",
                "fake-bc@" + b + "[noisy-chunk]")), new TreeSet<>(methods));
    }
}
