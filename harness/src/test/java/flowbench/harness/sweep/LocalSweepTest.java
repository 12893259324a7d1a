package flowbench.harness.sweep;

import flowbench.harness.io.Json;
import flowbench.harness.protocol.RunStop;
import flowbench.harness.testing.FakeTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local executor: worker JVMs, failure isolation, kill -9 and Ctrl-C followed by a rerun. */
class LocalSweepTest {
    @Test
    void workersProduceTheRecordsOfInProcessRunsAndAFailedRunStopsNothing(@TempDir Path dir) throws Exception {
        Path suite = SweepFixture.suite(dir, 40, 20, 10);
        Path out = dir.resolve("out");
        // lr=-1 is refused by the learner's config: those 4 runs fail, the other 4 complete
        SweepFixture.Result r = SweepFixture.cli("sweep", suite.toString(), "--data", dir.resolve("data").toString(), "--out",
                out.toString(), "--set", "lr=[0.05,-1]", "--workers", "2", "--launcher", SweepFixture.launcher(0));
        assertEquals(1, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("8 runs: 0 pending, 0 running, 0 interrupted, 4 failed, 0 conflict, 4 complete"), r.out());
        assertTrue(r.err().contains("FAILED") && r.err().contains("lr must be > 0"), r.err());
        Path manifest = SweepFixture.manifest(out);
        Path ref = SweepFixture.reference(manifest, dir.resolve("ref"));
        assertEquals(4, SweepFixture.assertSameAsReference(manifest, out, ref));

        SweepFixture.Result st = SweepFixture.cli("sweep", "status", out.toString());
        assertEquals(0, st.code(), st.err());
        assertTrue(st.out().contains("failed      fake-gc/fake-bc@lr=-1/seed0") || st.out().contains("failed"), st.out());
        assertTrue(st.out().contains("lr must be > 0"), "the failure's message is shown: " + st.out());
        SweepPlan plan = SweepPlan.load(manifest);
        for (int i = 0; i < plan.runs().size(); i++) {
            boolean bad = plan.runs().get(i).overrides().get("lr").equals("-1");
            RunStatus s = RunStatus.in(out, plan.runs().get(i));
            assertEquals(bad ? RunStatus.State.FAILED : RunStatus.State.COMPLETE, s.state(), plan.runDir(out, i).toString());
            if (bad) assertEquals(i, s.failure().index());
        }
        String json = SweepFixture.cli("sweep", "status", out.toString(), "--json").out();
        assertEquals(8, Json.mapper().readTree(json).size());

        // the same sweep again: nothing complete is rerun, the failures fail again with the same message
        String before = Files.readString(plan.runDir(out, 0).resolve("run.json"));
        SweepFixture.Result again = SweepFixture.cli("sweep", suite.toString(), "--data", dir.resolve("data").toString(), "--out",
                out.toString(), "--set", "lr=[0.05,-1]", "--workers", "2", "--launcher", SweepFixture.launcher(0));
        assertEquals(1, again.code());
        assertTrue(again.err().contains("4 complete (skipped)"), again.err());
        assertEquals(before, Files.readString(plan.runDir(out, 0).resolve("run.json")));
        assertTrue(Files.isRegularFile(out.resolve("summary.md")) || !again.out().isEmpty());

        // a longer protocol into the same folders: the complete 40-step runs are another spec, not "complete"
        Path longer = SweepFixture.suite(dir.resolve("v2"), 60, 20, 10);
        SweepFixture.Result other = SweepFixture.cli("sweep", longer.toString(), "--data", dir.resolve("data").toString(),
                "--out", out.toString(), "--set", "lr=[0.05]", "--workers", "2", "--launcher", SweepFixture.launcher(0));
        assertEquals(1, other.code(), other.err());
        assertTrue(other.err().contains("not run: ") && other.err().contains("another spec")
                && other.err().contains("\"trainSteps\":40"), other.err());
        assertTrue(other.out().contains("4 conflict, 0 complete"), other.out());
        assertEquals(before, Files.readString(plan.runDir(out, 0).resolve("run.json")), "nothing overwritten");
    }

