package flowbench.harness.data;

import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.ProgressListener;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Generates a dataset in OGBench's raw {@code .npz} schema: {@code episodes} episodes of {@code steps + 1} rows, plus a
 * validation file with {@code max(1, episodes / 10)} episodes. Deterministic given the seed.
 */
public interface DatasetGenerator {
    String datasetName();

    /** The specification's size (e.g. 1000 episodes x 1000 steps for jpointmaze-medium-navigate). */
    int defaultEpisodes();

    int defaultSteps();

    /**
     * @param trainFile e.g. {@code jpointmaze-medium-navigate-v0.npz}
     * @param valFile   e.g. {@code jpointmaze-medium-navigate-v0-val.npz}
     */
    void generate(int episodes, int steps, long seed, Path trainFile, Path valFile, ProgressListener progress) throws IOException;

    /**
     * Generates like {@link #generate} and describes how: generators that run an outside program (OGBench's oracles
     * through the Python bridge) return what that program reports (its versions, oracle parameters, sizes), which
     * {@code DatasetGeneration} stores in the dataset's provenance sidecar together with the SHA-256 of both files.
     * The default (the Java-native generators, whose code and seed say everything) generates and returns null: no
     * sidecar.
     */
    default ObjectNode generateWithProvenance(int episodes, int steps, long seed, Path trainFile, Path valFile,
                                              ProgressListener progress) throws IOException {
        generate(episodes, steps, seed, trainFile, valFile, progress);
        return null;
    }
}
