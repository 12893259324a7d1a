package flowbench.harness.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stop request (SIGTERM) checkpoints at the current step, and resuming from there gives the uninterrupted record. */
class RunStopTest {
    @Test
    void aStoppedRunCheckpointsWhereItStoppedAndResumesToTheSameRecord(@TempDir Path dir) throws Exception {
        Path data = RunFixture.generateData(dir.resolve("data"), 1);
        RunSpec spec = RunFixture.spec(data);
        Runner runner = new Runner(RunFixture.REGISTRY);
        Path clean = runner.run(spec, dir.resolve("clean"), RunOptions.defaults()).runDir();

        RunStop stop = new RunStop();
        // step 37 is neither an evaluation (every 20) nor a scheduled checkpoint (every 15)
        RunHooks requestAt37 = new RunHooks() {
            @Override
            public void afterUpdate(long step) {
                if (step == 37) stop.request();
            }
        };
        RunStop.Stopped e = assertThrows(RunStop.Stopped.class, () -> runner.run(spec, dir.resolve("stopped"),
                RunOptions.defaults().withHooks(requestAt37).withStop(stop)));
        assertEquals(37, e.step());
        Path run = Runner.runDir(dir.resolve("stopped"), spec);
        assertEquals(List.of("step-000000000037"), RunFixture.checkpointNames(run));
        assertFalse(Json(run).get("status").asText().equals(RunRecord.COMPLETE));

        RunOutcome resumed = runner.run(spec, dir.resolve("stopped"), RunOptions.defaults());
        assertEquals(37, resumed.resumedFromStep());
        assertEquals(List.of(), RunFixture.differences(RunFixture.comparable(clean), RunFixture.comparable(run)));
        assertEquals(RunFixture.trainRows(clean), RunFixture.trainRows(run));
        assertEquals(Files.readString(clean.resolve(Runner.EVAL_CSV)), Files.readString(run.resolve(Runner.EVAL_CSV)));
    }

    @Test
    void requestAndWaitReturnsOnceEveryWatchingRunHasEnded(@TempDir Path dir) throws Exception {
        Path data = RunFixture.generateData(dir.resolve("data"), 1);
        RunSpec spec = RunFixture.spec(data);
        RunStop stop = new RunStop();
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        RunHooks slow = new RunHooks() {
            @Override
            public void afterUpdate(long step) {
                started.countDown();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        Thread t = new Thread(() -> {
            try {
                new Runner(RunFixture.REGISTRY).run(spec, dir.resolve("out"), RunOptions.defaults().withHooks(slow).withStop(stop));
            } catch (RunStop.Stopped expected) {
                // the point of the test
            } catch (Exception other) {
                throw new AssertionError(other);
            }
        });
        t.start();
        assertTrue(started.await(30, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(stop.requestAndWait(30), "the run ended within the grace time");
        t.join(10_000);
        assertFalse(t.isAlive());
        Path ck = Runner.runDir(dir.resolve("out"), spec).resolve(Runner.CHECKPOINTS);
        assertEquals(1, RunFixture.checkpointNames(Runner.runDir(dir.resolve("out"), spec)).size(), String.valueOf(ck));
        assertTrue(RunStop.NEVER.requestAndWait(0.1), "nothing watches NEVER");
        assertFalse(RunStop.NEVER.requested(), "NEVER is never requested");
    }

    private static JsonNode Json(Path run) throws Exception {
        return flowbench.harness.io.Json.mapper().readTree(run.resolve(Runner.RUN_JSON).toFile());
    }
}
