package flowbench.harness.protocol;

import flowbench.harness.agent.Policy;
import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.Relabeler;
import flowbench.harness.env.StepResult;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.rng.Rng;
import flowbench.harness.spi.TaskProvider;
import flowbench.harness.testing.FakeGenerator;
import flowbench.harness.testing.FakeLearner;
import flowbench.harness.testing.FakeProviders;
import flowbench.harness.testing.FakeTask;
import flowbench.harness.testing.SimulatedCrash;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One environment per evaluator (and so per run): created at the first evaluation, reused by every later one, closed
 * with the evaluator (at the run's end, also when it fails), with the same outcomes as a fresh environment per
 * evaluation.
 */
class EvaluatorEnvironmentTest {
    @TempDir
    Path tmp;

    @AfterEach
    void resetCrashes() {
        FakeLearner.CRASH_ON_ACT.set(-1);
    }

    /** FakeTask whose environments count their creation, resets and closing. */
    static final class CountingTask implements Task {
        final Task inner;
        int created;
        int closed;
        int open;

        CountingTask(Task inner) {
            this.inner = inner;
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
            created++;
            open++;
            Environment env = inner.newEnvironment();
            return new Environment() {
                private boolean isClosed;

                @Override public EnvSpec spec() { return env.spec(); }
                @Override public TaskMode mode() { return env.mode(); }
                @Override public SuccessTiming successTiming() { return env.successTiming(); }

                @Override
                public float[] reset(int taskId, long[] seeds) {
                    if (isClosed) throw new IllegalStateException("reset after close");
                    return env.reset(taskId, seeds);
                }

                @Override public float[] goals() { return env.goals(); }
                @Override public StepResult step(float[] actions) { return env.step(actions); }
                @Override public int batchSize() { return env.batchSize(); }

                @Override
                public void close() {
                    if (isClosed) return;
                    isClosed = true;
                    closed++;
                    open--;
                    env.close();
                }
            };
        }
    }

    private static Map<String, Policy> policies() {
        Map<String, Policy> p = new LinkedHashMap<>();
        p.put("seek", new EvaluatorTest.Seeker(1, 1.5));
        p.put("slow", new EvaluatorTest.Seeker(3, 0.25));
        // a stochastic one: its actions depend on the evaluator's noise stream
        p.put("noisy", new Policy() {
            @Override public int chunkLength() { return 2; }

            @Override
            public float[] act(float[] obs, float[] goals, int batch, Rng rng) {
                float[] out = new float[batch * 2 * 2];
                for (int i = 0; i < out.length; i++) out[i] = (float) rng.uniform(-1, 1);
                return out;
            }
        });
        return p;
    }

    private static Evaluation fresh(long step) {
        try (Evaluator ev = new Evaluator(new FakeTask(FakeTask.GC), 5, 9, 6)) {
            return ev.evaluate(step, policies(), ProgressListener.NONE);
        }
    }

    @Test
    void oneEnvironmentServesEveryEvaluationPolicyAndTaskWithFreshResults() {
        CountingTask task = new CountingTask(new FakeTask(FakeTask.GC));
        Evaluator ev = new Evaluator(task, 5, 9, 6);
        assertEquals(0, task.created, "nothing is created before the first evaluation");
        Evaluation a = ev.evaluate(0, policies(), ProgressListener.NONE);
        Evaluation b = ev.evaluate(10, policies(), ProgressListener.NONE);
        Evaluation c = ev.evaluate(0, policies(), ProgressListener.NONE);
        assertEquals(1, task.created, "one environment for every evaluation, policy and evaluation task");
        assertEquals(0, task.closed, "kept open between evaluations");
        assertEquals(a, c, "the same evaluation again on the used environment");
        assertEquals(fresh(0), a, "as on a fresh environment");
        assertEquals(fresh(10), b, "as on a fresh environment");
        ev.close();
        assertEquals(1, task.closed);
        ev.close();
        assertEquals(1, task.closed, "close is idempotent");
        String m = assertThrows(IllegalStateException.class, () -> ev.evaluate(20, policies(), ProgressListener.NONE)).getMessage();
        assertTrue(m.contains("closed"), m);
        assertEquals(1, task.created);
    }

    @Test
    void aFailedEvaluationClosesItsEnvironmentAndTheNextStartsAFreshOne() {
        CountingTask task = new CountingTask(new FakeTask(FakeTask.GC));
        Map<String, Policy> failing = new LinkedHashMap<>(policies());
        failing.put("broken", new Policy() {
            @Override public int chunkLength() { return 1; }

            @Override
            public float[] act(float[] obs, float[] goals, int batch, Rng rng) {
                throw new SimulatedCrash("policy");
            }
        });
        try (Evaluator ev = new Evaluator(task, 5, 9, 6)) {
            Evaluation before = ev.evaluate(0, policies(), ProgressListener.NONE);
            assertThrows(SimulatedCrash.class, () -> ev.evaluate(0, failing, ProgressListener.NONE));
            assertEquals(1, task.closed, "the environment of a failed evaluation is closed at once");
            assertEquals(0, task.open);
            assertEquals(before, ev.evaluate(0, policies(), ProgressListener.NONE), "a fresh environment, the same outcomes");
            assertEquals(2, task.created);
        }
        assertEquals(0, task.open);
    }

    /** A registry whose fake task counts its environments. */
    private static Registry registry(CountingTask task) {
        TaskProvider tasks = new TaskProvider() {
            @Override public List<String> taskNames() { return List.of(task.name()); }
            @Override public Optional<Task> task(String name) { return name.equals(task.name()) ? Optional.of(task) : Optional.empty(); }
            @Override public List<String> datasetNames() { return List.of(FakeTask.DATASET); }

            @Override
            public Optional<DatasetGenerator> generator(String datasetName) {
                return datasetName.equals(FakeTask.DATASET) ? Optional.of(new FakeGenerator()) : Optional.empty();
            }
        };
        return new Registry(List.of(tasks), List.of(new FakeProviders.Algorithms()), List.of());
    }

    @Test
    void aRunKeepsOneEnvironmentForAllItsEvaluationsAndClosesItAtTheEnd() throws IOException {
        Path data = RunFixture.generateData(tmp.resolve("data"), 0);
        CountingTask task = new CountingTask(new FakeTask(FakeTask.GC));
        RunOutcome kept = new Runner(registry(task)).run(RunFixture.spec(data), tmp.resolve("kept"), RunOptions.defaults());
        assertEquals(4, kept.record().evaluations().size(), "evaluations at steps 0, 20, 40, 60");
        assertEquals(1, task.created, "one environment for the run");
        assertEquals(1, task.closed, "closed when the run ends");
        // the records of a run on one kept environment and of the fake registry's (same task, same spec) agree
        RunOutcome reference = new Runner(RunFixture.REGISTRY).run(RunFixture.spec(data), tmp.resolve("ref"), RunOptions.defaults());
        assertEquals(List.of(), RunFixture.differences(RunFixture.comparable(reference.runDir()), RunFixture.comparable(kept.runDir())));
        assertEquals(Files.readString(reference.runDir().resolve(Runner.EVAL_CSV)), Files.readString(kept.runDir().resolve(Runner.EVAL_CSV)));
    }

    @Test
    void aRunThatFailsClosesItsEnvironment() throws IOException {
        Path data = RunFixture.generateData(tmp.resolve("data"), 0);
        // fails in training, after two evaluations
        CountingTask train = new CountingTask(new FakeTask(FakeTask.GC));
        RunHooks crash = new RunHooks() {
            @Override
            public void afterUpdate(long s) {
                if (s == 30) throw new SimulatedCrash("training step " + s);
            }
        };
        assertThrows(SimulatedCrash.class, () -> new Runner(registry(train)).run(RunFixture.spec(data), tmp.resolve("a"),
                RunOptions.defaults().withHooks(crash)));
        assertEquals(1, train.created);
        assertEquals(1, train.closed, "closed although the run failed");

        // fails inside an evaluation (the 100th policy query throws)
        CountingTask eval = new CountingTask(new FakeTask(FakeTask.GC));
        FakeLearner.CRASH_ON_ACT.set(100);
        assertThrows(SimulatedCrash.class, () -> new Runner(registry(eval)).run(RunFixture.spec(data), tmp.resolve("b"),
                RunOptions.defaults()));
        assertEquals(1, eval.created);
        assertEquals(1, eval.closed, "closed although the evaluation failed");
        assertEquals(0, eval.open);
    }
}
