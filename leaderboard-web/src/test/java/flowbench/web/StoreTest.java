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
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store on SQLite; {@link PostgresStoreTest} runs every test here again on PostgreSQL ({@link #url} is the only
 * difference).
 */
class StoreTest {
    @TempDir
    Path tmp;

    /** The JDBC URL of an empty database of this test, one per {@code name} (the same URL for the same name). */
    String url(String name) throws Exception {
        return Store.sqliteUrl(tmp.resolve(name + ".db"));
    }

    /** A store on this test's database "lb" with the shipped suites registered. */
    Store store() throws Exception {
        Store s = new Store(url("lb"));
        LeaderboardServer.registerShippedSuites(s);
        return s;
    }

    @Test
    void importStoresRunsAsReproducedAndIsIdempotent() throws Exception {
        Store store = store();
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
        Store store = store();
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
        Store store = store();
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
        Store store = store();
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
        Store store = store();
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
        Store store = store();
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
        Store store = store();
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
        Store store = store();
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
        String db = url("v1");
        Store store = new Store(db);
        LeaderboardServer.registerShippedSuites(store);
        RunRecord withDomain = Fixtures.withDomain(Fixtures.baseline().get(0),
                Fixtures.domain("antmaze-large-navigate", "why", null, "horizon", "1", "reproduce.py"));
        List<RunRecord> records = new ArrayList<>(Fixtures.baseline().subList(1, 4));
        records.add(withDomain);
        Importer.importFolder(Fixtures.writeResults(tmp.resolve("results"), records), store);
        try (var c = java.sql.DriverManager.getConnection(db); var s = c.createStatement()) {
            // a version-1 database had neither the domain column nor the method config
            s.execute("ALTER TABLE runs DROP COLUMN domain_column");
            s.execute("ALTER TABLE runs DROP COLUMN method_config");
            s.execute("DROP TABLE superseded");
            s.execute("UPDATE meta SET value = '1' WHERE key = 'schema'");
        }
        Store migrated = new Store(db);
        assertEquals(4, migrated.runCount());
        for (Store.RunRow r : migrated.runsOfSuite(Fixtures.SUITE)) {
            assertEquals(r.runId().equals(withDomain.identity().runId()) ? "antmaze-large-navigate" : null, r.domainColumn(),
                    r.toString());
            assertEquals(Store.methodConfig(records.get(0)), r.methodConfig(), "cpu profile, no overrides: " + r);
        }
        assertEquals(List.of(), migrated.superseded(null));
        try (var c = java.sql.DriverManager.getConnection(db); var s = c.createStatement();
             var rs = s.executeQuery("SELECT value FROM meta WHERE key = 'schema'")) {
            rs.next();
            assertEquals(Integer.toString(Store.SCHEMA_VERSION), rs.getString(1));
        }
        new Store(db);
    }

    @Test
    void aVersion2DatabaseGetsEachRunsMethodConfigFromItsStoredRecord() throws Exception {
        // written before method configs: entries grouped by config hash; after the migration every run has the method
        // config its record's spec gives, so one choice of method on tasks of different domains is one entry again
        String db = url("v2");
        Store store = new Store(db);
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
        try (var c = java.sql.DriverManager.getConnection(db); var s = c.createStatement()) {
            s.execute("ALTER TABLE runs DROP COLUMN method_config");
            s.execute("UPDATE meta SET value = '2' WHERE key = 'schema'");
        }
        Store migrated = new Store(db);
        Map<String, String> expected = new java.util.HashMap<>();
        for (RunRecord r : records) expected.put(r.identity().runId(), Store.methodConfig(r));
        List<Store.RunRow> rows = migrated.runsOfSuite(Fixtures.SUITE);
        assertEquals(7, rows.size());
        for (Store.RunRow r : rows) assertEquals(expected.get(r.runId()), r.methodConfig(), r.toString());
        assertEquals(2, rows.stream().map(Store.RunRow::methodConfig).distinct().count(), "two choices");
        assertEquals(3, rows.stream().map(Store.RunRow::configHash).distinct().count(), "three resolved configs");
        assertEquals(Store.METHOD_CONFIG_DIGITS, rows.get(0).methodConfig().length());
        try (var c = java.sql.DriverManager.getConnection(db); var s = c.createStatement();
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
        new Store(db);
    }

    @Test
    void aDatabaseOfAnotherSchemaVersionIsRefused() throws Exception {
        String db = url("old");
        new Store(db);
        try (var c = java.sql.DriverManager.getConnection(db); var s = c.createStatement()) {
            s.execute("UPDATE meta SET value = '99' WHERE key = 'schema'");
        }
        SQLException e = assertThrows(SQLException.class, () -> new Store(db));
        assertTrue(e.getMessage().contains("database schema version 99"), e.getMessage());
    }

    @Test
    void adHocRunsAreStoredApartFromTheSuiteWithTheSameKeys() throws Exception {
        Store store = store();
        Fixtures.importBaseline(store, tmp);
        // the same algorithm, tasks, seeds and configs as the baseline: the same keys but for the suite
        Importer.Report rep = Importer.importFolder(Fixtures.writeResults(tmp.resolve("adhoc"), Fixtures.adhoc()), store);
        assertEquals(List.of("adhoc/0"), rep.unregistered());
        assertEquals(6, rep.written().inserted());
        assertEquals(List.of("adhoc/0"), store.unregistered().stream().map(Store.UnregisteredInfo::suite).toList());
        Store.UnregisteredInfo u = store.unregistered().get(0);
        assertEquals(List.of(6, 1), List.of(u.runs(), u.methods()));
        assertEquals(List.of(Fixtures.SINGLE, Fixtures.GOAL), u.tasks());
        assertFalse(u.registeredSince());
        assertTrue(store.suite("adhoc/0").isEmpty());
        assertEquals(12, store.runsOfSuite(Fixtures.SUITE).size());
        assertEquals(24, store.scores(Fixtures.SUITE).size());
        assertEquals(6, store.scores(Store.unregisteredKey("adhoc/0")).size());
        // a definition registered afterwards: the stored runs stay unregistered (never on its board) and say so
        assertNull(store.putSuite(Fixtures.adhocSuite(), "file"));
        assertTrue(store.unregistered().get(0).registeredSince());
        assertEquals(List.of(), store.runsOfSuite("adhoc/0"));
    }

    @Test
    void largeSeedsCountsAndExactScoresRoundTrip() throws Exception {
        // PostgreSQL's INTEGER is 32-bit and its REAL 4 bytes: the store must use BIGINT and DOUBLE PRECISION there
        Store store = store();
        long seed = 5_000_000_000L;
        RunRecord r = Fixtures.run("flow-bc", Fixtures.GOAL, seed, Map.of("flow-bc", 0.37), Fixtures.config("flow-bc", 256),
                3_000_000_000L, 1234.5678901234);
        store.importReproduced(List.of(new Store.ParsedRun(r, Json.pretty(r), "big")));
        Store.RunRow row = store.runsOfSuite(Fixtures.SUITE).get(0);
        assertEquals(seed, row.seed());
        assertEquals(3_000_000_000L, row.parameterCount());
        assertEquals(1234.5678901234, row.totalSeconds(), 0);
        assertEquals(r.summary().get(0).finalSuccess(), store.scores(Fixtures.SUITE).get(0).finalSuccess(), 0);
        assertEquals(Set.of(seed), store.storedSeeds(Fixtures.SUITE, Fixtures.GOAL, "flow-bc", Store.methodConfig(r)));
    }

    /** Runs of {@code method} on both quickstart tasks, seeds {@code first} .. {@code first} + 2. */
    private static List<Store.ParsedRun> runsOf(String method, long first) {
        List<Store.ParsedRun> out = new ArrayList<>();
        for (long seed = first; seed < first + 3; seed++) {
            for (String task : List.of(Fixtures.SINGLE, Fixtures.GOAL)) {
                RunRecord r = Fixtures.run(method, task, seed, Map.of(method, 0.4), Fixtures.config(method, 256), 200000, 15);
                out.add(new Store.ParsedRun(r, Json.pretty(r), "bundle"));
            }
        }
        return out;
    }

    /** Runs each task at once (from a barrier) and returns each one's outcome: its value or its exception's class. */
    private static List<String> race(List<java.util.concurrent.Callable<String>> tasks) throws Exception {
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(tasks.size());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(tasks.size());
        try {
            List<java.util.concurrent.Future<String>> fs = new ArrayList<>();
            for (java.util.concurrent.Callable<String> t : tasks) {
                fs.add(pool.submit(() -> {
                    start.await();
                    try {
                        return t.call();
                    } catch (Store.DuplicateRunException | Store.NotOwnerException e) {
                        return e.getClass().getSimpleName();
                    }
                }));
            }
            List<String> out = new ArrayList<>();
            // anything else (an SQLException: a lost race the store did not turn into an answer) fails the test here
            for (java.util.concurrent.Future<String> f : fs) out.add(f.get(120, java.util.concurrent.TimeUnit.SECONDS));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentSubmissionsOfOneBundleFromTwoServersStoreItOnce() throws Exception {
        Store a = store();
        Store b = new Store(url("lb")); // a second server on the same database: its own write lock
        Fixtures.importBaseline(a, tmp);
        BundleValidator.Result v = new BundleValidator(a, 3).validate(Fixtures.bundle("race-flow", "d"));
        assertTrue(v.ok(), v.problems().toString());
        // the method exists already, so nothing but the runs' unique key stands between the writers
        a.putMethod(new Store.MethodInfo("race-flow", v.method().paper(), v.method().family(), "d", null, Store.SUBMITTED,
                null, Store.tokenOwner("alice")));
        List<java.util.concurrent.Callable<String>> tasks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Store s = i % 2 == 0 ? a : b;
            tasks.add(() -> {
                s.insertSubmission(v.method(), v.runs(), "alice", "sha");
                return "stored";
            });
        }
        List<String> got = race(tasks);
        assertEquals(1, got.stream().filter("stored"::equals).count(), got.toString());
        assertEquals(5, got.stream().filter("DuplicateRunException"::equals).count(), got.toString());
        assertEquals(12 + 6, a.runCount());
        assertEquals(1, b.runsOfMethod("race-flow").stream().map(Store.RunRow::submissionId).distinct().count());
    }

    @Test
    void twoTokensRacingForANewMethodFromTwoServersCannotBothLand() throws Exception {
        Store a = store();
        Store b = new Store(url("lb"));
        Fixtures.importBaseline(a, tmp);
        for (int round = 0; round < 4; round++) {
            String name = "race-" + round;
            Store.MethodInfo m = new Store.MethodInfo(name, "p", "training-time", "d", null, Store.SUBMITTED, null);
            // different seeds: no duplicate run, only the name is contested
            List<Store.ParsedRun> alice = runsOf(name, 0), bob = runsOf(name, 3);
            List<String> got = race(List.of(
                    () -> a.insertSubmission(m, alice, "alice", "x").inserted() + " by alice",
                    () -> b.insertSubmission(m, bob, "bob", "y").inserted() + " by bob"));
            assertEquals(1, got.stream().filter(x -> x.startsWith("6 by ")).count(), got.toString());
            assertTrue(got.contains("NotOwnerException"), got.toString());
            String winner = got.stream().filter(x -> x.startsWith("6 by ")).findFirst().orElseThrow().substring(5);
            assertEquals(Store.tokenOwner(winner), a.method(name).orElseThrow().owner());
            assertEquals(6, a.runsOfMethod(name).size());
        }
    }
}
