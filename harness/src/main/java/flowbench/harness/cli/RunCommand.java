package flowbench.harness.cli;

import flowbench.harness.agent.Algorithm;
import flowbench.harness.domain.Domains;
import flowbench.harness.io.Json;
import flowbench.harness.io.ProgressBar;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.protocol.Configs;
import flowbench.harness.protocol.Protocol;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.RunOptions;
import flowbench.harness.protocol.RunOutcome;
import flowbench.harness.protocol.RunPool;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.RunSpec;
import flowbench.harness.protocol.Runner;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import flowbench.harness.external.ExternalAlgorithm;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Trains one algorithm on one task with one seed, evaluating on schedule.",
                "Results go to <out>/<task>/<algorithm>/seed<seed>/ (<algorithm>@<label>/ for another profile than cpu or "
                        + "--set overrides, e.g. fql@alpha=3): run.json (full record), config.json, train.csv, "
                        + "eval.csv and the latest checkpoint. An interrupted run continues from its last checkpoint; "
                        + "a complete run with the same spec is not run again.", ""},
        footer = {"", "Example:",
                "  flowbench run -a flow-bc -t jpointmaze-medium-navigate-singletask-task1-v0 \\",
                "      --data data --profile cpu --train-steps 20000 --eval-every 5000 \\",
                "      --episodes 20 --set lr=1e-3"})
