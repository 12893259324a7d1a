package flowbench.web;

import flowbench.harness.io.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue #12, item 4: wrong tokens are rate-limited per address and logged in one line; the token is checked before
 * the body is read; short tokens are refused at start-up; a repeated bundle is a 409; client aborts log no trace.
 */
class TokenHardeningTest {
    static final String TOKEN = "hardening-token-0123456789abcdef0123";

    @TempDir
    Path tmp;
    Store store;
    LeaderboardServer server;
    Http http;
    PrintStream err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        store = Fixtures.store(tmp);
        Fixtures.importBaseline(store, tmp);
        server = LeaderboardServer.start(store, LeaderboardServer.Config.defaults().withTokens(SubmitTokens.single(TOKEN, "test")));
        http = new Http(server.port());
        // slf4j-simple writes to System.err as it is at each line: keep a copy of what the server logs
        err = System.err;
        PrintStream tee = new PrintStream(new OutputStream() {
            @Override
            public synchronized void write(int b) {
                log.write(b);
                err.write(b);
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                log.write(b, off, len);
                err.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        System.setErr(tee);
    }

    @AfterEach
    void stop() {
        System.setErr(err);
        server.close();
    }

    private String log() {
        synchronized (log) {
            return log.toString(StandardCharsets.UTF_8);
        }
    }

    private HttpResponse<String> submit(String token, byte[] body) throws Exception {
        return http.post("/api/submissions", body, Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json"));
    }

    @Test
    void wrongTokensAreRateLimitedPerAddressAndLoggedInOneLine() throws Exception {
        int before = store.runCount();
        byte[] bundle = Json.pretty(Fixtures.bundle("new-flow", "d")).getBytes(StandardCharsets.UTF_8);
        for (int i = 1; i <= AuthThrottle.MAX_FAILURES; i++) {
            assertEquals(401, submit("wrong-" + i + "-" + TOKEN, bundle).statusCode(), "attempt " + i);
        }
        // locked out: even the right token is refused until the lockout ends
        HttpResponse<String> locked = submit(TOKEN, bundle);
        assertEquals(429, locked.statusCode(), locked.body());
        long retry = Long.parseLong(locked.headers().firstValue("Retry-After").orElse("0"));
        assertTrue(retry > 60 && retry <= AuthThrottle.LOCKOUT_MILLIS / 1000, "Retry-After " + retry);
        assertTrue(locked.body().contains("too many wrong submission tokens"), locked.body());
        Http.Multipart mp = new Http.Multipart().field("token", TOKEN).field("bundle_text", new String(bundle, StandardCharsets.UTF_8));
        assertEquals(429, http.post("/submit", mp.body(), Map.of("Content-Type", mp.contentType())).statusCode());
        assertEquals(before, store.runCount());
        String l = log();
        assertEquals(AuthThrottle.MAX_FAILURES, l.split("wrong or missing submission token from 127\\.0\\.0\\.1", -1).length - 1, l);
        assertTrue(l.contains("locked out for 300 s"), l);
        assertFalse(l.contains("\tat "), "no stack trace: " + l);
        assertFalse(l.contains(TOKEN), "the token is never logged");
    }

    @Test
    void theThrottleCountsFailuresInAOneMinuteWindowAndLocksOutForFiveMinutes() {
        AtomicLong now = new AtomicLong(1_000_000);
        AuthThrottle t = new AuthThrottle(now::get);
        for (int i = 0; i < AuthThrottle.MAX_FAILURES - 1; i++) t.failed("a");
        assertEquals(0, t.lockedFor("a"));
        now.addAndGet(AuthThrottle.WINDOW_MILLIS); // the nine failures leave the window
        assertEquals(1, t.failed("a"));
        for (int i = 0; i < AuthThrottle.MAX_FAILURES - 1; i++) t.failed("a");
        assertEquals(AuthThrottle.LOCKOUT_MILLIS, t.lockedFor("a"));
        assertEquals(0, t.lockedFor("b"), "per address");
        now.addAndGet(AuthThrottle.LOCKOUT_MILLIS);
        assertEquals(0, t.lockedFor("a"));
    }

    @Test
    void theTokenIsCheckedBeforeTheBodyIsRead() throws Exception {
        // only the headers are sent: a server that read the body first would wait for it, and never answer in time
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            String head = "POST /api/submissions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer wrong-" + TOKEN + "\r\nContent-Length: 5000\r\n\r\n";
            s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    StandardCharsets.ISO_8859_1)).readLine();
            assertEquals("HTTP/1.1 401 Unauthorized", status);
        }
    }

    @Test
    void tokensShorterThan32CharactersAreRefusedAtStartUp() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SubmitTokens.single("x".repeat(31), "FLOWBENCH_SUBMIT_TOKEN"));
        assertEquals("FLOWBENCH_SUBMIT_TOKEN: the submission token has 31 characters; expected at least 32 (generate one"
                + " with: openssl rand -hex 32)", e.getMessage());
        Path f = java.nio.file.Files.writeString(tmp.resolve("tokens.txt"), "alice " + "y".repeat(20) + "\n");
        assertTrue(assertThrows(java.io.IOException.class, () -> SubmitTokens.load(f)).getMessage()
                .contains("line 1: token has 20 characters; expected at least 32"));
        SubmitTokens.single("z".repeat(32), "test");
    }

    @Test
    void aRepeatedBundleGets409AndStoresNothing() throws Exception {
        byte[] bundle = Json.pretty(Fixtures.bundle("new-flow", "d")).getBytes(StandardCharsets.UTF_8);
        assertEquals(201, submit(TOKEN, bundle).statusCode());
        int before = store.runCount();
        HttpResponse<String> again = submit(TOKEN, bundle);
        assertEquals(409, again.statusCode(), again.body());
        assertTrue(again.body().contains("a run not already on the leaderboard"), again.body());
        assertEquals(before, store.runCount());
    }

    @Test
    void aClientAbortIsLoggedWithoutAStackTrace() throws Exception {
        // the right token, a declared body of 100,000 bytes, 100 of them sent, then the connection is closed
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
            String head = "POST /api/submissions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer " + TOKEN + "\r\nContent-Length: 100000\r\n\r\n";
            s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().write(new byte[100]);
            s.getOutputStream().flush();
        }
        long until = System.currentTimeMillis() + 10_000;
        while (!log().contains("aborted POST /api/submissions") && !log().contains("failed")
                && System.currentTimeMillis() < until) {
            Thread.sleep(50);
        }
        Thread.sleep(200);
        String l = log();
        assertTrue(l.contains("client 127.0.0.1 aborted POST /api/submissions"), l);
        assertFalse(l.contains("\tat "), "no stack trace: " + l);
    }
}
