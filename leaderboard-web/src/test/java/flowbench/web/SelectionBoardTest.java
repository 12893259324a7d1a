package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.Suite;
import flowbench.harness.report.ScoreKind;
import flowbench.harness.report.Sweeps;
import flowbench.harness.stats.Metric;
import flowbench.harness.stats.StratifiedBootstrap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A suite with a declared selection rule on the leaderboard: QGF-like runs whose guidance weight w=0.02 wins on the
 * selection seeds (100, 101) while w=0.05 wins on the report seeds (0..2). The board must report w=0.02 on the report
 * seeds only, list every candidate in the sweep, and hold submissions to the same rule.
 */
class SelectionBoardTest {
    static final String TOKEN = "selection-token-0123456789abcdef0123456789";
    static final String SUITE = "qgf-selection/1";
    static final String METHOD = "qgf [w by rule]";

    @TempDir
    Path tmp;
    Store store;
    LeaderboardServer server;
    Http http;
    Suite suite;

    /** qgf's policies: on selection seeds w=0.02 is best, on report seeds w=0.05 is. */
    static Map<String, Double> qgfPolicies(long seed) {
        boolean selection = seed >= 100;
        Map<String, Double> p = new LinkedHashMap<>();
        p.put("flow-bc", 0.3);
        p.put("qgf(w=0.01)", selection ? 0.3 : 0.2);
        p.put("qgf(w=0.02)", selection ? 0.8 : 0.4);
        p.put("qgf(w=0.05)", selection ? 0.2 : 0.9);
        return p;
    }

    static List<RunRecord> runs(Suite suite, String algorithm, List<Long> seeds) {
        List<RunRecord> out = new ArrayList<>();
        for (long seed : seeds) {
            for (String task : List.of(Fixtures.SINGLE, Fixtures.GOAL)) {
                out.add(algorithm.equals("flow-bc")
                        ? Fixtures.run(suite, "flow-bc", task, seed, Map.of("flow-bc", 0.5), Fixtures.config("flow-bc", 256), 134146, 20)
                        : Fixtures.run(suite, algorithm, task, seed, qgfPolicies(seed), Fixtures.config(algorithm, 512), 530000, 40));
            }
        }
        return out;
    }

    @BeforeEach
    void start() throws Exception {
        store = Fixtures.store(tmp);
        suite = Fixtures.selectionSuite();
        store.putSuite(suite, "file");
        List<RunRecord> records = new ArrayList<>(runs(suite, "flow-bc", List.of(0L, 1L, 2L)));
        records.addAll(runs(suite, "qgf", List.of(0L, 1L, 2L, 100L, 101L)));
        Importer.importFolder(Fixtures.writeResults(tmp.resolve("results"), records), store);
        server = LeaderboardServer.start(store, new LeaderboardServer.Config("127.0.0.1", 0, SubmitTokens.single(TOKEN, "test"),
                10L * 1024 * 1024, 3, 0, 2000, 200));
        http = new Http(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Boards.Board board() throws Exception {
        return new Boards(store, 0, 2000, 200).board(store.suite(SUITE).orElseThrow(), ScoreKind.FINAL);
    }

    @Test
    void theFamilyIsOneEntryChosenOnSelectionSeedsAndScoredOnReportSeeds() throws Exception {
        Boards.Board b = board();
        assertEquals(List.of("flow-bc", METHOD, "qgf[flow-bc]"), b.ranked().stream().map(Boards.Entry::label).sorted().toList());
        Boards.Entry q = b.ranked().stream().filter(e -> e.label().equals(METHOD)).findFirst().orElseThrow();
        assertEquals("w=0.02 (chosen on seeds 100–101)", q.selection());
        assertEquals(6, q.runs(), "report seeds 0..2 on two tasks; selection runs never count");
        assertNull(b.ranked().stream().filter(e -> e.label().equals("flow-bc")).findFirst().orElseThrow().selection());
        // its numbers are w=0.02's on the report seeds, recomputed here from the stored per-policy scores
        Map<String, List<Double>> w02 = new TreeMap<>(), w05 = new TreeMap<>();
        for (Store.PolicyScore s : store.scores(SUITE)) {
            if (!s.algorithm().equals("qgf") || s.seed() >= 100) continue;
            if (s.policy().equals("qgf(w=0.02)")) w02.computeIfAbsent(s.task(), k -> new ArrayList<>()).add(s.finalSuccess());
            if (s.policy().equals("qgf(w=0.05)")) w05.computeIfAbsent(s.task(), k -> new ArrayList<>()).add(s.finalSuccess());
        }
        StratifiedBootstrap boot = new StratifiedBootstrap(2000, 0.95, 0);
        assertEquals(boot.interval(arrays(w02), Metric.IQM), q.intervals().get(Metric.IQM));
        assertTrue(boot.interval(arrays(w05), Metric.IQM).point() > q.intervals().get(Metric.IQM).point(),
                "w=0.05 would look better on the report seeds: the rule does not peek");
        assertEquals(3, b.ranked().size(), "no entry per weight, rank intervals over the selected rows only");
        assertTrue(b.ranked().stream().allMatch(e -> e.rank() != null));

        // the sweep: 3 candidates x 2 roles, w=0.02 marked in both
        assertEquals(6, b.sweep().size());
        for (Boards.SweepRow r : b.sweep()) {
            assertEquals(r.candidate().equals("qgf(w=0.02)"), r.chosen(), r.toString());
            assertEquals("selected by rule", r.status());
            assertEquals(r.role().equals("selection") ? 4 : 6, r.runs(), r.toString());
        }
        assertTrue(b.unresolved().isEmpty());
    }

    private static Map<String, double[]> arrays(Map<String, List<Double>> m) {
        Map<String, double[]> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.stream().mapToDouble(Double::doubleValue).toArray()));
        return out;
    }

