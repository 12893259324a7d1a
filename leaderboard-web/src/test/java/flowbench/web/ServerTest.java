package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.report.Sweeps;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The site end to end over HTTP: an in-process server on a random port with a temp SQLite file. */
class ServerTest {
    static final String TOKEN = "test-token-0123456789abcdef0123456789";

    @TempDir
    Path tmp;
    Store store;
    LeaderboardServer server;
    Http http;

    @BeforeEach
    void start() throws Exception {
        store = Fixtures.store(tmp);
        Fixtures.importBaseline(store, tmp);
        server = LeaderboardServer.start(store, LeaderboardServer.Config.defaults()
                .withTokens(SubmitTokens.single(TOKEN, "test")));
        http = new Http(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static List<CSVRecord> csv(String text) throws Exception {
        try (CSVParser p = CSVParser.parse(new StringReader(text), CSVFormat.RFC4180.builder().setHeader().get())) {
            return p.getRecords();
        }
    }

    private HttpResponse<String> submitApi(JsonNode bundle, String token) throws Exception {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", "application/json");
        if (token != null) h.put("Authorization", "Bearer " + token);
        return http.post("/api/submissions", Json.pretty(bundle).getBytes(StandardCharsets.UTF_8), h);
    }

    @Test
    void homeAndSuitePagesShowTablesStatisticsAndPlots() throws Exception {
        HttpResponse<String> home = http.get("/");
        assertEquals(200, home.statusCode());
        assertTrue(home.body().contains("href=\"&#47;suites&#47;quickstart&#47;1\""), home.body());
        assertEquals("text/html;charset=utf-8", home.headers().firstValue("Content-Type").orElse("").replace(" ", "").toLowerCase());

        HttpResponse<String> page = http.get("/suites/quickstart/1");
        assertEquals(200, page.statusCode());
        String b = page.body();
        assertTrue(b.contains("Suite quickstart&#47;1"), "title");
        assertTrue(b.contains("50,000 reps, seed 0"), "headline bootstrap reps and seed are stated");
        assertTrue(b.contains("overall success at the final evaluation"), "the score kind is stated (final by default)");
        // quickstart declares no selection rule: flow-bc is the only entry; qgf's three weights are a sweep, listed in
        // the sweep table (labelled) and never ranked, so no reader or ranking can take the best weight
        String leaderboard = b.substring(b.indexOf("id=\"table-leaderboard\""), b.indexOf("</table>", b.indexOf("id=\"table-leaderboard\"")));
        assertTrue(leaderboard.contains(">flow-bc<") && !leaderboard.contains("qgf"), leaderboard);
        String sweep = b.substring(b.indexOf("id=\"table-sweep\""), b.indexOf("</table>", b.indexOf("id=\"table-sweep\"")));
        for (String m : List.of(">qgf[qgf(w=0.01)]<", ">qgf[qgf(w=0.02)]<", ">qgf[qgf(w=0.05)]<", Sweeps.NO_RULE)) {
            assertTrue(sweep.contains(m), m);
        }
        assertTrue(b.contains("none declared: swept policy families"), "the suite facts say there is no rule");
        assertTrue(b.matches("(?s).*<td class=\"num\">0\\.\\d{3} \\[0\\.\\d{3}, 0\\.\\d{3}\\]</td>.*"), "an IQM with its CI");
        for (String plot : List.of("\"curve-" + Fixtures.SINGLE + "\"", "\"profile\"", "\"guidance\"", "\"scaling\"", "\"compute\"")) {
            assertTrue(b.contains(plot), plot);
        }
        assertTrue(b.contains("<script src=\"/assets/uPlot.iife.min.js\" defer></script>"));
        assertEquals(200, http.get("/suites/quickstart/1?kind=final").statusCode());
        HttpResponse<String> bad = http.get("/suites/quickstart/1?kind=best");
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("score kind &#39;best&#39; is unknown"), bad.body());
        HttpResponse<String> latest = http.get("/suites/quickstart");
        assertEquals(302, latest.statusCode());
        // the latest registered version: the shipped quickstart, not the fixtures' history/quickstart-v1
        assertEquals("/suites/quickstart/" + flowbench.harness.protocol.SuiteRunner.load("quickstart").version(),
                latest.headers().firstValue("Location").orElse(""));
    }

    @Test
    void tablesDownloadAsCsvAndJsonWithTheSameRows() throws Exception {
        HttpResponse<String> c = http.get("/suites/quickstart/1/download/leaderboard/csv");
        assertEquals(200, c.statusCode());
        assertTrue(c.headers().firstValue("Content-Disposition").orElse("").contains("quickstart-1-leaderboard.csv"));
        List<CSVRecord> rows = csv(c.body());
        assertEquals(1, rows.size(), "only flow-bc: the unruled qgf sweep is not a method");
        assertEquals("flow-bc", rows.get(0).get("method"));
        double iqm = Double.parseDouble(rows.get(0).get("IQM"));
        assertTrue(Double.parseDouble(rows.get(0).get("IQM 95% low")) <= iqm && iqm <= Double.parseDouble(rows.get(0).get("IQM 95% high")));
        JsonNode j = Json.mapper().readTree(http.get("/suites/quickstart/1/download/leaderboard/json").body());
        assertEquals(1, j.get("rows").size());
        assertEquals(iqm, j.get("rows").get(0).get("IQM").doubleValue(), 1e-12);

        List<CSVRecord> tasks = csv(http.get("/suites/quickstart/1/download/tasks/csv?kind=final").body());
        assertEquals(2, tasks.size(), "1 entry x 2 tasks");
        List<CSVRecord> sweep = csv(http.get("/suites/quickstart/1/download/sweep/csv?kind=final").body());
        assertEquals(3, sweep.size(), "3 candidates x 1 environment, one role");
        for (CSVRecord r : sweep) {
            assertEquals(List.of(Sweeps.NO_RULE, Sweeps.ROLE_NO_RULE, "6", "false"),
                    List.of(r.get("status"), r.get("role"), r.get("runs"), r.get("chosen")), r.toString());
        }
        List<CSVRecord> runs = csv(http.get("/suites/quickstart/1/download/runs/csv").body());
        assertEquals(12, runs.size());
        assertEquals(12, Json.mapper().readTree(http.get("/suites/quickstart/1/download/runs/json").body()).get("rows").size());
        assertEquals((flowbench.harness.protocol.SuiteRunner.SHIPPED.size() + flowbench.harness.protocol.SuiteRunner.SHIPPED_HISTORY.size()), csv(http.get("/download/suites/csv").body()).size());
        assertEquals(2, csv(http.get("/methods/download/methods/csv").body()).size());
        assertEquals(6, csv(http.get("/methods/qgf/download/scores/csv").body()).size(), "3 policies x 2 tasks");
        assertEquals(1, csv(http.get("/methods/qgf/download/compute/csv").body()).size());
        long runId = Long.parseLong(runs.get(0).get("run"));
        assertEquals(2, csv(http.get("/runs/" + runId + "/download/evaluations/csv").body()).size() / (runs.get(0).get("algorithm").equals("qgf") ? 3 : 1));
        assertEquals(404, http.get("/suites/quickstart/1/download/secrets/csv").statusCode());
        assertEquals(400, http.get("/suites/quickstart/1/download/runs/xml").statusCode());
    }

    @Test
    void methodAndRunPagesShowProvenance() throws Exception {
        HttpResponse<String> m = http.get("/methods/flow-bc");
        assertEquals(200, m.statusCode());
        assertTrue(m.body().contains("Compute cost"));
        assertTrue(m.body().contains("config " + Json.canonicalHash(Fixtures.config("flow-bc", 256))));
        Store.RunRow row = store.runsOfSuite(Fixtures.SUITE).get(0);
        HttpResponse<String> r = http.get("/runs/" + row.id());
        assertEquals(200, r.statusCode());
        String b = r.body();
        for (String s : List.of("Provenance", Fixtures.TRAIN_SHA, "0123456789abcdef0123456789abcdef01234567", "Fixture CPU",
                "wall-clock total s", "Per-episode outcomes, final evaluation", "episode seeds")) {
            assertTrue(b.contains(Html.esc(s)), s);
        }
        assertTrue(b.contains("\"run-curve\""), "learning curve plot data");
        HttpResponse<String> raw = http.get("/runs/" + row.id() + "/run.json");
        RunRecord back = Json.mapper().readValue(raw.body(), RunRecord.class);
        assertEquals(row.runId(), back.identity().runId());
        assertEquals(404, http.get("/runs/999999").statusCode());
        assertEquals(404, http.get("/runs/abc").statusCode());
        assertEquals(404, http.get("/methods/nobody").statusCode());
    }

    @Test
    void jsonApi() throws Exception {
        JsonNode suites = Json.mapper().readTree(http.get("/api/suites").body());
        assertEquals((flowbench.harness.protocol.SuiteRunner.SHIPPED.size() + flowbench.harness.protocol.SuiteRunner.SHIPPED_HISTORY.size()), suites.size());
        JsonNode lb = Json.mapper().readTree(http.get("/api/suites/quickstart/1/leaderboard").body());
        assertEquals(50_000, lb.get("statistics").get("headlineReps").intValue());
        assertEquals(0, lb.get("statistics").get("seed").intValue());
        assertEquals("final", lb.get("statistics").get("scoreKind").textValue());
        assertEquals(1, lb.get("rows").size());
        assertTrue(lb.get("selectionRule").isNull());
        assertEquals(3, Json.mapper().readTree(http.get("/api/suites/quickstart/1/sweep").body()).get("rows").size());
        JsonNode fin = Json.mapper().readTree(http.get("/api/suites/quickstart/1/leaderboard?kind=last3").body());
        assertNotEquals(lb.get("rows").get(0).get("IQM").doubleValue(), fin.get("rows").get(0).get("IQM").doubleValue());
        JsonNode plots = Json.mapper().readTree(http.get("/api/suites/quickstart/1/plots").body());
        assertTrue(plots.get("plots").size() >= 5);
        JsonNode def = Json.mapper().readTree(http.get("/api/suites/quickstart/1").body());
        assertEquals(Fixtures.TRAIN_SHA, def.get("definition").get("datasets").get(0).get("sha256").textValue());
        long id = store.runsOfSuite(Fixtures.SUITE).get(0).id();
        JsonNode run = Json.mapper().readTree(http.get("/api/runs/" + id).body());
        assertEquals("reproduced", run.get("status").textValue());
        assertEquals(1, run.get("record").get("schemaVersion").intValue());
        JsonNode method = Json.mapper().readTree(http.get("/api/methods/qgf").body());
        assertEquals(6, method.get("runs").size());
        HttpResponse<String> missing = http.get("/api/suites/nope/1/leaderboard");
        assertEquals(404, missing.statusCode());
        assertEquals("no suite nope/1", Json.mapper().readTree(missing.body()).get("error").textValue());
        assertTrue(Json.mapper().readTree(http.get("/api").body()).get("endpoints").size() >= 10);
    }

    @Test
    void securityHeadersAreSent() throws Exception {
        HttpResponse<String> r = http.get("/suites/quickstart/1");
        String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(csp.contains("script-src 'self'") && csp.contains("default-src 'none'"), csp);
        assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
        assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(""));
    }

