package flowbench.harness.cli;

import flowbench.harness.io.Json;
import flowbench.harness.io.ProgressBar;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.RunOptions;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.Suite;
import flowbench.harness.protocol.SuiteRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "suite", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Runs and describes benchmark suites: frozen lists of datasets, tasks, algorithms, seeds and one protocol.",
        subcommands = {SuiteCommand.RunSuite.class, SuiteCommand.ListSuites.class, SuiteCommand.ShowSuite.class})
final class SuiteCommand implements Runnable {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
            description = {"Generates the suite's datasets when missing (checking pinned SHA-256), runs every "
                    + "(task, algorithm, seed), skipping complete runs and resuming interrupted ones, then writes "
                    + "<out>/summary.md and <out>/summary.json.", ""},
            footer = {"", "Example:", "  flowbench suite run quickstart"})
    static final class RunSuite implements Callable<Integer> {
        @ParentCommand
        SuiteCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "SUITE", description = "A shipped suite name (see 'flowbench suite list') or a suite JSON file.")
        String suite;

        @Option(names = "--data", paramLabel = "DIR", description = "Dataset folder (default: data/<suite>).")
        Path data;

        @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Results root folder (default: runs/<suite>).")
        Path out;

        @Option(names = "--resume", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "Continue interrupted runs from their last checkpoint (default: ${DEFAULT-VALUE}).")
        boolean resume = true;

        @Option(names = "--force", description = "Discard existing runs of this suite and run them again.")
        boolean force;

        @Option(names = {"-j", "--jobs"}, paramLabel = "N",
                description = "Runs trained at the same time in this process, one thread each; every run's results are "
                        + "those it gets alone with one thread (default: the cores, ${DEFAULT-VALUE} here; 1 = one after "
                        + "another, each free to use every core).")
        int jobs = flowbench.harness.protocol.RunPool.defaultJobs();

        @Override
        public Integer call() throws Exception {
            Suite s = SuiteRunner.load(suite);
            Path dataDir = data != null ? data : Path.of("data", s.name());
            Path outDir = out != null ? out : Path.of("runs", s.name());
            Registry registry = parent.main.context.registry().get();
            ProgressListener progress = parent.main.context.progress().get();
            PrintStream log = WriterOutputStream.printStream(spec.commandLine().getErr(),
                    () -> { if (progress instanceof ProgressBar bar) bar.finishLine(); });
            log.printf(Locale.ROOT, "suite %s v%d: %d runs (%d tasks x %d algorithms x %d seeds%s), results in %s%n",
                    s.name(), s.version(), s.runCount(), s.tasks().size(), s.algorithms().size(), s.seeds().size(),
                    s.selection() == null ? "" : ", plus selection seeds " + s.selection().seedText() + " of the rule's algorithms",
                    outDir);
            flowbench.harness.protocol.RunStop stop = new flowbench.harness.protocol.RunStop();
            RunOptions options = RunOptions.defaults().withResume(resume).withForce(force).withProgress(progress).withLog(log)
                    .withStop(stop);
            Thread stopHook = stop.onShutdown(RunCommand.STOP_GRACE_SECONDS);
            long t0 = System.nanoTime();
            Thread hook = Interrupted.hook("suite " + s.name() + " (results in " + outDir + ")", "run 'flowbench suite run "
                    + s.name() + "' again: complete runs are skipped and the interrupted one resumes from its last checkpoint");
            List<RunRecord> records;
            try {
                if (jobs < 1) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--jobs: expected >= 1, got " + jobs);
                }
                records = new SuiteRunner(registry, parent.main.context.datasetLoader()).run(s, dataDir, outDir, options, jobs);
            } finally {
                Interrupted.release(hook);
                flowbench.harness.protocol.RunStop.release(stopHook);
            }
            if (progress instanceof ProgressBar bar) bar.finishLine();
            PrintWriter o = spec.commandLine().getOut();
            o.print(SuiteRunner.markdown(s, SuiteRunner.summarize(s, records)));
            o.printf(Locale.ROOT, "%nsuite finished in %.1fs; summary: %s%n", (System.nanoTime() - t0) / 1e9,
                    outDir.resolve("summary.md"));
            o.flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the suites shipped with flowbench.")
    static final class ListSuites implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter o = spec.commandLine().getOut();
            List<Suite> suites = new java.util.ArrayList<>();
            for (String name : SuiteRunner.SHIPPED) suites.add(SuiteRunner.load(name));
            int w = suites.stream().mapToInt(x -> x.name().length()).max().orElse(0);
            for (Suite s : suites) {
                o.printf(Locale.ROOT, "%-" + w + "s  v%-3d %4d runs  %s%n", s.name(), s.version(), s.runCount(), s.description());
            }
            o.flush();
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Prints a suite's full definition as JSON.")
    static final class ShowSuite implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "SUITE", description = "A shipped suite name or a suite JSON file.")
        String suite;

        @Override
        public Integer call() throws Exception {
            PrintWriter o = spec.commandLine().getOut();
            o.print(Json.pretty(SuiteRunner.load(suite)));
            o.flush();
            return 0;
        }
    }
}
