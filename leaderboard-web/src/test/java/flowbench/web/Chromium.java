package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Headless Chromium driven over the Chrome DevTools Protocol with the JDK's own HTTP and WebSocket clients (no
 * Selenium, no chromedriver version pinning). Starts a fresh profile with the flags of docs/machine.md, talks to
 * the first page target, records JavaScript exceptions and console/log errors, and can take screenshots.
 */
final class Chromium implements AutoCloseable {
    private static final ObjectMapper M = new ObjectMapper();
    static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--disable-quic", "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars");

    private final Process process;
    private final Path profile;
    private final WebSocket ws;
    /** The socket while the constructor sets the page up (before {@link #ws} is assigned). */
    private volatile WebSocket socket;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = Collections.synchronizedList(new ArrayList<>());

    /** The Chromium binary: $CHROME_BIN, else the first of chromium, chromium-browser, google-chrome on the PATH. */
    static Optional<Path> find() {
        String env = System.getenv("CHROME_BIN");
        if (env != null && Files.isExecutable(Path.of(env))) return Optional.of(Path.of(env));
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    Chromium(Path binary, int width, int height) throws Exception {
        profile = Files.createTempDirectory("fb-chromium-");
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.addAll(FLAGS);
        cmd.add("--user-data-dir=" + profile);
        cmd.add("--remote-debugging-address=127.0.0.1");
        cmd.add("--remote-debugging-port=0");
        cmd.add("--window-size=" + width + "," + height);
        cmd.add("about:blank");
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
        try {
            ws = connect();
        } catch (Exception e) {
            process.destroyForcibly();
            throw e;
        }
    }

    private WebSocket connect() throws Exception {
        // Chromium writes the port it chose (and the browser target's path) to DevToolsActivePort in the profile
        Path portFile = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int port = -1;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) throw new IOException("chromium exited at start: " + log());
            if (Files.isRegularFile(portFile)) {
                List<String> lines = Files.readAllLines(portFile);
                if (!lines.isEmpty() && !lines.get(0).isBlank()) {
                    port = Integer.parseInt(lines.get(0).trim());
                    break;
                }
            }
            Thread.sleep(50);
        }
        if (port < 0) throw new IOException("chromium did not open its DevTools port within 30 s: " + log());
        HttpClient http = HttpClient.newHttpClient();
        String wsUrl = null;
        for (int attempt = 0; attempt < 100 && wsUrl == null; attempt++) {
            HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            for (JsonNode t : M.readTree(list.body())) {
                if ("page".equals(t.path("type").asText())) {
                    wsUrl = t.get("webSocketDebuggerUrl").asText();
                    break;
                }
            }
            if (wsUrl == null) Thread.sleep(50);
        }
        if (wsUrl == null) throw new IOException("chromium has no page target");
        WebSocket socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create(wsUrl), new Listener()).get(10, TimeUnit.SECONDS);
        this.socket = socket;
        call("Page.enable", null);
        call("Runtime.enable", null);
        call("Log.enable", null);
        // a listener installed before any page script runs (and outside the page's CSP) records CSP violations
        ObjectNode p = M.createObjectNode();
        p.put("source", "window.__fbViolations = []; document.addEventListener('securitypolicyviolation',"
                + " function (e) { window.__fbViolations.push(e.violatedDirective + ' ' + e.blockedURI); });");
        call("Page.addScriptToEvaluateOnNewDocument", p);
        return socket;
    }

    String log() {
        try {
            return Files.readString(profile.resolve("chromium.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder buf = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            buf.append(data);
            if (last) {
                String text = buf.toString();
                buf.setLength(0);
                try {
                    JsonNode msg = M.readTree(text);
                    if (msg.has("id")) {
                        CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asLong());
                        if (f != null) {
                            if (msg.has("error")) f.completeExceptionally(new IOException("CDP error: " + msg.get("error")));
                            else f.complete(msg.get("result"));
                        }
                    } else {
                        events.add(msg);
                    }
                } catch (IOException e) {
                    events.add(M.createObjectNode().put("method", "parse-error").put("text", e.getMessage()));
                }
            }
            w.request(1);
            return null;
        }
    }

    JsonNode call(String method, ObjectNode params) throws Exception {
        long id = ids.incrementAndGet();
        ObjectNode msg = M.createObjectNode();
        msg.put("id", id);
        msg.put("method", method);
        if (params != null) msg.set("params", params);
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        socket.sendText(M.writeValueAsString(msg), true).get(10, TimeUnit.SECONDS);
        return f.get(60, TimeUnit.SECONDS);
    }

    /** Navigates and waits for the load event. */
    void navigate(String url) throws Exception {
        int before = events.size();
        ObjectNode p = M.createObjectNode();
        p.put("url", url);
        JsonNode r = call("Page.navigate", p);
        if (r.has("errorText")) throw new IOException("navigation to " + url + " failed: " + r.get("errorText"));
        awaitEvent(e -> "Page.loadEventFired".equals(e.path("method").asText()), before, 30);
    }

    /** Waits for an event (recorded after index {@code from}). */
    JsonNode awaitEvent(Predicate<JsonNode> p, int from, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            synchronized (events) {
                for (int i = from; i < events.size(); i++) {
                    if (p.test(events.get(i))) return events.get(i);
                }
            }
            Thread.sleep(20);
        }
        throw new IOException("timed out waiting for a browser event");
    }

    /** Forgets the events recorded so far (between tests). */
    void clearEvents() {
        events.clear();
    }

    int eventCount() {
        return events.size();
    }

    /** Evaluates a JavaScript expression in the page and returns its JSON value. */
    JsonNode eval(String expression) throws Exception {
        ObjectNode p = M.createObjectNode();
        p.put("expression", expression);
        p.put("returnByValue", true);
        p.put("awaitPromise", true);
        JsonNode r = call("Runtime.evaluate", p);
        if (r.has("exceptionDetails")) throw new IOException("script failed: " + r.get("exceptionDetails"));
        return r.path("result").path("value");
    }

    /** Polls {@code expression} until it is true. */
    void waitFor(String expression, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (eval("!!(" + expression + ")").asBoolean()) return;
            Thread.sleep(50);
        }
        throw new IOException("timed out waiting for " + expression);
    }

    /** JavaScript exceptions, console errors and browser log errors (failed loads, CSP refusals) seen so far. */
    List<String> errors() {
        List<String> out = new ArrayList<>();
        synchronized (events) {
            for (JsonNode e : events) {
                String m = e.path("method").asText();
                JsonNode p = e.path("params");
                if (m.equals("Runtime.exceptionThrown")) {
                    out.add("exception: " + p.path("exceptionDetails").path("exception").path("description").asText(
                            p.path("exceptionDetails").path("text").asText()));
                } else if (m.equals("Runtime.consoleAPICalled") && p.path("type").asText().equals("error")) {
                    out.add("console.error: " + p.path("args"));
                } else if (m.equals("Log.entryAdded") && p.path("entry").path("level").asText().equals("error")) {
                    out.add("log: " + p.path("entry").path("text").asText() + " " + p.path("entry").path("url").asText());
                } else if (m.equals("parse-error")) {
                    out.add("cdp: " + e.path("text").asText());
                }
            }
        }
        return out;
    }

    /** Sets the files of an {@code <input type=file>} (as a user choosing a file would). */
    void setFile(String selector, Path file) throws Exception {
        JsonNode doc = call("DOM.getDocument", null);
        ObjectNode q = M.createObjectNode();
        q.put("nodeId", doc.path("root").path("nodeId").asInt());
        q.put("selector", selector);
        int node = call("DOM.querySelector", q).path("nodeId").asInt();
        if (node == 0) throw new IOException("no element " + selector);
        ObjectNode p = M.createObjectNode();
        p.putArray("files").add(file.toAbsolutePath().toString());
        p.put("nodeId", node);
        call("DOM.setFileInputFiles", p);
    }

    /** A PNG of the whole page. */
    void screenshot(Path out) throws Exception {
        ObjectNode p = M.createObjectNode();
        p.put("format", "png");
        p.put("captureBeyondViewport", true);
        JsonNode r = call("Page.captureScreenshot", p);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.write(out, Base64.getDecoder().decode(r.get("data").asText()));
    }

    @Override
    public void close() throws IOException {
        try {
            if (ws != null) {
                try {
                    // not awaited: the browser may close the socket before answering
                    ws.sendText("{\"id\": " + ids.incrementAndGet() + ", \"method\": \"Browser.close\"}", true)
                            .get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // already gone
                }
                ws.abort();
            }
        } finally {
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroy();
                    if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            try (Stream<Path> s = Files.walk(profile)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