    @Test
    void assetsAreServedByTheAppAndNothingElseFromDisk() throws Exception {
        HttpResponse<String> js = http.get("/assets/uPlot.iife.min.js");
        assertEquals(200, js.statusCode());
        assertTrue(js.body().contains("uPlot"));
        assertEquals(200, http.get("/assets/app.js").statusCode());
        assertEquals(200, http.get("/assets/uPlot.min.css").statusCode());
        for (String path : List.of("/assets/..%2F..%2Fpom.xml", "/assets/%2e%2e%2f%2e%2e%2fpom.xml", "/assets/pom.xml",
                "/assets/..%5C..%5Cpom.xml", "/assets/META-INF%2Fresources%2Fwebjars%2Fuplot%2F1.6.30%2FLICENSE",
                "/runs/..%2F..%2Fetc%2Fpasswd", "/methods/..%2F..%2F..%2Fetc%2Fpasswd")) {
            HttpResponse<String> r = http.get(path);
            assertTrue(r.statusCode() == 404 || r.statusCode() == 400, path + " -> " + r.statusCode());
            assertFalse(r.body().contains("<modelVersion>") || r.body().contains("root:x:0:0"), path);
        }
    }

    @Test
    void apiSubmissionIsAcceptedAndShownAsSubmitted() throws Exception {
        HttpResponse<String> r = submitApi(Fixtures.bundle("new-flow", "A better flow."), TOKEN);
        assertEquals(201, r.statusCode(), r.body());
        JsonNode o = Json.mapper().readTree(r.body());
        assertEquals("accepted", o.get("status").textValue());
        assertEquals(6, o.get("runs").size());
        long id = o.get("runs").get(0).get("id").longValue();
        assertEquals("submitted", Json.mapper().readTree(http.get("/api/runs/" + id).body()).get("status").textValue());
        // the cached statistics were recomputed for the new revision
        JsonNode lb = Json.mapper().readTree(http.get("/api/suites/quickstart/1/leaderboard").body());
        assertEquals(2, lb.get("rows").size());
        boolean found = false;
        for (JsonNode row : lb.get("rows")) {
            if (row.get("method").textValue().equals("new-flow")) {
                assertEquals("submitted", row.get("status").textValue());
                found = true;
            }
        }
        assertTrue(found);
        assertTrue(http.get("/methods/new-flow").body().contains("A better flow."));
        assertTrue(http.get("/api/runs/" + id).body().contains("\"submittedBy\" : \"token\""));
        // the same bundle again: every run is a duplicate, a conflict (409) rather than a malformed bundle
        HttpResponse<String> again = submitApi(Fixtures.bundle("new-flow", "A better flow."), TOKEN);
        assertEquals(409, again.statusCode());
        assertTrue(again.body().contains("a run not already on the leaderboard"), again.body());
    }

