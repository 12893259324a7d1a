package flowbench.tasks.ogbench;

import flowbench.harness.agent.Policy;
import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.Relabeler;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.protocol.EpisodeOutcome;
import flowbench.harness.protocol.Evaluation;
import flowbench.harness.protocol.Evaluator;
import flowbench.harness.protocol.PolicyEvaluation;
import flowbench.harness.protocol.TaskEvaluation;
import flowbench.harness.rng.Rng;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static flowbench.tasks.ogbench.BridgeTestSupport.anyPython;
import static flowbench.tasks.ogbench.BridgeTestSupport.bridgePython;
import static flowbench.tasks.ogbench.BridgeTestSupport.resource;
import static flowbench.tasks.ogbench.BridgeTestSupport.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One OGBench environment (one bridge process, its env instances) kept by an {@link Evaluator} across evaluations, as a
 * run keeps it: episodes replay bit for bit on used env instances, a bridge that fails during a later evaluation fails
 * it as clearly as before, and a bridge process that exited between evaluations is replaced once, transparently.
 * The real-bridge tests skip without the bridge (fail under FLOWBENCH_REQUIRE=ogbench); the stand-in bridge tests
 * need any python3.
 */
class OgbenchKeptEnvironmentTest {
    /** The task, with its environments made by {@code factory} and remembered (so tests can reach their bridges). */
    static final class Tracked implements Task {
        final OgbenchTask inner;
        final Function<OgbenchTask, OgbenchEnvironment> factory;
        final List<OgbenchEnvironment> made = new ArrayList<>();

        Tracked(OgbenchTask inner, Function<OgbenchTask, OgbenchEnvironment> factory) {
            this.inner = inner;
            this.factory = factory;
        }

        @Override public String name() { return inner.name(); }
        @Override public String datasetName() { return inner.datasetName(); }
        @Override public TaskMode mode() { return inner.mode(); }
        @Override public SuccessTiming successTiming() { return inner.successTiming(); }
        @Override public EnvSpec spec() { return inner.spec(); }
        @Override public List<Integer> evaluationTaskIds() { return inner.evaluationTaskIds(); }
        @Override public String rewardMode() { return inner.rewardMode(); }
        @Override public Relabeler relabeler() { return inner.relabeler(); }

        @Override
        public Environment newEnvironment() {
            OgbenchEnvironment env = factory.apply(inner);
            made.add(env);
            return env;
        }

        OgbenchEnvironment last() {
            return made.get(made.size() - 1);
        }
    }

    /** Passes every query to {@code inner} and hashes what the policy sees: each observation and goal, bit for bit. */
    static final class Recording implements Policy {
        final Policy inner;
        final MessageDigest sha;

        Recording(Policy inner) {
            this.inner = inner;
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public int chunkLength() {
            return inner.chunkLength();
        }

        @Override
        public float[] act(float[] obs, float[] goals, int batch, Rng rng) {
            ByteBuffer b = ByteBuffer.allocate(4 + 4 * (obs.length + goals.length)).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(batch);
            for (float x : obs) b.putInt(Float.floatToRawIntBits(x));
            for (float x : goals) b.putInt(Float.floatToRawIntBits(x));
            sha.update(b.array());
            return inner.act(obs, goals, batch, rng);
        }

        String digest() {
            return HexFormat.of().formatHex(sha.digest());
        }
    }

    /** Uniform random actions from the evaluator's noise stream (chunk 1). */
    static Policy random(int ad) {
        return new Policy() {
            @Override
            public int chunkLength() {
                return 1;
            }

            @Override
            public float[] act(float[] obs, float[] goals, int batch, Rng rng) {
                float[] a = new float[batch * ad];
                for (int i = 0; i < a.length; i++) a[i] = (float) rng.uniform(-1, 1);
                return a;
            }
        };
    }

    /** A deterministic function of the observation (chunk 2), so the path depends on every state it sees. */
    static Policy servo(int od, int ad) {
        return new Policy() {
            @Override
            public int chunkLength() {
                return 2;
            }

            @Override
            public float[] act(float[] obs, float[] goals, int batch, Rng rng) {
                float[] a = new float[batch * 2 * ad];
                for (int i = 0; i < batch; i++) {
                    for (int k = 0; k < 2; k++) {
                        for (int d = 0; d < ad; d++) {
                            a[(i * 2 + k) * ad + d] = (float) Math.sin(3 * obs[i * od + (d + k) % od] + d);
                        }
                    }
                }
                return a;
            }
        };
    }

    /** One evaluation's outcomes and, per policy, the digest of every observation and goal the policy saw. */
    record Result(Evaluation evaluation, Map<String, String> seen) {}

