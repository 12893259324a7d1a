package flowbench.harness.cli;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.Suite;
import flowbench.harness.testing.FakeAlgorithm;
import flowbench.harness.testing.FakeTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code run --suite FILE} takes the suite's protocol; a run whose flags disagree with its suite is refused. */
class RunUnderSuiteTest {
    private static Path suite(Path dir) throws Exception {
        Suite s = new Suite("labelled", 4, "test", List.of(), List.of(FakeTask.GC), List.of(new Suite.AlgorithmEntry(
                FakeAlgorithm.NAME, "cpu", Map.of())), List.of(0L), new Suite.ProtocolEntry(120, 40, true, 3, 20, 10, 5));
        Path f = dir.resolve("labelled.json");
        Json.writeAtomically(f, s);
        return f;
    }

    @Test
    void theSuitesProtocolIsTheRunsAndItsDataFolderTheDefault(@TempDir Path dir) throws Exception {
        Path f = suite(dir);
        MainTest.Result r = MainTest.run("run", "-a", FakeAlgorithm.NAME, "-t", FakeTask.GC, "--suite", f.toString(), "--dry-run");
        assertEquals(0, r.code(), r.err());
        JsonNode p = Json.mapper().readTree(r.out()).get("spec").get("protocol");
        assertEquals(120, p.get("trainSteps").asLong());
        assertEquals(40, p.get("evalEvery").asLong());
        assertEquals(3, p.get("episodesPerTask").asInt());
        assertEquals(5, p.get("evalSeed").asLong());
        assertEquals("labelled", p.get("suiteName").asText());
        assertEquals(4, p.get("suiteVersion").asInt());
        assertTrue(Json.mapper().readTree(r.out()).get("spec").get("datasetDir").asText().endsWith("data/labelled"));
        MainTest.Result same = MainTest.run("run", "-a", FakeAlgorithm.NAME, "-t", FakeTask.GC, "--suite", f.toString(),
                "--train-steps", "120", "--suite-version", "4", "--dry-run");
        assertEquals(0, same.code(), "a flag that agrees is fine: " + same.err());
    }

    @Test
    void flagsThatDisagreeWithTheSuiteAreRefusedByName(@TempDir Path dir) throws Exception {
        Path f = suite(dir);
        MainTest.Result r = MainTest.run("run", "-a", FakeAlgorithm.NAME, "-t", FakeTask.GC, "--suite", f.toString(),
                "--train-steps", "50", "--episodes", "9", "--dry-run");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--train-steps 50 differs from the suite's 120") && r.err().contains("--episodes 9"), r.err());
        MainTest.Result task = MainTest.run("run", "-a", FakeAlgorithm.NAME, "-t", FakeTask.SINGLE, "--suite", f.toString(), "--dry-run");
        assertEquals(2, task.code());
        assertTrue(task.err().contains("not a task of suite labelled"), task.err());
        MainTest.Result version = MainTest.run("run", "-a", FakeAlgorithm.NAME, "-t", FakeTask.GC, "--suite", f.toString(),
                "--suite-version", "3", "--dry-run");
        assertEquals(2, version.code());
        assertTrue(version.err().contains("is version 4"), version.err());
        MainTest.Result unknown = MainTest.run("run", "-a", FakeAlgorithm.NAME, "-t", FakeTask.GC, "--suite", "no-such-suite", "--dry-run");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("no-such-suite"), unknown.err());
        MainTest.Result adhocVersion = MainTest.run("run", "-a", FakeAlgorithm.NAME, "-t", FakeTask.GC, "--suite-version", "2", "--dry-run");
        assertEquals(2, adhocVersion.code(), "a version without a suite labels nothing");
    }

    @Test
    void theSuitesConfigurationOfTheAlgorithmIsTheRunsAndSetAddsToIt(@TempDir Path dir) throws Exception {
        Suite s = new Suite("sized", 1, "test", List.of(), List.of(FakeTask.GC), List.of(new Suite.AlgorithmEntry(
                FakeAlgorithm.NAME, "paper", Map.of("layers", "[16,16]"))), List.of(0L), new Suite.ProtocolEntry(120, 40, true, 3, 20, 10, 5));
        Path f = dir.resolve("sized.json");
        Json.writeAtomically(f, s);
        JsonNode spec = Json.mapper().readTree(MainTest.run("run", "-a", FakeAlgorithm.NAME, "-t", FakeTask.GC, "--suite",
                f.toString(), "--dry-run").out()).get("spec");
        assertEquals("paper", spec.get("profile").asText(), "the suite entry's profile, not the command's default");
        assertEquals("{\"layers\":\"[16,16]\"}", spec.get("overrides").toString());
        MainTest.Result more = MainTest.run("run", "-a", FakeAlgorithm.NAME, "-t", FakeTask.GC, "--suite", f.toString(),
                "--set", "lr=0.5", "--dry-run");
        assertEquals(0, more.code(), more.err());
        JsonNode o = Json.mapper().readTree(more.out()).get("spec").get("overrides");
        assertEquals("[16,16]", o.get("layers").asText());
        assertEquals("0.5", o.get("lr").asText());
        MainTest.Result profile = MainTest.run("run", "-a", FakeAlgorithm.NAME, "-t", FakeTask.GC, "--suite", f.toString(),
                "--profile", "cpu", "--dry-run");
        assertEquals(2, profile.code());
        assertTrue(profile.err().contains("--profile cpu differs from suite sized v1's paper"), profile.err());

        Suite twice = new Suite("twice", 1, "test", List.of(), List.of(FakeTask.GC), List.of(
                new Suite.AlgorithmEntry(FakeAlgorithm.NAME, "cpu", Map.of("layers", "[16,16]")),
                new Suite.AlgorithmEntry(FakeAlgorithm.NAME, "cpu", Map.of("layers", "[32,32]"))), List.of(0L),
                new Suite.ProtocolEntry(120, 40, true, 3, 20, 10, 5));
        Path g = dir.resolve("twice.json");
        Json.writeAtomically(g, twice);
        MainTest.Result which = MainTest.run("run", "-a", FakeAlgorithm.NAME, "-t", FakeTask.GC, "--suite", g.toString(), "--dry-run");
        assertEquals(2, which.code());
        assertTrue(which.err().contains("lists " + FakeAlgorithm.NAME + " 2 times") && which.err().contains("[32,32]"), which.err());
        MainTest.Result picked = MainTest.run("run", "-a", FakeAlgorithm.NAME, "-t", FakeTask.GC, "--suite", g.toString(),
                "--set", "layers=[32,32]", "--dry-run");
        assertEquals(0, picked.code(), picked.err());
    }
}