    @Test
    void suitePageShowsTheRuleTheChoiceAndTheSweep() throws Exception {
        HttpResponse<String> page = http.get("/suites/qgf-selection/1?kind=final");
        assertEquals(200, page.statusCode());
        String b = page.body();
        String lb = b.substring(b.indexOf("id=\"table-leaderboard\""), b.indexOf("</table>", b.indexOf("id=\"table-leaderboard\"")));
        assertTrue(lb.contains(">" + METHOD + "<") && lb.contains("w=0.02 (chosen on seeds 100–101)"), lb);
        assertFalse(lb.contains("qgf(w=0.05)"), "no weight is an entry of its own");
        assertTrue(b.contains("chosen on the selection runs"), "the sweep section explains the rule");
        assertTrue(b.contains("seeds 100–101"), "the suite facts state the rule");
        String sweep = b.substring(b.indexOf("id=\"table-sweep\""), b.indexOf("</table>", b.indexOf("id=\"table-sweep\"")));
        assertEquals(2, sweep.split("✓ chosen", -1).length - 1, "the chosen candidate is marked in both roles");
        JsonNode api = Json.mapper().readTree(http.get("/api/suites/qgf-selection/1/sweep?kind=final").body());
        assertEquals(6, api.get("rows").size());
        assertEquals(List.of(100L, 101L), Json.mapper().convertValue(api.get("selectionRule").get("selectionSeeds"),
                Json.mapper().getTypeFactory().constructCollectionType(List.class, Long.class)));
        String runs = http.get("/suites/qgf-selection/1/download/runs/csv").body();
        assertTrue(runs.contains(",100,selection,") && runs.contains(",0,report,"), "the runs table states each run's role");
        // the guidance plot shows every candidate and marks the chosen weight
        JsonNode plots = Json.mapper().readTree(http.get("/api/suites/qgf-selection/1/plots?kind=final").body());
        JsonNode guidance = null;
        for (JsonNode p : plots.get("plots")) if (p.get("id").asText().equals("guidance")) guidance = p;
        assertEquals(List.of(0.01, 0.02, 0.05), Json.mapper().convertValue(guidance.get("x"),
                Json.mapper().getTypeFactory().constructCollectionType(List.class, Double.class)));
        JsonNode chosen = guidance.get("series").get(3);
        assertEquals("qgf: chosen by rule", chosen.get("label").asText());
        assertTrue(chosen.get("y").get(0).isNull() && chosen.get("y").get(1).isNumber() && chosen.get("y").get(2).isNull());
    }

    private ObjectNode bundle(String name, List<RunRecord> runs) {
        ObjectNode b = Json.mapper().createObjectNode();
        ObjectNode m = b.putObject("method");
        m.put("name", name);
        m.put("paper", "Doe et al., Guided Flows (2026)");
        m.put("description", "a swept test-time method");
        m.put("family", "test-time");
        ArrayNode arr = b.putArray("runs");
        for (RunRecord r : runs) arr.add(Json.tree(r));
        return b;
    }

