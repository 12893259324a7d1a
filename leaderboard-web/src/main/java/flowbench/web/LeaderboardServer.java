package flowbench.web;

import flowbench.harness.protocol.Suite;
import flowbench.harness.protocol.SuiteRunner;
import flowbench.harness.stats.StratifiedBootstrap;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The leaderboard site: imports harness results into a database, serves pages, plots, CSV/JSON downloads and the
 * JSON API, and takes token-authenticated submissions.
 *
 * <pre>
 *   leaderboard-web/serve --results runs/quickstart               # import, then serve on http://127.0.0.1:7070
 *   java -cp ... flowbench.web.LeaderboardServer --db lb.db --port 8080 --token-file tokens.txt
 * </pre>
 */
public final class LeaderboardServer implements AutoCloseable {
    /** Everything a running server needs; {@link #defaults} for tests. */
    public record Config(String host, int port, SubmitTokens tokens, long maxUploadBytes, int minSeeds, long seed,
                         int headlineReps, int profileReps) {
        public static Config defaults() {
            return new Config("127.0.0.1", 0, SubmitTokens.none(), 10L * 1024 * 1024, 3, 0,
                    StratifiedBootstrap.HEADLINE_REPS, StratifiedBootstrap.PROFILE_REPS);
        }

        public Config withTokens(SubmitTokens t) {
            return new Config(host, port, t, maxUploadBytes, minSeeds, seed, headlineReps, profileReps);
        }

        public Config withMaxUploadBytes(long b) {
            return new Config(host, port, tokens, b, minSeeds, seed, headlineReps, profileReps);
        }
    }

    private final Javalin app;
    private final Store store;

    private LeaderboardServer(Javalin app, Store store) {
        this.app = app;
        this.store = store;
    }

    /** Registers the shipped suites (quickstart, ...) so their pinned hashes are known before any import. */
    public static List<String> registerShippedSuites(Store store) throws IOException, SQLException {
        List<String> warnings = new ArrayList<>();
        List<String> names = new ArrayList<>(SuiteRunner.SHIPPED_HISTORY);
        names.addAll(SuiteRunner.SHIPPED);
        for (String name : names) {
            String w = store.putSuite(SuiteRunner.load(name), "shipped");
            if (w != null) warnings.add(w);
        }
        return warnings;
    }

