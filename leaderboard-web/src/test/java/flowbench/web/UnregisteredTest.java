package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.report.ScoreKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Results folders whose runs name a suite no definition registers (ad-hoc runs, "adhoc/0", or a folder without its
 * summary.json): imported and served apart as "unregistered", per task, never ranked and never on a suite's board.
 */
class UnregisteredTest {
    @TempDir
    Path tmp;

    /** The quickstart baseline and the same algorithm's ad-hoc runs (same task, seed and config: same key but the suite). */
    private Path mixedFolder() throws Exception {
        List<RunRecord> records = new ArrayList<>(Fixtures.baseline());
        records.addAll(Fixtures.adhoc());
        Path root = tmp.resolve("results");
        Fixtures.writeResults(root.resolve("quickstart"), Fixtures.baseline());
        Fixtures.writeResults(root.resolve("adhoc"), Fixtures.adhoc());
        return root;
    }

    @Test
    void aFolderOfRunsOfNoKnownSuiteIsImportedAsUnregistered() throws Exception {
        Store store = Fixtures.store(tmp);
        Path root = mixedFolder();
        Importer.Report rep = Importer.importFolder(root, store);
        assertEquals(18, rep.written().inserted());
        assertEquals(List.of("adhoc/0"), rep.unregistered());
        assertTrue(rep.describe(root).contains("unregistered (no suite definition, not ranked): adhoc/0"), rep.describe(root));
        assertTrue(rep.warnings().stream().anyMatch(w -> w.contains("runs of suite adhoc/0 are stored as unregistered")),
                rep.warnings().toString());
        // never a suite: not listed, no board, not submittable
        assertTrue(store.suite("adhoc/0").isEmpty());
        assertFalse(store.suites().stream().anyMatch(s -> s.id().contains("adhoc")), store.suites().toString());
        Store.UnregisteredInfo u = store.unregistered("adhoc/0").orElseThrow();
        assertEquals(6, u.runs());
        assertEquals(1, u.methods());
        assertEquals(List.of(Fixtures.SINGLE, Fixtures.GOAL), u.tasks());
        assertFalse(u.registeredSince());
        // the registered suite's runs and board are exactly the baseline's: the ad-hoc runs (same keys but the suite)
        // are neither merged into nor mistaken for them
        assertEquals(12, store.runsOfSuite(Fixtures.SUITE).size());
        assertEquals(6, store.runsOfSuite(Store.unregisteredKey("adhoc/0")).size());
        Boards.Board b = new Boards(store, 0, 500, 100).board(store.suite(Fixtures.SUITE).orElseThrow(), ScoreKind.FINAL);
        assertEquals(1, b.ranked().size(), b.ranked() + " / " + b.incomplete());
        assertEquals(6, b.ranked().get(0).runs());
        // importing again changes nothing
        Importer.Report again = Importer.importFolder(root, store);
        assertEquals(18, again.written().unchanged());
        assertEquals(18, store.runCount());
    }

    @Test
    void whatIsRefusedForASuiteIsRefusedForUnregisteredRuns() throws Exception {
        Store store = Fixtures.store(tmp);
        // a bad record among ad-hoc runs stops the import, and nothing (no unregistered group either) is stored
        Path results = Fixtures.writeResults(tmp.resolve("r"), Fixtures.adhoc());
        Path bad = results.resolve("zz/bad/seed0");
        Files.createDirectories(bad);
        Files.writeString(bad.resolve("run.json"), "{\"schemaVersion\": 1, \"status\": \"complete\"}");
        Exception e = assertThrows(java.io.IOException.class, () -> Importer.importFolder(results, store));
        assertTrue(e.getMessage().contains(bad.resolve("run.json").toString()), e.getMessage());
        assertEquals(0, store.runCount());
        assertEquals(List.of(), store.unregistered());
        // a superseded note marks a registered suite version: beside runs of none it fails the import, as before
        Path runs = Fixtures.writeReport(tmp.resolve("reports"), "adhoc/0", Fixtures.adhoc(),
                "{\"superseded\": true, \"reason\": \"configs changed\"}");
        SQLException s = assertThrows(SQLException.class, () -> Importer.importFolder(runs, store));
        assertTrue(s.getMessage().contains("suite adhoc/0 is not known to the leaderboard"), s.getMessage());
        assertEquals(0, store.runCount());
        assertEquals(List.of(), store.unregistered());
        // the store's own import of harness runs (what submissions and tests use) still refuses an unknown suite
        RunRecord r = Fixtures.adhoc().get(0);
        SQLException direct = assertThrows(SQLException.class,
                () -> store.importReproduced(List.of(new Store.ParsedRun(r, Json.pretty(r), "direct"))));
        assertTrue(direct.getMessage().contains("direct: suite adhoc/0 is not known"), direct.getMessage());
    }

