package flowbench.tasks.ogbench;

import flowbench.harness.agent.Policy;
import flowbench.harness.env.Environment;
import flowbench.harness.env.Relabeler;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.protocol.EpisodeOutcome;
import flowbench.harness.protocol.Evaluation;
import flowbench.harness.protocol.Evaluator;
import flowbench.harness.protocol.TaskEvaluation;
import flowbench.harness.rng.Rng;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static flowbench.tasks.ogbench.BridgeTestSupport.bridgePython;
import static flowbench.tasks.ogbench.BridgeTestSupport.task;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The protocol against the real bridge (skipped when it is not installed): handshake, errors, relabelling, evaluation. */
class OgbenchBridgeTest {
    @BeforeEach
    void needsTheBridge() {
        bridgePython(); // skips (or fails under FLOWBENCH_REQUIRE=ogbench) when the bridge is not installed
    }

    @Test
    void handshakeReportsOgbenchsOwnFieldsAndCloseStopsTheProcess() {
        OgbenchTask t = task("pointmaze-medium-navigate-singletask-task3-v0");
        OgbenchBridgeClient b = BridgeTestSupport.start(t, 2);
        OgbenchBridgeClient.Handshake h = b.handshake();
        assertEquals(OgbenchBridgeClient.PROTOCOL_VERSION, h.protocolVersion());
        assertEquals("1.2.2", h.ogbenchVersion());
        assertEquals("pointmaze-medium-singletask-task3-v0", h.gymId());
        assertEquals("pre", h.successTiming());
        assertEquals(3, h.singleTaskId());
        OgbenchBridgeClient.ResetReply r = b.reset(3, new long[]{1, 2});
        assertEquals(4, r.observations().length);
        assertEquals(0, r.goals().length);
        OgbenchBridgeClient.StepReply s = b.step(new float[]{1, 0, 0, 1}, 2);
        // single-task maze reward: success - 1, and -1 until the goal is reached
        assertArrayEquals(new float[]{-1, -1}, s.rewards());
        // a larger batch than the handshake's builds more envs; episode 0 with seed 1 replays whatever the batch
        OgbenchBridgeClient.ResetReply grown = b.reset(3, new long[]{1, 5, 6});
        assertEquals(6, grown.observations().length);
        assertArrayEquals(BridgeTestSupport.row(r.observations(), 0, 2), BridgeTestSupport.row(grown.observations(), 0, 2));
        OgbenchBridgeClient.ResetReply one = b.reset(3, new long[]{5});
        assertArrayEquals(BridgeTestSupport.row(grown.observations(), 1, 2), one.observations());
        assertEquals(1, b.step(new float[2], 1).rewards().length);
        ProcessHandle p = b.process().toHandle();
        b.close();
        assertFalse(p.isAlive(), "close() stops the bridge");
        String m = assertThrows(OgbenchBridgeException.class, () -> b.step(new float[4], 2)).getMessage();
        assertTrue(m.contains("is closed"), m);
    }

    @Test
    void wrongTaskIsRefusedByName() {
        OgbenchTask t = task("puzzle-3x3-play-singletask-task2-v0");
        // an env OGBench does not have
        OgbenchBridgeClient.Expected bogus = new OgbenchBridgeClient.Expected("puzzle-3x3-play-singletask-task9-v0",
                t.mode(), t.spec(), t.successTiming(), 9, 5);
        String m = assertThrows(OgbenchBridgeException.class, () -> OgbenchBridgeClient.start(
                OgbenchBridgeClient.command(bridgePython()), bogus, 1, OgbenchBridgeClient.Timeouts.defaults(),
                OgbenchBridgeClient.PROTOCOL_VERSION)).getMessage();
        assertTrue(m.contains("puzzle-3x3-play-singletask-task9-v0") && m.contains("OGBench refused the handshake"), m);
        assertTrue(m.contains("task9"), m);

        // the env exists but is another task than the one expected (a maze: quick to build)
        OgbenchTask maze = task("pointmaze-medium-navigate-singletask-task2-v0");
        OgbenchBridgeClient.Expected other = new OgbenchBridgeClient.Expected("pointmaze-medium-navigate-singletask-task3-v0",
                maze.mode(), maze.spec(), maze.successTiming(), 2, 5);
        m = assertThrows(OgbenchBridgeException.class, () -> OgbenchBridgeClient.start(
                OgbenchBridgeClient.command(bridgePython()), other, 1, OgbenchBridgeClient.Timeouts.defaults(),
                OgbenchBridgeClient.PROTOCOL_VERSION)).getMessage();
        assertTrue(m.contains("single-task id (0 = goal-conditioned): expected 2, bridge reports 3"), m);

        // a reset for another task id than the single-task env's own
        try (OgbenchBridgeClient b = BridgeTestSupport.start(maze, 1)) {
            m = assertThrows(OgbenchBridgeException.class, () -> b.reset(3, new long[]{0})).getMessage();
            assertTrue(m.contains("task id 3 requested") && m.contains("single-task with task 2"), m);
        }
        // the Java environment refuses it before asking the bridge
        try (Environment env = maze.newEnvironment()) {
            assertThrows(IllegalArgumentException.class, () -> env.reset(3, new long[]{0}));
        }
    }

