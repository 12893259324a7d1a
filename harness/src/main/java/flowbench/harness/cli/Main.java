package flowbench.harness.cli;

import flowbench.harness.protocol.SoftwareInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Entry point of the {@code flowbench} command (see the launcher script at the repository root). */
@Command(name = "flowbench", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Benchmark harness for offline RL with flow policies (OGBench conventions).", ""},
        subcommands = {DatasetsCommand.class, RunCommand.class, BenchCommand.class, TasksCommand.class,
                AlgorithmsCommand.class, SuiteCommand.class, SweepCommand.class, ReportCommand.class, CheckConfigsCommand.class, MigrateNamesCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Typical use:",
                "  flowbench suite run quickstart      (a small benchmark end to end)",
                "  flowbench report --results runs/quickstart   (statistics, tables and plots)",
                "  flowbench tasks",
                "  flowbench datasets generate --task TASK --out data",
                "  flowbench run -a ALGORITHM -t TASK --data data --seed 1",
                "", "Exit status: 0 success, 1 runtime error, 2 bad command line.",
                "Environment: FLOWBENCH_DEBUG=1 prints stack traces;",
                "FLOWBENCH_PROGRESS=plain|tty|off controls the progress display (stderr)."})
public final class Main implements Runnable {
    final CliContext context;

    @Spec
    CommandSpec spec;

    Main(CliContext context) {
        this.context = context;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        int code = execute(CliContext.defaults(), System.out, System.err, args);
        System.exit(code);
    }

    /** Runs the command line; returns the exit status instead of exiting. */
    public static int execute(CliContext context, PrintStream out, PrintStream err, String... args) {
        PrintWriter o = new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter e = new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        CommandLine cl = commandLine(context);
        cl.setOut(o);
        cl.setErr(e);
        try {
            return cl.execute(args);
        } finally {
            o.flush();
            e.flush();
        }
    }

    static CommandLine commandLine(CliContext context) {
        CommandLine cl = new CommandLine(new Main(context), new Factory(context));
        // everything after the bench name goes to the bench untouched, options included
        CommandLine bench = cl.getSubcommands().get("bench");
        bench.setStopAtPositional(true);
        bench.setUnmatchedOptionsArePositionalParams(true);
        cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
            // usage errors found by a command itself (e.g. an unknown --set key) keep the usage status 2
            if (ex instanceof CommandLine.ParameterException pe) {
                return line.getParameterExceptionHandler().handleParseException(pe, new String[0]);
            }
            PrintWriter err = line.getErr();
            String msg = ex.getMessage() != null ? ex.getMessage() : ex.toString();
            err.println("error: " + msg);
            if (debug()) ex.printStackTrace(err);
            err.flush();
            return 1;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine line = ex.getCommandLine();
            PrintWriter err = line.getErr();
            err.println("error: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + line.getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return 2;
        });
        return cl;
    }

    static boolean debug() {
        String d = System.getenv("FLOWBENCH_DEBUG");
        return d != null && !d.isEmpty() && !d.equals("0");
    }

    /** Gives every command the shared context. */
    private static final class Factory implements CommandLine.IFactory {
        private final CliContext context;
        private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

        Factory(CliContext context) {
            this.context = context;
        }

        @Override
        public <K> K create(Class<K> cls) throws Exception {
            if (cls == Main.class) return cls.cast(new Main(context));
            return fallback.create(cls);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            SoftwareInfo s = SoftwareInfo.current();
            String git = s.gitRevision().equals("unknown") ? "unknown" : s.gitRevision().substring(0, 12)
                    + (Boolean.TRUE.equals(s.gitDirty()) ? "-dirty" : "");
            return new String[] {"flowbench " + s.harnessVersion() + " (git " + git + ", Java " + System.getProperty("java.version") + ")"};
        }
    }
}
