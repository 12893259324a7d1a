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
        assertNull(sub.reproduction(), "not checked yet");
        assertEquals("alice", sub.submittedBy());
        assertEquals("new-flow", store.method("new-flow").orElseThrow().name());
        assertEquals("desc", store.method("new-flow").orElseThrow().description());

        // the maintainers re-run seed 0 on the single task: same key, same outcomes, another machine's timing
        RunRecord rerun = Fixtures.run("new-flow", Fixtures.SINGLE, 0, Map.of("new-flow", 0.4),
                Fixtures.config("new-flow", 256), 200000, 16);
        Store.WriteReport rep = store.importReproduced(List.of(new Store.ParsedRun(rerun, Json.pretty(rerun), "rerun")));
        assertEquals(1, rep.reproduced());
        assertEquals(0, rep.notReproduced());
        Store.StoredRun after = store.run(w.runIds().get(0)).orElseThrow();
        assertEquals(Store.REPRODUCED, after.row().status());
        assertEquals(Reproduction.EXACT, after.row().reproduction());
        assertTrue(after.row().reproductionInWords().contains("reproduced exactly"), after.row().reproductionInWords());
        assertNotNull(after.row().reproducedAt());
        assertNotNull(after.submittedJson(), "the submitted record is kept for comparison");
        assertEquals("alice", after.row().submittedBy());
        assertEquals(Json.mapper().readTree(Json.pretty(rerun)), Json.mapper().readTree(after.runJson()));
        // the harness's own runs: reproduced, never submitted
        Store.RunRow harness = store.runsOfMethod("flow-bc").get(0);
        assertNull(harness.reproduction());
        assertTrue(harness.reproductionInWords().contains("not a submission"), harness.reproductionInWords());

        // a later harness record of the key that no longer gives the submitted outcomes: checked again, and the run goes
        // back to "submitted" with what was submitted
        RunRecord changed = Fixtures.withEpisode(rerun, 1, 0, 0, 3, o -> new flowbench.harness.protocol.EpisodeOutcome(
                o.episode(), o.seed(), o.success(), o.episodeReturn() - 1, o.length(), o.terminated(), o.truncated()));
        Store.WriteReport again = store.importReproduced(List.of(new Store.ParsedRun(changed, Json.pretty(changed), "again")));
        assertEquals(1, again.notReproduced());
        Store.StoredRun back = store.run(w.runIds().get(0)).orElseThrow();
        assertEquals(Store.SUBMITTED, back.row().status());
        assertNull(back.submittedJson());
        assertNull(back.row().reproducedAt());
        assertEquals(v.runs().get(0).json(), back.runJson(), "the submitted record restored");
        assertEquals("not reproduced: policy new-flow, step 3000, task 1, episode 3: submitted return "
                + rerun.evaluations().get(1).policies().get(0).tasks().get(0).episodes().get(3).episodeReturn()
                + ", harness " + changed.evaluations().get(1).policies().get(0).tasks().get(0).episodes().get(3).episodeReturn(),
                back.row().reproduction());
    }

    @Test
    void aFlippedEpisodeOutcomeLeavesTheRunSubmittedWithTheNote() throws Exception {
        Store store = store();
        Fixtures.importBaseline(store, tmp);
        BundleValidator.Result v = new BundleValidator(store, 3).validate(Fixtures.bundle("new-flow", "desc"));
        Store.WriteReport w = store.insertSubmission(v.method(), v.runs(), "alice", "abc");
        RunRecord submitted = v.runs().get(0).record();
        String submittedJson = store.run(w.runIds().get(0)).orElseThrow().runJson();
        // the harness's run of seed 0 on the single task differs in one episode's success (first evaluation, episode 7)
        RunRecord rerun = Fixtures.run("new-flow", Fixtures.SINGLE, 0, Map.of("new-flow", 0.4),
                Fixtures.config("new-flow", 256), 200000, 16);
        boolean was = rerun.evaluations().get(0).policies().get(0).tasks().get(0).episodes().get(7).success();
        RunRecord flipped = Fixtures.withEpisode(rerun, 0, 0, 0, 7, o -> new flowbench.harness.protocol.EpisodeOutcome(
                o.episode(), o.seed(), !o.success(), o.episodeReturn(), o.length(), o.terminated(), o.truncated()));
        long rev = store.suite(Fixtures.SUITE).orElseThrow().revision();
        Path results = Fixtures.writeResults(tmp.resolve("rerun"), List.of(flipped));
        Importer.Report rep = Importer.importFolder(results, store);
        String note = "not reproduced: policy new-flow, step 1500, task 1, episode 7: submitted success " + was
                + ", harness " + !was;
        assertEquals(0, rep.written().reproduced());
        assertEquals(1, rep.written().notReproduced());
        assertEquals(0, rep.written().inserted());
        String log = rep.describe(results);
        assertTrue(log.contains("0 reproduced submissions, 0 updated, 0 unchanged, 1 submissions not reproduced"), log);
        assertTrue(log.contains("run " + w.runIds().get(0) + " (suite quickstart/1, task " + Fixtures.SINGLE), log);
        assertTrue(log.endsWith(": " + note), log);
        Store.StoredRun after = store.run(w.runIds().get(0)).orElseThrow();
        assertEquals(Store.SUBMITTED, after.row().status(), "not reproduced: still submitted");
        assertEquals(note, after.row().reproduction());
        assertEquals(note, after.row().reproductionInWords());
        assertNull(after.row().reproducedAt());
        assertNull(after.submittedJson());
        assertEquals(submittedJson, after.runJson(), "the harness's record is not stored");
        assertEquals(submitted.identity().runId(), after.row().runId());
        assertEquals(rev + 1, store.suite(Fixtures.SUITE).orElseThrow().revision(), "the note is news");
        // the same folder again: the same note, nothing changes
        Importer.Report again = Importer.importFolder(results, store);
        assertEquals(1, again.written().notReproduced());
        assertEquals(rev + 1, store.suite(Fixtures.SUITE).orElseThrow().revision());
        assertEquals(6, store.runsOfMethod("new-flow").stream().filter(r -> r.status().equals(Store.SUBMITTED)).count());
    }

    @Test
    void anExternalMethodIsReproducedAsItDeclares() throws Exception {
        Store store = store();
        Fixtures.importBaseline(store, tmp);
        // the harness's reruns of seeds 0..2 on the single task succeed less often (0.2 instead of 0.4)
        Map<Long, RunRecord> rerun = new java.util.HashMap<>();
        Map<Long, Double> diff = new java.util.HashMap<>();
        for (long seed = 0; seed < 3; seed++) {
            RunRecord sub = Fixtures.run("ext-flow", Fixtures.SINGLE, seed, Map.of("ext-flow", 0.4),
                    Fixtures.config("ext-flow", 256), 200000, 15);
            RunRecord re = Fixtures.run("ext-flow", Fixtures.SINGLE, seed, Map.of("ext-flow", 0.2),
                    Fixtures.config("ext-flow", 256), 200000, 16);
            double d = 0;
            for (int e = 0; e < sub.evaluations().size(); e++) {
                d = Math.max(d, Math.abs(sub.evaluations().get(e).policies().get(0).overallSuccess()
                        - re.evaluations().get(e).policies().get(0).overallSuccess()));
            }
            assertTrue(d >= 0.05, "the fixture's reruns differ: " + d);
            rerun.put(seed, re);
            diff.put(seed, new java.math.BigDecimal(d).setScale(2, java.math.RoundingMode.HALF_UP).doubleValue());
        }
        // seed 0 declares deterministic false and a tolerance that covers the difference; seed 1 declares no
        // determinism and a tolerance 0.05 below it; seed 2 declares deterministic true (its tolerance is not read)
        Map<Long, com.fasterxml.jackson.databind.node.ObjectNode> agents = Map.of(
                0L, Fixtures.agent("ext-flow", false, diff.get(0L)),
                1L, Fixtures.agent("ext-flow", null, diff.get(1L) - 0.05),
                2L, Fixtures.agent("ext-flow", true, 1.0));
        com.fasterxml.jackson.databind.node.ObjectNode bundle = Fixtures.bundle("ext-flow", "an external method");
        for (com.fasterxml.jackson.databind.JsonNode run : bundle.get("runs")) {
            long seed = run.get("identity").get("seed").longValue();
            ((com.fasterxml.jackson.databind.node.ObjectNode) run).set("external", Json.tree(Fixtures.withExternal(
                    Fixtures.run("ext-flow", Fixtures.SINGLE, seed, Map.of("ext-flow", 0.4), Fixtures.config("ext-flow", 256),
                            200000, 15), agents.get(seed)).external()));
        }
        BundleValidator.Result v = new BundleValidator(store, 3).validate(bundle);
        assertTrue(v.ok(), v.problems().toString());
        store.insertSubmission(v.method(), v.runs(), "alice", "abc");
        List<Store.ParsedRun> runs = new ArrayList<>();
        for (long seed = 0; seed < 3; seed++) {
            RunRecord r = Fixtures.withExternal(rerun.get(seed), agents.get(seed));
            runs.add(new Store.ParsedRun(r, Json.pretty(r), "seed" + seed));
        }
        Store.WriteReport rep = store.importReproduced(runs);
        assertEquals(1, rep.reproduced());
        assertEquals(2, rep.notReproduced(), rep.notReproducedNotes().toString());
        Map<Long, Store.RunRow> rows = new java.util.HashMap<>();
        for (Store.RunRow r : store.runsOfMethod("ext-flow")) if (r.task().equals(Fixtures.SINGLE)) rows.put(r.seed(), r);
        String t0 = java.math.BigDecimal.valueOf(diff.get(0L)).stripTrailingZeros().toPlainString();
        assertEquals(Store.REPRODUCED, rows.get(0L).status());
        assertEquals("within tolerance " + t0, rows.get(0L).reproduction());
        assertTrue(rows.get(0L).reproductionInWords().contains("within tolerance " + t0 + " (each policy's overall success"),
                rows.get(0L).reproductionInWords());
        String t1 = java.math.BigDecimal.valueOf(diff.get(1L) - 0.05).stripTrailingZeros().toPlainString();
        assertEquals(Store.SUBMITTED, rows.get(1L).status());
        assertTrue(rows.get(1L).reproduction().matches("not reproduced: policy ext-flow, step (1500|3000): overall success"
                + " [0-9.]+ submitted vs [0-9.]+ by the harness, tolerance " + java.util.regex.Pattern.quote(t1)),
                rows.get(1L).reproduction());
        assertEquals(Store.SUBMITTED, rows.get(2L).status());
        assertTrue(rows.get(2L).reproduction().matches("not reproduced: policy ext-flow, step 1500, task 1, episode [0-9]+: .*"),
                "deterministic: held to its episodes, whatever its tolerance: " + rows.get(2L).reproduction());
    }

    /**
     * A database of schema 5, where a submitted run became "reproduced" whatever the harness's record said: each such
     * run is checked on opening; every run is kept.
     */
    @Test
    void aVersion5DatabaseChecksItsReproducedSubmissions() throws Exception {
        String db = url("v5");
        Store store = new Store(db);
        LeaderboardServer.registerShippedSuites(store);
        Fixtures.importBaseline(store, tmp);
        BundleValidator.Result v = new BundleValidator(store, 3).validate(Fixtures.bundle("new-flow", "desc"));
        Store.WriteReport w = store.insertSubmission(v.method(), v.runs(), "alice", "abc");
        // runs[0] (seed 0, single task) and runs[1] (seed 0, goal task) as schema 5 stored a harness import of their
        // key: one with the same outcomes, one with other outcomes; runs[2..5] stay submitted
        RunRecord same = Fixtures.run("new-flow", Fixtures.SINGLE, 0, Map.of("new-flow", 0.4),
                Fixtures.config("new-flow", 256), 200000, 16);
        RunRecord other = Fixtures.run("new-flow", Fixtures.GOAL, 0, Map.of("new-flow", 0.1),
                Fixtures.config("new-flow", 256), 200000, 26);
        try (var c = java.sql.DriverManager.getConnection(db);
             var p = c.prepareStatement("UPDATE runs SET status = 'reproduced', reproduced_at = '2026-12-01T00:00:00Z',"
                     + " submitted_json = run_json, run_json = ? WHERE id = ?")) {
            p.setString(1, Json.pretty(same));
            p.setLong(2, w.runIds().get(0));
            p.executeUpdate();
            p.setString(1, Json.pretty(other));
            p.setLong(2, w.runIds().get(1));
            p.executeUpdate();
            try (var s = c.createStatement()) {
                s.execute("ALTER TABLE runs DROP COLUMN reproduction");
                s.execute("UPDATE meta SET value = '5' WHERE key = 'schema'");
            }
        }
        Store migrated = new Store(db);
        assertEquals(12 + 6, migrated.runCount(), "every run kept");
        for (Store.RunRow r : migrated.runsOfSuite(Fixtures.SUITE)) {
            if (r.algorithm().equals("new-flow")) continue;
            assertEquals(Store.REPRODUCED, r.status());
            assertNull(r.reproduction(), "the harness's own runs: " + r);
        }
        Store.StoredRun exact = migrated.run(w.runIds().get(0)).orElseThrow();
        assertEquals(Store.REPRODUCED, exact.row().status());
        assertEquals(Reproduction.EXACT, exact.row().reproduction());
        assertEquals(Json.mapper().readTree(Json.pretty(same)), Json.mapper().readTree(exact.runJson()));
        Store.StoredRun differs = migrated.run(w.runIds().get(1)).orElseThrow();
        assertEquals(Store.SUBMITTED, differs.row().status(), "other outcomes: not reproduced");
        assertTrue(differs.row().reproduction().startsWith("not reproduced: policy new-flow, step 1500, task "),
                differs.row().reproduction());
        assertEquals(v.runs().get(1).json(), differs.runJson(), "the submitted record restored");
        assertNull(differs.submittedJson());
        assertNull(differs.row().reproducedAt());
        // its scores are the submitted record's again
        double submittedFinal = v.runs().get(1).record().summary().get(0).finalSuccess();
        assertEquals(submittedFinal, migrated.scores(Fixtures.SUITE).stream().filter(s -> s.run() == w.runIds().get(1))
                .findFirst().orElseThrow().finalSuccess(), 1e-12);
        for (int i = 2; i < 6; i++) {
            Store.RunRow r = migrated.run(w.runIds().get(i)).orElseThrow().row();
            assertEquals(Store.SUBMITTED, r.status());
            assertNull(r.reproduction());
        }
        try (var c = java.sql.DriverManager.getConnection(db); var s = c.createStatement();
             var rs = s.executeQuery("SELECT value FROM meta WHERE key = 'schema'")) {
            rs.next();
            assertEquals(Integer.toString(Store.SCHEMA_VERSION), rs.getString(1));
        }
        assertEquals(6, Store.SCHEMA_VERSION);
        new Store(db);
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
