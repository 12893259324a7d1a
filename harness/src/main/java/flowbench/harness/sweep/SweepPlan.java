package flowbench.harness.sweep;

import flowbench.harness.io.Json;
import flowbench.harness.protocol.RunSpec;
import flowbench.harness.protocol.Runner;
import flowbench.harness.protocol.Suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A sweep's run specs, frozen in {@code <out>/sweeps/<id>/sweep.json} before any executor starts: a worker process or
 * a Slurm array task runs entry {@code i} of this file, so every node runs exactly the spec the launcher expanded. The
 * id is a hash of the specs, so expanding the same sweep again finds the same file; the results themselves live in
 * the ordinary run folders ({@link Runner#runDir}), where complete runs are skipped and partial ones resume.
 *
 * @param suite   the suite the runs belong to (its datasets, pinned SHA-256 and protocol)
 * @param dataDir absolute dataset folder (generated once, verified by every task)
 * @param runs    the run specs, in index order
 */
public record SweepPlan(int schemaVersion, String name, Suite suite, String dataDir, List<RunSpec> runs, String createdAt) {
    public static final int SCHEMA_VERSION = 1;
    public static final String SWEEPS = "sweeps";
    public static final String MANIFEST = "sweep.json";

    public SweepPlan {
        if (runs == null || runs.isEmpty()) throw new IllegalArgumentException("sweep '" + name + "' has no runs");
        runs = List.copyOf(runs);
    }

    /** First 12 hex digits of the canonical hash of the run specs. */
    public String id() {
        return Json.canonicalHash(runs).substring(0, 12);
    }

    /** {@code <out>/sweeps/<id>}: the manifest, the logs and the executors' files. */
    public Path dir(Path outRoot) {
        return outRoot.resolve(SWEEPS).resolve(id());
    }

    /** The results root of a manifest at {@code <out>/sweeps/<id>/sweep.json}. */
    public static Path outRootOf(Path manifest) {
        Path abs = manifest.toAbsolutePath().normalize();
        Path sweeps = abs.getParent() == null ? null : abs.getParent().getParent();
        if (sweeps == null || sweeps.getFileName() == null || !sweeps.getFileName().toString().equals(SWEEPS)) {
            throw new IllegalArgumentException(manifest + ": a sweep manifest lives at <out>/" + SWEEPS + "/<id>/" + MANIFEST);
        }
        return sweeps.getParent();
    }

    /** Writes the manifest (once: an existing one with the same id holds the same specs) and returns its path. */
    public Path save(Path outRoot) throws IOException {
        Path file = dir(outRoot).resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            Files.createDirectories(file.getParent());
            Json.writeAtomically(file, this);
        }
        return file;
    }

    public static SweepPlan load(Path manifest) throws IOException {
        SweepPlan p;
        try {
            p = Json.read(manifest, SweepPlan.class);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(manifest + ": not a sweep manifest: " + e.getMessage(), e);
        }
        if (p.schemaVersion() != SCHEMA_VERSION) {
            throw new IllegalArgumentException(manifest + ": field 'schemaVersion' is " + p.schemaVersion() + "; expected "
                    + SCHEMA_VERSION);
        }
        return p;
    }

    /** Every manifest under {@code <out>/sweeps}, oldest first. */
    public static List<Path> manifests(Path outRoot) throws IOException {
        Path dir = outRoot.resolve(SWEEPS);
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (var s = Files.list(dir)) {
            s.map(d -> d.resolve(MANIFEST)).filter(Files::isRegularFile).forEach(out::add);
        }
        out.sort((a, b) -> {
            try {
                return Files.getLastModifiedTime(a).compareTo(Files.getLastModifiedTime(b));
            } catch (IOException e) {
                return a.compareTo(b);
            }
        });
        return out;
    }

    /** The run folder of entry {@code index}. */
    public Path runDir(Path outRoot, int index) {
        return Runner.runDir(outRoot, runs.get(index));
    }
}