    @Test
    void bridgeRefusesAnotherProtocolVersion() {
        OgbenchTask t = task("pointmaze-medium-navigate-v0");
        String m = assertThrows(OgbenchBridgeException.class, () -> OgbenchBridgeClient.start(
                OgbenchBridgeClient.command(bridgePython()), t.expected(), 1,
                OgbenchBridgeClient.Timeouts.defaults(), 99)).getMessage();
        assertTrue(m.contains("protocol version mismatch: client speaks 99, this bridge speaks 1"), m);
    }

    @Test
    void killedBridgeIsReportedWithItsSignal() throws Exception {
        OgbenchTask t = task("pointmaze-medium-navigate-v0");
        OgbenchEnvironment env = new OgbenchEnvironment(t, OgbenchBridgeClient.Timeouts.uniform(Duration.ofSeconds(60)));
        env.reset(1, new long[]{1, 2, 3});
        env.step(new float[6]);
        Process p = env.bridge().process();
        p.destroyForcibly();
        p.waitFor();
        String m = assertThrows(OgbenchBridgeException.class, () -> env.step(new float[6])).getMessage();
        assertTrue(m.contains("exited with code 137 (killed by signal 9) during STEP"), m);
        env.close();
    }

    @Test
    void relabelsLikeOgbenchSingleTaskRewards() {
        // pointmaze-medium task1: goal cell (6,6), centre (20, 20), success radius 1.0 (success - 1 rewards)
        Relabeler maze = task("pointmaze-medium-navigate-singletask-task1-v0").relabeler();
        int rows = OgbenchBridgeClient.RELABEL_CHUNK_ROWS + 1000; // crosses a chunk boundary
        float[] qpos = new float[2 * rows];
        for (int i = 0; i < rows; i++) {
            float[][] pattern = {{20f, 20f}, {20.99f, 20f}, {21.01f, 20f}, {0f, 0f}, {20f, 19.2f}};
            qpos[2 * i] = pattern[i % 5][0];
            qpos[2 * i + 1] = pattern[i % 5][1];
        }
        float[] rewards = new float[rows];
        boolean[] success = new boolean[rows];
        maze.relabel(Map.of("qpos", qpos), rows, rewards, success);
        boolean[] want = {true, true, false, false, true};
        for (int i = 0; i < rows; i++) {
            assertEquals(want[i % 5], success[i], "row " + i);
            assertEquals(want[i % 5] ? 0f : -1f, rewards[i], "row " + i);
        }

        // puzzle-3x3 default task (task4): goal board all ones; reward = #matching - 9
        Relabeler puzzle = task("puzzle-3x3-play-singletask-v0").relabeler();
        float[][] boards = {{1, 1, 1, 1, 1, 1, 1, 1, 1}, {0, 1, 0, 1, 0, 1, 0, 1, 0}, {1, 1, 1, 1, 0, 1, 1, 1, 1}};
        float[] states = new float[27];
        for (int i = 0; i < 3; i++) System.arraycopy(boards[i], 0, states, 9 * i, 9);
        float[] r = new float[3];
        boolean[] s = new boolean[3];
        puzzle.relabel(Map.of("qpos", new float[3 * 23], "button_states", states), 3, r, s);
        assertArrayEquals(new float[]{0, -5, -1}, r);
        assertArrayEquals(new boolean[]{true, false, false}, s);

        String m = assertThrows(IllegalArgumentException.class,
                () -> puzzle.relabel(Map.of("qpos", new float[3 * 23]), 3, r, s)).getMessage();
        assertTrue(m.contains("'button_states'"), m);

        // the sparse name: the same relabelling, then r <- -[r != 0] (QAM's --sparse); success unchanged
        Relabeler sparse = task("puzzle-3x3-play-singletask-sparse-v0").relabeler();
        sparse.relabel(Map.of("qpos", new float[3 * 23], "button_states", states), 3, r, s);
        assertArrayEquals(new float[]{0, -1, -1}, r);
        assertArrayEquals(new boolean[]{true, false, false}, s);
    }

