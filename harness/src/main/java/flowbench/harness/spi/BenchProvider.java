package flowbench.harness.spi;

import java.io.PrintStream;
import java.util.List;

/** A named micro-benchmark runnable as {@code flowbench bench <name>}. */
public interface BenchProvider {
    String name();

    String description();

    /** Runs the benchmark and prints its results. */
    void run(List<String> args, PrintStream out) throws Exception;
}
