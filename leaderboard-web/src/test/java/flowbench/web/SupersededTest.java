package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.RunRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A published report's superseded.json: imported with its runs, shown on the suite page and listing, refused when malformed. */
class SupersededTest {
    /** A note like reports/ogbench-puzzle-3x3/0/superseded.json, with markup in its text that must reach pages escaped. */
    static final String NOTE = """
            {"superseded": true, "since": "2026-12-07",
             "reason": "Made before per-domain configs: FQL ran with <b>alpha = 3</b> & H = 1",
             "checkedWith": "flowbench run --dry-run",
             "changedConfigs": [
               {"algorithm": "flow-bc", "task": "%s", "profile": "cpu", "runs": 3, "changes": {"horizon": {"was": 1, "now": 5}}},
               {"algorithm": "qgf", "task": "%s", "profile": "cpu",
                "changes": {"alpha": {"was": 3.0, "now": 300.0}, "maskSource": {"was": "TERMINALS", "now": "DATASET"}}}]}
            """.formatted(Fixtures.SINGLE, Fixtures.GOAL);

    @TempDir
    Path tmp;

    private static String section(String page, String id) {
        int at = page.indexOf("id=\"" + id + "\"");
        assertTrue(at >= 0, id + " missing");
        return page.substring(at, page.indexOf("</table>", at));
    }

    private static String row(String table, String text) {
        int at = table.indexOf(text);
        assertTrue(at >= 0, text + " missing from " + table);
        return table.substring(table.lastIndexOf("<tr>", at), table.indexOf("</tr>", at));
    }

    @Test
    void aValidNoteMarksTheSuiteAndIsShownOnItsPageTheListingAndTheApi() throws Exception {
        Store store = Fixtures.store(tmp);
        Path runs = Fixtures.writeReport(tmp.resolve("reports"), "quickstart/1", Fixtures.baseline(), NOTE);
        Importer.Report rep = Importer.importFolder(runs, store);
        assertEquals("quickstart/1", rep.superseded());
        assertTrue(rep.describe(runs).endsWith("; suite quickstart/1 marked superseded (superseded.json)"), rep.describe(runs));
        assertEquals(List.of(), rep.warnings());

        try (LeaderboardServer server = LeaderboardServer.start(store, LeaderboardServer.Config.defaults())) {
            Http http = new Http(server.port());
            String page = http.get("/suites/quickstart/1").body();
            int notice = page.indexOf("<div class=\"superseded\"");
            assertTrue(notice >= 0 && notice < page.indexOf("id=\"leaderboard\""), "the notice comes before every number");
            assertTrue(page.contains("<strong>Superseded since 2026-12-07:</strong> Made before per-domain configs: FQL ran"
                    + " with &lt;b&gt;alpha = 3&lt;&#47;b&gt; &amp; H = 1"), page);
            assertFalse(page.contains("<b>alpha"), "the reason is escaped");
            assertTrue(page.contains("Checked with: flowbench run --dry-run"));
            String changed = section(page, "table-superseded");
            for (String h : List.of("algorithm", "task", "profile", "key", "was", "now", "runs")) assertTrue(changed.contains("<th>" + h + "</th>"), h);
            assertTrue(row(changed, ">horizon<").matches(".*<td>flow-bc</td><td>" + Fixtures.SINGLE
                    + "</td><td>cpu</td><td>horizon</td><td>1</td><td>5</td><td class=\"num\">3</td>.*"), changed);
            assertTrue(row(changed, ">alpha<").contains("<td>alpha</td><td>3.0</td><td>300.0</td><td></td>"), "runs not given");
            assertTrue(row(changed, ">maskSource<").contains("<td>TERMINALS</td><td>DATASET</td>"), "text values without quotes");

            String suites = section(http.get("/").body(), "table-suites");
            assertTrue(row(suites, ">quickstart&#47;1<").contains("<td>⚠ superseded since 2026-12-07</td>"), suites);
            assertFalse(row(suites, ">families-flowbc&#47;1<").contains("superseded"), "other suites carry no marker");

            for (JsonNode s : Json.mapper().readTree(http.get("/api/suites").body())) {
                assertEquals(s.get("suite").textValue().equals("quickstart/1"), s.get("superseded").booleanValue(), s.toString());
            }
            JsonNode api = Json.mapper().readTree(http.get("/api/suites/quickstart/1").body());
            assertTrue(api.get("superseded").booleanValue());
            JsonNode n = api.get("supersededNotes").get(0);
            assertEquals("2026-12-07", n.get("since").textValue());
            assertEquals(300.0, n.get("changedConfigs").get(1).get("changes").get("alpha").get("now").doubleValue());
            assertEquals(3, n.get("changedConfigs").get(0).get("runs").intValue());
            assertFalse(api.toString().contains(tmp.toString()), "the server-side path of the note is not published");
            assertFalse(Json.mapper().readTree(http.get("/api/suites/families-flowbc/1").body()).get("superseded").booleanValue());
        }
    }

