package flowbench.harness.protocol;

import flowbench.harness.data.Dataset;
import flowbench.harness.data.Datasets;
import flowbench.harness.data.LoadOptions;
import flowbench.harness.env.Relabeler;

import java.io.IOException;
import java.nio.file.Path;

/** Reads one dataset file for a run. The default reads OGBench {@code .npz}; tests substitute in-memory data. */
@FunctionalInterface
public interface DatasetLoader {
    /**
     * @param relabeler single-task relabelling of rewards and masks, or null for goal-conditioned tasks
     */
    Dataset load(Path file, Relabeler relabeler) throws IOException;

    static DatasetLoader ogbench() {
        return (file, relabeler) -> Datasets.load(file, LoadOptions.defaults(), relabeler);
    }
}
