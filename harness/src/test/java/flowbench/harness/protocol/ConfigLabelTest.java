package flowbench.harness.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.io.Json;
import flowbench.harness.testing.FakeAlgorithm;
import flowbench.harness.testing.FakeTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Run folders and report methods carry a label of the method choice (profile and overrides): empty for the default,
 * readable where it can be, the method config hash otherwise; two configurations of one algorithm run into one results
 * folder side by side.
 */
class ConfigLabelTest {
    @TempDir
    Path tmp;

    private static String hashLabel(String profile, Map<String, String> overrides) {
        return "cfg-" + Configs.methodConfig(profile, overrides).substring(0, 10);
    }

    @Test
    void readableLabels() {
        assertEquals("", Configs.methodLabel("cpu", Map.of()), "the default choice has no label");
        assertEquals("", Configs.methodLabel("cpu", null));
        assertEquals("alpha=3", Configs.methodLabel("cpu", Map.of("alpha", "3")));
        assertEquals("paper", Configs.methodLabel("paper", Map.of()));
        assertEquals("hidden=(256,256),lr=1e-3", Configs.methodLabel("cpu", Map.of("lr", "1e-3", "hidden", "[256,256]")));
        Map<String, String> unsorted = new LinkedHashMap<>();
        unsorted.put("lr", "3e-4");
        unsorted.put("batch", "8");
        unsorted.put("noise.scale", "-0.5");
        assertEquals("paper,batch=8,lr=3e-4,noise.scale=-0.5", Configs.methodLabel("paper", unsorted),
                "profile first, then overrides sorted by key");
        assertEquals("hidden=(256,256)", Configs.methodLabel("cpu", Map.of("hidden", "[256, 256]")), "spaces dropped");
        assertEquals("tag=a+b_c", Configs.methodLabel("cpu", Map.of("tag", "a+b_c")));
    }

    @Test
    void unsafeOrLongLabelsFallBackToTheMethodConfigHash() {
        for (Map<String, String> o : List.of(Map.of("tag", "a/b"), Map.of("tag", "x:y"), Map.of("tag", "\"q\""),
                Map.of("mode", "{\"a\":1}"), Map.of("tag", "é"), Map.of("tag", "a\tb"),
                // readable characters, but they would not decode to one choice
                Map.of("tag", "a=b"), Map.of("tag", "(1,2)"))) {
            String label = Configs.methodLabel("cpu", o);
            assertEquals(hashLabel("cpu", o), label, o.toString());
            assertTrue(label.matches("cfg-[0-9a-f]{10}"), label);
        }
        Map<String, String> longOne = Map.of("tag", "x".repeat(80));
        assertEquals(hashLabel("cpu", longOne), Configs.methodLabel("cpu", longOne), "over 64 characters");
        Map<String, String> justFits = Map.of("tag", "x".repeat(60));
        assertEquals("tag=" + "x".repeat(60), Configs.methodLabel("cpu", justFits), "64 characters is still readable");
        assertEquals(hashLabel("cpu", Map.of("tag", "x".repeat(61))), Configs.methodLabel("cpu", Map.of("tag", "x".repeat(61))),
                "65 characters is not");
        assertEquals(hashLabel("a=b", Map.of()), Configs.methodLabel("a=b", Map.of()), "a profile with '=' reads like an override");
        assertNotEquals(Configs.methodLabel("cpu", Map.of("tag", "a/b")), Configs.methodLabel("cpu", Map.of("tag", "a/c")),
                "the hash tells choices apart");
    }

    @Test
    void runSpecLabelAndRunFolder() throws Exception {
        Protocol p = new Protocol(60, 20, true, 4, 15, 5, 3, "adhoc", 0);
        Path out = Path.of("out");
        RunSpec plain = new RunSpec(FakeAlgorithm.NAME, FakeTask.GC, "data", 3, "cpu", Map.of(), p);
        assertEquals("", plain.configLabel());
        assertEquals(out.resolve(FakeTask.GC).resolve("fake-bc").resolve("seed3"), Runner.runDir(out, plain),
                "the default choice keeps the old layout");
        RunSpec alpha = plain.withOverrides(Map.of("alpha", "3"));
        assertEquals("alpha=3", alpha.configLabel());
        assertEquals(out.resolve(FakeTask.GC).resolve("fake-bc@alpha=3").resolve("seed3"), Runner.runDir(out, alpha));
        RunSpec paper = new RunSpec(FakeAlgorithm.NAME, "ogbench:puzzle-3x3-play-v0", "data", 0, "paper", Map.of(), p);
        assertEquals(out.resolve("ogbench").resolve("puzzle-3x3-play-v0").resolve("fake-bc@paper").resolve("seed0"),
                Runner.runDir(out, paper));
        RunSpec odd = plain.withOverrides(Map.of("tag", "a/b"));
        assertEquals(out.resolve(FakeTask.GC).resolve("fake-bc@" + hashLabel("cpu", Map.of("tag", "a/b"))).resolve("seed3"),
                Runner.runDir(out, odd), "never a folder separator inside the label");
        JsonNode json = Json.tree(alpha);
        assertFalse(json.has("configLabel"), "the label is derived, not part of the spec's JSON: " + json);
    }

    @Test
    void twoConfigurationsOfOneAlgorithmRunIntoOneResultsFolder() throws Exception {
        Path data = RunFixture.generateData(tmp.resolve("data"), 0);
        Path out = tmp.resolve("out");
        Runner runner = new Runner(RunFixture.REGISTRY);
        RunSpec base = RunFixture.spec(data).withProtocol(new Protocol(20, 10, false, 2, 0, 5, 3, "adhoc", 0));
        RunSpec slow = base.withOverrides(Map.of("lr", "0.05"));
        RunSpec fast = base.withOverrides(Map.of("lr", "0.2"));
        RunSpec plain = base.withOverrides(Map.of());
        for (RunSpec s : List.of(slow, fast, plain)) {
            RunOutcome o = runner.run(s, out, RunOptions.defaults());
            assertTrue(o.record().complete(), s.overrides().toString());
            assertFalse(o.alreadyComplete(), "a second configuration is a new run, not 'already complete': " + s.overrides());
            assertEquals(Runner.runDir(out, s), o.runDir());
        }
        Path task = out.resolve(FakeTask.GC);
        try (var s = Files.list(task)) {
            assertEquals(List.of("fake-bc", "fake-bc@lr=0.05", "fake-bc@lr=0.2"),
                    s.map(x -> x.getFileName().toString()).sorted().toList());
        }
        for (String folder : List.of("fake-bc@lr=0.05", "fake-bc@lr=0.2")) {
            RunRecord r = Json.read(task.resolve(folder).resolve("seed7").resolve(Runner.RUN_JSON), RunRecord.class);
            assertTrue(r.complete(), folder);
            assertEquals(folder.substring(folder.indexOf('=') + 1), r.spec().overrides().get("lr"));
            assertEquals(Double.parseDouble(r.spec().overrides().get("lr")), r.config().get("lr").asDouble(), 0.0);
        }
        // run again: each configuration finds its own complete run
        assertTrue(runner.run(fast, out, RunOptions.defaults()).alreadyComplete());
        assertTrue(runner.run(slow, out, RunOptions.defaults()).alreadyComplete());
        // a different spec in one configuration's folder is still refused
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> runner.run(fast.withProtocol(new Protocol(30, 10, false, 2, 0, 5, 3, "adhoc", 0)), out, RunOptions.defaults()));
        assertTrue(e.getMessage().contains("different spec") && e.getMessage().contains("fake-bc@lr=0.2"), e.getMessage());
    }
}
