package flowbench.harness.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.agent.ComputeThreads;
import flowbench.harness.io.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs in one process, several at a time: each run's folder is what it writes alone; failures stay with their run. */
class RunPoolTest {
    private static List<RunSpec> seeds(Path data, long... seeds) {
        RunSpec base = RunFixture.spec(data);
        List<RunSpec> out = new ArrayList<>();
        for (long s : seeds) {
            out.add(new RunSpec(base.algorithm(), base.task(), base.datasetDir(), s, base.profile(), base.overrides(),
                    base.protocol()));
        }
        return out;
    }

    private static JsonNode comparable(Path dir) throws Exception {
        ObjectNode n = (ObjectNode) RunFixture.comparable(dir);
        n.remove("machine");
        return n;
    }

    @Test
    void seedsAtOnceWriteWhatEachWritesAlone(@TempDir Path dir) throws Exception {
        Path data = RunFixture.generateData(dir.resolve("data"), 1);
        List<RunSpec> specs = seeds(data, 0, 1, 2);
        Runner runner = new Runner(RunFixture.REGISTRY);
        for (RunSpec s : specs) runner.run(s, dir.resolve("alone"), RunOptions.defaults());

        ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);
        List<String> announced = java.util.Collections.synchronizedList(new ArrayList<>());
        List<RunPool.Result> results = new RunPool(runner, 2).runAll(specs, dir.resolve("pool"),
                RunOptions.defaults().withLog(log), s -> "seed" + s.seed(), s -> announced.add("seed" + s.seed()));
        assertEquals(3, results.size());
        assertEquals(0, ComputeThreads.cap(), "the cap is lifted when the pool is done");
        for (int i = 0; i < 3; i++) {
            RunPool.Result r = results.get(i);
            assertTrue(r.ok(), String.valueOf(r.failure()));
            assertEquals(specs.get(i), r.spec(), "results in spec order");
            Path alone = Runner.runDir(dir.resolve("alone"), specs.get(i));
            Path pooled = Runner.runDir(dir.resolve("pool"), specs.get(i));
            assertEquals(List.of(), RunFixture.differences(comparable(alone), comparable(pooled)));
            assertEquals(RunFixture.trainRows(alone), RunFixture.trainRows(pooled));
            assertEquals(Files.readString(alone.resolve(Runner.EVAL_CSV)), Files.readString(pooled.resolve(Runner.EVAL_CSV)));
            assertEquals(RunFixture.checkpointNames(alone), RunFixture.checkpointNames(pooled));
            JsonNode machine = Json.mapper().readTree(pooled.resolve(Runner.RUN_JSON).toFile()).get("machine");
            assertEquals(1, machine.get("threadsPerRun").asInt(), "a pooled run records its one-thread cap");
        }
        assertEquals(3, announced.size());
        for (String line : logBytes.toString(StandardCharsets.UTF_8).lines().toList()) {
            assertTrue(line.matches("\\[seed[012]] .*"), "every log line names its run: " + line);
        }
        // a second pass finds every run complete and changes nothing
        String before = Files.readString(Runner.runDir(dir.resolve("pool"), specs.get(1)).resolve(Runner.RUN_JSON));
        List<RunPool.Result> again = new RunPool(runner, 2).runAll(specs, dir.resolve("pool"), RunOptions.defaults(),
                s -> "seed" + s.seed(), s -> {});
        assertTrue(again.stream().allMatch(r -> r.ok() && r.outcome().alreadyComplete()));
        assertEquals(before, Files.readString(Runner.runDir(dir.resolve("pool"), specs.get(1)).resolve(Runner.RUN_JSON)));
    }

    @Test
    void aFailedRunDoesNotStopTheOthers(@TempDir Path dir) throws Exception {
        Path data = RunFixture.generateData(dir.resolve("data"), 1);
        List<RunSpec> specs = new ArrayList<>(seeds(data, 0, 1));
        RunSpec good = specs.get(0);
        // an unknown override fails this run at its start
        Map<String, String> bad = new HashMap<>(good.overrides());
        bad.put("noSuchKey", "1");
        specs.add(1, new RunSpec(good.algorithm(), good.task(), good.datasetDir(), 5, good.profile(), bad, good.protocol()));
        List<RunPool.Result> results = new RunPool(new Runner(RunFixture.REGISTRY), 2).runAll(specs, dir.resolve("out"),
                RunOptions.defaults(), s -> "seed" + s.seed(), s -> {});
        assertEquals(3, results.size());
        assertTrue(results.get(0).ok());
        assertFalse(results.get(1).ok());
        assertTrue(results.get(1).failure().getMessage().contains("noSuchKey"), results.get(1).failure().getMessage());
        assertNull(results.get(1).outcome());
        assertTrue(results.get(2).ok(), "the run after the failed one still ran");
        assertTrue(results.get(2).outcome().record().complete());
    }

    @Test
    void oneJobRunsInOrderOnTheCallingThreadWithoutACap(@TempDir Path dir) throws Exception {
        Path data = RunFixture.generateData(dir.resolve("data"), 1);
        List<RunSpec> specs = seeds(data, 3, 4);
        List<String> threads = new ArrayList<>();
        List<RunPool.Result> results = new RunPool(new Runner(RunFixture.REGISTRY), 1).runAll(specs, dir.resolve("out"),
                RunOptions.defaults(), s -> "seed" + s.seed(), s -> threads.add(Thread.currentThread().getName() + " " + ComputeThreads.cap()));
        assertTrue(results.stream().allMatch(RunPool.Result::ok));
        String me = Thread.currentThread().getName();
        assertEquals(List.of(me + " 0", me + " 0"), threads);
        JsonNode machine = Json.mapper().readTree(Runner.runDir(dir.resolve("out"), specs.get(0)).resolve(Runner.RUN_JSON).toFile()).get("machine");
        assertEquals(ComputeThreads.perRun(), machine.get("threadsPerRun").asInt());
    }
}
