package flowbench.harness.cli;

import flowbench.harness.data.Sha256;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.protocol.DatasetLoader;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.io.Json;
import flowbench.harness.testing.FakeTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CliContext ctx = new CliContext(Registry::load, DatasetLoader.ogbench(), () -> ProgressListener.NONE);
        int code = Main.execute(ctx, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "run", "datasets", "datasets generate", "datasets inspect", "bench", "tasks", "algorithms"})
    void helpWorksOnEveryCommand(String command) {
        List<String> args = new java.util.ArrayList<>(command.isEmpty() ? List.of() : List.of(command.split(" ")));
        args.add("--help");
        Result r = run(args.toArray(String[]::new));
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.startsWith("Usage: flowbench" + (command.isEmpty() ? "" : " " + command)), r.out);
        assertTrue(r.out.contains("-h, --help"), r.out);
    }

    @Test
    void runHelpExplainsEveryOptionWithDefaults() {
        String help = run("run", "--help").out;
        for (String opt : List.of("--algorithm", "--task", "--data", "--seed", "--profile", "--set", "--train-steps", "--eval-every",
                "--eval-at-start", "--episodes", "--checkpoint-every", "--log-every", "--eval-seed", "--suite", "--suite-version",
                "--out", "--[no-]resume", "--force", "--dry-run")) {
            assertTrue(help.contains(opt), "help mentions " + opt + "\n" + help);
        }
        assertTrue(help.contains("(default: 1000000)") && help.contains("(default: 50)") && help.contains("Default: cpu"), help);
        assertTrue(help.contains("(default: true)"), help);
    }

    @Test
    void badOptionsGiveClearErrorsAndStatus2() {
        Result r = run("run", "-a", "fake-bc", "-t", FakeTask.GC, "--bogus");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("Unknown option: '--bogus'"), r.err);
        assertTrue(r.err.contains("Try 'flowbench run --help' for more information."), r.err);
        r = run("run", "-t", FakeTask.GC);
        assertEquals(2, r.code);
        assertTrue(r.err.contains("give --algorithm NAME (see 'flowbench algorithms') or --external CMD"), r.err);
        r = run("run", "-a", "fake-bc", "--external", "python learner.py", "-t", FakeTask.GC);
        assertEquals(2, r.code);
        assertTrue(r.err.contains("give either --algorithm or --external, not both"), r.err);
        r = run("run", "-a", "fake-bc", "-t", FakeTask.GC, "--train-steps", "many");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("Invalid value for option '--train-steps': 'many' is not a long"), r.err);
        r = run("datasets", "generate");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("--dataset=NAME | --task=NAME"), r.err);
        r = run("runn");
        assertEquals(2, r.code);
        assertTrue(r.err.contains("Did you mean: flowbench run"), r.err);
        // a --set key the algorithm does not have: a usage error that lists the valid keys, dry run or not
        for (String dry : List.of("--dry-run", "--force")) {
            r = run("run", "-a", "fake-bc", "-t", FakeTask.GC, "--set", "lrr=0.1", "--out", tmp.toString(), dry);
            assertEquals(2, r.code, r.err);
            assertTrue(r.err.contains("unknown config key 'lrr'") && r.err.contains("did you mean lr?")
                    && r.err.contains("valid keys: lr, batch, tag, layers, noise.scale"), r.err);
        }
    }

    @Test
    void runtimeErrorsAreOneLineWithStatus1() {
        Result r = run("run", "-a", "fake-bc", "-t", "fake-pont-v0", "--dry-run");
        assertEquals(1, r.code);
        assertTrue(r.err.startsWith("error: unknown task 'fake-pont-v0'; did you mean fake-point-v0?"), r.err);
        assertFalse(r.err.contains("\tat "), "no stack trace without FLOWBENCH_DEBUG");
        r = run("run", "-a", "fake-bc", "-t", FakeTask.GC, "--episodes", "0", "--dry-run");
        assertEquals(1, r.code);
        assertTrue(r.err.contains("protocol field 'episodesPerTask' is 0; expected a number >= 1"), r.err);
        r = run("run", "-a", "fake-bc", "-t", FakeTask.GC, "--data", tmp.resolve("none").toString(), "--out", tmp.toString());
        assertEquals(1, r.code);
        assertTrue(r.err.contains("flowbench datasets generate --dataset fake-point-v0"), r.err);
    }

    @Test
    void dryRunPrintsSpecAndMergedConfig() throws IOException {
        Result r = run("run", "-a", "fake-bc", "-t", FakeTask.GC, "--profile", "cpu", "--set", "lr=0.3", "--set", "noise.scale=0.2",
                "--train-steps", "100", "--out", tmp.toString(), "--dry-run");
        assertEquals(0, r.code, r.err);
        var j = Json.mapper().readTree(r.out);
        assertEquals(0.3, j.get("config").get("lr").asDouble());
        assertEquals(0.2, j.get("config").get("noise").get("scale").asDouble());
        assertEquals(100, j.get("spec").get("protocol").get("trainSteps").asLong());
        assertEquals("0.3", j.get("spec").get("overrides").get("lr").asText());
        assertEquals(64, j.get("configHash").asText().length());
        assertTrue(j.get("runDir").asText().endsWith(FakeTask.GC + "/fake-bc@lr=0.3,noise.scale=0.2/seed0"), j.get("runDir").asText());
    }

    @Test
    void listings() {
        Result t = run("tasks");
        assertEquals(0, t.code);
        String gcLine = t.out.lines().filter(l -> l.startsWith(FakeTask.GC + " ")).findFirst().orElseThrow();
        assertTrue(gcLine.matches(".*goal-conditioned\\s+2\\s+2\\s+2\\s+24\\s+post\\s+1\\.\\.3\\s+fake-point-v0\\s+success in \\{0, 1\\}"), gcLine);
        Result a = run("algorithms");
        assertEquals(0, a.code);
        assertTrue(a.out.contains("fake-bc  [training-time]  Nobody, Test Venue 2026"), a.out);
        assertTrue(a.out.contains("  cpu: {\"lr\":0.1,\"batch\":4,"), a.out);
        assertTrue(a.out.contains("  paper: {\"lr\":0.05,"), a.out);
        Result b = run("bench");
        assertTrue(b.out.contains("echo") && b.out.contains("prints its arguments"), b.out);
    }

    @Test
    void benchGetsItsArgumentsUntouched() {
        Result r = run("bench", "echo", "--steps", "100", "-x", "plain");
        assertEquals(0, r.code, r.err);
        assertEquals("echo --steps|100|-x|plain \u00e9\n", r.out);
        r = run("bench", "ech");
        assertEquals(1, r.code);
        assertTrue(r.err.contains("unknown bench 'ech'; did you mean echo?"), r.err);
    }

    @Test
    void generateInspectRunAndSkipACompleteRun() throws IOException {
        Path data = tmp.resolve("data");
        Result g = run("datasets", "generate", "--task", FakeTask.GC, "--episodes", "5", "--steps", "10", "--seed", "3", "--out", data.toString());
        assertEquals(0, g.code, g.err);
        Path train = data.resolve("fake-point-v0.npz");
        Path val = data.resolve("fake-point-v0-val.npz");
        assertTrue(g.out.contains("rows 55") && g.out.contains("sha256 " + Sha256.ofFile(train)), g.out);
        assertTrue(g.out.contains("rows 11") && g.out.contains("sha256 " + Sha256.ofFile(val)), g.out);
        try (var s = Files.list(data)) {
            assertEquals(2, s.count(), "no staging folder left behind");
        }
        Result again = run("datasets", "generate", "--dataset", "fake-point-v0", "--out", data.toString());
        assertEquals(1, again.code);
        assertTrue(again.err.contains("already exists; pass --force"), again.err);

        Result i = run("datasets", "inspect", train.toString());
        assertEquals(0, i.code, i.err);
        assertTrue(i.out.contains("observations         <f4 shape (55, 2)"), i.out);
        assertTrue(i.out.contains("terminals            |b1 shape (55,)"), i.out);
        assertTrue(i.out.contains("episodes 5\n"), i.out);
        assertTrue(i.out.contains("per episode 10 steps x 5"), i.out);
        assertTrue(i.out.contains("actions  min [") && i.out.contains("finite   yes"), i.out);
        assertTrue(i.out.contains("sha256   " + Sha256.ofFile(train)), i.out);

        Path runs = tmp.resolve("runs");
        String[] args = {"run", "-a", "fake-bc", "-t", FakeTask.GC, "--data", data.toString(), "--out", runs.toString(), "--seed", "4",
                "--train-steps", "30", "--eval-every", "10", "--episodes", "3", "--log-every", "10", "--set", "batch=2"};
        Result r = run(args);
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.startsWith("complete: "), r.out);
        assertTrue(r.out.contains("greedy") && r.out.contains("noisy-chunk") && r.out.contains("steps/s"), r.out);
        Path runJson = runs.resolve(FakeTask.GC).resolve("fake-bc@batch=2").resolve("seed4").resolve("run.json");
        RunRecord rec = Json.read(runJson, RunRecord.class);
        assertTrue(rec.complete());
        assertEquals(List.of(10L, 20L, 30L), rec.evaluations().stream().map(e -> e.step()).toList());
        assertEquals(2, rec.config().get("batch").asInt());
        Result skip = run(args);
        assertEquals(0, skip.code, skip.err);
        assertTrue(skip.out.startsWith("already complete: "), skip.out);
        assertTrue(skip.err.contains("run already complete"), skip.err);
    }

    @Test
    void inspectFlagsNonFiniteValues() throws IOException {
        Path f = tmp.resolve("bad.npz");
        java.util.LinkedHashMap<String, flowbench.harness.data.NpyArray> m = new java.util.LinkedHashMap<>();
        m.put("observations", flowbench.harness.data.NpyArray.of(new float[] {0, Float.NaN, 1, 2}, 2, 2));
        m.put("actions", flowbench.harness.data.NpyArray.of(new float[] {0.5f, -0.5f, Float.POSITIVE_INFINITY, 0}, 2, 2));
        m.put("terminals", flowbench.harness.data.NpyArray.of(new boolean[] {false, true}, 2));
        flowbench.harness.data.Npz.write(f, m);
        Result r = run("datasets", "inspect", f.toString());
        assertEquals(1, r.code);
        assertTrue(r.out.contains("observations         1 NaN, 0 infinite values"), r.out);
        assertTrue(r.out.contains("actions              0 NaN, 1 infinite values"), r.out);
        assertTrue(r.out.contains("finite   NO"), r.out);
        assertTrue(r.out.contains("per episode 1 steps x 1"), r.out);
    }

    @Test
    void versionNamesTheHarnessVersion() {
        Result r = run("--version");
        assertEquals(0, r.code);
        assertTrue(r.out.startsWith("flowbench 0."), r.out);
    }
}
