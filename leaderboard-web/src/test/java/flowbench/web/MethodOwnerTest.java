package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #12, item 2: a method belongs to the token that created it, a reproduced one to the harness; a bundle naming
 * someone else's method is refused with 403 and stores nothing.
 */
class MethodOwnerTest {
    static final String ALICE = "alice-token-0123456789abcdef0123456789";
    static final String BOB = "bob-token-0123456789abcdef0123456789ab";

    @TempDir
    Path tmp;
    Store store;
    LeaderboardServer server;
    Http http;

    @BeforeEach
    void start() throws Exception {
        store = Fixtures.store(tmp);
        Fixtures.importBaseline(store, tmp);
        Path tokens = Files.writeString(tmp.resolve("tokens.txt"), "alice " + ALICE + "\nbob " + BOB + "\n");
        server = LeaderboardServer.start(store, LeaderboardServer.Config.defaults().withTokens(SubmitTokens.load(tokens)));
        http = new Http(server.port());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> submit(JsonNode bundle, String token) throws Exception {
        return http.post("/api/submissions", Json.pretty(bundle).getBytes(StandardCharsets.UTF_8),
                Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json"));
    }

    /** A valid bundle of {@code name} whose runs use another resolved config (hidden 512): new keys, same entry. */
    private static ObjectNode moreRuns(String name) {
        ObjectNode b = Fixtures.bundle(name, "more seeds");
        ArrayNode runs = b.putArray("runs");
        for (long seed = 0; seed < 3; seed++) {
            for (String task : List.of(Fixtures.SINGLE, Fixtures.GOAL)) {
                runs.add(Json.tree(Fixtures.run(name, task, seed, Map.of(name, 0.5), Fixtures.config(name, 512), 200000, 15)));
            }
        }
        return b;
    }

    @Test
    void aBundleNamingAHarnessMethodIsRefusedWith403() throws Exception {
        assertEquals(Store.HARNESS, store.method("flow-bc").orElseThrow().owner());
        int before = store.runCount();
        ObjectNode b = moreRuns("flow-bc");
        // with the stored paper and family, so nothing but the owner stands in the way
        ((ObjectNode) b.get("method")).put("paper", "Fixture et al. (2025)");
        HttpResponse<String> r = submit(b, ALICE);
        assertEquals(403, r.statusCode(), r.body());
        assertTrue(r.body().contains("method 'flow-bc' belongs to the harness (reproduced results)"), r.body());
        assertEquals(before, store.runCount());
        assertEquals(6, Json.mapper().readTree(http.get("/api/methods/flow-bc").body()).get("runs").size());
    }

    @Test
    void theCreatingTokenOwnsTheMethodAndOnlyItAddsRuns() throws Exception {
        HttpResponse<String> created = submit(Fixtures.bundle("new-flow", "Alice's method."), ALICE);
        assertEquals(201, created.statusCode(), created.body());
        assertEquals(Store.tokenOwner("alice"), store.method("new-flow").orElseThrow().owner());
        assertEquals("token alice", Json.mapper().readTree(http.get("/api/methods/new-flow").body()).get("owner").textValue());
        int before = store.runCount();
        HttpResponse<String> bob = submit(moreRuns("new-flow"), BOB);
        assertEquals(403, bob.statusCode(), bob.body());
        assertTrue(bob.body().contains("method 'new-flow' belongs to token alice"), bob.body());
        assertEquals(before, store.runCount(), "nothing stored");
        HttpResponse<String> alice = submit(moreRuns("new-flow"), ALICE);
        assertEquals(201, alice.statusCode(), alice.body());
        assertEquals(before + 6, store.runCount());
    }

    @Test
    void theStoreChecksTheOwnerInsideItsTransaction() throws Exception {
        // two tokens validated bundles of one new name at once: the second to land is refused, nothing of it stored
        BundleValidator.Result v = new BundleValidator(store, 3).validate(Fixtures.bundle("race-flow", "d"));
        BundleValidator.Result w = new BundleValidator(store, 3).validate(moreRuns("race-flow"));
        store.insertSubmission(v.method(), v.runs(), Store.tokenOwner("alice"), "alice", "a");
        int before = store.runCount();
        Store.NotOwnerException e = assertThrows(Store.NotOwnerException.class,
                () -> store.insertSubmission(w.method(), w.runs(), Store.tokenOwner("bob"), "bob", "b"));
        assertTrue(e.getMessage().contains("belongs to token alice"), e.getMessage());
        assertEquals(before, store.runCount());
    }

    @Test
    void aVersion3DatabaseGetsOwnersFromItsRunsAndSubmissions() throws Exception {
        Path db = tmp.resolve("v3.db");
        Store old = new Store(Store.sqliteUrl(db));
        LeaderboardServer.registerShippedSuites(old);
        Fixtures.importBaseline(old, Files.createDirectories(tmp.resolve("imp")));
        BundleValidator.Result v = new BundleValidator(old, 3).validate(Fixtures.bundle("new-flow", "d"));
        old.insertSubmission(v.method(), v.runs(), "carol (token alice)", "abc");
        old.putMethod(new Store.MethodInfo("orphan", "p", "training-time", "d", null, Store.SUBMITTED, null));
        try (var c = java.sql.DriverManager.getConnection(Store.sqliteUrl(db)); var s = c.createStatement()) {
            // a version-3 database had no owners
            s.execute("ALTER TABLE methods DROP COLUMN owner");
            s.execute("UPDATE meta SET value = '3' WHERE key = 'schema'");
        }
        Store migrated = new Store(Store.sqliteUrl(db));
        assertEquals(Store.HARNESS, migrated.method("flow-bc").orElseThrow().owner(), "reproduced runs: the harness's");
        assertEquals(Store.HARNESS, migrated.method("qgf").orElseThrow().owner());
        assertEquals(Store.tokenOwner("alice"), migrated.method("new-flow").orElseThrow().owner(),
                "the token of its first submission, not the self-declared submitter");
        assertNull(migrated.method("orphan").orElseThrow().owner(), "no run, no submission: nobody's");
        try (var c = java.sql.DriverManager.getConnection(Store.sqliteUrl(db)); var s = c.createStatement();
             var rs = s.executeQuery("SELECT value FROM meta WHERE key = 'schema'")) {
            rs.next();
            assertEquals(Integer.toString(Store.SCHEMA_VERSION), rs.getString(1));
        }
        // nobody's method is closed to every token
        BundleValidator.Result o = new BundleValidator(migrated, 3).validate(Fixtures.bundle("orphan", "d"));
        assertThrows(Store.NotOwnerException.class,
                () -> migrated.insertSubmission(o.method(), o.runs(), Store.tokenOwner("alice"), "alice", "x"));
        new Store(Store.sqliteUrl(db));
    }

    /**
     * A database made before the 2026-12-07 rename (schema 4) gets flowbench's Java families under their new names:
     * task, dataset, record and run id (the round trip old name -> new name gives back the very run id).
     */
    @Test
    void aVersion4DatabaseGetsTheRenamedTaskNames() throws Exception {
        Path db = tmp.resolve("v4.db");
        Store fresh = new Store(Store.sqliteUrl(db));
        LeaderboardServer.registerShippedSuites(fresh);
        Fixtures.importBaseline(fresh, Files.createDirectories(tmp.resolve("imp4")));
        java.util.Map<String, String> ids = new java.util.TreeMap<>();
        try (var c = java.sql.DriverManager.getConnection(Store.sqliteUrl(db)); var s = c.createStatement()) {
            try (var rs = s.executeQuery("SELECT id, run_id, task FROM runs")) {
                while (rs.next()) ids.put(rs.getString(1), rs.getString(2) + " " + rs.getString(3));
            }
            assertTrue(ids.values().stream().anyMatch(v -> v.contains(" jpointmaze-")), ids.toString());
            // as a version-4 database stored them: the old names everywhere
            s.execute("UPDATE runs SET task = REPLACE(task, 'jpointmaze-', 'pointmaze-'),"
                    + " dataset_name = REPLACE(dataset_name, 'jpointmaze-', 'pointmaze-'),"
                    + " run_json = REPLACE(run_json, 'jpointmaze-', 'pointmaze-'), run_id = 'old' || id");
            s.execute("UPDATE suites SET definition = REPLACE(definition, 'jpointmaze-', 'pointmaze-')");
            s.execute("UPDATE meta SET value = '4' WHERE key = 'schema'");
        }
        new Store(Store.sqliteUrl(db));
        try (var c = java.sql.DriverManager.getConnection(Store.sqliteUrl(db)); var s = c.createStatement()) {
            try (var rs = s.executeQuery("SELECT id, run_id, task, run_json FROM runs")) {
                while (rs.next()) {
                    assertEquals(ids.get(rs.getString(1)), rs.getString(2) + " " + rs.getString(3), "run " + rs.getString(1));
                    assertFalse(rs.getString(4).matches("(?s).*[^j:/]pointmaze-medium.*"), "record text migrated");
                }
            }
            try (var rs = s.executeQuery("SELECT definition FROM suites")) {
                while (rs.next()) assertFalse(rs.getString(1).contains("\"pointmaze-medium-navigate"), rs.getString(1));
            }
        }
    }

    /** Two bundles that create one method at once, with different papers: the second to commit is refused. */
    @Test
    void concurrentCreatorsOfOneMethodMustAgreeOnItsPaperAndFamily() throws Exception {
        Store store = new Store(Store.sqliteUrl(tmp.resolve("race.db")));
        LeaderboardServer.registerShippedSuites(store);
        Fixtures.importBaseline(store, Files.createDirectories(tmp.resolve("imp-race")));
        // both validated against a store without the method (as two concurrent requests would be)
        BundleValidator.Result a = new BundleValidator(store, 3).validate(Fixtures.bundle("twin-flow", "d"));
        BundleValidator.Result b = new BundleValidator(store, 3).validate(Fixtures.bundle("twin-flow", "d"));
        Store.MethodInfo other = new Store.MethodInfo(b.method().name(), "Somebody else, Another paper (2026)",
                b.method().family(), b.method().description(), b.method().codeUrl(), b.method().source(), null,
                b.method().owner());
        store.insertSubmission(a.method(), a.runs(), Store.tokenOwner("alice"), "alice", "a");
        int before = store.runCount();
        Store.MethodConflictException e = assertThrows(Store.MethodConflictException.class,
                () -> store.insertSubmission(other, b.runs(), Store.tokenOwner("alice"), "alice", "b"));
        assertTrue(e.getMessage().contains("is stored with paper") && e.getMessage().contains("Another paper"), e.getMessage());
        assertEquals(before, store.runCount(), "nothing stored");
    }
}
