package flowbench.web;

import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.Suite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The front page leads with the ranking suite {@code core} once it has results, and is the list of suites otherwise.
 * The shipped core v1 is registered in every store here but has no runs; the results go to a test "core" v2 with
 * quickstart's tasks, and a v3 registered after it, with no runs, must not take its place.
 */
class HomePageTest {
    @TempDir
    Path tmp;

    /** A "core" version over quickstart's tasks and protocol, so the fixtures' records fit it. */
    static Suite core(int version) {
        Suite q = Fixtures.quickstart();
        return new Suite(Site.RANKING_SUITE, version, "the ranking suite (tests)", q.datasets(), q.tasks(), q.algorithms(),
                q.seeds(), q.protocol());
    }

    private static List<String> h2(String page) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<h2[^>]*>([^<]*)</h2>").matcher(page);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    private static String home(Store store) throws Exception {
        LeaderboardServer server = LeaderboardServer.start(store, LeaderboardServer.Config.defaults());
        try {
            HttpResponse<String> r = new Http(server.port()).get("/");
            assertEquals(200, r.statusCode());
            return r.body();
        } finally {
            server.close();
        }
    }

    @Test
    void withoutCoreResultsTheHomePageListsTheSuites() throws Exception {
        Store store = Fixtures.store(tmp);
        Fixtures.importBaseline(store, tmp);
        store.putSuite(core(2), "file");
        assertTrue(store.suite("core/1").isPresent(), "core is registered, only without runs");
        String page = home(store);
        assertEquals(List.of("Suites"), h2(page), "the suites first, no unregistered runs here");
        assertFalse(page.contains("id=\"ranking\""), "no core section");
        assertFalse(page.contains("table-leaderboard"), "no leaderboard on the front page");
        assertTrue(page.contains("id=\"table-suites\""));
    }

    @Test
    void coreResultsLeadTheHomePageWithTheirLeaderboardAndALinkToTheSuite() throws Exception {
        Store store = Fixtures.store(tmp);
        Fixtures.importBaseline(store, tmp);
        Suite core = core(2);
        store.putSuite(core, "file");
        List<RunRecord> records = new ArrayList<>();
        for (long seed = 0; seed < 3; seed++) {
            for (String task : List.of(Fixtures.SINGLE, Fixtures.GOAL)) {
                records.add(Fixtures.run(core, "flow-bc", task, seed, Map.of("flow-bc", 0.6), Fixtures.config("flow-bc", 128),
                        34_306, 20));
            }
        }
        Importer.importFolder(Fixtures.writeResults(tmp.resolve("core"), records), store);
        assertEquals(6, store.suite("core/2").orElseThrow().runs());
        // a newer version nobody has run yet: the front page keeps the one with results
        store.putSuite(core(3), "file");

        String page = home(store);
        List<String> headings = h2(page);
        assertEquals(List.of("core v2: the ranking suite", "Suites"), headings);
        String section = page.substring(page.indexOf("<h2 id=\"ranking\">"), page.indexOf("<h2>Suites</h2>"));
        assertTrue(section.contains("href=\"&#47;suites&#47;core&#47;2\""), "links to the suite's page: " + section);
        assertFalse(section.contains("&#47;suites&#47;core&#47;3\""), section);
        // the suite page's own leaderboard table, with the one entry and its IQM interval
        assertTrue(section.contains("id=\"table-leaderboard\""), section);
        assertTrue(section.contains(">flow-bc<"), section);
        assertTrue(section.matches("(?s).*<td class=\"num\">0\\.\\d{3} \\[0\\.\\d{3}, 0\\.\\d{3}\\]</td>.*"), "an IQM with its CI");
        assertTrue(section.contains("&#47;suites&#47;core&#47;2&#47;download&#47;leaderboard&#47;csv?kind=final"), section);
        // the quickstart leaderboard is not on the front page: only core's
        assertEquals(1, page.split("id=\"table-leaderboard\"", -1).length - 1);
    }

    @Test
    void aCoreCampaignInProgressShowsHowFarItIsInsteadOfAnEmptyRanking() throws Exception {
        Store store = Fixtures.store(tmp);
        Fixtures.importBaseline(store, tmp);
        Suite core = core(2);
        store.putSuite(core, "file");
        List<RunRecord> records = new ArrayList<>();
        for (long seed = 0; seed < 3; seed++) {
            records.add(Fixtures.run(core, "flow-bc", Fixtures.SINGLE, seed, Map.of("flow-bc", 0.6), Fixtures.config("flow-bc", 128),
                    34_306, 20));
        }
        Importer.importFolder(Fixtures.writeResults(tmp.resolve("core-partial"), records), store);

        String page = home(store);
        String section = page.substring(page.indexOf("<h2 id=\"ranking\">"), page.indexOf("<h2>Suites</h2>"));
        assertTrue(section.contains("In progress: 3 runs on 1 of 2 tasks"), section);
        assertFalse(section.contains("id=\"table-leaderboard\""), "no empty ranking table: " + section);
        assertTrue(section.contains("href=\"&#47;suites&#47;core&#47;2\""), section);
    }
}