    @Test
    void aSubmissionToAnUnregisteredSuiteIsRefused() throws Exception {
        Store store = Fixtures.store(tmp);
        Importer.importFolder(mixedFolder(), store);
        ObjectNode bundle = Fixtures.bundle("new-flow", "desc");
        ArrayNode runs = bundle.putArray("runs");
        for (RunRecord r : Fixtures.adhoc()) {
            RunRecord renamed = Fixtures.run(Fixtures.adhocSuite(), "new-flow", r.identity().task(), r.identity().seed(),
                    java.util.Map.of("new-flow", 0.5), Fixtures.config("new-flow", 256), 1000, 10);
            runs.add(Json.tree(renamed));
        }
        BundleValidator.Result v = new BundleValidator(store, 3).validate(bundle);
        assertFalse(v.ok());
        assertTrue(v.problems().stream().anyMatch(p -> p.path().endsWith(".protocol.suite") && p.found().contains("adhoc/0")),
                v.problems().toString());
    }

    @Test
    void unregisteredRunsAreServedOnTheirOwnPagePerTaskAndNeverRanked() throws Exception {
        Store store = Fixtures.store(tmp);
        Importer.importFolder(mixedFolder(), store);
        try (LeaderboardServer server = LeaderboardServer.start(store, LeaderboardServer.Config.defaults())) {
            Http http = new Http(server.port());
            String home = http.get("/").body();
            assertTrue(home.contains("Unregistered results (not ranked)"), home);
            assertTrue(home.contains("href=\"&#47;unregistered&#47;adhoc&#47;0\""), home);
            assertTrue(home.contains("no frozen protocol"), home);
            String suites = home.substring(home.indexOf("id=\"table-suites\""), home.indexOf("</table>", home.indexOf("id=\"table-suites\"")));
            assertFalse(suites.contains("adhoc"), "not among the suites: " + suites);

            HttpResponse<String> page = http.get("/unregistered/adhoc/0");
            assertEquals(200, page.statusCode());
            String b = page.body();
            for (String s : List.of("Unregistered results: adhoc&#47;0", "Not ranked:", "no frozen protocol",
                    "id=\"table-tasks-" + Fixtures.SINGLE + "\"", "id=\"table-tasks-" + Fixtures.GOAL + "\"", "id=\"table-runs\"",
                    "unregistered (no suite definition)")) {
                assertTrue(b.contains(s), s);
            }
            for (String s : List.of("IQM", "rank interval", "mean rank", "table-leaderboard", "optimality gap")) assertFalse(b.contains(s), s);
            List<String> lines = http.get("/unregistered/adhoc/0/download/tasks/csv").body().lines().toList();
            assertEquals(3, lines.size(), "a header and one row per task: " + lines);
            assertTrue(lines.get(1).startsWith(Fixtures.SINGLE + ",flow-bc,flow-bc,"), lines.get(1));
            assertTrue(lines.get(1).contains(",\"[0, 1, 2]\",3,"), lines.get(1));
            JsonNode api = Json.mapper().readTree(http.get("/api/unregistered/adhoc/0").body());
            assertFalse(api.get("ranked").booleanValue());
            assertEquals(2, api.get("tasks").size());
            assertEquals(6, api.get("runRows").size());
            assertEquals(1, Json.mapper().readTree(http.get("/api/unregistered").body()).size());

            // the suite's board, tables and API know nothing of them
            assertEquals(404, http.get("/suites/adhoc/0").statusCode());
            assertEquals(404, http.get("/api/suites/adhoc/0/leaderboard").statusCode());
            assertEquals(404, http.get("/unregistered/quickstart/1").statusCode());
            JsonNode lb = Json.mapper().readTree(http.get("/api/suites/quickstart/1/leaderboard").body());
            assertEquals(1, lb.get("rows").size());
            assertEquals(6, lb.get("rows").get(0).get("runs").intValue());
            assertEquals(12, Json.mapper().readTree(http.get("/api/suites/quickstart/1/runs").body()).get("rows").size());

            // an unregistered run's page says so; the method page links its suite to the unregistered page
            long id = store.runsOfSuite(Store.unregisteredKey("adhoc/0")).get(0).id();
            String run = http.get("/runs/" + id).body();
            assertTrue(run.contains("Unregistered: this run names suite adhoc&#47;0"), run);
            assertTrue(run.contains("adhoc&#47;0 (unregistered)"), run);
            String method = http.get("/methods/flow-bc").body();
            assertTrue(method.contains("href=\"&#47;unregistered&#47;adhoc&#47;0\""), method);
        }
    }

    @Test
    void theCommandLineImportsAnAdHocFolder() throws Exception {
        Path results = Fixtures.writeResults(tmp.resolve("adhoc"), Fixtures.adhoc());
        CliTest.Run r = CliTest.run("--results", results.toString(), "--db", tmp.resolve("lb.db").toString(), "--import-only");
        String o = r.out();
        assertEquals(0, r.exit(), r.err() + o);
        assertTrue(o.contains("6 run records (6 new"), o);
        assertTrue(o.contains("unregistered (no suite definition, not ranked): adhoc/0"), o);
    }
}
