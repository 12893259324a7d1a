package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.EpisodeOutcome;
import flowbench.harness.protocol.Evaluation;
import flowbench.harness.protocol.Evaluator;
import flowbench.harness.protocol.MachineInfo;
import flowbench.harness.protocol.PolicyEvaluation;
import flowbench.harness.protocol.Protocol;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.RunSpec;
import flowbench.harness.protocol.SoftwareInfo;
import flowbench.harness.protocol.Suite;
import flowbench.harness.protocol.SuiteRunner;
import flowbench.harness.protocol.TaskEvaluation;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Synthetic but internally consistent run records for the shipped "quickstart" suite's version 1 (flow BC on a
 * single-task and a goal-conditioned task; kept as history/quickstart-v1): the protocol, task-level
 * fields and pinned dataset hashes are those of real quickstart runs, episodes are drawn from a seeded generator with
 * a per-policy success probability, and every aggregate, the config hash and the run id are computed the way the
 * harness computes them. The results folder of a real run is not in the repository, so tests build their own.
 */
final class Fixtures {
    static final String SUITE = "quickstart/1";
    // task and dataset names as the shipped quickstart suite spells them (its single-task task, then its
    // goal-conditioned one), so the fixtures follow a rename of the harness's tasks
    static final String SINGLE = quickstart().tasks().get(0);
    static final String GOAL = quickstart().tasks().get(1);
    static final String DATASET = quickstart().datasets().get(0).name();
    static final String TRAIN_SHA = "752346876c7440db4ae4a1baffd61c91aee2f07107f3354c71248ae5f46967fd";
    static final String VAL_SHA = "20d190adfd5b8a12ea6a8f953353ae76e53dc21d8eb92269b1f738344d566510";

    private Fixtures() {}