    /** A sparse single-task name steps OGBench's own env and reports -[r != 0] as the reward. */
    @Test
    void sparseNameReportsTheSparseRewardOfTheSameEnv() {
        OgbenchTask dense = task("puzzle-3x3-play-singletask-task1-v0");
        OgbenchTask sparse = task("puzzle-3x3-play-singletask-task1-sparse-v0");
        long[] seeds = {11, 12};
        float[] rd, rs;
        try (var d = dense.newEnvironment(); var sp = sparse.newEnvironment()) {
            assertArrayEquals(d.reset(1, seeds), sp.reset(1, seeds), "same env, same seeds, same start");
            float[] actions = new float[2 * dense.spec().actionDim()];
            rd = d.step(actions).rewards();
            rs = sp.step(actions).rewards();
        }
        for (int i = 0; i < 2; i++) assertEquals(rd[i] != 0f ? -1f : 0f, rs[i], "episode " + i + ": dense " + rd[i]);
    }

    /** The harness Evaluator runs unchanged on a bridge environment: lockstep batches, goals, termination, truncation. */
    @Test
    void evaluatorRunsOnTheBridge() {
        OgbenchTask t = task("pointmaze-medium-navigate-v0");
        // heads straight for the goal: on medium task 1 it slides along the walls into the goal (about 120 steps);
        // tasks 3..5 trap it against a wall until the time limit
        Policy straight = new Policy() {
            @Override
            public int chunkLength() {
                return 2;
            }

            @Override
            public float[] act(float[] obs, float[] goals, int batch, Rng rng) {
                float[] out = new float[batch * 2 * 2];
                for (int i = 0; i < batch; i++) {
                    for (int k = 0; k < 2; k++) {
                        for (int d = 0; d < 2; d++) out[(i * 2 + k) * 2 + d] = 5 * (goals[i * 2 + d] - obs[i * 2 + d]);
                    }
                }
                return out;
            }
        };
        Evaluator ev = new Evaluator(t, 1, 2, 3);
        try (Environment env = t.newEnvironment()) {
            TaskEvaluation te = ev.evaluateTask(env, "straight", straight, 0, 1);
            assertEquals(3, te.episodes().size());
            for (EpisodeOutcome e : te.episodes()) {
                assertTrue(e.success() && e.terminated() && !e.truncated() && e.length() < 400, e.toString());
                assertEquals(1.0, e.episodeReturn(), "GC reward: 1 on the (final) success step, else 0");
            }
            TaskEvaluation again = ev.evaluateTask(env, "straight", straight, 0, 1);
            assertEquals(te.episodes(), again.episodes(), "the same seeds replay the same episodes");
        }
        // a full evaluation (all 5 tasks, a fresh bridge) through the public entry point
        Evaluation all;
        try (Evaluator full = new Evaluator(t, 1, 2, 2)) {
            all = full.evaluate(0, Map.of("straight", straight), ProgressListener.NONE);
        }
        var tasks = all.policies().get(0).tasks();
        assertEquals(5, tasks.size());
        assertEquals(1.0, tasks.get(0).success());
        assertEquals(0.0, tasks.get(2).success());
        for (TaskEvaluation te : tasks) {
            for (EpisodeOutcome e : te.episodes()) {
                assertTrue(e.terminated() != e.truncated(), "every episode ends one way: " + e);
                if (e.truncated()) assertEquals(t.spec().maxEpisodeSteps(), e.length());
            }
        }
    }

    @Test
    void environmentStepBeforeResetIsAnError() {
        try (Environment env = task("pointmaze-medium-navigate-v0").newEnvironment()) {
            assertThrows(IllegalStateException.class, () -> env.step(new float[2]));
        }
    }
}
