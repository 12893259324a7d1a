package flowbench.web;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.Suite;
import flowbench.harness.report.ScoreKind;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Entries are method choices: the harness resolves a config per task (profile defaults, then the per-domain values
 * of the task's reference column, then the user's overrides), so one choice of algorithm, profile and overrides has a
 * different config hash on tasks of different domains. The leaderboard groups by the method config (profile and
 * overrides) instead, so such a choice is ONE entry over every task, ranked, its rows listing every resolved config
 * hash; different overrides stay different entries. Here the single task stands for a puzzle-like domain (action
 * chunks of 5) and the goal task for a maze (chunks of 1).
 */
class MethodConfigTest {
    static final String PUZZLE = "puzzle-3x3";
    static final String MAZE = "antmaze-large-navigate";

    @TempDir
    Path tmp;

    /** The config the harness would resolve on {@code task}: the domain's horizon over {@code hidden}-wide layers. */
    static ObjectNode resolved(String algorithm, String task, int hidden) {
        return Fixtures.config(algorithm, hidden).put("horizon", task.equals(Fixtures.SINGLE) ? 5 : 1);
    }

    /** A run as the harness writes it after resolving the task's domain values (and the user's overrides). */
    static RunRecord run(Suite suite, String algorithm, String task, long seed, Map<String, Double> policies, int hidden,
                         Map<String, String> overrides) {
        RunRecord r = Fixtures.run(suite, algorithm, task, seed, policies, resolved(algorithm, task, hidden), 134146, 20);
        boolean puzzle = task.equals(Fixtures.SINGLE);
        r = Fixtures.withDomain(r, Fixtures.domain(puzzle ? PUZZLE : MAZE, "the task's domain", null, "horizon",
                puzzle ? "5" : "1", "reproduce.py"));
        return overrides.isEmpty() ? r : Fixtures.withOverrides(r, overrides);
    }

    static List<RunRecord> flowBc(Map<String, String> overrides, int hidden) {
        List<RunRecord> out = new ArrayList<>();
        for (long seed = 0; seed < 3; seed++) {
            for (String task : List.of(Fixtures.SINGLE, Fixtures.GOAL)) {
                out.add(run(Fixtures.quickstart(), "flow-bc", task, seed, Map.of("flow-bc", task.equals(Fixtures.SINGLE) ? 0.3 : 0.6),
                        hidden, overrides));
            }
        }
        return out;
    }

    private static Boards.Board board(Store store, String suite) throws Exception {
        return new Boards(store, 0, 2000, 200).board(store.suite(suite).orElseThrow(), ScoreKind.LAST3);
    }

    private static List<CSVRecord> csv(String text) throws Exception {
        try (CSVParser p = CSVParser.parse(new StringReader(text), CSVFormat.RFC4180.builder().setHeader().get())) {
            return p.getRecords();
        }
    }

    @Test
    void oneChoiceOnTasksOfDifferentDomainsIsOneRankedEntryListingEachResolvedHash() throws Exception {
        Store store = Fixtures.store(tmp);
        List<RunRecord> records = flowBc(Map.of(), 256);
        String puzzleHash = Json.canonicalHash(resolved("flow-bc", Fixtures.SINGLE, 256));
        String mazeHash = Json.canonicalHash(resolved("flow-bc", Fixtures.GOAL, 256));
        assertNotEquals(puzzleHash, mazeHash, "the per-domain values give each task its own resolved config");
        String method = Store.methodConfig(records.get(0));
        assertTrue(records.stream().allMatch(r -> Store.methodConfig(r).equals(method)), "one choice: cpu, no overrides");
        Importer.importFolder(Fixtures.writeResults(tmp.resolve("results"), records), store);

        Boards.Board b = board(store, Fixtures.SUITE);
        // grouped by config hash this was two entries of one task each, neither ranked
        assertEquals(List.of(), b.incomplete().stream().map(Boards.Entry::label).toList());
        assertEquals(1, b.ranked().size(), b.ranked().toString());
        Boards.Entry e = b.ranked().get(0);
        assertEquals("flow-bc", e.label(), "one method config: no [config …] in the label");
        assertEquals(method, e.methodConfig());
        assertEquals(List.of(Fixtures.SINGLE, Fixtures.GOAL).stream().sorted().toList(), e.tasks());
        assertEquals(6, e.runs());
        assertEquals(3, e.minSeeds());
        assertEquals(List.of(puzzleHash, mazeHash).stream().sorted().toList(), e.configs().hashes(),
                "the entry lists every resolved config hash behind it");
        assertEquals(List.of(MAZE, PUZZLE), e.configs().columns());
        assertEquals(List.of("cpu"), e.configs().profiles());
        for (Boards.TaskCell c : b.perTask()) {
            assertEquals(List.of(c.task().equals(Fixtures.SINGLE) ? puzzleHash : mazeHash), c.configs().hashes(), c.toString());
        }

        LeaderboardServer server = LeaderboardServer.start(store, LeaderboardServer.Config.defaults());
        try {
            Http http = new Http(server.port());
            String page = http.get("/suites/quickstart/1").body();
            String shortHashes = String.join(", ", e.configs().hashes().stream().map(ConfigSummary::shortHash).toList());
            assertTrue(page.contains("<td>" + shortHashes + "</td>"), "both short hashes in the entry's row");
            CSVRecord row = csv(http.get("/suites/quickstart/1/download/leaderboard/csv").body()).get(0);
            assertEquals(String.join(", ", e.configs().hashes()), row.get("config"));
            assertEquals(method, row.get("method config"));
            List<CSVRecord> runs = csv(http.get("/suites/quickstart/1/download/runs/csv").body());
            assertTrue(runs.stream().allMatch(r -> r.get("method config").equals(method)), "every run names its entry's choice");
        } finally {
            server.close();
        }
    }