    static Suite quickstart() {
        try {
            return SuiteRunner.load("history/quickstart-v1");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A temp SQLite store with the shipped suites registered. */
    static Store store(Path dir) throws Exception {
        Store s = new Store(Store.sqliteUrl(dir.resolve("lb.db")));
        LeaderboardServer.registerShippedSuites(s);
        return s;
    }

    static ObjectNode config(String algorithm, int hidden) {
        ObjectNode c = Json.mapper().createObjectNode();
        ArrayNode h = c.putArray("hidden");
        h.add(hidden);
        h.add(hidden);
        c.put("learningRate", 3e-4);
        c.put("flowSteps", 10);
        c.put("algorithm", algorithm);
        return c;
    }

    /**
     * A run record of the quickstart suite.
     *
     * @param policies policy name to success probability of every episode (constant over evaluations, plus a small
     *                 improvement at the last one so learning curves are not flat)
     */
    static RunRecord run(String algorithm, String task, long seed, Map<String, Double> policies, ObjectNode config,
                         long params, double seconds) {
        return run(quickstart(), algorithm, task, seed, policies, config, params, seconds);
    }

    /**
     * A suite like quickstart (same tasks, datasets and protocol) with a declared selection rule: report seeds 0..2,
     * selection seeds 100 and 101, FINAL score, one choice per dataset; covers every algorithm.
     */
    static Suite selectionSuite() {
        Suite q = quickstart();
        return new Suite("qgf-selection", 1, "quickstart with a declared selection rule (tests)", q.datasets(), q.tasks(),
                List.of(new Suite.AlgorithmEntry("flow-bc", "cpu", Map.of()), new Suite.AlgorithmEntry("qgf", "cpu", Map.of())),
                List.of(0L, 1L, 2L), q.protocol(), new Suite.Selection(List.of(100L, 101L),
                        flowbench.harness.protocol.PolicySelection.Score.FINAL, "dataset"));
    }

    /**
     * The protocol a run started on its own carries ("adhoc/0", {@code Protocol.ADHOC_SUITE}): quickstart's tasks,
     * datasets and budget, but no suite definition registers it.
     */
    static Suite adhocSuite() {
        Suite q = quickstart();
        return new Suite(flowbench.harness.protocol.Protocol.ADHOC_SUITE, 0, "ad-hoc runs (tests)", q.datasets(), q.tasks(),
                q.algorithms(), q.seeds(), q.protocol());
    }

    /** Ad-hoc runs ("adhoc/0") of flow-bc on both quickstart tasks, seeds 0..2, with the baseline's configs. */
    static List<RunRecord> adhoc() {
        List<RunRecord> out = new ArrayList<>();
        for (long seed = 0; seed < 3; seed++) {
            out.add(run(adhocSuite(), "flow-bc", SINGLE, seed, Map.of("flow-bc", 0.9), config("flow-bc", 256), 134146, 13 + seed));
            out.add(run(adhocSuite(), "flow-bc", GOAL, seed, Map.of("flow-bc", 0.95), config("flow-bc", 256), 134146, 21 + seed));
        }
        return out;
    }

    /** A run record of {@code suite} (its protocol, quickstart's task-level fields). */
    static RunRecord run(Suite suite, String algorithm, String task, long seed, Map<String, Double> policies, ObjectNode config,
                         long params, double seconds) {
        Protocol protocol = suite.runProtocol();
        boolean single = task.equals(SINGLE);
        List<Integer> taskIds = single ? List.of(1) : List.of(1, 2, 3, 4, 5);
        Map<String, Integer> chunks = new LinkedHashMap<>();
        for (String p : policies.keySet()) chunks.put(p, 1);
        RunRecord.ProtocolFields pf = new RunRecord.ProtocolFields(protocol.suite(), protocol.suiteName(),
                protocol.suiteVersion(), protocol.trainSteps(), protocol.evalEvery(), protocol.evalAtStart(),
                protocol.evalSteps(), protocol.episodesPerTask(), protocol.checkpointEvery(), protocol.logEvery(),
                protocol.evalSeed(), single ? "SINGLE_TASK" : "GOAL_CONDITIONED", single ? "PRE" : "POST",
                single ? "success - 1 in {-1, 0}; success = ||xy - goal cell centre|| <= 1.0 on s (PRE, OGBench >= 1.2.0); terminates on success"
                        : "success in {0, 1}; success = ||xy - goal|| <= 1.0 on s' (POST), goal jittered U(-1,1); terminates on success",
                taskIds, 2, 2, single ? 0 : 2, 1000, chunks, List.of(-1.0, 1.0),
                "success flag of each episode's final step, mean over the episodes of a task; overall = mean over tasks",
                "open-loop: the policy is queried every H steps and its H actions are executed in order; an episode ending mid-chunk drops the rest",
                "Seeds.derive(evalSeed, \"episode\", taskId, episodeIndex)",
                "Seeds.rng(runSeed, \"policy\", evalStep, policyName, taskId, chunkIndex), one generator per query of the live batch",
                "update s: Seeds.rng(runSeed, \"train\", s); validation at step s: Seeds.rng(runSeed, \"validate\", s)");
        List<Evaluation> evals = new ArrayList<>();
        List<Long> steps = protocol.evalSteps();
        for (int e = 0; e < steps.size(); e++) {
            long step = steps.get(e);
            List<PolicyEvaluation> pes = new ArrayList<>();
            for (Map.Entry<String, Double> p : policies.entrySet()) {
                double prob = Math.min(1, p.getValue() + (e == steps.size() - 1 ? 0.05 : 0));
                List<TaskEvaluation> tes = new ArrayList<>();
                for (int taskId : taskIds) {
                    Rng rng = Seeds.rng(seed, "fixture", algorithm, task, p.getKey(), step, taskId);
                    List<EpisodeOutcome> eps = new ArrayList<>();
                    double s = 0, ret = 0, len = 0;
                    for (int i = 0; i < protocol.episodesPerTask(); i++) {
                        boolean ok = rng.nextDouble() < prob;
                        int length = ok ? 100 + rng.nextInt(800) : 1000;
                        double r = single ? -(length - (ok ? 1 : 0)) : (ok ? 1 : 0);
                        eps.add(new EpisodeOutcome(i, Evaluator.episodeSeed(protocol.evalSeed(), taskId, i), ok, r, length, ok, !ok));
                        s += ok ? 1 : 0;
                        ret += r;
                        len += length;
                    }
                    int n = eps.size();
                    tes.add(new TaskEvaluation(taskId, s / n, ret / n, len / n, 0, eps));
                }
                double os = tes.stream().mapToDouble(TaskEvaluation::success).average().orElseThrow();
                double or = tes.stream().mapToDouble(TaskEvaluation::meanReturn).average().orElseThrow();
                pes.add(new PolicyEvaluation(p.getKey(), 1, os, or, tes));
            }
            evals.add(new Evaluation(step, pes));
        }
        List<RunRecord.PolicySummary> summary = new ArrayList<>();
        for (String p : policies.keySet()) {
            List<double[]> pts = new ArrayList<>();
            for (Evaluation ev : evals) {
                PolicyEvaluation pe = ev.policy(p).orElseThrow();
                pts.add(new double[] {ev.step(), pe.overallSuccess(), pe.meanReturn()});
            }
            double[] last = pts.get(pts.size() - 1);
            int n = Math.min(3, pts.size());
            double lastN = 0;
            for (int i = pts.size() - n; i < pts.size(); i++) lastN += pts.get(i)[1];
            double best = Double.NEGATIVE_INFINITY;
            long bestStep = -1;
            for (double[] q : pts) {
                if (q[1] > best) {
                    best = q[1];
                    bestStep = (long) q[0];
                }
            }
            summary.add(new RunRecord.PolicySummary(p, (long) last[0], last[1], last[2], n, lastN / n, best, bestStep));
        }
        RunSpec spec = new RunSpec(algorithm, task, "/data/quickstart", seed, "cpu", Map.of(), protocol);
        List<RunRecord.DatasetFile> datasets = List.of(
                new RunRecord.DatasetFile("train", "/data/quickstart/" + DATASET + ".npz", TRAIN_SHA, 100000, "REGULAR"),
                new RunRecord.DatasetFile("validation", "/data/quickstart/" + DATASET + "-val.npz", VAL_SHA, 10000, "REGULAR"));
        String configHash = Json.canonicalHash(config);
        RunRecord draft = new RunRecord(RunRecord.SCHEMA_VERSION, RunRecord.COMPLETE,
                new RunRecord.Identity(algorithm, "Fixture et al. (2025)", "training-time", task, DATASET, seed, "0"),
                spec, "cpu", config, configHash, params, datasets, pf, evals, summary,
                new RunRecord.Timing(seconds, seconds * 0.4, seconds * 0.6, 0.01, 3000 / (seconds * 0.4)),
                new MachineInfo(2, "Fixture CPU", 1L << 34, 1L << 32, "Linux", "6.1", "amd64", "17.0.15", "Debian", "OpenJDK"),
                new SoftwareInfo("0.1.0-SNAPSHOT", "0123456789abcdef0123456789abcdef01234567", false),
                "2026-11-25T10:00:00Z", "2026-11-25T10:00:30Z", 0, null);
        return withRunId(draft);
    }

    /** The record with its run id recomputed (after a test changed a field that enters the id). */
    static RunRecord withRunId(RunRecord r) {
        RunRecord.Identity i = r.identity();
        RunRecord tmp = new RunRecord(r.schemaVersion(), r.status(), i, r.spec(), r.profile(), r.config(), r.configHash(),
                r.parameterCount(), r.datasets(), r.protocol(), r.evaluations(), r.summary(), r.timing(), r.machine(),
                r.software(), r.startedAt(), r.finishedAt(), r.resumes(), r.domain());
        String id = BundleValidator.runId(tmp);
        return new RunRecord(r.schemaVersion(), r.status(), new RunRecord.Identity(i.algorithm(), i.algorithmPaper(),
                i.algorithmFamily(), i.task(), i.datasetName(), i.seed(), id), r.spec(), r.profile(), r.config(),
                r.configHash(), r.parameterCount(), r.datasets(), r.protocol(), r.evaluations(), r.summary(), r.timing(),
                r.machine(), r.software(), r.startedAt(), r.finishedAt(), r.resumes(), r.domain());
    }

    /** The record with another domain block (null: none, as in records written before per-domain configs). */
    static RunRecord withDomain(RunRecord r, RunRecord.DomainRecord d) {
        return withRunId(new RunRecord(r.schemaVersion(), r.status(), r.identity(), r.spec(), r.profile(), r.config(),
                r.configHash(), r.parameterCount(), r.datasets(), r.protocol(), r.evaluations(), r.summary(), r.timing(),
                r.machine(), r.software(), r.startedAt(), r.finishedAt(), r.resumes(), d));
    }

    /**
     * The record under another profile, in the record and its spec as the harness writes it (the run id and the
     * method config follow).
     */
    static RunRecord withProfile(RunRecord r, String profile) {
        RunSpec s = r.spec();
        RunSpec spec = new RunSpec(s.algorithm(), s.task(), s.datasetDir(), s.seed(), profile, s.overrides(), s.protocol());
        return withRunId(new RunRecord(r.schemaVersion(), r.status(), r.identity(), spec, profile, r.config(),
                r.configHash(), r.parameterCount(), r.datasets(), r.protocol(), r.evaluations(), r.summary(), r.timing(),
                r.machine(), r.software(), r.startedAt(), r.finishedAt(), r.resumes(), r.domain()));
    }

    /**
     * The record with other --set overrides in its spec (the method config follows; the config and its hash are the
     * caller's, as given to {@link #run}).
     */
    static RunRecord withOverrides(RunRecord r, Map<String, String> overrides) {
        return withRunId(new RunRecord(r.schemaVersion(), r.status(), r.identity(), r.spec().withOverrides(overrides),
                r.profile(), r.config(), r.configHash(), r.parameterCount(), r.datasets(), r.protocol(), r.evaluations(),
                r.summary(), r.timing(), r.machine(), r.software(), r.startedAt(), r.finishedAt(), r.resumes(), r.domain()));
    }

    /**
     * The record of an external learner (clients/PROTOCOL.md): an {@code external} block with {@code agent} as the
     * agent's self-description (null: {@link #agent}'s default), a client and an environment fingerprint as the Python
     * client reports them. The run id does not depend on it.
     */
    static RunRecord withExternal(RunRecord r, ObjectNode agent) {
        ObjectNode client = Json.mapper().createObjectNode().put("name", "flowbench-client").put("version", "0.1.0");
        ObjectNode env = Json.mapper().createObjectNode().put("language", "python 3.11.7").put("platform", "Linux-6.1-x86_64")
                .put("packages_sha256", "ab".repeat(32)).put("packages", 42).put("accelerator", "cpu");
        env.putNull("git");
        RunRecord.External ext = new RunRecord.External("python3 examples/numpy_bc.py", 1,
                agent != null ? agent : agent(r.identity().algorithm(), null, null), client, env);
        return new RunRecord(r.schemaVersion(), r.status(), r.identity(), r.spec(), r.profile(), r.config(), r.configHash(),
                r.parameterCount(), r.datasets(), r.protocol(), r.evaluations(), r.summary(), r.timing(), r.machine(),
                r.software(), r.startedAt(), r.finishedAt(), r.resumes(), r.domain(), ext, r.failure());
    }

    /**
     * An external agent's self-description; {@code deterministic} and {@code tolerance} are left out when null (a
     * method that declares nothing).
     */
    static ObjectNode agent(String name, Boolean deterministic, Double tolerance) {
        ObjectNode a = Json.mapper().createObjectNode().put("name", name).put("version", "1.0").put("family", "training-time")
                .put("paper", "").put("description", "an external learner (tests)").put("code_url", "https://example.org/ext");
        if (deterministic != null) a.put("deterministic", deterministic);
        if (tolerance != null) a.put("tolerance", tolerance);
        return a;
    }

    /**
     * The record with one episode outcome replaced ({@code eval}, {@code policy}, {@code task}: indices), the task's
     * success and the policy's overall success recomputed from the episodes (the summary is left as it was).
     */
    static RunRecord withEpisode(RunRecord r, int eval, int policy, int task, int episode,
                                 java.util.function.UnaryOperator<EpisodeOutcome> change) {
        List<Evaluation> evals = new ArrayList<>(r.evaluations());
        Evaluation ev = evals.get(eval);
        List<PolicyEvaluation> pes = new ArrayList<>(ev.policies());
        PolicyEvaluation pe = pes.get(policy);
        List<TaskEvaluation> tes = new ArrayList<>(pe.tasks());
        TaskEvaluation te = tes.get(task);
        List<EpisodeOutcome> eps = new ArrayList<>(te.episodes());
        eps.set(episode, change.apply(eps.get(episode)));
        double s = eps.stream().mapToDouble(o -> o.success() ? 1 : 0).average().orElseThrow();
        double ret = eps.stream().mapToDouble(EpisodeOutcome::episodeReturn).average().orElseThrow();
        double len = eps.stream().mapToDouble(EpisodeOutcome::length).average().orElseThrow();
        tes.set(task, new TaskEvaluation(te.taskId(), s, ret, len, te.nonFiniteActions(), eps));
        pes.set(policy, new PolicyEvaluation(pe.policy(), pe.chunkLength(),
                tes.stream().mapToDouble(TaskEvaluation::success).average().orElseThrow(),
                tes.stream().mapToDouble(TaskEvaluation::meanReturn).average().orElseThrow(), tes));
        evals.set(eval, new Evaluation(ev.step(), pes));
        return new RunRecord(r.schemaVersion(), r.status(), r.identity(), r.spec(), r.profile(), r.config(), r.configHash(),
                r.parameterCount(), r.datasets(), r.protocol(), evals, r.summary(), r.timing(), r.machine(), r.software(),
                r.startedAt(), r.finishedAt(), r.resumes(), r.domain(), r.external(), r.failure());
    }

    /** A domain block as the harness writes it, with one applied value. */
    static RunRecord.DomainRecord domain(String column, String why, String rewardWarning, String key, String value,
                                         String source) {
        return new RunRecord.DomainRecord(column, why, rewardWarning, List.of(new RunRecord.AppliedSetting(key, value, source)));
    }

    /**
     * A published report as {@code reports/<suite>/<version>/} holds it: the records under {@code runs/}, and
     * {@code superseded.json} beside that folder when {@code superseded} is not null. Returns the runs folder.
     */
    static Path writeReport(Path reports, String suite, List<RunRecord> records, String superseded) throws IOException {
        Path report = reports.resolve(suite);
        Path runs = writeResults(Files.createDirectories(report.resolve("runs")), records);
        if (superseded != null) Files.writeString(report.resolve(Superseded.FILE), superseded);
        return runs;
    }

    /** Writes records into a results folder laid out as the harness does: task/algorithm/seedN/run.json. */
    static Path writeResults(Path root, List<RunRecord> records) throws IOException {
        for (RunRecord r : records) {
            Path dir = root.resolve(r.identity().task()).resolve(r.identity().algorithm()).resolve("seed" + r.identity().seed());
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("run.json"), Json.pretty(r));
        }
        return root;
    }

    /** The reproduced baseline: flow-bc on both tasks, seeds 0..2, and a QGF-like learner with three policies. */
    static List<RunRecord> baseline() {
        List<RunRecord> out = new ArrayList<>();
        for (long seed = 0; seed < 3; seed++) {
            out.add(run("flow-bc", SINGLE, seed, Map.of("flow-bc", 0.2), config("flow-bc", 256), 134146, 13 + seed));
            out.add(run("flow-bc", GOAL, seed, Map.of("flow-bc", 0.55), config("flow-bc", 256), 134146, 21 + seed));
            Map<String, Double> qgf = new LinkedHashMap<>();
            qgf.put("qgf(w=0.01)", 0.3);
            qgf.put("qgf(w=0.02)", 0.45);
            qgf.put("qgf(w=0.05)", 0.35);
            out.add(run("qgf", SINGLE, seed, qgf, config("qgf", 512), 530000, 30 + seed));
            out.add(run("qgf", GOAL, seed, qgf, config("qgf", 512), 530000, 40 + seed));
        }
        return out;
    }

    static void importBaseline(Store store, Path tmp) throws IOException, SQLException {
        Importer.importFolder(writeResults(tmp.resolve("results"), baseline()), store);
    }

    /** A valid submission bundle of method {@code name} with 3 seeds on both tasks. */
    static ObjectNode bundle(String name, String description) {
        ObjectNode b = Json.mapper().createObjectNode();
        ObjectNode m = b.putObject("method");
        m.put("name", name);
        m.put("paper", "Doe et al., A New Flow Method (2026)");
        m.put("description", description);
        m.put("family", "training-time");
        m.put("code_url", "https://example.org/code");
        ArrayNode runs = b.putArray("runs");
        for (long seed = 0; seed < 3; seed++) {
            runs.add(Json.tree(run(name, SINGLE, seed, Map.of(name, 0.4), config(name, 256), 200000, 15)));
            runs.add(Json.tree(run(name, GOAL, seed, Map.of(name, 0.7), config(name, 256), 200000, 25)));
        }
        return b;
    }

    static JsonNode tree(Object o) {
        return Json.tree(o);
    }
}
