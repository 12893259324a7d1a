package flowbench.harness.external;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.protocol.Protocol;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.RunFixture;
import flowbench.harness.protocol.RunHooks;
import flowbench.harness.protocol.RunOptions;
import flowbench.harness.protocol.RunOutcome;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.RunSpec;
import flowbench.harness.protocol.Runner;
import flowbench.harness.io.Json;
import flowbench.harness.testing.FakeTask;
import flowbench.harness.testing.SimulatedCrash;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An external learner (a child JVM speaking clients/PROTOCOL.md, {@link ScriptedLearner}) run by the real {@link Runner}:
 * its record, determinism, resuming, and every failure kind of the protocol's failure table.
 */
class ExternalRunTest {
    /** 60 steps, evaluations at 0, 20, 40, 60, checkpoints also at 15, 30, 45, a log row every 5 steps. */
    static final Protocol PROTOCOL = new Protocol(60, 20, true, 4, 15, 5, 3, "adhoc", 0);

    @TempDir
    Path tmp;

    private ExternalAlgorithm start(String mode, int failStep, Duration timeout) {
        return ExternalAlgorithm.start(ScriptedLearner.command(mode, failStep), tmp, timeout, null,
                Set.copyOf(RunFixture.REGISTRY.algorithmNames()));
    }

    private RunOutcome run(ExternalAlgorithm ext, Path data, Path out, Map<String, String> overrides, RunOptions options) throws Exception {
        Registry registry = RunFixture.REGISTRY.withAlgorithm(ext);
        try {
            return new Runner(registry).run(spec(ext.name(), data, overrides), out, options);
        } finally {
            ext.closeIdle();
        }
    }

    private static RunSpec spec(String name, Path data, Map<String, String> overrides) {
        return new RunSpec(name, FakeTask.GC, data.toString(), 7, "cpu", overrides, PROTOCOL);
    }

    @Test
    void runsUnderTheProtocolWithProvenanceAndSameNumbersTwice() throws Exception {
        Path data = RunFixture.generateData(tmp.resolve("data"), 0);
        RunOutcome a = run(start("ok", 0, Duration.ofSeconds(60)), data, tmp.resolve("a"), Map.of("chunk", "2"), RunOptions.defaults());
        RunRecord r = a.record();
        assertTrue(r.complete());
        assertEquals("scripted-mean", r.identity().algorithm());
        assertEquals("training-time", r.identity().algorithmFamily());
        assertEquals(1, r.external().protocol());
        assertTrue(r.external().command().contains(ScriptedLearner.class.getName()));
        assertEquals("https://example.org/scripted-mean", r.external().agent().path("code_url").asText());
        assertEquals("java-test", r.external().client().path("name").asText());
        assertEquals(Map.of("mean", 2), r.protocol().chunkLengths());
        assertEquals(2, r.config().path("params").path("chunk").asInt(), "--set reached the method's config");
        assertEquals("1.0", r.config().path("version").asText());
        assertEquals(List.of(0L, 20L, 40L, 60L), r.evaluations().stream().map(e -> e.step()).toList());
        // the blocks end at every log step: train.csv has a row every 5 steps with the method's metrics
        List<String> rows = Files.readAllLines(a.runDir().resolve(Runner.TRAIN_CSV));
        assertEquals(13, rows.size(), String.join("\n", rows));
        assertTrue(rows.get(0).contains("loss") && rows.get(0).contains("val/mean0"), rows.get(0));
        assertTrue(rows.get(1).startsWith("5,"), rows.get(1));
        assertEquals(null, r.failure());
        // the same seed and config give the same record (wall-clock fields aside) in a fresh process
        RunOutcome b = run(start("ok", 0, Duration.ofSeconds(60)), data, tmp.resolve("b"), Map.of("chunk", "2"), RunOptions.defaults());
        assertEquals(List.of(), RunFixture.differences(RunFixture.comparable(a.runDir()), RunFixture.comparable(b.runDir())));
        assertEquals(Files.readString(a.runDir().resolve(Runner.EVAL_CSV)), Files.readString(b.runDir().resolve(Runner.EVAL_CSV)));
    }

    @Test
    void aStoppedRunResumesInANewProcessToTheSameRecord() throws Exception {
        Path data = RunFixture.generateData(tmp.resolve("data"), 0);
        RunOutcome ref = run(start("ok", 0, Duration.ofSeconds(60)), data, tmp.resolve("ref"), Map.of(), RunOptions.defaults());
        Path out = tmp.resolve("crashed");
        RunHooks crashAfter37 = new RunHooks() {
            @Override
            public void afterUpdate(long step) {
                if (step == 37) throw new SimulatedCrash("after update 37");
            }
        };
        assertThrows(SimulatedCrash.class, () -> run(start("ok", 0, Duration.ofSeconds(60)), data, out, Map.of(),
                RunOptions.defaults().withHooks(crashAfter37)));
        RunRecord failed = Json.read(Runner.runDir(out, spec("scripted-mean", data, Map.of())).resolve(Runner.RUN_JSON), RunRecord.class);
        assertEquals(RunRecord.FAILED, failed.status());
        assertEquals("exception", failed.failure().kind());
        RunOutcome resumed = run(start("ok", 0, Duration.ofSeconds(60)), data, out, Map.of(), RunOptions.defaults());
        assertEquals(30, resumed.resumedFromStep(), "resumed from the checkpoint at 30");
        assertEquals(List.of(), RunFixture.differences(RunFixture.comparable(ref.runDir()), RunFixture.comparable(resumed.runDir())));
        assertEquals(RunFixture.trainRows(ref.runDir()), RunFixture.trainRows(resumed.runDir()));
    }

