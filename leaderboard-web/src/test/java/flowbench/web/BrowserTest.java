package flowbench.web;

import flowbench.testkit.Requirement;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The site in a real browser: headless Chromium (Debian packages chromium and chromium-driver) over the DevTools
 * protocol. Skipped, with the reason, where no Chromium is installed. Screenshots go to the folder named by the
 * system property fb.screenshots (the build folder's screenshots/ under Maven).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrowserTest {
    static final String TOKEN = "browser-token-0123456789abcdef0123456789";

    @TempDir
    static Path tmp;
    static Store store;
    static LeaderboardServer server;
    static Chromium browser;
    static String base;
    static Path shots;

    @BeforeAll
    static void start() throws Exception {
        Optional<Path> bin = Chromium.find();
        if (bin.isEmpty()) return; // each test reports the skip (an assumption here would hide the tests entirely)
        store = Fixtures.store(tmp);
        Fixtures.importBaseline(store, tmp);
        server = LeaderboardServer.start(store, LeaderboardServer.Config.defaults()
                .withTokens(SubmitTokens.single(TOKEN, "test")));
        base = "http://127.0.0.1:" + server.port();
        shots = Path.of(System.getProperty("fb.screenshots", tmp.resolve("screenshots").toString()));
        browser = new Chromium(bin.get(), 1400, 1000);
    }

    @BeforeEach
    void freshEventLog() {
        Requirement.CHROMIUM.assume(browser != null, "headless Chromium");
        browser.clearEvents();
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) browser.close();
        if (server != null) server.close();
    }

    private static void load(String path) throws Exception {
        browser.navigate(base + path);
        // app.js marks every plot container done (or in error) once it has drawn
        browser.waitFor("Array.from(document.querySelectorAll('div.plots')).every(d => d.hasAttribute('data-done')"
                + " || d.hasAttribute('data-error'))", 20);
    }

    private static void assertNoErrors(String where) throws Exception {
        List<String> errors = browser.errors();
        assertEquals(List.of(), errors, where + ": browser errors");
        JsonNode violations = browser.eval("window.__fbViolations || []");
        assertEquals(0, violations.size(), where + ": CSP violations " + violations);
    }

    @Test
    @Order(1)
    void suitePageRendersItsTablesAndPlots() throws Exception {
        load("/suites/quickstart/1");
        // no selection rule in quickstart: flow-bc is the only entry, qgf's weights are sweep rows
        assertEquals(1, browser.eval("document.querySelectorAll('#table-leaderboard tbody tr').length").asInt());
        assertEquals(2, browser.eval("document.querySelectorAll('#table-tasks tbody tr').length").asInt());
        assertEquals(3, browser.eval("document.querySelectorAll('#table-sweep tbody tr').length").asInt());
        assertEquals(12, browser.eval("document.querySelectorAll('#table-runs tbody tr').length").asInt());
        JsonNode plots = browser.eval("Array.from(document.querySelectorAll('div.plot')).map(p => {"
                + " const c = p.querySelector('canvas'); const r = c ? c.getBoundingClientRect() : null;"
                + " return {id: p.id, rendered: p.getAttribute('data-rendered'), w: r ? r.width : 0, h: r ? r.height : 0,"
                + " title: (p.querySelector('.u-title') || {}).textContent,"
                + " legend: Array.from(p.querySelectorAll('.u-legend .u-label')).map(l => l.textContent)}; })");
        List<String> ids = plots.findValuesAsText("id");
        for (String id : List.of("plot-curve-" + Fixtures.SINGLE, "plot-curve-" + Fixtures.GOAL, "plot-profile",
                "plot-guidance", "plot-scaling", "plot-compute")) {
            assertTrue(ids.contains(id), id + " in " + ids);
        }
        for (JsonNode p : plots) {
            assertEquals("1", p.path("rendered").asText(), p.toString());
            assertTrue(p.path("w").asDouble() > 200 && p.path("h").asDouble() > 100, "canvas size " + p);
        }
        JsonNode guidance = null;
        for (JsonNode p : plots) if (p.path("id").asText().equals("plot-guidance")) guidance = p;
        assertTrue(guidance.path("legend").toString().contains("qgf"), guidance.toString());
        // canvases were really painted: some pixel of the profile plot is not white
        assertTrue(browser.eval("(() => { const c = document.querySelector('#plot-profile canvas');"
                + " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                + " for (let i = 0; i < d.length; i += 4) if (d[i+3] > 0 && (d[i] < 200 || d[i+1] < 200)) return true;"
                + " return false; })()").asBoolean(), "the profile canvas has drawn pixels");
        assertEquals(0, browser.eval("document.querySelectorAll('.plot-error, [data-error]').length").asInt());
        assertNoErrors("suite page");
        browser.screenshot(shots.resolve("suite.png"));
    }

    @Test
    @Order(2)
    void homeMethodAndRunPagesLoadCleanly() throws Exception {
        load("/");
        assertEquals((flowbench.harness.protocol.SuiteRunner.SHIPPED.size() + flowbench.harness.protocol.SuiteRunner.SHIPPED_HISTORY.size()), browser.eval("document.querySelectorAll('#table-suites tbody tr').length").asInt());
        browser.screenshot(shots.resolve("home.png"));
        load("/methods/qgf");
        assertTrue(browser.eval("document.querySelectorAll('#table-scores tbody tr').length").asInt() == 6);
        browser.screenshot(shots.resolve("method.png"));
        long id = store.runsOfMethod("qgf").get(0).id();
        load("/runs/" + id);
        assertEquals("1", browser.eval("document.querySelector('#plot-run-curve').getAttribute('data-rendered')").asText());
        assertTrue(browser.eval("document.querySelectorAll('#table-episodes tbody tr').length").asInt() >= 3);
        browser.screenshot(shots.resolve("run.png"));
        assertNoErrors("home, method and run pages");
    }

    @Test
    @Order(3) // adds a method: runs after the tests that count rows
    void aSubmissionRoundTripsThroughTheWebForm() throws Exception {
        // hostile free text: were it ever parsed as HTML its handler would set window.__xss (CSP blocks inline
        // handlers as a second line; the HTTP tests check the escaping itself)
        String xss = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>";
        ObjectNode bundle = Fixtures.bundle("browser-flow", "Submitted from a browser. " + xss);
        ArrayNode runs = Json.mapper().createArrayNode();
        for (long seed = 0; seed < 3; seed++) {
            for (String task : List.of(Fixtures.SINGLE, Fixtures.GOAL)) {
                Map<String, Double> ps = new LinkedHashMap<>();
                ps.put("browser-flow", 0.6);
                ps.put("p" + xss, 0.2);
                runs.add(Json.tree(Fixtures.run("browser-flow", task, seed, ps, Fixtures.config("browser-flow", 128), 90000, 9)));
            }
        }
        bundle.set("runs", runs);
        Path file = tmp.resolve("bundle.json");
        Files.writeString(file, Json.pretty(bundle));

        load("/submit");
        browser.eval("document.getElementById('token').value = '" + TOKEN + "'");
        browser.setFile("#bundle", file);
        int before = browser.eventCount();
        browser.eval("document.getElementById('submit-button').click()");
        browser.awaitEvent(e -> "Page.loadEventFired".equals(e.path("method").asText()), before, 30);
        browser.waitFor("document.getElementById('outcome')", 10);
        assertEquals("accepted", browser.eval("document.getElementById('outcome').className").asText(),
                browser.eval("document.body.innerText").asText());
        assertTrue(browser.eval("document.getElementById('outcome').textContent").asText().contains("accepted: 6 runs"));
        browser.screenshot(shots.resolve("submitted.png"));

        load("/suites/quickstart/1");
        JsonNode rows = browser.eval("Array.from(document.querySelectorAll('#table-leaderboard tbody tr'))"
                + ".map(r => r.innerText)");
        assertTrue(rows.toString().contains("browser-flow[browser-flow]") && rows.toString().contains("submitted"), rows.toString());
        assertTrue(browser.eval("document.body.innerText").asText().contains("browser-flow[p<img src=x onerror=\"window.__xss=1\">"),
                "the hostile policy name is shown as text");
        assertEquals("undefined", browser.eval("typeof window.__xss").asText());
        load("/methods/browser-flow");
        assertEquals("undefined", browser.eval("typeof window.__xss").asText());
        assertTrue(browser.eval("document.body.innerText").asText().contains("Submitted from a browser. <img src=x"));
        browser.screenshot(shots.resolve("method-submitted.png"));
        assertNoErrors("submission round trip");

        // a wrong token is refused, and the page says so
        load("/submit");
        browser.eval("document.getElementById('token').value = 'wrong-token-wrong-token'");
        browser.eval("document.getElementById('bundle_text').value = '{}'");
        before = browser.eventCount();
        browser.eval("document.getElementById('submit-button').click()");
        browser.awaitEvent(e -> "Page.loadEventFired".equals(e.path("method").asText()), before, 30);
        String text = browser.eval("document.getElementById('outcome').textContent").asText();
        assertTrue(text.contains("HTTP 401"), text);
        assertFalse(store.method("wrong").isPresent());
    }
}
