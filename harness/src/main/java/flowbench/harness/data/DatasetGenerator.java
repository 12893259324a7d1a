package flowbench.harness.data;

import flowbench.harness.io.ProgressListener;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Generates a dataset in OGBench's raw {@code .npz} schema: {@code episodes} episodes of {@code steps + 1} rows, plus a
 * validation file with {@code max(1, episodes / 10)} episodes. Deterministic given the seed.
 */
public interface DatasetGenerator {
    String datasetName();

    /** The specification's size (e.g. 1000 episodes x 1000 steps for pointmaze-medium-navigate). */
    int defaultEpisodes();

    int defaultSteps();

    /**
     * @param trainFile e.g. {@code pointmaze-medium-navigate-v0.npz}
     * @param valFile   e.g. {@code pointmaze-medium-navigate-v0-val.npz}
     */
    void generate(int episodes, int steps, long seed, Path trainFile, Path valFile, ProgressListener progress) throws IOException;
}
