package flowbench.harness.external;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.protocol.RunFixture;
import flowbench.harness.protocol.RunHooks;
import flowbench.harness.protocol.RunOptions;
import flowbench.harness.protocol.RunOutcome;
import flowbench.harness.protocol.RunSpec;
import flowbench.harness.protocol.Runner;
import flowbench.harness.testing.FakeTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of the harness while an external learner trains: the learner, whose stdin closes, exits by itself (no
 * orphan keeps training), and the same run started again resumes from its last checkpoint to the record of an
 * uninterrupted run.
 */
class ExternalKillTest {
    @TempDir
    Path tmp;

    static RunSpec spec(Path data) {
        return new RunSpec("scripted-mean", FakeTask.GC, data.toString(), 7, "cpu", Map.of(), ExternalRunTest.PROTOCOL);
    }

    static RunOutcome run(Path data, Path out, String marker, RunOptions options) throws Exception {
        ExternalAlgorithm ext = ExternalAlgorithm.start(ScriptedLearner.command("ok", 0, marker), data, Duration.ofSeconds(120),
                null, Set.copyOf(RunFixture.REGISTRY.algorithmNames()));
        try {
            return new Runner(RunFixture.REGISTRY.withAlgorithm(ext)).run(spec(data), out, options);
        } finally {
            ext.closeIdle();
        }
    }

    /** Child harness: the run, slowed to 100 ms per update so that the kill lands mid-training. */
    public static void main(String[] args) throws Exception {
        RunHooks slow = new RunHooks() {
            @Override
            public void afterUpdate(long step) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        run(Path.of(args[1]), Path.of(args[0]), args[2], RunOptions.defaults().withHooks(slow));
    }

    @Test
    void killMinus9OfTheHarnessLeavesNoLearnerAndTheRunResumes() throws Exception {
        Path data = RunFixture.generateData(tmp.resolve("data"), 0);
        RunOutcome ref = run(data, tmp.resolve("ref"), "", RunOptions.defaults());
        Path out = tmp.resolve("killed");
        String marker = "marker-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process harness = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), ExternalKillTest.class.getName(),
                out.toString(), data.toString(), marker).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("child.log").toFile())).start();
        // wait for the checkpoint at step 15, then SIGKILL: no shutdown hook, no finally block runs
        Path ckpt = Runner.runDir(out, spec(data)).resolve(Runner.CHECKPOINTS).resolve("step-000000000015");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.isDirectory(ckpt) && System.nanoTime() < deadline && harness.isAlive()) Thread.sleep(50);
        assertTrue(Files.isDirectory(ckpt), "no checkpoint at 15 within 2 minutes; child log:\n" + Files.readString(tmp.resolve("child.log")));
        assertTrue(harness.isAlive(), "the child harness finished before the kill");
        harness.destroyForcibly();
        harness.waitFor();
        // the learner sees end of file on its stdin and exits
        long gone = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (learners(marker) > 0 && System.nanoTime() < gone) Thread.sleep(100);
        assertEquals(0, learners(marker), "the learner outlived the killed harness");
        RunOutcome resumed = run(data, out, "", RunOptions.defaults());
        assertTrue(resumed.resumedFromStep() >= 15, "resumed from step " + resumed.resumedFromStep());
        JsonNode a = RunFixture.comparable(ref.runDir());
        JsonNode b = RunFixture.comparable(resumed.runDir());
        ((ObjectNode) a).remove(List.of("machine", "external"));
        ((ObjectNode) b).remove(List.of("machine", "external"));
        assertEquals(List.of(), RunFixture.differences(a, b));
        assertEquals(RunFixture.trainRows(ref.runDir()), RunFixture.trainRows(resumed.runDir()));
        assertEquals(Files.readString(ref.runDir().resolve(Runner.EVAL_CSV)), Files.readString(resumed.runDir().resolve(Runner.EVAL_CSV)));
    }

    private static long learners(String marker) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .count();
    }
}
