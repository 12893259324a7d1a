package flowbench.harness.sweep;

import flowbench.harness.io.Json;
import flowbench.testkit.Requirement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Slurm executor against a real single-node Slurm (slurmctld, slurmd and munged started here by
 * docs/slurm/single-node.sh, stopped by PID afterwards). Skips without Slurm or root; fails when FLOWBENCH_REQUIRE
 * lists slurm (CI).
 */
class SlurmSweepTest {
    static final Path SCRIPT = Path.of("..", "docs", "slurm", "single-node.sh").toAbsolutePath().normalize();
    static Path state;

    @BeforeAll
    static void startSlurm() throws Exception {
        boolean tools = Files.isExecutable(Path.of("/usr/sbin/slurmctld")) && Files.isExecutable(Path.of("/usr/sbin/slurmd"))
                && Files.isExecutable(Path.of("/usr/bin/sbatch")) && Files.isExecutable(Path.of("/usr/sbin/munged"));
        Requirement.SLURM.assume(tools, "Slurm (slurm-wlm) and munge");
        boolean root = "0".equals(run(List.of("id", "-u")).strip());
        Requirement.SLURM.assume(root, "root (the test starts slurmctld and slurmd as root)");
        state = Files.createTempDirectory("flowbench-slurm");
        String out = run(List.of("bash", SCRIPT.toString(), "start", state.toString()));
        if (!out.contains("idle")) fail("single-node Slurm did not start: " + out);
    }

