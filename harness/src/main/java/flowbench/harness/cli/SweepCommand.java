package flowbench.harness.cli;

import flowbench.harness.io.Json;
import flowbench.harness.io.ProgressBar;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.RunOptions;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.RunSpec;
import flowbench.harness.protocol.RunStop;
import flowbench.harness.protocol.Runner;
import flowbench.harness.protocol.Suite;
import flowbench.harness.protocol.SuiteRunner;
import flowbench.harness.sweep.LocalExecutor;
import flowbench.harness.sweep.RunStatus;
import flowbench.harness.sweep.SlurmExecutor;
import flowbench.harness.sweep.SlurmOptions;
import flowbench.harness.sweep.SweepFile;
import flowbench.harness.sweep.SweepGrid;
import flowbench.harness.sweep.SweepPlan;
import flowbench.harness.sweep.SweepTask;
import flowbench.harness.sweep.WorkerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Runs a suite, or a grid over it, as independent runs handed to an executor: worker processes on "
                + "this machine (local) or one Slurm job array (slurm). Every run is the run 'flowbench run' makes, in the "
                + "same folder: complete runs are skipped, interrupted ones resume, a failed run does not stop the others.",
                "The expanded run specs are frozen in <out>/sweeps/<id>/sweep.json; 'flowbench sweep status <out>' reads "
                        + "each run's state from its folder, from any machine that sees it.", ""},
        subcommands = {SweepCommand.Status.class, SweepCommand.Resubmit.class, SweepCommand.Task.class,
                SweepCommand.Prepare.class, SweepCommand.Finish.class},
        footer = {"", "Examples:",
                "  flowbench sweep quickstart --workers 2",
                "  flowbench sweep quickstart --set alpha=[1,3,10] --only 'fql*' --seeds 0,1,2,3",
                "  flowbench sweep quickstart --executor slurm --partition cpu --time 4:00:00 --mem 4G --throttle 50",
                "  flowbench sweep status runs/quickstart",
                "  flowbench sweep resubmit runs/quickstart --failed",
                "", "Exit status: 0 every selected run complete (or submitted), 1 some failed or were interrupted, 2 bad command line."})