    @Test
    void apiSubmissionNeedsTheToken() throws Exception {
        int before = store.runCount();
        HttpResponse<String> none = submitApi(Fixtures.bundle("x1", "d"), null);
        assertEquals(401, none.statusCode());
        assertEquals("Bearer realm=\"flowbench\"", none.headers().firstValue("WWW-Authenticate").orElse(""));
        assertEquals(401, submitApi(Fixtures.bundle("x1", "d"), TOKEN + "x").statusCode());
        assertEquals(401, submitApi(Fixtures.bundle("x1", "d"), TOKEN.substring(0, 10)).statusCode());
        Map<String, String> basic = Map.of("Authorization", "Basic " + TOKEN);
        assertEquals(401, http.post("/api/submissions", Json.pretty(Fixtures.bundle("x1", "d")).getBytes(StandardCharsets.UTF_8), basic).statusCode());
        assertEquals(before, store.runCount());
    }

    @Test
    void rejectedSubmissionsSayWhyAndStoreNothing() throws Exception {
        int before = store.runCount();
        ObjectNode b = Fixtures.bundle("x1", "d");
        ((ObjectNode) b.get("runs").get(2).get("protocol")).put("trainSteps", 1000);
        HttpResponse<String> r = submitApi(b, TOKEN);
        assertEquals(400, r.statusCode());
        JsonNode o = Json.mapper().readTree(r.body());
        assertEquals("rejected", o.get("status").textValue());
        JsonNode first = o.get("errors").get(0);
        assertEquals("runs[2].protocol.trainSteps", first.get("path").textValue());
        assertEquals("3000 (the suite's protocol)", first.get("expected").textValue());
        assertEquals("1000", first.get("found").textValue());

        Map<String, String> h = Map.of("Authorization", "Bearer " + TOKEN, "Content-Type", "application/json");
        HttpResponse<String> broken = http.post("/api/submissions", "{\"method\": {\"name\": \"x\"},\n \"runs\": [ }".getBytes(StandardCharsets.UTF_8), h);
        assertEquals(400, broken.statusCode());
        assertTrue(broken.body().contains("the bundle is not valid JSON (line 2, column"), broken.body());
        HttpResponse<String> dup = http.post("/api/submissions", "{\"method\": {}, \"method\": {}, \"runs\": []}".getBytes(StandardCharsets.UTF_8), h);
        assertEquals(400, dup.statusCode());
        assertTrue(dup.body().contains("Duplicate field 'method'"), dup.body());
        HttpResponse<String> deep = http.post("/api/submissions", ("[".repeat(5000) + "]".repeat(5000)).getBytes(StandardCharsets.UTF_8), h);
        assertEquals(400, deep.statusCode());
        assertTrue(deep.body().contains("nesting depth"), deep.body());
        HttpResponse<String> trailing = http.post("/api/submissions", "{} {}".getBytes(StandardCharsets.UTF_8), h);
        assertEquals(400, trailing.statusCode());
        assertEquals(400, http.post("/api/submissions", new byte[0], h).statusCode());
        assertEquals(before, store.runCount());
    }

