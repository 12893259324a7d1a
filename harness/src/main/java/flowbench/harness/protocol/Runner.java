package flowbench.harness.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.BlockLearner;
import flowbench.harness.domain.Domains;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.Dataset;
import flowbench.harness.data.Sha256;
import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Task;
import flowbench.harness.io.AtomicFiles;
import flowbench.harness.io.Json;
import flowbench.harness.io.PortablePaths;
import flowbench.harness.rng.Seeds;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Runs one {@link RunSpec}: loads the datasets, trains, logs, evaluates on schedule, checkpoints, and writes the run
 * folder {@code <out>/<task>/<algorithm>/seed<seed>/} ({@link #runDir}). A run under another method choice than the
 * default (profile "cpu", no overrides) lives in {@code <out>/<task>/<algorithm>@<label>/seed<seed>/}, the label
 * naming its profile and overrides ({@link RunSpec#configLabel()}, e.g. {@code fql@alpha=3} or {@code fql@paper}), so
 * several configurations of one algorithm share one results folder:
 * <pre>
 *   run.json       RunRecord (status running until the end, then complete)
 *   config.json    the merged algorithm configuration
 *   train.csv      step, wall_s, update metrics, val/ metrics
 *   eval.csv       step, policy, task, success, return, length
 *   checkpoints/step-NNNNNNNNNNNN/   learner/, train.csv, state.json (only the latest is kept)
 * </pre>
 *
 * <p>Determinism and resuming: update {@code s} gets {@code Seeds.rng(seed, "train", s)}, validation at step
 * {@code s} gets {@code Seeds.rng(seed, "validate", s)}, and evaluation seeds are fixed by the protocol (see
 * {@link Evaluator}), so no generator state needs saving: a run killed at any moment restarts from its newest complete
 * checkpoint and, given a learner whose save/load is exact, produces the same record as an uninterrupted run except
 * for wall-clock fields, timestamps and the resume count. Evaluations and train.csv rows come back from the checkpoint
 * and everything after it is recomputed, so nothing is duplicated. A complete run with the same spec is not run
 * again unless forced.
 */
public final class Runner {
    public static final String RUN_JSON = "run.json";
    /**
     * The training ({@code val} false) or validation file of a dataset under {@code dataDir}: flowbench's layout
     * ({@link #datasetFile}), or for an {@code ogbench:} dataset also OGBench's own download layout, where
     * {@code <name>.npz} and {@code <name>-val.npz} lie directly in the folder ({@code --data ~/.ogbench/data}).
     */
    public static Path locateDataset(Path dataDir, String datasetName, boolean val) {
        Path ours = datasetFile(dataDir, datasetName, val);
        if (Files.isRegularFile(ours) || !datasetName.startsWith(OGBENCH_PREFIX)) return ours;
        String plain = datasetName.substring(OGBENCH_PREFIX.length());
        Path theirs = datasetFile(dataDir, plain, val);
        return Files.isRegularFile(datasetFile(dataDir, plain, false)) ? theirs : ours;
    }

    /** Prefix of OGBench's own datasets, served through the bridge. */
    static final String OGBENCH_PREFIX = "ogbench:";
    public static final String CONFIG_JSON = "config.json";
    public static final String TRAIN_CSV = "train.csv";
    public static final String EVAL_CSV = "eval.csv";
    public static final String CHECKPOINTS = "checkpoints";
    static final String LOCK = ".lock";
    /** OGBench papers report the mean of the last three evaluations. */
    static final int LAST_N = 3;
    /** train.csv is rewritten at least this often for live monitoring (it is always rewritten at checkpoints). */
    private static final long CSV_REFRESH_NANOS = 30_000_000_000L;

    private final Registry registry;
    private final DatasetLoader loader;

    public Runner(Registry registry) {
        this(registry, DatasetLoader.ogbench());
    }

    public Runner(Registry registry, DatasetLoader loader) {
        this.registry = registry;
        this.loader = loader;
    }

    /**
     * First 16 hex digits of the SHA-256 of the canonical run identity: algorithm, task, seed, profile, config hash,
     * protocol and the dataset files' SHA-256: equal ids mean equal runs.
     */
    public static String runId(RunSpec spec, String configHash, List<String> datasetSha256) {
        Map<String, Object> id = new TreeMap<>();
        id.put("algorithm", spec.algorithm());
        id.put("task", spec.task());
        id.put("seed", spec.seed());
        id.put("profile", spec.profile());
        id.put("configHash", configHash);
        id.put("protocol", spec.protocol());
        id.put("datasets", datasetSha256);
        return Json.canonicalHash(id).substring(0, 16);
    }

    /**
     * {@code <out>/<task>/<algorithm>/seed<k>} for the default method choice (profile "cpu", no overrides), else
     * {@code <out>/<task>/<algorithm>@<label>/seed<k>} with the spec's {@link RunSpec#configLabel()}, so several
     * configurations of one algorithm share a results folder.
     */
    public static Path runDir(Path outRoot, RunSpec spec) {
        String label = spec.configLabel();
        String method = label.isEmpty() ? spec.algorithm() : spec.algorithm() + "@" + label;
        // ':' is not portable in file names: ogbench:<name> runs live under <out>/ogbench/<name>/...
        return outRoot.resolve(spec.task().replace(':', '/')).resolve(method).resolve("seed" + spec.seed());
    }

    /**
     * {@code <dir>/<datasetName>.npz} or {@code <dir>/<datasetName>-val.npz}; a namespaced name {@code prefix:name}
     * (datasets generated by an outside program, e.g. {@code ogbench:puzzle-3x3-play-v0}) lives in the sub-folder
     * {@code <dir>/<prefix>/}, because ':' is not portable in file names.
     */
    public static Path datasetFile(Path dir, String datasetName, boolean validation) {
        return dir.resolve(datasetStem(datasetName) + (validation ? "-val" : "") + ".npz");
    }

    /** The provenance sidecar of a dataset, {@code <dir>/<datasetName>.json} (namespaced names as in {@link #datasetFile}). */
    public static Path provenanceFile(Path dir, String datasetName) {
        return dir.resolve(datasetStem(datasetName) + ".json");
    }

    private static String datasetStem(String name) {
        if (name == null || !name.matches("([A-Za-z0-9][A-Za-z0-9._-]*:)?[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("dataset name '" + name + "' is not usable as a file name; expected "
                    + "letters, digits, '.', '_' or '-' (not starting with '.' or '-'), optionally after one 'prefix:'");
        }
        int colon = name.indexOf(':');
        return colon < 0 ? name : name.substring(0, colon) + "/" + name.substring(colon + 1);
    }

    public RunOutcome run(RunSpec spec, Path outRoot, RunOptions options) throws IOException {
        Task task = registry.task(spec.task());
        Algorithm<?> algorithm = registry.algorithm(spec.algorithm());
        RunStop stop = options.stop();
        if (stop.requested()) throw RunStop.Stopped.beforeStart(runDir(outRoot, spec).toString());
        stop.enter();
        try {
            return new Session<>(algorithm, task, spec, outRoot, options).run();
        } finally {
            stop.leave();
        }
    }

    /** One invocation of {@link #run}; holds the loop's state. */
    private final class Session<C extends Record> {
        private final Algorithm<C> algorithm;
        private final Task task;
        private final RunSpec spec;
        private final Protocol protocol;
        private final Path outRoot;
        private final RunOptions opt;
        private final PrintStream log;

        private Path dir;
        private C config;
        private Configs.Resolved<C> resolved;
        private String configHash;
        private String runId;
        private List<RunRecord.DatasetFile> datasetFiles;
        private Learner learner;
        private Map<String, Integer> chunkLengths;
        private Checkpoints checkpoints;
        private TrainLog trainLog = new TrainLog();
        private final List<Evaluation> evaluations = new ArrayList<>();
        private double baseTotalSeconds;
        private long sessionStartNanos;
        private double trainSeconds;
        private double evalSeconds;
        private double checkpointSeconds;
        private int resumes;
        private String startedAt;
        /** Updates done so far (for a failure's record). */
        private long stepsDone;
        private RunRecord.Failure failure;
        /** The run's evaluator: its environment (an OGBench bridge) lives from the first evaluation to the run's end. */
        private Evaluator evaluator;

        Session(Algorithm<C> algorithm, Task task, RunSpec spec, Path outRoot, RunOptions opt) {
            this.algorithm = algorithm;
            this.task = task;
            this.spec = spec;
            this.protocol = spec.protocol();
            this.outRoot = outRoot;
            this.opt = opt;
            this.log = opt.log();
        }

        private void say(String msg) {
            if (log != null) log.println(msg);
        }

        RunOutcome run() throws IOException {
            // everything that can be checked without touching the run folder is checked first
            if (algorithm instanceof ForeignAlgorithm<C> foreign) {
                resolved = foreign.resolve(Domains.of(task.name()), spec.overrides());
            } else {
                Configs.refuseInert(algorithm.name(), algorithm.configType(), task.mode(), spec.overrides());
                resolved = Configs.resolve(algorithm, spec.profile(), Domains.of(task.name()), spec.overrides());
            }
            config = resolved.config();
            configHash = Configs.hash(config);
            Path dataDir = Path.of(spec.datasetDir());
            Path trainFile = locateDataset(dataDir, task.datasetName(), false);
            Path valFile = locateDataset(dataDir, task.datasetName(), true);
            requireDataset(trainFile, dataDir);
            requireDataset(valFile, dataDir);

            dir = runDir(outRoot, spec);
            Files.createDirectories(dir);
            try (FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = null;
                // a status reader ('flowbench sweep status') holds a shared lock for microseconds: try for a second
                for (int attempt = 0; attempt < 20 && lock == null; attempt++) {
                    try {
                        lock = ch.tryLock();
                    } catch (OverlappingFileLockException e) {
                        lock = null;
                    }
                    if (lock == null) {
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            break;
                        }
                    }
                }
                if (lock == null) {
                    throw new IllegalStateException("run folder " + dir + " is in use by another flowbench run; wait for it or stop it");
                }
                try {
                    return locked(trainFile, valFile);
                } finally {
                    lock.release();
                }
            }
        }

        private void requireDataset(Path file, Path dataDir) {
            if (!Files.isRegularFile(file)) {
                String ogbench = task.datasetName().startsWith(OGBENCH_PREFIX) ? "; or point --data at OGBench's download folder"
                        + " (e.g. ~/.ogbench/data), which holds " + task.datasetName().substring(OGBENCH_PREFIX.length())
                        + ".npz and its -val.npz" : "";
                throw new IllegalArgumentException("dataset file " + file + " not found (task '" + task.name()
                        + "' trains on dataset '" + task.datasetName() + "'); generate it with:\n  flowbench datasets generate --dataset "
                        + task.datasetName() + " --out " + dataDir + ogbench);
            }
        }

        private RunOutcome locked(Path trainFile, Path valFile) throws IOException {
            AtomicFiles.deleteStaleTemporaries(dir);
            Path runJson = dir.resolve(RUN_JSON);
            RunRecord prev = null;
            if (Files.exists(runJson)) {
                try {
                    prev = Json.read(runJson, RunRecord.class);
                } catch (IOException e) {
                    if (!opt.force()) {
                        throw new IllegalStateException(runJson + " cannot be read (" + e.getMessage()
                                + "); pass --force to discard this run folder and start over", e);
                    }
                }
            }
            if (opt.force()) {
                if (prev != null || Files.exists(runJson)) say("--force: discarding " + dir);
                wipe();
                prev = null;
            } else if (prev != null) {
                List<String> diff = differences(prev);
                if (!diff.isEmpty()) {
                    throw new IllegalStateException("run folder " + dir + " holds a " + prev.status() + " run with a different spec: "
                            + String.join("; ", diff) + ". Pass --force to replace it, or choose another --out");
                }
                if (prev.complete()) {
                    say("run already complete: " + dir + " (pass --force to run it again)");
                    return new RunOutcome(dir, prev, true, -1);
                }
                if (!opt.resume()) {
                    say("--no-resume: discarding the interrupted run in " + dir);
                    wipe();
                    prev = null;
                }
            } else {
                wipe(); // no record: whatever is there (checkpoints of a run whose run.json was deleted) is not trusted
            }

            sessionStartNanos = System.nanoTime();
            Dataset train = loader.load(trainFile, task.relabeler());
            Dataset val = loader.load(valFile, task.relabeler());
            checkDims(train, trainFile);
            checkDims(val, valFile);
            datasetFiles = List.of(describeDataset("train", trainFile, train), describeDataset("validation", valFile, val));
            if (prev != null) {
                for (int i = 0; i < datasetFiles.size(); i++) {
                    RunRecord.DatasetFile before = prev.datasets().get(i);
                    RunRecord.DatasetFile now = datasetFiles.get(i);
                    if (!before.sha256().equals(now.sha256())) {
                        throw new IllegalStateException("dataset " + now.file() + " changed since the run started (SHA-256 "
                                + before.sha256() + " then, " + now.sha256() + " now); pass --force to start the run over");
                    }
                }
            }
            runId = runId();

            try {
                return trainAndEvaluate(prev, train, val);
            } catch (RunStop.Stopped s) {
                throw s;
            } catch (RuntimeException | Error e) {
                recordFailure(e);
                throw e;
            } finally {
                if (learner != null) learner.close();
            }
        }

        /**
         * Writes the record of a run that stopped on an error: status failed, the error's kind and message. Its last
         * checkpoint stays, so running it again resumes; the evaluations after that checkpoint are not part of a result.
         */
        private void recordFailure(Throwable e) {
            String kind = e instanceof NamedFailure nf ? nf.kind() : "exception";
            String msg = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
            failure = new RunRecord.Failure(kind, msg, stepsDone, Instant.now().toString());
            say("run failed (" + kind + ") at step " + stepsDone + ": " + dir);
            try {
                writeRecord(RunRecord.FAILED, null);
            } catch (IOException | RuntimeException w) {
                e.addSuppressed(w);
            }
        }

        private RunOutcome trainAndEvaluate(RunRecord prev, Dataset train, Dataset val) throws IOException {
            AgentContext context = new AgentContext(task, train, val, spec.seed(), spec.profile());
            learner = algorithm instanceof ForeignAlgorithm<C> foreign
                    ? foreign.create(config, context, protocol, resolved.domain(), spec.overrides())
                    : algorithm.create(config, context);
            chunkLengths = new LinkedHashMap<>();
            for (Map.Entry<String, Policy> e : learner.policies().entrySet()) chunkLengths.put(e.getKey(), e.getValue().chunkLength());

            checkpoints = new Checkpoints(dir.resolve(CHECKPOINTS));
            checkpoints.cleanLeftovers();
            long step = 0;
            long resumedFrom = -1;
            startedAt = Instant.now().toString();
            if (prev != null) {
                resumes = prev.resumes() + 1;
                startedAt = prev.startedAt();
                Optional<Path> latest = checkpoints.latest();
                if (latest.isPresent()) {
                    step = restore(latest.get());
                    resumedFrom = step;
                    stepsDone = step;
                    say("resuming " + dir + " from step " + step);
                } else {
                    say("resuming " + dir + ": no checkpoint yet, starting from step 0");
                }
            }
            if (resumedFrom < 0) {
                AtomicFiles.deleteTree(checkpoints.dir());
                Files.deleteIfExists(dir.resolve(TRAIN_CSV));
                Files.deleteIfExists(dir.resolve(EVAL_CSV));
            } else {
                // drop rows the interrupted session wrote after its last checkpoint right away, not at the next write
                trainLog.write(dir.resolve(TRAIN_CSV));
                TrainLog.writeEvalCsv(dir.resolve(EVAL_CSV), evaluations);
            }
            Json.writeAtomically(dir.resolve(CONFIG_JSON), Configs.toJson(config));
            writeRecord(RunRecord.RUNNING, null);
            try (Evaluator ev = new Evaluator(task, spec.seed(), protocol.evalSeed(), protocol.episodesPerTask())) {
                evaluator = ev;
                train(step);
            }
            return new RunOutcome(dir, writeFinal(), false, resumedFrom);
        }

        private void train(long step) throws IOException {
            long total = protocol.trainSteps();
            RunHooks hooks = opt.hooks();
            if (step == 0 && protocol.isEvalStep(0) && evaluations.isEmpty()) {
                evaluate(0);
                checkpoint(0);
                writeRecord(RunRecord.RUNNING, null);
            }
            long lastCsvWrite = System.nanoTime();
            opt.progress().progress(step, total, "train");
            while (step < total) {
                if (opt.stop().requested()) {
                    // a checkpoint at any step resumes exactly (update s draws from Seeds.rng(seed, "train", s))
                    checkpoint(step);
                    writeRecord(RunRecord.RUNNING, null);
                    say("stop requested: checkpointed " + dir + " at step " + step);
                    throw new RunStop.Stopped(dir.toString(), step);
                }
                long t0 = System.nanoTime();
                Map<String, Double> metrics;
                if (learner instanceof BlockLearner block) {
                    long end = nextBoundary(step, total);
                    metrics = block.updateBlock(step, (int) (end - step));
                    while (step < end - 1) hooks.afterUpdate(++step);
                } else {
                    metrics = learner.update(step, Seeds.rng(spec.seed(), "train", step));
                }
                step++;
                stepsDone = step;
                hooks.afterUpdate(step);
                if (protocol.isLogStep(step)) {
                    Map<String, Double> val = learner.validate(Seeds.rng(spec.seed(), "validate", step));
                    trainLog.add(step, wallSeconds(), metrics, val, log);
                }
                trainSeconds += (System.nanoTime() - t0) / 1e9;
                opt.progress().progress(step, total, "train");
                boolean eval = protocol.isEvalStep(step);
                if (eval) evaluate(step);
                if (protocol.isCheckpointStep(step)) {
                    checkpoint(step);
                    lastCsvWrite = System.nanoTime();
                } else if (System.nanoTime() - lastCsvWrite > CSV_REFRESH_NANOS) {
                    trainLog.write(dir.resolve(TRAIN_CSV));
                    lastCsvWrite = System.nanoTime();
                }
                if (eval) writeRecord(RunRecord.RUNNING, null);
            }
        }

        /**
         * The first step after {@code step} at which the loop logs, evaluates or checkpoints (or the end): a block learner
         * trains up to it in one call, so its record has the same rows as one call per update.
         */
        private long nextBoundary(long step, long total) {
            long end = step + 1;
            while (end < total && end - step < Integer.MAX_VALUE && !protocol.isLogStep(end) && !protocol.isEvalStep(end)
                    && !protocol.isCheckpointStep(end)) {
                end++;
            }
            return end;
        }

        private void evaluate(long step) {
            opt.hooks().beforeEvaluation(step);
            long t0 = System.nanoTime();
            Evaluation ev = evaluator.evaluate(step, learner.policies(), opt.progress());
            evaluations.add(ev);
            evalSeconds += (System.nanoTime() - t0) / 1e9;
            StringBuilder sb = new StringBuilder("step ").append(step).append(':');
            for (PolicyEvaluation pe : ev.policies()) {
                sb.append(String.format(java.util.Locale.ROOT, " %s success %.3f", pe.policy(), pe.overallSuccess()));
            }
            say(sb.toString());
        }

        private void checkpoint(long step) throws IOException {
            long t0 = System.nanoTime();
            trainLog.write(dir.resolve(TRAIN_CSV));
            TrainLog.writeEvalCsv(dir.resolve(EVAL_CSV), evaluations);
            RunState state = new RunState(RunRecord.SCHEMA_VERSION, step, runId, evaluations, wallSeconds(), trainSeconds,
                    evalSeconds, checkpointSeconds);
            Path committed = checkpoints.commit(step, stage -> {
                Path ld = stage.resolve("learner");
                Files.createDirectories(ld);
                learner.save(ld);
                trainLog.write(stage.resolve(TRAIN_CSV));
                Json.writeAtomically(stage.resolve(Checkpoints.STATE), state);
            }, opt.hooks()::checkpointStaged);
            checkpointSeconds += (System.nanoTime() - t0) / 1e9;
            opt.hooks().checkpointCommitted(step, committed);
        }

        /** Loads a checkpoint; returns its step. */
        private long restore(Path ck) throws IOException {
            RunState st = Json.read(ck.resolve(Checkpoints.STATE), RunState.class);
            if (!runId.equals(st.runId())) {
                throw new IllegalStateException("checkpoint " + ck + " belongs to run " + st.runId() + ", not to " + runId
                        + "; pass --force to start over");
            }
            learner.load(ck.resolve("learner"));
            trainLog = TrainLog.read(ck.resolve(TRAIN_CSV), st.step());
            evaluations.addAll(st.evaluations());
            baseTotalSeconds = st.totalSeconds();
            trainSeconds = st.trainSeconds();
            evalSeconds = st.evalSeconds();
            checkpointSeconds = st.checkpointSeconds();
            return st.step();
        }

        private RunRecord writeFinal() throws IOException {
            trainLog.write(dir.resolve(TRAIN_CSV));
            TrainLog.writeEvalCsv(dir.resolve(EVAL_CSV), evaluations);
            RunRecord r = writeRecord(RunRecord.COMPLETE, Instant.now().toString());
            say("run complete: " + dir);
            return r;
        }

        private double wallSeconds() {
            return baseTotalSeconds + (System.nanoTime() - sessionStartNanos) / 1e9;
        }

        private RunRecord writeRecord(String status, String finishedAt) throws IOException {
            EnvSpec es = task.spec();
            RunRecord.ProtocolFields pf = new RunRecord.ProtocolFields(protocol.suite(), protocol.suiteName(),
                    protocol.suiteVersion(), protocol.trainSteps(), protocol.evalEvery(), protocol.evalAtStart(),
                    protocol.evalSteps(), protocol.episodesPerTask(), protocol.checkpointEvery(), protocol.logEvery(),
                    protocol.evalSeed(), task.mode().name(), task.successTiming().name(), task.rewardMode(),
                    task.evaluationTaskIds(), es.obsDim(), es.actionDim(), es.goalDim(), es.maxEpisodeSteps(),
                    chunkLengths, List.of(-1.0, 1.0),
                    "success flag of each episode's final step, mean over the episodes of a task; overall = mean over tasks",
                    "open-loop: the policy is queried every H steps and its H actions are executed in order; an episode ending mid-chunk drops the rest",
                    "Seeds.derive(evalSeed, \"episode\", taskId, episodeIndex)",
                    "Seeds.rng(runSeed, \"policy\", evalStep, policyName, taskId, chunkIndex), one generator per query of the live batch",
                    "update s: Seeds.rng(runSeed, \"train\", s); validation at step s: Seeds.rng(runSeed, \"validate\", s)");
            double train = trainSeconds;
            RunRecord.Timing timing = new RunRecord.Timing(wallSeconds(), train, evalSeconds, checkpointSeconds,
                    train > 0 ? protocol.trainSteps() / train : 0);
            RunRecord r = new RunRecord(RunRecord.SCHEMA_VERSION, status,
                    new RunRecord.Identity(algorithm.name(), algorithm.paper(), algorithm.family(), task.name(),
                            task.datasetName(), spec.seed(), runId),
                    spec.withDatasetDir(PortablePaths.of(Path.of(spec.datasetDir()))), spec.profile(), Configs.toJson(config),
                    configHash, learner == null ? 0 : learner.parameterCount(), datasetFiles, pf,
                    List.copyOf(evaluations), summarise(evaluations), timing, MachineInfo.current(), SoftwareInfo.current(),
                    startedAt, finishedAt, resumes, domainRecord(resolved),
                    algorithm instanceof ForeignAlgorithm<?> foreign ? foreign.provenance() : null,
                    RunRecord.FAILED.equals(status) ? failure : null);
            Json.writeAtomically(dir.resolve(RUN_JSON), r);
            return r;
        }

        private static RunRecord.DomainRecord domainRecord(Configs.Resolved<?> r) {
            return new RunRecord.DomainRecord(r.domain().column(), r.domain().why(), r.domain().rewardMismatch(),
                    r.applied().stream().map(a -> new RunRecord.AppliedSetting(a.key(), a.value(), a.source())).toList());
        }

        private String runId() {
            return Runner.runId(spec, configHash, datasetFiles.stream().map(RunRecord.DatasetFile::sha256).toList());
        }

        private List<String> differences(RunRecord prev) {
            List<String> out = new ArrayList<>();
            if (prev.schemaVersion() != RunRecord.SCHEMA_VERSION) {
                out.add("record schema " + prev.schemaVersion() + " vs " + RunRecord.SCHEMA_VERSION);
                return out;
            }
            // the dataset folder may move; the datasets' identity is checked by SHA-256 instead
            JsonNode a = Json.tree(prev.spec().withDatasetDir("-"));
            JsonNode b = Json.tree(spec.withDatasetDir("-"));
            diff("", a, b, out);
            if (out.isEmpty() && !prev.configHash().equals(configHash)) {
                out.add("config hash " + prev.configHash() + " vs " + configHash + " (the algorithm's defaults changed)");
            }
            return out;
        }

        private RunRecord.DatasetFile describeDataset(String role, Path file, Dataset d) throws IOException {
            String sha = d.sha256() != null ? d.sha256() : Sha256.ofFile(file);
            Path sidecar = provenanceFile(Path.of(spec.datasetDir()), task.datasetName());
            JsonNode provenance = DatasetProvenance.forRecord(sidecar, role, sha);
            // relative to the data folder: a record names the file, not the machine it was read on
            Path dataRoot = Path.of(spec.datasetDir()).toAbsolutePath().normalize();
            Path absFile = file.toAbsolutePath().normalize();
            String name = (absFile.startsWith(dataRoot) ? dataRoot.relativize(absFile) : absFile.getFileName()).toString().replace('\\', '/');
            return new RunRecord.DatasetFile(role, name, sha, d.size(), d.mode() == null ? "unknown" : d.mode().name(),
                    provenance);
        }

        private void checkDims(Dataset d, Path file) {
            EnvSpec es = task.spec();
            if (d.obsDim() != es.obsDim() || d.actionDim() != es.actionDim()) {
                throw new IllegalArgumentException("dataset file " + file + " has observation/action dimensions "
                        + d.obsDim() + "/" + d.actionDim() + " but task '" + task.name() + "' expects " + es.obsDim() + "/" + es.actionDim());
            }
        }

        /** Deletes everything in the run folder but the lock file. */
        private void wipe() throws IOException {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    if (!p.getFileName().toString().equals(LOCK)) AtomicFiles.deleteTree(p);
                }
            } catch (NoSuchFileException e) {
                // nothing to delete
            }
        }
    }

    private static void diff(String path, JsonNode a, JsonNode b, List<String> out) {
        if (a.isObject() && b.isObject()) {
            java.util.TreeSet<String> names = new java.util.TreeSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String n : names) {
                JsonNode x = a.get(n);
                JsonNode y = b.get(n);
                String p = path.isEmpty() ? n : path + "." + n;
                if (x == null || y == null) out.add(p + ": " + x + " vs " + y);
                else diff(p, x, y, out);
            }
        } else if (!a.equals(b)) {
            out.add(path + ": " + a + " then, " + b + " now");
        }
    }

    /** Per-policy headline numbers; policies in order of first appearance. */
    static List<RunRecord.PolicySummary> summarise(List<Evaluation> evaluations) {
        Map<String, List<PolicyEvaluation>> byPolicy = new LinkedHashMap<>();
        Map<String, List<Long>> steps = new LinkedHashMap<>();
        for (Evaluation ev : evaluations) {
            for (PolicyEvaluation pe : ev.policies()) {
                byPolicy.computeIfAbsent(pe.policy(), k -> new ArrayList<>()).add(pe);
                steps.computeIfAbsent(pe.policy(), k -> new ArrayList<>()).add(ev.step());
            }
        }
        List<RunRecord.PolicySummary> out = new ArrayList<>();
        for (Map.Entry<String, List<PolicyEvaluation>> e : byPolicy.entrySet()) {
            List<PolicyEvaluation> list = e.getValue();
            List<Long> st = steps.get(e.getKey());
            PolicyEvaluation last = list.get(list.size() - 1);
            int n = Math.min(LAST_N, list.size());
            double lastN = 0;
            for (int i = list.size() - n; i < list.size(); i++) lastN += list.get(i).overallSuccess();
            lastN /= n;
            double best = Double.NEGATIVE_INFINITY;
            long bestStep = -1;
            Iterator<Long> it = st.iterator();
            for (PolicyEvaluation pe : list) {
                long s = it.next();
                if (pe.overallSuccess() > best) {
                    best = pe.overallSuccess();
                    bestStep = s;
                }
            }
            out.add(new RunRecord.PolicySummary(e.getKey(), st.get(st.size() - 1), last.overallSuccess(), last.meanReturn(),
                    n, lastN, best, bestStep));
        }
        return out;
    }
}
