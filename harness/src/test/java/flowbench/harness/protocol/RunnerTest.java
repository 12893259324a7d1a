package flowbench.harness.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.data.Sha256;
import flowbench.harness.io.Json;
import flowbench.harness.testing.FakeLearner;
import flowbench.harness.testing.FakeTask;
import flowbench.harness.testing.SimulatedCrash;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static flowbench.harness.protocol.RunFixture.comparable;
import static flowbench.harness.protocol.RunFixture.trainRows;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunnerTest {
    @TempDir
    static Path shared;
    static Path data;
    static Path referenceDir;

    @TempDir
    Path out;

    private final Runner runner = new Runner(RunFixture.REGISTRY);

    @BeforeAll
    static void reference() throws IOException {
        data = RunFixture.generateData(shared.resolve("data"), 0);
        RunOutcome o = new Runner(RunFixture.REGISTRY).run(RunFixture.spec(data), shared.resolve("ref"), RunOptions.defaults());
        referenceDir = o.runDir();
    }

    @AfterEach
    void resetCrashes() {
        FakeLearner.CRASH_ON_ACT.set(-1);
        FakeLearner.CRASH_IN_SAVE.set(-1);
    }

    private static RunHooks crashAfterUpdate(long step) {
        return new RunHooks() {
            @Override
            public void afterUpdate(long s) {
                if (s == step) throw new SimulatedCrash("training step " + s);
            }
        };
    }

    private RunOutcome resume() throws IOException {
        return runner.run(RunFixture.spec(data), out, RunOptions.defaults());
    }

    private void assertSameAsReference(Path runDir) throws IOException {
        assertEquals(List.of(), RunFixture.differences(comparable(referenceDir), comparable(runDir)));
        assertEquals(trainRows(referenceDir), trainRows(runDir));
        assertEquals(Files.readString(referenceDir.resolve(Runner.EVAL_CSV)), Files.readString(runDir.resolve(Runner.EVAL_CSV)));
        assertEquals(Files.readString(referenceDir.resolve(Runner.CONFIG_JSON)), Files.readString(runDir.resolve(Runner.CONFIG_JSON)));
        assertEquals(List.of("step-000000000060"), RunFixture.checkpointNames(runDir), "only the last checkpoint is kept");
        List<String> rows = trainRows(runDir);
        long prev = -1;
        for (String r : rows.subList(1, rows.size())) {
            long step = Long.parseLong(r.split(",")[0]);
            assertTrue(step > prev, "train.csv steps strictly increase (no duplicated rows): " + rows);
            prev = step;
        }
    }

    /** A run record can be shared as it is: no absolute path of the machine it ran on (data under a temp folder here). */
    @Test
    void theRecordNamesItsDataWithoutPrivatePaths() throws IOException {
        RunRecord r = Json.read(referenceDir.resolve(Runner.RUN_JSON), RunRecord.class);
        for (RunRecord.DatasetFile d : r.datasets()) {
            assertFalse(d.file().startsWith("/") || d.file().contains(data.toString()), d.file());
            assertTrue(d.file().endsWith(".npz"), d.file());
        }
        assertEquals(flowbench.harness.io.PortablePaths.of(data), r.spec().datasetDir());
        String json = Files.readString(referenceDir.resolve(Runner.RUN_JSON));
        assertFalse(json.contains(System.getProperty("user.home") + "/") && !System.getProperty("user.home").equals("/"),
                "no home folder in the record");
        assertFalse(json.contains(Path.of("").toAbsolutePath().toString() + "/"), "no working folder in the record");
    }

    @Test
    void referenceRunIsCompleteAndConsistent() throws IOException {
        RunRecord r = Json.read(referenceDir.resolve(Runner.RUN_JSON), RunRecord.class);
        assertEquals(r.identity().runId(), Runner.runId(r.spec(), r.configHash(),
                r.datasets().stream().map(RunRecord.DatasetFile::sha256).toList()), "the run id is a function of the record");
        assertTrue(r.complete());
        assertEquals(0, r.resumes());
        assertEquals(List.of(0L, 20L, 40L, 60L), r.evaluations().stream().map(Evaluation::step).toList());
        List<String> rows = trainRows(referenceDir);
        assertEquals("step,grad_norm,loss,updates,val/loss", rows.get(0));
        assertEquals(13, rows.size(), "header + a row every 5 of 60 steps");
        for (int i = 1; i < rows.size(); i++) {
            String[] f = rows.get(i).split(",");
            assertEquals(5L * i, Long.parseLong(f[0]));
            assertEquals(5.0 * i, Double.parseDouble(f[3]), "the learner's own update count matches the step");
        }
        List<String> eval = Files.readAllLines(referenceDir.resolve(Runner.EVAL_CSV));
        assertEquals("step,policy,task,success,return,length", eval.get(0));
        assertEquals(1 + 4 * 2 * 3, eval.size(), "4 evaluations x 2 policies x 3 tasks");
        assertEquals(List.of("step-000000000060"), RunFixture.checkpointNames(referenceDir));
        // the same spec run again elsewhere gives the same record: the run is a pure function of its spec
        RunOutcome again = runner.run(RunFixture.spec(data), out, RunOptions.defaults());
        assertSameAsReference(again.runDir());
    }

    @Test
    void recordHoldsEveryProtocolAndProvenanceField() throws IOException {
        JsonNode j = Json.mapper().readTree(referenceDir.resolve(Runner.RUN_JSON).toFile());
        assertEquals(RunRecord.SCHEMA_VERSION, j.get("schemaVersion").asInt());
        assertEquals("complete", j.get("status").asText());
        JsonNode id = j.get("identity");
        assertEquals("fake-bc", id.get("algorithm").asText());
        assertEquals(FakeTask.GC, id.get("task").asText());
        assertEquals(FakeTask.DATASET, id.get("datasetName").asText());
        assertEquals(7, id.get("seed").asLong());
        assertEquals(16, id.get("runId").asText().length());
        assertEquals("cpu", j.get("profile").asText());
        assertEquals(0.05, j.get("config").get("lr").asDouble(), "override applied in the recorded config");
        assertEquals(Configs.hash(Configs.merge(new flowbench.harness.testing.FakeAlgorithm(), "cpu", Map.of("lr", "0.05"))),
                j.get("configHash").asText());
        assertEquals(Json.mapper().readTree(referenceDir.resolve(Runner.CONFIG_JSON).toFile()), j.get("config"));
        assertEquals(6, j.get("parameterCount").asLong());
        JsonNode ds = j.get("datasets");
        assertEquals("train", ds.get(0).get("role").asText());
        assertEquals(Sha256.ofFile(Runner.datasetFile(data, FakeTask.DATASET, false)), ds.get(0).get("sha256").asText());
        assertEquals(Sha256.ofFile(Runner.datasetFile(data, FakeTask.DATASET, true)), ds.get(1).get("sha256").asText());
        assertEquals(20 * 20, ds.get(0).get("transitions").asLong(), "regular mode: episodes x steps");
        JsonNode p = j.get("protocol");
        for (String f : List.of("suite", "suiteName", "suiteVersion", "trainSteps", "evalEvery", "evalAtStart", "evalSteps",
                "episodesPerTask", "checkpointEvery", "logEvery", "evalSeed", "taskMode", "successTiming", "rewardMode",
                "evaluationTaskIds", "obsDim", "actionDim", "goalDim", "maxEpisodeSteps", "chunkLengths", "actionClip",
                "successMetric", "chunkExecution", "episodeSeeds", "policyNoise", "trainNoise")) {
            assertTrue(p.hasNonNull(f), "protocol field " + f);
        }
        assertEquals("adhoc/0", p.get("suite").asText());
        assertEquals("POST", p.get("successTiming").asText());
        assertEquals("GOAL_CONDITIONED", p.get("taskMode").asText());
        assertEquals(3, p.get("chunkLengths").get("noisy-chunk").asInt());
        assertEquals(-1.0, p.get("actionClip").get(0).asDouble());
        assertEquals(4, p.get("episodesPerTask").asInt());
        JsonNode ev = j.get("evaluations").get(3);
        assertEquals(60, ev.get("step").asLong());
        JsonNode task = ev.get("policies").get(0).get("tasks").get(0);
        for (String f : List.of("taskId", "success", "meanReturn", "meanLength", "nonFiniteActions")) assertTrue(task.has(f), f);
        JsonNode episode = task.get("episodes").get(0);
        for (String f : List.of("episode", "seed", "success", "return", "length", "terminated", "truncated")) assertTrue(episode.has(f), f);
        assertEquals(4, task.get("episodes").size());
        JsonNode summary = j.get("summary").get(0);
        assertEquals("greedy", summary.get("policy").asText());
        assertEquals(60, summary.get("finalStep").asLong());
        assertEquals(3, summary.get("lastN").asInt());
        for (String f : List.of("totalSeconds", "trainSeconds", "evalSeconds", "checkpointSeconds", "stepsPerSecond")) {
            assertTrue(j.get("timing").get(f).asDouble() >= 0, f);
        }
        JsonNode m = j.get("machine");
        assertTrue(m.get("cores").asInt() >= 1);
        for (String f : List.of("cpuModel", "memoryBytes", "os", "javaVersion", "javaVendor")) assertTrue(m.hasNonNull(f), f);
        JsonNode sw = j.get("software");
        assertTrue(sw.get("harnessVersion").asText().matches("\\d+\\.\\d+.*"), "version from the Maven build: " + sw);
        assertTrue(sw.get("gitRevision").asText().matches("[0-9a-f]{40}|unknown"), sw.toString());
        assertTrue(j.hasNonNull("startedAt") && j.hasNonNull("finishedAt"));
        // and it reads back into the record type
        RunRecord r = Json.read(referenceDir.resolve(Runner.RUN_JSON), RunRecord.class);
        assertEquals(RunFixture.spec(data).withDatasetDir(data.toString()), r.spec());
    }

    @Test
    void crashDuringTrainingResumesFromLastCheckpoint() throws IOException {
        Path dir = Runner.runDir(out, RunFixture.spec(data));
        assertThrows(SimulatedCrash.class, () -> runner.run(RunFixture.spec(data), out, RunOptions.defaults().withHooks(crashAfterUpdate(27))));
        RunRecord partial = Json.read(dir.resolve(Runner.RUN_JSON), RunRecord.class);
        // the record says why the run stopped; its evaluation at 20 is kept, but a failed run is never a result
        assertEquals(RunRecord.FAILED, partial.status());
        assertEquals("exception", partial.failure().kind());
        assertEquals(27, partial.failure().step());
        assertTrue(partial.failure().message().contains("simulated crash"), partial.failure().message());
        assertEquals(List.of(0L, 20L), partial.evaluations().stream().map(Evaluation::step).toList());
        // what a kill in the middle of writes would leave behind
        Files.writeString(dir.resolve(".train.csv.9999.tmp"), "step,wall_s\n5,0.1\n2");
        Files.createDirectories(dir.resolve("checkpoints/.staging-30/learner"));
        Files.writeString(dir.resolve("checkpoints/.staging-30/learner/params.bin"), "half");
        RunOutcome o = resume();
        assertEquals(20, o.resumedFromStep());
        assertEquals(1, o.record().resumes());
        assertFalse(Files.exists(dir.resolve(".train.csv.9999.tmp")));
        assertSameAsReference(dir);
    }

    @Test
    void crashRightAfterACheckpoint() throws IOException {
        RunHooks hooks = new RunHooks() {
            @Override
            public void checkpointCommitted(long step, Path d) {
                if (step == 30) throw new SimulatedCrash("after checkpoint 30");
            }
        };
        assertThrows(SimulatedCrash.class, () -> runner.run(RunFixture.spec(data), out, RunOptions.defaults().withHooks(hooks)));
        RunOutcome o = resume();
        assertEquals(30, o.resumedFromStep());
        assertSameAsReference(o.runDir());
    }

    @Test
    void crashDuringEvaluation() throws IOException {
        RunHooks hooks = new RunHooks() {
            @Override
            public void beforeEvaluation(long step) {
                if (step == 40) FakeLearner.CRASH_ON_ACT.set(5); // the 6th policy query of this evaluation fails
            }
        };
        assertThrows(SimulatedCrash.class, () -> runner.run(RunFixture.spec(data), out, RunOptions.defaults().withHooks(hooks)));
        Path dir = Runner.runDir(out, RunFixture.spec(data));
        assertEquals(2, Files.readAllLines(dir.resolve(Runner.EVAL_CSV)).stream().skip(1).map(l -> l.split(",")[0]).distinct().count(),
                "eval.csv holds the evaluations of steps 0 and 20 only");
        RunOutcome o = resume();
        assertEquals(30, o.resumedFromStep());
        assertSameAsReference(o.runDir());
    }

    @Test
    void crashWithACheckpointCompleteButNotRenamed() throws IOException {
        RunHooks hooks = new RunHooks() {
            @Override
            public void checkpointStaged(long step, Path d) {
                if (step == 45) throw new SimulatedCrash("before rename of checkpoint 45");
            }
        };
        assertThrows(SimulatedCrash.class, () -> runner.run(RunFixture.spec(data), out, RunOptions.defaults().withHooks(hooks)));
        Path dir = Runner.runDir(out, RunFixture.spec(data));
        assertEquals(List.of(".staging-45", "step-000000000040"), RunFixture.checkpointNames(dir));
        RunOutcome o = resume();
        assertEquals(40, o.resumedFromStep(), "a staged checkpoint is never loaded");
        assertSameAsReference(o.runDir());
    }

    @Test
    void crashWhileTheLearnerWritesItsCheckpoint() throws IOException {
        FakeLearner.CRASH_IN_SAVE.set(3); // saves at 0, 15, 20 succeed; the one at 30 stops half-way
        assertThrows(SimulatedCrash.class, () -> runner.run(RunFixture.spec(data), out, RunOptions.defaults()));
        RunOutcome o = resume();
        assertEquals(20, o.resumedFromStep());
        assertSameAsReference(o.runDir());
    }

    @Test
    void repeatedCrashesStillEndWithTheSameRecord() throws IOException {
        for (long s : new long[] {7, 33, 33, 52}) {
            assertThrows(SimulatedCrash.class, () -> runner.run(RunFixture.spec(data), out, RunOptions.defaults().withHooks(crashAfterUpdate(s))));
        }
        RunOutcome o = resume();
        assertEquals(4, o.record().resumes());
        assertSameAsReference(o.runDir());
    }

    @Test
    void crashBeforeTheFirstCheckpointStartsOver() throws IOException {
        // evaluation and checkpoint only at the end: a crash at step 40 leaves no checkpoint
        RunSpec s2 = RunFixture.spec(data).withProtocol(new Protocol(60, 0, false, 4, 0, 5, 3, "adhoc", 0));
        RunOutcome ref = runner.run(s2, out.resolve("ref"), RunOptions.defaults());
        Path o2 = out.resolve("crashed");
        assertThrows(SimulatedCrash.class, () -> runner.run(s2, o2, RunOptions.defaults().withHooks(crashAfterUpdate(40))));
        RunOutcome o = runner.run(s2, o2, RunOptions.defaults());
        assertEquals(-1, o.resumedFromStep());
        assertEquals(1, o.record().resumes());
        assertEquals(comparable(ref.runDir()), comparable(o.runDir()));
        assertEquals(trainRows(ref.runDir()), trainRows(o.runDir()));
    }

    @Test
    void completeRunIsNotRunAgainUnlessForced() throws IOException {
        RunSpec spec = RunFixture.spec(data).withProtocol(new Protocol(10, 0, false, 2, 0, 5, 3, "adhoc", 0));
        runner.run(spec, out, RunOptions.defaults());
        Path runJson = Runner.runDir(out, spec).resolve(Runner.RUN_JSON);
        byte[] before = Files.readAllBytes(runJson);
        AtomicInteger updates = new AtomicInteger();
        RunHooks count = new RunHooks() {
            @Override
            public void afterUpdate(long step) {
                updates.incrementAndGet();
            }
        };
        RunOutcome again = runner.run(spec, out, RunOptions.defaults().withHooks(count));
        assertTrue(again.alreadyComplete());
        assertEquals(0, updates.get());
        assertArrayEquals(before, Files.readAllBytes(runJson));
        RunOutcome forced = runner.run(spec, out, RunOptions.defaults().withForce(true).withHooks(count));
        assertFalse(forced.alreadyComplete());
        assertEquals(10, updates.get());
        assertEquals(0, forced.record().resumes());
    }

    @Test
    void differentSpecInTheSameFolderIsRefused() throws IOException {
        RunSpec spec = RunFixture.spec(data).withProtocol(new Protocol(10, 0, false, 2, 0, 5, 3, "adhoc", 0))
                .withOverrides(Map.of("lr", "0.05", "layers", "[8,8]"));
        runner.run(spec, out, RunOptions.defaults());
        // overrides that differ only in spaces share the folder's label (layers=(8,8),lr=0.05), so they meet here
        RunSpec other = spec.withProtocol(spec.protocol().withTrainSteps(20)).withOverrides(Map.of("lr", "0.05", "layers", "[8, 8]"));
        assertEquals(Runner.runDir(out, spec), Runner.runDir(out, other));
        var e = assertThrows(IllegalStateException.class, () -> runner.run(other, out, RunOptions.defaults()));
        assertTrue(e.getMessage().contains("protocol.trainSteps: 10 then, 20 now"), e.getMessage());
        assertTrue(e.getMessage().contains("overrides.layers"), e.getMessage());
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
        // moving the dataset folder is not a different run: datasets are identified by their SHA-256
        Path moved = RunFixture.generateData(out.resolve("moved"), 0);
        assertTrue(runner.run(spec.withDatasetDir(moved.toString()), out, RunOptions.defaults()).alreadyComplete());
    }

    @Test
    void noResumeStartsAnInterruptedRunOver() throws IOException {
        assertThrows(SimulatedCrash.class, () -> runner.run(RunFixture.spec(data), out, RunOptions.defaults().withHooks(crashAfterUpdate(50))));
        AtomicInteger updates = new AtomicInteger();
        RunHooks count = new RunHooks() {
            @Override
            public void afterUpdate(long step) {
                updates.incrementAndGet();
            }
        };
        RunOutcome o = runner.run(RunFixture.spec(data), out, RunOptions.defaults().withResume(false).withHooks(count));
        assertEquals(60, updates.get());
        assertEquals(-1, o.resumedFromStep());
        assertSameAsReference(o.runDir());
    }

    @Test
    void changedDatasetIsDetectedOnResume() throws IOException {
        Path d = RunFixture.generateData(out.resolve("data"), 0);
        RunSpec spec = RunFixture.spec(d);
        assertThrows(SimulatedCrash.class, () -> runner.run(spec, out, RunOptions.defaults().withHooks(crashAfterUpdate(25))));
        RunFixture.generateData(d, 1);
        var e = assertThrows(IllegalStateException.class, () -> runner.run(spec, out, RunOptions.defaults()));
        assertTrue(e.getMessage().contains("changed since the run started") && e.getMessage().contains("SHA-256"), e.getMessage());
    }

    @Test
    void missingDatasetTellsHowToGenerateIt() {
        Path empty = out.resolve("nodata");
        var e = assertThrows(IllegalArgumentException.class, () -> runner.run(RunFixture.spec(empty), out, RunOptions.defaults()));
        assertTrue(e.getMessage().contains("fake-point-v0.npz not found"), e.getMessage());
        assertTrue(e.getMessage().contains("flowbench datasets generate --dataset fake-point-v0 --out " + empty), e.getMessage());
    }

    @Test
    void aRunFolderInUseIsRefused() throws IOException {
        List<Throwable> inner = new ArrayList<>();
        RunHooks hooks = new RunHooks() {
            @Override
            public void afterUpdate(long step) {
                if (step == 3) {
                    try {
                        runner.run(RunFixture.spec(data), out, RunOptions.defaults());
                    } catch (Throwable t) {
                        inner.add(t);
                    }
                }
            }
        };
        runner.run(RunFixture.spec(data), out, RunOptions.defaults().withHooks(hooks));
        assertEquals(1, inner.size());
        assertTrue(inner.get(0).getMessage().contains("in use"), inner.get(0).getMessage());
    }

    @Test
    void singleTaskRunUsesTheRelabellerAndPreTiming() throws IOException {
        RunSpec spec = new RunSpec("fake-bc", FakeTask.SINGLE, data.toString(), 1, "paper", Map.of(),
                new Protocol(10, 0, false, 3, 0, 5, 3, "adhoc", 0));
        RunRecord r = runner.run(spec, out, RunOptions.defaults()).record();
        assertEquals("PRE", r.protocol().successTiming());
        assertEquals(List.of(2), r.protocol().evaluationTaskIds());
        assertEquals(0, r.protocol().goalDim());
        assertEquals(1, r.evaluations().get(0).policies().get(0).tasks().size());
    }
}