    /** Starts serving {@code store} (port 0: any free port). */
    public static LeaderboardServer start(Store store, Config c) {
        Boards boards = new Boards(store, c.seed(), c.headlineReps(), c.profileReps());
        Site site = new Site(store, boards, c.tokens(), c.maxUploadBytes(), c.minSeeds());
        Javalin app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.jetty.host = c.host();
            cfg.jetty.port = c.port();
            // bodies read through Javalin stop at the limit (413); multipart parts stay in memory (nothing from a
            // request is written to disk) and are capped at the same size
            cfg.http.maxRequestSize = c.maxUploadBytes();
            cfg.jetty.multipartConfig.maxFileSize(c.maxUploadBytes(), SizeUnit.BYTES);
            cfg.jetty.multipartConfig.maxTotalRequestSize(c.maxUploadBytes(), SizeUnit.BYTES);
            cfg.jetty.multipartConfig.maxInMemoryFileSize((int) Math.min(Integer.MAX_VALUE, c.maxUploadBytes() + 1), SizeUnit.BYTES);
            // Jetty caps form fields (a pasted bundle is one) at 200,000 characters by default
            cfg.jetty.modifyServletContextHandler(h -> h.setMaxFormContentSize((int) Math.min(Integer.MAX_VALUE, c.maxUploadBytes())));
            site.routes(cfg.routes);
        });
        app.start();
        return new LeaderboardServer(app, store);
    }

    public int port() {
        return app.port();
    }

    public Store store() {
        return store;
    }

    @Override
    public void close() {
        app.stop();
    }

    // ------------------------------------------------------------------------------------------------ CLI

    @Command(name = "leaderboard-web", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Serve the flowbench leaderboard: import harness results, show suites, methods and runs with"
                    + " bootstrap statistics and plots, and accept token-authenticated submissions.")
    static final class Cli implements Callable<Integer> {
        @Option(names = "--results", paramLabel = "DIR", description = "harness results folder to import (repeatable);"
                + " its runs are stored as \"reproduced\"")
        List<Path> results = new ArrayList<>();

        @Option(names = "--suite", paramLabel = "FILE", description = "extra suite definition JSON to register (repeatable)")
        List<Path> suites = new ArrayList<>();

        @Option(names = "--db", paramLabel = "FILE", defaultValue = "leaderboard.db",
                description = "SQLite database file (default: ${DEFAULT-VALUE})")
        Path db;

        @Option(names = "--jdbc-url", paramLabel = "URL", description = "a JDBC database instead of --db: SQLite"
                + " (jdbc:sqlite:FILE) or PostgreSQL (jdbc:postgresql://HOST:PORT/DB?user=...&password=...), both"
                + " tested; another database's driver must be on the class path (untested)")
        String jdbcUrl;

        @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE})")
        String host;

        @Option(names = "--port", defaultValue = "7070", description = "port (default: ${DEFAULT-VALUE}; 0 = any free port)")
        int port;

        @Option(names = "--token-file", paramLabel = "FILE", description = "submission tokens, one 'TOKEN' or 'NAME TOKEN'"
                + " per line; without it the FLOWBENCH_SUBMIT_TOKEN environment variable is used; without either,"
                + " submissions are disabled")
        Path tokenFile;

        @Option(names = "--max-upload-mb", defaultValue = "10", description = "largest accepted bundle in MiB"
                + " (default: ${DEFAULT-VALUE}; larger uploads get HTTP 413)")
        int maxUploadMb;

        @Option(names = "--min-seeds", defaultValue = "3", description = "seeds a submission needs per (task, config),"
                + " counting runs already stored (default: ${DEFAULT-VALUE})")
        int minSeeds;

        @Option(names = "--bootstrap-seed", defaultValue = "0", description = "seed of every bootstrap (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--import-only", description = "import and register, then exit without serving")
        boolean importOnly;

        PrintStream out = System.out;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (port < 0 || port > 65535) throw new CommandLine.ParameterException(spec.commandLine(),
                    "--port is " + port + "; expected 0 to 65535");
            if (maxUploadMb < 1) throw new CommandLine.ParameterException(spec.commandLine(),
                    "--max-upload-mb is " + maxUploadMb + "; expected at least 1");
            if (minSeeds < 1) throw new CommandLine.ParameterException(spec.commandLine(),
                    "--min-seeds is " + minSeeds + "; expected at least 1");
            SubmitTokens tokens;
            String env = System.getenv("FLOWBENCH_SUBMIT_TOKEN");
            if (tokenFile != null) tokens = SubmitTokens.load(tokenFile);
            else if (env != null && !env.isBlank()) tokens = SubmitTokens.single(env, "FLOWBENCH_SUBMIT_TOKEN");
            else tokens = SubmitTokens.none();

            String url = jdbcUrl != null ? jdbcUrl : Store.sqliteUrl(db);
            if (jdbcUrl == null && db.toAbsolutePath().getParent() != null) Files.createDirectories(db.toAbsolutePath().getParent());
            Store store = new Store(url);
            for (String w : registerShippedSuites(store)) out.println("warning: " + w);
            for (Path f : suites) {
                Suite s = SuiteRunner.load(f.toString());
                String w = store.putSuite(s, "file");
                if (w != null) out.println("warning: " + w);
            }
            for (Path r : results) {
                Importer.Report rep = Importer.importFolder(r, store);
                for (String w : rep.warnings()) out.println("warning: " + w);
                out.println("imported " + rep.describe(r));
            }
            out.println("database " + url + ": " + store.suites().size() + " suites, " + store.methods().size()
                    + " methods, " + store.runCount() + " runs");
            if (importOnly) return 0;
            Config c = new Config(host, port, tokens, maxUploadMb * 1024L * 1024L, minSeeds, seed,
                    StratifiedBootstrap.HEADLINE_REPS, StratifiedBootstrap.PROFILE_REPS);
            LeaderboardServer server = start(store, c);
            out.println("submissions: " + (tokens.enabled() ? tokens.count() + " token(s)" : "disabled (no --token-file"
                    + " or FLOWBENCH_SUBMIT_TOKEN)"));
            out.println("serving the leaderboard on http://" + (host.contains(":") ? "[" + host + "]" : host) + ":"
                    + server.port() + "/  (Ctrl-C stops)");
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "leaderboard-shutdown"));
            Thread.currentThread().join();
            return 0;
        }
    }

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new Cli());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("leaderboard-web: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            if (System.getenv("FLOWBENCH_DEBUG") != null) e.printStackTrace(cmd.getErr());
            return 1;
        });
        System.exit(cl.execute(args));
    }
}
