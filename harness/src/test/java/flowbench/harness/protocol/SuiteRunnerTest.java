package flowbench.harness.protocol;

import flowbench.harness.data.Sha256;
import flowbench.harness.io.Json;
import flowbench.harness.testing.FakeAlgorithm;
import flowbench.harness.testing.FakeTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SuiteRunnerTest {

    private static Suite fakeSuite(String sha) {
        return new Suite("fake-suite", 2, "test", List.of(new Suite.DatasetEntry(FakeTask.DATASET, 3, 20, 7, sha, null)),
                List.of(FakeTask.GC, FakeTask.SINGLE), List.of(new Suite.AlgorithmEntry(FakeAlgorithm.NAME, "cpu", Map.of())),
                List.of(1L, 2L), new Suite.ProtocolEntry(20, 10, false, 3, 0, 5, 0));
    }

    @Test
    void shippedSuitesParseAndNameKnownFields() throws Exception {
        for (String name : SuiteRunner.SHIPPED) {
            Suite s = SuiteRunner.load(name);
            assertEquals(name, s.name());
            assertTrue(s.runCount() > 0);
            assertEquals(name, s.runProtocol().suiteName());
        }
    }

    @Test
    void unknownSuiteListsShippedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SuiteRunner.load("nope"));
        assertTrue(e.getMessage().contains("quickstart"), e.getMessage());
    }

    @Test
    void runsEveryTaskAlgorithmSeedThenSkipsCompleteRuns(@TempDir Path dir) throws Exception {
        Suite suite = fakeSuite(null);
        SuiteRunner runner = new SuiteRunner(RunFixture.REGISTRY, DatasetLoader.ogbench());
        List<RunRecord> records = runner.run(suite, dir.resolve("data"), dir.resolve("out"), RunOptions.defaults());
        assertEquals(4, records.size());
        for (RunRecord r : records) {
            assertEquals("fake-suite/2", r.protocol().suite());
            assertTrue(r.complete());
        }
        assertTrue(Files.isRegularFile(dir.resolve("out/summary.md")));
        List<SuiteRunner.SummaryRow> rows = SuiteRunner.summarize(records);
        assertEquals(2 * records.get(0).summary().size(), rows.size(), "one row per (task, algorithm, policy)");
        assertEquals(List.of(1L, 2L), rows.get(0).seeds());
        String before = Files.readString(Runner.runDir(dir.resolve("out"), SuiteRunner.specs(suite, dir.resolve("data")).get(0)).resolve("run.json"));
        runner.run(suite, dir.resolve("data"), dir.resolve("out"), RunOptions.defaults());
        String after = Files.readString(Runner.runDir(dir.resolve("out"), SuiteRunner.specs(suite, dir.resolve("data")).get(0)).resolve("run.json"));
        assertEquals(before, after, "a complete run is not rerun");
    }

    @Test
    void pinnedHashMismatchNamesFileFieldAndExpectedValue(@TempDir Path dir) throws Exception {
        SuiteRunner runner = new SuiteRunner(RunFixture.REGISTRY, DatasetLoader.ogbench());
        Suite unpinned = fakeSuite(null);
        runner.prepareDatasets(unpinned, dir, flowbench.harness.io.ProgressListener.NONE, System.err);
        String actual = Sha256.ofFile(Runner.datasetFile(dir, FakeTask.DATASET, false));
        runner.prepareDatasets(fakeSuite(actual), dir, flowbench.harness.io.ProgressListener.NONE, System.err);
        String wrong = "0".repeat(64);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> runner.prepareDatasets(fakeSuite(wrong), dir, flowbench.harness.io.ProgressListener.NONE, System.err));
        assertTrue(e.getMessage().contains(FakeTask.DATASET + ".npz"), e.getMessage());
        assertTrue(e.getMessage().contains("datasets[0].sha256"), e.getMessage());
        assertTrue(e.getMessage().contains(wrong) && e.getMessage().contains(actual), e.getMessage());
    }

    @Test
    void selectionBlockIsOptionalValidatedAndRoundTrips(@TempDir Path dir) throws Exception {
        Suite plain = fakeSuite(null);
        assertTrue(!Json.pretty(plain).contains("selection"), "a suite without a rule keeps its old JSON (and canonical hash)");
        assertEquals(plain, Json.mapper().readValue(Json.pretty(plain), Suite.class));

        Suite.Selection rule = new Suite.Selection(List.of(100L, 101L), PolicySelection.Score.FINAL, "dataset");
        Suite ruled = new Suite("fake-suite", 2, "test", plain.datasets(), plain.tasks(), plain.algorithms(), List.of(1L, 2L),
                plain.protocol(), rule);
        assertEquals(ruled, Json.mapper().readValue(Json.pretty(ruled), Suite.class));
        assertEquals(List.of(1L, 2L, 100L, 101L), ruled.seedsOf(FakeAlgorithm.NAME));
        assertEquals(2 * 4, ruled.runCount());
        assertEquals("selection", ruled.roleOf(101));
        assertEquals("report", ruled.roleOf(2));
        assertEquals("100–101", rule.seedText());
        assertEquals("3, 7", new Suite.Selection(List.of(7L, 3L), null, null).seedText());

        // defaults: FINAL, grouped by dataset, every algorithm
        Path f = dir.resolve("s.json");
        Files.writeString(f, Json.pretty(Json.tree(plain)).replace("\"seeds\"", "\"selection\": {\"selectionSeeds\": [9]},\n  \"seeds\""));
        Suite.Selection d = SuiteRunner.load(f.toString()).selection();
        assertEquals(List.of(List.of(9L), PolicySelection.Score.FINAL, "dataset"), List.of(d.selectionSeeds(), d.score(), d.group()));
        assertTrue(d.covers("anything"));

        var e = assertThrows(IllegalArgumentException.class, () -> new Suite("x", 1, "", plain.datasets(), plain.tasks(),
                plain.algorithms(), List.of(1L, 2L), plain.protocol(), new Suite.Selection(List.of(2L, 3L), null, null)));
        assertTrue(e.getMessage().contains("'selection.selectionSeeds' shares seed 2 with field 'seeds'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Suite.Selection(List.of(3L, 3L), null, null));
        assertTrue(e.getMessage().contains("lists seed 3 twice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Suite.Selection(List.of(), null, null));
        assertTrue(e.getMessage().contains("'selection.selectionSeeds' is missing or empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Suite.Selection(List.of(3L), null, "seed"));
        assertTrue(e.getMessage().contains("'selection.group' is 'seed'; expected one of dataset, task, suite"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Suite("x", 1, "", plain.datasets(), plain.tasks(),
                plain.algorithms(), List.of(1L), plain.protocol(), new Suite.Selection(List.of(5L), null, null, List.of("qgf"))));
        assertTrue(e.getMessage().contains("'selection.algorithms' names 'qgf'"), e.getMessage());
        // in a file: the error names the file and the field
        Files.writeString(f, Json.pretty(Json.tree(plain)).replace("\"seeds\"", "\"selection\": {\"selectionSeeds\": [1]},\n  \"seeds\""));
        e = assertThrows(IllegalArgumentException.class, () -> SuiteRunner.load(f.toString()));
        assertTrue(e.getMessage().contains("s.json") && e.getMessage().contains("shares seed 1"), e.getMessage());
        Files.writeString(f, Json.pretty(Json.tree(plain)).replace("\"seeds\"", "\"selection\": {\"selectionSeeds\": [9], \"score\": \"BEST\"},\n  \"seeds\""));
        e = assertThrows(IllegalArgumentException.class, () -> SuiteRunner.load(f.toString()));
        assertTrue(e.getMessage().contains("s.json") && e.getMessage().contains("BEST"), e.getMessage());
    }

    @Test
    void oneAlgorithmMayAppearWithDifferentChoicesButNotTwiceWithTheSame(@TempDir Path dir) throws Exception {
        Suite plain = fakeSuite(null);
        Suite.AlgorithmEntry base = new Suite.AlgorithmEntry(FakeAlgorithm.NAME, "cpu", Map.of());
        Suite.AlgorithmEntry alpha = new Suite.AlgorithmEntry(FakeAlgorithm.NAME, "cpu", Map.of("lr", "0.05"));
        Suite.AlgorithmEntry paper = new Suite.AlgorithmEntry(FakeAlgorithm.NAME, "paper", Map.of());
        Suite.Selection rule = new Suite.Selection(List.of(100L), PolicySelection.Score.FINAL, "dataset", List.of(FakeAlgorithm.NAME));
        Suite three = new Suite("x", 1, "", plain.datasets(), plain.tasks(), List.of(base, alpha, paper), List.of(1L, 2L),
                plain.protocol(), rule);
        assertEquals(List.of(1L, 2L, 100L), three.seedsOf(FakeAlgorithm.NAME), "seeds are per algorithm name");
        assertEquals(2 * 3 * 3, three.runCount(), "tasks x entries x (report + selection seeds)");
        assertEquals(three.runCount(), SuiteRunner.specs(three, dir).size());
        assertEquals(List.of("", "lr=0.05", "paper"), SuiteRunner.specs(three, dir).stream().filter(s -> s.seed() == 1
                && s.task().equals(FakeTask.GC)).map(RunSpec::configLabel).toList());
        assertEquals(three, Json.mapper().readValue(Json.pretty(three), Suite.class), "round trip");

        // an exact repeat (same name, profile and overrides) is refused, naming the entry
        var e = assertThrows(IllegalArgumentException.class, () -> new Suite("x", 1, "", plain.datasets(), plain.tasks(),
                List.of(base, alpha, new Suite.AlgorithmEntry(FakeAlgorithm.NAME, "cpu", Map.of("lr", "0.05"))), List.of(1L),
                plain.protocol()));
        assertTrue(e.getMessage().contains("'algorithms[2]' repeats algorithms[1]") && e.getMessage().contains("overrides {lr=0.05}"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Suite("x", 1, "", plain.datasets(), plain.tasks(),
                List.of(base, new Suite.AlgorithmEntry(FakeAlgorithm.NAME, null, null)), List.of(1L), plain.protocol()));
        assertTrue(e.getMessage().contains("'algorithms[1]' repeats algorithms[0]"), "null profile is cpu: " + e.getMessage());
        // choices that differ only in spaces would share a run folder
        e = assertThrows(IllegalArgumentException.class, () -> new Suite("x", 1, "", plain.datasets(), plain.tasks(),
                List.of(new Suite.AlgorithmEntry(FakeAlgorithm.NAME, "cpu", Map.of("layers", "[8, 8]")),
                        new Suite.AlgorithmEntry(FakeAlgorithm.NAME, "cpu", Map.of("layers", "[8,8]"))), List.of(1L), plain.protocol()));
        assertTrue(e.getMessage().contains("'algorithms[1]'") && e.getMessage().contains("share the run folder fake-bc@layers=(8,8)"),
                e.getMessage());
        // in a file: the error names the file and the index
        Path f = dir.resolve("dup.json");
        Files.writeString(f, Json.pretty(Json.tree(plain)).replace("\"overrides\" : { }", "\"overrides\" : { } }, {\"name\": \""
                + FakeAlgorithm.NAME + "\", \"profile\": \"cpu\", \"overrides\": {}"));
        e = assertThrows(IllegalArgumentException.class, () -> SuiteRunner.load(f.toString()));
        assertTrue(e.getMessage().contains("dup.json") && e.getMessage().contains("'algorithms[1]' repeats algorithms[0]"), e.getMessage());
    }

    @Test
    void invalidSuiteFileIsRejectedWithItsPath(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, Json.pretty(Map.of("name", "x", "version", 1, "tasks", List.of())));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SuiteRunner.load(f.toString()));
        assertTrue(e.getMessage().contains("bad.json") && e.getMessage().contains("tasks"), e.getMessage());
    }
}
