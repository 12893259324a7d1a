package flowbench.harness.external;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One external learner process: requests on its stdin, replies on its stdout (clients/PROTOCOL.md), stderr kept as a
 * tail for error messages and optionally echoed. Every call has a deadline; a call that misses it, a process that
 * exits mid-call or a malformed reply kills the process (with its descendants) and raises {@link ExternalFailure}.
 * After a failure every later call is refused.
 */
public final class ExternalProcess implements AutoCloseable {
    private static final int TAIL_LINES = 40;

    private final List<String> argv;
    private final Process process;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final ExecutorService reader;
    private final Deque<String> tail = new ArrayDeque<>();
    private final Thread stderrPump;
    private final Thread killer;
    private ExternalFailure failed;
    private boolean closed;

    private ExternalProcess(List<String> argv, Process process, PrintStream echo) {
        this.argv = argv;
        this.process = process;
        this.stdin = new BufferedOutputStream(process.getOutputStream(), 1 << 16);
        this.stdout = new BufferedInputStream(process.getInputStream(), 1 << 16);
        this.reader = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "external-learner-reader");
            t.setDaemon(true);
            return t;
        });
        this.stderrPump = new Thread(() -> pumpStderr(echo), "external-learner-stderr");
        stderrPump.setDaemon(true);
        stderrPump.start();
        // a JVM that exits (Ctrl-C, an uncaught error) takes its learner with it
        this.killer = new Thread(this::kill, "external-learner-kill");
        Runtime.getRuntime().addShutdownHook(killer);
    }

    /**
     * Starts {@code command} (split like a shell splits words, without a shell) in {@code workDir}.
     *
     * @param echo where the learner's stderr lines go as they come (prefixed), or null to keep only the tail
     */
    public static ExternalProcess start(String command, Path workDir, PrintStream echo) {
        List<String> argv = split(command);
        if (argv.isEmpty()) throw new ExternalFailure(ExternalFailure.START_FAILED, "the external command is empty");
        ProcessBuilder pb = new ProcessBuilder(argv).directory(workDir.toFile());
        // no PYTHONUNBUFFERED: with a buffered stdout, a print at import time (before the client moves the protocol to a
        // private descriptor and points descriptor 1 at stderr) is flushed to stderr, not into the protocol pipe
        try {
            return new ExternalProcess(argv, pb.start(), echo);
        } catch (IOException e) {
            throw new ExternalFailure(ExternalFailure.START_FAILED, "cannot start '" + command + "' in " + workDir + ": "
                    + e.getMessage(), e);
        }
    }

    /** Words of a command line: whitespace separates, '…' and "…" quote, a backslash escapes the next character. */
    public static List<String> split(String command) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else if (c == '\\' && quote == '"' && i + 1 < command.length()) cur.append(command.charAt(++i));
                else cur.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < command.length()) {
                cur.append(command.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) out.add(cur.toString());
                cur.setLength(0);
                inWord = false;
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (quote != 0) throw new IllegalArgumentException("unbalanced " + quote + " in external command: " + command);
        if (inWord) out.add(cur.toString());
        return out;
    }

    public List<String> argv() {
        return argv;
    }

    /**
     * Sends one request and waits for its reply.
     *
     * @return the reply frame, whose header has {@code "ok": true}
     * @throws ExternalFailure on an error reply, a timeout, a crash or a malformed reply
     */
    public synchronized Frames.Frame call(String op, ObjectNode fields, List<Frames.Array> arrays, Duration timeout) {
        if (failed != null) throw new ExternalFailure(failed.kind(), "the learner already failed: " + failed.getMessage());
        if (closed) throw new IllegalStateException("external learner process is closed");
        ObjectNode header = Json.mapper().createObjectNode();
        header.put("op", op);
        header.setAll(fields);
        try {
            Frames.write(stdin, header, arrays);
        } catch (IOException e) {
            throw fail(new ExternalFailure(ExternalFailure.CRASHED, "could not send '" + op + "' (" + e.getMessage() + ")"
                    + exitDescription()));
        }
        Future<Frames.Frame> f = reader.submit(() -> Frames.read(stdout));
        Frames.Frame reply;
        try {
            reply = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw fail(new ExternalFailure(ExternalFailure.TIMEOUT, "no reply to '" + op + "' within " + seconds(timeout)
                    + " (raise it with --call-timeout)" + stderrTail()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail(new ExternalFailure(ExternalFailure.CRASHED, "interrupted while waiting for '" + op + "'"));
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof ExternalFailure ef) {
                String more = ef.kind().equals(ExternalFailure.CRASHED) ? exitDescription() : stderrTail();
                throw fail(new ExternalFailure(ef.kind(), "while answering '" + op + "': " + rawMessage(ef) + more));
            }
            throw fail(new ExternalFailure(ExternalFailure.CRASHED, "reading the reply to '" + op + "' failed: " + c + exitDescription()));
        }
        if (reply == null) {
            throw fail(new ExternalFailure(ExternalFailure.CRASHED, "the process closed its output while answering '" + op + "'"
                    + exitDescription()));
        }
        JsonNode ok = reply.header().get("ok");
        if (ok == null || !ok.isBoolean()) {
            throw fail(new ExternalFailure(ExternalFailure.PROTOCOL, "the reply to '" + op + "' has no boolean field 'ok': "
                    + abbreviate(reply.header().toString())));
        }
        if (!ok.booleanValue()) {
            JsonNode err = reply.header().path("error");
            String kind = err.path("kind").asText("error");
            String msg = err.path("message").asText("");
            String tb = err.path("traceback").asText("");
            throw fail(new ExternalFailure(ExternalFailure.AGENT_ERROR, "'" + op + "' raised " + kind + ": " + msg
                    + (tb.isBlank() ? "" : "\n" + tb.strip())));
        }
        return reply;
    }

    /** Records {@code e} as this process's failure (every later call is refused) and kills the process. */
    ExternalFailure fail(ExternalFailure e) {
        failed = e;
        kill();
        return e;
    }

    private static String rawMessage(ExternalFailure e) {
        String m = e.getMessage();
        String prefix = "external learner " + e.kind() + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    /** Asks the learner to exit ({@code close}), waits briefly, then kills it. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        if (failed == null && process.isAlive()) {
            try {
                call("close", Json.mapper().createObjectNode(), List.of(), Duration.ofSeconds(10));
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (RuntimeException e) {
                // a learner that cannot close cleanly is killed below; what it saved is already committed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closed = true;
        kill();
        reader.shutdownNow();
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down
        }
    }

    /** Kills the process and everything it started. */
    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    private String exitDescription() {
        try {
            process.waitFor(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String status = process.isAlive() ? "; the process is still running" : "; exit code " + process.exitValue()
                + (process.exitValue() > 128 ? " (signal " + (process.exitValue() - 128) + ")" : "");
        return status + stderrTail();
    }

    /** The last lines of the learner's stderr, for error messages. */
    public String stderrTail() {
        try {
            stderrPump.join(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (tail) {
            if (tail.isEmpty()) return "";
            return "\nlast lines of its stderr:\n  " + String.join("\n  ", tail);
        }
    }

    private void pumpStderr(PrintStream echo) {
        try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (echo != null) echo.println("[learner] " + line);
                synchronized (tail) {
                    tail.addLast(line.length() > 500 ? line.substring(0, 500) + "…" : line);
                    while (tail.size() > TAIL_LINES) tail.removeFirst();
                }
            }
        } catch (IOException e) {
            // the process is gone; the tail holds what it wrote
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() / 1000.0 + " s";
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