    static Result evaluate(Evaluator ev, long step, EnvSpec spec) {
        Map<String, Recording> policies = new LinkedHashMap<>();
        policies.put("random", new Recording(random(spec.actionDim())));
        policies.put("servo", new Recording(servo(spec.obsDim(), spec.actionDim())));
        Evaluation e = ev.evaluate(step, new LinkedHashMap<>(policies), ProgressListener.NONE);
        Map<String, String> seen = new LinkedHashMap<>();
        policies.forEach((name, p) -> seen.put(name, p.digest()));
        return new Result(e, seen);
    }

    /** Every per-episode outcome equal, and every observation and goal the policies saw. */
    static void assertSame(Result want, Result got, String what) {
        assertEquals(want.seen(), got.seen(), what + ": observations and goals seen by the policies");
        List<PolicyEvaluation> a = want.evaluation().policies(), b = got.evaluation().policies();
        assertEquals(a.size(), b.size());
        for (int p = 0; p < a.size(); p++) {
            for (int t = 0; t < a.get(p).tasks().size(); t++) {
                TaskEvaluation ta = a.get(p).tasks().get(t), tb = b.get(p).tasks().get(t);
                for (int i = 0; i < ta.episodes().size(); i++) {
                    EpisodeOutcome ea = ta.episodes().get(i), eb = tb.episodes().get(i);
                    assertEquals(ea, eb, what + ": policy " + a.get(p).policy() + ", task " + ta.taskId() + ", episode " + i);
                    assertEquals(Double.doubleToRawLongBits(ea.episodeReturn()), Double.doubleToRawLongBits(eb.episodeReturn()));
                }
            }
        }
        assertEquals(want.evaluation(), got.evaluation(), what);
    }

    /**
     * The same evaluation twice on one kept environment (the second on env instances that ran every episode of the
     * first, of both policies and every evaluation task) and once on a fresh one: every observation, goal and outcome
     * is the same.
     */
    private static void keptEqualsFresh(String name, int episodes) {
        bridgePython();
        OgbenchTask t = task(name);
        Tracked kept = new Tracked(t, OgbenchEnvironment::new);
        Result first, second;
        try (Evaluator ev = new Evaluator(kept, 11, 12, episodes)) {
            first = evaluate(ev, 3, t.spec());
            second = evaluate(ev, 3, t.spec());
            assertEquals(1, kept.made.size(), "one environment for both evaluations");
        }
        assertNull(kept.last().bridge(), "closing the evaluator stops the bridge");
        Result fresh;
        try (Evaluator ev = new Evaluator(t, 11, 12, episodes)) {
            fresh = evaluate(ev, 3, t.spec());
        }
        assertSame(first, second, name + ": again on the kept environment");
        assertSame(fresh, first, name + ": kept environment vs a fresh one");
        int steps = 0;
        for (PolicyEvaluation pe : first.evaluation().policies()) {
            for (TaskEvaluation te : pe.tasks()) for (EpisodeOutcome e : te.episodes()) steps += e.length();
        }
        assertTrue(steps > 100, name + ": the episodes ran (" + steps + " steps)");
    }

    @Test
    void keptCubeEnvironmentReplaysEveryEpisodeBitForBit() {
        keptEqualsFresh("cube-single-play-v0", 2); // goal-conditioned: 5 evaluation tasks on the same instances
    }

    @Test
    void keptPuzzleEnvironmentReplaysEveryEpisodeBitForBit() {
        keptEqualsFresh("puzzle-3x3-play-singletask-task1-v0", 2);
    }

    /** A real bridge killed between evaluations: replaced once with the same results, a second kill fails clearly. */
    @Test
    void realBridgeKilledBetweenEvaluationsIsReplacedOnce() throws Exception {
        bridgePython();
        OgbenchTask t = task("pointmaze-medium-navigate-singletask-task1-v0");
        Tracked kept = new Tracked(t, OgbenchEnvironment::new);
        try (Evaluator ev = new Evaluator(kept, 1, 2, 2)) {
            Result a = evaluate(ev, 5, t.spec());
            Process p = kept.last().bridge().process();
            p.destroyForcibly();
            p.waitFor();
            Result b = evaluate(ev, 5, t.spec());
            assertEquals(1, kept.made.size());
            assertEquals(1, kept.last().restarts());
            assertNotEquals(p.pid(), kept.last().bridge().pid(), "a new process");
            assertSame(a, b, "after the restart");
            Process q = kept.last().bridge().process();
            q.destroyForcibly();
            q.waitFor();
            String m = assertThrows(OgbenchBridgeException.class, () -> evaluate(ev, 5, t.spec())).getMessage();
            assertTrue(m.contains("exited with code 137 (killed by signal 9) while idle"), m);
            assertTrue(m.contains("already been restarted 1 time(s)"), m);
        }
    }