final class RunCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = {"-a", "--algorithm"}, paramLabel = "NAME",
            description = "Algorithm to train (see 'flowbench algorithms'); or --external.")
    String algorithm;

    @Option(names = "--external", paramLabel = "CMD",
            description = "Train and evaluate a method written in any language: CMD (split like a shell would, run in the current folder) is a learner speaking clients/PROTOCOL.md, e.g. \"python clients/python/examples/torch_flow_bc.py\". The harness owns the data, seeds, budget, evaluation and record; the method's name, version and defaults come from the learner; --set overrides its settings.")
    String external;

    @Option(names = "--call-timeout", paramLabel = "SECONDS",
            description = "With --external: the longest the harness waits for one reply of the learner (a training block, an act, a checkpoint) before it stops it and records a timeout (default: ${DEFAULT-VALUE}).")
    long callTimeoutSeconds = 600;

    @Option(names = {"-t", "--task"}, required = true, paramLabel = "NAME", description = "Task (see 'flowbench tasks').")
    String task;

    @Option(names = "--data", paramLabel = "DIR", description = "Folder holding <dataset>.npz and <dataset>-val.npz (default: ${DEFAULT-VALUE}).")
    Path data = Path.of("data");

    @Option(names = {"-s", "--seed"}, paramLabel = "N", description = "Run seed: initialisation, batches, policy noise (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--seeds", split = ",", paramLabel = "N,N,...",
            description = "Several run seeds in one process (instead of --seed): each seed's run folder, record and results are exactly those of running it alone with one thread per run; see --jobs.")
    List<Long> seeds;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N",
            description = "With --seeds: runs trained at the same time, one thread each (default: the cores, ${DEFAULT-VALUE} here).")
    int jobs = RunPool.defaultJobs();

    @Option(names = "--profile", paramLabel = "NAME",
            description = "Algorithm default profile: 'cpu' (small networks, batch and ensemble, sized for minutes on 2 cores)"
                    + " or 'paper' (the reference's sizes: 4x512 networks, batch 256, 10 critics; a 1M-step run takes weeks"
                    + " on 2 cores). Both take the task domain's per-domain values (chunk length, discount, alpha, lambda,"
                    + " ...; see 'flowbench algorithms --task'). Default: ${DEFAULT-VALUE}.")
    String profile = "cpu";

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one config field (repeatable); dotted keys reach nested fields; values are JSON where the field is not a string, e.g. --set lr=1e-3 --set hidden=[256,256] --set discount=0.995. The reference code's names (lr, actor_hidden_dims, inv_temp, ...) are accepted; an unknown key is refused with the valid ones.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--train-steps", paramLabel = "N", description = "Gradient steps (default: ${DEFAULT-VALUE}).")
    long trainSteps = Protocol.defaults().trainSteps();

    @Option(names = "--eval-every", paramLabel = "N", description = "Evaluate every N steps, and always at the end; 0 = only at the end (default: ${DEFAULT-VALUE}).")
    long evalEvery = Protocol.defaults().evalEvery();

    @Option(names = "--eval-at-start", description = "Also evaluate the untrained learner at step 0 (default: ${DEFAULT-VALUE}).")
    boolean evalAtStart = Protocol.defaults().evalAtStart();

    @Option(names = "--episodes", paramLabel = "N", description = "Episodes per evaluation task, run as one lockstep batch (default: ${DEFAULT-VALUE}).")
    int episodes = Protocol.defaults().episodesPerTask();

    @Option(names = "--checkpoint-every", paramLabel = "N", description = "Checkpoint every N steps, besides every evaluation; 0 = only at evaluations (default: ${DEFAULT-VALUE}).")
    long checkpointEvery = Protocol.defaults().checkpointEvery();

    @Option(names = "--log-every", paramLabel = "N", description = "Write a train.csv row (update and validation metrics) every N steps (default: ${DEFAULT-VALUE}).")
    long logEvery = Protocol.defaults().logEvery();

    @Option(names = "--eval-seed", paramLabel = "N", description = "Suite seed: episode i of task k always gets the same environment seed (default: ${DEFAULT-VALUE}).")
    long evalSeed = Protocol.defaults().evalSeed();

    @Option(names = "--suite", paramLabel = "NAME|FILE",
            description = "Run under a suite (a shipped suite name or a suite JSON file): the protocol (steps, evaluation schedule, episodes, seeds of evaluation) is the suite's, the task and algorithm must be among its own, and a protocol flag that disagrees with it is refused; --data defaults to data/<suite>. Without it the run is recorded as suite '${DEFAULT-VALUE}'.")
    String suite = Protocol.defaults().suiteName();

    @Option(names = "--suite-version", paramLabel = "N", description = "With --suite: the version expected (refused when the suite has another).")
    Integer suiteVersion;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Results root folder (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("runs");

    @Option(names = "--resume", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Continue an interrupted run from its last checkpoint; --no-resume discards it and starts over (default: ${DEFAULT-VALUE}).")
    boolean resume = true;

    @Option(names = "--force", description = "Discard whatever the run folder holds (even a complete run or a different spec) and run again.")
    boolean force;

    @Option(names = "--dry-run", description = "Print the resolved run spec and merged config, then exit without running.")
    boolean dryRun;

    RunSpec toSpec() {
        return toSpec(seed);
    }

    RunSpec toSpec(long runSeed) {
        Protocol p = protocol();
        Path dataDir = data;
        if (!suite.equals(Protocol.ADHOC_SUITE) && !spec.commandLine().getParseResult().hasMatchedOption("--data")) {
            dataDir = Path.of("data", p.suiteName());
        }
        return new RunSpec(algorithm, task, dataDir.toAbsolutePath().normalize().toString(), runSeed, profile, overrides, p);
    }

    /**
     * The protocol given by the flags, or with --suite the suite's own; a flag the user gave that disagrees with the
     * suite is refused, so that no run is labelled with a suite whose protocol it did not follow.
     */
    Protocol protocol() {
        Protocol flags = new Protocol(trainSteps, evalEvery, evalAtStart, episodes, checkpointEvery, logEvery, evalSeed,
                Protocol.ADHOC_SUITE, Protocol.defaults().suiteVersion());
        if (suite.equals(Protocol.ADHOC_SUITE)) {
            if (suiteVersion != null) throw usage("--suite-version is only meaningful with --suite");
            return flags;
        }
        flowbench.harness.protocol.Suite s;
        try {
            s = flowbench.harness.protocol.SuiteRunner.load(suite);
        } catch (java.io.IOException | RuntimeException e) {
            throw usage("--suite " + suite + ": " + e.getMessage() + " (--suite takes a shipped suite or a suite file, whose "
                    + "protocol the run then follows)");
        }
        Protocol p = s.runProtocol();
        if (suiteVersion != null && suiteVersion != s.version()) {
            throw usage("--suite-version " + suiteVersion + ": suite " + s.name() + " is version " + s.version());
        }
        if (!s.tasks().contains(task)) {
            throw usage("--task " + task + " is not a task of suite " + s.name() + " v" + s.version() + " (its tasks: "
                    + String.join(", ", s.tasks()) + ")");
        }
        if (external == null && s.algorithms().stream().noneMatch(a -> a.name().equals(algorithm))) {
            throw usage("--algorithm " + algorithm + " is not an algorithm of suite " + s.name() + " v" + s.version()
                    + " (its algorithms: " + String.join(", ", s.algorithms().stream().map(a -> a.name()).distinct().toList()) + ")");
        }
        var pr = spec.commandLine().getParseResult();
        List<String> disagree = new java.util.ArrayList<>();
        check(pr, disagree, "--train-steps", trainSteps, p.trainSteps());
        check(pr, disagree, "--eval-every", evalEvery, p.evalEvery());
        check(pr, disagree, "--eval-at-start", evalAtStart, p.evalAtStart());
        check(pr, disagree, "--episodes", episodes, p.episodesPerTask());
        check(pr, disagree, "--checkpoint-every", checkpointEvery, p.checkpointEvery());
        check(pr, disagree, "--log-every", logEvery, p.logEvery());
        check(pr, disagree, "--eval-seed", evalSeed, p.evalSeed());
        if (!disagree.isEmpty()) {
            throw usage("suite " + s.name() + " v" + s.version() + " fixes the protocol, and " + String.join("; ", disagree)
                    + "; drop the flag(s) to run under the suite, or drop --suite for an ad-hoc run");
        }
        // an external method is run under the suite's protocol (that is what makes it comparable), with its own config
        if (external == null) adoptSuiteConfig(s, pr);
        return p;
    }

    /**
     * Under a suite the algorithm's profile and overrides are the suite entry's (so {@code run --suite core --algorithm
     * qgf ...} reproduces the suite's QGF run, not the profile's default sizes); --set adds to them, as a sweep grid
     * does. An algorithm the suite lists several times needs --set naming one entry's overrides exactly.
     */
    private void adoptSuiteConfig(flowbench.harness.protocol.Suite s, CommandLine.ParseResult pr) {
        if (adopted) return;
        List<flowbench.harness.protocol.Suite.AlgorithmEntry> entries = s.algorithms().stream()
                .filter(a -> a.name().equals(algorithm)).toList();
        String where = "suite " + s.name() + " v" + s.version();
        flowbench.harness.protocol.Suite.AlgorithmEntry entry;
        if (entries.size() == 1) {
            entry = entries.get(0);
        } else {
            entry = entries.stream().filter(e -> e.overrides().equals(overrides)).findFirst().orElseThrow(() -> usage(
                    where + " lists " + algorithm + " " + entries.size() + " times, with overrides "
                            + entries.stream().map(e -> String.valueOf(e.overrides())).toList()
                            + "; give one of them exactly with --set"));
        }
        if (pr.hasMatchedOption("--profile") && !profile.equals(entry.profile())) {
            throw usage("--profile " + profile + " differs from " + where + "'s " + entry.profile() + " for " + algorithm
                    + "; drop --profile to run under the suite, or drop --suite for an ad-hoc run");
        }
        profile = entry.profile();
        Map<String, String> merged = new LinkedHashMap<>(entry.overrides());
        merged.putAll(overrides);
        overrides = merged;
        adopted = true;
    }

    private boolean adopted;

    private static void check(CommandLine.ParseResult pr, List<String> out, String flag, Object given, Object suiteValue) {
        if (pr.hasMatchedOption(flag) && !given.equals(suiteValue)) {
            out.add(flag + " " + given + " differs from the suite's " + suiteValue);
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /** The seeds to run: --seeds, else --seed. */
    List<Long> seedList() {
        if (seeds == null) return List.of(seed);
        if (spec.commandLine().getParseResult().hasMatchedOption("--seed")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either --seed or --seeds, not both");
        }
        if (seeds.isEmpty() || new HashSet<>(seeds).size() != seeds.size()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--seeds: expected distinct seeds, got " + seeds);
        }
        if (jobs < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--jobs: expected >= 1, got " + jobs);
        return List.copyOf(seeds);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        List<Long> runSeeds = seedList();
        Registry registry = main.context.registry().get();
        ProgressListener progress = main.context.progress().get();
        // log lines go to stderr; an in-place progress line is ended first so the two do not overwrite each other
        PrintStream log = WriterOutputStream.printStream(spec.commandLine().getErr(),
                () -> { if (progress instanceof ProgressBar bar) bar.finishLine(); });
        ExternalAlgorithm ext = null;
        if (external != null) {
            if (algorithm != null) throw usage("give either --algorithm or --external, not both");
            if (spec.commandLine().getParseResult().hasMatchedOption("--profile")) {
                throw usage("--profile: an external method has no profiles; configure it with --set");
            }
            if (callTimeoutSeconds < 1) throw usage("--call-timeout: expected >= 1 second, got " + callTimeoutSeconds);
            registry.task(task);
            ext = ExternalAlgorithm.start(external, Path.of("").toAbsolutePath(), Duration.ofSeconds(callTimeoutSeconds), log,
                    Set.copyOf(registry.algorithmNames()));
            algorithm = ext.name();
            registry = registry.withAlgorithm(ext);
            log.println("external method " + ext.name() + " " + ext.version() + " (" + ext.family() + "), started by: " + external);
        } else if (algorithm == null) {
            throw usage("give --algorithm NAME (see 'flowbench algorithms') or --external CMD (a learner speaking clients/PROTOCOL.md)");
        }
        try {
            return call(o, runSeeds, registry, ext, progress, log);
        } finally {
            if (ext != null) ext.closeIdle();
        }
    }

    private int call(PrintWriter o, List<Long> runSeeds, Registry registry, ExternalAlgorithm ext, ProgressListener progress,
                     PrintStream log) throws Exception {
        RunSpec runSpec = toSpec(runSeeds.get(0));
        // a --set key that names nothing is a usage error (status 2), found before any data is touched
        flowbench.harness.env.TaskMode mode = registry.task(task).mode();
        Algorithm<?> chosen = registry.algorithm(algorithm);
        try {
            if (ext != null) {
                ext.resolve(Domains.of(task), overrides);
            } else {
                Configs.canonicalKeys(chosen.name(), chosen.configType(), overrides);
                Configs.refuseInert(chosen.name(), chosen.configType(), mode, overrides);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--set: " + e.getMessage(), e,
                    spec.findOption("--set"), String.valueOf(overrides));
        }
        if (dryRun) {
            registry.task(task);
            Algorithm<?> alg = registry.algorithm(algorithm);
            Configs.Resolved<?> r = ext != null ? ext.resolve(Domains.of(task), overrides)
                    : Configs.resolve(alg, profile, Domains.of(task), overrides);
            Record config = r.config();
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("spec", runSpec);
            doc.put("config", Configs.toJson(config));
            doc.put("configHash", Configs.hash(config));
            doc.put("domain", Map.of("column", r.domain().column(), "applied", r.applied()));
            if (runSeeds.size() == 1) {
                doc.put("runDir", Runner.runDir(out, runSpec).toString());
            } else {
                doc.put("seeds", runSeeds);
                doc.put("runDirs", runSeeds.stream().map(sd -> Runner.runDir(out, toSpec(sd)).toString()).toList());
            }
            if (ext != null) doc.put("external", ext.provenance());
            o.print(Json.pretty(doc));
            o.flush();
            return 0;
        }
        // SIGTERM (a scheduler's preemption or time limit) or Ctrl-C: the run checkpoints at its current step first
        flowbench.harness.protocol.RunStop stop = new flowbench.harness.protocol.RunStop();
        Thread stopHook = stop.onShutdown(STOP_GRACE_SECONDS);
        RunOptions options = RunOptions.defaults().withResume(resume).withForce(force).withProgress(progress).withLog(log)
                .withStop(stop);
        try {
            return runAll(o, runSpec, runSeeds, options, progress, registry);
        } finally {
            flowbench.harness.protocol.RunStop.release(stopHook);
        }
    }

    /** Seconds a run gets, after SIGTERM or Ctrl-C, to write its checkpoint before the JVM exits. */
    static final double STOP_GRACE_SECONDS = 60;

    private int runAll(PrintWriter o, RunSpec runSpec, List<Long> runSeeds, RunOptions options, ProgressListener progress,
                       Registry registry) throws Exception {
        if (runSeeds.size() > 1) return runSeeds(o, runSeeds, options, progress, registry);
        // Ctrl-C (SIGINT/SIGTERM) mid-run: say where the run lives and that the same command resumes it
        Thread hook = Interrupted.hook("the run in " + Runner.runDir(out, runSpec),
                "run the same command again: it resumes from the run's last checkpoint");
        RunOutcome outcome;
        try {
            outcome = new Runner(registry, main.context.datasetLoader()).run(runSpec, out, options);
        } finally {
            Interrupted.release(hook);
        }
        if (progress instanceof ProgressBar bar) bar.finishLine();
        printSummary(o, outcome);
        return 0;
    }

    private int runSeeds(PrintWriter o, List<Long> runSeeds, RunOptions options, ProgressListener progress, Registry registry)
            throws InterruptedException {
        List<RunSpec> specs = runSeeds.stream().map(this::toSpec).toList();
        Thread hook = Interrupted.hook("the runs in " + Runner.runDir(out, specs.get(0)).getParent() + " (seeds "
                        + runSeeds.stream().map(String::valueOf).collect(Collectors.joining(", ")) + ")",
                "run the same command again: each seed resumes from its last checkpoint");
        List<RunPool.Result> results;
        try {
            results = new RunPool(new Runner(registry, main.context.datasetLoader()), jobs)
                    .runAll(specs, out, options, s -> "seed" + s.seed(), s -> {});
        } finally {
            Interrupted.release(hook);
        }
        if (progress instanceof ProgressBar bar) bar.finishLine();
        int failed = 0;
        for (RunPool.Result r : results) {
            o.println("seed " + r.spec().seed() + ":");
            if (r.ok()) {
                printSummary(o, r.outcome());
            } else {
                failed++;
                o.println("failed: " + Runner.runDir(out, r.spec()) + ": " + r.failure().getMessage());
                o.flush();
            }
        }
        if (failed > 0) {
            Throwable first = results.stream().filter(r -> !r.ok()).findFirst().orElseThrow().failure();
            throw new IllegalStateException(failed + " of " + results.size() + " seeds failed (listed above); the others "
                    + "are complete. Rerunning the same command runs only what is not complete. First failure: "
                    + first.getMessage(), first);
        }
        return 0;
    }

    static void printSummary(PrintWriter o, RunOutcome outcome) {
        RunRecord r = outcome.record();
        o.println((outcome.alreadyComplete() ? "already complete: " : "complete: ") + outcome.runDir().resolve(Runner.RUN_JSON));
        o.printf(Locale.ROOT, "%-28s %10s %14s %10s %10s%n", "policy", "final", "last-" + 3 + " mean", "best", "best@step");
        for (RunRecord.PolicySummary s : r.summary()) {
            o.printf(Locale.ROOT, "%-28s %10.3f %14.3f %10.3f %10d%n", s.policy(), s.finalSuccess(), s.lastNSuccess(), s.bestSuccess(), s.bestStep());
        }
        RunRecord.Timing t = r.timing();
        o.printf(Locale.ROOT, "wall %.1fs (train %.1fs, eval %.1fs, checkpoints %.1fs), %.1f steps/s%n",
                t.totalSeconds(), t.trainSeconds(), t.evalSeconds(), t.checkpointSeconds(), t.stepsPerSecond());
        o.flush();
    }
}
