package flowbench.tasks.ogbench;

import flowbench.harness.io.ProgressListener;
import flowbench.harness.protocol.DatasetGeneration;
import flowbench.harness.protocol.DatasetProvenance;
import flowbench.harness.io.AtomicFiles;
import flowbench.testkit.Requirement;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Test support for the cross-checks against OGBench: the bridge's interpreter (tests skip without it, unless
 * FLOWBENCH_REQUIRE lists ogbench, as CI's second pass does, so that a broken install fails instead of skipping),
 * running Python scripts, and small datasets generated once per JVM through the Java generator path (shared by the test classes).
 */
public final class OgbenchBridge {
    private static final Map<String, Path> GENERATED = new HashMap<>();
    private static Path generatedRoot;

    private OgbenchBridge() {}

    /** The bridge's Python; skips the test (or fails, where FLOWBENCH_REQUIRE lists ogbench) when it is not installed. */
    public static Path python() {
        var py = OgbenchPython.find();
        Requirement.OGBENCH.assume(py.isPresent() && Files.isExecutable(py.get()), "the OGBench bridge");
        return py.get();
    }

    /** {@code tasks/scripts/<name>}, from the module folder (Maven) or the repository root. */
    public static Path script(String name) {
        for (Path p : new Path[] {Path.of("scripts", name), Path.of("tasks", "scripts", name)}) {
            if (Files.isRegularFile(p)) return p.toAbsolutePath();
        }
        throw new IllegalStateException("cannot find tasks/scripts/" + name + " from " + Path.of("").toAbsolutePath());
    }

    /** Runs the bridge's Python with {@code args}; fails the test with its output when it exits non-zero. */
    public static String run(long timeoutSeconds, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(python().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Path err = Files.createTempFile("ogbench-test-", ".err");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly();
        String errText = Files.readString(err);
        Files.deleteIfExists(err);
        assertTrue(done, "timed out after " + timeoutSeconds + " s: " + cmd);
        assertEquals(0, p.exitValue(), "failed: " + cmd + "\n" + out + "\n" + errText);
        return out;
    }

    /**
     * A small dataset generated through {@link OgbenchDatasetGenerator} and {@link DatasetGeneration} (so the Java path,
     * the subfolder and the sidecar are exercised too), once per JVM and argument set; returns the data folder.
     */
    public static synchronized Path generated(String dataset, int episodes, int steps, long seed) throws IOException {
        python();
        String key = dataset + "/" + episodes + "/" + steps + "/" + seed;
        Path dir = GENERATED.get(key);
        if (dir == null) {
            if (generatedRoot == null) {
                generatedRoot = Files.createTempDirectory("ogbench-datasets-");
                Path root = generatedRoot;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        AtomicFiles.deleteTree(root);
                    } catch (IOException e) {
                        // temporary files; nothing else to do at exit
                    }
                }));
            }
            dir = generatedRoot.resolve("d" + GENERATED.size());
            var gen = new OgbenchDatasets().generator(OgbenchDatasets.PREFIX + dataset).orElseThrow();
            DatasetProvenance p = DatasetGeneration.generate(gen, episodes, steps, seed, dir, ProgressListener.NONE);
            assertTrue(p != null, "the OGBench generator reports provenance");
            GENERATED.put(key, dir);
        }
        return dir;
    }
}
