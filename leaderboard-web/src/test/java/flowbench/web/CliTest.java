package flowbench.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliTest {
    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {}

    /** The leaderboard's command line in-process: exit status, stdout and stderr. */
    static Run run(String... args) {
        LeaderboardServer.Cli cli = new LeaderboardServer.Cli();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        cli.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(cli);
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("leaderboard-web: " + e.getMessage());
            return 1;
        });
        int code = cl.execute(args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString());
    }

    @Test
    void importOnlyImportsAndReports() throws Exception {
        Path results = Fixtures.writeResults(tmp.resolve("results"), Fixtures.baseline());
        Path db = tmp.resolve("sub/lb.db");
        Run r = run("--results", results.toString(), "--db", db.toString(), "--import-only");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("12 run records (12 new"), r.out());
        assertTrue(r.out().contains((flowbench.harness.protocol.SuiteRunner.SHIPPED.size() + flowbench.harness.protocol.SuiteRunner.SHIPPED_HISTORY.size()) + " suites, 2 methods, 12 runs"), r.out());
        assertTrue(Files.isRegularFile(db));
        Run again = run("--results", results.toString(), "--db", db.toString(), "--import-only");
        assertTrue(again.out().contains("(0 new, 0 reproduced submissions, 0 updated, 12 unchanged"), again.out());
    }

    @Test
    void badOptionsAndFilesAreNamed() throws Exception {
        Run missing = run("--results", tmp.resolve("nope").toString(), "--db", tmp.resolve("a.db").toString(), "--import-only");
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("nope: not a folder"), missing.err());
        Path tokens = tmp.resolve("tokens.txt");
        Files.writeString(tokens, "alice short\n");
        Run weak = run("--token-file", tokens.toString(), "--db", tmp.resolve("b.db").toString(), "--import-only");
        assertEquals(1, weak.exit());
        assertTrue(weak.err().contains("tokens.txt line 1: token has 5 characters; expected at least 32 (generate one with: openssl rand -hex 32)"), weak.err());
        Run port = run("--port", "70000", "--import-only");
        assertEquals(2, port.exit());
        assertTrue(port.err().contains("--port is 70000; expected 0 to 65535"), port.err());
    }
}