    @Test
    void importingTheReportAgainWithoutItsNoteOrWithdrawnClearsTheMark() throws Exception {
        Store store = Fixtures.store(tmp);
        Path runs = Fixtures.writeReport(tmp.resolve("reports"), "quickstart/1", Fixtures.baseline(), NOTE);
        Importer.importFolder(runs, store);
        assertEquals(1, store.superseded("quickstart/1").size());
        // the same note again replaces, never duplicates
        Importer.importFolder(runs, store);
        assertEquals(1, store.superseded(null).size());
        Path note = runs.resolveSibling(Superseded.FILE);
        Files.writeString(note, "{\"superseded\": false, \"reason\": \"re-run under the current configs\"}");
        assertNull(Importer.importFolder(runs, store).superseded());
        assertEquals(List.of(), store.superseded(null));
        Files.writeString(note, NOTE);
        Importer.importFolder(runs, store);
        Files.delete(note);
        Importer.importFolder(runs, store);
        assertEquals(List.of(), store.superseded(null));
        // another folder of the same suite without a note does not clear the report's mark
        Files.writeString(note, NOTE);
        Importer.importFolder(runs, store);
        Importer.importFolder(Fixtures.writeResults(tmp.resolve("fresh/results"), Fixtures.baseline()), store);
        assertEquals(1, store.superseded("quickstart/1").size());
    }