    @Test
    void differentOverridesOfOneAlgorithmStayTwoEntriesLabelledWithTheirMethodConfig() throws Exception {
        Store store = Fixtures.store(tmp);
        List<RunRecord> narrow = flowBc(Map.of(), 256);
        List<RunRecord> wide = flowBc(Map.of("hidden", "512,512"), 512);
        // the harness lays runs out by task, algorithm and seed: the second choice comes from a second folder
        Importer.importFolder(Fixtures.writeResults(tmp.resolve("narrow"), narrow), store);
        Importer.importFolder(Fixtures.writeResults(tmp.resolve("wide"), wide), store);
        String a = Store.methodConfig(narrow.get(0));
        String w = Store.methodConfig(wide.get(0));
        assertNotEquals(a, w);

        Boards.Board b = board(store, Fixtures.SUITE);
        assertEquals(List.of("flow-bc [config " + a.substring(0, 8) + "]", "flow-bc [config " + w.substring(0, 8) + "]")
                        .stream().sorted().toList(), b.ranked().stream().map(Boards.Entry::label).sorted().toList());
        for (Boards.Entry e : b.ranked()) {
            assertEquals(6, e.runs(), e.label());
            assertEquals(2, e.configs().hashes().size(), "each choice still spans both tasks' resolved configs: " + e.label());
        }
        assertTrue(b.incomplete().isEmpty());
    }

    @Test
    void twoChoicesInOneHarnessResultsFolderImportAsTwoEntries() throws Exception {
        // the harness now lays a non-default choice out as <task>/<algorithm>@<label>/seed<k>, beside the default's
        // <task>/<algorithm>/seed<k>, so both come from one results folder
        Store store = Fixtures.store(tmp);
        List<RunRecord> records = new ArrayList<>(flowBc(Map.of(), 256));
        records.addAll(flowBc(Map.of("hidden", "[512,512]"), 512));
        Path root = tmp.resolve("results");
        for (RunRecord r : records) {
            Path dir = flowbench.harness.protocol.Runner.runDir(root, r.spec());
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Files.writeString(dir.resolve("run.json"), Json.pretty(r));
        }
        assertTrue(java.nio.file.Files.isDirectory(root.resolve(Fixtures.SINGLE).resolve("flow-bc@hidden=(512,512)").resolve("seed0")));
        assertTrue(java.nio.file.Files.isDirectory(root.resolve(Fixtures.SINGLE).resolve("flow-bc").resolve("seed0")));
        Importer.Report rep = Importer.importFolder(root, store);
        assertEquals(12, rep.files());
        assertEquals(12, rep.written().inserted(), rep.describe(root));

        String a = Store.methodConfig(records.get(0));
        String w = Store.methodConfig(records.get(6));
        Boards.Board b = board(store, Fixtures.SUITE);
        assertEquals(List.of("flow-bc [config " + a.substring(0, 8) + "]", "flow-bc [config " + w.substring(0, 8) + "]")
                .stream().sorted().toList(), b.ranked().stream().map(Boards.Entry::label).sorted().toList());
        for (Boards.Entry e : b.ranked()) assertEquals(6, e.runs(), e.label());
    }

