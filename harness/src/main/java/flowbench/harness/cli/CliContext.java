package flowbench.harness.cli;

import flowbench.harness.io.ProgressBar;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.protocol.DatasetLoader;
import flowbench.harness.protocol.Registry;

import java.util.function.Supplier;

/**
 * What the commands need from outside: the registry (ServiceLoader by default), the dataset reader and the progress
 * display. Tests substitute fakes.
 */
public record CliContext(Supplier<Registry> registry, DatasetLoader datasetLoader, Supplier<ProgressListener> progress) {
    public static CliContext defaults() {
        return new CliContext(Registry::load, DatasetLoader.ogbench(), ProgressBar::forStderr);
    }
}