    @Test
    void uploadsOverTheLimitGet413() throws Exception {
        server.close();
        server = LeaderboardServer.start(store, LeaderboardServer.Config.defaults()
                .withTokens(SubmitTokens.single(TOKEN, "test")).withMaxUploadBytes(64 * 1024));
        http = new Http(server.port());
        byte[] big = Json.pretty(Fixtures.bundle("x1", "d")).getBytes(StandardCharsets.UTF_8);
        assertTrue(big.length > 64 * 1024, "fixture bundle is " + big.length + " bytes");
        Map<String, String> h = Map.of("Authorization", "Bearer " + TOKEN, "Content-Type", "application/json");
        String declared = http.postHeadersOnly("/api/submissions", big.length, h);
        assertTrue(declared.startsWith("413\n"), declared);
        assertTrue(declared.contains("larger than the limit of 65536 bytes"), declared);
        HttpResponse<String> chunked = http.postChunked("/api/submissions", big, h);
        assertEquals(413, chunked.statusCode(), chunked.body());
        Http.Multipart mp = new Http.Multipart().field("token", TOKEN).file("bundle", "b.json", big);
        String form = http.postHeadersOnly("/submit", mp.body().length, Map.of("Content-Type", mp.contentType()));
        assertTrue(form.startsWith("413\n"), form);
        HttpResponse<String> chunkedForm = http.postChunked("/submit", mp.body(), Map.of("Content-Type", mp.contentType()));
        assertEquals(413, chunkedForm.statusCode(), chunkedForm.body());
        assertTrue(chunkedForm.body().contains("larger than the limit"), chunkedForm.body());
        assertEquals(12, store.runCount());
    }