final class SweepCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "SUITE",
            description = "A shipped suite name, a suite JSON file, or a sweep file: {\"suite\": NAME|FILE, \"seeds\": [...], "
                    + "\"set\": {KEY: [values]}, \"only\": [globs], \"shard\": \"i/N\"} (flags add to it).")
    String suite;

    @Option(names = "--data", paramLabel = "DIR", description = "Dataset folder (default: data/<suite>); on a cluster, a shared folder.")
    Path data;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Results root folder (default: runs/<suite>); on a cluster, a shared folder.")
    Path out;

    @Option(names = "--set", paramLabel = "KEY=VALUES",
            description = "A grid axis (repeatable): KEY=[v1,v2,...] gives each run whose algorithm has KEY one run per value; "
                    + "KEY=v sets one value. A list-valued field takes a list of lists (hidden=[[256,256],[512,512]]).")
    Map<String, String> grid = new LinkedHashMap<>();

    @Option(names = "--seeds", split = ",", paramLabel = "N,N,...", description = "Run seeds instead of the suite's.")
    List<Long> seeds;

    @Option(names = "--only", paramLabel = "GLOB",
            description = "Only runs whose folder <task>/<algorithm>[@config]/seed<k> matches (repeatable); a glob without '/' "
                    + "matches any one part, e.g. --only 'fql*' --only seed0.")
    List<String> only = new ArrayList<>();

    @Option(names = "--shard", paramLabel = "i/N", description = "Only every N-th run starting at the i-th (1-based), for hand-made splits.")
    String shard;

    @Option(names = "--executor", paramLabel = "NAME", description = "local (worker processes here) or slurm (default: ${DEFAULT-VALUE}).")
    String executor = "local";

    @Option(names = "--workers", paramLabel = "N", description = "local: runs at once, one JVM each (default: cores / --threads-per-run).")
    Integer workers;

    @Option(names = "--threads-per-run", paramLabel = "T", description = "local: BLAS threads per run (default: ${DEFAULT-VALUE}); slurm: see --cpus-per-task.")
    int threadsPerRun = 1;

    @Option(names = "--grace", paramLabel = "SECONDS", description = "local: after Ctrl-C, how long runs get to checkpoint before they are killed (default: ${DEFAULT-VALUE}).")
    double grace = 60;

    @Option(names = "--launcher", paramLabel = "CMD",
            description = "Command that starts flowbench on the workers (default: this JVM's java, options and class path; on a "
                    + "cluster whose nodes see Java elsewhere, e.g. /shared/flowbench/flowbench).")
    String launcher;

    @Option(names = "--dry-run", description = "Print the runs (and, for slurm, the job script) without running or submitting anything.")
    boolean dryRun;

    @CommandLine.ArgGroup(exclusive = false, heading = "%nSlurm (with --executor slurm; flags override --slurm-profile):%n")
    SlurmFlags slurm = new SlurmFlags();

    static final class SlurmFlags {
        @Option(names = "--slurm-profile", paramLabel = "FILE", description = "JSON file with any of: partition, account, qos, constraint, cpusPerTask, mem, time, throttle, signalGrace, requeue, sbatch, reportJob, jobName.")
        Path profile;
        @Option(names = "--partition", paramLabel = "NAME") String partition;
        @Option(names = "--account", paramLabel = "NAME") String account;
        @Option(names = "--qos", paramLabel = "NAME") String qos;
        @Option(names = "--constraint", paramLabel = "EXPR") String constraint;
        @Option(names = "--cpus-per-task", paramLabel = "N", description = "CPUs per run, also its BLAS threads (default 1).") Integer cpus;
        @Option(names = "--mem", paramLabel = "SIZE", description = "Memory per run, e.g. 4G.") String mem;
        @Option(names = "--time", paramLabel = "LIMIT", description = "Time limit per run, e.g. 12:00:00; a run near it checkpoints and requeues itself.") String time;
        @Option(names = "--throttle", paramLabel = "N", description = "At most N runs at once (--array=...%%N).") Integer throttle;
        @Option(names = "--signal-grace", paramLabel = "SECONDS", description = "Checkpoint this long before the time limit (default 120).") Integer signalGrace;
        @Option(names = "--no-requeue", description = "Do not requeue a run stopped by its time limit.") boolean noRequeue;
        @Option(names = "--sbatch", paramLabel = "LINE", description = "Extra #SBATCH line, without the prefix (repeatable), e.g. --sbatch=--gres=gpu:1.") List<String> lines = new ArrayList<>();
        @Option(names = "--no-report-job", description = "Do not submit the dependent job that writes the summary and report.") boolean noReport;
        @Option(names = "--wait", description = "Wait until the submitted jobs have left the queue, then print the status.") boolean await;

        SlurmOptions options() throws IOException {
            SlurmOptions base = profile != null ? SlurmOptions.load(profile) : SlurmOptions.none();
            return base.overriddenBy(new SlurmOptions(partition, account, qos, constraint, cpus, mem, time, throttle, signalGrace,
                    noRequeue ? Boolean.FALSE : null, lines, noReport ? Boolean.FALSE : null, null));
        }
    }

    @Override
    public Integer call() throws Exception {
        if (suite == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "missing SUITE (a shipped suite name or a suite file), "
                    + "or one of the subcommands: status, resubmit, task, prepare, finish");
        }
        if (!executor.equals("local") && !executor.equals("slurm")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--executor: expected local or slurm, got '" + executor + "'");
        }
        SweepFile file;
        try {
            file = SweepFile.readIfSweep(Path.of(suite));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Suite s = file != null ? file.suite() : SuiteRunner.load(suite);
        if (file != null) {
            Map<String, String> merged = new LinkedHashMap<>(file.set());
            merged.putAll(grid);
            grid = merged;
            List<String> globs = new ArrayList<>(file.only());
            globs.addAll(only);
            only = globs;
            if (seeds == null) seeds = file.seeds();
            if (shard == null) shard = file.shard();
        }
        Path dataDir = (data != null ? data : Path.of("data", s.name())).toAbsolutePath().normalize();
        Path outDir = (out != null ? out : Path.of("runs", s.name())).toAbsolutePath().normalize();
        Registry registry = main.context.registry().get();
        for (String t : s.tasks()) registry.task(t);
        for (Suite.AlgorithmEntry a : s.algorithms()) registry.algorithm(a.name());
        List<RunSpec> specs = SuiteRunner.specs(s, dataDir);
        if (seeds != null) specs = withSeeds(specs, seeds);
        try {
            specs = SweepGrid.expand(registry, specs, grid);
            specs = SweepGrid.only(specs, only);
            specs = SweepGrid.shard(specs, shard);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (specs.isEmpty()) throw new CommandLine.ParameterException(spec.commandLine(), "the selection holds no runs");
        PrintWriter o = spec.commandLine().getOut();
        ProgressListener progress = main.context.progress().get();
        PrintStream log = WriterOutputStream.printStream(spec.commandLine().getErr(),
                () -> { if (progress instanceof ProgressBar bar) bar.finishLine(); });
        SweepPlan plan = new SweepPlan(SweepPlan.SCHEMA_VERSION, s.name(), s, dataDir.toString(), specs, Instant.now().toString());
        WorkerCommand cmd = launcher != null ? WorkerCommand.parse(launcher) : WorkerCommand.thisJvm();
        if (dryRun) {
            o.printf(Locale.ROOT, "sweep %s (%s): %d runs into %s%n", s.name(), plan.id(), specs.size(), outDir);
            for (int i = 0; i < specs.size(); i++) o.printf(Locale.ROOT, "  %4d  %s%n", i, SweepGrid.relative(specs.get(i)));
            if (executor.equals("slurm")) {
                Path manifest = plan.dir(outDir).resolve(SweepPlan.MANIFEST);
                SlurmExecutor ex = new SlurmExecutor(cmd, slurm.options(), forwardedEnvironment(), null);
                o.println();
                o.print(ex.script(plan, manifest, manifest.getParent().resolve("slurm").resolve("submit-N.indices"), specs.size()));
            }
            o.flush();
            return 0;
        }
        Path manifest = plan.save(outDir);
        log.printf(Locale.ROOT, "sweep %s v%d (%s): %d runs, manifest %s%n", s.name(), s.version(), plan.id(), specs.size(), manifest);
        return execute(plan, manifest, all(plan), o, log, progress);
    }

    /** Runs (local) or submits (slurm) the entries of {@code wanted} that are neither complete nor running. */
    int execute(SweepPlan plan, Path manifest, List<Integer> wanted, PrintWriter o, PrintStream log, ProgressListener progress)
            throws Exception {
        Path outDir = SweepPlan.outRootOf(manifest);
        List<Integer> todo = new ArrayList<>();
        int complete = 0, running = 0, conflicts = 0;
        for (int i : wanted) {
            RunStatus st = RunStatus.in(outDir, plan.runs().get(i));
            if (st.state() == RunStatus.State.COMPLETE) complete++;
            else if (st.state() == RunStatus.State.RUNNING) running++;
            else if (st.state() == RunStatus.State.CONFLICT) {
                conflicts++;
                log.println("not run: " + st.runDir() + ": " + st.failure().message());
            } else todo.add(i);
        }
        if (complete + running > 0) {
            log.printf(Locale.ROOT, "%d complete (skipped), %d running elsewhere (left alone), %d to run%n", complete, running, todo.size());
        }
        WorkerCommand cmd = launcher != null ? WorkerCommand.parse(launcher) : WorkerCommand.thisJvm();
        if (executor.equals("slurm")) {
            if (todo.isEmpty()) {
                log.println("nothing to submit");
                return 0;
            }
            boolean ready = datasetsReady(plan);
            SlurmExecutor ex = new SlurmExecutor(cmd, slurm.options(), forwardedEnvironment(), log);
            SlurmExecutor.Submission sub = ex.submit(plan, manifest, todo, ready, false);
            if (!slurm.await) {
                o.println("submitted: array job " + sub.arrayJob() + " (" + todo.size() + " runs); follow it with: flowbench sweep status " + outDir);
                o.flush();
                return 0;
            }
            List<String> jobs = new ArrayList<>();
            jobs.add(sub.arrayJob());
            jobs.add(sub.prepareJob());
            jobs.add(sub.reportJob());
            // a requeued task can vanish from squeue for a moment: gone means gone three times in a row
            for (int quiet = 0; quiet < 3; ) {
                quiet = SlurmExecutor.active(jobs) ? 0 : quiet + 1;
                Thread.sleep(1000);
            }
            return printStatus(o, outDir, List.of(manifest), false, false) ? 0 : 1;
        }
        if (!todo.isEmpty()) {
            new SuiteRunner(main.context.registry().get(), main.context.datasetLoader()).prepareDatasets(plan.suite(),
                    Path.of(plan.dataDir()), progress, log);
            int n = workers != null ? workers : LocalExecutor.defaultWorkers(threadsPerRun);
            LocalExecutor ex = new LocalExecutor(cmd, n, threadsPerRun, grace, log, progress);
            Thread hook = new Thread(() -> {
                log.println("flowbench: stopping the sweep; every running run checkpoints (up to " + grace
                        + " s); run the same command again to continue");
                ex.stop();
            }, "flowbench-sweep-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            long t0 = System.nanoTime();
            try {
                log.printf(Locale.ROOT, "local executor: %d workers, %d BLAS thread(s) per run, logs in %s%n", n, threadsPerRun,
                        manifest.getParent().resolve("logs"));
                ex.execute(manifest, plan, todo);
            } finally {
                RunStop.release(hook);
            }
            if (progress instanceof ProgressBar bar) bar.finishLine();
            log.printf(Locale.ROOT, "sweep finished in %.1fs%n", (System.nanoTime() - t0) / 1e9);
        }
        boolean allComplete = printStatus(o, outDir, List.of(manifest), false, true);
        if (allComplete) writeSummary(plan, outDir, o);
        return allComplete ? 0 : 1;
    }

    private static List<Integer> all(SweepPlan plan) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < plan.runs().size(); i++) l.add(i);
        return l;
    }

    static List<RunSpec> withSeeds(List<RunSpec> specs, List<Long> seeds) {
        List<RunSpec> out = new ArrayList<>();
        java.util.Set<RunSpec> seen = new java.util.LinkedHashSet<>();
        for (RunSpec s : specs) {
            for (long seed : seeds) {
                RunSpec r = new RunSpec(s.algorithm(), s.task(), s.datasetDir(), seed, s.profile(), s.overrides(), s.protocol());
                if (seen.add(r)) out.add(r);
            }
        }
        return out;
    }

    static boolean datasetsReady(SweepPlan plan) {
        try {
            SuiteRunner.verifyDatasets(plan.suite(), Path.of(plan.dataDir()));
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Environment the tasks need from the launcher: the OGBench bridge's interpreter and similar. */
    static Map<String, String> forwardedEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String k : List.of("FLOWBENCH_OGBENCH_PYTHON", "FLOWBENCH_JAVA_OPTS")) {
            String v = System.getenv(k);
            if (v != null && !v.isEmpty()) env.put(k, v);
        }
        return env;
    }

    static void writeSummary(SweepPlan plan, Path outDir, PrintWriter o) throws IOException {
        List<RunRecord> records = new ArrayList<>();
        for (int i = 0; i < plan.runs().size(); i++) {
            Path f = plan.runDir(outDir, i).resolve(Runner.RUN_JSON);
            if (!Files.isRegularFile(f)) continue;
            RunRecord r = Json.read(f, RunRecord.class);
            if (r.complete()) records.add(r);
        }
        if (records.isEmpty()) return;
        SuiteRunner.writeSummary(plan.suite(), records, outDir);
        o.print(SuiteRunner.markdown(plan.suite(), SuiteRunner.summarize(plan.suite(), records)));
        o.println();
        o.println("summary: " + outDir.resolve("summary.md"));
        o.flush();
    }

    /**
     * Prints every run's state (or, with many runs, the counts and the runs that are not complete); returns true when
     * every run is complete.
     */
    static boolean printStatus(PrintWriter o, Path outDir, List<Path> manifests, boolean all, boolean brief) throws IOException {
        Map<String, RunStatus> seen = statuses(outDir, manifests);
        Map<RunStatus.State, Integer> counts = new EnumMap<>(RunStatus.State.class);
        for (RunStatus st : seen.values()) counts.merge(st.state(), 1, Integer::sum);
        boolean listAll = all || (!brief && seen.size() <= 50);
        for (RunStatus st : seen.values()) {
            if (!listAll && st.state() == RunStatus.State.COMPLETE) continue;
            String rel = outDir.relativize(Path.of(st.runDir())).toString();
            String where = st.state() == RunStatus.State.COMPLETE || st.state() == RunStatus.State.PENDING ? ""
                    : String.format(Locale.ROOT, "  step %d/%d", st.step(), st.total());
            o.printf(Locale.ROOT, "%-11s %s%s%n", st.state().name().toLowerCase(Locale.ROOT), rel, where);
            if (st.failure() != null) {
                o.println("            " + st.failure().message().replace("\n", "\n            "));
                List<String> lines = st.failure().lines();
                // the first line repeats the message; the next five say where
                for (int k = 1; k < Math.min(lines.size(), 6); k++) o.println("            " + lines.get(k).strip());
                if (st.failure().host() != null) {
                    o.println("            (" + st.failure().host() + ", " + st.failure().at() + ")");
                }
            }
        }
        StringBuilder b = new StringBuilder();
        for (RunStatus.State s : RunStatus.State.values()) {
            b.append(b.length() > 0 ? ", " : "").append(counts.getOrDefault(s, 0)).append(' ').append(s.name().toLowerCase(Locale.ROOT));
        }
        o.println(seen.size() + " runs: " + b);
        o.flush();
        return counts.getOrDefault(RunStatus.State.COMPLETE, 0) == seen.size();
    }

    /** Each run folder of the manifests (a folder two manifests share, once) with its status. */
    static Map<String, RunStatus> statuses(Path outDir, List<Path> manifests) throws IOException {
        Map<String, RunStatus> seen = new LinkedHashMap<>();
        for (Path m : manifests) {
            SweepPlan p = SweepPlan.load(m);
            for (RunSpec spec : p.runs()) {
                Path dir = Runner.runDir(outDir, spec);
                seen.computeIfAbsent(dir.toString(), k -> RunStatus.of(dir, spec));
            }
        }
        return seen;
    }

    static List<Path> manifestsOf(CommandSpec spec, Path outDir, String sweepId) throws IOException {
        List<Path> ms = SweepPlan.manifests(outDir);
        if (sweepId != null) ms = ms.stream().filter(m -> m.getParent().getFileName().toString().startsWith(sweepId)).toList();
        if (ms.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), outDir + ": no sweep manifest under " + outDir.resolve(SweepPlan.SWEEPS)
                    + (sweepId != null ? " with id " + sweepId : "") + "; start one with 'flowbench sweep SUITE --out " + outDir + "'");
        }
        return ms;
    }

    @Command(name = "status", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "Each run's state from its folder alone: pending, running, interrupted (resumes), failed (with its message), complete.")
    static final class Status implements Callable<Integer> {
        @ParentCommand SweepCommand parent;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "OUT", description = "The sweep's results root folder.") Path out;
        @Option(names = "--sweep", paramLabel = "ID", description = "Only this sweep (an id prefix) of the folder.") String sweepId;
        @Option(names = "--all", description = "List complete runs too, however many.") boolean all;
        @Option(names = "--json", description = "One JSON document instead of the table.") boolean json;

        @Override
        public Integer call() throws Exception {
            Path outDir = out.toAbsolutePath().normalize();
            List<Path> ms = manifestsOf(spec, outDir, sweepId);
            PrintWriter o = spec.commandLine().getOut();
            if (json) {
                o.print(Json.pretty(statuses(outDir, ms).values()));
                o.flush();
                return 0;
            }
            printStatus(o, outDir, ms, all, false);
            return 0;
        }
    }

    @Command(name = "resubmit", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "Runs again the runs of a sweep folder that failed (--failed) or were interrupted (--interrupted), "
                    + "with the executor given (slurm reuses the options of the last submission).")
    static final class Resubmit implements Callable<Integer> {
        @ParentCommand SweepCommand parent;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "OUT", description = "The sweep's results root folder.") Path out;
        @Option(names = "--failed", description = "Runs whose last attempt failed.") boolean failed;
        @Option(names = "--interrupted", description = "Runs stopped or killed before completing (they resume from their checkpoint).") boolean interrupted;
        @Option(names = "--pending", description = "Runs that never started.") boolean pending;
        @Option(names = "--sweep", paramLabel = "ID", description = "Only this sweep (an id prefix) of the folder.") String sweepId;

        @Override
        public Integer call() throws Exception {
            if (!failed && !interrupted && !pending) {
                throw new CommandLine.ParameterException(spec.commandLine(), "say which runs: --failed, --interrupted and/or --pending");
            }
            Path outDir = out.toAbsolutePath().normalize();
            PrintWriter o = spec.commandLine().getOut();
            ProgressListener progress = parent.main.context.progress().get();
            PrintStream log = WriterOutputStream.printStream(spec.commandLine().getErr(),
                    () -> { if (progress instanceof ProgressBar bar) bar.finishLine(); });
            int code = 0, total = 0;
            for (Path m : manifestsOf(spec, outDir, sweepId)) {
                SweepPlan p = SweepPlan.load(m);
                List<Integer> wanted = new ArrayList<>();
                for (int i = 0; i < p.runs().size(); i++) {
                    RunStatus.State st = RunStatus.in(outDir, p.runs().get(i)).state();
                    if ((failed && st == RunStatus.State.FAILED) || (interrupted && st == RunStatus.State.INTERRUPTED)
                            || (pending && st == RunStatus.State.PENDING)) wanted.add(i);
                }
                if (wanted.isEmpty()) continue;
                total += wanted.size();
                log.printf(Locale.ROOT, "sweep %s (%s): resubmitting %d runs%n", p.name(), p.id(), wanted.size());
                if (parent.executor.equals("slurm") && parent.slurm.profile == null) {
                    Path saved = m.getParent().resolve("slurm").resolve("options.json");
                    if (Files.isRegularFile(saved)) parent.slurm.profile = saved;
                }
                code = Math.max(code, parent.execute(p, m, wanted, o, log, progress));
            }
            if (total == 0) o.println("nothing to resubmit");
            o.flush();
            return code;
        }
    }

    @Command(name = "task", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "Runs entry INDEX of a sweep manifest (what each worker and Slurm array task executes). SIGTERM "
                    + "checkpoints the run before the process exits.")
    static final class Task implements Callable<Integer> {
        @ParentCommand SweepCommand parent;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "MANIFEST", description = "<out>/sweeps/<id>/sweep.json") Path manifest;
        @Parameters(index = "1", arity = "0..1", paramLabel = "INDEX", description = "Entry to run (default: $SLURM_ARRAY_TASK_ID).") Integer index;
        @Option(names = "--grace", paramLabel = "SECONDS", description = "On SIGTERM, how long the run may take to checkpoint (default: ${DEFAULT-VALUE}).") double grace = 60;
        @Option(names = "--progress-lines", description = "Machine-readable progress lines on stdout (for the local executor).") boolean progressLines;

        @Override
        public Integer call() throws Exception {
            int i;
            if (index != null) {
                i = index;
            } else {
                String env = System.getenv("SLURM_ARRAY_TASK_ID");
                if (env == null) throw new CommandLine.ParameterException(spec.commandLine(), "missing INDEX (and SLURM_ARRAY_TASK_ID is not set)");
                i = Integer.parseInt(env.trim());
            }
            PrintWriter o = spec.commandLine().getOut();
            ProgressListener progress = progressLines ? progressLines(o) : parent.main.context.progress().get();
            PrintStream log = WriterOutputStream.printStream(spec.commandLine().getErr(),
                    () -> { if (progress instanceof ProgressBar bar) bar.finishLine(); });
            RunStop stop = new RunStop();
            Thread hook = stop.onShutdown(grace);
            try {
                RunOptions options = RunOptions.defaults().withProgress(progress).withLog(log).withStop(stop);
                SweepTask.Result r = SweepTask.run(parent.main.context.registry().get(), parent.main.context.datasetLoader(),
                        manifest, i, options);
                return switch (r) {
                    case COMPLETE -> 0;
                    case FAILED -> 1;
                    case STOPPED -> 3;
                };
            } finally {
                RunStop.release(hook);
            }
        }

        private static ProgressListener progressLines(PrintWriter o) {
            long[] last = {0};
            return (done, total, label) -> {
                if (!"train".equals(label)) return;
                long now = System.nanoTime();
                if (done < total && now - last[0] < 2_000_000_000L) return;
                last[0] = now;
                synchronized (o) {
                    o.println(LocalExecutor.PROGRESS + done + " " + total);
                    o.flush();
                }
            };
        }
    }

    @Command(name = "prepare", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "Generates the sweep's datasets when missing and checks every pinned SHA-256 (a cluster's first job).")
    static final class Prepare implements Callable<Integer> {
        @ParentCommand SweepCommand parent;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "MANIFEST", description = "<out>/sweeps/<id>/sweep.json") Path manifest;

        @Override
        public Integer call() throws Exception {
            SweepPlan p = SweepPlan.load(manifest);
            PrintStream log = WriterOutputStream.printStream(spec.commandLine().getErr(), () -> {});
            new SuiteRunner(parent.main.context.registry().get(), parent.main.context.datasetLoader())
                    .prepareDatasets(p.suite(), Path.of(p.dataDir()), ProgressListener.NONE, log);
            SuiteRunner.verifyDatasets(p.suite(), Path.of(p.dataDir()));
            spec.commandLine().getOut().println("datasets ready in " + p.dataDir());
            return 0;
        }
    }

    @Command(name = "finish", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
            description = "Prints the status and writes <out>/summary.md and summary.json from the complete runs, then the "
                    + "report under <out>/report when every run is complete (a Slurm sweep's last, dependent job).")
    static final class Finish implements Callable<Integer> {
        @ParentCommand SweepCommand parent;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "MANIFEST", description = "<out>/sweeps/<id>/sweep.json") Path manifest;

        @Override
        public Integer call() throws Exception {
            SweepPlan p = SweepPlan.load(manifest);
            Path outDir = SweepPlan.outRootOf(manifest);
            PrintWriter o = spec.commandLine().getOut();
            boolean complete = printStatus(o, outDir, List.of(manifest.toAbsolutePath()), false, true);
            writeSummary(p, outDir, o);
            if (!complete) {
                o.println("not every run is complete: no report (see 'flowbench sweep status " + outDir + "')");
                o.flush();
                return 1;
            }
            return Main.execute(parent.main.context, WriterOutputStream.printStream(o, () -> {}),
                    WriterOutputStream.printStream(spec.commandLine().getErr(), () -> {}), "report", "--results",
                    outDir.toString(), "--out", outDir.resolve("report").toString());
        }
    }
}
