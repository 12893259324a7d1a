package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.EpisodeOutcome;
import flowbench.harness.protocol.Evaluation;
import flowbench.harness.protocol.RunRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reproduction check ({@link Reproduction}) on records, and the bounds the validator puts on the {@code external}
 * block it reads (the store's side is in {@link StoreTest}, which also runs on PostgreSQL).
 */
class ReproductionTest {
    static final String TOKEN = "reproduction-token-0123456789abcdef0123";

    @TempDir
    Path tmp;

    private static RunRecord record(double success, double seconds) {
        return Fixtures.run("new-flow", Fixtures.GOAL, 0, Map.of("new-flow", success), Fixtures.config("new-flow", 256),
                200000, seconds);
    }

    @Test
    void equalEvaluationsAreExactWhateverTheTimingAndMachine() {
        RunRecord a = record(0.5, 15), b = record(0.5, 99);
        assertFalse(a.timing().equals(b.timing()));
        assertEquals(new Reproduction.Verdict(true, Reproduction.EXACT), Reproduction.check(a, b));
    }

    @Test
    void theFirstDifferenceIsNamed() {
        RunRecord a = record(0.5, 15);
        // episode 4 of task 3 (index 2) at the second evaluation: one step longer, and (later) another episode flipped
        RunRecord b = Fixtures.withEpisode(a, 1, 0, 2, 4, o -> new EpisodeOutcome(o.episode(), o.seed(), o.success(),
                o.episodeReturn(), o.length() + 1, o.terminated(), o.truncated()));
        b = Fixtures.withEpisode(b, 1, 0, 4, 0, o -> new EpisodeOutcome(o.episode(), o.seed(), !o.success(),
                o.episodeReturn(), o.length(), o.terminated(), o.truncated()));
        int len = a.evaluations().get(1).policies().get(0).tasks().get(2).episodes().get(4).length();
        assertEquals(new Reproduction.Verdict(false, "not reproduced: policy new-flow, step 3000, task 3, episode 4:"
                + " submitted length " + len + ", harness " + (len + 1)), Reproduction.check(a, b));
        RunRecord t = Fixtures.withEpisode(a, 0, 0, 0, 1, o -> new EpisodeOutcome(o.episode(), o.seed(), o.success(),
                o.episodeReturn(), o.length(), !o.terminated(), o.truncated()));
        assertTrue(Reproduction.check(a, t).text().startsWith("not reproduced: policy new-flow, step 1500, task 1, episode 1:"
                + " submitted terminated "), Reproduction.check(a, t).text());
    }

    @Test
    void stepsAndPoliciesMustBeTheSame() {
        RunRecord a = record(0.5, 15);
        RunRecord fewer = new RunRecord(a.schemaVersion(), a.status(), a.identity(), a.spec(), a.profile(), a.config(),
                a.configHash(), a.parameterCount(), a.datasets(), a.protocol(), a.evaluations().subList(0, 1), a.summary(),
                a.timing(), a.machine(), a.software(), a.startedAt(), a.finishedAt(), a.resumes(), a.domain());
        assertEquals("not reproduced: evaluation steps [1500, 3000] submitted, [1500] by the harness",
                Reproduction.check(a, fewer).text());
        Evaluation e0 = a.evaluations().get(0);
        var renamed = new flowbench.harness.protocol.PolicyEvaluation("other", 1, e0.policies().get(0).overallSuccess(),
                e0.policies().get(0).meanReturn(), e0.policies().get(0).tasks());
        RunRecord other = new RunRecord(a.schemaVersion(), a.status(), a.identity(), a.spec(), a.profile(), a.config(),
                a.configHash(), a.parameterCount(), a.datasets(), a.protocol(),
                List.of(new Evaluation(1500, List.of(renamed)), a.evaluations().get(1)), a.summary(), a.timing(), a.machine(),
                a.software(), a.startedAt(), a.finishedAt(), a.resumes(), a.domain());
        // whatever the method declares
        RunRecord loose = Fixtures.withExternal(a, Fixtures.agent("new-flow", false, 1.0));
        assertEquals("not reproduced: step 1500: policies [new-flow] submitted, [other] by the harness",
                Reproduction.check(loose, other).text());
    }

    @Test
    void anUndeclaredExternalMethodHasToleranceZeroOnOverallSuccess() {
        RunRecord a = record(0.5, 15);
        // an episode flipped in one task and the opposite in another: the overall success is the same, the episodes not
        RunRecord b = Fixtures.withEpisode(a, 0, 0, 0, firstWith(a, 0, true), o -> flip(o));
        b = Fixtures.withEpisode(b, 0, 0, 1, firstWith(a, 1, false), o -> flip(o));
        assertEquals(a.evaluations().get(0).policies().get(0).overallSuccess(),
                b.evaluations().get(0).policies().get(0).overallSuccess(), 1e-12);
        RunRecord undeclared = Fixtures.withExternal(a, Fixtures.agent("new-flow", null, null));
        assertFalse(Reproduction.deterministic(undeclared));
        assertEquals(0, Reproduction.tolerance(undeclared));
        assertEquals(new Reproduction.Verdict(true, "within tolerance 0"), Reproduction.check(undeclared, b));
        assertFalse(Reproduction.check(a, b).reproduced(), "a flowbench algorithm: exact");
        assertFalse(Reproduction.check(Fixtures.withExternal(a, Fixtures.agent("new-flow", true, 0.5)), b).reproduced(),
                "deterministic: exact, whatever its tolerance");
        // one more success in task 1: overall success differs by 1/20/5 = 0.01
        RunRecord c = Fixtures.withEpisode(a, 0, 0, 0, firstWith(a, 0, false), o -> flip(o));
        assertEquals("not reproduced: policy new-flow, step 1500: overall success "
                        + plain(a.evaluations().get(0).policies().get(0).overallSuccess()) + " submitted vs "
                        + plain(c.evaluations().get(0).policies().get(0).overallSuccess()) + " by the harness, tolerance 0",
                Reproduction.check(undeclared, c).text());
        assertEquals("within tolerance 0.01",
                Reproduction.check(Fixtures.withExternal(a, Fixtures.agent("new-flow", false, 0.01)), c).text());
    }

    private static String plain(double v) {
        return new java.math.BigDecimal(v).setScale(4, java.math.RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
    }

    private static int firstWith(RunRecord r, int task, boolean success) {
        List<EpisodeOutcome> eps = r.evaluations().get(0).policies().get(0).tasks().get(task).episodes();
        for (int i = 0; i < eps.size(); i++) if (eps.get(i).success() == success) return i;
        throw new AssertionError("no episode with success " + success + " in task index " + task);
    }

    private static EpisodeOutcome flip(EpisodeOutcome o) {
        return new EpisodeOutcome(o.episode(), o.seed(), !o.success(), o.episodeReturn(), o.length(), o.terminated(),
                o.truncated());
    }

    // ------------------------------------------------------------------------------------------------ validation

    private static ObjectNode bundleWith(java.util.function.Consumer<ObjectNode> external) {
        ObjectNode b = Fixtures.bundle("ext-flow", "an external method");
        for (JsonNode run : b.get("runs")) {
            ObjectNode ext = (ObjectNode) Json.tree(Fixtures.withExternal(Fixtures.run("ext-flow", Fixtures.SINGLE, 0,
                    Map.of("ext-flow", 0.4), Fixtures.config("ext-flow", 256), 1, 1), null).external());
            external.accept(ext);
            ((ObjectNode) run).set("external", ext);
        }
        return b;
    }

    private static List<String> problems(BundleValidator.Result r) {
        return r.problems().stream().map(RecordSchema.Problem::toString).toList();
    }

    private static void assertHas(List<String> problems, String... fragments) {
        BundleValidatorTest.assertHas(problems, fragments);
    }

    @Test
    void theExternalBlockIsBoundedAndItsDeclarationsChecked() throws Exception {
        Store store = Fixtures.store(tmp);
        Fixtures.importBaseline(store, tmp);
        BundleValidator validator = new BundleValidator(store, 3);
        // well formed: accepted, with or without declarations, an empty code URL
        assertEquals(List.of(), problems(validator.validate(bundleWith(e -> {}))));
        assertEquals(List.of(), problems(validator.validate(bundleWith(e -> ((ObjectNode) e.get("agent"))
                .put("deterministic", false).put("tolerance", 0.05).put("code_url", "")))));
        assertEquals(List.of(), problems(validator.validate(bundleWith(e -> ((ObjectNode) e.get("agent"))
                .put("tolerance", 1).put("code_url", "http://example.org/x")))));

        Map<String, java.util.function.Consumer<ObjectNode>> bad = new java.util.LinkedHashMap<>();
        bad.put("runs[0].external: expected at most 16384 bytes of JSON|found an object of ",
                e -> ((ObjectNode) e.get("environment")).put("notes", "n".repeat(1500)).put("more", "m".repeat(1500))
                        .set("list", Json.mapper().valueToTree(java.util.Collections.nCopies(1500, "0123456789"))));
        bad.put("runs[0].external.command: expected text of at most 2000 characters|found text of 2001 characters",
                e -> e.put("command", "c".repeat(2001)));
        bad.put("runs[0].external.agent.deterministic: expected true or false|found text \"yes\"",
                e -> ((ObjectNode) e.get("agent")).put("deterministic", "yes"));
        bad.put("runs[0].external.agent.deterministic: expected true or false|found null",
                e -> ((ObjectNode) e.get("agent")).putNull("deterministic"));
        bad.put("runs[0].external.agent.tolerance: expected a number in [0, 1]|found number 1.5",
                e -> ((ObjectNode) e.get("agent")).put("tolerance", 1.5));
        bad.put("runs[0].external.agent.tolerance: expected a number in [0, 1]|found number -0.01",
                e -> ((ObjectNode) e.get("agent")).put("tolerance", -0.01));
        bad.put("runs[0].external.agent.tolerance: expected a number in [0, 1]|found text \"0.1\"",
                e -> ((ObjectNode) e.get("agent")).put("tolerance", "0.1"));
        bad.put("runs[0].external.agent.code_url: expected empty, or an http(s) URL of at most 500 characters|found text \"examples/numpy_bc.py\"",
                e -> ((ObjectNode) e.get("agent")).put("code_url", "examples/numpy_bc.py"));
        bad.put("runs[0].external.agent.code_url: expected empty, or an http(s) URL|found text \"javascript:alert(1)\"",
                e -> ((ObjectNode) e.get("agent")).put("code_url", "javascript:alert(1)"));
        bad.put("runs[0].external.agent.code_url: expected empty, or an http(s) URL|found text of 501 characters",
                e -> ((ObjectNode) e.get("agent")).put("code_url", "https://example.org/" + "x".repeat(481)));
        bad.put("runs[0].external.agent.code_url: expected empty, or an http(s) URL|found number 7",
                e -> ((ObjectNode) e.get("agent")).put("code_url", 7));
        for (Map.Entry<String, java.util.function.Consumer<ObjectNode>> c : bad.entrySet()) {
            BundleValidator.Result r = validator.validate(bundleWith(c.getValue()));
            assertFalse(r.ok(), c.getKey());
            assertEquals(List.of(), r.runs(), "nothing to store: " + c.getKey());
            assertHas(problems(r), c.getKey().split("\\|"));
        }
    }

    @Test
    void aHostileExternalBlockIsRefusedAndStoresNothing() throws Exception {
        Store store = Fixtures.store(tmp);
        Fixtures.importBaseline(store, tmp);
        int before = store.runCount();
        LeaderboardServer server = LeaderboardServer.start(store, LeaderboardServer.Config.defaults()
                .withTokens(SubmitTokens.single(TOKEN, "test")));
        try {
            Http http = new Http(server.port());
            // 100 kB of environment in each run, within the upload limit and every text limit
            ObjectNode b = bundleWith(e -> ((ObjectNode) e.get("environment"))
                    .set("blob", Json.mapper().valueToTree(java.util.Collections.nCopies(100, "x".repeat(1000)))));
            HttpResponse<String> r = http.post("/api/submissions", Json.pretty(b).getBytes(StandardCharsets.UTF_8),
                    Map.of("Authorization", "Bearer " + TOKEN));
            assertEquals(400, r.statusCode(), r.body());
            assertTrue(r.body().contains("at most 16384 bytes of JSON"), r.body());
            assertEquals(before, store.runCount());
            assertTrue(store.method("ext-flow").isEmpty());
        } finally {
            server.close();
        }
    }
}
