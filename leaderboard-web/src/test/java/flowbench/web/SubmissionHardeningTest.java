package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #12, item 3: bundles follow the suite exactly (seeds, text lengths, consistent episodes, URL-safe names, the
 * validation dataset), and submitted compute numbers are labelled self-reported wherever they are shown.
 */
class SubmissionHardeningTest {
    static final String TOKEN = "hardening-token-0123456789abcdef0123";

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
        return validator.validate(bundle).problems().stream().map(RecordSchema.Problem::toString).toList();
    }

    private static void assertHas(List<String> problems, String... fragments) {
        BundleValidatorTest.assertHas(problems, fragments);
    }

    private static ObjectNode run(ObjectNode bundle, int i) {
        return (ObjectNode) bundle.get("runs").get(i);
    }

    /** Episode {@code e} of the final evaluation's first policy's first task of run {@code i}. */
    private static ObjectNode episode(ObjectNode bundle, int i, int e) {
        ArrayNode evals = (ArrayNode) run(bundle, i).get("evaluations");
        return (ObjectNode) evals.get(evals.size() - 1).get("policies").get(0).get("tasks").get(0).get("episodes").get(e);
    }

    /** The index of the first episode (final evaluation, first task of run i) whose success is {@code success}. */
    private static int firstEpisode(ObjectNode bundle, int i, boolean success) {
        for (int e = 0; ; e++) if (episode(bundle, i, e).get("success").booleanValue() == success) return e;
    }

    @Test
    void runSeedsMustBeTheSuitesReportOrSelectionSeeds() throws Exception {
        for (long seed : List.of(100L, -1L, Long.MAX_VALUE, 3L)) {
            ObjectNode b = Fixtures.bundle("new-flow", "d");
            ArrayNode runs = b.putArray("runs");
            runs.add(Json.tree(Fixtures.run("new-flow", Fixtures.SINGLE, seed, Map.of("new-flow", 0.4),
                    Fixtures.config("new-flow", 256), 200000, 15)));
            assertHas(problems(b), "runs[0].identity.seed: expected a seed of suite quickstart/1: report seeds [0, 1, 2]",
                    "found " + seed);
        }
        // a suite with a selection rule also takes its selection seeds (100, 101), and nothing else
        store.putSuite(Fixtures.selectionSuite(), "file");
        ObjectNode sel = Fixtures.bundle("new-flow", "d");
        sel.putArray("runs").add(Json.tree(Fixtures.run(Fixtures.selectionSuite(), "new-flow", Fixtures.SINGLE, 100,
                Map.of("new-flow", 0.4), Fixtures.config("new-flow", 256), 200000, 15)));
        assertFalse(problems(sel).stream().anyMatch(p -> p.contains("identity.seed")), problems(sel).toString());
        sel.putArray("runs").add(Json.tree(Fixtures.run(Fixtures.selectionSuite(), "new-flow", Fixtures.SINGLE, 102,
                Map.of("new-flow", 0.4), Fixtures.config("new-flow", 256), 200000, 15)));
        assertHas(problems(sel), "identity.seed", "or selection seeds [100, 101]", "found 102");
    }

    @Test
    void everyFreeTextFieldOfARunHasALengthLimit() throws Exception {
        String huge = "p".repeat(200_000);
        ObjectNode b = Fixtures.bundle("new-flow", "d");
        ArrayNode runs = b.putArray("runs");
        for (long seed = 0; seed < 3; seed++) {
            for (String task : List.of(Fixtures.SINGLE, Fixtures.GOAL)) {
                runs.add(Json.tree(Fixtures.run("new-flow", task, seed, Map.of(huge, 0.4), Fixtures.config("new-flow", 256),
                        200000, 15)));
            }
        }
        List<String> ps = problems(b);
        assertHas(ps, "runs[0].evaluations[0].policies[0].policy: expected text of at most " + FieldLimits.POLICY
                + " characters", "found text of 200000 characters");
        // any other text value, and any key, of the record
        ObjectNode c = Fixtures.bundle("new-flow", "d");
        ((ObjectNode) run(c, 0).get("machine")).put("cpuModel", "x".repeat(FieldLimits.RECORD_TEXT + 1));
        ((ObjectNode) run(c, 1).get("config")).put("k".repeat(FieldLimits.RECORD_KEY + 1), 1);
        List<String> cs = problems(c);
        assertHas(cs, "runs[0].machine.cpuModel: expected text of at most " + FieldLimits.RECORD_TEXT);
        assertHas(cs, "runs[1].config.", "expected a field name of at most " + FieldLimits.RECORD_KEY);
        // the bundle's own fields take their limits from the same place
        ObjectNode d = Fixtures.bundle("new-flow", "x".repeat(FieldLimits.DESCRIPTION + 1));
        assertHas(problems(d), "method.description: expected text of 1 to " + FieldLimits.DESCRIPTION);
    }

    @Test
    void episodeOutcomesMustBeConsistent() throws Exception {
        // a truncated episode ran to the task's episode limit (1000 in quickstart)
        ObjectNode b = Fixtures.bundle("new-flow", "d");
        episode(b, 1, firstEpisode(b, 1, false)).put("length", 999);
        assertHas(problems(b), ".length: expected 1000 (a truncated episode runs to maxEpisodeSteps)", "found 999");
        // every episode ended one way or the other
        ObjectNode n = Fixtures.bundle("new-flow", "d");
        episode(n, 1, firstEpisode(n, 1, false)).put("truncated", false);
        assertHas(problems(n), "expected an episode that ended: terminated or truncated", "found neither");
        // a success in a task that terminates on success ended by termination, not at the time limit
        ObjectNode s = Fixtures.bundle("new-flow", "d");
        ObjectNode ep = episode(s, 1, firstEpisode(s, 1, true));
        ep.put("terminated", false);
        ep.put("truncated", true);
        ep.put("length", 1000);
        assertHas(problems(s), ".terminated: expected true (a successful episode of a task that terminates on success)");
        // returns are finite numbers
        ObjectNode r = Fixtures.bundle("new-flow", "d");
        episode(r, 1, 0).put("return", new BigDecimal("1e999"));
        assertHas(problems(r), ".return: expected a finite number");
    }

    @Test
    void methodNamesAreUrlSafe() throws Exception {
        for (String name : List.of(".", "..", "a/b", "a b", "..%2f", "New-Flow", "-flow", "flow\\x", "x".repeat(65))) {
            ObjectNode b = Fixtures.bundle("new-flow", "d");
            ((ObjectNode) b.get("method")).put("name", name);
            assertHas(problems(b), "method.name: expected " + FieldLimits.METHOD_NAME_RULE);
        }
        for (String name : List.of("new-flow", "flow.v2", "a+b_c")) {
            assertEquals(List.of(), problems(Fixtures.bundle(name, "d")), name);
        }
    }

    @Test
    void theValidationDatasetIsRequired() throws Exception {
        ObjectNode b = Fixtures.bundle("new-flow", "d");
        ((ArrayNode) run(b, 0).get("datasets")).remove(1);
        assertHas(problems(b), "runs[0].datasets: expected a dataset file with role \"validation\"", "found roles [train]");
    }

    @Test
    void submittedComputeNumbersAreShownAsSelfReported() throws Exception {
        LeaderboardServer server = LeaderboardServer.start(store, LeaderboardServer.Config.defaults()
                .withTokens(SubmitTokens.single(TOKEN, "test")));
        try {
            Http http = new Http(server.port());
            HttpResponse<String> r = http.post("/api/submissions", Json.pretty(Fixtures.bundle("new-flow", "d"))
                    .getBytes(StandardCharsets.UTF_8), Map.of("Authorization", "Bearer " + TOKEN));
            assertEquals(201, r.statusCode(), r.body());
            long id = Json.mapper().readTree(r.body()).get("runs").get(0).get("id").longValue();
            // plots: the submitted entry's model-size point and wall-clock points are labelled, the harness's are not
            JsonNode plots = Json.mapper().readTree(http.get("/api/suites/quickstart/1/plots").body()).get("plots");
            for (String plot : List.of("scaling", "compute")) {
                List<String> labels = new java.util.ArrayList<>();
                for (JsonNode p : plots) {
                    if (p.get("id").textValue().equals(plot)) p.get("series").forEach(s -> labels.add(s.get("label").textValue()));
                }
                assertTrue(labels.contains("new-flow (self-reported)") && labels.contains("flow-bc")
                        && !labels.contains("new-flow"), plot + ": " + labels);
            }
            // tables: the leaderboard, runs table and run page say so; downloads carry the source column
            String page = http.get("/suites/quickstart/1").body();
            assertTrue(page.contains("200000 (self-reported)"), "parameters on the leaderboard and runs table");
            assertTrue(http.get("/suites/quickstart/1/download/runs/csv").body().contains(",self-reported,"));
            String run = http.get("/runs/" + id).body();
            assertTrue(run.contains("wall-clock total s (self-reported)") && run.contains("parameter count (self-reported)"), run);
            assertTrue(http.get("/methods/new-flow/download/compute/csv").body().contains("self-reported"));
            long harnessRun = store.runsOfMethod("flow-bc").get(0).id();
            assertFalse(http.get("/runs/" + harnessRun).body().contains("self-reported"));
        } finally {
            server.close();
        }
    }
}
