package flowbench.web;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.Evaluation;
import flowbench.harness.protocol.PolicyEvaluation;
import flowbench.harness.protocol.Configs;
import flowbench.harness.protocol.NameMigration;
import flowbench.harness.protocol.TaskRenames;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.Suite;
import flowbench.harness.report.ScoreKind;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The leaderboard's database, through plain JDBC (a SQLite file by default). Suites, methods, submissions and runs:
 * each run keeps its full run.json text plus the columns the pages query, and its per-policy scores and learning
 * curve points in two side tables. The unique key (suite, task, algorithm, seed, config hash) catches duplicates.
 * Leaderboard entries group runs by their method config ({@link #methodConfig(RunRecord)}: profile and overrides, the
 * same on every task) rather than by the config hash, which differs between tasks of different domains.
 * Superseded notes ({@link Superseded}) are kept per suite and per file they were read from, so importing the same
 * report again replaces (or, without the file, clears) exactly what that file said.
 *
 * <p>Every change happens in one transaction (all runs of a bundle or an import, or none) and bumps the revision of
 * each suite it touches, which is what the statistics cache keys on. Writes are serialised by one lock within a
 * store; several servers on one database are kept apart by the database: SQLite transactions that write begin
 * IMMEDIATE (one writer at a time), and on PostgreSQL a run stored by another writer first is a unique violation
 * (reported as {@link DuplicateRunException}) and a method another writer created first is left to it
 * ({@code ON CONFLICT DO NOTHING}, then its owner is checked again).
 *
 * <p>Databases ({@link Dialect}): SQLite (a file, {@code jdbc:sqlite:}) and PostgreSQL ({@code jdbc:postgresql:}),
 * both tested; another JDBC URL gets standard SQL (identity columns, BIGINT, DOUBLE PRECISION) and is not tested. The
 * DDL is written once in SQLite's words and translated ({@link Dialect#ddl}).
 */
public final class Store implements AutoCloseable {
    /**
     * 2: runs.domain_column and the superseded table; 3: runs.method_config; 4: methods.owner; 5: the renamed task
     * families; 6: runs.reproduction ({@link Reproduction}). An older database is migrated in place on opening.
     */
    public static final int SCHEMA_VERSION = 6;
    /** Hex digits of a method config id ({@link #methodConfig(RunRecord)}). */
    public static final int METHOD_CONFIG_DIGITS = 16;
    public static final String REPRODUCED = "reproduced";
    public static final String SUBMITTED = "submitted";
    /**
     * The owner of methods imported from the harness's own results: only imports add runs to them. Token owners are
     * {@link #tokenOwner(String)}, a different namespace, so no token name can equal it.
     */
    public static final String HARNESS = "harness";
    /**
     * The source of a suites row that holds runs naming a suite no definition registers (ad-hoc runs, "adhoc/0", or a
     * results folder without its summary.json): its key is {@link #UNREGISTERED_PREFIX} + the records' suite, so its
     * runs never share a key, a board or a ranking with a registered suite of the same name, and {@link #suites()}
     * never lists it. The prefix holds a ':', which no suite name may contain.
     */
    public static final String UNREGISTERED = "unregistered";
    public static final String UNREGISTERED_PREFIX = "unregistered:";

    private final String url;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final boolean sqlite;
    private final Dialect dialect;

    /** The SQL differences between the databases the store runs on. */
    public enum Dialect {
        /** SQLite: INTEGER PRIMARY KEY AUTOINCREMENT, 64-bit INTEGER, 8-byte REAL, INSERT OR IGNORE. */
        SQLITE,
        /**
         * PostgreSQL: identity columns, BIGINT (INTEGER is 32-bit), DOUBLE PRECISION (REAL is 4 bytes), ON CONFLICT DO
         * NOTHING, and text compared byte by byte (COLLATE "C", as SQLite does) so every ORDER BY gives SQLite's order.
         */
        POSTGRESQL,
        /** Any other JDBC database: standard SQL (identity columns), untested. */
        STANDARD;

        public static Dialect of(String jdbcUrl) {
            if (jdbcUrl.startsWith("jdbc:sqlite:")) return SQLITE;
            if (jdbcUrl.startsWith("jdbc:postgresql:")) return POSTGRESQL;
            return STANDARD;
        }

        /** A CREATE or ALTER TABLE statement written for SQLite, in this dialect. */
        String ddl(String sqlite) {
            if (this == SQLITE) return sqlite;
            String s = sqlite.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
            s = s.replaceAll("\\bINTEGER\\b", "BIGINT").replaceAll("\\bREAL\\b", "DOUBLE PRECISION");
            if (this == POSTGRESQL) s = s.replaceAll("\\bTEXT\\b", "TEXT COLLATE \"C\"");
            return s;
        }

        /**
         * An INSERT that does nothing when a row with the same primary key exists ({@code null} where the dialect has
         * no such statement: the caller checks first).
         */
        String insertIfAbsent(String insert) {
            return switch (this) {
                case SQLITE -> insert.replaceFirst("^INSERT INTO", "INSERT OR IGNORE INTO");
                case POSTGRESQL -> insert + " ON CONFLICT DO NOTHING";
                case STANDARD -> null;
            };
        }

        /** Whether {@code e} is a unique (or primary key) violation. */
        boolean uniqueViolation(SQLException e) {
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof SQLException q) {
                    // SQLSTATE 23505 (PostgreSQL and the standard); SQLite: SQLITE_CONSTRAINT (19) or its extended
                    // codes SQLITE_CONSTRAINT_PRIMARYKEY (1555) and _UNIQUE (2067)
                    if ("23505".equals(q.getSQLState())) return true;
                    if (this == SQLITE && (q.getErrorCode() == 19 || q.getErrorCode() == 1555 || q.getErrorCode() == 2067)
                            && q.getMessage() != null && q.getMessage().contains("UNIQUE")) return true;
                }
            }
            return false;
        }
    }

    /** Information about a suite known to the leaderboard. */
    public record SuiteInfo(String id, String name, int version, String description, Suite definition, String source,
                            long revision, int runs, int methods) {}

    /**
     * A method; {@code owner} is who may add runs to it ({@link #HARNESS} or {@link #tokenOwner(String)}), null for a
     * method of a migrated database that no run or submission ties to anyone (then nobody may submit to it).
     */
    public record MethodInfo(String name, String paper, String family, String description, String codeUrl, String source,
                             String createdAt, String owner) {
        public MethodInfo(String name, String paper, String family, String description, String codeUrl, String source,
                          String createdAt) {
            this(name, paper, family, description, codeUrl, source, createdAt, null);
        }
    }

    /**
     * Runs whose suite no definition registers, as their records name it ({@code suite}, e.g. "adhoc/0"): never ranked.
     *
     * @param registeredSince true when a definition of {@code suite} was registered after these runs were stored (they
     *                        stay here; importing the folder again files them under the registered suite)
     */
    public record UnregisteredInfo(String suite, long revision, int runs, int methods, List<String> tasks,
                                   boolean registeredSince) {}

    /** The stored suite key of runs of {@code suite} when no definition registers it. */
    public static String unregisteredKey(String suite) {
        return UNREGISTERED_PREFIX + suite;
    }

    /** Whether a stored suite key ({@link RunRow#suite()}) is that of unregistered runs. */
    public static boolean isUnregistered(String storedSuite) {
        return storedSuite != null && storedSuite.startsWith(UNREGISTERED_PREFIX);
    }

    /** The suite as the records name it: the stored key without {@link #UNREGISTERED_PREFIX}. */
    public static String recordSuite(String storedSuite) {
        return isUnregistered(storedSuite) ? storedSuite.substring(UNREGISTERED_PREFIX.length()) : storedSuite;
    }

    /**
     * A run row without its JSON ({@code suite}: the stored key, {@link #isUnregistered} for unregistered runs).
     *
     * @param reproduction the reproduction check ({@link Reproduction}): on a reproduced run, {@value Reproduction#EXACT}
     *                     or "within tolerance T" for a submission the harness reproduced, null for the harness's own
     *                     run (never submitted); on a submitted run, null until a harness run of its key was imported,
     *                     then the note naming the first difference ("not reproduced: ..."). {@link #reproductionInWords}
     *                     says it in words.
     */
    public record RunRow(long id, String runId, String suite, String task, String algorithm, long seed, String configHash,
                         String profile, String status, String submittedBy, Long submissionId, String createdAt,
                         String reproducedAt, String datasetName, String trainSha256, String valSha256,
                         long parameterCount, long trainSteps, double totalSeconds, double trainSeconds,
                         double evalSeconds, double stepsPerSecond, String gitRevision, String harnessVersion,
                         String domainColumn, String methodConfig, String reproduction) {
        /** {@link Reproduction#describe}: e.g. "submitted, and reproduced exactly by the harness (...)". */
        public String reproductionInWords() {
            return Reproduction.describe(status, reproduction);
        }
    }

    /** A run with its full record text (and, for a reproduced submission, the text that was submitted). */
    public record StoredRun(RunRow row, String runJson, String submittedJson, String config) {}

    /**
     * One policy of one run: the headline numbers the statistics use; {@code dataset} groups runs for the selection rule;
     * profile, domain column (null for a record without a domain block) and config hash say which config the run had;
     * {@code methodConfig} is what entries group by ({@link #methodConfig(RunRecord)}).
     */
    public record PolicyScore(long run, String task, String algorithm, String policy, String configHash, long seed,
                              String status, double finalSuccess, double last3Success, double bestSuccess,
                              long parameterCount, double totalSeconds, double trainSeconds, String dataset,
                              String profile, String domainColumn, String methodConfig) {}

    /** One point of a learning curve: overall success of a policy at an evaluation step. */
    public record EvalPoint(long run, String task, String algorithm, String policy, String methodConfig, long seed,
                            long step, double success) {}

    /** A parsed run record and its JSON text as received. */
    public record ParsedRun(RunRecord record, String json, String origin) {}

    /** A superseded note as stored: the suite it marks, the file it was read from, and the note. */
    public record SupersededNote(String suite, String file, Superseded.Notice notice, String importedAt) {}

    /**
     * What an import says about a report's superseded note: the file looked for (whatever it marked before is
     * cleared) and, when it holds a note that marks a suite, that suite and the note (else both null).
     */
    public record SupersededMark(String file, String suite, Superseded.Notice notice) {}

    /**
     * What an import or submission did.
     *
     * @param reproduced         submitted runs the import's harness records reproduced ({@link Reproduction}): now
     *                           "reproduced"
     * @param notReproduced      submitted runs whose harness record differs from what was submitted: they stay (or, for
     *                           a reproduced submission whose harness record changed, become again) "submitted", with
     *                           the note; the harness record is not stored
     * @param notReproducedNotes one line per such run: its id, key and origin, then the note
     */
    public record WriteReport(int inserted, int reproduced, int updated, int unchanged, List<Long> runIds, Long submissionId,
                              int notReproduced, List<String> notReproducedNotes) {
        public WriteReport(int inserted, int reproduced, int updated, int unchanged, List<Long> runIds, Long submissionId) {
            this(inserted, reproduced, updated, unchanged, runIds, submissionId, 0, List.of());
        }
    }

    /** The unique key of a run. */
    public record RunKey(String suite, String task, String algorithm, long seed, String configHash) {
        public static RunKey of(RunRecord r) {
            return new RunKey(r.protocol().suite(), r.identity().task(), r.identity().algorithm(), r.identity().seed(),
                    r.configHash());
        }

        @Override
        public String toString() {
            return "(suite " + suite + ", task " + task + ", algorithm " + algorithm + ", seed " + seed + ", config "
                    + configHash + ")";
        }
    }

    /** A submission names a method that belongs to someone else (or another writer created it first). */
    public static final class NotOwnerException extends Exception {
        public NotOwnerException(String message) {
            super(message);
        }
    }

    /** A bundle whose method metadata disagrees with what the store already holds for that name. */
    public static final class MethodConflictException extends SQLException {
        public MethodConflictException(String message) {
            super(message);
        }
    }

    /** The owner of methods created through the submission token named {@code tokenName}. */
    public static String tokenOwner(String tokenName) {
        return "token:" + tokenName;
    }

    /** Who owns {@code owner}'s methods, in words: "the harness (reproduced results)" or "token alice". */
    public static String describeOwner(String owner) {
        if (owner == null || owner.isEmpty()) return "nobody (closed to submissions)";
        if (owner.equals(HARNESS)) return "the harness (reproduced results)";
        return owner.startsWith("token:") ? "token " + owner.substring(6) : owner;
    }

    /** A submission's duplicate was already stored (or another writer stored it first). */
    public static final class DuplicateRunException extends Exception {
        public DuplicateRunException(String message) {
            super(message);
        }
    }

    public Store(String jdbcUrl) throws SQLException {
        this.url = jdbcUrl;
        this.dialect = Dialect.of(jdbcUrl);
        this.sqlite = dialect == Dialect.SQLITE;
        if (sqlite && (jdbcUrl.contains(":memory:") || jdbcUrl.contains("mode=memory"))) {
            // connections are opened per operation, and each in-memory SQLite connection is a database of its own
            throw new SQLException("JDBC URL " + jdbcUrl + ": an in-memory SQLite database is not supported; use a file");
        }
        try (Connection c = connect()) {
            if (sqlite) {
                try (Statement s = c.createStatement()) {
                    // WAL lets pages read while a submission is written
                    s.execute("PRAGMA journal_mode=WAL");
                }
            }
            createSchema(c);
        }
    }

    /** The JDBC URL of a SQLite file. */
    public static String sqliteUrl(java.nio.file.Path file) {
        return "jdbc:sqlite:" + file.toAbsolutePath();
    }

    /** The dialect of this store's database. */
    public Dialect dialect() {
        return dialect;
    }

    Connection connect() throws SQLException {
        java.util.Properties props = new java.util.Properties();
        // a transaction that writes takes the write lock when it begins, so another store on the same file waits
        // (busy_timeout) instead of failing when it upgrades a read to a write
        if (sqlite) props.setProperty("transaction_mode", "IMMEDIATE");
        Connection c = DriverManager.getConnection(url, props);
        if (sqlite) {
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA foreign_keys=ON");
                s.execute("PRAGMA busy_timeout=10000");
            }
        }
        return c;
    }

    private void createSchema(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(dialect.ddl("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"));
            s.execute(dialect.ddl("CREATE TABLE IF NOT EXISTS suites (suite TEXT PRIMARY KEY, name TEXT NOT NULL, version INTEGER NOT NULL,"
                    + " description TEXT NOT NULL, definition TEXT NOT NULL, source TEXT NOT NULL,"
                    + " revision INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)"));
            s.execute(dialect.ddl("CREATE TABLE IF NOT EXISTS methods (name TEXT PRIMARY KEY, paper TEXT NOT NULL, family TEXT NOT NULL,"
                    + " description TEXT NOT NULL, code_url TEXT, source TEXT NOT NULL, created_at TEXT NOT NULL,"
                    + " owner TEXT)"));
            s.execute(dialect.ddl("CREATE TABLE IF NOT EXISTS submissions (id INTEGER PRIMARY KEY AUTOINCREMENT, method TEXT NOT NULL"
                    + " REFERENCES methods(name), submitted_by TEXT NOT NULL, created_at TEXT NOT NULL,"
                    + " bundle_sha256 TEXT NOT NULL, runs INTEGER NOT NULL)"));
            s.execute(dialect.ddl("CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL,"
                    + " suite TEXT NOT NULL REFERENCES suites(suite), task TEXT NOT NULL,"
                    + " algorithm TEXT NOT NULL REFERENCES methods(name), seed INTEGER NOT NULL, config_hash TEXT NOT NULL,"
                    + " profile TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('reproduced','submitted')),"
                    + " submission_id INTEGER REFERENCES submissions(id), submitted_by TEXT, created_at TEXT NOT NULL,"
                    + " reproduced_at TEXT, dataset_name TEXT NOT NULL, train_sha256 TEXT, val_sha256 TEXT,"
                    + " parameter_count INTEGER NOT NULL, train_steps INTEGER NOT NULL, total_seconds REAL NOT NULL,"
                    + " train_seconds REAL NOT NULL, eval_seconds REAL NOT NULL, steps_per_second REAL NOT NULL,"
                    + " git_revision TEXT, harness_version TEXT, protocol TEXT NOT NULL, config TEXT NOT NULL,"
                    + " run_json TEXT NOT NULL, submitted_json TEXT, domain_column TEXT, method_config TEXT NOT NULL,"
                    + " reproduction TEXT, UNIQUE (suite, task, algorithm, seed, config_hash))"));
            s.execute(dialect.ddl("CREATE TABLE IF NOT EXISTS policy_scores (run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                    + " policy TEXT NOT NULL, final_step INTEGER NOT NULL, final_success REAL NOT NULL,"
                    + " last3_success REAL NOT NULL, best_success REAL NOT NULL, best_step INTEGER NOT NULL,"
                    + " final_return REAL NOT NULL, PRIMARY KEY (run, policy))"));
            s.execute(dialect.ddl("CREATE TABLE IF NOT EXISTS evals (run INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                    + " policy TEXT NOT NULL, step INTEGER NOT NULL, success REAL NOT NULL, mean_return REAL NOT NULL,"
                    + " PRIMARY KEY (run, policy, step))"));
            // changed_configs: the note's changedConfigs array as canonical JSON (read back through Superseded)
            s.execute(dialect.ddl("CREATE TABLE IF NOT EXISTS superseded (suite TEXT NOT NULL REFERENCES suites(suite),"
                    + " file TEXT NOT NULL, since TEXT, reason TEXT NOT NULL, checked_with TEXT,"
                    + " changed_configs TEXT NOT NULL, imported_at TEXT NOT NULL, PRIMARY KEY (suite, file))"));
            s.execute("CREATE INDEX IF NOT EXISTS runs_suite ON runs(suite)");
            s.execute("CREATE INDEX IF NOT EXISTS runs_algorithm ON runs(algorithm)");
        }
        try (PreparedStatement p = c.prepareStatement("SELECT value FROM meta WHERE key = 'schema'")) {
            try (ResultSet rs = p.executeQuery()) {
                if (rs.next()) {
                    int v = Integer.parseInt(rs.getString(1));
                    if (v >= 1 && v < SCHEMA_VERSION) {
                        migrate(c, v);
                        return;
                    }
                    if (v != SCHEMA_VERSION) {
                        throw new SQLException("database schema version " + v + "; this leaderboard reads version "
                                + SCHEMA_VERSION + " (use a new --db file)");
                    }
                    return;
                }
            }
        }
        try (PreparedStatement p = c.prepareStatement("INSERT INTO meta(key, value) VALUES ('schema', ?)")) {
            p.setString(1, Integer.toString(SCHEMA_VERSION));
            p.executeUpdate();
        }
    }

    /**
     * From {@code from} to {@link #SCHEMA_VERSION}, in one transaction, each step filling its new column from the
     * stored records: 1 to 2, the runs get their domain column (null for records written before domains; the
     * superseded table was already created above); 2 to 3, their method config ({@link #methodConfig(JsonNode)}); 3
     * to 4, each method's owner ({@link #migrateOwners}); 4 to 5, the renamed task families
     * ({@link #migrateRenamedTasks}); 5 to 6, the reproduction of each run ({@link #migrateReproductions}). Migrated
     * rather than refused because the main job keeps its database (runs/leaderboard.db) between runs.
     */
    private void migrate(Connection c, int from) throws SQLException {
        c.setAutoCommit(false);
        try {
            try (Statement s = c.createStatement()) {
                if (from < 2) s.execute(dialect.ddl("ALTER TABLE runs ADD COLUMN domain_column TEXT"));
                // every row is filled below, in the same transaction; the default only lets SQLite add the column
                if (from < 3) s.execute(dialect.ddl("ALTER TABLE runs ADD COLUMN method_config TEXT NOT NULL DEFAULT ''"));
                // a database made by a test from a newer one may have it already
                if (from < 4 && !hasColumn(c, "methods", "owner")) s.execute(dialect.ddl("ALTER TABLE methods ADD COLUMN owner TEXT"));
                if (from < 6 && !hasColumn(c, "runs", "reproduction")) {
                    s.execute(dialect.ddl("ALTER TABLE runs ADD COLUMN reproduction TEXT"));
                }
            }
            if (from < 4) migrateOwners(c);
            try (PreparedStatement q = c.prepareStatement("SELECT id, run_json FROM runs");
                 PreparedStatement u = c.prepareStatement("UPDATE runs SET domain_column = ? WHERE id = ?");
                 PreparedStatement m = c.prepareStatement("UPDATE runs SET method_config = ? WHERE id = ?");
                 ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    JsonNode record;
                    try {
                        record = Json.mapper().readTree(rs.getString(2));
                    } catch (java.io.IOException e) {
                        throw new SQLException("migrating to schema " + SCHEMA_VERSION + ": stored record of run "
                                + rs.getLong(1) + " is unreadable: " + e.getMessage(), e);
                    }
                    if (from < 2) {
                        JsonNode col = record.path("domain").path("column");
                        u.setString(1, col.isTextual() ? col.textValue() : null);
                        u.setLong(2, rs.getLong(1));
                        u.executeUpdate();
                    }
                    if (from < 3) {
                        try {
                            m.setString(1, methodConfig(record.path("spec")));
                        } catch (IllegalArgumentException e) {
                            throw new SQLException("migrating to schema " + SCHEMA_VERSION + ": stored record of run "
                                    + rs.getLong(1) + ": " + e.getMessage(), e);
                        }
                        m.setLong(2, rs.getLong(1));
                        m.executeUpdate();
                    }
                }
            }
            if (from < 5) migrateRenamedTasks(c);
            if (from < 6) migrateReproductions(c);
            try (PreparedStatement p = c.prepareStatement("UPDATE meta SET value = ? WHERE key = 'schema'")) {
                p.setString(1, Integer.toString(SCHEMA_VERSION));
                p.executeUpdate();
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /**
     * 4 to 5: the 2026-12-07 rename of flowbench's Java families ({@link TaskRenames}: {@code pointmaze-…} to
     * {@code jpointmaze-…}, {@code puzzle-…} to {@code lightsout-…}). Each stored run gets its new task and dataset
     * names, the run id they imply and its rewritten record ({@link NameMigration#renamed}); suite definitions and
     * superseded notes get the names replaced. The data, configs and scores are unchanged.
     */
    private static void migrateRenamedTasks(Connection c) throws SQLException {
        Map<String, String> renamed = new java.util.TreeMap<>();
        try (PreparedStatement q = c.prepareStatement("SELECT id, run_json, suite, algorithm, seed, config_hash FROM runs");
             PreparedStatement u = c.prepareStatement("UPDATE runs SET task = ?, dataset_name = ?, run_id = ?, run_json = ?"
                     + " WHERE id = ?");
             PreparedStatement twin = c.prepareStatement("SELECT id FROM runs WHERE suite = ? AND task = ? AND algorithm = ?"
                     + " AND seed = ? AND config_hash = ?");
             PreparedStatement drop = c.prepareStatement("DELETE FROM runs WHERE id = ?");
             ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                RunRecord r;
                try {
                    r = Json.mapper().readValue(rs.getString(2), RunRecord.class);
                } catch (java.io.IOException e) {
                    throw new SQLException("migrating to schema 5: stored record of run " + rs.getLong(1) + " is unreadable: "
                            + e.getMessage(), e);
                }
                String task = r.identity().task(), dataset = r.identity().datasetName();
                String newTask = TaskRenames.of(task).orElse(task), newDataset = TaskRenames.of(dataset).orElse(dataset);
                if (newTask.equals(task) && newDataset.equals(dataset)) continue;
                renamed.put(task, newTask);
                renamed.put(dataset, newDataset);
                // the same run already imported under its new name (a migrated folder): keep that one
                twin.setString(1, rs.getString(3));
                twin.setString(2, newTask);
                twin.setString(3, rs.getString(4));
                twin.setLong(4, rs.getLong(5));
                twin.setString(5, rs.getString(6));
                try (ResultSet t = twin.executeQuery()) {
                    if (t.next()) {
                        drop.setLong(1, rs.getLong(1));
                        drop.executeUpdate();
                        continue;
                    }
                }
                RunRecord out = NameMigration.renamed(r, newTask, newDataset);
                u.setString(1, newTask);
                u.setString(2, newDataset);
                u.setString(3, out.identity().runId());
                u.setString(4, Json.pretty(out));
                u.setLong(5, rs.getLong(1));
                u.executeUpdate();
            }
        }
        if (renamed.isEmpty()) return;
        for (String[] t : new String[][] {{"suites", "suite", "definition"}, {"superseded", "suite", "changed_configs"}}) {
            try (PreparedStatement q = c.prepareStatement("SELECT " + t[1] + ", " + t[2] + " FROM " + t[0]);
                 PreparedStatement u = c.prepareStatement("UPDATE " + t[0] + " SET " + t[2] + " = ? WHERE " + t[1] + " = ? AND "
                         + t[2] + " = ?");
                 ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    String before = rs.getString(2), after = NameMigration.replaceNames(before, renamed);
                    if (after.equals(before)) continue;
                    u.setString(1, after);
                    u.setString(2, rs.getString(1));
                    u.setString(3, before);
                    u.executeUpdate();
                }
            }
        }
    }

    /**
     * 5 to 6: {@code runs.reproduction}. Before it, a submitted run became "reproduced" whenever a harness run of its
     * key was imported, whatever that run's results. Each such run (status reproduced with a submitted record) is now
     * checked ({@link Reproduction#check}: the submitted record against the stored harness record): when it passes,
     * its reproduction is stored ("exact" or "within tolerance T"); when it does not, the run goes back to
     * "submitted" with its submitted record and the note, as an import would have left it (the harness record stays in
     * its results folder, and importing it again gives the same note). The harness's own runs and submitted runs keep
     * a null reproduction.
     */
    private static void migrateReproductions(Connection c) throws SQLException {
        record Row(long id, String runJson, String submittedJson) {}
        List<Row> rows = new ArrayList<>();
        // read first, then written: the rewrites below touch the table being read
        try (PreparedStatement q = c.prepareStatement("SELECT id, run_json, submitted_json FROM runs WHERE status = '"
                + REPRODUCED + "' AND submitted_json IS NOT NULL ORDER BY id");
             ResultSet rs = q.executeQuery()) {
            while (rs.next()) rows.add(new Row(rs.getLong(1), rs.getString(2), rs.getString(3)));
        }
        for (Row row : rows) {
            Reproduction.Verdict v = Reproduction.check(storedRecord(row.submittedJson(), row.id(), "submitted record"),
                    storedRecord(row.runJson(), row.id(), "record"));
            if (v.reproduced()) setReproduction(c, row.id(), v.text());
            else unreproduce(c, row.id(), row.submittedJson(), v.text());
        }
    }

    /** A stored record (run_json or submitted_json of run {@code id}), read back. */
    private static RunRecord storedRecord(String json, long id, String what) throws SQLException {
        try {
            return Json.mapper().readValue(json, RunRecord.class);
        } catch (java.io.IOException e) {
            throw new SQLException("stored " + what + " of run " + id + " is unreadable: " + e.getMessage(), e);
        }
    }

    private static void setReproduction(Connection c, long id, String reproduction) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("UPDATE runs SET reproduction = ? WHERE id = ?")) {
            p.setString(1, reproduction);
            p.setLong(2, id);
            p.executeUpdate();
        }
    }

    /**
     * A reproduced submission whose harness record does not reproduce it: back to "submitted", its submitted record
     * (and the scores it gives) restored, with the note. A submitted record of a task renamed since (schema 5) gets
     * the new names, as the run row has them.
     */
    private static void unreproduce(Connection c, long id, String submittedJson, String note) throws SQLException {
        RunRecord s = storedRecord(submittedJson, id, "submitted record");
        String task = s.identity().task(), dataset = s.identity().datasetName();
        String newTask = TaskRenames.of(task).orElse(task), newDataset = TaskRenames.of(dataset).orElse(dataset);
        String json = submittedJson;
        if (!newTask.equals(task) || !newDataset.equals(dataset)) {
            s = NameMigration.renamed(s, newTask, newDataset);
            json = Json.pretty(s);
        }
        replaceRun(c, id, new ParsedRun(s, json, "stored run " + id), null, null);
        try (PreparedStatement p = c.prepareStatement("UPDATE runs SET status = '" + SUBMITTED + "', submitted_json = NULL,"
                + " reproduced_at = NULL, reproduction = ? WHERE id = ?")) {
            p.setString(1, note);
            p.setLong(2, id);
            p.executeUpdate();
        }
    }

    private static boolean hasColumn(Connection c, String table, String column) throws SQLException {
        // this schema's table (PostgreSQL: the connection's current schema; SQLite has none)
        try (ResultSet rs = c.getMetaData().getColumns(null, c.getSchema(), table, column)) {
            return rs.next();
        }
    }

    /**
     * Owners for a database written before methods had one: a method with a reproduced run (or imported as
     * reproduced) belongs to the harness, so no token can add runs to a baseline the maintainers reproduce; any other
     * belongs to the token of its first submission ({@code submitted_by} is "NAME" or "submitter (token NAME)", as
     * {@link Site} writes it); a method with neither stays without owner, closed to submissions.
     */
    private static void migrateOwners(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("UPDATE methods SET owner = '" + HARNESS + "' WHERE source = '" + REPRODUCED + "' OR EXISTS"
                    + " (SELECT 1 FROM runs r WHERE r.algorithm = methods.name AND r.status = '" + REPRODUCED + "')");
        }
        try (PreparedStatement q = c.prepareStatement("SELECT m.name, (SELECT s.submitted_by FROM submissions s"
                + " WHERE s.method = m.name ORDER BY s.id LIMIT 1) FROM methods m WHERE m.owner IS NULL");
             PreparedStatement u = c.prepareStatement("UPDATE methods SET owner = ? WHERE name = ?");
             ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                String by = rs.getString(2);
                if (by == null) continue;
                java.util.regex.Matcher m = java.util.regex.Pattern.compile(".* \\(token (.+)\\)$").matcher(by);
                u.setString(1, tokenOwner(m.matches() ? m.group(1) : by));
                u.setString(2, rs.getString(1));
                u.executeUpdate();
            }
        }
    }

    /**
     * A run's method config: the first {@value #METHOD_CONFIG_DIGITS} hex digits of the SHA-256 of the canonical JSON of
     * {@code {"profile": spec.profile, "overrides": spec.overrides}}, i.e. the user's choice of method. The config hash
     * is of the fully resolved config, which takes the per-domain values of each task's reference column
     * (docs/domains.md), so one choice has a different config hash on tasks of different domains; leaderboard entries
     * group runs by this instead, so that one choice is one entry over every task.
     */
    public static String methodConfig(RunRecord r) {
        return methodConfig(r.spec().profile(), r.spec().overrides());
    }

    /** {@link #methodConfig(RunRecord)} of a stored record's {@code spec} object (the schema migration reads JSON). */
    static String methodConfig(JsonNode spec) {
        JsonNode profile = spec.path("profile");
        if (!profile.isTextual()) throw new IllegalArgumentException("spec.profile is not text");
        JsonNode overrides = spec.path("overrides");
        Map<String, String> o = overrides.isMissingNode() || overrides.isNull() ? Map.of()
                // as the record reader takes them (RunSpec's Map<String, String>): scalars as their text
                : Json.mapper().convertValue(overrides, new TypeReference<TreeMap<String, String>>() {});
        return methodConfig(profile.textValue(), o);
    }

    private static String methodConfig(String profile, Map<String, String> overrides) {
        return Configs.methodConfig(profile, overrides);
    }

    @Override
    public void close() {
        // connections are opened per operation; nothing is held
    }

    // ------------------------------------------------------------------------------------------------ suites

    private static int precedence(String source) {
        return switch (source) {
            case "shipped" -> 3;
            case "file" -> 2;
            default -> 1;
        };
    }

    /**
     * Registers a suite definition. An equal definition changes nothing; a different definition of the same
     * name/version replaces the stored one only if its source ranks higher (shipped &gt; file &gt; results folder),
     * since a results folder may carry a copy written before the suite's hashes were pinned.
     *
     * @return a warning when a differing definition was ignored, else null
     */
    public String putSuite(Suite suite, String source) throws SQLException {
        String id = suite.name() + "/" + suite.version();
        String def = Json.canonical(suite);
        writeLock.lock();
        try (Connection c = connect()) {
            try (PreparedStatement p = c.prepareStatement("SELECT definition, source FROM suites WHERE suite = ?")) {
                p.setString(1, id);
                try (ResultSet rs = p.executeQuery()) {
                    if (rs.next()) {
                        if (rs.getString(1).equals(def)) return null;
                        String old = rs.getString(2);
                        if (precedence(source) <= precedence(old)) {
                            return "suite " + id + " from " + source + " differs from the stored definition (from " + old
                                    + ", e.g. with dataset hashes pinned since); the stored one is kept";
                        }
                        try (PreparedStatement u = c.prepareStatement("UPDATE suites SET description = ?, definition = ?,"
                                + " source = ?, revision = revision + 1 WHERE suite = ?")) {
                            u.setString(1, suite.description());
                            u.setString(2, def);
                            u.setString(3, source);
                            u.setString(4, id);
                            u.executeUpdate();
                        }
                        return null;
                    }
                }
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO suites(suite, name, version, description, definition,"
                    + " source, revision, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)")) {
                p.setString(1, id);
                p.setString(2, suite.name());
                p.setInt(3, suite.version());
                p.setString(4, suite.description());
                p.setString(5, def);
                p.setString(6, source);
                p.setString(7, Instant.now().toString());
                p.executeUpdate();
            }
            return null;
        } finally {
            writeLock.unlock();
        }
    }

    public List<SuiteInfo> suites() throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement("SELECT s.suite, s.name, s.version,"
                + " s.description, s.definition, s.source, s.revision,"
                + " (SELECT COUNT(*) FROM runs r WHERE r.suite = s.suite),"
                + " (SELECT COUNT(DISTINCT r.algorithm) FROM runs r WHERE r.suite = s.suite)"
                + " FROM suites s WHERE s.source <> '" + UNREGISTERED + "' ORDER BY s.name, s.version")) {
            List<SuiteInfo> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) out.add(suiteInfo(rs));
            }
            return out;
        }
    }

    public Optional<SuiteInfo> suite(String id) throws SQLException {
        for (SuiteInfo s : suites()) {
            if (s.id().equals(id)) return Optional.of(s);
        }
        return Optional.empty();
    }

    /** Groups of unregistered runs, by the suite their records name. */
    public List<UnregisteredInfo> unregistered() throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement("SELECT s.suite, s.revision,"
                + " (SELECT COUNT(*) FROM runs r WHERE r.suite = s.suite),"
                + " (SELECT COUNT(DISTINCT r.algorithm) FROM runs r WHERE r.suite = s.suite),"
                + " (SELECT COUNT(*) FROM suites g WHERE g.suite = s.name || '/' || s.version)"
                + " FROM suites s WHERE s.source = '" + UNREGISTERED + "' ORDER BY s.name, s.version");
             PreparedStatement t = c.prepareStatement("SELECT DISTINCT task FROM runs WHERE suite = ? ORDER BY task")) {
            List<UnregisteredInfo> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    List<String> tasks = new ArrayList<>();
                    t.setString(1, rs.getString(1));
                    try (ResultSet ts = t.executeQuery()) {
                        while (ts.next()) tasks.add(ts.getString(1));
                    }
                    out.add(new UnregisteredInfo(recordSuite(rs.getString(1)), rs.getLong(2), rs.getInt(3), rs.getInt(4),
                            tasks, rs.getInt(5) > 0));
                }
            }
            return out;
        }
    }

    /** The unregistered runs of {@code suite} (as the records name it), if any were stored. */
    public Optional<UnregisteredInfo> unregistered(String suite) throws SQLException {
        for (UnregisteredInfo u : unregistered()) {
            if (u.suite().equals(suite)) return Optional.of(u);
        }
        return Optional.empty();
    }

    private static SuiteInfo suiteInfo(ResultSet rs) throws SQLException {
        Suite def;
        try {
            def = Json.mapper().readValue(rs.getString(5), Suite.class);
        } catch (java.io.IOException e) {
            throw new SQLException("stored definition of suite " + rs.getString(1) + " is unreadable: " + e.getMessage(), e);
        }
        return new SuiteInfo(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getString(4), def, rs.getString(6),
                rs.getLong(7), rs.getInt(8), rs.getInt(9));
    }

    // ------------------------------------------------------------------------------------------------ methods

    public List<MethodInfo> methods() throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement(
                "SELECT name, paper, family, description, code_url, source, created_at, owner FROM methods ORDER BY name")) {
            List<MethodInfo> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) out.add(methodInfo(rs));
            }
            return out;
        }
    }

    public Optional<MethodInfo> method(String name) throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement(
                "SELECT name, paper, family, description, code_url, source, created_at, owner FROM methods WHERE name = ?")) {
            p.setString(1, name);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? Optional.of(methodInfo(rs)) : Optional.empty();
            }
        }
    }

    private static MethodInfo methodInfo(ResultSet rs) throws SQLException {
        return new MethodInfo(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8));
    }

    /** Inserts a method (tests and imports); an existing name is left as it is. */
    public void putMethod(MethodInfo m) throws SQLException {
        writeLock.lock();
        try (Connection c = connect()) {
            insertMethodIfAbsent(c, m);
        } finally {
            writeLock.unlock();
        }
    }

    /** Inserts {@code m} unless a method of its name exists (or another writer inserts one first: then it wins). */
    private void insertMethodIfAbsent(Connection c, MethodInfo m) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM methods WHERE name = ?")) {
            p.setString(1, m.name());
            try (ResultSet rs = p.executeQuery()) {
                if (rs.next()) return;
            }
        }
        String insert = "INSERT INTO methods(name, paper, family, description, code_url, source, created_at, owner)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
        String ifAbsent = dialect.insertIfAbsent(insert);
        try (PreparedStatement p = c.prepareStatement(ifAbsent != null ? ifAbsent : insert)) {
            p.setString(1, m.name());
            p.setString(2, m.paper() == null ? "" : m.paper());
            p.setString(3, m.family() == null ? "" : m.family());
            p.setString(4, m.description() == null ? "" : m.description());
            p.setString(5, m.codeUrl());
            p.setString(6, m.source());
            p.setString(7, m.createdAt() != null ? m.createdAt() : Instant.now().toString());
            p.setString(8, m.owner());
            p.executeUpdate();
        }
    }

    // ------------------------------------------------------------------------------------------------ runs

    private static final String RUN_COLUMNS = "r.id, r.run_id, r.suite, r.task, r.algorithm, r.seed, r.config_hash,"
            + " r.profile, r.status, r.submitted_by, r.submission_id, r.created_at, r.reproduced_at, r.dataset_name,"
            + " r.train_sha256, r.val_sha256, r.parameter_count, r.train_steps, r.total_seconds, r.train_seconds,"
            + " r.eval_seconds, r.steps_per_second, r.git_revision, r.harness_version, r.domain_column, r.method_config,"
            + " r.reproduction";

    private static RunRow runRow(ResultSet rs) throws SQLException {
        long sub = rs.getLong(11);
        Long submission = rs.wasNull() ? null : sub;
        return new RunRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getLong(6),
                rs.getString(7), rs.getString(8), rs.getString(9), rs.getString(10), submission, rs.getString(12),
                rs.getString(13), rs.getString(14), rs.getString(15), rs.getString(16), rs.getLong(17), rs.getLong(18),
                rs.getDouble(19), rs.getDouble(20), rs.getDouble(21), rs.getDouble(22), rs.getString(23),
                rs.getString(24), rs.getString(25), rs.getString(26), rs.getString(27));
    }

    public List<RunRow> runsOfSuite(String suite) throws SQLException {
        return runs("WHERE r.suite = ? ORDER BY r.task, r.algorithm, r.config_hash, r.seed", suite);
    }

    public List<RunRow> runsOfMethod(String algorithm) throws SQLException {
        return runs("WHERE r.algorithm = ? ORDER BY r.suite, r.task, r.config_hash, r.seed", algorithm);
    }

    private List<RunRow> runs(String where, String arg) throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement("SELECT " + RUN_COLUMNS + " FROM runs r " + where)) {
            p.setString(1, arg);
            List<RunRow> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) out.add(runRow(rs));
            }
            return out;
        }
    }

    public Optional<StoredRun> run(long id) throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement(
                "SELECT " + RUN_COLUMNS + ", r.run_json, r.submitted_json, r.config FROM runs r WHERE r.id = ?")) {
            p.setLong(1, id);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(new StoredRun(runRow(rs), rs.getString(28), rs.getString(29), rs.getString(30)));
            }
        }
    }

    public int runCount() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM runs")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    public List<PolicyScore> scores(String suite) throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement("SELECT r.id, r.task, r.algorithm, ps.policy,"
                + " r.config_hash, r.seed, r.status, ps.final_success, ps.last3_success, ps.best_success, r.parameter_count,"
                + " r.total_seconds, r.train_seconds, r.dataset_name, r.profile, r.domain_column, r.method_config"
                + " FROM policy_scores ps JOIN runs r ON r.id = ps.run"
                + " WHERE r.suite = ?"
                + " ORDER BY r.algorithm, ps.policy, r.method_config, r.task, r.seed, r.config_hash")) {
            p.setString(1, suite);
            List<PolicyScore> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new PolicyScore(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getLong(6), rs.getString(7), rs.getDouble(8), rs.getDouble(9), rs.getDouble(10), rs.getLong(11),
                            rs.getDouble(12), rs.getDouble(13), rs.getString(14), rs.getString(15), rs.getString(16),
                            rs.getString(17)));
                }
            }
            return out;
        }
    }

    /**
     * A run's policies in its learner's order (its record's summary order), which the selection rule uses to break
     * exact ties; the score tables hold no order, so this reads the record.
     */
    public List<String> policyOrder(long run) throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement("SELECT run_json FROM runs WHERE id = ?")) {
            p.setLong(1, run);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) return List.of();
                List<String> out = new ArrayList<>();
                for (JsonNode s : Json.mapper().readTree(rs.getString(1)).path("summary")) out.add(s.path("policy").asText());
                return out;
            } catch (java.io.IOException e) {
                throw new SQLException("stored record of run " + run + " is unreadable: " + e.getMessage(), e);
            }
        }
    }

    public List<EvalPoint> curves(String suite) throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement("SELECT r.id, r.task, r.algorithm, e.policy,"
                + " r.method_config, r.seed, e.step, e.success FROM evals e JOIN runs r ON r.id = e.run WHERE r.suite = ?"
                + " ORDER BY r.task, r.algorithm, e.policy, r.method_config, e.step, r.seed, r.config_hash")) {
            p.setString(1, suite);
            List<EvalPoint> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new EvalPoint(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getLong(6), rs.getLong(7), rs.getDouble(8)));
                }
            }
            return out;
        }
    }

    /** Keys already stored among {@code keys}. */
    public Set<RunKey> existing(List<RunKey> keys) throws SQLException {
        Set<RunKey> out = new LinkedHashSet<>();
        try (Connection c = connect()) {
            for (RunKey k : keys) {
                if (find(c, k) != null) out.add(k);
            }
        }
        return out;
    }

    /** Seeds stored for (suite, task, algorithm, method config), every status: the seeds of one entry on one task. */
    public Set<Long> storedSeeds(String suite, String task, String algorithm, String methodConfig) throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement(
                "SELECT seed FROM runs WHERE suite = ? AND task = ? AND algorithm = ? AND method_config = ?")) {
            p.setString(1, suite);
            p.setString(2, task);
            p.setString(3, algorithm);
            p.setString(4, methodConfig);
            Set<Long> out = new LinkedHashSet<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) out.add(rs.getLong(1));
            }
            return out;
        }
    }

    /** Dataset hashes of the suite's reproduced runs: dataset name -> role ("train"/"validation") -> hashes. */
    public Map<String, Map<String, Set<String>>> reproducedHashes(String suite) throws SQLException {
        Map<String, Map<String, Set<String>>> out = new TreeMap<>();
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement("SELECT DISTINCT dataset_name, train_sha256,"
                + " val_sha256 FROM runs WHERE suite = ? AND status = 'reproduced'")) {
            p.setString(1, suite);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    Map<String, Set<String>> m = out.computeIfAbsent(rs.getString(1), k -> new TreeMap<>());
                    if (rs.getString(2) != null) m.computeIfAbsent("train", k -> new LinkedHashSet<>()).add(rs.getString(2));
                    if (rs.getString(3) != null) m.computeIfAbsent("validation", k -> new LinkedHashSet<>()).add(rs.getString(3));
                }
            }
        }
        return out;
    }

    /** The protocol fields of one reproduced run of (suite, task), the reference for task-level protocol checks. */
    public Optional<JsonNode> reproducedProtocol(String suite, String task) throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement("SELECT protocol FROM runs WHERE suite = ?"
                + " AND task = ? AND status = 'reproduced' ORDER BY id LIMIT 1")) {
            p.setString(1, suite);
            p.setString(2, task);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(Json.mapper().readTree(rs.getString(1)));
            } catch (java.io.IOException e) {
                throw new SQLException("stored protocol of a run of " + suite + " / " + task + " is unreadable", e);
            }
        }
    }

    private static Long find(Connection c, RunKey k) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT id FROM runs WHERE suite = ? AND task = ? AND algorithm = ?"
                + " AND seed = ? AND config_hash = ?")) {
            p.setString(1, k.suite());
            p.setString(2, k.task());
            p.setString(3, k.algorithm());
            p.setLong(4, k.seed());
            p.setString(5, k.configHash());
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    /**
     * Stores harness runs as "reproduced", all or none. A new key is inserted. A key stored as "submitted" is checked
     * ({@link Reproduction#check}: the submitted record against the harness's): when the harness reproduced it, it
     * becomes "reproduced" (the harness record replaces the submitted one, which is kept in {@code submitted_json}) with
     * its reproduction ("exact" or "within tolerance T"); when not, it stays "submitted", the harness record is not
     * stored, and the note naming the first difference is (counted in {@link WriteReport#notReproduced}). A key
     * already reproduced is replaced when its record changed and left alone otherwise; a reproduced submission whose
     * harness record changed is checked again against what was submitted, and goes back to "submitted" (its
     * submitted record restored, with the note) when the new record does not reproduce it.
     *
     * @throws SQLException when a run's suite is unknown or the database refuses a row; nothing is then stored
     */
    public WriteReport importReproduced(List<ParsedRun> runs) throws SQLException {
        return importReproduced(runs, null);
    }

    /**
     * {@link #importReproduced(List)}, and in the same transaction the report's superseded note: what {@code mark}'s
     * file marked before is cleared, then its note (if any) is stored for its suite.
     *
     * @param mark null when the import has no superseded note to record or clear
     */
    public WriteReport importReproduced(List<ParsedRun> runs, SupersededMark mark) throws SQLException {
        return importRuns(runs, mark, false);
    }

    /**
     * {@link #importReproduced(List, SupersededMark)} of a harness results folder, where a run whose suite no
     * definition registers is stored apart as unregistered ({@link #unregisteredKey}: listed by {@link #unregistered()},
     * never on a suite's board) instead of failing the import. Whether a suite is registered is decided inside the
     * transaction.
     */
    public WriteReport importResults(List<ParsedRun> runs, SupersededMark mark) throws SQLException {
        return importRuns(runs, mark, true);
    }

    /** An external method's own description (docs/external.md), else "" as for flowbench's algorithms. */
    static String externalDescription(RunRecord r) {
        if (r.external() == null || r.external().agent() == null) return "";
        String d = r.external().agent().path("description").asText("");
        return d.length() > FieldLimits.DESCRIPTION ? d.substring(0, FieldLimits.DESCRIPTION) : d;
    }

    /** An external method's code URL when it is an http(s) URL of sane length, else null. */
    static String externalCodeUrl(RunRecord r) {
        if (r.external() == null || r.external().agent() == null) return null;
        String u = r.external().agent().path("code_url").asText("");
        return (u.startsWith("https://") || u.startsWith("http://")) && u.length() <= 500 ? u : null;
    }

    private WriteReport importRuns(List<ParsedRun> runs, SupersededMark mark, boolean allowUnregistered)
            throws SQLException {
        writeLock.lock();
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            try {
                int inserted = 0, reproduced = 0, updated = 0, unchanged = 0;
                List<Long> ids = new ArrayList<>();
                List<String> notes = new ArrayList<>();
                Set<String> touched = new LinkedHashSet<>();
                String now = Instant.now().toString();
                for (ParsedRun pr : runs) {
                    RunRecord r = pr.record();
                    String suite = r.protocol().suite();
                    if (allowUnregistered && !suiteExists(c, suite)) {
                        suite = unregisteredKey(suite);
                        putUnregistered(c, r, suite, now);
                    }
                    requireSuite(c, suite, pr.origin());
                    insertMethodIfAbsent(c, new MethodInfo(r.identity().algorithm(), r.identity().algorithmPaper(),
                            r.identity().algorithmFamily(), externalDescription(r), externalCodeUrl(r), REPRODUCED, now, HARNESS));
                    RunKey key = RunKey.of(r);
                    key = new RunKey(suite, key.task(), key.algorithm(), key.seed(), key.configHash());
                    Long id = find(c, key);
                    if (id == null) {
                        ids.add(insertRun(c, pr, suite, REPRODUCED, null, null, now));
                        inserted++;
                    } else {
                        String status, oldJson, submittedJson, reproduction;
                        try (PreparedStatement p = c.prepareStatement("SELECT status, run_json, submitted_json, reproduction"
                                + " FROM runs WHERE id = ?")) {
                            p.setLong(1, id);
                            try (ResultSet rs = p.executeQuery()) {
                                rs.next();
                                status = rs.getString(1);
                                oldJson = rs.getString(2);
                                submittedJson = rs.getString(3);
                                reproduction = rs.getString(4);
                            }
                        }
                        if (SUBMITTED.equals(status)) {
                            Reproduction.Verdict v = Reproduction.check(storedRecord(oldJson, id, "record"), r);
                            if (v.reproduced()) {
                                replaceRun(c, id, pr, oldJson, now);
                                setReproduction(c, id, v.text());
                                ids.add(id);
                                reproduced++;
                            } else {
                                notes.add(notReproducedLine(id, key, pr, v));
                                if (v.text().equals(reproduction)) continue; // the same note as last time: no change
                                setReproduction(c, id, v.text());
                            }
                        } else if (sameRecord(oldJson, pr.json())) {
                            ids.add(id);
                            unchanged++;
                            continue;
                        } else if (submittedJson != null) {
                            // a reproduced submission with a new harness record: checked again against the submission
                            Reproduction.Verdict v = Reproduction.check(storedRecord(submittedJson, id, "submitted record"), r);
                            if (v.reproduced()) {
                                replaceRun(c, id, pr, null, null);
                                setReproduction(c, id, v.text());
                                ids.add(id);
                                updated++;
                            } else {
                                unreproduce(c, id, submittedJson, v.text());
                                notes.add(notReproducedLine(id, key, pr, v));
                            }
                        } else {
                            replaceRun(c, id, pr, null, null);
                            ids.add(id);
                            updated++;
                        }
                    }
                    touched.add(key.suite());
                }
                for (String s : touched) bumpRevision(c, s);
                if (mark != null) putSuperseded(c, mark, now);
                c.commit();
                return new WriteReport(inserted, reproduced, updated, unchanged, ids, null, notes.size(), List.copyOf(notes));
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** A line of the import's log: the run, its key and the harness record's origin, then the note. */
    private static String notReproducedLine(long id, RunKey key, ParsedRun pr, Reproduction.Verdict v) {
        return "run " + id + " " + key + ", harness record " + pr.origin() + ": " + v.text();
    }

    private static void putSuperseded(Connection c, SupersededMark mark, String now) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("DELETE FROM superseded WHERE file = ?")) {
            p.setString(1, mark.file());
            p.executeUpdate();
        }
        if (mark.suite() == null || mark.notice() == null || !mark.notice().superseded()) return;
        requireSuite(c, mark.suite(), mark.file());
        Superseded.Notice n = mark.notice();
        try (PreparedStatement p = c.prepareStatement("INSERT INTO superseded(suite, file, since, reason, checked_with,"
                + " changed_configs, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            p.setString(1, mark.suite());
            p.setString(2, mark.file());
            p.setString(3, n.since());
            p.setString(4, n.reason());
            p.setString(5, n.checkedWith());
            p.setString(6, Json.canonical(n.changedConfigs()));
            p.setString(7, now);
            p.executeUpdate();
        }
    }

    /** Superseded notes of one suite, or of every suite when {@code suite} is null; by suite, then date, then file. */
    public List<SupersededNote> superseded(String suite) throws SQLException {
        try (Connection c = connect(); PreparedStatement p = c.prepareStatement("SELECT suite, file, since, reason,"
                + " checked_with, changed_configs, imported_at FROM superseded"
                + (suite == null ? "" : " WHERE suite = ?") + " ORDER BY suite, COALESCE(since, ''), file")) {
            if (suite != null) p.setString(1, suite);
            List<SupersededNote> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    List<Superseded.ChangedConfig> changed;
                    try {
                        changed = Superseded.changedConfigs(Json.mapper().readTree(rs.getString(6)), "changedConfigs",
                                new ArrayList<>());
                    } catch (java.io.IOException | Superseded.Invalid e) {
                        throw new SQLException("stored superseded note of suite " + rs.getString(1) + " is unreadable: "
                                + e.getMessage(), e);
                    }
                    out.add(new SupersededNote(rs.getString(1), rs.getString(2), new Superseded.Notice(true,
                            rs.getString(3), rs.getString(4), rs.getString(5), changed), rs.getString(7)));
                }
            }
            return out;
        }
    }

    private static boolean sameRecord(String a, String b) {
        try {
            return Json.canonical(Json.mapper().readTree(a)).equals(Json.canonical(Json.mapper().readTree(b)));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * Stores an accepted submission, all runs or none, as "submitted".
     *
     * @throws DuplicateRunException when a run's key is already stored (checked inside the transaction, so two
     *                               concurrent bundles with the same run cannot both land)
     */
    public WriteReport insertSubmission(MethodInfo method, List<ParsedRun> runs, String submittedBy, String bundleSha256)
            throws SQLException, DuplicateRunException, NotOwnerException {
        return insertSubmission(method, runs, tokenOwner(submittedBy), submittedBy, bundleSha256);
    }

    /**
     * {@link #insertSubmission(MethodInfo, List, String, String)} by {@code owner}: a new method becomes theirs; an
     * existing one must already be (checked inside the transaction, so two tokens racing to create one name cannot
     * both add runs to it).
     *
     * @throws NotOwnerException when the method exists and belongs to another owner (or to nobody)
     */
    public WriteReport insertSubmission(MethodInfo method, List<ParsedRun> runs, String owner, String submittedBy,
                                        String bundleSha256) throws SQLException, DuplicateRunException, NotOwnerException {
        writeLock.lock();
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            try {
                String now = Instant.now().toString();
                Optional<String> current = ownerOf(c, method.name());
                if (current.isPresent() && !owner.equals(current.get())) {
                    throw new NotOwnerException("method '" + method.name() + "' belongs to " + describeOwner(current.get())
                            + "; only its owner can add runs to it (choose another method name)");
                }
                insertMethodIfAbsent(c, new MethodInfo(method.name(), method.paper(), method.family(), method.description(),
                        method.codeUrl(), SUBMITTED, now, owner));
                // again: on PostgreSQL another server's transaction may have created the method since the check above
                // (the insert waited for it and then did nothing)
                current = ownerOf(c, method.name());
                if (current.isPresent() && !owner.equals(current.get())) {
                    throw new NotOwnerException("method '" + method.name() + "' belongs to " + describeOwner(current.get())
                            + "; only its owner can add runs to it (choose another method name)");
                }
                // and its paper and family: two bundles that create one method concurrently passed validation against
                // an empty store; the one that lost the race must agree with the stored metadata or is refused
                try (PreparedStatement p = c.prepareStatement("SELECT paper, family FROM methods WHERE name = ?")) {
                    p.setString(1, method.name());
                    try (ResultSet rs = p.executeQuery()) {
                        if (rs.next() && (!rs.getString(1).equals(method.paper() == null ? "" : method.paper())
                                || !rs.getString(2).equals(method.family() == null ? "" : method.family()))) {
                            throw new MethodConflictException("method '" + method.name() + "' is stored with paper "
                                    + RecordSchema.quote(rs.getString(1)) + " and family " + RecordSchema.quote(rs.getString(2))
                                    + "; this bundle says " + RecordSchema.quote(method.paper()) + " and "
                                    + RecordSchema.quote(method.family()) + " (submit with the stored ones, or another name)");
                        }
                    }
                }
                long subId;
                try (PreparedStatement p = prepareInsert(c, "INSERT INTO submissions(method, submitted_by, created_at,"
                        + " bundle_sha256, runs) VALUES (?, ?, ?, ?, ?)")) {
                    p.setString(1, method.name());
                    p.setString(2, submittedBy);
                    p.setString(3, now);
                    p.setString(4, bundleSha256);
                    p.setInt(5, runs.size());
                    p.executeUpdate();
                    subId = generatedKey(p);
                }
                List<Long> ids = new ArrayList<>();
                Set<String> touched = new LinkedHashSet<>();
                for (int i = 0; i < runs.size(); i++) {
                    ParsedRun pr = runs.get(i);
                    RunKey key = RunKey.of(pr.record());
                    requireSuite(c, key.suite(), pr.origin());
                    if (find(c, key) != null) {
                        throw new DuplicateRunException("runs[" + i + "]: a run with key " + key + " is already stored");
                    }
                    try {
                        ids.add(insertRun(c, pr, key.suite(), SUBMITTED, subId, submittedBy, now));
                    } catch (SQLException e) {
                        // another writer (a second server on the same database) stored the same key first
                        if (!dialect.uniqueViolation(e)) throw e;
                        throw new DuplicateRunException("runs[" + i + "]: a run with key " + key
                                + " was stored by another writer first");
                    }
                    touched.add(key.suite());
                }
                for (String s : touched) bumpRevision(c, s);
                c.commit();
                return new WriteReport(ids.size(), 0, 0, 0, ids, subId);
            } catch (SQLException | RuntimeException | DuplicateRunException | NotOwnerException e) {
                c.rollback();
                throw e;
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Empty when no method of that name is stored; a stored method without owner gives "" (nobody's). */
    private static Optional<String> ownerOf(Connection c, String method) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT owner FROM methods WHERE name = ?")) {
            p.setString(1, method);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) return Optional.empty();
                return Optional.of(rs.getString(1) == null ? "" : rs.getString(1));
            }
        }
    }

    private static boolean suiteExists(Connection c, String suite) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM suites WHERE suite = ?")) {
            p.setString(1, suite);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** The suites row that holds unregistered runs of the record's suite (no definition: an empty JSON object). */
    private static void putUnregistered(Connection c, RunRecord r, String key, String now) throws SQLException {
        if (suiteExists(c, key)) return;
        try (PreparedStatement p = c.prepareStatement("INSERT INTO suites(suite, name, version, description, definition,"
                + " source, revision, created_at) VALUES (?, ?, ?, ?, '{}', ?, 0, ?)")) {
            String suite = r.protocol().suite();
            int slash = suite.lastIndexOf('/');
            p.setString(1, key);
            p.setString(2, slash < 0 ? suite : suite.substring(0, slash));
            p.setInt(3, slash < 0 || !suite.substring(slash + 1).matches("[0-9]{1,9}") ? 0
                    : Integer.parseInt(suite.substring(slash + 1)));
            p.setString(4, "runs of " + r.protocol().suite() + ", a suite no definition registers");
            p.setString(5, UNREGISTERED);
            p.setString(6, now);
            p.executeUpdate();
        }
    }

    private static void requireSuite(Connection c, String suite, String origin) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM suites WHERE suite = ?")) {
            p.setString(1, suite);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException(origin + ": suite " + suite + " is not known to the leaderboard; register it"
                            + " (a shipped suite, --suite FILE, or a results folder with summary.json)");
                }
            }
        }
    }

    private static void bumpRevision(Connection c, String suite) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("UPDATE suites SET revision = revision + 1 WHERE suite = ?")) {
            p.setString(1, suite);
            p.executeUpdate();
        }
    }

    /** An INSERT whose generated {@code id} {@link #generatedKey} reads back (PostgreSQL: only that column). */
    private PreparedStatement prepareInsert(Connection c, String sql) throws SQLException {
        return sqlite ? c.prepareStatement(sql, Statement.RETURN_GENERATED_KEYS) : c.prepareStatement(sql, new String[] {"id"});
    }

    private static long generatedKey(PreparedStatement p) throws SQLException {
        try (ResultSet k = p.getGeneratedKeys()) {
            if (!k.next()) throw new SQLException("the database returned no generated id");
            return k.getLong(1);
        }
    }

    private static String sha(RunRecord r, String role) {
        for (RunRecord.DatasetFile d : r.datasets()) {
            if (role.equals(d.role())) return d.sha256();
        }
        return null;
    }

    /** @param suite the stored suite key: the record's suite, or {@link #unregisteredKey} of it */
    private long insertRun(Connection c, ParsedRun pr, String suite, String status, Long submissionId,
                           String submittedBy, String now) throws SQLException {
        RunRecord r = pr.record();
        long id;
        try (PreparedStatement p = prepareInsert(c, "INSERT INTO runs(run_id, suite, task, algorithm, seed, config_hash,"
                + " profile, status, submission_id, submitted_by, created_at, reproduced_at, dataset_name, train_sha256,"
                + " val_sha256, parameter_count, train_steps, total_seconds, train_seconds, eval_seconds, steps_per_second,"
                + " git_revision, harness_version, protocol, config, run_json, domain_column, method_config, submitted_json)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            int i = 1;
            p.setString(i++, r.identity().runId());
            p.setString(i++, suite);
            p.setString(i++, r.identity().task());
            p.setString(i++, r.identity().algorithm());
            p.setLong(i++, r.identity().seed());
            p.setString(i++, r.configHash());
            p.setString(i++, r.profile());
            p.setString(i++, status);
            if (submissionId == null) p.setNull(i++, Types.BIGINT);
            else p.setLong(i++, submissionId);
            p.setString(i++, submittedBy);
            p.setString(i++, now);
            p.setString(i++, REPRODUCED.equals(status) ? now : null);
            setRecordColumns(p, i, r, pr.json());
            p.setString(29, null);
            p.executeUpdate();
            id = generatedKey(p);
        }
        insertScores(c, id, pr);
        return id;
    }

    /** Sets 16 columns from {@code start} (dataset_name .. run_json, domain_column, method_config) from the record. */
    private static void setRecordColumns(PreparedStatement p, int start, RunRecord r, String json) throws SQLException {
        int i = start;
        p.setString(i++, r.identity().datasetName());
        p.setString(i++, sha(r, "train"));
        p.setString(i++, sha(r, "validation"));
        p.setLong(i++, r.parameterCount());
        p.setLong(i++, r.protocol().trainSteps());
        p.setDouble(i++, r.timing().totalSeconds());
        p.setDouble(i++, r.timing().trainSeconds());
        p.setDouble(i++, r.timing().evalSeconds());
        p.setDouble(i++, r.timing().stepsPerSecond());
        p.setString(i++, r.software() == null ? null : r.software().gitRevision());
        p.setString(i++, r.software() == null ? null : r.software().harnessVersion());
        p.setString(i++, Json.canonical(r.protocol()));
        p.setString(i++, Json.canonical(r.config()));
        p.setString(i++, json);
        p.setString(i++, r.domain() == null ? null : r.domain().column());
        p.setString(i, methodConfig(r));
    }

    private static void replaceRun(Connection c, long id, ParsedRun pr, String submittedJson, String reproducedAt)
            throws SQLException {
        RunRecord r = pr.record();
        String sql = "UPDATE runs SET run_id = ?, profile = ?, dataset_name = ?, train_sha256 = ?, val_sha256 = ?,"
                + " parameter_count = ?, train_steps = ?, total_seconds = ?, train_seconds = ?, eval_seconds = ?,"
                + " steps_per_second = ?, git_revision = ?, harness_version = ?, protocol = ?, config = ?, run_json = ?,"
                + " domain_column = ?, method_config = ?"
                + (submittedJson != null ? ", status = 'reproduced', submitted_json = ?, reproduced_at = ?" : "")
                + " WHERE id = ?";
        try (PreparedStatement p = c.prepareStatement(sql)) {
            p.setString(1, r.identity().runId());
            p.setString(2, r.profile());
            setRecordColumns(p, 3, r, pr.json());
            int i = 19;
            if (submittedJson != null) {
                p.setString(i++, submittedJson);
                p.setString(i++, reproducedAt);
            }
            p.setLong(i, id);
            p.executeUpdate();
        }
        try (PreparedStatement p = c.prepareStatement("DELETE FROM policy_scores WHERE run = ?")) {
            p.setLong(1, id);
            p.executeUpdate();
        }
        try (PreparedStatement p = c.prepareStatement("DELETE FROM evals WHERE run = ?")) {
            p.setLong(1, id);
            p.executeUpdate();
        }
        insertScores(c, id, pr);
    }

    private static void insertScores(Connection c, long id, ParsedRun pr) throws SQLException {
        RunRecord r = pr.record();
        java.nio.file.Path origin = java.nio.file.Path.of(pr.origin());
        try (PreparedStatement p = c.prepareStatement("INSERT INTO policy_scores(run, policy, final_step, final_success,"
                + " last3_success, best_success, best_step, final_return) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (RunRecord.PolicySummary s : r.summary()) {
                p.setLong(1, id);
                p.setString(2, s.policy());
                p.setLong(3, s.finalStep());
                // both scores recomputed from the evaluations with the harness's own definitions (ScoreKind), so the
                // site and the harness reports agree and a record's summary cannot state them differently
                p.setDouble(4, ScoreKind.FINAL.score(r, s.policy(), origin));
                p.setDouble(5, ScoreKind.LAST3.score(r, s.policy(), origin));
                p.setDouble(6, s.bestSuccess());
                p.setLong(7, s.bestStep());
                p.setDouble(8, s.finalReturn());
                p.addBatch();
            }
            p.executeBatch();
        }
        try (PreparedStatement p = c.prepareStatement("INSERT INTO evals(run, policy, step, success, mean_return)"
                + " VALUES (?, ?, ?, ?, ?)")) {
            for (Evaluation ev : r.evaluations()) {
                for (PolicyEvaluation pe : ev.policies()) {
                    p.setLong(1, id);
                    p.setString(2, pe.policy());
                    p.setLong(3, ev.step());
                    p.setDouble(4, pe.overallSuccess());
                    p.setDouble(5, pe.meanReturn());
                    p.addBatch();
                }
            }
            p.executeBatch();
        }
    }
}
