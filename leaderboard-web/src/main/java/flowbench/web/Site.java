package flowbench.web;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.EpisodeOutcome;
import flowbench.harness.protocol.Evaluation;
import flowbench.harness.protocol.PolicyEvaluation;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.Suite;
import flowbench.harness.protocol.TaskEvaluation;
import flowbench.harness.report.ScoreKind;
import flowbench.harness.report.Sweeps;
import flowbench.harness.stats.Interval;
import flowbench.harness.stats.Metric;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Routes, pages and the JSON API of the leaderboard. Pages are rendered on the server ({@link Page}); every table
 * is downloadable as CSV and JSON from the same {@link Table}; charts are drawn in the browser by uPlot from JSON
 * embedded in the page. No request parameter ever names a file: assets come from a fixed list of class-path
 * resources, and uploads are parsed in memory.
 */
public final class Site {
    /** Static assets: URL name to class-path resource; nothing else is served from the class path. */
    private final Map<String, Asset> assets = new LinkedHashMap<>();

    private record Asset(String resource, String contentType) {}

    /** Submission bundles: duplicate keys are an error (which value would count is ambiguous), nesting is bounded. */
    private static final ObjectMapper BUNDLE_MAPPER = new ObjectMapper(JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(64)
                    .maxStringLength(2_000_000).build())
            .build())
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Site.class);

    /**
     * The score kind of a page or API answer without {@code ?kind=}: the harness report's default
     * ({@code flowbench report}), so the same runs show the same numbers in both.
     */
    static final ScoreKind DEFAULT_KIND = ScoreKind.FINAL;

    /**
     * The suite methods are ranked by (docs/suites.md): the front page leads with its leaderboard, so a visitor sees the
     * ranking before the list of every suite version.
     */
    static final String RANKING_SUITE = "core";

    private final Store store;
    private final Boards boards;
    private final SubmitTokens tokens;
    private final AuthThrottle throttle = new AuthThrottle();
    private final long maxUploadBytes;
    private final int minSeeds;

    public Site(Store store, Boards boards, SubmitTokens tokens, long maxUploadBytes, int minSeeds) {
        this.store = store;
        this.boards = boards;
        this.tokens = tokens;
        this.maxUploadBytes = maxUploadBytes;
        this.minSeeds = minSeeds;
        String uplot = "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
        assets.put("uPlot.iife.min.js", new Asset(uplot + "uPlot.iife.min.js", "text/javascript; charset=utf-8"));
        assets.put("uPlot.min.css", new Asset(uplot + "uPlot.min.css", "text/css; charset=utf-8"));
        assets.put("app.js", new Asset("flowbench/web/assets/app.js", "text/javascript; charset=utf-8"));
        assets.put("style.css", new Asset("flowbench/web/assets/style.css", "text/css; charset=utf-8"));
        assets.put("favicon.svg", new Asset("flowbench/web/assets/favicon.svg", "image/svg+xml"));
        for (Asset a : assets.values()) {
            if (Site.class.getClassLoader().getResource(a.resource()) == null) {
                throw new IllegalStateException("asset " + a.resource() + " is missing from the class path");
            }
        }
    }

    /** The uPlot webjar's version, from its Maven metadata (so the pom's pinned version is the only place it is set). */
    static String uplotVersion() {
        try (InputStream in = Site.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            if (in == null) throw new IllegalStateException("the uPlot webjar (org.webjars.npm:uplot) is not on the class path");
            java.util.Properties p = new java.util.Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the uPlot webjar's version", e);
        }
    }

    // ------------------------------------------------------------------------------------------------ routing

    public void routes(RoutesConfig r) {
        r.before(ctx -> {
            ctx.header("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
                    + " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.header("X-Frame-Options", "DENY");
            ctx.header("Referrer-Policy", "no-referrer");
        });
        // size limit before anything reads the body: a declared length over the limit is refused at once (413)
        r.before("/submit", this::limitSize);
        r.before("/api/submissions", this::limitSize);

        r.get("/", this::home);
        r.get("/suites/{name}", this::suiteLatest);
        r.get("/suites/{name}/{version}", this::suitePage);
        r.get("/suites/{name}/{version}/download/{table}/{format}", this::suiteDownload);
        r.get("/unregistered/{name}/{version}", this::unregisteredPage);
        r.get("/unregistered/{name}/{version}/download/{table}/{format}", this::unregisteredDownload);
        r.get("/download/unregistered/{format}", ctx -> download(ctx, "unregistered", unregisteredTable(), ctx.pathParam("format")));
        r.get("/methods", this::methodsPage);
        r.get("/methods/download/{table}/{format}", ctx -> download(ctx, "methods", methodsTable(), ctx.pathParam("format")));
        r.get("/methods/{name}", this::methodPage);
        r.get("/methods/{name}/download/{table}/{format}", this::methodDownload);
        r.get("/runs/{id}", this::runPage);
        r.get("/runs/{id}/run.json", this::runJson);
        r.get("/runs/{id}/download/{table}/{format}", this::runDownload);
        r.get("/download/suites/{format}", ctx -> download(ctx, "suites", suitesTable(), ctx.pathParam("format")));
        r.get("/submit", this::submitForm);
        r.post("/submit", this::submitFromForm);
        r.get("/assets/{file}", this::asset);

        r.get("/api", this::apiIndex);
        r.get("/api/suites", ctx -> json(ctx, suitesTable().json().get("rows")));
        r.get("/api/suites/{name}/{version}", this::apiSuite);
        r.get("/api/suites/{name}/{version}/leaderboard", ctx -> apiSuiteTable(ctx, "leaderboard"));
        r.get("/api/suites/{name}/{version}/tasks", ctx -> apiSuiteTable(ctx, "tasks"));
        r.get("/api/suites/{name}/{version}/runs", ctx -> apiSuiteTable(ctx, "runs"));
        r.get("/api/suites/{name}/{version}/sweep", ctx -> apiSuiteTable(ctx, "sweep"));
        r.get("/api/suites/{name}/{version}/plots", this::apiPlots);
        r.get("/api/unregistered", ctx -> json(ctx, unregisteredTable().json().get("rows")));
        r.get("/api/unregistered/{name}/{version}", this::apiUnregistered);
        r.get("/api/methods", ctx -> json(ctx, methodsTable().json().get("rows")));
        r.get("/api/methods/{name}", this::apiMethod);
        r.get("/api/runs/{id}", this::apiRun);
        r.post("/api/submissions", this::submitFromApi);

        r.exception(NotFound.class, (e, ctx) -> error(ctx, 404, e.getMessage()));
        r.exception(BadRequest.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
        r.exception(HttpResponseException.class, (e, ctx) -> {
            String msg = e.getStatus() == 413 ? tooLarge() : e.getMessage();
            error(ctx, e.getStatus(), msg);
        });
        r.exception(Exception.class, (e, ctx) -> {
            if (clientAbort(e)) {
                // the client went away mid-request: nothing to fix here and nobody to answer, so one line, no trace
                LOG.info("client {} aborted {} {}: {}", ctx.ip(), ctx.method(), ctx.path(), BundleValidator.rootMessage(e));
                ctx.status(400);
                return;
            }
            LOG.error("request " + ctx.method() + " " + ctx.path() + " failed", e);
            error(ctx, 500, "internal error (" + e.getClass().getSimpleName() + "); the server log has the details");
        });
        r.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty() || ctx.result().startsWith("Endpoint ")) {
                error(ctx, 404, "no page at " + ctx.path());
            }
        });
    }

    /** Whether {@code e} is the client closing its connection mid-request (an early end of the body, a reset). */
    static boolean clientAbort(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            // Jetty's EofException ("Early EOF") is an EOFException
            if (t instanceof java.io.EOFException) return true;
            String m = t.getMessage();
            if (t instanceof IOException && m != null && (m.contains("Connection reset") || m.contains("Broken pipe"))) {
                return true;
            }
        }
        return false;
    }

    /** A missing suite, method or run. */
    static final class NotFound extends RuntimeException {
        NotFound(String message) {
            super(message);
        }
    }

    /** A malformed request parameter. */
    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }

    private static boolean wantsJson(Context ctx) {
        return ctx.path().startsWith("/api/");
    }

    private void error(Context ctx, int status, String message) {
        ctx.status(status);
        if (wantsJson(ctx)) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("status", status);
            o.put("error", message);
            json(ctx, o);
            ctx.status(status);
        } else {
            Page p = new Page("Error " + status);
            p.h(1, "Error " + status).raw("<p class=\"error\">").text(message).raw("</p>");
            html(ctx, p.render());
        }
    }

    private String tooLarge() {
        return "the upload is larger than the limit of " + maxUploadBytes + " bytes (" + (maxUploadBytes / (1024 * 1024))
                + " MiB); split the runs over several bundles";
    }

    private void limitSize(Context ctx) {
        if (!"POST".equals(ctx.method().name())) return;
        long len = ctx.req().getContentLengthLong();
        if (len > maxUploadBytes) throw new HttpResponseException(413, tooLarge());
    }

    private static void html(Context ctx, String page) {
        ctx.contentType("text/html; charset=utf-8");
        ctx.result(page);
    }

    private static void json(Context ctx, JsonNode node) {
        ctx.contentType("application/json; charset=utf-8");
        ctx.result(Json.pretty(node));
    }

    private void download(Context ctx, String baseName, Table t, String format) {
        String file = (baseName + "-" + t.id()).replaceAll("[^A-Za-z0-9._-]", "_");
        switch (format) {
            case "csv" -> {
                ctx.contentType("text/csv; charset=utf-8");
                ctx.header("Content-Disposition", "attachment; filename=\"" + file + ".csv\"");
                ctx.result(t.csv());
            }
            case "json" -> {
                ctx.header("Content-Disposition", "attachment; filename=\"" + file + ".json\"");
                json(ctx, t.json());
            }
            default -> throw new BadRequest("download format '" + format + "' is not known; expected csv or json");
        }
    }

    private void asset(Context ctx) throws IOException {
        Asset a = assets.get(ctx.pathParam("file"));
        if (a == null) throw new NotFound("no asset " + ctx.pathParam("file"));
        try (InputStream in = Site.class.getClassLoader().getResourceAsStream(a.resource())) {
            if (in == null) throw new NotFound("no asset " + ctx.pathParam("file"));
            ctx.contentType(a.contentType());
            ctx.header("Cache-Control", "public, max-age=3600");
            ctx.result(in.readAllBytes());
        }
    }

    // ------------------------------------------------------------------------------------------------ lookups

    private Store.SuiteInfo suite(Context ctx) throws SQLException {
        String name = ctx.pathParam("name");
        String version = ctx.pathParam("version");
        if (!version.matches("[0-9]{1,9}")) throw new NotFound("no suite " + name + "/" + version);
        String id = name + "/" + Integer.parseInt(version);
        return store.suite(id).orElseThrow(() -> new NotFound("no suite " + id));
    }

    private static ScoreKind kind(Context ctx) {
        String k = ctx.queryParam("kind");
        if (k == null || k.isEmpty()) return DEFAULT_KIND;
        try {
            return ScoreKind.parse(k);
        } catch (IllegalArgumentException e) {
            throw new BadRequest(e.getMessage());
        }
    }

    private static String kindParam(ScoreKind k) {
        return k.id();
    }

    /** The page of a stored suite key: a suite's, or for {@link Store#isUnregistered} runs their unregistered page. */
    private static String suiteUrl(String id) {
        if (Store.isUnregistered(id)) return unregisteredUrl(Store.recordSuite(id));
        int slash = id.lastIndexOf('/');
        return "/suites/" + Html.seg(id.substring(0, slash)) + "/" + id.substring(slash + 1);
    }

    /** The page of the unregistered runs of {@code suite} (as the records name it, e.g. "adhoc/0"). */
    private static String unregisteredUrl(String suite) {
        int slash = suite.lastIndexOf('/');
        return "/unregistered/" + Html.seg(suite.substring(0, slash)) + "/" + Html.seg(suite.substring(slash + 1));
    }

    /** A stored suite key as a reader sees it: "adhoc/0 (unregistered)" for unregistered runs. */
    static String suiteText(String id) {
        return Store.isUnregistered(id) ? Store.recordSuite(id) + " (" + Store.UNREGISTERED + ")" : id;
    }

    /** The suite link of a stored suite key. */
    private static Table.Cell suiteLink(String id) {
        return Table.link(suiteText(id), suiteUrl(id));
    }

    private static String methodUrl(String name) {
        return "/methods/" + Html.seg(name);
    }

    private static long runId(Context ctx) {
        String s = ctx.pathParam("id");
        if (!s.matches("[0-9]{1,18}")) throw new NotFound("no run " + s);
        return Long.parseLong(s);
    }

    private Store.StoredRun storedRun(Context ctx) throws SQLException {
        long id = runId(ctx);
        return store.run(id).orElseThrow(() -> new NotFound("no run " + id));
    }

    /** A config hash: the full value in downloads, its first 8 hex digits on the page (as in entry labels). */
    static Table.Cell shortHash(String h) {
        return Table.shown(h, ConfigSummary.shortHash(h));
    }

    private static String ci(Interval iv) {
        return String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", iv.point(), iv.lower(), iv.upper());
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    // ------------------------------------------------------------------------------------------------ tables

    Table suitesTable() throws SQLException {
        Table t = new Table("suites", "Suites", List.of("suite", "superseded", "description", "tasks", "methods", "runs",
                "source"));
        Map<String, List<Store.SupersededNote>> notes = new TreeMap<>();
        for (Store.SupersededNote n : store.superseded(null)) notes.computeIfAbsent(n.suite(), k -> new ArrayList<>()).add(n);
        for (Store.SuiteInfo s : store.suites()) {
            List<Store.SupersededNote> ns = notes.getOrDefault(s.id(), List.of());
            t.row(Table.link(s.id(), suiteUrl(s.id())), Table.shown(!ns.isEmpty(), supersededMarker(ns)), s.description(),
                    String.join(", ", s.definition().tasks()), s.methods(), s.runs(), s.source());
        }
        return t;
    }

    /** "⚠ superseded since 2026-12-07" beside a suite version, "" when it is current. */
    static String supersededMarker(List<Store.SupersededNote> notes) {
        if (notes.isEmpty()) return "";
        Set<String> since = new java.util.TreeSet<>();
        for (Store.SupersededNote n : notes) if (n.notice().since() != null) since.add(n.notice().since());
        return "⚠ superseded" + (since.isEmpty() ? "" : " since " + String.join(", ", since));
    }

    Table methodsTable() throws SQLException {
        Table t = new Table("methods", "Methods", List.of("method", "family", "paper", "source", "owner", "runs"));
        Map<String, Integer> counts = new TreeMap<>();
        for (Store.MethodInfo m : store.methods()) counts.put(m.name(), store.runsOfMethod(m.name()).size());
        for (Store.MethodInfo m : store.methods()) {
            t.row(Table.link(m.name(), methodUrl(m.name())), m.family(), m.paper(), m.source(),
                    Store.describeOwner(m.owner()), counts.get(m.name()));
        }
        return t;
    }

    static Table leaderboardTable(Boards.Board b) {
        Table t = new Table("leaderboard", "Aggregate leaderboard (" + Boards.kindShort(b.kind()) + ")", List.of(
                "rank", "method", "algorithm", "policy", "chosen by rule", "config", "profile", "domain column", "method config",
                "status", "runs", "seeds per task",
                "IQM", "IQM 95% low", "IQM 95% high", "rank interval", "mean rank",
                "mean", "mean 95% low", "mean 95% high", "median", "median 95% low", "median 95% high",
                "optimality gap", "opt. gap 95% low", "opt. gap 95% high", "parameters", "wall-clock s/run",
                "compute source"));
        int i = 1;
        for (Boards.Entry e : b.ranked()) {
            Interval iqm = e.intervals().get(Metric.IQM);
            Interval mean = e.intervals().get(Metric.MEAN);
            Interval med = e.intervals().get(Metric.MEDIAN);
            Interval gap = e.intervals().get(Metric.OPTIMALITY_GAP);
            String seeds = e.minSeeds() == e.maxSeeds() ? Integer.toString(e.minSeeds()) : e.minSeeds() + "–" + e.maxSeeds();
            String rank = e.rank() == null ? "" : e.rank().bestRank() == e.rank().worstRank()
                    ? Integer.toString(e.rank().bestRank()) : e.rank().bestRank() + "–" + e.rank().worstRank();
            t.row(i++, Table.link(e.label(), methodUrl(e.algorithm())), e.algorithm(), e.policy(), e.selection(),
                    e.configs().hashCell(), e.configs().profileText(), e.configs().columnText(), e.methodConfig(), e.status(),
                    e.runs(), seeds,
                    Table.shown(iqm.point(), ci(iqm)), iqm.lower(), iqm.upper(), rank,
                    e.rank() == null ? null : e.rank().meanRank(), Table.shown(mean.point(), ci(mean)), mean.lower(),
                    mean.upper(), Table.shown(med.point(), ci(med)), med.lower(), med.upper(),
                    Table.shown(gap.point(), ci(gap)), gap.lower(), gap.upper(), e.parameterCount(), e.meanSeconds(),
                    computeSource(e.status()));
        }
        return t;
    }

    /** The HTML view of the leaderboard: the same rows, fewer columns (intervals shown inline). */
    static Table leaderboardView(Boards.Board b) {
        Table full = leaderboardTable(b);
        Table t = new Table("leaderboard", full.title(), List.of("#", "method", "profile", "domain column", "config",
                "chosen by rule", "status", "runs (seeds/task)",
                "IQM [95% CI]", "rank interval", "mean [95% CI]", "median [95% CI]", "optimality gap [95% CI]",
                "parameters", "wall-clock s/run"));
        int i = 1;
        for (Boards.Entry e : b.ranked()) {
            Interval iqm = e.intervals().get(Metric.IQM);
            String seeds = e.minSeeds() == e.maxSeeds() ? Integer.toString(e.minSeeds()) : e.minSeeds() + "–" + e.maxSeeds();
            String rank = e.rank() == null ? "" : (e.rank().bestRank() == e.rank().worstRank()
                    ? Integer.toString(e.rank().bestRank()) : e.rank().bestRank() + "–" + e.rank().worstRank())
                    + String.format(Locale.ROOT, " (mean %.2f)", e.rank().meanRank());
            t.row(i++, Table.link(e.label(), methodUrl(e.algorithm())), e.configs().profileText(), e.configs().columnText(),
                    e.configs().hashCell(), e.selection() == null ? "" : e.selection(), e.status(),
                    e.runs() + " (" + seeds + ")",
                    Table.shown(iqm.point(), ci(iqm)), rank,
                    Table.shown(e.intervals().get(Metric.MEAN).point(), ci(e.intervals().get(Metric.MEAN))),
                    Table.shown(e.intervals().get(Metric.MEDIAN).point(), ci(e.intervals().get(Metric.MEDIAN))),
                    Table.shown(e.intervals().get(Metric.OPTIMALITY_GAP).point(), ci(e.intervals().get(Metric.OPTIMALITY_GAP))),
                    selfReported(e.parameterCount(), Long.toString(e.parameterCount()), e.status()),
                    selfReported(e.meanSeconds(), String.format(Locale.ROOT, "%.1f", e.meanSeconds()), e.status()));
        }
        return t;
    }

    /**
     * Where parameter count, wall-clock and steps/s come from: the harness's own runs measure them; a submitted run's
     * are what its record claims (nothing recomputes them), so they are labelled wherever they are shown.
     */
    static String computeSource(String status) {
        return Store.REPRODUCED.equals(status) ? "measured (reproduced)" : Boards.SELF_REPORTED;
    }

    /** A compute number as a cell, its page text marked "(self-reported)" unless every run behind it is reproduced. */
    static Table.Cell selfReported(Object value, String text, String status) {
        return Table.shown(value, Boards.selfReported(text, !Store.REPRODUCED.equals(status)));
    }

    static Table tasksTable(Boards.Board b) {
        Table t = new Table("tasks", "Per task (" + Boards.kindShort(b.kind()) + "; mean over seeds, 95% CI)",
                List.of("task", "method", "algorithm", "profile", "domain column", "config", "seeds", "mean", "95% low",
                        "95% high"));
        for (Boards.TaskCell c : b.perTask()) {
            t.row(c.task(), Table.link(c.label(), methodUrl(c.algorithm())), c.algorithm(), c.configs().profileText(),
                    c.configs().columnText(), c.configs().hashCell(), c.seeds(),
                    Table.shown(c.mean().point(), ci(c.mean())), c.mean().lower(), c.mean().upper());
        }
        return t;
    }

    /** Every candidate of every swept family, per group and role, the rule's choice marked. */
    static Table sweepTable(Boards.Board b) {
        Table t = new Table("sweep", "Sweep: every candidate (not method results)", List.of("method", "algorithm", "config",
                "method config", "family", "status", "group", "candidate", "chosen", "role", "score", "runs", "mean"));
        for (Boards.SweepRow r : b.sweep()) {
            t.row(Table.link(r.method(), methodUrl(r.algorithm())), r.algorithm(), r.configs().hashCell(),
                    shortHash(r.methodConfig()), r.family(),
                    r.status(), r.group(), r.candidate(), Table.shown(r.chosen(), r.chosen() ? "✓ chosen" : ""), r.role(),
                    r.scoreKind(), r.runs(), r.mean());
        }
        return t;
    }

    Table runsTable(List<Store.RunRow> rows, String id, String title) throws SQLException {
        Table t = new Table(id, title, List.of("run", "suite", "task", "algorithm", "seed", "role", "status", "submitted by",
                "config", "profile", "domain column", "method config", "parameters", "train steps", "wall-clock s", "steps/s",
                "compute source", "policy scores (final / last-3)"));
        Map<String, Suite> defs = new LinkedHashMap<>();
        // policy scores: one query per suite, not one per run
        Map<String, Map<Long, List<Store.PolicyScore>>> bySuite = new LinkedHashMap<>();
        for (Store.RunRow r : rows) {
            if (!bySuite.containsKey(r.suite())) {
                Map<Long, List<Store.PolicyScore>> m = new LinkedHashMap<>();
                for (Store.PolicyScore s : store.scores(r.suite())) m.computeIfAbsent(s.run(), k -> new ArrayList<>()).add(s);
                bySuite.put(r.suite(), m);
            }
            StringBuilder sc = new StringBuilder();
            for (Store.PolicyScore s : bySuite.get(r.suite()).getOrDefault(r.id(), List.of())) {
                if (sc.length() > 0) sc.append("; ");
                sc.append(s.policy()).append(' ').append(fmt(s.finalSuccess())).append(" / ").append(fmt(s.last3Success()));
            }
            if (!defs.containsKey(r.suite())) defs.put(r.suite(), store.suite(r.suite()).map(Store.SuiteInfo::definition).orElse(null));
            Suite def = defs.get(r.suite());
            String role = Store.isUnregistered(r.suite()) ? Store.UNREGISTERED + " (no suite definition)"
                    : def == null ? Suite.ROLE_REPORT : def.roleOf(r.seed());
            t.row(Table.link(r.id(), "/runs/" + r.id()), suiteLink(r.suite()), r.task(),
                    Table.link(r.algorithm(), methodUrl(r.algorithm())), r.seed(), role, r.status(), r.submittedBy(),
                    shortHash(r.configHash()), r.profile(), ConfigSummary.column(r.domainColumn()), shortHash(r.methodConfig()),
                    selfReported(r.parameterCount(), Long.toString(r.parameterCount()), r.status()),
                    r.trainSteps(), selfReported(r.totalSeconds(), fmt(r.totalSeconds()), r.status()),
                    selfReported(r.stepsPerSecond(), fmt(r.stepsPerSecond()), r.status()), computeSource(r.status()),
                    sc.toString());
        }
        return t;
    }

    // ------------------------------------------------------------------------------------------------ pages

    private void home(Context ctx) throws SQLException {
        Page p = new Page("Suites");
        p.h(1, "flowbench leaderboard");
        p.p("Offline RL with flow policies, evaluated under versioned suites (OGBench conventions). Results are"
                + " comparable only within one suite version.");
        Store.SuiteInfo ranking = rankingSuite();
        if (ranking != null) rankingSection(p, ranking);
        p.h(2, "Suites");
        p.table(suitesTable(), "/download/suites");
        Table unregistered = unregisteredTable();
        if (unregistered.size() > 0) {
            p.h(2, "Unregistered results (not ranked)", "unregistered");
            p.note("Runs that name a suite no definition on this leaderboard registers (ad-hoc runs, or a results folder"
                    + " without its summary.json). " + UNREGISTERED_WHY_SENTENCE);
            p.table(unregistered, "/download/unregistered");
        }
        p.raw("<p>").link("/methods", "All methods").raw(" · ").link("/submit", "Submit results").raw(" · ")
                .link("/api", "JSON API").raw("</p>");
        html(ctx, p.render());
    }

    /**
     * The version of {@link #RANKING_SUITE} a reader should see first: the highest with results (a newer version
     * registered before anyone ran it would lead with an empty table); null when no version has any.
     */
    private Store.SuiteInfo rankingSuite() throws SQLException {
        Store.SuiteInfo best = null;
        for (Store.SuiteInfo s : store.suites()) {
            if (s.name().equals(RANKING_SUITE) && s.runs() > 0 && (best == null || s.version() > best.version())) best = s;
        }
        return best;
    }

    /** The front page's first section: the ranking suite's leaderboard as its own page shows it, and the way there. */
    private void rankingSection(Page p, Store.SuiteInfo s) throws SQLException {
        String url = suiteUrl(s.id());
        Boards.Board b = boards.board(s, DEFAULT_KIND);
        p.h(2, s.name() + " v" + s.version() + ": the ranking suite", "ranking");
        String superseded = supersededMarker(store.superseded(s.id()));
        if (!superseded.isEmpty()) p.raw("<p class=\"error\">").text(superseded + ": see its page before comparing").raw("</p>");
        p.note("Tasks: " + String.join(", ", s.definition().tasks()) + ". Score per run: " + Boards.kindText(b.kind())
                + "; IQM with its 95% stratified-bootstrap interval. Per-task results, sweeps, plots and runs are on the"
                + " suite's page.");
        if (b.ranked().isEmpty() && !b.incomplete().isEmpty()) {
            // a campaign in progress: the ranking needs every method on every task; say how far it is instead of
            // listing every method as unranked
            java.util.Set<String> withRuns = new java.util.TreeSet<>();
            b.incomplete().forEach(e -> withRuns.addAll(e.tasks()));
            p.note("In progress: " + s.runs() + " runs on " + withRuns.size() + " of " + s.definition().tasks().size()
                    + " tasks (" + String.join(", ", withRuns) + "). The ranking appears here when every method has runs"
                    + " on every task; per-task results so far are on the suite's page.");
        } else {
            leaderboardBlock(p, b, url, "?kind=" + kindParam(b.kind()));
        }
        p.raw("<p>").link(url, "Full leaderboard of " + s.id()).raw("</p>");
    }

    private void suiteLatest(Context ctx) throws SQLException {
        String name = ctx.pathParam("name");
        Store.SuiteInfo latest = null;
        for (Store.SuiteInfo s : store.suites()) {
            if (s.name().equals(name) && (latest == null || s.version() > latest.version())) latest = s;
        }
        if (latest == null) throw new NotFound("no suite named " + name);
        ctx.redirect(suiteUrl(latest.id()));
    }

    private void suitePage(Context ctx) throws SQLException {
        Store.SuiteInfo s = suite(ctx);
        ScoreKind kind = kind(ctx);
        Boards.Board b = boards.board(s, kind);
        Suite def = s.definition();
        String base = suiteUrl(s.id());
        String q = "?kind=" + kindParam(kind);
        Page p = new Page("Suite " + s.id());
        p.h(1, "Suite " + s.id());
        List<Store.SupersededNote> notes = store.superseded(s.id());
        // first, above every number; a suite marked by two reports gets two notices
        for (int i = 0; i < notes.size(); i++) {
            supersededNotice(p, notes.get(i).notice(), i == 0 ? "superseded" : "superseded-" + (i + 1));
        }
        p.p(def.description());
        Suite.ProtocolEntry pr = def.protocol();
        p.raw("<dl class=\"facts\">");
        fact(p, "tasks", String.join(", ", def.tasks()));
        fact(p, "seeds per run set", def.seeds().toString());
        fact(p, "selection rule", def.selection() == null ? "none declared: swept policy families (e.g. qgf(w=...)) are"
                + " shown only in the sweep section, never as ranked methods" : def.selection().describe());
        fact(p, "protocol", String.format(Locale.ROOT, "%d train steps, evaluation every %d%s, %d episodes per evaluation"
                        + " task, eval seed %d", pr.trainSteps(), pr.evalEvery(), pr.evalAtStart() ? " and at step 0" : "",
                pr.episodesPerTask(), pr.evalSeed()));
        for (Suite.DatasetEntry d : def.datasets()) {
            fact(p, "dataset " + d.name(), d.episodes() + " episodes × " + d.steps() + " steps, seed " + d.seed()
                    + "; SHA-256 train " + (d.sha256() == null ? "(not pinned)" : d.sha256()) + ", validation "
                    + (d.valSha256() == null ? "(not pinned)" : d.valSha256()));
        }
        p.raw("</dl>");
        p.raw("<p class=\"kind\">Score: ");
        p.raw(kind == ScoreKind.FINAL ? "<a class=\"current\" href=\"" + Html.esc(base + "?kind=final") + "\">"
                : "<a href=\"" + Html.esc(base + "?kind=final") + "\">")
                .text("final evaluation (default, as in flowbench report)").raw("</a> · ");
        p.raw(kind == ScoreKind.LAST3 ? "<a class=\"current\" href=\"" + Html.esc(base + "?kind=last3") + "\">"
                : "<a href=\"" + Html.esc(base + "?kind=last3") + "\">")
                .text("mean of the last 3 evaluations (OGBench papers' convention; not the report's default)").raw("</a></p>");

        p.h(2, "Leaderboard", "leaderboard");
        p.note(String.format(Locale.ROOT, "Score per run: %s (success rates in [0, 1]); entries"
                        + " are (algorithm, policy, method config: the runs' profile and overrides, the same on every task"
                        + " whatever per-domain values each task's resolved config took, so an entry may list several config"
                        + " hashes), except that a swept policy family is one entry whose"
                        + " candidate the suite's selection rule chooses (or no entry without a rule; see Sweep), and"
                        + " runs with a selection seed count for no entry. IQM, mean, median and optimality gap with %d%% percentile"
                        + " stratified-bootstrap intervals (%,d reps, seed %d; runs resampled within each task). Rank"
                        + " intervals: paired task bootstrap (%,d reps, same seed), ranking by mean task score; overlapping"
                        + " intervals mean the order is not settled. Computed in %.2f s for revision %d.",
                Boards.kindText(kind), Math.round(b.confidence() * 100), b.headlineReps(), b.seed(), b.rankReps(),
                b.computeSeconds(), b.revision()));
        leaderboardBlock(p, b, base, q);

        p.h(2, "Per task", "tasks");
        p.note(String.format(Locale.ROOT, "Mean over seeds of the per-run score with a %d%% bootstrap interval (%,d reps,"
                + " seed %d).", Math.round(b.confidence() * 100), b.taskReps(), b.seed()));
        downloadLinks(p, base + "/download/tasks", q);
        p.table(tasksTable(b), null);

        if (!b.sweep().isEmpty() || !b.unresolved().isEmpty()) {
            p.h(2, "Sweep", "sweep");
            p.note(b.rule() == null
                    ? "This suite declares no selection rule, so no candidate of a swept family is a method result: every"
                    + " candidate is listed here (" + Sweeps.NO_RULE + "), none is ranked. Mean = plain mean of the"
                    + " per-run score over the runs of the row."
                    : "Every candidate of every swept family, per group and role. The leaderboard's entry for a family"
                    + " reports the candidate chosen on the selection runs (marked), scored on the report seeds only;"
                    + " choices are recomputed from the stored runs, whoever submitted them. Selection rows are scored"
                    + " with the rule's score kind (their mean is what the rule compares), the others with the page's.");
            for (String u : b.unresolved()) p.raw("<p class=\"error\">").text(u).raw("</p>");
            downloadLinks(p, base + "/download/sweep", q);
            p.table(sweepTable(b), null);
        }

        p.h(2, "Plots", "plots");
        p.note(String.format(Locale.ROOT, "Performance profiles with %,d-rep bootstrap bands; the guidance-weight plot"
                + " appears when a swept family's policies are named like qgf(w=0.01) and shows every candidate on the"
                + " report seeds, the rule's choice as points; model size is each entry's IQM with its 95%%"
                + " interval against the records' parameterCount, one line per method listed at several sizes;"
                + " compute is each run's total wall-clock (training and evaluation).", b.profileReps()));
        p.plots("suite-plots", b.plots());

        p.h(2, "Runs", "runs");
        downloadLinks(p, base + "/download/runs", "");
        p.table(runsTable(store.runsOfSuite(s.id()), "runs", "Runs"), null);
        html(ctx, p.render());
    }

    /** The ranked entries with their download links, and the entries missing some task named below them. */
    private static void leaderboardBlock(Page p, Boards.Board b, String base, String q) {
        p.raw("<div class=\"table-wrap\"><div class=\"downloads\">Download (all columns): ")
                .link(base + "/download/leaderboard/csv" + q, "CSV").raw(" · ")
                .link(base + "/download/leaderboard/json" + q, "JSON").raw("</div>");
        Table view = leaderboardView(b);
        if (view.size() == 0) p.raw("<p class=\"empty\">(no method has runs on every task yet)</p>");
        else {
            StringBuilder sb = new StringBuilder();
            view.html(sb);
            p.raw(sb.toString());
        }
        p.raw("</div>");
        if (!b.incomplete().isEmpty()) {
            StringBuilder names = new StringBuilder();
            for (Boards.Entry e : b.incomplete()) {
                if (names.length() > 0) names.append(", ");
                names.append(e.label()).append(" (tasks: ").append(String.join(", ", e.tasks())).append(')');
            }
            p.note("Not ranked (no runs on some task of the suite): " + names);
        }
    }

    /**
     * The notice at the top of a superseded suite's page: since when and why, and which configs the change alters, so
     * a reader sees before any number that these runs are not comparable with ones made under the current configs.
     */
    private static void supersededNotice(Page p, Superseded.Notice n, String id) {
        p.raw("<div class=\"superseded\" role=\"note\"><p class=\"superseded-title\"><strong>")
                .text(n.since() == null ? "Superseded:" : "Superseded since " + n.since() + ":").raw("</strong> ")
                .text(n.reason()).raw("</p>");
        if (n.checkedWith() != null) p.note("Checked with: " + n.checkedWith());
        if (!n.changedConfigs().isEmpty()) p.table(changedConfigsTable(n, id), null);
        p.raw("</div>");
    }

    /** One row per changed key of each changed config ("runs": the report's runs with that config, when known). */
    static Table changedConfigsTable(Superseded.Notice n, String id) {
        Table t = new Table(id, "Changed configurations", List.of("algorithm", "task", "profile", "key", "was", "now",
                "runs"));
        for (Superseded.ChangedConfig c : n.changedConfigs()) {
            for (Map.Entry<String, Superseded.Change> e : c.changes().entrySet()) {
                t.row(c.algorithm(), c.task(), c.profile(), e.getKey(), Superseded.show(e.getValue().was()),
                        Superseded.show(e.getValue().now()), c.runs());
            }
        }
        return t;
    }

    private static void downloadLinks(Page p, String base, String q) {
        p.raw("<div class=\"downloads\">Download: ").link(base + "/csv" + q, "CSV").raw(" · ")
                .link(base + "/json" + q, "JSON").raw("</div>");
    }

    private static void fact(Page p, String k, String v) {
        p.raw("<dt>").text(k).raw("</dt><dd>").text(v).raw("</dd>");
    }

    private void suiteDownload(Context ctx) throws SQLException {
        Store.SuiteInfo s = suite(ctx);
        String table = ctx.pathParam("table");
        String base = s.id().replace('/', '-');
        Table t = switch (table) {
            case "leaderboard" -> leaderboardTable(boards.board(s, kind(ctx)));
            case "tasks" -> tasksTable(boards.board(s, kind(ctx)));
            case "sweep" -> sweepTable(boards.board(s, kind(ctx)));
            case "runs" -> runsTable(store.runsOfSuite(s.id()), "runs", "Runs");
            default -> throw new NotFound("suite " + s.id() + " has no table '" + table + "' (leaderboard, tasks, sweep, runs)");
        };
        download(ctx, base, t, ctx.pathParam("format"));
    }

    // ------------------------------------------------------------------------------------------------ unregistered

    /** Why unregistered runs are never ranked, in a clause. */
    static final String UNREGISTERED_WHY = "no frozen protocol: no suite definition fixes their tasks, seeds, training"
            + " budget, evaluation schedule or datasets";
    static final String UNREGISTERED_WHY_SENTENCE = "They are not ranked: there is " + UNREGISTERED_WHY + ", so they are"
            + " shown per task only, never ranked and never mixed with a registered suite's results.";

    Table unregisteredTable() throws SQLException {
        Table t = new Table("unregistered", "Unregistered results (not ranked)", List.of("suite named by the runs",
                "status", "tasks", "methods", "runs"));
        for (Store.UnregisteredInfo u : store.unregistered()) {
            t.row(Table.link(u.suite(), unregisteredUrl(u.suite())), u.registeredSince()
                            ? "unregistered (a definition of " + u.suite() + " was registered since)" : "unregistered, not ranked",
                    String.join(", ", u.tasks()), u.methods(), u.runs());
        }
        return t;
    }

    private Store.UnregisteredInfo unregistered(Context ctx) throws SQLException {
        String id = ctx.pathParam("name") + "/" + ctx.pathParam("version");
        return store.unregistered(id).orElseThrow(() -> new NotFound("no unregistered runs of suite " + id));
    }

    /**
     * Unregistered runs per task: one row per (task, algorithm, policy, method config) and protocol, alphabetical (never
     * by score): both scores as plain means over the runs, with the protocol the runs were made under, since nothing
     * holds them to one.
     */
    Table unregisteredTasksTable(Store.UnregisteredInfo u) throws SQLException {
        String key = Store.unregisteredKey(u.suite());
        Table t = new Table("tasks", "Per task (not ranked; mean over the runs)", List.of("task", "algorithm", "policy",
                "profile", "domain column", "config", "method config", "train steps", "episodes per task", "eval seed",
                "seeds", "runs", "final success (mean)", "last-3 success (mean)", "status"));
        Map<Long, Store.RunRow> rows = new LinkedHashMap<>();
        for (Store.RunRow r : store.runsOfSuite(key)) rows.put(r.id(), r);
        Map<Long, RunRecord.ProtocolFields> protocols = new LinkedHashMap<>();
        Map<String, List<Store.PolicyScore>> groups = new TreeMap<>();
        for (Store.PolicyScore ps : store.scores(key)) {
            RunRecord.ProtocolFields pf = protocols.get(ps.run());
            if (pf == null) {
                pf = store.run(ps.run()).map(sr -> record(sr).protocol()).orElseThrow();
                protocols.put(ps.run(), pf);
            }
            String g = String.join("\n", ps.task(), ps.algorithm(), ps.policy(), ps.methodConfig(),
                    Long.toString(pf.trainSteps()), Integer.toString(pf.episodesPerTask()), Long.toString(pf.evalSeed()));
            groups.computeIfAbsent(g, k -> new ArrayList<>()).add(ps);
        }
        for (Map.Entry<String, List<Store.PolicyScore>> e : groups.entrySet()) {
            String[] k = e.getKey().split("\n", -1);
            List<Store.PolicyScore> l = e.getValue();
            Set<Long> seeds = new java.util.TreeSet<>();
            Set<String> st = new LinkedHashSet<>();
            for (Store.PolicyScore x : l) {
                seeds.add(x.seed());
                st.add(x.status());
            }
            ConfigSummary cs = ConfigSummary.of(l);
            t.row(k[0], Table.link(k[1], methodUrl(k[1])), k[2], cs.profileText(), cs.columnText(), cs.hashCell(),
                    shortHash(k[3]), Long.parseLong(k[4]), Integer.parseInt(k[5]), Long.parseLong(k[6]),
                    seeds.toString(), l.size(),
                    l.stream().mapToDouble(Store.PolicyScore::finalSuccess).average().orElse(Double.NaN),
                    l.stream().mapToDouble(Store.PolicyScore::last3Success).average().orElse(Double.NaN),
                    String.join(", ", st));
        }
        return t;
    }

    private void unregisteredPage(Context ctx) throws SQLException {
        Store.UnregisteredInfo u = unregistered(ctx);
        String base = unregisteredUrl(u.suite());
        Page p = new Page("Unregistered results " + u.suite());
        p.h(1, "Unregistered results: " + u.suite());
        p.raw("<div class=\"superseded unregistered\" role=\"note\"><p class=\"superseded-title\"><strong>")
                .text("Not ranked:").raw("</strong> ").text("these runs name suite " + u.suite() + ", which no suite"
                        + " definition on this leaderboard registers (no shipped suite, --suite FILE or summary.json), so"
                        + " there is " + UNREGISTERED_WHY + ". They are shown per task only: no leaderboard, no rank, no"
                        + " aggregate over tasks, and they never enter a registered suite's board. Register the suite (a"
                        + " suite definition, or run it with flowbench suite run) and import the folder again to rank"
                        + " them.").raw("</p>");
        if (u.registeredSince()) {
            p.raw("<p>").text("A definition of " + u.suite() + " has been registered since these runs were stored: ")
                    .link(suiteUrl(u.suite()), "its suite page").text(" ranks what is imported under it; these runs stay"
                            + " here until their folder is imported again.").raw("</p>");
        }
        p.raw("</div>");
        p.raw("<dl class=\"facts\">");
        fact(p, "tasks", String.join(", ", u.tasks()));
        fact(p, "methods", Integer.toString(u.methods()));
        fact(p, "runs", Integer.toString(u.runs()));
        p.raw("</dl>");
        p.h(2, "Per task", "tasks");
        p.note("Mean over the runs of each row of the final evaluation's overall success (the default of flowbench"
                + " report) and of the mean of the last 3 evaluations; rows in alphabetical order, not by score. Runs made"
                + " under different training budgets, episode counts or eval seeds are separate rows: nothing makes them"
                + " comparable.");
        downloadLinks(p, base + "/download/tasks", "");
        Table tasks = unregisteredTasksTable(u);
        for (String task : u.tasks()) {
            Table one = new Table("tasks-" + task, task, tasks.columns());
            for (List<Table.Cell> row : tasks.rows()) {
                if (row.get(0).value().equals(task)) one.row(row.toArray());
            }
            p.h(3, task);
            p.table(one, null);
        }
        p.h(2, "Runs", "runs");
        downloadLinks(p, base + "/download/runs", "");
        p.table(runsTable(store.runsOfSuite(Store.unregisteredKey(u.suite())), "runs", "Runs"), null);
        html(ctx, p.render());
    }

    private void unregisteredDownload(Context ctx) throws SQLException {
        Store.UnregisteredInfo u = unregistered(ctx);
        String table = ctx.pathParam("table");
        Table t = switch (table) {
            case "tasks" -> unregisteredTasksTable(u);
            case "runs" -> runsTable(store.runsOfSuite(Store.unregisteredKey(u.suite())), "runs", "Runs");
            default -> throw new NotFound("unregistered results have no table '" + table + "' (tasks, runs)");
        };
        download(ctx, "unregistered-" + u.suite().replace('/', '-'), t, ctx.pathParam("format"));
    }

    private void apiUnregistered(Context ctx) throws SQLException {
        Store.UnregisteredInfo u = unregistered(ctx);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("suite", u.suite());
        o.put("unregistered", true);
        o.put("ranked", false);
        o.put("whyNotRanked", UNREGISTERED_WHY);
        o.put("registeredSince", u.registeredSince());
        o.put("runs", u.runs());
        o.put("methods", u.methods());
        o.set("tasks", unregisteredTasksTable(u).json().get("rows"));
        o.set("runRows", runsTable(store.runsOfSuite(Store.unregisteredKey(u.suite())), "runs", "Runs").json().get("rows"));
        json(ctx, o);
    }

    private void methodsPage(Context ctx) throws SQLException {
        Page p = new Page("Methods");
        p.h(1, "Methods");
        p.table(methodsTable(), "/methods/download/methods");
        html(ctx, p.render());
    }

    private Store.MethodInfo method(Context ctx) throws SQLException {
        String name = ctx.pathParam("name");
        return store.method(name).orElseThrow(() -> new NotFound("no method " + name));
    }

    Table methodScoresTable(Store.MethodInfo m) throws SQLException {
        Table t = new Table("scores", "Scores by suite and task (mean over seeds)", List.of("suite", "task", "policy",
                "config", "seeds", "final success", "last-3 success", "status"));
        Map<String, List<Store.PolicyScore>> groups = new TreeMap<>();
        Set<String> suites = new LinkedHashSet<>();
        for (Store.RunRow r : store.runsOfMethod(m.name())) suites.add(r.suite());
        for (String s : suites) {
            for (Store.PolicyScore ps : store.scores(s)) {
                if (!ps.algorithm().equals(m.name())) continue;
                groups.computeIfAbsent(s + "\n" + ps.task() + "\n" + ps.policy() + "\n" + ps.configHash(), k -> new ArrayList<>()).add(ps);
            }
        }
        for (Map.Entry<String, List<Store.PolicyScore>> g : groups.entrySet()) {
            String[] k = g.getKey().split("\n", -1);
            List<Store.PolicyScore> l = g.getValue();
            double fin = l.stream().mapToDouble(Store.PolicyScore::finalSuccess).average().orElse(Double.NaN);
            double l3 = l.stream().mapToDouble(Store.PolicyScore::last3Success).average().orElse(Double.NaN);
            Set<String> st = new LinkedHashSet<>();
            l.forEach(x -> st.add(x.status()));
            t.row(suiteLink(k[0]), k[1], k[2], shortHash(k[3]), l.size(), fin, l3, String.join(", ", st));
        }
        return t;
    }

    Table methodComputeTable(Store.MethodInfo m) throws SQLException {
        Table t = new Table("compute", "Compute cost (mean per run)", List.of("suite", "config", "compute source", "runs",
                "parameters (max)", "train steps", "wall-clock s", "train s", "eval s", "steps/s"));
        Map<String, List<Store.RunRow>> groups = new TreeMap<>();
        for (Store.RunRow r : store.runsOfMethod(m.name())) {
            // measured and self-reported numbers are never averaged together
            groups.computeIfAbsent(r.suite() + "\n" + r.configHash() + "\n" + computeSource(r.status()), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, List<Store.RunRow>> g : groups.entrySet()) {
            String[] k = g.getKey().split("\n", -1);
            List<Store.RunRow> l = g.getValue();
            t.row(suiteLink(k[0]), shortHash(k[1]), k[2], l.size(),
                    l.stream().mapToLong(Store.RunRow::parameterCount).max().orElse(0),
                    l.stream().mapToLong(Store.RunRow::trainSteps).max().orElse(0),
                    l.stream().mapToDouble(Store.RunRow::totalSeconds).average().orElse(Double.NaN),
                    l.stream().mapToDouble(Store.RunRow::trainSeconds).average().orElse(Double.NaN),
                    l.stream().mapToDouble(Store.RunRow::evalSeconds).average().orElse(Double.NaN),
                    l.stream().mapToDouble(Store.RunRow::stepsPerSecond).average().orElse(Double.NaN));
        }
        return t;
    }

    private void methodPage(Context ctx) throws SQLException {
        Store.MethodInfo m = method(ctx);
        String base = methodUrl(m.name());
        Page p = new Page("Method " + m.name());
        p.h(1, "Method " + m.name());
        p.raw("<dl class=\"facts\">");
        fact(p, "family", m.family());
        fact(p, "paper", m.paper());
        p.raw("<dt>code</dt><dd>");
        if (m.codeUrl() != null && (m.codeUrl().startsWith("https://") || m.codeUrl().startsWith("http://"))) {
            p.raw("<a rel=\"nofollow noopener noreferrer\" href=\"").text(m.codeUrl()).raw("\">").text(m.codeUrl()).raw("</a>");
        } else {
            p.text("(none given)");
        }
        p.raw("</dd>");
        fact(p, "source", m.source() + " (first stored " + m.createdAt() + ")");
        fact(p, "owner", Store.describeOwner(m.owner()) + ": only the owner adds runs to this method");
        p.raw("</dl>");
        p.h(2, "Description");
        p.p(m.description().isEmpty() ? "(no description: imported from harness results)" : m.description());
        p.h(2, "Scores");
        p.table(methodScoresTable(m), base + "/download/scores");
        p.h(2, "Compute cost");
        p.table(methodComputeTable(m), base + "/download/compute");
        p.h(2, "Configurations");
        Map<String, String> configs = new TreeMap<>();
        for (Store.RunRow r : store.runsOfMethod(m.name())) {
            if (!configs.containsKey(r.configHash())) {
                store.run(r.id()).ifPresent(sr -> configs.put(r.configHash(), prettyJson(sr.config())));
            }
        }
        for (Map.Entry<String, String> c : configs.entrySet()) {
            p.h(3, "config " + c.getKey());
            p.pre(c.getValue());
        }
        p.h(2, "Runs");
        p.table(runsTable(store.runsOfMethod(m.name()), "runs", "Runs"), base + "/download/runs");
        html(ctx, p.render());
    }

    private void methodDownload(Context ctx) throws SQLException {
        Store.MethodInfo m = method(ctx);
        String table = ctx.pathParam("table");
        Table t = switch (table) {
            case "scores" -> methodScoresTable(m);
            case "compute" -> methodComputeTable(m);
            case "runs" -> runsTable(store.runsOfMethod(m.name()), "runs", "Runs");
            default -> throw new NotFound("method pages have no table '" + table + "' (scores, compute, runs)");
        };
        download(ctx, "method-" + m.name(), t, ctx.pathParam("format"));
    }

    private static String prettyJson(String json) {
        try {
            return Json.pretty(Json.mapper().readTree(json));
        } catch (IOException e) {
            return json;
        }
    }

    private static RunRecord record(Store.StoredRun r) {
        try {
            return Json.mapper().readValue(r.runJson(), RunRecord.class);
        } catch (IOException e) {
            throw new IllegalStateException("stored run " + r.row().id() + " is not a readable run record: " + e.getMessage(), e);
        }
    }

    Table evaluationsTable(RunRecord rec) {
        Table t = new Table("evaluations", "Evaluations", List.of("step", "policy", "chunk length", "overall success",
                "mean return"));
        for (Evaluation ev : rec.evaluations()) {
            for (PolicyEvaluation pe : ev.policies()) {
                t.row(ev.step(), pe.policy(), pe.chunkLength(), pe.overallSuccess(), pe.meanReturn());
            }
        }
        return t;
    }

    Table episodesTable(RunRecord rec) {
        Table t = new Table("episodes", "Per-episode outcomes, final evaluation", List.of("step", "policy", "task id",
                "episodes", "successes", "success", "mean return", "mean length", "terminated", "truncated",
                "non-finite actions"));
        if (rec.evaluations().isEmpty()) return t;
        Evaluation last = rec.evaluations().get(rec.evaluations().size() - 1);
        for (PolicyEvaluation pe : last.policies()) {
            for (TaskEvaluation te : pe.tasks()) {
                int succ = 0, term = 0, trunc = 0;
                for (EpisodeOutcome o : te.episodes()) {
                    if (o.success()) succ++;
                    if (o.terminated()) term++;
                    if (o.truncated()) trunc++;
                }
                t.row(last.step(), pe.policy(), te.taskId(), te.episodes().size(), succ, te.success(), te.meanReturn(),
                        te.meanLength(), term, trunc, te.nonFiniteActions());
            }
        }
        return t;
    }

    static Table datasetsTable(RunRecord rec) {
        Table t = new Table("datasets", "Datasets", List.of("role", "file", "SHA-256", "transitions", "mode"));
        for (RunRecord.DatasetFile d : rec.datasets()) t.row(d.role(), d.file(), d.sha256(), d.transitions(), d.mode());
        return t;
    }

    static Table provenanceTable(Store.StoredRun sr, RunRecord rec) {
        Store.RunRow r = sr.row();
        Table t = new Table("provenance", "Provenance", List.of("field", "value"));
        t.row("leaderboard run id", r.id());
        t.row("harness run id", rec.identity().runId());
        t.row("status", r.status());
        t.row("submitted by", r.submittedBy());
        t.row("stored at", r.createdAt());
        t.row("reproduced at", r.reproducedAt());
        t.row("reproduction", r.reproductionInWords());
        t.row("suite", rec.protocol().suite());
        t.row("task", rec.identity().task());
        t.row("dataset", rec.identity().datasetName());
        t.row("algorithm", rec.identity().algorithm());
        t.row("algorithm paper", rec.identity().algorithmPaper());
        t.row("algorithm family", rec.identity().algorithmFamily());
        externalRows(t, rec.external());
        t.row("run seed", rec.identity().seed());
        t.row("eval seed", rec.protocol().evalSeed());
        t.row("episode seeds", rec.protocol().episodeSeeds());
        t.row("policy noise", rec.protocol().policyNoise());
        t.row("training noise", rec.protocol().trainNoise());
        t.row("profile", rec.profile());
        t.row("config hash", rec.configHash());
        t.row("method config", Store.methodConfig(rec));
        t.row("domain column", ConfigSummary.column(rec.domain() == null ? null : rec.domain().column()));
        t.row("config overrides", rec.spec().overrides().toString());
        t.row("parameter count" + (Store.REPRODUCED.equals(r.status()) ? "" : " (" + Boards.SELF_REPORTED + ")"),
                rec.parameterCount());
        t.row("harness version", rec.software() == null ? null : rec.software().harnessVersion());
        t.row("git revision", rec.software() == null ? null : rec.software().gitRevision());
        t.row("git dirty", rec.software() == null || rec.software().gitDirty() == null ? "unknown" : rec.software().gitDirty().toString());
        t.row("started", rec.startedAt());
        t.row("finished", rec.finishedAt());
        t.row("resumes", rec.resumes());
        RunRecord.Timing tm = rec.timing();
        // a submitted record's timing is the submitter's claim (nothing recomputes it): said so on every row
        String self = Store.REPRODUCED.equals(r.status()) ? "" : " (" + Boards.SELF_REPORTED + ")";
        t.row("wall-clock total s" + self, tm.totalSeconds());
        t.row("train s" + self, tm.trainSeconds());
        t.row("evaluation s" + self, tm.evalSeconds());
        t.row("checkpoint s" + self, tm.checkpointSeconds());
        t.row("train steps/s" + self, tm.stepsPerSecond());
        if (rec.machine() != null) {
            t.row("machine cores", rec.machine().cores());
            t.row("machine CPU", rec.machine().cpuModel());
            t.row("machine memory bytes", rec.machine().memoryBytes());
            t.row("JVM max heap bytes", rec.machine().maxHeapBytes());
            t.row("OS", rec.machine().os() + " " + rec.machine().osVersion() + " (" + rec.machine().arch() + ")");
            t.row("Java", rec.machine().javaVersion() + ", " + rec.machine().javaVendor() + ", " + rec.machine().javaVm());
        }
        return t;
    }

    /**
     * A method that ran as an external learner (docs/external.md): the command the harness started, the method's own
     * description and the environment fingerprint its client reported. Text only: a code URL is shown, not linked,
     * here (the method page links an http(s) one).
     */
    static void externalRows(Table t, RunRecord.External ex) {
        if (ex == null) return;
        JsonNode ag = ex.agent() == null ? Json.mapper().createObjectNode() : ex.agent();
        JsonNode cl = ex.client() == null ? Json.mapper().createObjectNode() : ex.client();
        JsonNode env = ex.environment() == null ? Json.mapper().createObjectNode() : ex.environment();
        t.row("external learner command", ex.command());
        t.row("external protocol version", ex.protocol());
        t.row("method version", ag.path("version").asText(""));
        String url = ag.path("code_url").asText("");
        t.row("method code", url.isEmpty() ? "(none given)" : url);
        t.row("method declares deterministic", ag.path("deterministic").isBoolean() ? ag.path("deterministic").asText()
                : "not declared");
        if (ag.path("tolerance").isNumber()) t.row("method's reproduction tolerance", ag.path("tolerance").asDouble());
        t.row("client", (cl.path("name").asText("") + " " + cl.path("version").asText("")).strip());
        t.row("interpreter", env.path("language").asText(""));
        t.row("platform", env.path("platform").asText(""));
        t.row("installed packages", env.path("packages").isNumber()
                ? env.path("packages").asInt() + " (list SHA-256 " + env.path("packages_sha256").asText("") + ")"
                : env.path("packages_sha256").asText(""));
        JsonNode git = env.path("git");
        t.row("method git revision", git.isObject() ? git.path("revision").asText("") + (git.path("dirty").asBoolean(false)
                ? " (uncommitted changes)" : "") : "(not a git checkout)");
        if (git.isObject() && !git.path("remote").asText("").isEmpty()) t.row("method git remote", git.path("remote").asText());
        t.row("accelerator", env.path("accelerator").asText(""));
    }

    static Table protocolTable(RunRecord rec) {
        Table t = new Table("protocol", "Protocol", List.of("field", "value"));
        JsonNode pf = Json.tree(rec.protocol());
        for (Map.Entry<String, JsonNode> e : pf.properties()) {
            t.row(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : Json.canonical(e.getValue()));
        }
        return t;
    }

    /** The per-domain values the config took, each with its source (empty for a record without a domain block). */
    static Table domainTable(RunRecord rec) {
        Table t = new Table("domain", "Applied per-domain settings", List.of("key", "value", "source"));
        if (rec.domain() == null || rec.domain().applied() == null) return t;
        for (RunRecord.AppliedSetting a : rec.domain().applied()) t.row(a.key(), a.value(), a.source());
        return t;
    }

    private Table runTable(Store.StoredRun sr, RunRecord rec, String table) {
        return switch (table) {
            case "provenance" -> provenanceTable(sr, rec);
            case "domain" -> domainTable(rec);
            case "protocol" -> protocolTable(rec);
            case "datasets" -> datasetsTable(rec);
            case "evaluations" -> evaluationsTable(rec);
            case "episodes" -> episodesTable(rec);
            default -> throw new NotFound("run pages have no table '" + table
                    + "' (provenance, domain, protocol, datasets, evaluations, episodes)");
        };
    }

    private void runPage(Context ctx) throws SQLException {
        Store.StoredRun sr = storedRun(ctx);
        RunRecord rec = record(sr);
        Store.RunRow r = sr.row();
        String base = "/runs/" + r.id();
        Page p = new Page("Run " + r.id());
        p.h(1, "Run " + r.id() + ": " + r.algorithm() + " on " + r.task() + ", seed " + r.seed());
        if (Store.isUnregistered(r.suite())) {
            p.raw("<p class=\"warning unregistered\">").text("Unregistered: this run names suite "
                    + Store.recordSuite(r.suite()) + ", which no suite definition on this leaderboard registers; it is"
                    + " not ranked and not comparable with suite results (" + UNREGISTERED_WHY + ").").raw("</p>");
        }
        p.raw("<p>Suite ").link(suiteUrl(r.suite()), suiteText(r.suite())).raw(" · method ").link(methodUrl(r.algorithm()), r.algorithm())
                .raw(" · <span class=\"badge\">").text(r.status()).raw("</span> · ").link(base + "/run.json", "run.json")
                .raw("</p>");
        if (sr.submittedJson() != null) {
            p.h(2, "Reproduction of a submission");
            Table cmp = new Table("reproduction", "Submitted vs reproduced (final success)", List.of("policy", "submitted",
                    "reproduced", "difference"));
            try {
                RunRecord sub = Json.mapper().readValue(sr.submittedJson(), RunRecord.class);
                for (RunRecord.PolicySummary s : rec.summary()) {
                    Optional<RunRecord.PolicySummary> o = sub.summary().stream().filter(x -> x.policy().equals(s.policy())).findFirst();
                    cmp.row(s.policy(), o.map(RunRecord.PolicySummary::finalSuccess).orElse(null), s.finalSuccess(),
                            o.map(x -> s.finalSuccess() - x.finalSuccess()).orElse(null));
                }
            } catch (IOException e) {
                p.note("the submitted record could not be read back: " + e.getMessage());
            }
            p.table(cmp, null);
        }
        p.h(2, "Learning curve");
        ObjectNode plots = JsonNodeFactory.instance.objectNode();
        ArrayNode list = plots.putArray("plots");
        ObjectNode plot = list.addObject();
        plot.put("id", "run-curve");
        plot.put("title", "Overall success by evaluation step");
        plot.put("xLabel", "train step");
        plot.put("yLabel", "overall success");
        ArrayNode yr = plot.putArray("yRange");
        yr.add(0);
        yr.add(1);
        ArrayNode x = plot.putArray("x");
        Map<String, ArrayNode> ys = new LinkedHashMap<>();
        ArrayNode series = plot.putArray("series");
        for (Evaluation ev : rec.evaluations()) {
            x.add(ev.step());
            for (PolicyEvaluation pe : ev.policies()) {
                ys.computeIfAbsent(pe.policy(), k -> {
                    ObjectNode s = series.addObject();
                    s.put("label", k);
                    s.put("style", "linepoints");
                    return s.putArray("y");
                }).add(pe.overallSuccess());
            }
        }
        p.plots("run-plots", plots);
        p.h(2, "Provenance");
        p.table(provenanceTable(sr, rec), base + "/download/provenance");
        p.h(2, "Datasets");
        p.table(datasetsTable(rec), base + "/download/datasets");
        p.h(2, "Protocol");
        p.table(protocolTable(rec), base + "/download/protocol");
        domainBlock(p, rec, base);
        p.h(2, "Configuration");
        p.pre(Json.pretty(rec.config()));
        p.h(2, "Evaluations");
        p.table(evaluationsTable(rec), base + "/download/evaluations");
        p.h(2, "Episodes");
        p.table(episodesTable(rec), base + "/download/episodes");
        html(ctx, p.render());
    }

    /** Which domain column the config followed, why, and each value it took with its source (docs/domains.md). */
    private static void domainBlock(Page p, RunRecord rec, String base) {
        p.h(2, "Domain settings", "domain");
        RunRecord.DomainRecord d = rec.domain();
        if (d == null) {
            p.note("This record has no domain block: it was written before the harness resolved configs per domain"
                    + " column, so its config is the profile's, with no per-domain values.");
            return;
        }
        p.raw("<dl class=\"facts\">");
        fact(p, "column", d.column());
        fact(p, "why", d.why());
        p.raw("</dl>");
        if (d.rewardWarning() != null) p.raw("<p class=\"warning\">").text("Reward warning: " + d.rewardWarning()).raw("</p>");
        p.table(domainTable(rec), base + "/download/domain");
    }

    private void runJson(Context ctx) throws SQLException {
        Store.StoredRun sr = storedRun(ctx);
        ctx.header("Content-Disposition", "attachment; filename=\"run-" + sr.row().id() + ".json\"");
        ctx.contentType("application/json; charset=utf-8");
        ctx.result(prettyJson(sr.runJson()));
    }

    private void runDownload(Context ctx) throws SQLException {
        Store.StoredRun sr = storedRun(ctx);
        Table t = runTable(sr, record(sr), ctx.pathParam("table"));
        download(ctx, "run-" + sr.row().id(), t, ctx.pathParam("format"));
    }

    // ------------------------------------------------------------------------------------------------ API

    private void apiIndex(Context ctx) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", "flowbench leaderboard API");
        ObjectNode e = o.putObject("endpoints");
        e.put("GET /api/suites", "suites with counts");
        e.put("GET /api/suites/{name}/{version}", "suite definition and counts, and whether (and why) it is superseded");
        e.put("GET /api/suites/{name}/{version}/leaderboard?kind=final|last3", "aggregate table with intervals and rank"
                + " intervals (default final, as flowbench report)");
        e.put("GET /api/suites/{name}/{version}/tasks?kind=final|last3", "per-task means with intervals");
        e.put("GET /api/suites/{name}/{version}/sweep?kind=final|last3", "every candidate of every swept policy family, the"
                + " selection rule's choice marked");
        e.put("GET /api/suites/{name}/{version}/runs", "runs of the suite");
        e.put("GET /api/suites/{name}/{version}/plots?kind=final|last3", "the data behind the suite page's plots");
        e.put("GET /api/unregistered", "groups of runs whose suite no definition registers (never ranked)");
        e.put("GET /api/unregistered/{name}/{version}", "those runs per task and listed, with why they are not ranked");
        e.put("GET /api/methods", "methods");
        e.put("GET /api/methods/{name}", "a method with its scores and compute cost");
        e.put("GET /api/runs/{id}", "a run: stored metadata and the full run record");
        e.put("POST /api/submissions", "submit a bundle {method, runs[]} with Authorization: Bearer <token>");
        json(ctx, o);
    }

    private void apiSuite(Context ctx) throws SQLException {
        Store.SuiteInfo s = suite(ctx);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("suite", s.id());
        o.put("revision", s.revision());
        o.put("runs", s.runs());
        o.put("methods", s.methods());
        o.put("source", s.source());
        List<Store.SupersededNote> notes = store.superseded(s.id());
        o.put("superseded", !notes.isEmpty());
        // each note as its file gave it (the server-side path it was read from is not shown)
        ArrayNode arr = o.putArray("supersededNotes");
        for (Store.SupersededNote n : notes) {
            ObjectNode j = arr.addObject();
            j.put("since", n.notice().since());
            j.put("reason", n.notice().reason());
            j.put("checkedWith", n.notice().checkedWith());
            j.set("changedConfigs", Json.tree(n.notice().changedConfigs()));
            j.put("importedAt", n.importedAt());
        }
        o.set("definition", Json.tree(s.definition()));
        json(ctx, o);
    }

    private void apiSuiteTable(Context ctx, String table) throws SQLException {
        Store.SuiteInfo s = suite(ctx);
        ObjectNode o;
        if (table.equals("runs")) {
            o = runsTable(store.runsOfSuite(s.id()), "runs", "Runs").json();
        } else {
            Boards.Board b = boards.board(s, kind(ctx));
            o = (table.equals("leaderboard") ? leaderboardTable(b) : table.equals("sweep") ? sweepTable(b) : tasksTable(b)).json();
            ObjectNode st = o.putObject("statistics");
            st.put("scoreKind", kindParam(b.kind()));
            st.put("score", Boards.kindText(b.kind()));
            st.put("confidence", b.confidence());
            st.put("headlineReps", b.headlineReps());
            st.put("rankReps", b.rankReps());
            st.put("taskReps", b.taskReps());
            st.put("profileReps", b.profileReps());
            st.put("seed", b.seed());
            st.put("revision", b.revision());
            ArrayNode inc = o.putArray("notRanked");
            for (Boards.Entry e : b.incomplete()) inc.add(e.label());
            o.set("selectionRule", b.rule() == null ? JsonNodeFactory.instance.nullNode() : Json.tree(b.rule()));
            ArrayNode un = o.putArray("unresolved");
            b.unresolved().forEach(un::add);
        }
        o.put("suite", s.id());
        json(ctx, o);
    }

    private void apiPlots(Context ctx) throws SQLException {
        Store.SuiteInfo s = suite(ctx);
        json(ctx, boards.board(s, kind(ctx)).plots());
    }

    private void apiMethod(Context ctx) throws SQLException {
        Store.MethodInfo m = method(ctx);
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", m.name());
        o.put("paper", m.paper());
        o.put("family", m.family());
        o.put("description", m.description());
        o.put("codeUrl", m.codeUrl());
        o.put("source", m.source());
        o.put("owner", Store.describeOwner(m.owner()));
        o.set("scores", methodScoresTable(m).json().get("rows"));
        o.set("compute", methodComputeTable(m).json().get("rows"));
        o.set("runs", runsTable(store.runsOfMethod(m.name()), "runs", "Runs").json().get("rows"));
        json(ctx, o);
    }

    private void apiRun(Context ctx) throws SQLException, IOException {
        Store.StoredRun sr = storedRun(ctx);
        Store.RunRow r = sr.row();
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", r.id());
        o.put("status", r.status());
        o.put("suite", r.suite());
        o.put("task", r.task());
        o.put("algorithm", r.algorithm());
        o.put("seed", r.seed());
        o.put("configHash", r.configHash());
        o.put("methodConfig", r.methodConfig());
        o.put("submittedBy", r.submittedBy());
        o.put("createdAt", r.createdAt());
        o.put("reproducedAt", r.reproducedAt());
        // null: a harness run never submitted; "exact" / "within tolerance T"; or the note of a failed check
        o.put("reproduction", r.reproduction());
        o.set("record", Json.mapper().readTree(sr.runJson()));
        json(ctx, o);
    }

    // ------------------------------------------------------------------------------------------------ submissions

    private void submitForm(Context ctx) {
        Page p = submitPage("Submit results");
        html(ctx, p.render());
    }

    private Page submitPage(String title) {
        Page p = new Page(title);
        p.h(1, title);
        if (!tokens.enabled()) {
            p.raw("<p class=\"error\">").text("Submissions are disabled on this server: it was started without"
                    + " --token-file or FLOWBENCH_SUBMIT_TOKEN.").raw("</p>");
        }
        p.p("A bundle is one JSON file: {\"method\": {\"name\", \"paper\", \"description\", \"family\": \"training-time\""
                + " or \"test-time\", \"code_url\" (optional)}, \"runs\": [run.json, ...], \"submitter\" (optional)}."
                + " Each run is a complete run.json written by the flowbench harness for a suite on this leaderboard.");
        p.p(String.format(Locale.ROOT, "Checks: record schema %d; suite and protocol equal to the suite's; dataset SHA-256"
                + " equal to the suite's pinned or reproduced hashes; config hash, run id, episode seeds and every"
                + " aggregate recomputed from the per-episode outcomes; success rates in [0, 1]; at least %d seeds per"
                + " task; no run already stored. Limit: %d MiB. Accepted runs are marked \"submitted\" until the"
                + " maintainers reproduce them.", RunRecord.SCHEMA_VERSION, minSeeds, maxUploadBytes / (1024 * 1024)));
        p.raw("<form class=\"submit\" method=\"post\" action=\"/submit\" enctype=\"multipart/form-data\">")
                .raw("<label for=\"token\">Submission token</label>")
                .raw("<input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"off\" required>")
                .raw("<label for=\"bundle\">Bundle file (.json)</label>")
                .raw("<input type=\"file\" id=\"bundle\" name=\"bundle\" accept=\".json,application/json\">")
                .raw("<label for=\"bundle_text\">… or paste the bundle JSON</label>")
                .raw("<textarea id=\"bundle_text\" name=\"bundle_text\" spellcheck=\"false\"></textarea>")
                .raw("<button type=\"submit\" id=\"submit-button\">Submit</button></form>");
        return p;
    }

    /** The outcome of a submission attempt, rendered as HTML or JSON by the caller. */
    private record Outcome(int status, String message, List<RecordSchema.Problem> problems, int more,
                           Store.WriteReport written, Store.MethodInfo method) {}

    private Outcome submit(byte[] body, String submitterFromToken) throws SQLException {
        String owner = Store.tokenOwner(submitterFromToken);
        if (body == null || body.length == 0) {
            return new Outcome(400, "the bundle is empty", List.of(), 0, null, null);
        }
        JsonNode bundle;
        try (JsonParser parser = BUNDLE_MAPPER.createParser(body)) {
            bundle = BUNDLE_MAPPER.readTree(parser);
            if (parser.nextToken() != null) {
                return new Outcome(400, "the bundle is not valid JSON: trailing content after the top-level value",
                        List.of(), 0, null, null);
            }
        } catch (IOException e) {
            String where = "";
            if (e instanceof com.fasterxml.jackson.core.JsonProcessingException jp && jp.getLocation() != null) {
                where = " (line " + jp.getLocation().getLineNr() + ", column " + jp.getLocation().getColumnNr() + ")";
            }
            return new Outcome(400, "the bundle is not valid JSON" + where + ": " + BundleValidator.rootMessage(e),
                    List.of(), 0, null, null);
        }
        // someone else's method is refused before the (costly) validation; the store checks again in its transaction
        // (a name validation would refuse gets its 400 from there)
        JsonNode name = bundle.path("method").path("name");
        if (name.isTextual() && FieldLimits.METHOD_NAME.matcher(name.textValue()).matches()) {
            Optional<Store.MethodInfo> m = store.method(name.textValue());
            if (m.isPresent() && !owner.equals(m.get().owner())) return notOwner(m.get().name(), m.get().owner());
        }
        BundleValidator.Result v = new BundleValidator(store, minSeeds).validate(bundle);
        if (!v.ok()) {
            // only runs already stored: the bundle (or its runs) was sent before, a conflict rather than a bad request
            int status = v.onlyStoredDuplicates() ? 409 : 400;
            return new Outcome(status, "the bundle was rejected; nothing was stored" + (status == 409
                    ? ": every problem is a run already on the leaderboard (was this bundle submitted before?)" : ""),
                    v.problems(), v.moreProblems(), null, v.method());
        }
        String by = v.submitter() != null ? v.submitter() + " (token " + submitterFromToken + ")" : submitterFromToken;
        try {
            Store.WriteReport w = store.insertSubmission(v.method(), v.runs(), owner, by, Json.sha256Hex(body));
            return new Outcome(201, "accepted: " + w.inserted() + " runs stored as \"submitted\"", List.of(), 0, w, v.method());
        } catch (Store.DuplicateRunException e) {
            return new Outcome(409, "the bundle was rejected; nothing was stored: " + e.getMessage(), List.of(), 0, null,
                    v.method());
        } catch (Store.NotOwnerException e) {
            return new Outcome(403, "the bundle was rejected; nothing was stored: " + e.getMessage(), List.of(), 0, null,
                    null);
        } catch (Store.MethodConflictException e) {
            // lost a race to create the method with other metadata: a conflict with the stored state
            return new Outcome(409, "the bundle was rejected; nothing was stored: " + e.getMessage(), List.of(), 0, null,
                    null);
        }
    }

    private static Outcome notOwner(String method, String owner) {
        return new Outcome(403, "the bundle was rejected; nothing was stored: method '" + method + "' belongs to "
                + Store.describeOwner(owner) + "; only its owner can add runs to it (choose another method name)",
                List.of(), 0, null, null);
    }

    /** 429 while the client's address is locked out after too many wrong tokens ({@link AuthThrottle}), else null. */
    private Outcome lockedOut(Context ctx) {
        long ms = throttle.lockedFor(ctx.ip());
        if (ms <= 0) return null;
        long s = (ms + 999) / 1000;
        ctx.header("Retry-After", Long.toString(s));
        return new Outcome(429, "too many wrong submission tokens from this address; try again in " + s + " s",
                List.of(), 0, null, null);
    }

    /** The token's name; a wrong or missing token is counted against the client's address and logged (one line). */
    private Optional<String> authorize(Context ctx, String token) {
        Optional<String> who = tokens.check(token);
        if (who.isEmpty()) {
            int n = throttle.failed(ctx.ip());
            LOG.warn("wrong or missing submission token from {} on {} ({} of {} allowed per minute{})", ctx.ip(),
                    ctx.path(), n, AuthThrottle.MAX_FAILURES - 1, n >= AuthThrottle.MAX_FAILURES
                            ? "; locked out for " + AuthThrottle.LOCKOUT_MILLIS / 1000 + " s" : "");
        }
        return who;
    }

    private void submitFromApi(Context ctx) throws SQLException, IOException {
        // the token is checked before the body is read: a refused request is answered at once and its body is never
        // buffered or parsed (refuseUnread)
        if (!tokens.enabled()) {
            refuseUnread(ctx, new Outcome(403, "submissions are disabled on this server (no --token-file or"
                    + " FLOWBENCH_SUBMIT_TOKEN)", List.of(), 0, null, null));
            return;
        }
        Outcome locked = lockedOut(ctx);
        if (locked != null) {
            refuseUnread(ctx, locked);
            return;
        }
        Optional<String> who = authorize(ctx, SubmitTokens.bearer(ctx.header("Authorization")));
        if (who.isEmpty()) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"flowbench\"");
            refuseUnread(ctx, new Outcome(401, "missing or wrong token: send Authorization: Bearer <token>", List.of(), 0,
                    null, null));
            return;
        }
        apiOutcome(ctx, submit(ctx.bodyAsBytes(), who.get()));
    }

    private void apiOutcome(Context ctx, Outcome o) {
        json(ctx, apiBody(o));
        ctx.status(o.status());
    }

    /**
     * Refuses a submission whose body has not been read: the answer is written and flushed first, so the client has
     * it whatever happens next, then what the client still sends (at most the size limit) is discarded unread, so the
     * connection closes cleanly instead of being reset under a client that is still sending (which would lose the
     * answer). Nothing of the body is kept or parsed.
     */
    private void refuseUnread(Context ctx, Outcome o) throws IOException {
        byte[] answer = Json.pretty(apiBody(o)).getBytes(StandardCharsets.UTF_8);
        var res = ctx.res();
        res.setStatus(o.status());
        res.setContentType("application/json; charset=utf-8");
        res.setHeader("Connection", "close");
        res.setContentLength(answer.length);
        res.getOutputStream().write(answer);
        res.flushBuffer();
        drainUnread(ctx);
    }

    /** Reads and drops at most the size limit of what the client still sends; nothing of it is kept or parsed. */
    private void drainUnread(Context ctx) {
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] skip = new byte[8192];
            long left = maxUploadBytes;
            for (int n; left > 0 && (n = in.read(skip, 0, (int) Math.min(skip.length, left))) > 0; ) left -= n;
        } catch (IOException e) {
            // the client closed first: nothing is lost
        }
    }

    private static ObjectNode apiBody(Outcome o) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("status", o.status() == 201 ? "accepted" : "rejected");
        n.put("message", o.message());
        if (!o.problems().isEmpty()) {
            ArrayNode errs = n.putArray("errors");
            for (RecordSchema.Problem p : o.problems()) {
                ObjectNode e = errs.addObject();
                e.put("path", p.path());
                e.put("expected", p.expected());
                e.put("found", p.found());
                e.put("message", p.toString());
            }
            if (o.more() > 0) n.put("moreErrors", o.more());
        }
        if (o.written() != null) {
            n.put("submission", o.written().submissionId());
            ArrayNode runs = n.putArray("runs");
            for (long id : o.written().runIds()) {
                ObjectNode r = runs.addObject();
                r.put("id", id);
                r.put("url", "/runs/" + id);
            }
        }
        return n;
    }

    private void submitFromForm(Context ctx) throws SQLException, IOException {
        if (!ctx.isMultipartFormData()) {
            htmlOutcome(ctx, new Outcome(400, "the form must be sent as multipart/form-data", List.of(), 0, null, null));
            return;
        }
        if (!tokens.enabled()) {
            htmlOutcome(ctx, new Outcome(403, "submissions are disabled on this server (no --token-file or"
                    + " FLOWBENCH_SUBMIT_TOKEN)", List.of(), 0, null, null));
            return;
        }
        // the form's token is a field of its body, so the multipart is read (within the size limit) before it is
        // checked; a locked-out address is refused before that, and the bundle is parsed only after the token passed
        Outcome locked = lockedOut(ctx);
        if (locked != null) {
            // read (and drop) what the browser sends before answering: an answer given over an unread body can be
            // lost to a connection reset, and the form's body is within the size limit anyway
            drainUnread(ctx);
            htmlOutcome(ctx, locked);
            return;
        }
        String token;
        byte[] body = null;
        try {
            token = ctx.formParam("token");
            var file = ctx.uploadedFile("bundle");
            if (file != null && file.size() > 0) {
                try (InputStream in = file.content()) {
                    body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxUploadBytes + 1));
                }
            } else {
                String text = ctx.formParam("bundle_text");
                if (text != null && !text.isBlank()) body = text.getBytes(StandardCharsets.UTF_8);
            }
        } catch (Exception e) {
            // Jetty refuses a multipart body over its limits (sent without a Content-Length) or a malformed one; the
            // servlet layer throws it as a checked ServletException through Kotlin code that declares nothing
            String m = BundleValidator.rootMessage(e);
            boolean big = m.contains("larger than") || m.contains("exceed") || m.contains("max length");
            htmlOutcome(ctx, new Outcome(big ? 413 : 400, big ? tooLarge() : "the form could not be read: " + m,
                    List.of(), 0, null, null));
            return;
        }
        Optional<String> who = authorize(ctx, token);
        if (who.isEmpty()) {
            htmlOutcome(ctx, new Outcome(401, "missing or wrong submission token", List.of(), 0, null, null));
            return;
        }
        if (body != null && body.length > maxUploadBytes) {
            htmlOutcome(ctx, new Outcome(413, tooLarge(), List.of(), 0, null, null));
            return;
        }
        if (body == null) {
            htmlOutcome(ctx, new Outcome(400, "no bundle: choose a file or paste the JSON", List.of(), 0, null, null));
            return;
        }
        htmlOutcome(ctx, submit(body, who.get()));
    }

    private void htmlOutcome(Context ctx, Outcome o) {
        boolean ok = o.status() == 201;
        Page p = ok ? new Page("Submission accepted") : submitPage("Submission rejected");
        if (ok) {
            p.h(1, "Submission accepted");
            p.raw("<p id=\"outcome\" class=\"accepted\">").text(o.message()).raw("</p>");
            p.raw("<p>Method ").link(methodUrl(o.method().name()), o.method().name()).raw("</p>");
            Table t = new Table("stored", "Stored runs", List.of("run"));
            for (long id : o.written().runIds()) t.row(Table.link(id, "/runs/" + id));
            p.table(t, null);
        } else {
            p.raw("<div id=\"outcome\" class=\"rejected\"><p class=\"error\">").text("HTTP " + o.status() + ": " + o.message())
                    .raw("</p>");
            if (!o.problems().isEmpty()) {
                p.raw("<ul class=\"problems\">");
                for (RecordSchema.Problem pr : o.problems()) p.raw("<li>").text(pr.toString()).raw("</li>");
                if (o.more() > 0) p.raw("<li>").text("… and " + o.more() + " more").raw("</li>");
                p.raw("</ul>");
            }
            p.raw("</div>");
        }
        ctx.status(o.status());
        html(ctx, p.render());
    }
}
