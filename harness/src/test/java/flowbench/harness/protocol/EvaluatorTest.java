package flowbench.harness.protocol;

import flowbench.harness.agent.Policy;
import flowbench.harness.env.Environment;
import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Relabeler;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import flowbench.harness.testing.FakeEnvironment;
import flowbench.harness.testing.FakeTask;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvaluatorTest {
    private final Task gc = new FakeTask(FakeTask.GC);

    @BeforeEach
    void clearLog() {
        FakeEnvironment.STEP_LOG.clear();
    }

    /** Heads for the goal at a fixed speed (0 < gain), records the batch size of every query. */
    static final class Seeker implements Policy {
        final int h;
        final double gain;
        final List<Integer> batches = new ArrayList<>();

        Seeker(int h, double gain) {
            this.h = h;
            this.gain = gain;
        }

        @Override public int chunkLength() { return h; }

        @Override
        public float[] act(float[] obs, float[] goals, int batch, Rng rng) {
            batches.add(batch);
            float[] out = new float[batch * h * 2];
            for (int r = 0; r < batch; r++) {
                for (int k = 0; k < h; k++) {
                    for (int d = 0; d < 2; d++) {
                        // open-loop plan: after k steps of 0.2*a the remaining distance shrinks accordingly
                        double remaining = (goals[2 * r + d] - obs[2 * r + d]);
                        out[(r * h + k) * 2 + d] = (float) (gain * remaining);
                    }
                }
            }
            return out;
        }
    }

    @Test
    void lockstepBatchLiveRowsOnlyAndFullWidthSteps() {
        Seeker p = new Seeker(1, 1.5);
        Evaluator ev = new Evaluator(gc, 7, 11, 6);
        try (Environment env = gc.newEnvironment()) {
            TaskEvaluation te = ev.evaluateTask(env, "seek", p, 0, 1);
            int maxLen = te.episodes().stream().mapToInt(EpisodeOutcome::length).max().orElseThrow();
            assertEquals(maxLen, FakeEnvironment.STEP_LOG.size(), "one env step per lockstep tick");
            for (float[] a : FakeEnvironment.STEP_LOG) assertEquals(6 * 2, a.length, "every step carries the whole batch");
            assertEquals(maxLen, p.batches.size(), "H=1: one query per step");
            assertEquals(6, p.batches.get(0));
            for (int t = 0; t < p.batches.size(); t++) {
                final int tt = t;
                long live = te.episodes().stream().filter(e -> e.length() > tt).count();
                assertEquals((int) live, (int) p.batches.get(t), "query " + t + " sees only live episodes");
            }
            // ended episodes get zero actions
            for (EpisodeOutcome e : te.episodes()) {
                for (int t = e.length(); t < maxLen; t++) {
                    assertEquals(0f, FakeEnvironment.STEP_LOG.get(t)[2 * e.episode()]);
                }
            }
        }
    }

    @Test
    void chunksAreExecutedOpenLoopInOrderAndClipped() {
        int h = 4;
        Policy scripted = new Policy() {
            @Override public int chunkLength() { return h; }

            @Override
            public float[] act(float[] obs, float[] goals, int batch, Rng rng) {
                float[] out = new float[batch * h * 2];
                for (int r = 0; r < batch; r++) {
                    for (int k = 0; k < h; k++) {
                        out[(r * h + k) * 2] = 0.25f * (k + 1);     // 0.25, 0.5, 0.75, 1.0
                        out[(r * h + k) * 2 + 1] = k == 3 ? 7f : -0.1f; // 7 must be clipped to 1
                    }
                }
                return out;
            }
        };
        Evaluator ev = new Evaluator(gc, 1, 2, 3);
        TaskEvaluation te;
        try (Environment env = gc.newEnvironment()) {
            te = ev.evaluateTask(env, "scripted", scripted, 0, 3);
        }
        int len = te.episodes().get(0).length();
        assertTrue(len >= 8, "episode 0 lasts " + len);
        for (int t = 0; t < len; t++) {
            float[] a = FakeEnvironment.STEP_LOG.get(t);
            int k = t % h;
            assertEquals(0.25f * (k + 1), a[0], "step " + t + " executes chunk element " + k);
            assertEquals(k == 3 ? 1f : -0.1f, a[1], "clipped to [-1, 1]");
        }
    }

    @Test
    void policyIsQueriedEveryHSteps() {
        Seeker p = new Seeker(5, 0.0); // never reaches the goal: all episodes run to the time limit
        Evaluator ev = new Evaluator(gc, 1, 2, 4);
        try (Environment env = gc.newEnvironment()) {
            TaskEvaluation te = ev.evaluateTask(env, "still", p, 0, 3); // task 3's goal is out of reach of every start
            for (EpisodeOutcome e : te.episodes()) {
                assertEquals(FakeTask.MAX_STEPS, e.length());
                assertTrue(e.truncated());
                assertTrue(!e.terminated() && !e.success());
            }
            assertEquals((FakeTask.MAX_STEPS + 4) / 5, p.batches.size(), "ceil(24 / 5) queries");
            assertEquals(0.0, te.success());
        }
    }

    @Test
    void episodeSeedsAreFixedBySuiteSeedTaskAndIndex() {
        Evaluator small = new Evaluator(gc, 5, 99, 4);
        Evaluator large = new Evaluator(gc, 5, 99, 9);
        TaskEvaluation a;
        TaskEvaluation b;
        try (Environment env = gc.newEnvironment()) {
            a = small.evaluateTask(env, "seek", new Seeker(2, 1.0), 0, 2);
            b = large.evaluateTask(env, "seek", new Seeker(2, 1.0), 0, 2);
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(Seeds.derive(99, "episode", 2, i), a.episodes().get(i).seed());
            assertEquals(a.episodes().get(i), b.episodes().get(i), "episode " + i + " is the same whatever the batch around it");
        }
        Evaluator otherSuite = new Evaluator(gc, 5, 100, 4);
        try (Environment env = gc.newEnvironment()) {
            assertNotEquals(a.episodes(), otherSuite.evaluateTask(env, "seek", new Seeker(2, 1.0), 0, 2).episodes());
        }
    }

    @Test
    void taskOrderDoesNotChangeOutcomes() {
        Task reversed = new ReorderedTask(gc, List.of(3, 2, 1));
        Map<String, Policy> policies = Map.of("seek", new Seeker(1, 1.2));
        Evaluation fwd = new Evaluator(gc, 3, 4, 5).evaluate(10, policies, ProgressListener.NONE);
        Evaluation rev = new Evaluator(reversed, 3, 4, 5).evaluate(10, policies, ProgressListener.NONE);
        List<TaskEvaluation> f = fwd.policies().get(0).tasks();
        List<TaskEvaluation> r = rev.policies().get(0).tasks();
        for (TaskEvaluation t : f) {
            assertEquals(t, r.stream().filter(x -> x.taskId() == t.taskId()).findFirst().orElseThrow());
        }
        assertEquals(fwd.policies().get(0).overallSuccess(), rev.policies().get(0).overallSuccess(), 1e-12);
    }

    @Test
    void aggregatesAreMeansOfFinalStepOutcomes() {
        Map<String, Policy> policies = new LinkedHashMap<>();
        policies.put("seek", new Seeker(1, 1.5));
        policies.put("slow", new Seeker(3, 0.25));
        Evaluation e = new Evaluator(gc, 1, 1, 8).evaluate(0, policies, ProgressListener.NONE);
        assertEquals(List.of("seek", "slow"), e.policies().stream().map(PolicyEvaluation::policy).toList(), "learner's order kept");
        for (PolicyEvaluation pe : e.policies()) {
            assertEquals(List.of(1, 2, 3), pe.tasks().stream().map(TaskEvaluation::taskId).toList());
            double overall = 0;
            for (TaskEvaluation te : pe.tasks()) {
                double s = te.episodes().stream().mapToDouble(x -> x.success() ? 1 : 0).average().orElseThrow();
                double ret = te.episodes().stream().mapToDouble(EpisodeOutcome::episodeReturn).average().orElseThrow();
                double len = te.episodes().stream().mapToDouble(EpisodeOutcome::length).average().orElseThrow();
                assertEquals(s, te.success(), 1e-12);
                assertEquals(ret, te.meanReturn(), 1e-12);
                assertEquals(len, te.meanLength(), 1e-12);
                for (EpisodeOutcome x : te.episodes()) {
                    // goal-conditioned: reward 1 on the (terminating) success step only
                    assertEquals(x.success() ? 1.0 : 0.0, x.episodeReturn());
                    assertEquals(x.success(), x.terminated());
                }
                overall += te.success();
            }
            assertEquals(overall / 3, pe.overallSuccess(), 1e-12);
        }
        assertTrue(e.policies().get(0).overallSuccess() > 0.5, "the seeking policy mostly succeeds");
    }

    @Test
    void nonFiniteActionsAreCountedAndExecutedAsZero() {
        Policy nan = new Policy() {
            @Override public int chunkLength() { return 1; }

            @Override
            public float[] act(float[] obs, float[] goals, int batch, Rng rng) {
                float[] out = new float[batch * 2];
                java.util.Arrays.fill(out, Float.NaN);
                return out;
            }
        };
        try (Environment env = gc.newEnvironment()) {
            TaskEvaluation te = new Evaluator(gc, 1, 1, 2).evaluateTask(env, "nan", nan, 0, 3);
            assertEquals(2L * 2 * FakeTask.MAX_STEPS, te.nonFiniteActions());
        }
        for (float[] a : FakeEnvironment.STEP_LOG) for (float v : a) assertEquals(0f, v);
    }

    @Test
    void wrongChunkSizeIsAClearError() {
        Policy wrong = new Policy() {
            @Override public int chunkLength() { return 2; }

            @Override
            public float[] act(float[] obs, float[] goals, int batch, Rng rng) {
                return new float[batch * 2];
            }
        };
        try (Environment env = gc.newEnvironment()) {
            var e = assertThrows(IllegalStateException.class, () -> new Evaluator(gc, 1, 1, 3).evaluateTask(env, "wrong", wrong, 0, 1));
            assertTrue(e.getMessage().contains("policy 'wrong' returned 6 values") && e.getMessage().contains("3 x 2 x 2 = 12"), e.getMessage());
        }
    }

    @Test
    void policyNoiseStreamDependsOnStepPolicyTaskAndChunk() {
        List<Long> draws = new ArrayList<>();
        Policy probe = new Policy() {
            @Override public int chunkLength() { return 8; }

            @Override
            public float[] act(float[] obs, float[] goals, int batch, Rng rng) {
                draws.add(rng.nextLong());
                return new float[batch * 8 * 2];
            }
        };
        try (Environment env = gc.newEnvironment()) {
            new Evaluator(gc, 42, 1, 2).evaluateTask(env, "p", probe, 500, 3);
        }
        assertEquals(3, draws.size());
        for (int c = 0; c < 3; c++) {
            assertEquals(Seeds.rng(42, "policy", 500L, "p", 3, c).nextLong(), draws.get(c));
        }
    }

    /** The same task with its evaluation ids in another order. */
    record ReorderedTask(Task inner, List<Integer> ids) implements Task {
        @Override public String name() { return inner.name(); }
        @Override public String datasetName() { return inner.datasetName(); }
        @Override public TaskMode mode() { return inner.mode(); }
        @Override public SuccessTiming successTiming() { return inner.successTiming(); }
        @Override public EnvSpec spec() { return inner.spec(); }
        @Override public List<Integer> evaluationTaskIds() { return ids; }
        @Override public String rewardMode() { return inner.rewardMode(); }
        @Override public Environment newEnvironment() { return inner.newEnvironment(); }
        @Override public Relabeler relabeler() { return inner.relabeler(); }
    }
}