    @Test
    void submissionsAreRefusedWhenNoTokenIsConfigured() throws Exception {
        server.close();
        server = LeaderboardServer.start(store, LeaderboardServer.Config.defaults());
        http = new Http(server.port());
        assertEquals(403, submitApi(Fixtures.bundle("x1", "d"), TOKEN).statusCode());
        assertTrue(http.get("/submit").body().contains("Submissions are disabled on this server"));
    }

    @Test
    void formSubmissionRoundTrip() throws Exception {
        byte[] bundle = Json.pretty(Fixtures.bundle("form-flow", "Via the form.")).getBytes(StandardCharsets.UTF_8);
        Http.Multipart wrong = new Http.Multipart().field("token", "nope-nope-nope-nope").file("bundle", "b.json", bundle);
        HttpResponse<String> w = http.post("/submit", wrong.body(), Map.of("Content-Type", wrong.contentType()));
        assertEquals(401, w.statusCode());
        Http.Multipart ok = new Http.Multipart().field("token", TOKEN).file("bundle", "b.json", bundle);
        HttpResponse<String> r = http.post("/submit", ok.body(), Map.of("Content-Type", ok.contentType()));
        assertEquals(201, r.statusCode(), r.body());
        assertTrue(r.body().contains("accepted: 6 runs stored as &quot;submitted&quot;"), r.body());
        // pasted text works too, and a rejection lists the problems
        ObjectNode bad = Fixtures.bundle("form-flow2", "d");
        ((ObjectNode) bad.get("runs").get(0)).put("schemaVersion", 9);
        Http.Multipart pasted = new Http.Multipart().field("token", TOKEN).field("bundle_text", Json.pretty(bad));
        HttpResponse<String> rej = http.post("/submit", pasted.body(), Map.of("Content-Type", pasted.contentType()));
        assertEquals(400, rej.statusCode());
        assertTrue(rej.body().contains("<li>runs[0].schemaVersion: expected 1"), rej.body());
        Http.Multipart empty = new Http.Multipart().field("token", TOKEN);
        assertEquals(400, http.post("/submit", empty.body(), Map.of("Content-Type", empty.contentType())).statusCode());
    }