    @Test
    void aMalformedNoteIsRefusedNamingTheFileAndFieldAndNothingIsStored() throws Exception {
        String valid = "\"superseded\": true, \"reason\": \"r\"";
        String change = "\"algorithm\": \"fql\", \"task\": \"t\", \"profile\": \"cpu\"";
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"superseded\": \"yes\", \"reason\": \"r\"}", "field 'superseded': expected true or false, found text \"yes\"");
        cases.put("{\"superseded\": true}", "field 'reason': expected text of 1 to 2000 characters, found nothing (field missing)");
        cases.put("{\"superseded\": true, \"reason\": \"   \"}", "field 'reason': expected text of 1 to 2000 characters, found blank text");
        cases.put("{\"superseded\": true, \"reason\": \"" + "x".repeat(2001) + "\"}",
                "field 'reason': expected text of 1 to 2000 characters, found text of 2001 characters");
        cases.put("{" + valid + ", \"since\": \"07.12.2026\"}", "field 'since': expected a date YYYY-MM-DD, found text \"07.12.2026\"");
        cases.put("{" + valid + ", \"since\": 20261207}", "field 'since': expected text of 1 to 40 characters, found number 20261207");
        cases.put("{" + valid + ", \"changedConfigs\": {}}", "field 'changedConfigs': expected an array of at most 1000 objects");
        cases.put("{" + valid + ", \"changedConfigs\": [{\"algorithm\": \"fql\", \"task\": \"t\", \"changes\": {\"a\": {\"was\": 1, \"now\": 2}}}]}",
                "field 'changedConfigs[0].profile': expected text of 1 to 200 characters, found nothing (field missing)");
        cases.put("{" + valid + ", \"changedConfigs\": [{" + change + ", \"runs\": -1, \"changes\": {\"a\": {\"was\": 1, \"now\": 2}}}]}",
                "field 'changedConfigs[0].runs': expected a number of runs (an integer >= 0), found number -1");
        cases.put("{" + valid + ", \"changedConfigs\": [{" + change + ", \"changes\": {}}]}",
                "field 'changedConfigs[0].changes': expected an object of 1 to 100 keys, each {was, now}, found an object");
        cases.put("{" + valid + ", \"changedConfigs\": [{" + change + ", \"changes\": {\"alpha\": {\"was\": 3}}}]}",
                "field 'changedConfigs[0].changes.alpha.now': expected a JSON value (null for none), found nothing (field missing)");
        cases.put("{" + valid + ", \"changedConfigs\": [{" + change + ", \"changes\": {\"alpha\": {\"was\": 3, \"now\": \""
                + "y".repeat(600) + "\"}}}]}", "field 'changedConfigs[0].changes.alpha.now': expected a value of at most 500");
        cases.put("[{" + valid + "}]", "field '(top level)': expected an object");
        cases.put("{\"superseded\": true, \"superseded\": false, \"reason\": \"r\"}", "not valid JSON: Duplicate field 'superseded'");
        cases.put("{\"superseded\": tru", "not valid JSON");
        int i = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path dir = tmp.resolve("case" + i++);
            Store store = Fixtures.store(Files.createDirectories(dir));
            Path runs = Fixtures.writeReport(dir.resolve("reports"), "quickstart/1", Fixtures.baseline(), c.getKey());
            // a summary.json of a suite not yet known: it must not be registered either
            Files.writeString(runs.resolve("summary.json"), "{\"suite\": " + Json.pretty(Fixtures.selectionSuite()) + "}");
            IOException e = assertThrows(IOException.class, () -> Importer.importFolder(runs, store), c.getKey());
            Path note = runs.toAbsolutePath().normalize().resolveSibling(Superseded.FILE);
            assertTrue(e.getMessage().startsWith(note + ": "), e.getMessage());
            assertTrue(e.getMessage().contains(c.getValue()), e.getMessage());
            assertEquals(0, store.runCount());
            assertEquals(List.of(), store.methods());
            assertEquals(List.of(), store.superseded(null));
            assertTrue(store.suite("qgf-selection/1").isEmpty(), "no suite registered from the refused folder");
        }
    }

    @Test
    void thePublishedNotesAreReadWithoutWarnings() throws Exception {
        // what 'flowbench check-configs --superseded-reason' wrote into reports/: the reader must know every field
        Path reports = Path.of("..", "reports");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(reports), "no reports folder beside this module");
        List<Path> notes;
        try (var s = Files.walk(reports, 3)) {
            notes = s.filter(p -> p.getFileName().toString().equals(Superseded.FILE)).sorted().toList();
        }
        for (Path p : notes) {
            List<String> warnings = new ArrayList<>();
            Superseded.Notice n = Superseded.read(p, warnings).orElseThrow();
            assertEquals(List.of(), warnings, p.toString());
            assertTrue(n.superseded() && !n.changedConfigs().isEmpty(), p.toString());
        }
    }

    @Test
    void unknownFieldsWarnAndANoteOverSeveralSuitesIsRefused() throws Exception {
        Store store = Fixtures.store(tmp);
        Path runs = Fixtures.writeReport(tmp.resolve("reports"), "quickstart/1", Fixtures.baseline(),
                "{\"superseded\": true, \"reason\": \"r\", \"supersededBy\": \"quickstart/2\"}");
        Importer.Report rep = Importer.importFolder(runs, store);
        assertEquals(List.of(runs.toAbsolutePath().normalize().resolveSibling(Superseded.FILE)
                + ": unknown field 'supersededBy' ignored"), rep.warnings());
        assertEquals("quickstart/1", rep.superseded());
        Store.SupersededNote n = store.superseded("quickstart/1").get(0);
        assertNull(n.notice().since());
        assertEquals(List.of(), n.notice().changedConfigs());

        Store other = Fixtures.store(Files.createDirectories(tmp.resolve("other")));
        other.putSuite(Fixtures.selectionSuite(), "file");
        List<RunRecord> mixed = new ArrayList<>(Fixtures.baseline());
        mixed.add(Fixtures.run(Fixtures.selectionSuite(), "flow-bc", Fixtures.GOAL, 7, Map.of("flow-bc", 0.5),
                Fixtures.config("flow-bc", 128), 134146, 20));
        Path both = Fixtures.writeReport(tmp.resolve("other/reports"), "mixed/1", mixed, NOTE);
        IOException e = assertThrows(IOException.class, () -> Importer.importFolder(both, other));
        assertTrue(e.getMessage().contains(Superseded.FILE + ": a superseded note marks one suite version, but "),
                e.getMessage());
        assertTrue(e.getMessage().contains("holds runs of 2 suites (qgf-selection/1, quickstart/1)"), e.getMessage());
        assertEquals(0, other.runCount());
    }
}
