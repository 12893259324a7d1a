package flowbench.harness.sweep;

import flowbench.harness.io.Json;
import flowbench.harness.protocol.DatasetLoader;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.RunOptions;
import flowbench.harness.protocol.RunOutcome;
import flowbench.harness.protocol.RunSpec;
import flowbench.harness.protocol.RunStop;
import flowbench.harness.protocol.Runner;
import flowbench.harness.protocol.SuiteRunner;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One entry of a sweep manifest, run through the ordinary {@link Runner}: what a local worker process and a Slurm
 * array task execute. Before training it checks the suite's datasets against their pinned SHA-256; a failure is
 * written to {@code failure.json} in the run folder (so {@code sweep status} can show it from any node) and a stop
 * request (SIGTERM) leaves a checkpoint, from which the next attempt resumes.
 */
public final class SweepTask {
    private SweepTask() {}

    /** How a task ended. */
    public enum Result { COMPLETE, STOPPED, FAILED }

    public static Result run(Registry registry, DatasetLoader loader, Path manifest, int index, RunOptions options)
            throws IOException {
        SweepPlan plan = SweepPlan.load(manifest);
        if (index < 0 || index >= plan.runs().size()) {
            throw new IllegalArgumentException(manifest + ": index " + index + " is out of range; the sweep has "
                    + plan.runs().size() + " runs (0.." + (plan.runs().size() - 1) + ")");
        }
        Path out = SweepPlan.outRootOf(manifest);
        RunSpec spec = plan.runs().get(index);
        Path dir = Runner.runDir(out, spec);
        Files.deleteIfExists(dir.resolve(RunStatus.FAILURE_JSON));
        try {
            SuiteRunner.verifyDatasets(plan.suite(), Path.of(spec.datasetDir()));
            RunOutcome o = new Runner(registry, loader).run(spec, out, options);
            if (options.log() != null) {
                options.log().println((o.alreadyComplete() ? "already complete: " : "complete: ") + o.runDir());
            }
            return Result.COMPLETE;
        } catch (RunStop.Stopped stopped) {
            if (options.log() != null) options.log().println(stopped.getMessage());
            return Result.STOPPED;
        } catch (IOException | RuntimeException | Error e) {
            writeFailure(dir, index, e);
            if (options.log() != null) {
                options.log().println("failed: " + dir + ": " + e.getMessage());
            }
            return Result.FAILED;
        }
    }

    static void writeFailure(Path dir, int index, Throwable e) throws IOException {
        StringWriter sw = new StringWriter();
        e.printStackTrace(new PrintWriter(sw));
        List<String> lines = new ArrayList<>(Arrays.asList(sw.toString().split("\n")));
        if (lines.size() > 20) lines = new ArrayList<>(lines.subList(0, 20));
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException unknown) {
            host = "unknown";
        }
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        Files.createDirectories(dir);
        Json.writeAtomically(dir.resolve(RunStatus.FAILURE_JSON), new RunStatus.Failure(message, lines, host,
                Instant.now().toString(), index));
    }
}