    @Test
    void aKilledLearnerIsRecordedAsCrashedAndTheRunResumes() throws Exception {
        Path data = RunFixture.generateData(tmp.resolve("data"), 0);
        RunOutcome ref = run(start("ok", 0, Duration.ofSeconds(60)), data, tmp.resolve("ref"), Map.of(), RunOptions.defaults());
        Path out = tmp.resolve("killed");
        ExternalFailure e = assertThrows(ExternalFailure.class, () -> run(start("crash", 33, Duration.ofSeconds(60)), data, out,
                Map.of(), RunOptions.defaults()));
        assertEquals(ExternalFailure.CRASHED, e.kind());
        assertTrue(e.getMessage().contains("exit code 3"), e.getMessage());
        RunRecord failed = Json.read(Runner.runDir(out, spec("scripted-mean", data, Map.of())).resolve(Runner.RUN_JSON), RunRecord.class);
        assertEquals(RunRecord.FAILED, failed.status());
        assertEquals(ExternalFailure.CRASHED, failed.failure().kind());
        assertEquals(30, failed.failure().step(), "the block from 30 to 35 was pending when the learner died");
        RunOutcome resumed = run(start("ok", 0, Duration.ofSeconds(60)), data, out, Map.of(), RunOptions.defaults());
        assertEquals(30, resumed.resumedFromStep());
        assertEquals(List.of(), RunFixture.differences(RunFixture.comparable(ref.runDir()), RunFixture.comparable(resumed.runDir())));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "raise, agent-error, ValueError: loss exploded",
            "nan, non-finite, returned NaN",
            "out-of-range, out-of-range, must lie in [-1, 1]",
            "wrong-shape, shape, returned actions of shape [3, 2]",
            "wrong-step, protocol, replied step 0",
            "garbage, protocol, did the learner print to stdout",
            "hang-act, timeout, no reply to 'act' within 2 s",
    })
    void aMisbehavingLearnerFailsTheRunWithANamedError(String mode, String kind, String message) throws Exception {
        Path data = RunFixture.generateData(tmp.resolve("data"), 0);
        Path out = tmp.resolve("out");
        ExternalFailure e = assertThrows(ExternalFailure.class, () -> run(start(mode, 0, Duration.ofSeconds(2)), data, out,
                Map.of(), RunOptions.defaults()));
        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        Path runJson = Runner.runDir(out, spec("scripted-mean", data, Map.of())).resolve(Runner.RUN_JSON);
        RunRecord r = Json.read(runJson, RunRecord.class);
        assertEquals(RunRecord.FAILED, r.status());
        assertEquals(kind, r.failure().kind());
        assertFalse(r.complete());
    }

    @Test
    void aBadHandshakeIsRefusedBeforeAnyRunFolderExists() {
        Set<String> taken = Set.copyOf(RunFixture.REGISTRY.algorithmNames());
        ExternalFailure taken1 = assertThrows(ExternalFailure.class, () -> ExternalAlgorithm.start(
                ScriptedLearner.command("name-taken", 0), tmp, Duration.ofSeconds(30), null, taken));
        assertEquals(ExternalFailure.BAD_NAME, taken1.kind());
        assertTrue(taken1.getMessage().contains("'fake-bc'"), taken1.getMessage());
        ExternalFailure bad = assertThrows(ExternalFailure.class, () -> ExternalAlgorithm.start(
                ScriptedLearner.command("bad-name", 0), tmp, Duration.ofSeconds(30), null, taken));
        assertEquals(ExternalFailure.BAD_NAME, bad.kind());
        ExternalFailure old = assertThrows(ExternalFailure.class, () -> ExternalAlgorithm.start(
                ScriptedLearner.command("old-protocol", 0), tmp, Duration.ofSeconds(30), null, taken));
        assertEquals(ExternalFailure.PROTOCOL, old.kind());
        assertTrue(old.getMessage().contains("protocol version 0"), old.getMessage());
        ExternalFailure missing = assertThrows(ExternalFailure.class, () -> ExternalAlgorithm.start(
                "/nonexistent/learner --flag", tmp, Duration.ofSeconds(30), null, taken));
        assertEquals(ExternalFailure.START_FAILED, missing.kind());
    }

    @Test
    void overridesMustNameAnExistingSettingOfTheRightType() {
        ExternalAlgorithm ext = start("ok", 0, Duration.ofSeconds(30));
        try {
            var domain = flowbench.harness.domain.Domains.of(FakeTask.GC);
            JsonNode p = ext.resolve(domain, Map.of("lr", "0.5", "net.width", "8", "label", "y z")).config().params();
            assertEquals(0.5, p.get("lr").asDouble());
            assertEquals(8, p.get("net").get("width").asInt());
            assertEquals("y z", p.get("label").asText());
            assertTrue(ext.resolve(domain, Map.of("lr", "1")).config().params().get("lr").isDouble(), "1 given for a float stays a float");
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> ext.resolve(domain, Map.of("lrr", "1")));
            assertTrue(unknown.getMessage().contains("[lr, chunk, label, net.width]"), unknown.getMessage());
            IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> ext.resolve(domain, Map.of("chunk", "1.5")));
            assertTrue(type.getMessage().contains("integer"), type.getMessage());
        } finally {
            ext.closeIdle();
        }
    }

    @Test
    void commandsSplitLikeAShell() {
        assertEquals(List.of("python", "a b.py", "--x=1", "it's"), ExternalProcess.split("python 'a b.py'  --x=1 \"it's\""));
        assertEquals(List.of("a\\b", "c d"), ExternalProcess.split("'a\\b' c\\ d"));
        assertThrows(IllegalArgumentException.class, () -> ExternalProcess.split("python 'oops"));
    }

}
