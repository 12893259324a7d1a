package flowbench.web;

import flowbench.harness.io.Json;
import flowbench.harness.protocol.RunRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreTest {
    @TempDir
    Path tmp;

    @Test
    void importStoresRunsAsReproducedAndIsIdempotent() throws Exception {
        Store store = Fixtures.store(tmp);
        Path results = Fixtures.writeResults(tmp.resolve("results"), Fixtures.baseline());
        Importer.Report first = Importer.importFolder(results, store);
        assertEquals(12, first.written().inserted());
        assertEquals(12, store.runCount());
        assertEquals(List.of("flow-bc", "qgf"), store.methods().stream().map(Store.MethodInfo::name).toList());
        long rev = store.suite(Fixtures.SUITE).orElseThrow().revision();
        Importer.Report again = Importer.importFolder(results, store);
        assertEquals(0, again.written().inserted());
        assertEquals(12, again.written().unchanged());
        assertEquals(rev, store.suite(Fixtures.SUITE).orElseThrow().revision(), "an unchanged import keeps the revision");
        for (Store.RunRow r : store.runsOfSuite(Fixtures.SUITE)) assertEquals(Store.REPRODUCED, r.status());
    }

    @Test
    void scoresAreRecomputedFromEvaluations() throws Exception {
        Store store = Fixtures.store(tmp);
        Fixtures.importBaseline(store, tmp);
        List<Store.PolicyScore> scores = store.scores(Fixtures.SUITE);
        // flow-bc: 6 runs x 1 policy, qgf: 6 runs x 3 policies
        assertEquals(24, scores.size());
        RunRecord r = Fixtures.run("flow-bc", Fixtures.GOAL, 1, Map.of("flow-bc", 0.55), Fixtures.config("flow-bc", 256), 134146, 22);
        double last2 = (r.evaluations().get(0).policies().get(0).overallSuccess() + r.evaluations().get(1).policies().get(0).overallSuccess()) / 2;
        Store.PolicyScore s = scores.stream().filter(x -> x.algorithm().equals("flow-bc") && x.task().equals(Fixtures.GOAL)
                && x.seed() == 1).findFirst().orElseThrow();
        assertEquals(r.summary().get(0).finalSuccess(), s.finalSuccess(), 1e-12);
        assertEquals(last2, s.last3Success(), 1e-12, "quickstart has 2 evaluations: last-3 averages both");
        assertEquals(2 * 2 * 3 * (1 + 3), store.curves(Fixtures.SUITE).size(), "2 steps x (flow-bc 1 + qgf 3 policies) x 2 tasks x 3 seeds");
    }

    @Test
    void runsStillInProgressAreSkipped() throws Exception {
        Store store = Fixtures.store(tmp);
        RunRecord done = Fixtures.run("flow-bc", Fixtures.GOAL, 0, Map.of("flow-bc", 0.5), Fixtures.config("flow-bc", 256), 1, 1);
        Path results = Fixtures.writeResults(tmp.resolve("r"), List.of(done));
        Path running = results.resolve("x/flow-bc/seed9");
        Files.createDirectories(running);
        String text = Json.pretty(done).replace("\"status\" : \"complete\"", "\"status\" : \"running\"");
        Files.writeString(running.resolve("run.json"), text);
        Importer.Report rep = Importer.importFolder(results, store);
        assertEquals(1, rep.written().inserted());
        assertEquals(1, rep.skippedRunning());
    }

    @Test
    void aBadRecordStopsTheImportAndNothingIsStored() throws Exception {
        Store store = Fixtures.store(tmp);
        Path results = Fixtures.writeResults(tmp.resolve("r"), Fixtures.baseline());
        Path bad = results.resolve("zz/bad/seed0");
        Files.createDirectories(bad);
        Files.writeString(bad.resolve("run.json"), "{\"schemaVersion\": 1, \"status\": \"complete\"}");
        Exception e = assertThrows(java.io.IOException.class, () -> Importer.importFolder(results, store));
        assertTrue(e.getMessage().contains(bad.resolve("run.json").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("run.identity: expected an object (Identity), found nothing (field missing)"), e.getMessage());
        assertEquals(0, store.runCount());
    }

    @Test
    void aRunOfAnUnknownSuiteRollsBackTheWholeImport() throws Exception {
        Store store = Fixtures.store(tmp);
        List<Store.ParsedRun> runs = new ArrayList<>();
        for (RunRecord r : Fixtures.baseline()) runs.add(new Store.ParsedRun(r, Json.pretty(r), "fixture"));
        RunRecord.ProtocolFields p = runs.get(0).record().protocol();
        RunRecord r0 = runs.get(0).record();
        RunRecord.ProtocolFields other = new RunRecord.ProtocolFields("elsewhere/3", "elsewhere", 3, p.trainSteps(),
                p.evalEvery(), p.evalAtStart(), p.evalSteps(), p.episodesPerTask(), p.checkpointEvery(), p.logEvery(),
                p.evalSeed(), p.taskMode(), p.successTiming(), p.rewardMode(), p.evaluationTaskIds(), p.obsDim(), p.actionDim(),
                p.goalDim(), p.maxEpisodeSteps(), p.chunkLengths(), p.actionClip(), p.successMetric(), p.chunkExecution(),
                p.episodeSeeds(), p.policyNoise(), p.trainNoise());
        RunRecord moved = new RunRecord(r0.schemaVersion(), r0.status(), r0.identity(), r0.spec(), r0.profile(), r0.config(),
                r0.configHash(), r0.parameterCount(), r0.datasets(), other, r0.evaluations(), r0.summary(), r0.timing(),
                r0.machine(), r0.software(), r0.startedAt(), r0.finishedAt(), r0.resumes(), r0.domain());
        runs.add(new Store.ParsedRun(moved, Json.pretty(moved), "moved.json"));
        SQLException e = assertThrows(SQLException.class, () -> store.importReproduced(runs));
        assertTrue(e.getMessage().contains("moved.json: suite elsewhere/3 is not known"), e.getMessage());
        assertEquals(0, store.runCount());
        assertEquals(List.of(), store.methods());
    }

    @Test
    void aSubmittedRunBecomesReproducedWhenTheHarnessRunIsImported() throws Exception {
        Store store = Fixtures.store(tmp);
        Fixtures.importBaseline(store, tmp);
        BundleValidator.Result v = new BundleValidator(store, 3).validate(Fixtures.bundle("new-flow", "desc"));
        assertTrue(v.ok(), v.problems().toString());
        Store.WriteReport w = store.insertSubmission(v.method(), v.runs(), "alice", "abc");
        assertEquals(6, w.inserted());
        assertNotNull(w.submissionId());
        Store.RunRow sub = store.run(w.runIds().get(0)).orElseThrow().row();
        assertEquals(Store.SUBMITTED, sub.status());
        assertEquals("alice", sub.submittedBy());
        assertEquals("new-flow", store.method("new-flow").orElseThrow().name());
        assertEquals("desc", store.method("new-flow").orElseThrow().description());

        // the maintainers re-run seed 0 on the single task: same key, slightly different outcome
        RunRecord rerun = Fixtures.run("new-flow", Fixtures.SINGLE, 0, Map.of("new-flow", 0.35),
                Fixtures.config("new-flow", 256), 200000, 16);
        Store.WriteReport rep = store.importReproduced(List.of(new Store.ParsedRun(rerun, Json.pretty(rerun), "rerun")));
        assertEquals(1, rep.reproduced());
        Store.StoredRun after = store.run(w.runIds().get(0)).orElseThrow();
        assertEquals(Store.REPRODUCED, after.row().status());
        assertNotNull(after.row().reproducedAt());
        assertNotNull(after.submittedJson(), "the submitted record is kept for comparison");
        assertEquals("alice", after.row().submittedBy());
        assertEquals(Json.mapper().readTree(Json.pretty(rerun)), Json.mapper().readTree(after.runJson()));
    }

    @Test
    void aDuplicateSubmissionStoresNothing() throws Exception {
        Store store = Fixtures.store(tmp);
        Fixtures.importBaseline(store, tmp);
        BundleValidator.Result v = new BundleValidator(store, 3).validate(Fixtures.bundle("new-flow", "desc"));
        store.insertSubmission(v.method(), v.runs(), "alice", "abc");
        int before = store.runCount();
        // a bundle validated before the first landed (a race): the store's own check inside the transaction refuses it
        List<Store.ParsedRun> mixed = new ArrayList<>();
        RunRecord fresh = Fixtures.run("new-flow", Fixtures.SINGLE, 7, Map.of("new-flow", 0.4), Fixtures.config("new-flow", 256), 200000, 15);
        mixed.add(new Store.ParsedRun(fresh, Json.pretty(fresh), "fresh"));
        mixed.add(v.runs().get(0));
        Store.DuplicateRunException e = assertThrows(Store.DuplicateRunException.class,
                () -> store.insertSubmission(v.method(), mixed, "alice", "def"));
        assertTrue(e.getMessage().startsWith("runs[1]: a run with key (suite quickstart/1"), e.getMessage());
        assertEquals(before, store.runCount(), "the fresh run before the duplicate was rolled back too");
        // stored seeds are looked up by method config, as entries group runs
        assertEquals(Set.of(0L, 1L, 2L), store.storedSeeds(Fixtures.SUITE, Fixtures.SINGLE, "new-flow",
                Store.methodConfig(v.runs().get(0).record())));
    }

    @Test
    void suitesFromResultsDoNotOverrideShippedOnes() throws Exception {
        Store store = Fixtures.store(tmp);
        var shipped = Fixtures.quickstart();
        var unpinned = new flowbench.harness.protocol.Suite(shipped.name(), shipped.version(), shipped.description(),
                List.of(new flowbench.harness.protocol.Suite.DatasetEntry(Fixtures.DATASET, 100, 1000, 0, null, null)),
                shipped.tasks(), shipped.algorithms(), shipped.seeds(), shipped.protocol());
        String warning = store.putSuite(unpinned, "results");
        assertNotNull(warning);
        assertTrue(warning.contains("the stored one is kept"), warning);
        assertEquals(Fixtures.TRAIN_SHA, store.suite(Fixtures.SUITE).orElseThrow().definition().datasets().get(0).sha256());
        assertNull(store.putSuite(shipped, "shipped"), "an equal definition is no news");
    }

    @Test
    void aVersion1DatabaseIsMigratedInPlace() throws Exception {
        // the main job keeps runs/leaderboard.db: a database written before domain columns must open, not be refused
        Path db = tmp.resolve("v1.db");
        Store store = new Store(Store.sqliteUrl(db));
        LeaderboardServer.registerShippedSuites(store);
        RunRecord withDomain = Fixtures.withDomain(Fixtures.baseline().get(0),
                Fixtures.domain("antmaze-large-navigate", "why", null, "horizon", "1", "reproduce.py"));
        List<RunRecord> records = new ArrayList<>(Fixtures.baseline().subList(1, 4));
        records.add(withDomain);
        Importer.importFolder(Fixtures.writeResults(tmp.resolve("results"), records), store);
        try (var c = java.sql.DriverManager.getConnection(Store.sqliteUrl(db)); var s = c.createStatement()) {
            // a version-1 database had neither the domain column nor the method config
            s.execute("ALTER TABLE runs DROP COLUMN domain_column");
            s.execute("ALTER TABLE runs DROP COLUMN method_config");
            s.execute("DROP TABLE superseded");
            s.execute("UPDATE meta SET value = '1' WHERE key = 'schema'");
        }
        Store migrated = new Store(Store.sqliteUrl(db));
        assertEquals(4, migrated.runCount());
        for (Store.RunRow r : migrated.runsOfSuite(Fixtures.SUITE)) {
            assertEquals(r.runId().equals(withDomain.identity().runId()) ? "antmaze-large-navigate" : null, r.domainColumn(),
                    r.toString());
            assertEquals(Store.methodConfig(records.get(0)), r.methodConfig(), "cpu profile, no overrides: " + r);
        }
        assertEquals(List.of(), migrated.superseded(null));
        try (var c = java.sql.DriverManager.getConnection(Store.sqliteUrl(db)); var s = c.createStatement();
             var rs = s.executeQuery("SELECT value FROM meta WHERE key = 'schema'")) {
            rs.next();
            assertEquals(Integer.toString(Store.SCHEMA_VERSION), rs.getString(1));
        }
        new Store(Store.sqliteUrl(db));
    }

    @Test
    void aVersion2DatabaseGetsEachRunsMethodConfigFromItsStoredRecord() throws Exception {
        // written before method configs: entries grouped by config hash; after the migration every run has the method
        // config its record's spec gives, so one choice of method on tasks of different domains is one entry again
        Path db = tmp.resolve("v2.db");
        Store store = new Store(Store.sqliteUrl(db));
        LeaderboardServer.registerShippedSuites(store);
        List<RunRecord> records = new ArrayList<>();
        for (long seed = 0; seed < 3; seed++) {
            // per-domain values: one choice (cpu, no overrides), a different resolved config on each task
            records.add(Fixtures.run("flow-bc", Fixtures.SINGLE, seed, Map.of("flow-bc", 0.3),
                    Fixtures.config("flow-bc", 256).put("horizon", 5), 134146, 13));
            records.add(Fixtures.run("flow-bc", Fixtures.GOAL, seed, Map.of("flow-bc", 0.6),
                    Fixtures.config("flow-bc", 256).put("horizon", 1), 134146, 21));
        }
        // another choice of the same algorithm: a --set override (and the config it resolves to)
        records.add(Fixtures.withOverrides(Fixtures.run("flow-bc", Fixtures.GOAL, 7, Map.of("flow-bc", 0.6),
                Fixtures.config("flow-bc", 512), 400000, 21), Map.of("hidden", "512,512")));
        Importer.importFolder(Fixtures.writeResults(tmp.resolve("results"), records), store);
        try (var c = java.sql.DriverManager.getConnection(Store.sqliteUrl(db)); var s = c.createStatement()) {
            s.execute("ALTER TABLE runs DROP COLUMN method_config");
            s.execute("UPDATE meta SET value = '2' WHERE key = 'schema'");
        }
        Store migrated = new Store(Store.sqliteUrl(db));
        Map<String, String> expected = new java.util.HashMap<>();
        for (RunRecord r : records) expected.put(r.identity().runId(), Store.methodConfig(r));
        List<Store.RunRow> rows = migrated.runsOfSuite(Fixtures.SUITE);
        assertEquals(7, rows.size());
        for (Store.RunRow r : rows) assertEquals(expected.get(r.runId()), r.methodConfig(), r.toString());
        assertEquals(2, rows.stream().map(Store.RunRow::methodConfig).distinct().count(), "two choices");
        assertEquals(3, rows.stream().map(Store.RunRow::configHash).distinct().count(), "three resolved configs");
        assertEquals(Store.METHOD_CONFIG_DIGITS, rows.get(0).methodConfig().length());
        try (var c = java.sql.DriverManager.getConnection(Store.sqliteUrl(db)); var s = c.createStatement();
             var rs = s.executeQuery("SELECT value FROM meta WHERE key = 'schema'")) {
            rs.next();
            assertEquals(Integer.toString(Store.SCHEMA_VERSION), rs.getString(1));
        }
        // the migrated database groups like a new one: flow-bc's cpu choice is one entry over both tasks
        Boards.Board b = new Boards(migrated, 0, 500, 100).board(migrated.suite(Fixtures.SUITE).orElseThrow(),
                flowbench.harness.report.ScoreKind.LAST3);
        Boards.Entry e = b.ranked().stream().filter(x -> x.methodConfig().equals(Store.methodConfig(records.get(0))))
                .findFirst().orElseThrow(() -> new AssertionError(b.ranked() + " / " + b.incomplete()));
        assertEquals(6, e.runs());
        assertEquals(2, e.configs().hashes().size());
        // and an import after the migration fills the column itself
        RunRecord more = Fixtures.run("flow-bc", Fixtures.SINGLE, 3, Map.of("flow-bc", 0.3),
                Fixtures.config("flow-bc", 256).put("horizon", 5), 134146, 13);
        migrated.importReproduced(List.of(new Store.ParsedRun(more, Json.pretty(more), "more")));
        assertEquals(Set.of(0L, 1L, 2L, 3L),
                migrated.storedSeeds(Fixtures.SUITE, Fixtures.SINGLE, "flow-bc", Store.methodConfig(more)));
        new Store(Store.sqliteUrl(db));
    }

    @Test
    void aDatabaseOfAnotherSchemaVersionIsRefused() throws Exception {
        Path db = tmp.resolve("old.db");
        new Store(Store.sqliteUrl(db));
        try (var c = java.sql.DriverManager.getConnection(Store.sqliteUrl(db)); var s = c.createStatement()) {
            s.execute("UPDATE meta SET value = '99' WHERE key = 'schema'");
        }
        SQLException e = assertThrows(SQLException.class, () -> new Store(Store.sqliteUrl(db)));
        assertTrue(e.getMessage().contains("database schema version 99"), e.getMessage());
    }
}
