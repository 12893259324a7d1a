package flowbench.web;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every {@link StoreTest} again on a real PostgreSQL server (schemas, migrations, concurrent submissions from two
 * stores), each database of a test a fresh schema of the server's database ({@code currentSchema}), dropped after it.
 *
 * <p>The server: {@value #URL_ENV} (e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres}); without
 * it, or when it cannot be reached, the tests are skipped with the reason, unless {@value #REQUIRE_ENV}=1 (CI's second
 * pass, which starts a throwaway server), which makes that a failure.
 */
class PostgresStoreTest extends StoreTest {
    static final String URL_ENV = "FLOWBENCH_TEST_POSTGRES_URL";
    static final String REQUIRE_ENV = "FLOWBENCH_REQUIRE_POSTGRES";

    private final Map<String, String> urls = new LinkedHashMap<>();
    private final List<String> schemas = new ArrayList<>();
    private String server;

    /** Skips (or, when required, fails) with {@code why} and how to get a server. */
    static void unavailable(String why) {
        String message = "needs a PostgreSQL server: " + why + " (set " + URL_ENV + "=jdbc:postgresql://HOST:PORT/DB?user=..."
                + "; Debian: apt-get install postgresql; .ci/run starts a throwaway one)";
        if ("1".equals(System.getenv(REQUIRE_ENV))) fail(message + ", and " + REQUIRE_ENV + "=1, so that is an error");
        assumeTrue(false, message);
    }

    @BeforeEach
    void server() {
        String url = System.getenv(URL_ENV);
        if (url == null || url.isBlank()) unavailable(URL_ENV + " is not set");
        if (!url.startsWith("jdbc:postgresql:")) unavailable(URL_ENV + " is '" + url + "', not a jdbc:postgresql: URL");
        try (Connection c = DriverManager.getConnection(url)) {
            server = url;
        } catch (SQLException e) {
            unavailable("cannot connect to " + url + ": " + e.getMessage());
        }
    }

    @AfterEach
    void dropSchemas() throws SQLException {
        if (server == null) return;
        try (Connection c = DriverManager.getConnection(server); Statement s = c.createStatement()) {
            for (String schema : schemas) s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    /** A new schema per name: the store's tables, and the migration tests' edits, stay in it. */
    @Override
    String url(String name) throws SQLException {
        String u = urls.get(name);
        if (u != null) return u;
        String schema = ("fbtest_" + name + "_" + UUID.randomUUID().toString().replace("-", "")).toLowerCase(Locale.ROOT);
        try (Connection c = DriverManager.getConnection(server); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        schemas.add(schema);
        u = server + (server.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        urls.put(name, u);
        return u;
    }

    @Test
    void theStoreSpeaksPostgresql() throws Exception {
        Store store = store();
        assertEquals(Store.Dialect.POSTGRESQL, store.dialect());
        try (Connection c = DriverManager.getConnection(url("lb")); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT data_type FROM information_schema.columns WHERE table_schema = current_schema()"
                     + " AND table_name = 'runs' AND column_name IN ('id', 'seed', 'total_seconds') ORDER BY column_name")) {
            List<String> types = new ArrayList<>();
            while (rs.next()) types.add(rs.getString(1));
            assertEquals(List.of("bigint", "bigint", "double precision"), types, "id, seed, total_seconds");
        }
    }

    @Test
    void theServerImportsIntoPostgresqlByJdbcUrl() throws Exception {
        java.nio.file.Path root = tmp.resolve("results");
        Fixtures.writeResults(root.resolve("quickstart"), Fixtures.baseline());
        Fixtures.writeResults(root.resolve("adhoc"), Fixtures.adhoc());
        String url = url("cli");
        for (String expect : List.of("18 run records (18 new", "(0 new, 0 reproduced submissions, 0 updated, 18 unchanged")) {
            LeaderboardServer.Cli cli = new LeaderboardServer.Cli();
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            cli.out = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
            int code = new picocli.CommandLine(cli).execute("--results", root.toString(), "--jdbc-url", url, "--import-only");
            String o = out.toString(java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, code, o);
            org.junit.jupiter.api.Assertions.assertTrue(o.contains(expect), o);
            org.junit.jupiter.api.Assertions.assertTrue(o.contains("unregistered (no suite definition, not ranked): adhoc/0"), o);
        }
        Store store = new Store(url);
        assertEquals(12, store.runsOfSuite(Fixtures.SUITE).size());
        assertEquals(6, store.unregistered("adhoc/0").orElseThrow().runs());
    }
}
