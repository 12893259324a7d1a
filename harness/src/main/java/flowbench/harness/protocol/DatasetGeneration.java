package flowbench.harness.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.data.NpyHeader;
import flowbench.harness.data.Npz;
import flowbench.harness.data.Sha256;
import flowbench.harness.io.AtomicFiles;
import flowbench.harness.io.Json;
import flowbench.harness.io.ProgressListener;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/** Generates a dataset's train and validation files so that both appear together or not at all. */
public final class DatasetGeneration {
    private DatasetGeneration() {}

    /**
     * Both files are generated in a staging folder and moved into place only when both are complete, so an interrupted
     * generation never leaves a train file without its validation file (or a half-written file). A generator that
     * reports provenance ({@link DatasetGenerator#generateWithProvenance}) gets the sidecar
     * {@link Runner#provenanceFile} written after both files are in place; a sidecar left by an earlier generation is
     * removed first, so a sidecar never describes other bytes than the files next to it.
     *
     * @return the sidecar's content, or null for generators without provenance
     */
    public static DatasetProvenance generate(DatasetGenerator gen, int episodes, int steps, long seed, Path dir,
                                             ProgressListener progress) throws IOException {
        String name = gen.datasetName();
        Path train = Runner.datasetFile(dir, name, false);
        Path val = Runner.datasetFile(dir, name, true);
        Path sidecar = Runner.provenanceFile(dir, name);
        Path folder = train.getParent(); // dir itself, or dir/<prefix> for namespaced names
        Files.createDirectories(folder);
        Path staging = Files.createTempDirectory(folder, ".generating-" + train.getFileName() + "-");
        long t0 = System.nanoTime();
        try {
            Path sTrain = staging.resolve(train.getFileName());
            Path sVal = staging.resolve(val.getFileName());
            ObjectNode report = gen.generateWithProvenance(episodes, steps, seed, sTrain, sVal, progress);
            if (!Files.isRegularFile(sTrain) || !Files.isRegularFile(sVal)) {
                throw new IllegalStateException("generator for '" + name + "' did not write both " + sTrain.getFileName()
                        + " and " + sVal.getFileName());
            }
            Files.deleteIfExists(sidecar);
            AtomicFiles.move(sVal, val);
            AtomicFiles.move(sTrain, train);
            AtomicFiles.fsyncDirectory(folder);
            if (report == null) return null;
            double seconds = (System.nanoTime() - t0) / 1e9;
            SoftwareInfo sw = SoftwareInfo.current();
            DatasetProvenance p = new DatasetProvenance(DatasetProvenance.SCHEMA_VERSION, name, episodes, steps, seed,
                    entry(train), entry(val), Math.round(seconds * 1000) / 1000.0, Instant.now().toString(),
                    sw.harnessVersion(), sw.gitRevision(), report);
            Json.writeAtomically(sidecar, p);
            return p;
        } finally {
            AtomicFiles.deleteTree(staging);
        }
    }

    private static DatasetProvenance.FileEntry entry(Path file) throws IOException {
        NpyHeader obs = Npz.readHeaders(file).get("observations");
        long rows = obs == null || obs.ndim() == 0 ? -1 : obs.dim(0);
        return new DatasetProvenance.FileEntry(file.getFileName().toString(), Sha256.ofFile(file), Files.size(file), rows);
    }
}
