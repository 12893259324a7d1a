package flowbench.harness.spi;

import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.env.Task;

import java.util.List;
import java.util.Optional;

/** Registers task families with the harness through {@link java.util.ServiceLoader}. */
public interface TaskProvider {
    /** Every task name this provider serves (single-task and goal-conditioned). */
    List<String> taskNames();

    Optional<Task> task(String name);

    /** Dataset names this provider can generate, e.g. "jpointmaze-medium-navigate-v0". */
    List<String> datasetNames();

    Optional<DatasetGenerator> generator(String datasetName);

    /**
     * The current name of a task or dataset this provider once served under {@code oldName}; old names are refused
     * with a pointer to the new one rather than silently served (a renamed family keeps its data and numbers).
     */
    default Optional<String> renamedTo(String oldName) {
        return Optional.empty();
    }
}