    private HttpResponse<String> submit(ObjectNode bundle) throws Exception {
        return http.post("/api/submissions", Json.pretty(bundle).getBytes(StandardCharsets.UTF_8),
                Map.of("Authorization", "Bearer " + TOKEN, "Content-Type", "application/json"));
    }

    @Test
    void submissionsWithASweptFamilyAreHeldToTheSameRule() throws Exception {
        // report seeds only: the rule cannot choose, the bundle is refused naming the missing run
        HttpResponse<String> r = submit(bundle("sub-qgf", runs(suite, "sub-qgf", List.of(0L, 1L, 2L))));
        assertEquals(400, r.statusCode(), r.body());
        JsonNode err = Json.mapper().readTree(r.body()).get("errors").get(0);
        assertTrue(err.get("path").asText().contains("family qgf"), err.toString());
        assertTrue(err.get("found").asText().contains("no selection run of sub-qgf") && err.get("found").asText().contains("seed 100"),
                err.toString());

        // a selection run without one candidate: refused, naming that run
        List<RunRecord> rs = runs(suite, "sub-qgf", List.of(0L, 1L, 2L, 100L, 101L));
        int bad = -1;
        for (int i = 0; i < rs.size(); i++) if (rs.get(i).identity().seed() == 101 && rs.get(i).identity().task().equals(Fixtures.GOAL)) bad = i;
        Map<String, Double> fewer = qgfPolicies(101);
        fewer.remove("qgf(w=0.05)");
        rs.set(bad, Fixtures.run(suite, "sub-qgf", Fixtures.GOAL, 101, fewer, Fixtures.config("sub-qgf", 512), 530000, 40));
        r = submit(bundle("sub-qgf", rs));
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("runs[" + bad + "]") && r.body().contains("no summary for policy 'qgf(w=0.05)'"), r.body());

        // selection seeds do not count toward the minimum number of seeds
        r = submit(bundle("sub-qgf", runs(suite, "sub-qgf", List.of(0L, 1L, 100L, 101L))));
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("selection seeds [100, 101] do not count"), r.body());

        // complete: accepted, and the board recomputes the choice (w=0.02), whatever the submitter might prefer
        r = submit(bundle("sub-qgf", runs(suite, "sub-qgf", List.of(0L, 1L, 2L, 100L, 101L))));
        assertEquals(201, r.statusCode(), r.body());
        Boards.Board b = board();
        Boards.Entry e = b.ranked().stream().filter(x -> x.label().equals("sub-qgf[qgf] [w by rule]"))
                .findFirst().orElseThrow(() -> new AssertionError(b.ranked().stream().map(Boards.Entry::label).toList()));
        assertEquals("w=0.02 (chosen on seeds 100–101)", e.selection());
        assertEquals("submitted", e.status());
        assertEquals(6, e.runs());
    }

    @Test
    void storedSweepsWithoutSelectionRunsAreNotRankedAndSayWhy() throws Exception {
        Store s2 = new Store(Store.sqliteUrl(tmp.resolve("other.db")));
        LeaderboardServer.registerShippedSuites(s2);
        s2.putSuite(suite, "file");
        List<RunRecord> records = new ArrayList<>(runs(suite, "flow-bc", List.of(0L, 1L, 2L)));
        records.addAll(runs(suite, "qgf", List.of(0L, 1L, 2L, 100L))); // seed 101 missing
        Importer.importFolder(Fixtures.writeResults(tmp.resolve("partial"), records), s2);
        Boards.Board b = new Boards(s2, 0, 500, 100).board(s2.suite(SUITE).orElseThrow(), ScoreKind.FINAL);
        assertEquals(List.of("flow-bc", "qgf[flow-bc]"), b.ranked().stream().map(Boards.Entry::label).sorted().toList());
        assertEquals(1, b.unresolved().size());
        assertTrue(b.unresolved().get(0).contains("no selection run of qgf") && b.unresolved().get(0).contains("seed 101"),
                b.unresolved().get(0));
        assertTrue(b.sweep().stream().allMatch(r -> !r.chosen() && r.status().startsWith("rule not applied")));
        assertNotEquals(0, b.sweep().size(), "the candidates are still listed");
        assertTrue(b.sweep().stream().noneMatch(r -> r.status().equals(Sweeps.NO_RULE)));
    }
}
