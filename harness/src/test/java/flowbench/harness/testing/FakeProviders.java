package flowbench.harness.testing;

import flowbench.harness.agent.Algorithm;
import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.env.Task;
import flowbench.harness.spi.AlgorithmProvider;
import flowbench.harness.spi.BenchProvider;
import flowbench.harness.spi.TaskProvider;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/** Test-scope registrations (META-INF/services under src/test/resources). */
public final class FakeProviders {
    private FakeProviders() {}

    public static final class Tasks implements TaskProvider {
        @Override public List<String> taskNames() { return List.of(FakeTask.GC, FakeTask.SINGLE, FakeTask.SINGLE3); }

        @Override
        public Optional<Task> task(String name) {
            return taskNames().contains(name) ? Optional.of(new FakeTask(name)) : Optional.empty();
        }

        @Override public List<String> datasetNames() { return List.of(FakeTask.DATASET); }

        @Override
        public Optional<DatasetGenerator> generator(String datasetName) {
            return datasetName.equals(FakeTask.DATASET) ? Optional.of(new FakeGenerator()) : Optional.empty();
        }
    }

    public static final class Algorithms implements AlgorithmProvider {
        @Override public List<Algorithm<?>> algorithms() { return List.of(new FakeAlgorithm()); }
    }

    public static final class Bench implements BenchProvider {
        @Override public String name() { return "echo"; }
        @Override public String description() { return "prints its arguments (tests only)"; }

        @Override
        public void run(List<String> args, PrintStream out) {
            out.println("echo " + String.join("|", args) + " \u00e9");
        }
    }
}
