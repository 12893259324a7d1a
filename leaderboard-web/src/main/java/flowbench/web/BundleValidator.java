package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.EpisodeOutcome;
import flowbench.harness.protocol.Evaluation;
import flowbench.harness.protocol.Evaluator;
import flowbench.harness.protocol.PolicyEvaluation;
import flowbench.harness.protocol.Protocol;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.Suite;
import flowbench.harness.protocol.TaskEvaluation;
import flowbench.harness.report.Sweeps;
import flowbench.web.RecordSchema.Problem;

import java.net.URI;
import java.net.URISyntaxException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Validates a submission bundle {@code {"method": {...}, "runs": [run.json, ...], "submitter"?: "..."}} before anything
 * is stored (docs/benchmarks.md section 8, item 4). Checks, each reported with field path, expected and found value:
 * <ul>
 *   <li>shape: required fields and types of the bundle, the method and every run record ({@link RecordSchema});</li>
 *   <li>harness schema version and a complete run;</li>
 *   <li>the suite exists and every protocol field equals the suite's (train steps, evaluation schedule and steps,
 *       episodes per task, eval seed, checkpoint/log cadence), and the task-level fields (task mode, success timing,
 *       reward mode, evaluation task ids, dimensions, episode limit, action clip, success metric, chunk execution,
 *       episode seeding) equal those of the suite's reproduced runs of the same task;</li>
 *   <li>dataset hashes equal the suite's pinned hashes or, where none is pinned, those of its reproduced runs;</li>
 *   <li>integrity: the config hash and run id recompute from the record's own fields, every episode seed is the one
 *       the suite's eval seed gives, and every aggregate (task success and return, overall success, summary final /
 *       last-N / best) recomputes from the per-episode outcomes, so a submitter cannot claim numbers its episodes do
 *       not show (OpenML's lesson: the platform computes the scores);</li>
 *   <li>value ranges: finite numbers, success in [0, 1], lengths within the episode limit;</li>
 *   <li>at least {@code minSeeds} seeds per (task, method config: the leaderboard entry's runs on that task,
 *       {@link Store#methodConfig(RunRecord)}) counting runs already stored (in a suite with a
 *       selection rule, selection seeds do not count), and no duplicate of a stored run or of another run in the
 *       bundle;</li>
 *   <li>an external learner's {@code external} block (free JSON): at most 16 KiB, its command at most 2000
 *       characters, and the agent's declarations the reproduction check reads ({@link Reproduction}):
 *       {@code deterministic} a boolean, {@code tolerance} a number in [0, 1], {@code code_url} empty or an http(s)
 *       URL of at most 500 characters;</li>
 *   <li>swept policy families under the suite's selection rule: every selection run the rule needs is in the bundle
 *       or stored, complete and exposing every candidate ({@link Sweeps}); the choice itself is recomputed by the
 *       leaderboard, never read from the submission.</li>
 * </ul>
 */
public final class BundleValidator {
    public static final Set<String> FAMILIES = Set.of("training-time", "test-time");
    public static final int MAX_RUNS = 1000;
    private static final int MAX_PROBLEMS = 100;
    private static final double TOL = 1e-9;

    /** Task-level protocol fields that must equal those of the suite's reproduced runs of the same task. */
    static final List<String> TASK_FIELDS = List.of("taskMode", "successTiming", "rewardMode", "evaluationTaskIds",
            "obsDim", "actionDim", "goalDim", "maxEpisodeSteps", "actionClip", "successMetric", "chunkExecution",
            "episodeSeeds");

    private final Store store;
    private final int minSeeds;

    public BundleValidator(Store store, int minSeeds) {
        this.store = store;
        this.minSeeds = minSeeds;
    }

    /** The outcome: problems (empty when accepted) and, when accepted, what to store. */
    public record Result(List<Problem> problems, int moreProblems, Store.MethodInfo method, List<Store.ParsedRun> runs,
                         String submitter, int storedDuplicates) {
        public boolean ok() {
            return problems.isEmpty();
        }

        /** Refused only because its runs are already stored: a repeated bundle (409), not a malformed one. */
        public boolean onlyStoredDuplicates() {
            return !ok() && moreProblems == 0 && storedDuplicates == problems.size();
        }
    }

    private static final class Problems implements FieldLimits.Sink {
        final List<Problem> list = new ArrayList<>();
        int more;
        int storedDuplicates;

        @Override
        public void add(String path, String expected, String found) {
            if (list.size() < MAX_PROBLEMS) list.add(new Problem(path, expected, found));
            else more++;
        }

        void addAll(List<Problem> ps) {
            for (Problem p : ps) add(p.path(), p.expected(), p.found());
        }

        boolean any() {
            return !list.isEmpty();
        }
    }

    public Result validate(JsonNode bundle) throws SQLException {
        Problems ps = new Problems();
        if (bundle == null || !bundle.isObject()) {
            ps.add("bundle", "a JSON object {\"method\": {...}, \"runs\": [...]}", RecordSchema.describe(bundle));
            return result(ps, null, List.of(), null);
        }
        for (Iterator<String> it = bundle.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("method", "runs", "submitter").contains(f)) {
                ps.add(f, "no such field (allowed: method, runs, submitter)", RecordSchema.describe(bundle.get(f)));
            }
        }
        Store.MethodInfo method = method(bundle.get("method"), ps);
        String submitter = null;
        JsonNode sub = bundle.get("submitter");
        if (sub != null && !sub.isNull()) {
            if (!sub.isTextual() || sub.textValue().isBlank() || sub.textValue().length() > FieldLimits.SUBMITTER) {
                ps.add("submitter", "text of 1 to " + FieldLimits.SUBMITTER + " characters", RecordSchema.describe(sub));
            } else {
                submitter = sub.textValue().strip();
            }
        }
        JsonNode runsNode = bundle.get("runs");
        if (runsNode == null || !runsNode.isArray() || runsNode.isEmpty()) {
            ps.add("runs", "a non-empty array of run records (run.json)", RecordSchema.describe(runsNode));
            return result(ps, method, List.of(), submitter);
        }
        if (runsNode.size() > MAX_RUNS) {
            ps.add("runs", "at most " + MAX_RUNS + " runs per bundle", "an array of " + runsNode.size());
            return result(ps, method, List.of(), submitter);
        }

        Map<String, Store.SuiteInfo> suites = new HashMap<>();
        for (Store.SuiteInfo s : store.suites()) suites.put(s.id(), s);
        List<Store.ParsedRun> parsed = new ArrayList<>();
        Map<Store.RunKey, Integer> keysInBundle = new LinkedHashMap<>();
        // (suite, task, method config) -> seeds in this bundle, for the seed-count rule: the seeds of one leaderboard
        // entry on one task (entries group by method config, Boards)
        Map<List<String>, Set<Long>> seedsByGroup = new LinkedHashMap<>();
        Map<List<String>, String> groupPath = new HashMap<>();
        for (int i = 0; i < runsNode.size(); i++) {
            String path = "runs[" + i + "]";
            JsonNode rn = runsNode.get(i);
            int beforeText = ps.list.size() + ps.more;
            checkExternal(rn, path, ps);
            if (ps.list.size() + ps.more > beforeText) continue;
            FieldLimits.checkRecord(rn, path, "", ps);
            if (ps.list.size() + ps.more > beforeText) continue;
            List<Problem> shape = RecordSchema.check(rn, RunRecord.class, path);
            if (rn != null && rn.isObject() && rn.has("config") && !rn.get("config").isObject()) {
                shape = new ArrayList<>(shape);
                shape.add(new Problem(path + ".config", "an object (the algorithm's full configuration)",
                        RecordSchema.describe(rn.get("config"))));
            }
            if (!shape.isEmpty()) {
                ps.addAll(shape);
                continue;
            }
            RunRecord r;
            try {
                r = Json.mapper().treeToValue(rn, RunRecord.class);
            } catch (Exception e) {
                ps.add(path, "a valid run record", rootMessage(e));
                continue;
            }
            int before = ps.list.size() + ps.more;
            checkRun(r, path, method, suites, ps);
            if (ps.list.size() + ps.more > before) continue;
            Store.RunKey key = Store.RunKey.of(r);
            Integer prev = keysInBundle.putIfAbsent(key, i);
            if (prev != null) {
                ps.add(path, "a run not repeated in the bundle", "the same key " + key + " as runs[" + prev + "]");
                continue;
            }
            List<String> group = List.of(key.suite(), key.task(), Store.methodConfig(r));
            seedsByGroup.computeIfAbsent(group, k -> new TreeSet<>()).add(key.seed());
            groupPath.putIfAbsent(group, path);
            parsed.add(new Store.ParsedRun(r, Json.canonical(rn), "submission " + path));
        }
        if (ps.any()) return result(ps, method, List.of(), submitter);

        for (Store.RunKey k : store.existing(new ArrayList<>(keysInBundle.keySet()))) {
            ps.add("runs[" + keysInBundle.get(k) + "]", "a run not already on the leaderboard",
                    "a stored run with the same key " + k);
            ps.storedDuplicates++;
        }
        if (!ps.any()) checkSweeps(parsed, suites, ps);
        for (Map.Entry<List<String>, Set<Long>> e : seedsByGroup.entrySet()) {
            List<String> g = e.getKey();
            Set<Long> all = new TreeSet<>(e.getValue());
            all.addAll(store.storedSeeds(g.get(0), g.get(1), method.name(), g.get(2)));
            Suite.Selection rule = suites.get(g.get(0)).definition().selection();
            // selection runs only choose a swept family's candidate: they are never results, so they do not count
            if (rule != null) all.removeIf(rule::isSelectionSeed);
            if (all.size() < minSeeds) {
                ps.add("runs (suite " + g.get(0) + ", task " + g.get(1) + ", method config " + g.get(2) + ")",
                        "at least " + minSeeds + " distinct seeds (counting runs already stored"
                                + (rule == null ? "" : "; selection seeds " + rule.selectionSeeds() + " do not count") + ")",
                        all.size() + " (" + all + ")");
            }
        }
        return result(ps, method, ps.any() ? List.of() : parsed, submitter);
    }

    /**
     * Swept families under the suite's selection rule: the leaderboard recomputes the choice from the selection runs
     * (nothing a submitter states about it is read), so every selection run the rule needs must be in the bundle or
     * already stored, complete and with every candidate. Checked per (suite, algorithm, method config) over both, the
     * grouping of the leaderboard's entries and families ({@link Boards#sweepRuns}).
     */
    private void checkSweeps(List<Store.ParsedRun> parsed, Map<String, Store.SuiteInfo> suites, Problems ps)
            throws SQLException {
        Map<List<String>, List<Sweeps.Run>> groups = new LinkedHashMap<>();
        Map<String, List<String>> order = new HashMap<>();
        for (Store.ParsedRun pr : parsed) {
            RunRecord r = pr.record();
            Suite.Selection rule = suites.get(r.protocol().suite()).definition().selection();
            if (rule == null || !rule.covers(r.identity().algorithm())) continue;
            java.nio.file.Path origin = java.nio.file.Path.of(pr.origin());
            List<Sweeps.PolicyScore> scores = new ArrayList<>();
            for (RunRecord.PolicySummary s : r.summary()) {
                scores.add(new Sweeps.PolicyScore(s.policy(), flowbench.harness.report.ScoreKind.FINAL.score(r, s.policy(), origin),
                        flowbench.harness.report.ScoreKind.LAST3.score(r, s.policy(), origin)));
            }
            String methodConfig = Store.methodConfig(r);
            groups.computeIfAbsent(List.of(r.protocol().suite(), r.identity().algorithm(), methodConfig), k -> new ArrayList<>())
                    .add(new Sweeps.Run(pr.origin().replaceFirst("^submission ", ""), r.identity().runId(), r.identity().algorithm(),
                            methodConfig, r.identity().task(), r.identity().datasetName(), r.identity().seed(), r.status(),
                            scores));
            order.putIfAbsent(r.identity().algorithm() + "\n" + methodConfig,
                    r.summary().stream().map(RunRecord.PolicySummary::policy).toList());
        }
        for (Map.Entry<List<String>, List<Sweeps.Run>> g : groups.entrySet()) {
            String suite = g.getKey().get(0), algorithm = g.getKey().get(1), config = g.getKey().get(2);
            List<Store.PolicyScore> stored = new ArrayList<>();
            for (Store.PolicyScore s : store.scores(suite)) {
                if (s.algorithm().equals(algorithm) && s.methodConfig().equals(config)) stored.add(s);
            }
            List<Sweeps.Run> runs = new ArrayList<>(g.getValue());
            runs.addAll(Boards.sweepRuns(store, stored, order));
            Sweeps sw = Sweeps.compute(suites.get(suite).definition().selection(), runs, flowbench.harness.report.ScoreKind.FINAL);
            for (Sweeps.Family f : sw.families()) {
                if (f.error() == null) continue;
                ps.add("runs (suite " + suite + ", algorithm " + algorithm + ", method config " + config + ", family "
                                + f.family() + ")",
                        "every selection run the suite's rule needs to choose among " + f.candidates() + " (selection seeds "
                                + suites.get(suite).definition().selection().selectionSeeds() + " of every task; in this bundle"
                                + " or already stored, complete, exposing every candidate)", f.error());
            }
        }
    }

    /**
     * A run's {@code external} block, before anything else reads it: {@link RunRecord.External} takes the agent, client
     * and environment as free JSON, so its size is bounded here, and the agent's declarations that decide how the run
     * is reproduced ({@link Reproduction}) must be well formed. Its shape (an object with command, protocol, agent,
     * client, environment) is {@link RecordSchema}'s to check; absent or null is a run of flowbench's own algorithms.
     */
    private static void checkExternal(JsonNode rn, String path, Problems ps) {
        if (rn == null || !rn.isObject()) return;
        JsonNode ext = rn.get("external");
        if (ext == null || !ext.isObject()) return;
        String ep = path + ".external";
        int bytes = Json.canonical(ext).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > FieldLimits.EXTERNAL_JSON_BYTES) {
            ps.add(ep, "at most " + FieldLimits.EXTERNAL_JSON_BYTES + " bytes of JSON (16 KiB: the command, protocol,"
                    + " agent, client and environment of an external learner)", "an object of " + bytes + " bytes of JSON");
            return;
        }
        JsonNode cmd = ext.get("command");
        if (cmd != null && cmd.isTextual() && cmd.textValue().length() > FieldLimits.EXTERNAL_COMMAND) {
            ps.add(ep + ".command", "text of at most " + FieldLimits.EXTERNAL_COMMAND + " characters (the command that"
                    + " started the learner)", "text of " + cmd.textValue().length() + " characters");
        }
        JsonNode agent = ext.get("agent");
        if (agent == null || !agent.isObject()) return;
        JsonNode d = agent.get("deterministic");
        if (d != null && !d.isBoolean()) {
            ps.add(ep + ".agent.deterministic", "true or false (whether a rerun with the same seed and config gives the"
                    + " same per-episode outcomes)", RecordSchema.describe(d));
        }
        JsonNode t = agent.get("tolerance");
        if (t != null && !(t.isNumber() && t.doubleValue() >= 0 && t.doubleValue() <= 1)) {
            ps.add(ep + ".agent.tolerance", "a number in [0, 1] (the largest difference in a policy's overall success at"
                    + " an evaluation that still reproduces the run)", RecordSchema.describe(t));
        }
        JsonNode u = agent.get("code_url");
        if (u != null && !(u.isTextual() && (u.textValue().isEmpty()
                || u.textValue().length() <= FieldLimits.CODE_URL && httpUrl(u.textValue())))) {
            ps.add(ep + ".agent.code_url", "empty, or an http(s) URL of at most " + FieldLimits.CODE_URL + " characters",
                    u.isTextual() && u.textValue().length() > FieldLimits.CODE_URL
                            ? "text of " + u.textValue().length() + " characters" : RecordSchema.describe(u));
        }
    }

    private static Result result(Problems ps, Store.MethodInfo m, List<Store.ParsedRun> runs, String submitter) {
        return new Result(List.copyOf(ps.list), ps.more, m, runs, submitter, ps.storedDuplicates);
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        String m = t.getMessage();
        if (t instanceof com.fasterxml.jackson.core.JsonProcessingException jp) m = jp.getOriginalMessage();
        return m == null ? t.getClass().getSimpleName() : RecordSchema.truncate(m.replaceAll("\\s+", " "));
    }

    // ------------------------------------------------------------------------------------------------ method

    private Store.MethodInfo method(JsonNode m, Problems ps) throws SQLException {
        if (m == null || !m.isObject()) {
            ps.add("method", "an object {name, paper, description, family, code_url?}", RecordSchema.describe(m));
            return null;
        }
        for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!Set.of("name", "paper", "description", "family", "code_url").contains(f)) {
                ps.add("method." + f, "no such field (allowed: name, paper, description, family, code_url)",
                        RecordSchema.describe(m.get(f)));
            }
        }
        String name = text(m, "name", FieldLimits.METHOD_NAME_RULE, 64, true, ps);
        if (name != null && !FieldLimits.METHOD_NAME.matcher(name).matches()) {
            ps.add("method.name", FieldLimits.METHOD_NAME_RULE, RecordSchema.found(name));
            name = null;
        }
        String paper = text(m, "paper", "text of 1 to " + FieldLimits.PAPER + " characters (citation or URL)",
                FieldLimits.PAPER, true, ps);
        String description = text(m, "description", "text of 1 to " + FieldLimits.DESCRIPTION + " characters",
                FieldLimits.DESCRIPTION, true, ps);
        String family = text(m, "family", "\"training-time\" or \"test-time\"", 40, true, ps);
        if (family != null && !FAMILIES.contains(family)) {
            ps.add("method.family", "\"training-time\" or \"test-time\"", RecordSchema.found(family));
        }
        String urlRule = "an http(s) URL of at most " + FieldLimits.CODE_URL + " characters";
        String codeUrl = text(m, "code_url", urlRule, FieldLimits.CODE_URL, false, ps);
        if (codeUrl != null && !httpUrl(codeUrl)) {
            ps.add("method.code_url", urlRule, RecordSchema.found(codeUrl));
        }
        if (name == null || paper == null || description == null || family == null) return null;
        Optional<Store.MethodInfo> existing = store.method(name);
        if (existing.isPresent()) {
            Store.MethodInfo e = existing.get();
            // a second bundle of the same method may add seeds or tasks, but cannot rename its paper or family
            if (!e.paper().equals(paper)) {
                ps.add("method.paper", "the paper already stored for method '" + name + "': " + RecordSchema.quote(e.paper()), RecordSchema.found(paper));
            }
            if (!e.family().equals(family)) {
                ps.add("method.family", "the family already stored for method '" + name + "': " + RecordSchema.quote(e.family()), RecordSchema.found(family));
            }
        }
        return new Store.MethodInfo(name, paper, family, description, codeUrl, Store.SUBMITTED, null);
    }

    private static boolean httpUrl(String s) {
        try {
            URI u = new URI(s);
            return ("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme())) && u.getHost() != null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static String text(JsonNode m, String field, String expected, int max, boolean required, Problems ps) {
        JsonNode n = m.get(field);
        if (n == null || n.isNull()) {
            if (required) ps.add("method." + field, expected, RecordSchema.describe(n));
            return null;
        }
        if (!n.isTextual() || n.textValue().isBlank() || n.textValue().length() > max) {
            ps.add("method." + field, expected, RecordSchema.describe(n));
            return null;
        }
        return n.textValue().strip();
    }

    // ------------------------------------------------------------------------------------------------ runs

    private void checkRun(RunRecord r, String path, Store.MethodInfo method, Map<String, Store.SuiteInfo> suites,
                          Problems ps) throws SQLException {
        if (r.schemaVersion() != RunRecord.SCHEMA_VERSION) {
            ps.add(path + ".schemaVersion", Integer.toString(RunRecord.SCHEMA_VERSION) + " (the harness record schema this"
                    + " leaderboard reads)", Integer.toString(r.schemaVersion()));
            return;
        }
        if (!RunRecord.COMPLETE.equals(r.status())) {
            ps.add(path + ".status", "\"complete\" (only finished runs are accepted)", RecordSchema.found(r.status()));
        }
        RunRecord.Identity id = r.identity();
        if (method != null && !id.algorithm().equals(method.name())) {
            ps.add(path + ".identity.algorithm", "the bundle's method.name " + RecordSchema.quote(method.name()), RecordSchema.found(id.algorithm()));
        }
        if (!id.algorithm().equals(r.spec().algorithm())) {
            ps.add(path + ".spec.algorithm", "identity.algorithm " + RecordSchema.quote(id.algorithm()),
                    RecordSchema.found(r.spec().algorithm()));
        }
        if (!id.task().equals(r.spec().task())) {
            ps.add(path + ".spec.task", "identity.task " + RecordSchema.quote(id.task()), RecordSchema.found(r.spec().task()));
        }
        if (id.seed() != r.spec().seed()) {
            ps.add(path + ".spec.seed", "identity.seed " + id.seed(), Long.toString(r.spec().seed()));
        }
        if (!r.profile().equals(r.spec().profile())) {
            ps.add(path + ".profile", "spec.profile " + RecordSchema.quote(r.spec().profile()), RecordSchema.found(r.profile()));
        }

        RunRecord.ProtocolFields pf = r.protocol();
        Store.SuiteInfo si = suites.get(pf.suite());
        if (si == null) {
            ps.add(path + ".protocol.suite", "one of the leaderboard's suites " + new TreeSet<>(suites.keySet()), RecordSchema.found(pf.suite()));
            return;
        }
        Suite suite = si.definition();
        if (!pf.suite().equals(pf.suiteName() + "/" + pf.suiteVersion())) {
            ps.add(path + ".protocol.suite", "suiteName/suiteVersion = " + pf.suiteName() + "/" + pf.suiteVersion(), RecordSchema.found(pf.suite()));
        }
        if (!suite.tasks().contains(id.task())) {
            ps.add(path + ".identity.task", "a task of suite " + si.id() + " " + suite.tasks(), RecordSchema.found(id.task()));
            return;
        }
        // the suite's seeds and no others: a run on a seed of the submitter's choosing could be the best of many
        Suite.Selection sel = suite.selection();
        if (!suite.seeds().contains(id.seed()) && (sel == null || !sel.isSelectionSeed(id.seed()))) {
            ps.add(path + ".identity.seed", "a seed of suite " + si.id() + ": report seeds " + suite.seeds()
                    + (sel == null ? "" : " or selection seeds " + sel.selectionSeeds()), Long.toString(id.seed()));
        }
        Protocol expected = suite.runProtocol();
        checkProtocol(path + ".protocol", pf, expected, ps);
        checkSpecProtocol(path + ".spec.protocol", r.spec().protocol(), expected, ps);

        Optional<JsonNode> ref = store.reproducedProtocol(si.id(), id.task());
        if (ref.isEmpty()) {
            ps.add(path + ".protocol", "a task with a reproduced run in suite " + si.id() + " to check its task protocol"
                    + " (success timing, reward mode, ...) against", "no reproduced run of task " + id.task());
        } else {
            JsonNode mine = Json.tree(pf);
            for (String f : TASK_FIELDS) {
                String want = Json.canonical(ref.get().path(f));
                String got = Json.canonical(mine.path(f));
                if (!want.equals(got)) {
                    ps.add(path + ".protocol." + f, RecordSchema.truncate(want) + " (as in the suite's reproduced runs)",
                            RecordSchema.truncate(got));
                }
            }
        }
        checkDatasets(r, path, si, ps);
        checkIntegrity(r, path, ps);
    }

    private static void eq(Problems ps, String path, Object expected, Object found) {
        if (!Objects.equals(expected, found)) ps.add(path, expected + " (the suite's protocol)", String.valueOf(found));
    }

    private static void checkProtocol(String path, RunRecord.ProtocolFields pf, Protocol p, Problems ps) {
        eq(ps, path + ".suiteName", p.suiteName(), pf.suiteName());
        eq(ps, path + ".suiteVersion", p.suiteVersion(), pf.suiteVersion());
        eq(ps, path + ".trainSteps", p.trainSteps(), pf.trainSteps());
        eq(ps, path + ".evalEvery", p.evalEvery(), pf.evalEvery());
        eq(ps, path + ".evalAtStart", p.evalAtStart(), pf.evalAtStart());
        eq(ps, path + ".evalSteps", p.evalSteps(), pf.evalSteps());
        eq(ps, path + ".episodesPerTask", p.episodesPerTask(), pf.episodesPerTask());
        eq(ps, path + ".checkpointEvery", p.checkpointEvery(), pf.checkpointEvery());
        eq(ps, path + ".logEvery", p.logEvery(), pf.logEvery());
        eq(ps, path + ".evalSeed", p.evalSeed(), pf.evalSeed());
    }

    private static void checkSpecProtocol(String path, Protocol got, Protocol p, Problems ps) {
        eq(ps, path + ".trainSteps", p.trainSteps(), got.trainSteps());
        eq(ps, path + ".evalEvery", p.evalEvery(), got.evalEvery());
        eq(ps, path + ".evalAtStart", p.evalAtStart(), got.evalAtStart());
        eq(ps, path + ".episodesPerTask", p.episodesPerTask(), got.episodesPerTask());
        eq(ps, path + ".checkpointEvery", p.checkpointEvery(), got.checkpointEvery());
        eq(ps, path + ".logEvery", p.logEvery(), got.logEvery());
        eq(ps, path + ".evalSeed", p.evalSeed(), got.evalSeed());
        eq(ps, path + ".suiteName", p.suiteName(), got.suiteName());
        eq(ps, path + ".suiteVersion", p.suiteVersion(), got.suiteVersion());
    }

    private void checkDatasets(RunRecord r, String path, Store.SuiteInfo si, Problems ps) throws SQLException {
        String name = r.identity().datasetName();
        Suite.DatasetEntry pinned = null;
        for (Suite.DatasetEntry d : si.definition().datasets()) {
            if (d.name().equals(name)) pinned = d;
        }
        if (!si.definition().datasets().isEmpty() && pinned == null) {
            List<String> names = si.definition().datasets().stream().map(Suite.DatasetEntry::name).toList();
            ps.add(path + ".identity.datasetName", "a dataset of suite " + si.id() + " " + names, RecordSchema.found(name));
            return;
        }
        Map<String, Set<String>> reproduced = store.reproducedHashes(si.id()).getOrDefault(name, Map.of());
        Set<String> roles = new LinkedHashSet<>();
        for (int j = 0; j < r.datasets().size(); j++) {
            RunRecord.DatasetFile d = r.datasets().get(j);
            String dp = path + ".datasets[" + j + "]";
            if (!d.role().equals("train") && !d.role().equals("validation")) {
                ps.add(dp + ".role", "\"train\" or \"validation\"", RecordSchema.found(d.role()));
                continue;
            }
            if (!roles.add(d.role())) {
                ps.add(dp + ".role", "one dataset file per role", "a second " + RecordSchema.quote(d.role()));
                continue;
            }
            String pin = pinned == null ? null : d.role().equals("train") ? pinned.sha256() : pinned.valSha256();
            if (pin != null && !pin.isBlank()) {
                if (!pin.equalsIgnoreCase(d.sha256())) {
                    ps.add(dp + ".sha256", pin + " (pinned in suite " + si.id() + " for " + name + " " + d.role() + ")", RecordSchema.found(d.sha256()));
                }
            } else {
                Set<String> known = reproduced.getOrDefault(d.role(), Set.of());
                if (known.isEmpty()) {
                    ps.add(dp + ".sha256", "a hash to compare with: suite " + si.id() + " pins none for " + name + " "
                            + d.role() + " and has no reproduced run of it", RecordSchema.found(d.sha256()));
                } else if (!known.contains(d.sha256())) {
                    ps.add(dp + ".sha256", String.join(" or ", known) + " (the suite's reproduced runs)", RecordSchema.found(d.sha256()));
                }
            }
        }
        // the validation file is part of the dataset the suite pins (and of the run id): a run without it cannot be
        // checked against the suite's data
        for (String role : List.of("train", "validation")) {
            if (!roles.contains(role)) ps.add(path + ".datasets", "a dataset file with role \"" + role + "\"", "roles " + roles);
        }
    }

    /** Recomputes hashes, seeds and every aggregate from the record's own per-episode data. */
    private static void checkIntegrity(RunRecord r, String path, Problems ps) {
        String configHash = Json.canonicalHash(r.config());
        if (!configHash.equals(r.configHash())) {
            ps.add(path + ".configHash", configHash + " (SHA-256 of the canonical config)", RecordSchema.found(r.configHash()));
        }
        String runId = runId(r);
        if (!runId.equals(r.identity().runId())) {
            ps.add(path + ".identity.runId", runId + " (recomputed from algorithm, task, seed, profile, config hash,"
                    + " protocol and dataset hashes)", RecordSchema.found(r.identity().runId()));
        }
        if (r.parameterCount() < 0) ps.add(path + ".parameterCount", "a number >= 0", Long.toString(r.parameterCount()));
        RunRecord.Timing t = r.timing();
        if (t.totalSeconds() < 0 || t.trainSeconds() < 0 || t.evalSeconds() < 0 || t.checkpointSeconds() < 0
                || t.stepsPerSecond() < 0) {
            ps.add(path + ".timing", "non-negative seconds and steps/s", t.toString());
        }
        RunRecord.ProtocolFields pf = r.protocol();
        List<Long> steps = pf.evalSteps();
        if (r.evaluations().size() != steps.size()) {
            ps.add(path + ".evaluations", steps.size() + " evaluations (at steps " + steps + ")",
                    "an array of " + r.evaluations().size());
            return;
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>(); // policy -> [step, success, return]
        List<String> policyOrder = null;
        for (int e = 0; e < r.evaluations().size(); e++) {
            Evaluation ev = r.evaluations().get(e);
            String ep = path + ".evaluations[" + e + "]";
            if (ev.step() != steps.get(e)) ps.add(ep + ".step", Long.toString(steps.get(e)), Long.toString(ev.step()));
            List<String> names = ev.policies().stream().map(PolicyEvaluation::policy).toList();
            if (names.isEmpty() || new LinkedHashSet<>(names).size() != names.size()) {
                ps.add(ep + ".policies", "a non-empty list of distinct policy names", names.toString());
                return;
            }
            if (policyOrder == null) policyOrder = names;
            else if (!policyOrder.equals(names)) {
                ps.add(ep + ".policies", "the policies of evaluations[0] " + policyOrder, names.toString());
                return;
            }
            for (int q = 0; q < ev.policies().size(); q++) {
                PolicyEvaluation pe = ev.policies().get(q);
                String pp = ep + ".policies[" + q + "]";
                if (pe.chunkLength() < 1) ps.add(pp + ".chunkLength", "a number >= 1", Integer.toString(pe.chunkLength()));
                List<Integer> ids = pe.tasks().stream().map(TaskEvaluation::taskId).toList();
                if (!ids.equals(pf.evaluationTaskIds())) {
                    ps.add(pp + ".tasks", "evaluation tasks " + pf.evaluationTaskIds() + " in order", "task ids " + ids);
                    continue;
                }
                double sumSuccess = 0, sumReturn = 0;
                for (int k = 0; k < pe.tasks().size(); k++) {
                    TaskEvaluation te = pe.tasks().get(k);
                    checkTask(te, pp + ".tasks[" + k + "]", pf, ps);
                    sumSuccess += te.success();
                    sumReturn += te.meanReturn();
                }
                int nt = pe.tasks().size();
                close(ps, pp + ".overallSuccess", sumSuccess / nt, pe.overallSuccess(), "mean of the tasks' success");
                close(ps, pp + ".meanReturn", sumReturn / nt, pe.meanReturn(), "mean of the tasks' mean return");
                inUnit(ps, pp + ".overallSuccess", pe.overallSuccess());
                series.computeIfAbsent(pe.policy(), x -> new ArrayList<>())
                        .add(new double[] {ev.step(), pe.overallSuccess(), pe.meanReturn()});
            }
        }
        checkSummary(r, path, series, ps);
    }

    private static void checkTask(TaskEvaluation te, String tp, RunRecord.ProtocolFields pf, Problems ps) {
        if (te.episodes().size() != pf.episodesPerTask()) {
            ps.add(tp + ".episodes", pf.episodesPerTask() + " episodes (protocol.episodesPerTask)",
                    "an array of " + te.episodes().size());
            return;
        }
        if (te.nonFiniteActions() < 0) ps.add(tp + ".nonFiniteActions", "a number >= 0", Long.toString(te.nonFiniteActions()));
        double succ = 0, ret = 0, len = 0;
        for (int i = 0; i < te.episodes().size(); i++) {
            EpisodeOutcome o = te.episodes().get(i);
            String op = tp + ".episodes[" + i + "]";
            if (o.episode() != i) ps.add(op + ".episode", Integer.toString(i), Integer.toString(o.episode()));
            long seed = Evaluator.episodeSeed(pf.evalSeed(), te.taskId(), i);
            if (o.seed() != seed) {
                ps.add(op + ".seed", seed + " (Seeds.derive(evalSeed " + pf.evalSeed() + ", \"episode\", " + te.taskId()
                        + ", " + i + "))", Long.toString(o.seed()));
            }
            if (o.length() < 1 || o.length() > pf.maxEpisodeSteps()) {
                ps.add(op + ".length", "1 to " + pf.maxEpisodeSteps() + " (maxEpisodeSteps)", Integer.toString(o.length()));
            }
            checkOutcome(o, op, pf, ps);
            succ += o.success() ? 1 : 0;
            ret += o.episodeReturn();
            len += o.length();
        }
        int n = te.episodes().size();
        close(ps, tp + ".success", succ / n, te.success(), "the fraction of successful episodes");
        close(ps, tp + ".meanReturn", ret / n, te.meanReturn(), "the mean episode return");
        close(ps, tp + ".meanLength", len / n, te.meanLength(), "the mean episode length");
        inUnit(ps, tp + ".success", te.success());
    }

    /**
     * An episode's flags agree with each other and with the protocol, as the harness's evaluator sets them: every
     * episode ends, by termination or by the time limit; one cut by the time limit ran exactly maxEpisodeSteps; in a
     * task that terminates on success (its reward mode says so), a successful episode ended by termination.
     */
    private static void checkOutcome(EpisodeOutcome o, String op, RunRecord.ProtocolFields pf, Problems ps) {
        if (!o.terminated() && !o.truncated()) {
            ps.add(op, "an episode that ended: terminated or truncated", "neither");
        }
        if (o.truncated() && pf.maxEpisodeSteps() > 0 && o.length() != pf.maxEpisodeSteps()) {
            ps.add(op + ".length", pf.maxEpisodeSteps() + " (a truncated episode runs to maxEpisodeSteps)",
                    Integer.toString(o.length()));
        }
        if (o.success() && !o.terminated() && pf.rewardMode() != null && pf.rewardMode().contains("terminates on success")) {
            ps.add(op + ".terminated", "true (a successful episode of a task that terminates on success)", "false");
        }
    }

    private static void checkSummary(RunRecord r, String path, Map<String, List<double[]>> series, Problems ps) {
        Set<String> seen = new LinkedHashSet<>();
        for (int s = 0; s < r.summary().size(); s++) {
            RunRecord.PolicySummary ps0 = r.summary().get(s);
            String sp = path + ".summary[" + s + "]";
            List<double[]> pts = series.get(ps0.policy());
            if (pts == null || !seen.add(ps0.policy())) {
                ps.add(sp + ".policy", "one summary per evaluated policy " + series.keySet(), RecordSchema.found(ps0.policy()));
                continue;
            }
            double[] last = pts.get(pts.size() - 1);
            if (ps0.finalStep() != (long) last[0]) ps.add(sp + ".finalStep", Long.toString((long) last[0]), Long.toString(ps0.finalStep()));
            close(ps, sp + ".finalSuccess", last[1], ps0.finalSuccess(), "the last evaluation's overall success");
            close(ps, sp + ".finalReturn", last[2], ps0.finalReturn(), "the last evaluation's mean return");
            if (ps0.lastN() < 1 || ps0.lastN() > pts.size()) {
                ps.add(sp + ".lastN", "1 to " + pts.size(), Integer.toString(ps0.lastN()));
            } else {
                double m = 0;
                for (int i = pts.size() - ps0.lastN(); i < pts.size(); i++) m += pts.get(i)[1];
                close(ps, sp + ".lastNSuccess", m / ps0.lastN(), ps0.lastNSuccess(), "the mean of the last lastN evaluations");
            }
            double best = Double.NEGATIVE_INFINITY;
            long bestStep = -1;
            for (double[] p : pts) {
                if (p[1] > best) {
                    best = p[1];
                    bestStep = (long) p[0];
                }
            }
            close(ps, sp + ".bestSuccess", best, ps0.bestSuccess(), "the best evaluation's overall success");
            if (ps0.bestStep() != bestStep) ps.add(sp + ".bestStep", bestStep + " (first step reaching bestSuccess)", Long.toString(ps0.bestStep()));
            inUnit(ps, sp + ".finalSuccess", ps0.finalSuccess());
            inUnit(ps, sp + ".lastNSuccess", ps0.lastNSuccess());
            inUnit(ps, sp + ".bestSuccess", ps0.bestSuccess());
        }
        for (String p : series.keySet()) {
            if (!seen.contains(p)) ps.add(path + ".summary", "a summary of policy " + RecordSchema.quote(p), "none");
        }
    }

    private static void close(Problems ps, String path, double expected, double found, String what) {
        if (Math.abs(expected - found) > TOL * Math.max(1, Math.abs(expected))) {
            ps.add(path, expected + " (" + what + ", recomputed)", Double.toString(found));
        }
    }

    private static void inUnit(Problems ps, String path, double v) {
        if (!(v >= 0 && v <= 1)) ps.add(path, "a success rate in [0, 1]", Double.toString(v));
    }

    /** The harness's run id: first 16 hex digits of the SHA-256 of the canonical identity (Runner.runId). */
    static String runId(RunRecord r) {
        Map<String, Object> id = new TreeMap<>();
        id.put("algorithm", r.spec().algorithm());
        id.put("task", r.spec().task());
        id.put("seed", r.spec().seed());
        id.put("profile", r.spec().profile());
        id.put("configHash", r.configHash());
        id.put("protocol", r.spec().protocol());
        id.put("datasets", r.datasets().stream().map(RunRecord.DatasetFile::sha256).toList());
        return Json.canonicalHash(id).substring(0, 16);
    }
}
