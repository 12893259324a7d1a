package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.RunRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BundleValidatorTest {
    @TempDir
    Path tmp;
    Store store;
    BundleValidator validator;

    @BeforeEach
    void setUp() throws Exception {
        store = Fixtures.store(tmp);
        Fixtures.importBaseline(store, tmp);
        validator = new BundleValidator(store, 3);
    }

    private List<String> problems(JsonNode bundle) throws Exception {
        BundleValidator.Result r = validator.validate(bundle);
        return r.problems().stream().map(RecordSchema.Problem::toString).toList();
    }

    /** Fails unless one problem contains every fragment (shared by the submission tests). */
    static void assertHas(List<String> problems, String... fragments) {
        for (String p : problems) {
            boolean all = true;
            for (String f : fragments) all &= p.contains(f);
            if (all) return;
        }
        throw new AssertionError("no problem containing " + List.of(fragments) + " in " + problems);
    }

    private static ObjectNode run0(ObjectNode bundle) {
        return (ObjectNode) bundle.get("runs").get(0);
    }

    @Test
    void aValidBundleIsAccepted() throws Exception {
        BundleValidator.Result r = validator.validate(Fixtures.bundle("new-flow", "A new method."));
        assertEquals(List.of(), r.problems());
        assertEquals(6, r.runs().size());
        assertEquals("new-flow", r.method().name());
        assertEquals("https://example.org/code", r.method().codeUrl());
    }

    @Test
    void aRealHarnessRecordPassesTheSchemaAndItsRunIdRecomputes() throws Exception {
        // the fixture's run id is computed by BundleValidator.runId; check that formula against the harness's own
        // record of a real quickstart run (identity.runId a24446f6dcd5c856, copied from runs/quickstart seed 0)
        RunRecord r = Fixtures.run("flow-bc", Fixtures.GOAL, 0, Map.of("flow-bc", 0.5), Fixtures.config("flow-bc", 256), 1, 1);
        assertEquals(List.of(), RecordSchema.check(Json.tree(r), RunRecord.class, "run"));
        assertEquals("a24446f6dcd5c856", BundleValidator.runId(realQuickstartShape()));
    }

    /** The identity-relevant fields of the real quickstart run flow-bc / pointmaze-medium-navigate-v0 / seed 0. */
    private static RunRecord realQuickstartShape() throws Exception {
        String json = """
            {"spec": {"algorithm": "flow-bc", "task": "pointmaze-medium-navigate-v0", "datasetDir": "/work/main/data/quickstart",
              "seed": 0, "profile": "cpu", "overrides": {}, "protocol": {"trainSteps": 3000, "evalEvery": 1500,
              "evalAtStart": false, "episodesPerTask": 20, "checkpointEvery": 1000, "logEvery": 250, "evalSeed": 0,
              "suiteName": "quickstart", "suiteVersion": 1}},
             "configHash": "f5f4b54e7768f5b58e79b0187970238392fb8e1d4615a922da1f2b436a4793d6",
             "datasets": [{"sha256": "752346876c7440db4ae4a1baffd61c91aee2f07107f3354c71248ae5f46967fd"},
                          {"sha256": "20d190adfd5b8a12ea6a8f953353ae76e53dc21d8eb92269b1f738344d566510"}]}""";
        JsonNode n = Json.mapper().readTree(json);
        var spec = Json.mapper().treeToValue(n.get("spec"), flowbench.harness.protocol.RunSpec.class);
        List<RunRecord.DatasetFile> ds = List.of(
                new RunRecord.DatasetFile("train", "f", n.get("datasets").get(0).get("sha256").textValue(), 0, "REGULAR"),
                new RunRecord.DatasetFile("validation", "f", n.get("datasets").get(1).get("sha256").textValue(), 0, "REGULAR"));
        return new RunRecord(1, "complete", null, spec, "cpu", null, n.get("configHash").textValue(), 0, ds, null, List.of(),
                List.of(), null, null, null, null, null, 0, null);
    }

    @Test
    void bundleAndMethodShapeErrorsNameTheField() throws Exception {
        assertHas(problems(new TextNode("hello")), "bundle: expected a JSON object", "found text \"hello\"");
        ObjectNode b = Fixtures.bundle("m1", "d");
        ((ObjectNode) b.get("method")).remove("description");
        ((ObjectNode) b.get("method")).put("family", "magic");
        b.put("extra", 1);
        List<String> ps = problems(b);
        assertHas(ps, "method.description: expected text of 1 to 5000 characters, found nothing (field missing)");
        assertHas(ps, "method.family: expected \"training-time\" or \"test-time\", found text \"magic\"");
        assertHas(ps, "extra: expected no such field");
        ObjectNode c = Fixtures.bundle("m1", "d");
        ((ObjectNode) c.get("method")).put("name", "<script>alert(1)</script>");
        ((ObjectNode) c.get("method")).put("code_url", "javascript:alert(1)");
        ps = problems(c);
        assertHas(ps, "method.name: expected a name of 1 to 64 lower-case letters", "<script>");
        assertHas(ps, "method.code_url: expected an http(s) URL", "javascript:alert(1)");
        ObjectNode d = Fixtures.bundle("m1", "d");
        d.putArray("runs");
        assertHas(problems(d), "runs: expected a non-empty array");
    }

    @Test
    void recordTypeErrorsGiveThePathExpectedAndFound() throws Exception {
        ObjectNode b = Fixtures.bundle("m1", "d");
        ((ObjectNode) run0(b).get("identity")).put("seed", "0");
        ((ObjectNode) b.get("runs").get(1)).put("surprise", true);
        ((ObjectNode) b.get("runs").get(2).get("timing")).set("totalSeconds", DoubleNode.valueOf(Double.POSITIVE_INFINITY));
        ((ObjectNode) b.get("runs").get(3)).remove("summary");
        ((ObjectNode) b.get("runs").get(4)).put("parameterCount", new BigDecimal("1.5"));
        List<String> ps = problems(b);
        assertHas(ps, "runs[0].identity.seed: expected an integer (64-bit), found text \"0\"");
        assertHas(ps, "runs[1].surprise: expected no such field");
        assertHas(ps, "runs[2].timing.totalSeconds: expected a finite number");
        assertHas(ps, "runs[3].summary: expected an array, found nothing (field missing)");
        assertHas(ps, "runs[4].parameterCount: expected an integer (64-bit), found number 1.5");
    }

    @Test
    void schemaVersionAndStatusAreChecked() throws Exception {
        ObjectNode b = Fixtures.bundle("m1", "d");
        run0(b).put("schemaVersion", 2);
        ((ObjectNode) b.get("runs").get(1)).put("status", "running");
        List<String> ps = problems(b);
        assertHas(ps, "runs[0].schemaVersion: expected 1", "found 2");
        assertHas(ps, "runs[1].status: expected \"complete\"", "found text \"running\"");
    }

    @Test
    void protocolFieldsMustEqualTheSuites() throws Exception {
        ObjectNode b = Fixtures.bundle("m1", "d");
        ((ObjectNode) run0(b).get("protocol")).put("episodesPerTask", 50);
        ((ObjectNode) run0(b).get("spec").get("protocol")).put("evalSeed", 7);
        ((ObjectNode) b.get("runs").get(1).get("protocol")).put("successTiming", "PRE");
        ((ObjectNode) b.get("runs").get(2).get("protocol")).put("rewardMode", "dense");
        List<String> ps = problems(b);
        assertHas(ps, "runs[0].protocol.episodesPerTask: expected 20 (the suite's protocol), found 50");
        assertHas(ps, "runs[0].spec.protocol.evalSeed: expected 0 (the suite's protocol), found 7");
        assertHas(ps, "runs[1].protocol.successTiming: expected \"POST\" (as in the suite's reproduced runs), found \"PRE\"");
        assertHas(ps, "runs[2].protocol.rewardMode: expected \"success - 1", "found \"dense\"");
    }

    @Test
    void unknownSuiteAndTaskAreRejected() throws Exception {
        ObjectNode b = Fixtures.bundle("m1", "d");
        ((ObjectNode) run0(b).get("protocol")).put("suite", "nope/1");
        ((ObjectNode) b.get("runs").get(1).get("identity")).put("task", "cube-single-v0");
        List<String> ps = problems(b);
        assertHas(ps, "runs[0].protocol.suite: expected one of the leaderboard's suites " + shippedSuites() + ", found text \"nope/1\"");
        assertHas(ps, "runs[1].spec.task: expected identity.task \"cube-single-v0\"");
    }

    @Test
    void datasetHashesMustMatchThePinnedOnes() throws Exception {
        ObjectNode b = Fixtures.bundle("m1", "d");
        ((ObjectNode) run0(b).get("datasets").get(0)).put("sha256", "00".repeat(32));
        List<String> ps = problems(b);
        assertHas(ps, "runs[0].datasets[0].sha256: expected " + Fixtures.TRAIN_SHA + " (pinned in suite quickstart/1",
                "found text \"" + "00".repeat(32));
    }

    @Test
    void forgedAggregatesAreCaughtByRecomputingFromEpisodes() throws Exception {
        ObjectNode b = Fixtures.bundle("m1", "d");
        // claim a better final score than the episodes show
        ((ObjectNode) run0(b).get("summary").get(0)).put("finalSuccess", 0.99);
        ObjectNode task = (ObjectNode) b.get("runs").get(1).get("evaluations").get(1).get("policies").get(0).get("tasks").get(2);
        task.put("success", 1.0);
        ObjectNode ep = (ObjectNode) b.get("runs").get(2).get("evaluations").get(0).get("policies").get(0).get("tasks").get(0)
                .get("episodes").get(3);
        ep.put("seed", 12345);
        ((ObjectNode) b.get("runs").get(3).get("summary").get(0)).put("bestSuccess", 1.5);
        List<String> ps = problems(b);
        assertHas(ps, "runs[0].summary[0].finalSuccess: expected", "the last evaluation's overall success, recomputed", "found 0.99");
        assertHas(ps, "runs[1].evaluations[1].policies[0].tasks[2].success: expected", "the fraction of successful episodes", "found 1.0");
        assertHas(ps, "runs[2].evaluations[0].policies[0].tasks[0].episodes[3].seed: expected", "Seeds.derive(evalSeed 0, \"episode\", 1, 3)", "found 12345");
        assertHas(ps, "runs[3].summary[0].bestSuccess: expected a success rate in [0, 1], found 1.5");
    }

    @Test
    void configHashAndRunIdMustRecompute() throws Exception {
        ObjectNode b = Fixtures.bundle("m1", "d");
        ((ObjectNode) run0(b).get("config")).put("learningRate", 0.1);
        ((ObjectNode) b.get("runs").get(1).get("identity")).put("runId", "ffffffffffffffff");
        List<String> ps = problems(b);
        assertHas(ps, "runs[0].configHash: expected", "(SHA-256 of the canonical config)");
        assertHas(ps, "runs[1].identity.runId: expected", "found text \"ffffffffffffffff\"");
    }

    @Test
    void runsMustBelongToTheMethod() throws Exception {
        ObjectNode b = Fixtures.bundle("m1", "d");
        ((ObjectNode) b.get("method")).put("name", "other");
        assertHas(problems(b), "runs[0].identity.algorithm: expected the bundle's method.name \"other\", found text \"m1\"");
    }

    @Test
    void tooFewSeedsAreRejectedCountingStoredRuns() throws Exception {
        ObjectNode b = Fixtures.bundle("m1", "d");
        ArrayNode runs = (ArrayNode) b.get("runs");
        runs.remove(5);
        runs.remove(4); // seed 2 on both tasks
        List<String> ps = problems(b);
        assertHas(ps, "task " + Fixtures.SINGLE, "expected at least 3 distinct seeds", "found 2 ([0, 1])");
        // with the three seeds stored, one more run of the same method config (another resolved config) alone is enough
        BundleValidator.Result ok = validator.validate(Fixtures.bundle("m1", "d"));
        store.insertSubmission(ok.method(), ok.runs(), "test", "x");
        ObjectNode more = Fixtures.bundle("m1", "d");
        ArrayNode mr = Json.mapper().createArrayNode();
        mr.add(Json.tree(Fixtures.run("m1", Fixtures.SINGLE, 2, Map.of("m1", 0.4), Fixtures.config("m1", 512), 200000, 15)));
        more.set("runs", mr);
        assertEquals(List.of(), problems(more));
    }

    @Test
    void duplicatesInTheBundleAndOnTheBoardAreRejected() throws Exception {
        ObjectNode b = Fixtures.bundle("m1", "d");
        ((ArrayNode) b.get("runs")).add(b.get("runs").get(0).deepCopy());
        assertHas(problems(b), "runs[6]: expected a run not repeated in the bundle", "as runs[0]");
        BundleValidator.Result ok = validator.validate(Fixtures.bundle("m1", "d"));
        store.insertSubmission(ok.method(), ok.runs(), "test", "x");
        List<String> again = problems(Fixtures.bundle("m1", "d"));
        assertEquals(6, again.size(), again.toString());
        assertHas(again, "runs[0]: expected a run not already on the leaderboard", "seed 0");
    }

    @Test
    void aStoredMethodKeepsItsPaperAndFamily() throws Exception {
        ObjectNode b = Fixtures.bundle("flow-bc", "d");
        assertHas(problems(b), "method.paper: expected the paper already stored for method 'flow-bc'");
    }

    @Test
    void problemCountIsBounded() throws Exception {
        ObjectNode b = Fixtures.bundle("m1", "d");
        for (JsonNode r : b.get("runs")) {
            for (JsonNode ev : r.get("evaluations")) {
                for (JsonNode t : ev.get("policies").get(0).get("tasks")) {
                    for (JsonNode e : t.get("episodes")) ((ObjectNode) e).put("seed", 1);
                }
            }
        }
        BundleValidator.Result r = validator.validate(b);
        assertEquals(100, r.problems().size());
        assertTrue(r.moreProblems() > 0);
        assertFalse(r.ok());
    }

    /** The shipped suites as the validator lists them: "name/version", sorted. */
    private static String shippedSuites() throws Exception {
        java.util.List<String> names = new java.util.ArrayList<>();
        java.util.List<String> shipped = new java.util.ArrayList<>(flowbench.harness.protocol.SuiteRunner.SHIPPED);
        shipped.addAll(flowbench.harness.protocol.SuiteRunner.SHIPPED_HISTORY);
        for (String n : shipped) {
            flowbench.harness.protocol.Suite s = flowbench.harness.protocol.SuiteRunner.load(n);
            names.add(s.name() + "/" + s.version());
        }
        java.util.Collections.sort(names);
        return names.toString();
    }
}
