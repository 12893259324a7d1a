package flowbench.harness.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.DatasetLoader;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.RunOptions;
import flowbench.harness.protocol.Suite;
import flowbench.harness.protocol.SuiteRunner;
import flowbench.harness.testing.FakeAlgorithm;
import flowbench.harness.testing.FakeProviders;
import flowbench.harness.testing.FakeTask;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A report compares like with like: one protocol for all its runs, single-task and goal-conditioned tasks never in one
 * aggregate, no interval from fewer than 3 seeds, last-3 only with 3 evaluations, and the protocol stated at the top.
 */
class ReportComparabilityTest {
    static final String SUITE = "mixed/1";

    @TempDir
    static Path shared;
    static Path results;

    @TempDir
    Path tmp;

    /** fake-bc on a goal-conditioned and a single-task task, 2 seeds, 2 evaluations. */
    @BeforeAll
    static void makeResults() throws Exception {
        Registry registry = new Registry(List.of(new FakeProviders.Tasks()), List.of(new FakeProviders.Algorithms()),
                List.of(new FakeProviders.Bench()));
        Suite suite = new Suite("mixed", 1, "test", List.of(new Suite.DatasetEntry(FakeTask.DATASET, 3, 20, 7, null, null)),
                List.of(FakeTask.GC, FakeTask.SINGLE), List.of(new Suite.AlgorithmEntry(FakeAlgorithm.NAME, "cpu", Map.of())),
                List.of(1L, 2L), new Suite.ProtocolEntry(20, 10, false, 3, 0, 5, 0));
        results = shared.resolve("results");
        new SuiteRunner(registry, DatasetLoader.ogbench()).run(suite, shared.resolve("data"), results, RunOptions.defaults());
    }

    private static Report report(Path dir, ScoreKind kind) throws Exception {
        return Report.compute(ResultSet.load(dir), SUITE, new Report.Options(kind, 200, 50, 0.95, 1));
    }

    @Test
    void singleTaskAndGoalConditionedAreNeverOneAggregate() throws Exception {
        Report r = report(results, ScoreKind.FINAL);
        for (String m : r.aggregates().keySet()) {
            assertTrue(m.endsWith(" [single-task]") || m.endsWith(" [goal-conditioned]"), m);
        }
        for (var s : r.scores()) assertEquals(1, s.runsByTask().size(), s.method() + " spans one mode's tasks only");
    }

    @Test
    void fewerThanThreeSeedsGiveNoIntervalAndTheProtocolIsStatedAtTheTop() throws Exception {
        Path out = tmp.resolve("out");
        ReportTest.Cli cli = ReportTest.cli("report", "--results", results.toString(), "--out", out.toString(), "--reps", "200",
                "--aux-reps", "50");
        assertEquals(0, cli.code(), cli.err());
        String md = Files.readString(out.resolve("mixed/1/README.md"));
        assertTrue(md.contains("too few seeds for an interval"), md);
        java.util.regex.Matcher zero = java.util.regex.Pattern.compile("(\\d\\.\\d{3}) \\[\\1, \\1\\]").matcher(md);
        assertFalse(zero.find(), "no zero-width interval printed: " + (zero.hitEnd() ? "" : md.substring(Math.max(0, zero.start() - 200), zero.end())));
        String top = md.substring(0, md.indexOf("## "));
        assertTrue(top.contains("**Protocol**") && top.contains("20 train steps") && top.contains("3 episodes per evaluation task")
                && top.contains("evaluation seed 0") && top.contains("reported separately") && top.contains("`fake-point-v0` (SHA-256 "), top);
        for (var row : ReportTest.csv(out.resolve("mixed/1/aggregates.csv"))) {
            assertEquals("", row.get("ci_lower"), "no interval in the CSV either: " + row);
        }
    }

    @Test
    void last3NeedsThreeEvaluations() throws Exception {
        var e = assertThrows(IllegalArgumentException.class, () -> report(results, ScoreKind.LAST3));
        assertTrue(e.getMessage().contains("score last3 needs 3 evaluations") && e.getMessage().contains("has 2"), e.getMessage());
    }

    @Test
    void runsUnderDifferentProtocolsAreRefusedNamingTheField() throws Exception {
        Path copy = tmp.resolve("copy");
        List<Path> files;
        try (Stream<Path> s = Files.walk(results)) {
            for (Path p : s.toList()) {
                Path t = copy.resolve(results.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
        try (Stream<Path> s = Files.walk(copy)) {
            files = s.filter(p -> p.getFileName().toString().equals("run.json")).sorted().toList();
        }
        ObjectNode n = (ObjectNode) Json.mapper().readTree(files.get(0).toFile());
        ((ObjectNode) n.get("protocol")).put("evalSeed", 7);
        ((ObjectNode) n.get("protocol")).put("trainSteps", 40);
        Json.writeAtomically(files.get(0), n);
        var e = assertThrows(IllegalArgumentException.class, () -> report(copy, ScoreKind.FINAL));
        String m = e.getMessage();
        assertTrue(m.contains("not made under one protocol") && m.contains("evaluation seed differs: 0") && m.contains("7 (e.g. ")
                && m.contains("train steps differs: 20") && m.contains("40 (e.g. "), m);
    }
}
