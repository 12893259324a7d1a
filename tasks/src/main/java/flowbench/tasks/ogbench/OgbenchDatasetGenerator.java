package flowbench.tasks.ogbench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.io.Json;
import flowbench.harness.io.ProgressListener;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Generates an OGBench dataset with OGBench's own scripted oracles by running the bridge's generator
 * ({@code python -m flowbench_ogbench.generate}, ogbench-bridge/flowbench_ogbench/generate.py) in the interpreter
 * {@link OgbenchPython#require()} finds. The dataset name is {@code ogbench:<OGBench dataset name>}; the files are
 * OGBench's raw {@code .npz} schema, byte-identical for the same seed and size whatever the number of worker processes.
 *
 * <p>The generator's stderr lines {@code progress: <done>/<total> episodes ...} drive the progress listener; its last
 * stdout line is a JSON report (versions, oracle parameters, sizes, seconds) that becomes the {@code generator} block
 * of the provenance sidecar. A failing generator raises an error with its exit code, the command and the tail of its
 * stderr.
 */
public final class OgbenchDatasetGenerator implements DatasetGenerator {
    /** Number of generator processes; the default is the machine's cores, at most 8. */
    public static final String WORKERS_ENV = "FLOWBENCH_OGBENCH_WORKERS";
    private static final Pattern PROGRESS = Pattern.compile("^progress: (\\d+)/(\\d+) episodes,? ?(.*)$");
    private static final int TAIL_LINES = 40;

    private final OgbenchDatasets.Spec spec;
    private final Supplier<Path> python;

    public OgbenchDatasetGenerator(OgbenchDatasets.Spec spec) {
        this(spec, OgbenchPython::require);
    }

    /** @param python the interpreter to run (tests substitute a script that plays the bridge) */
    OgbenchDatasetGenerator(OgbenchDatasets.Spec spec, Supplier<Path> python) {
        this.spec = spec;
        this.python = python;
    }

    @Override
    public String datasetName() {
        return OgbenchDatasets.PREFIX + spec.name();
    }

    @Override
    public int defaultEpisodes() {
        return spec.episodes();
    }

    @Override
    public int defaultSteps() {
        return spec.steps();
    }

    @Override
    public void generate(int episodes, int steps, long seed, Path trainFile, Path valFile, ProgressListener progress)
            throws IOException {
        generateWithProvenance(episodes, steps, seed, trainFile, valFile, progress);
    }

    @Override
    public ObjectNode generateWithProvenance(int episodes, int steps, long seed, Path trainFile, Path valFile,
                                             ProgressListener progress) throws IOException {
        if (episodes < 1 || steps < 1) {
            throw new IllegalArgumentException(datasetName() + ": episodes and steps must be >= 1, got " + episodes + " and " + steps);
        }
        Path out = trainFile.toAbsolutePath().getParent();
        if (!trainFile.getFileName().toString().equals(spec.name() + ".npz")
                || !valFile.getFileName().toString().equals(spec.name() + "-val.npz")
                || !out.equals(valFile.toAbsolutePath().getParent())) {
            throw new IllegalArgumentException(datasetName() + ": the bridge writes <folder>/" + spec.name() + ".npz and "
                    + spec.name() + "-val.npz into one folder; asked for " + trainFile + " and " + valFile);
        }
        Files.createDirectories(out);
        List<String> cmd = new ArrayList<>(List.of(python.get().toString(), "-m", "flowbench_ogbench.generate",
                "--dataset", spec.name(), "--out", out.toString(), "--episodes", Integer.toString(episodes),
                "--steps", Integer.toString(steps), "--seed", Long.toString(seed), "--workers", Integer.toString(workers())));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        // one MuJoCo/OpenMP thread per worker process: the workers are the parallelism
        pb.environment().put("OMP_NUM_THREADS", "1");
        pb.environment().put("PYTHONUNBUFFERED", "1");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot start the OGBench bridge's Python " + cmd.get(0) + " (" + e.getMessage() + "). "
                    + OgbenchPython.INSTALL_HINT, e);
        }
        Deque<String> tail = new ArrayDeque<>();
        Thread stderr = new Thread(() -> readStderr(p, tail, progress), "ogbench-generate-stderr");
        stderr.setDaemon(true);
        stderr.start();
        List<String> stdout = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) stdout.add(line);
            int code = p.waitFor();
            stderr.join();
            if (code != 0) {
                throw new IOException("OGBench generator failed for " + datasetName() + " (exit code " + code + "): "
                        + String.join(" ", cmd) + "\n--- last lines of its stderr ---\n" + tailText(tail)
                        + (stdout.isEmpty() ? "" : "\n--- stdout ---\n" + String.join("\n", stdout))
                        + (tailText(tail).contains("ModuleNotFoundError") ? "\n" + OgbenchPython.INSTALL_HINT : ""));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while generating " + datasetName(), e);
        } finally {
            if (p.isAlive()) p.descendants().forEach(ProcessHandle::destroyForcibly);
            if (p.isAlive()) p.destroyForcibly();
        }
        return report(stdout, cmd, tail);
    }

    private ObjectNode report(List<String> stdout, List<String> cmd, Deque<String> tail) throws IOException {
        String last = stdout.isEmpty() ? "" : stdout.get(stdout.size() - 1).strip();
        JsonNode node;
        try {
            node = Json.mapper().readTree(last);
        } catch (IOException e) {
            node = null;
        }
        if (!(node instanceof ObjectNode report) || !report.hasNonNull("ogbench") || !report.hasNonNull("files")) {
            throw new IOException("OGBench generator for " + datasetName() + " exited normally but its last stdout line is "
                    + "not its JSON report (expected an object with 'ogbench' and 'files'): '" + last + "'; command: "
                    + String.join(" ", cmd) + "\n--- last lines of its stderr ---\n" + tailText(tail));
        }
        // the report names the files in the staging folder; the sidecar has their final names and hashes instead
        for (Iterator<Map.Entry<String, JsonNode>> it = report.get("files").fields(); it.hasNext(); ) {
            if (it.next().getValue() instanceof ObjectNode f) f.remove("file");
        }
        report.put("interpreter", cmd.get(0));
        var args = report.putArray("arguments");
        for (int i = 1; i < cmd.size(); i++) args.add(i > 1 && cmd.get(i - 1).equals("--out") ? "<staging folder>" : cmd.get(i));
        return report;
    }

    private static void readStderr(Process p, Deque<String> tail, ProgressListener progress) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                Matcher m = PROGRESS.matcher(line);
                if (m.matches()) {
                    progress.progress(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), "episodes (" + m.group(3) + ")");
                }
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > TAIL_LINES) tail.removeFirst();
                }
            }
        } catch (IOException e) {
            synchronized (tail) {
                tail.addLast("(reading the generator's stderr failed: " + e.getMessage() + ")");
            }
        }
    }

    private static String tailText(Deque<String> tail) {
        synchronized (tail) {
            return tail.isEmpty() ? "(nothing)" : String.join("\n", tail);
        }
    }

    static int workers() {
        String env = System.getenv(WORKERS_ENV);
        if (env != null && !env.isBlank()) {
            try {
                int w = Integer.parseInt(env.strip());
                if (w >= 1) return w;
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(WORKERS_ENV + " is '" + env + "'; expected a whole number >= 1");
        }
        return Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors()));
    }
}