    // ------------------------------------------------------------------------------ stand-in bridge (any python3)

    private static final OgbenchTask PUZZLE = task("puzzle-3x3-play-singletask-task2-v0");

    private static List<String> fake(String mode) {
        Path py = anyPython();
        var s = PUZZLE.spec();
        return List.of(py.toString(), resource("fake_bridge.py").toString(), mode, String.valueOf(s.obsDim()),
                String.valueOf(s.actionDim()), String.valueOf(s.goalDim()), String.valueOf(s.maxEpisodeSteps()), "pre", "2");
    }

    private static Tracked fakeTask(String mode) {
        List<String> cmd = fake(mode);
        return new Tracked(PUZZLE, t -> new OgbenchEnvironment(t, cmd, OgbenchBridgeClient.Timeouts.uniform(Duration.ofSeconds(2))));
    }

    /**
     * The first evaluation works; the bridge hangs or crashes in the second, which fails with today's message. (An
     * evaluation of the two policies on a single-task name resets twice: the stand-in misbehaves after its 3rd reset.)
     */
    @Test
    void hungOrCrashedBridgeInALaterEvaluationFailsItClearly() {
        Tracked hung = fakeTask("hang-step@3");
        try (Evaluator ev = new Evaluator(hung, 1, 2, 3)) {
            Result ok = evaluate(ev, 0, PUZZLE.spec());
            assertEquals(PUZZLE.spec().maxEpisodeSteps(), ok.evaluation().policies().get(0).tasks().get(0).meanLength());
            Process p = hung.last().bridge().process();
            String m = assertThrows(OgbenchBridgeException.class, () -> evaluate(ev, 0, PUZZLE.spec())).getMessage();
            assertTrue(m.contains("no answer to STEP within 2.0 s (hung?); the process was killed"), m);
            assertFalse(p.isAlive(), "the hung bridge is killed");
            assertEquals(0, hung.last().restarts(), "a failure while answering is not an idle exit");
        }

        Tracked crashed = fakeTask("crash-step@3");
        try (Evaluator ev = new Evaluator(crashed, 1, 2, 3)) {
            evaluate(ev, 0, PUZZLE.spec());
            Process p = crashed.last().bridge().process();
            String m = assertThrows(OgbenchBridgeException.class, () -> evaluate(ev, 0, PUZZLE.spec())).getMessage();
            assertTrue(m.contains("exited with code 7") && m.contains("during STEP"), m);
            assertTrue(m.contains("segfault in MuJoCo (pretend)"), m);
            assertFalse(p.isAlive());
            // the evaluator dropped the failed environment: the next evaluation starts a new bridge (which would crash
            // only at its own third reset)
            evaluate(ev, 0, PUZZLE.spec());
            assertEquals(2, crashed.made.size());
        }
        assertNull(crashed.last().bridge(), "closed with the evaluator");
    }

    @Test
    void bridgeThatExitedWhileIdleIsReplacedOnceThenFailsClearly() throws Exception {
        OgbenchEnvironment env = new OgbenchEnvironment(PUZZLE, fake("ok"), OgbenchBridgeClient.Timeouts.uniform(Duration.ofSeconds(30)));
        try (env) {
            env.reset(2, new long[]{1, 2});
            env.step(new float[2 * 5]);
            Process first = env.bridge().process();
            first.destroyForcibly();
            first.waitFor();
            env.reset(2, new long[]{1, 2});
            assertEquals(1, env.restarts());
            Process second = env.bridge().process();
            assertNotEquals(first.pid(), second.pid());
            assertEquals(2, env.step(new float[2 * 5]).rewards().length);
            second.destroyForcibly();
            second.waitFor();
            String m = assertThrows(OgbenchBridgeException.class, () -> env.reset(2, new long[]{1, 2})).getMessage();
            assertTrue(m.contains("exited with code 137 (killed by signal 9) while idle (after answering its last request)"), m);
            assertTrue(m.contains("already been restarted 1 time(s) after an exit while idle"), m);
            assertTrue(m.contains("pid " + first.pid()), "names the first exit too: " + m);
            assertFalse(second.isAlive());
            String again = assertThrows(OgbenchBridgeException.class, () -> env.reset(2, new long[]{1, 2})).getMessage();
            assertTrue(again.contains("unusable after an earlier failure"), "the environment stays failed: " + again);
        }
    }
}