    @AfterAll
    static void stopSlurm() throws Exception {
        if (state == null) return;
        run(List.of("scancel", "--full", "--user=root"));
        run(List.of("bash", SCRIPT.toString(), "stop", state.toString()));
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) p.destroyForcibly();
        return out;
    }

    @Test
    void anArraySweepGivesTheLocalExecutorsRecordsAndReportsTheFailedTaskWithItsMessage(@TempDir Path dir) throws Exception {
        Path suite = SweepFixture.suite(dir, 40, 20, 10);
        String data = dir.resolve("data").toString();
        Path local = dir.resolve("local"), slurm = dir.resolve("slurm");
        SweepFixture.Result l = SweepFixture.cli("sweep", suite.toString(), "--data", data, "--out", local.toString(),
                "--set", "lr=[0.05,-1]", "--workers", "2", "--launcher", SweepFixture.launcher(0));
        assertEquals(1, l.code(), l.err());
        SweepFixture.Result s = SweepFixture.cli("sweep", suite.toString(), "--data", data, "--out", slurm.toString(),
                "--set", "lr=[0.05,-1]", "--executor", "slurm", "--wait", "--time", "10", "--launcher", SweepFixture.launcher(0));
        assertEquals(1, s.code(), s.err() + s.out());
        assertTrue(s.out().contains("8 runs: 0 pending, 0 running, 0 interrupted, 4 failed, 0 conflict, 4 complete"), s.out());
        assertTrue(s.out().contains("lr must be > 0"), "the failed tasks' message: " + s.out());
        Path manifest = SweepFixture.manifest(slurm);
        assertEquals(4, SweepFixture.assertSameAsReference(manifest, slurm, local));
        String script = Files.readString(manifest.getParent().resolve("slurm/submit-1.sh"));
        assertTrue(script.contains("#SBATCH --array=0-7") && script.contains("#SBATCH --time=10")
                && script.contains("#SBATCH --signal=B:USR1@120"), script);
        List<Path> logs;
        try (var st = Files.list(manifest.getParent().resolve("logs"))) {
            logs = st.toList();
        }
        assertTrue(logs.stream().anyMatch(p -> p.getFileName().toString().startsWith("report-")), "the report job ran: " + logs);
    }

    @Test
    void scancelCheckpointsTheRunAndResubmissionResumesItToTheSameRecord(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Path manifest = submitOneSlowRun(dir, out, "seed0");
        SweepPlan plan = SweepPlan.load(manifest);
        String job = SlurmExecutor.submissions(manifest).get(0).arrayJob();
        run(List.of("scancel", job));
        awaitGone(job);
        RunStatus st = RunStatus.in(out, plan.runs().get(0));
        assertEquals(RunStatus.State.INTERRUPTED, st.state(), "after scancel");
        assertTrue(st.step() > 0 && st.step() < 800, "SIGTERM checkpoint at step " + st.step());

        SweepFixture.Result r = SweepFixture.cli("sweep", "--executor", "slurm", "--wait", "--launcher",
                SweepFixture.launcher(0), "resubmit", out.toString(), "--interrupted");
        assertEquals(0, r.code(), r.err() + r.out());
        assertEquals(RunStatus.State.COMPLETE, RunStatus.in(out, plan.runs().get(0)).state());
        Path ref = SweepFixture.reference(manifest, dir.resolve("ref"));
        assertEquals(1, SweepFixture.assertSameAsReference(manifest, out, ref));
        assertEquals(1, Json.mapper().readTree(plan.runDir(out, 0).resolve("run.json").toFile()).get("resumes").asInt());
    }

    @Test
    void theTimeLimitWarningCheckpointsAndTheTaskRequeuesItselfAndFinishes(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        Path manifest = submitOneSlowRun(dir, out, "seed1");
        SweepPlan plan = SweepPlan.load(manifest);
        String job = SlurmExecutor.submissions(manifest).get(0).arrayJob();
        // what Slurm sends signalGrace seconds before the time limit (--signal=B:USR1@N), sent now
        run(List.of("scancel", "--batch", "--signal=USR1", job + "_0"));
        // Slurm holds a requeued task until its old credential expires (cred_expire + 1 s: 11 s with
        // docs/slurm/single-node.sh, 121 s by default); what matters is the record, however the queue shows the task
        StringBuilder seen = new StringBuilder(run(List.of("squeue", "-h", "-o", "%i %T %r", "-j", job)).strip());
        long done = System.nanoTime() + 240_000_000_000L;
        while (RunStatus.in(out, plan.runs().get(0)).state() != RunStatus.State.COMPLETE && System.nanoTime() < done) {
            Thread.sleep(200);
        }
        awaitGone(job);
        // the requeued task may log under another job id (%A): read every log of array task 0
        StringBuilder logs = new StringBuilder();
        try (var st = Files.list(manifest.getParent().resolve("logs"))) {
            for (Path p : st.filter(p -> p.getFileName().toString().startsWith("0-")).sorted().toList()) {
                logs.append(Files.readString(p));
            }
        }
        String log = logs.toString();
        assertEquals(RunStatus.State.COMPLETE, RunStatus.in(out, plan.runs().get(0)).state(), seen + "\n" + log);
        assertTrue(log.contains("requeueing") && log.contains("resuming"), log);
        Path ref = SweepFixture.reference(manifest, dir.resolve("ref"));
        assertEquals(1, SweepFixture.assertSameAsReference(manifest, out, ref));
        assertEquals(1, Json.mapper().readTree(plan.runDir(out, 0).resolve("run.json").toFile()).get("resumes").asInt());
    }

    /**
     * Submits one 800-update run (5 ms per update) that checkpoints only at its end, so a checkpoint mid-run can only
     * come from a signal; returns its manifest once the run is training.
     */
    private static Path submitOneSlowRun(Path dir, Path out, String seed) throws Exception {
        Path suite = SweepFixture.suite(dir, 800, 800, 0);
        SweepFixture.Result s = SweepFixture.cli("sweep", suite.toString(), "--data", dir.resolve("data").toString(), "--out",
                out.toString(), "--only", "fake-point-v0/*/" + seed, "--executor", "slurm", "--no-report-job",
                "--launcher", SweepFixture.launcher(5000));
        assertEquals(0, s.code(), s.err() + s.out());
        Path manifest = SweepFixture.manifest(out);
        SweepPlan plan = SweepPlan.load(manifest);
        assertEquals(1, plan.runs().size());
        awaitTraining(plan.runDir(out, 0));
        return manifest;
    }

    private static void awaitTraining(Path runDir) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (RunStatus.of(runDir, (flowbench.harness.protocol.RunSpec) null).state() != RunStatus.State.RUNNING) {
            if (System.nanoTime() > deadline) fail("the task never started training in " + runDir);
            Thread.sleep(50);
        }
        Thread.sleep(1500); // 800 updates take 4 s
    }

    private static void awaitGone(String job) throws Exception {
        long deadline = System.nanoTime() + 180_000_000_000L;
        // a requeued task can vanish from squeue for a moment: gone means gone ten times in a row
        for (int quiet = 0; quiet < 10; ) {
            if (System.nanoTime() > deadline) fail("job " + job + " still in the queue after 180 s");
            quiet = SlurmExecutor.active(List.of(job)) ? 0 : quiet + 1;
            Thread.sleep(200);
        }
    }
}
