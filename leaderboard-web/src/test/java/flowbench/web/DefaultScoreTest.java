package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.io.Json;
import flowbench.harness.report.ScoreKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue #12, item 1: without ?kind= the site scores runs as `flowbench report` does (the final evaluation). */
class DefaultScoreTest {
    @TempDir
    Path tmp;
    Store store;
    LeaderboardServer server;
    Http http;

    @BeforeEach
    void start() throws Exception {
        store = Fixtures.store(tmp);
        Fixtures.importBaseline(store, tmp);
        server = LeaderboardServer.start(store, LeaderboardServer.Config.defaults());
        http = new Http(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void theDefaultScoreIsTheReportsFinalEvaluation() throws Exception {
        assertEquals(ScoreKind.FINAL, Site.DEFAULT_KIND);
        JsonNode plain = Json.mapper().readTree(http.get("/api/suites/quickstart/1/leaderboard").body());
        JsonNode fin = Json.mapper().readTree(http.get("/api/suites/quickstart/1/leaderboard?kind=final").body());
        JsonNode last3 = Json.mapper().readTree(http.get("/api/suites/quickstart/1/leaderboard?kind=last3").body());
        assertEquals("final", plain.get("statistics").get("scoreKind").textValue());
        assertEquals(fin.get("rows"), plain.get("rows"), "the default is the final evaluation's numbers");
        assertNotEquals(last3.get("rows").get(0).get("IQM").doubleValue(), plain.get("rows").get(0).get("IQM").doubleValue());
        // the per-task table and the downloads follow the same default
        assertEquals(http.get("/suites/quickstart/1/download/tasks/csv?kind=final").body(),
                http.get("/suites/quickstart/1/download/tasks/csv").body());
    }

    @Test
    void thePageSaysWhichScoreIsTheDefaultAndLabelsLast3() throws Exception {
        String page = http.get("/suites/quickstart/1").body();
        assertTrue(page.contains(Html.esc(ScoreKind.FINAL.description())), "the score stated is the final evaluation");
        assertTrue(page.contains("class=\"current\" href=\"&#47;suites&#47;quickstart&#47;1?kind=final\">final evaluation"
                + " (default, as in flowbench report)"), page);
        assertTrue(page.contains(Html.esc("mean of the last 3 evaluations (OGBench papers' convention; not the report's"
                + " default)")), "last-3 stays selectable, labelled");
        String last3 = http.get("/suites/quickstart/1?kind=last3").body();
        assertTrue(last3.contains(Html.esc(ScoreKind.LAST3.description())));
    }
}
