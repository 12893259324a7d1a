package flowbench.harness.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.cli.Main;
import flowbench.harness.cli.CliContext;
import flowbench.harness.io.Json;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.protocol.DatasetLoader;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.RunOptions;
import flowbench.harness.protocol.RunSpec;
import flowbench.harness.protocol.RunFixture;
import flowbench.harness.protocol.Runner;
import flowbench.harness.protocol.Suite;
import flowbench.harness.testing.FakeAlgorithm;
import flowbench.harness.testing.FakeProviders;
import flowbench.harness.testing.FakeTask;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A small fake suite run by worker processes (this test JVM's class path, fake learners slowed to a set pace). */
final class SweepFixture {
    static final Registry REGISTRY = new Registry(List.of(new FakeProviders.Tasks()), List.of(new FakeProviders.Algorithms()),
            List.of());

    private SweepFixture() {}

    record Result(int code, String out, String err) {}

    static Result cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext ctx = new CliContext(Registry::load, DatasetLoader.ogbench(), () -> ProgressListener.NONE);
        int code = Main.execute(ctx, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** 2 tasks x fake-bc x seeds 0 and 1; with --set lr=[a,b] eight runs. */
    static Path suite(Path dir, long trainSteps, long evalEvery, long checkpointEvery) throws IOException {
        Suite s = new Suite("sweep-test", 1, "worker-process tests", List.of(new Suite.DatasetEntry(FakeTask.DATASET, 6, 20, 3, null, null)),
                List.of(FakeTask.GC, FakeTask.SINGLE), List.of(new Suite.AlgorithmEntry(FakeAlgorithm.NAME, "cpu", Map.of())),
                List.of(0L, 1L), new Suite.ProtocolEntry(trainSteps, evalEvery, false, 2, checkpointEvery, 10, 0));
        Path f = dir.resolve("suite.json");
        Files.createDirectories(dir);
        Json.writeAtomically(f, s);
        return f;
    }

    /** This JVM's java and class path, with fake updates taking {@code updateMicros} each. */
    static String launcher(long updateMicros) {
        String java = ProcessHandle.current().info().command().orElseThrow();
        return java + " -Xmx256m -Dflowbench.test.fakeUpdateMicros=" + updateMicros + " -cp "
                + System.getProperty("java.class.path") + " flowbench.harness.cli.Main";
    }

    static Path manifest(Path out) throws IOException {
        List<Path> ms = SweepPlan.manifests(out);
        if (ms.size() != 1) throw new AssertionError("expected one manifest under " + out + ", got " + ms);
        return ms.get(0);
    }

    /** The same specs run in this JVM, one after another: the reference every executor must reproduce. */
    static Path reference(Path manifest, Path refOut) throws IOException {
        SweepPlan plan = SweepPlan.load(manifest);
        for (RunSpec s : plan.runs()) {
            try {
                new Runner(REGISTRY).run(s, refOut, RunOptions.defaults());
            } catch (RuntimeException e) {
                // a spec meant to fail fails here too; the caller compares only the complete ones
            }
        }
        return refOut;
    }

    /**
     * run.json without what may differ between two executions of one spec: timing, timestamps, resumes and the machine
     * block (host, heap size, threads: the JVM a run ran in, not what it computed).
     */
    static JsonNode comparable(Path runDir) throws IOException {
        ObjectNode n = (ObjectNode) Json.mapper().readTree(runDir.resolve(Runner.RUN_JSON).toFile());
        n.remove(List.of("timing", "startedAt", "finishedAt", "resumes", "machine"));
        return n;
    }

    static List<String> differences(Path a, Path b) throws IOException {
        return RunFixture.differences(comparable(a), comparable(b));
    }

    /** Every complete run of the sweep equals its reference, field for field except timing and host. */
    static int assertSameAsReference(Path manifest, Path out, Path ref) throws IOException {
        SweepPlan plan = SweepPlan.load(manifest);
        int compared = 0;
        for (int i = 0; i < plan.runs().size(); i++) {
            Path a = plan.runDir(out, i), b = plan.runDir(ref, i);
            if (!Files.isRegularFile(b.resolve(Runner.RUN_JSON))) continue;
            List<String> d = differences(a, b);
            if (!d.isEmpty()) throw new AssertionError(a + " differs from the in-process run: " + d);
            if (!RunFixture.trainRows(a).equals(RunFixture.trainRows(b))) throw new AssertionError(a + ": train.csv differs");
            compared++;
        }
        return compared;
    }

    /** A live worker process running entry {@code index} of some sweep, if any. */
    static Optional<ProcessHandle> worker(int index) {
        return ProcessHandle.current().descendants().filter(p -> {
            String[] args = p.info().arguments().orElse(new String[0]);
            for (int i = 0; i + 2 < args.length; i++) {
                if (args[i].equals("task") && args[i + 2].equals(String.valueOf(index))) return true;
            }
            return false;
        }).findFirst();
    }

    /** Waits until entry {@code index} runs and has a checkpoint past step 0; returns its status. */
    static RunStatus awaitCheckpoint(Path runDir, long minStep, double seconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        RunStatus st;
        do {
            st = RunStatus.of(runDir, (RunSpec) null);
            if (st.state() == RunStatus.State.RUNNING && st.step() >= minStep) return st;
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no checkpoint at step >= " + minStep + " in " + runDir + " within " + seconds + " s: " + st);
    }
}