    @Test
    void hostileStringsAreEscapedEverywhere() throws Exception {
        String xss = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>";
        // free-text fields of an accepted bundle, and a hostile policy name
        ObjectNode b = Fixtures.bundle("evil-flow", "desc " + xss);
        ((ObjectNode) b.get("method")).put("paper", "paper " + xss);
        b.put("submitter", "mallory " + xss);
        String policy = "p<svg onload=alert(2)>";
        ArrayNode runs = Json.mapper().createArrayNode();
        for (long seed = 0; seed < 3; seed++) {
            for (String task : List.of(Fixtures.SINGLE, Fixtures.GOAL)) {
                Map<String, Double> ps = new LinkedHashMap<>();
                ps.put(policy, 0.5);
                ps.put("plain", 0.4);
                runs.add(Json.tree(Fixtures.run("evil-flow", task, seed, ps, Fixtures.config("evil-flow", 64), 1000, 5)));
            }
        }
        b.set("runs", runs);
        HttpResponse<String> r = submitApi(b, TOKEN);
        assertEquals(201, r.statusCode(), r.body());
        // a method name that validation would refuse, stored directly, as an older or foreign database might hold it
        store.putMethod(new Store.MethodInfo(xss, xss, xss, xss, "javascript:alert(3)", "submitted", null));
        long runId = Json.mapper().readTree(r.body()).get("runs").get(0).get("id").longValue();
        for (String path : List.of("/", "/methods", "/methods/evil-flow", "/methods/" + Html.seg(xss), "/suites/quickstart/1",
                "/suites/quickstart/1?kind=final", "/runs/" + runId)) {
            HttpResponse<String> page = http.get(path);
            assertEquals(200, page.statusCode(), path);
            String body = page.body();
            assertFalse(body.contains("<script>alert"), path);
            assertFalse(body.contains("<img src=x"), path);
            assertFalse(body.contains("<svg onload"), path);
            assertFalse(body.contains("href=\"javascript:"), path);
        }
        assertTrue(http.get("/methods/evil-flow").body().contains("desc &lt;script&gt;alert(&#39;x&#39;)&lt;&#47;script&gt;"));
        String suitePage = http.get("/suites/quickstart/1").body();
        assertTrue(suitePage.contains("evil-flow[p\\u003csvg onload=alert(2)\\u003e]"), "policy in the plot JSON");
        assertTrue(suitePage.contains("evil-flow[p&lt;svg onload=alert(2)&gt;]"), "policy in the tables");
        // a rejected bundle echoes the hostile name escaped
        ObjectNode rej = Fixtures.bundle("x1", "d");
        ((ObjectNode) rej.get("method")).put("name", xss);
        Http.Multipart mp = new Http.Multipart().field("token", TOKEN).field("bundle_text", Json.pretty(rej));
        HttpResponse<String> page = http.post("/submit", mp.body(), Map.of("Content-Type", mp.contentType()));
        assertEquals(400, page.statusCode());
        assertFalse(page.body().contains("<script>alert"));
        assertTrue(page.body().contains("method.name: expected a name"));
        // CSV keeps the text but defuses nothing that is not a formula; JSON keeps it verbatim
        assertTrue(http.get("/methods/download/methods/json").body().contains("\\\"><img src=x onerror=alert(1)>"));
    }
}
