package flowbench.tasks.ogbench;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static flowbench.tasks.ogbench.BridgeTestSupport.anyPython;
import static flowbench.tasks.ogbench.BridgeTestSupport.resource;
import static flowbench.tasks.ogbench.BridgeTestSupport.task;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hung, crashed or mismatched bridge gives a clear error and never a result: fake_bridge.py (standard library only,
 * so these run wherever a python3 exists) misbehaves in each way the client must catch.
 */
class OgbenchBridgeFailureTest {
    private static final OgbenchTask PUZZLE = task("puzzle-3x3-play-singletask-task2-v0");

    private static List<String> fake(String mode, int obsDim) {
        Path py = anyPython();
        var s = PUZZLE.spec();
        return List.of(py.toString(), resource("fake_bridge.py").toString(), mode, String.valueOf(obsDim),
                String.valueOf(s.actionDim()), String.valueOf(s.goalDim()), String.valueOf(s.maxEpisodeSteps()), "pre", "2");
    }

    private static OgbenchBridgeClient start(String mode, int obsDim, Duration timeout) {
        return OgbenchBridgeClient.start(fake(mode, obsDim), PUZZLE.expected(), 2,
                OgbenchBridgeClient.Timeouts.uniform(timeout), OgbenchBridgeClient.PROTOCOL_VERSION);
    }

    private static String message(Runnable r) {
        return assertThrows(OgbenchBridgeException.class, r::run).getMessage();
    }

    @Test
    void hungBridgeTimesOutInsteadOfBlocking() {
        long t0 = System.nanoTime();
        String m = message(() -> start("hang-hello", 55, Duration.ofSeconds(2)));
        double s = (System.nanoTime() - t0) / 1e9;
        assertTrue(m.contains("no answer to the handshake within 2.0 s (hung?)"), m);
        assertTrue(s < 20, "the deadline should end the wait, took " + s + " s");
    }

    @Test
    void hungStepTimesOutAndTheBridgeIsKilled() {
        OgbenchBridgeClient b = start("hang-step", 55, Duration.ofSeconds(2));
        b.reset(2, new long[]{1, 2});
        String m = message(() -> b.step(new float[2 * 5], 2));
        assertTrue(m.contains("no answer to STEP within 2.0 s"), m);
        assertFalse(b.process().isAlive(), "a hung bridge is killed");
        String again = message(() -> b.step(new float[2 * 5], 2));
        assertTrue(again.contains("unusable after an earlier failure"), again);
        b.close();
    }

    @Test
    void crashedBridgeReportsExitCodeAndStderr() {
        String m = message(() -> start("crash-hello", 55, Duration.ofSeconds(30)));
        assertTrue(m.contains("exited with code 3"), m);
        assertTrue(m.contains("fake bridge crashed on purpose"), "stderr tail in the message: " + m);

        OgbenchBridgeClient b = start("crash-step", 55, Duration.ofSeconds(30));
        b.reset(2, new long[]{1, 2});
        String s = message(() -> b.step(new float[2 * 5], 2));
        assertTrue(s.contains("exited with code 7") && s.contains("during STEP"), s);
        assertTrue(s.contains("segfault in MuJoCo (pretend)"), s);
        b.close();
    }

    @Test
    void wrongProtocolVersionOrMagicIsRefused() {
        String v = message(() -> start("bad-version", 55, Duration.ofSeconds(30)));
        assertTrue(v.contains("protocol version mismatch") && v.contains("replied with version 2"), v);
        assertTrue(v.contains("ogbench-bridge/install"), v);
        String m = message(() -> start("bad-magic", 55, Duration.ofSeconds(30)));
        assertTrue(m.contains("not the flowbench OGBench bridge"), m);
    }

    @Test
    void mismatchedHandshakeNamesEveryExpectedAndReportedValue() {
        String m = message(() -> start("old-ogbench", 99, Duration.ofSeconds(30)));
        assertTrue(m.contains("OGBench version: expected 1.2.2, bridge reports 1.1.0"), m);
        assertTrue(m.contains("obs dim: expected 55, bridge reports 99"), m);
        assertTrue(m.contains("puzzle-3x3-play-singletask-task2-v0"), m);
    }

    @Test
    void missingInterpreterSaysHowToInstall() {
        String m = message(() -> OgbenchBridgeClient.start(List.of("/nonexistent/.venv-ogbench/bin/python", "-m",
                        "flowbench_ogbench.serve"), PUZZLE.expected(), 1, OgbenchBridgeClient.Timeouts.uniform(Duration.ofSeconds(5)),
                OgbenchBridgeClient.PROTOCOL_VERSION));
        assertTrue(m.contains("cannot start") && m.contains("ogbench-bridge/install"), m);
    }
}