    @Test
    void aSweptFamilyWithPerDomainConfigsIsOneEntryChosenOverEveryTask() throws Exception {
        Store store = Fixtures.store(tmp);
        Suite suite = Fixtures.selectionSuite();
        store.putSuite(suite, "file");
        List<RunRecord> records = new ArrayList<>();
        for (long seed : List.of(0L, 1L, 2L, 100L, 101L)) {
            for (String task : List.of(Fixtures.SINGLE, Fixtures.GOAL)) {
                // w=0.02 wins on the selection seeds, w=0.05 on the report seeds
                records.add(run(suite, "qgf", task, seed, SelectionBoardTest.qgfPolicies(seed), 512, Map.of()));
            }
        }
        Importer.importFolder(Fixtures.writeResults(tmp.resolve("results"), records), store);

        Boards.Board b = board(store, "qgf-selection/1");
        // the rule chooses once per dataset group over both tasks' runs, which share the method config
        assertEquals(List.of("qgf [w by rule]", "qgf[flow-bc]"), b.ranked().stream().map(Boards.Entry::label).sorted().toList());
        Boards.Entry q = b.ranked().stream().filter(e -> e.label().equals("qgf [w by rule]")).findFirst().orElseThrow();
        assertEquals("w=0.02 (chosen on seeds 100–101)", q.selection());
        assertEquals(6, q.runs());
        assertEquals(2, q.configs().hashes().size());
        assertTrue(b.unresolved().isEmpty(), b.unresolved().toString());
        assertEquals(6, b.sweep().size(), "3 candidates x 2 roles, one family");
        for (Boards.SweepRow r : b.sweep()) {
            assertEquals(Store.methodConfig(records.get(0)), r.methodConfig());
            assertEquals(2, r.configs().hashes().size(), "a row over both tasks lists both resolved configs: " + r);
        }
    }

    @Test
    void submissionsCountSeedsAndCheckSweepsPerMethodConfig() throws Exception {
        Store store = Fixtures.store(tmp);
        Fixtures.importBaseline(store, tmp);
        ObjectNode bundle = Json.mapper().createObjectNode();
        ObjectNode m = bundle.putObject("method");
        m.put("name", "new-flow");
        m.put("paper", "Doe et al., A New Flow Method (2026)");
        m.put("description", "per-domain configs");
        m.put("family", "training-time");
        ArrayNode runs = bundle.putArray("runs");
        for (long seed = 0; seed < 3; seed++) {
            for (String task : List.of(Fixtures.SINGLE, Fixtures.GOAL)) {
                Map<String, Double> p = new LinkedHashMap<>();
                p.put("new-flow", 0.5);
                runs.add(Json.tree(run(Fixtures.quickstart(), "new-flow", task, seed, p, 256, Map.of())));
            }
        }
        BundleValidator.Result v = new BundleValidator(store, 3).validate(bundle);
        assertTrue(v.ok(), v.problems().toString());
        store.insertSubmission(v.method(), v.runs(), "alice", "abc");
        Boards.Entry e = board(store, Fixtures.SUITE).ranked().stream().filter(x -> x.algorithm().equals("new-flow"))
                .findFirst().orElseThrow();
        assertEquals("new-flow", e.label());
        assertEquals(6, e.runs());
        assertEquals("submitted", e.status());

        // a fourth run of the same choice (seed 2 again) whose resolved config differs (the domain's value changed
        // since) belongs to the same entry, so the seeds already stored for it count toward the minimum; the entry lists
        // both hashes
        ObjectNode same = bundle.deepCopy();
        RunRecord changed = run(Fixtures.quickstart(), "new-flow", Fixtures.SINGLE, 2, Map.of("new-flow", 0.5), 256, Map.of());
        ObjectNode config = resolved("new-flow", Fixtures.SINGLE, 256).put("horizon", 4);
        changed = Fixtures.withRunId(new RunRecord(changed.schemaVersion(), changed.status(), changed.identity(),
                changed.spec(), changed.profile(), config, Json.canonicalHash(config), changed.parameterCount(),
                changed.datasets(), changed.protocol(), changed.evaluations(), changed.summary(), changed.timing(),
                changed.machine(), changed.software(), changed.startedAt(), changed.finishedAt(), changed.resumes(),
                changed.domain()));
        same.putArray("runs").add(Json.tree(changed));
        BundleValidator.Result sv = new BundleValidator(store, 3).validate(same);
        assertTrue(sv.ok(), sv.problems().toString());
        store.insertSubmission(sv.method(), sv.runs(), "alice", "def");
        Boards.Board after = board(store, Fixtures.SUITE);
        Boards.Entry e4 = after.ranked().stream().filter(x -> x.algorithm().equals("new-flow")).findFirst().orElseThrow();
        assertEquals(7, e4.runs());
        assertEquals(3, e4.configs().hashes().size(), "two resolved configs on the single task, one on the goal task");

        // a fourth seed under another --set override is another entry: the stored seeds of the first do not count
        ObjectNode more = bundle.deepCopy();
        ArrayNode one = more.putArray("runs");
        one.add(Json.tree(run(Fixtures.quickstart(), "new-flow", Fixtures.SINGLE, 0, Map.of("new-flow", 0.5), 512,
                Map.of("hidden", "512,512"))));
        List<String> ps = new BundleValidator(store, 3).validate(more).problems().stream().map(Object::toString).toList();
        String other = Store.methodConfig(Json.mapper().treeToValue(one.get(0), RunRecord.class));
        assertTrue(ps.stream().anyMatch(p -> p.contains("method config " + other) && p.contains("found 1 ([0])")), ps.toString());
    }
}
