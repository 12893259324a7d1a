package flowbench.harness.cli;

import flowbench.harness.protocol.Registry;
import flowbench.harness.spi.BenchProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Runs a registered micro-benchmark; everything after NAME is passed to it unchanged.",
                "Without NAME, lists the benchmarks.", ""})
final class BenchCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Benchmark name.")
    String name;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments for the benchmark.")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        Registry registry = main.context.registry().get();
        if (name == null) {
            if (registry.benches().isEmpty()) o.println("no benchmarks registered");
            for (BenchProvider b : registry.benches()) o.printf("%-24s %s%n", b.name(), b.description());
            o.flush();
            return 0;
        }
        BenchProvider b = registry.bench(name);
        o.flush();
        PrintStream ps = WriterOutputStream.printStream(o, null);
        b.run(List.copyOf(args), ps);
        ps.flush();
        return 0;
    }
}
