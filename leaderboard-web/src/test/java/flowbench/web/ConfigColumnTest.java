package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.RunRecord;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The columns that tell whether rows are comparable (profile, domain column, config hash) on the suite page and in its
 * downloads, and the domain block on the run page. flow-bc runs on the single task carry a domain block, those on the
 * goal task are older records without one; fql has two configs (the second under the paper profile), so two method
 * configs and two entries.
 */
class ConfigColumnTest {
    static final String COLUMN = "antmaze-large-navigate";
    /** markup and quotes in a source, as a hostile or careless record could carry them */
    static final String SOURCE = "ColinQiyangLi/qam <script>alert('x')</script> reproduce.py line 280";

    @TempDir
    Path tmp;
    Store store;
    LeaderboardServer server;
    Http http;
    String fqlCpu;
    String fqlPaper;
    /** fql's method configs (profile and overrides), what its entries group by and their labels show */
    String fqlCpuMethod;
    String fqlPaperMethod;

    @BeforeEach
    void start() throws Exception {
        store = Fixtures.store(tmp);
        RunRecord.DomainRecord domain = Fixtures.domain(COLUMN, "the closest maze column <i>(no point-maze column)</i>",
                "tuned with the sparse reward & this task's is dense", "horizon", "1", SOURCE);
        List<RunRecord> records = new ArrayList<>();
        // the harness lays runs out by task, algorithm and seed: fql's second config comes from a second folder
        List<RunRecord> paper = new ArrayList<>();
        for (long seed = 0; seed < 3; seed++) {
            records.add(Fixtures.withDomain(Fixtures.run("flow-bc", Fixtures.SINGLE, seed, Map.of("flow-bc", 0.2),
                    Fixtures.config("flow-bc", 256), 134146, 13), domain));
            records.add(Fixtures.run("flow-bc", Fixtures.GOAL, seed, Map.of("flow-bc", 0.55), Fixtures.config("flow-bc", 256), 134146, 21));
            for (String task : List.of(Fixtures.SINGLE, Fixtures.GOAL)) {
                records.add(Fixtures.withDomain(Fixtures.run("fql", task, seed, Map.of("fql", 0.4), Fixtures.config("fql", 256),
                        200000, 15), domain));
                paper.add(Fixtures.withProfile(Fixtures.run("fql", task, seed, Map.of("fql", 0.6), Fixtures.config("fql", 512),
                        500000, 30), "paper"));
            }
        }
        Importer.importFolder(Fixtures.writeResults(tmp.resolve("results"), records), store);
        Importer.importFolder(Fixtures.writeResults(tmp.resolve("paper"), paper), store);
        fqlCpu = Json.canonicalHash(Fixtures.config("fql", 256));
        fqlPaper = Json.canonicalHash(Fixtures.config("fql", 512));
        fqlCpuMethod = Store.methodConfig(records.stream().filter(r -> r.identity().algorithm().equals("fql"))
                .findFirst().orElseThrow());
        fqlPaperMethod = Store.methodConfig(paper.get(0));
        server = LeaderboardServer.start(store, LeaderboardServer.Config.defaults());
        http = new Http(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String section(String page, String id) {
        int at = page.indexOf("id=\"" + id + "\"");
        assertTrue(at >= 0, id + " missing");
        return page.substring(at, page.indexOf("</table>", at));
    }

    /** The row of {@code table} that contains {@code text} (and, when given, {@code also}). */
    private static String row(String table, String text, String also) {
        for (String r : table.split("<tr>")) {
            if (r.contains(text) && (also == null || r.contains(also))) return r;
        }
        throw new AssertionError(text + " / " + also + " not in " + table);
    }

    private static List<CSVRecord> csv(String text) throws Exception {
        try (CSVParser p = CSVParser.parse(new StringReader(text), CSVFormat.RFC4180.builder().setHeader().get())) {
            return p.getRecords();
        }
    }

    private static String cells(String... values) {
        StringBuilder b = new StringBuilder();
        for (String v : values) b.append("<td>").append(Html.esc(v)).append("</td>");
        return b.toString();
    }

    @Test
    void theSuitePageShowsProfileColumnAndHashForEveryRow() throws Exception {
        String page = http.get("/suites/quickstart/1").body();
        String flowBc = Json.canonicalHash(Fixtures.config("flow-bc", 256));
        String lb = section(page, "table-leaderboard");
        for (String h : List.of("profile", "domain column", "config")) assertTrue(lb.contains("<th>" + h + "</th>"), h);
        // one entry over runs of two domain columns (a domain block on one task, none on the other): both are listed
        assertTrue(row(lb, ">flow-bc<", null).contains(cells("cpu", COLUMN + ", —", flowBc.substring(0, 8))), lb);
        // a method with two method configs (cpu and paper profiles): one entry per method config, labelled with its
        // first 8 hex digits, each row with its own profile, column and resolved config hash
        assertTrue(row(lb, ">fql [config " + fqlCpuMethod.substring(0, 8) + "]<", null)
                .contains(cells("cpu", COLUMN, fqlCpu.substring(0, 8))), lb);
        assertTrue(row(lb, ">fql [config " + fqlPaperMethod.substring(0, 8) + "]<", null)
                .contains(cells("paper", "—", fqlPaper.substring(0, 8))), lb);

        String tasks = section(page, "table-tasks");
        assertTrue(row(tasks, ">flow-bc<", Fixtures.SINGLE).contains(cells("cpu", COLUMN, flowBc.substring(0, 8))), tasks);
        assertTrue(row(tasks, ">flow-bc<", Fixtures.GOAL).contains(cells("cpu", "—", flowBc.substring(0, 8))), tasks);

        String runs = section(page, "table-runs");
        assertTrue(row(runs, ">fql<", fqlPaper.substring(0, 8))
                .contains(cells(fqlPaper.substring(0, 8), "paper", "—")), runs);
        assertTrue(row(runs, ">fql<", fqlCpu.substring(0, 8)).contains(cells(fqlCpu.substring(0, 8), "cpu", COLUMN)), runs);
    }

    @Test
    void downloadsCarryTheSameFieldsWithFullHashes() throws Exception {
        String flowBc = Json.canonicalHash(Fixtures.config("flow-bc", 256));
        List<CSVRecord> lb = csv(http.get("/suites/quickstart/1/download/leaderboard/csv").body());
        CSVRecord f = lb.stream().filter(r -> r.get("method").equals("flow-bc")).findFirst().orElseThrow();
        assertEquals(List.of(flowBc, "cpu", COLUMN + ", —"), List.of(f.get("config"), f.get("profile"), f.get("domain column")));
        JsonNode tasks = Json.mapper().readTree(http.get("/suites/quickstart/1/download/tasks/json").body());
        int paper = 0;
        for (JsonNode r : tasks.get("rows")) {
            if (r.get("config").textValue().equals(fqlPaper)) {
                assertEquals("paper", r.get("profile").textValue());
                paper++;
            }
        }
        assertEquals(2, paper, "fql's paper config on both tasks");
        List<CSVRecord> runs = csv(http.get("/suites/quickstart/1/download/runs/csv").body());
        assertEquals(18, runs.size());
        assertEquals(9, runs.stream().filter(r -> r.get("domain column").equals(COLUMN)).count(), "flow-bc's 3, fql cpu's 6");
        assertTrue(runs.stream().allMatch(r -> r.get("config").length() == 64), "full hashes in downloads");
    }

    @Test
    void aRowOverSeveralConfigsListsEveryDistinctValue() {
        List<Store.PolicyScore> scores = new ArrayList<>();
        String[][] runs = {{"a".repeat(64), "cpu", COLUMN}, {"b".repeat(64), "paper", null}, {"a".repeat(64), "cpu", COLUMN}};
        for (String[] r : runs) {
            scores.add(new Store.PolicyScore(1, "t", "fql", "fql", r[0], 0, "reproduced", 0.5, 0.5, 0.5, 1, 1, 1, "d", r[1], r[2],
                    "0123456789abcdef"));
        }
        ConfigSummary c = ConfigSummary.of(scores);
        assertEquals("cpu, paper", c.profileText());
        assertEquals(COLUMN + ", —", c.columnText());
        assertEquals("aaaaaaaa, bbbbbbbb", c.hashCell().display());
        assertEquals("a".repeat(64) + ", " + "b".repeat(64), c.hashCell().value());
    }

    @Test
    void theRunPageShowsTheDomainBlockEscaped() throws Exception {
        Store.RunRow with = store.runsOfSuite(Fixtures.SUITE).stream()
                .filter(r -> r.algorithm().equals("flow-bc") && r.task().equals(Fixtures.SINGLE)).findFirst().orElseThrow();
        assertEquals(COLUMN, with.domainColumn());
        String b = http.get("/runs/" + with.id()).body();
        assertTrue(b.contains("<h2 id=\"domain\">Domain settings</h2>"), b);
        assertTrue(b.contains("<dt>column</dt><dd>" + COLUMN + "</dd>"), b);
        assertTrue(b.contains("<dd>the closest maze column &lt;i&gt;(no point-maze column)&lt;&#47;i&gt;</dd>"), b);
        assertTrue(b.contains("<p class=\"warning\">Reward warning: tuned with the sparse reward &amp; this task&#39;s is dense</p>"), b);
        String applied = section(b, "table-domain");
        assertTrue(applied.contains("<th>key</th><th>value</th><th>source</th>"), applied);
        assertTrue(applied.contains(cells("horizon", "1", SOURCE)), applied);
        assertTrue(applied.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;&#47;script&gt;"), applied);
        assertFalse(b.contains("<script>alert"), "the source is escaped");
        assertTrue(row(section(b, "table-provenance"), ">domain column<", null).contains(cells(COLUMN)));
        List<CSVRecord> dl = csv(http.get("/runs/" + with.id() + "/download/domain/csv").body());
        assertEquals(List.of("horizon", "1", SOURCE), List.of(dl.get(0).get("key"), dl.get(0).get("value"), dl.get(0).get("source")));

        Store.RunRow old = store.runsOfSuite(Fixtures.SUITE).stream()
                .filter(r -> r.algorithm().equals("flow-bc") && r.task().equals(Fixtures.GOAL)).findFirst().orElseThrow();
        String ob = http.get("/runs/" + old.id()).body();
        assertTrue(ob.contains("This record has no domain block"), ob);
        assertTrue(row(section(ob, "table-provenance"), ">domain column<", null).contains(cells("—")));
        assertEquals(0, csv(http.get("/runs/" + old.id() + "/download/domain/csv").body()).size());
    }
}
