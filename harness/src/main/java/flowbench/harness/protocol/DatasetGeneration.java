package flowbench.harness.protocol;

import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.io.AtomicFiles;
import flowbench.harness.io.ProgressListener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Generates a dataset's train and validation files so that both appear together or not at all. */
public final class DatasetGeneration {
    private DatasetGeneration() {}

    /**
     * Both files are generated in a staging folder and moved into place only when both are complete, so an interrupted
     * generation never leaves a train file without its validation file (or a half-written file).
     */
    public static void generate(DatasetGenerator gen, int episodes, int steps, long seed, Path dir, ProgressListener progress)
            throws IOException {
        String name = gen.datasetName();
        Path train = Runner.datasetFile(dir, name, false);
        Path val = Runner.datasetFile(dir, name, true);
        Files.createDirectories(dir);
        Path staging = Files.createTempDirectory(dir, ".generating-" + name + "-");
        try {
            Path sTrain = staging.resolve(train.getFileName());
            Path sVal = staging.resolve(val.getFileName());
            gen.generate(episodes, steps, seed, sTrain, sVal, progress);
            if (!Files.isRegularFile(sTrain) || !Files.isRegularFile(sVal)) {
                throw new IllegalStateException("generator for '" + name + "' did not write both " + sTrain.getFileName()
                        + " and " + sVal.getFileName());
            }
            AtomicFiles.move(sVal, val);
            AtomicFiles.move(sTrain, train);
            AtomicFiles.fsyncDirectory(dir);
        } finally {
            AtomicFiles.deleteTree(staging);
        }
    }
}