    @Test
    void killMinus9OfOneWorkerCostsOnlyItsRunWhichTheRerunResumesToTheSameRecord(@TempDir Path dir) throws Exception {
        Path suite = SweepFixture.suite(dir, 400, 200, 50);
        Path out = dir.resolve("out");
        String[] args = {"sweep", suite.toString(), "--data", dir.resolve("data").toString(), "--out", out.toString(),
                "--only", "seed0", "--workers", "2", "--launcher", SweepFixture.launcher(2000)};
        AtomicReference<SweepFixture.Result> first = new AtomicReference<>();
        Thread t = new Thread(() -> first.set(SweepFixture.cli(args)));
        t.start();
        Path manifest = awaitManifest(out);
        SweepPlan plan = SweepPlan.load(manifest);
        RunStatus running = SweepFixture.awaitCheckpoint(plan.runDir(out, 0), 100, 60);
        ProcessHandle w = SweepFixture.worker(0).orElseThrow(() -> new AssertionError("no worker process for entry 0"));
        assertTrue(w.destroyForcibly(), "SIGKILL sent");
        t.join(120_000);
        SweepFixture.Result r = first.get();
        assertEquals(1, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("2 runs: 0 pending, 0 running, 1 interrupted, 0 failed, 0 conflict, 1 complete"), r.out());
        RunStatus killed = RunStatus.in(out, plan.runs().get(0));
        assertEquals(RunStatus.State.INTERRUPTED, killed.state());
        assertTrue(killed.step() >= running.step(), killed + " vs " + running);

        SweepFixture.Result rerun = SweepFixture.cli(args);
        assertEquals(0, rerun.code(), rerun.err() + rerun.out());
        assertTrue(rerun.err().contains("1 complete (skipped)"), rerun.err());
        assertTrue(Files.readString(manifest.getParent().resolve("logs/0.log")).contains("resuming"),
                "the rerun resumed from the checkpoint");
        Path ref = SweepFixture.reference(manifest, dir.resolve("ref"));
        assertEquals(2, SweepFixture.assertSameAsReference(manifest, out, ref));
        assertEquals(1, Json.mapper().readTree(plan.runDir(out, 0).resolve("run.json").toFile()).get("resumes").asInt());
    }

    @Test
    void stopSendsSigtermAndEveryRunCheckpointsWhereItWasThenResumes(@TempDir Path dir) throws Exception {
        // checkpoints only at the end: a checkpoint mid-run can only come from the SIGTERM handler
        Path suite = SweepFixture.suite(dir, 600, 600, 0);
        Path out = dir.resolve("out");
        Path data = dir.resolve("data");
        SweepFixture.Result dry = SweepFixture.cli("sweep", suite.toString(), "--data", data.toString(), "--out", out.toString(),
                "--only", FakeTask.GC, "--dry-run");
        assertEquals(0, dry.code(), dry.err());
        assertTrue(dry.out().contains("2 runs") && !Files.exists(out), "a dry run lists and writes nothing: " + dry.out());
        // a plan and its datasets, as the sweep command makes them, then the executor itself
        SweepFixture.Result prep = SweepFixture.cli("sweep", suite.toString(), "--data", data.toString(), "--out",
                out.toString(), "--only", FakeTask.GC, "--workers", "1", "--launcher", SweepFixture.launcher(0),
                "--set", "lr=0.05");
        assertEquals(0, prep.code(), prep.err() + prep.out());
        Path manifest = SweepPlan.manifests(out).get(0);
        SweepPlan plan = SweepPlan.load(manifest);
        Path out2 = dir.resolve("out2");
        Path manifest2 = plan.save(out2);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LocalExecutor ex = new LocalExecutor(WorkerCommand.parse(SweepFixture.launcher(5000)), 2, 1, 30,
                new PrintStream(log, true, StandardCharsets.UTF_8), null);
        Thread t = new Thread(() -> {
            try {
                ex.execute(manifest2, plan, List.of(0, 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        t.start();
        for (int i : List.of(0, 1)) {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (RunStatus.in(out2, plan.runs().get(i)).state() != RunStatus.State.RUNNING && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }
        Thread.sleep(1000); // both are training: 600 updates take 3 s
        ex.stop();
        t.join(60_000);
        for (int i : List.of(0, 1)) {
            RunStatus s = RunStatus.in(out2, plan.runs().get(i));
            assertEquals(RunStatus.State.INTERRUPTED, s.state(), log.toString(StandardCharsets.UTF_8));
            assertTrue(s.step() > 0 && s.step() < 600, "checkpoint written on SIGTERM at step " + s.step());
        }
        Map<Integer, RunStatus> done = new LocalExecutor(WorkerCommand.parse(SweepFixture.launcher(0)), 2, 1, 30, null, null)
                .execute(manifest2, plan, List.of(0, 1));
        for (RunStatus s : done.values()) assertEquals(RunStatus.State.COMPLETE, s.state());
        assertEquals(2, SweepFixture.assertSameAsReference(manifest2, out2, out));
        assertTrue(RunStop.NEVER != null);
    }

    private static Path awaitManifest(Path out) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            List<Path> ms = SweepPlan.manifests(out);
            if (!ms.isEmpty()) return ms.get(0);
            Thread.sleep(20);
        }
        throw new AssertionError("no manifest under " + out);
    }
}
