package flowbench.harness.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.RunSpec;
import flowbench.harness.protocol.Runner;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * What a run folder says about its run, read from the folder alone (so it works from any node of a shared
 * filesystem, and after the launcher is gone): complete ({@code run.json} says so), running (a process holds the
 * folder's lock), failed ({@code failure.json}, written by the task that failed), interrupted (a record that is not
 * complete and no process on it: it resumes from its last checkpoint), or pending (nothing yet).
 *
 * @param step     updates done, from the newest checkpoint (or the record when complete); 0 when none
 * @param total    the protocol's training steps, when known
 * @param failure  the failure's message and last lines, for failed runs
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunStatus(State state, String runDir, long step, long total, Failure failure) {
    /** CONFLICT: the folder holds a run of another spec (e.g. an earlier protocol); it is neither run nor counted. */
    public enum State { PENDING, RUNNING, INTERRUPTED, FAILED, CONFLICT, COMPLETE }

    /** {@code failure.json}: why a sweep task failed, where and when. */
    public record Failure(String message, List<String> lines, String host, String at, int index) {
        public Failure {
            lines = lines == null ? List.of() : List.copyOf(lines);
        }
    }

    public static final String FAILURE_JSON = "failure.json";
    static final String LOCK = ".lock";

    /** The status of {@code spec}'s run in its folder under {@code outRoot}. */
    public static RunStatus in(Path outRoot, RunSpec spec) {
        return of(Runner.runDir(outRoot, spec), spec);
    }

    /**
     * The status of the run in {@code runDir}, expected to be {@code spec}'s (null: whatever run it holds). A folder
     * whose record names another spec is a {@link State#CONFLICT}, never "complete": the runner would refuse it.
     */
    public static RunStatus of(Path runDir, RunSpec spec) {
        long totalSteps = spec == null ? 0 : spec.protocol().trainSteps();
        Path runJson = runDir.resolve(Runner.RUN_JSON);
        RunRecord record = null;
        if (Files.isRegularFile(runJson)) {
            try {
                record = Json.read(runJson, RunRecord.class);
            } catch (IOException | RuntimeException unreadable) {
                record = null;
            }
        }
        if (record != null && spec != null && record.spec() != null
                && !Json.tree(record.spec().withDatasetDir("-")).equals(Json.tree(spec.withDatasetDir("-")))) {
            String what = "the folder holds a " + record.status() + " run of another spec (" + differences(record.spec(), spec)
                    + "); choose another --out, or delete the folder to run this spec there";
            return new RunStatus(State.CONFLICT, runDir.toString(), 0, totalSteps,
                    new Failure(what, List.of(), null, null, -1));
        }
        if (record != null && record.complete()) {
            return new RunStatus(State.COMPLETE, runDir.toString(), record.protocol().trainSteps(), totalSteps, null);
        }
        long step = checkpointStep(runDir);
        if (locked(runDir)) return new RunStatus(State.RUNNING, runDir.toString(), step, totalSteps, null);
        Path failure = runDir.resolve(FAILURE_JSON);
        if (Files.isRegularFile(failure)) {
            Failure f;
            try {
                f = Json.read(failure, Failure.class);
            } catch (IOException | RuntimeException e) {
                f = new Failure(failure + " cannot be read: " + e.getMessage(), List.of(), null, null, -1);
            }
            return new RunStatus(State.FAILED, runDir.toString(), step, totalSteps, f);
        }
        if (Files.exists(runJson)) return new RunStatus(State.INTERRUPTED, runDir.toString(), step, totalSteps, null);
        return new RunStatus(State.PENDING, runDir.toString(), 0, totalSteps, null);
    }

    private static String differences(RunSpec had, RunSpec want) {
        List<String> out = new java.util.ArrayList<>();
        com.fasterxml.jackson.databind.JsonNode a = Json.tree(had.withDatasetDir("-")), b = Json.tree(want.withDatasetDir("-"));
        for (java.util.Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!b.get(f).equals(a.get(f))) out.add(f + " " + a.get(f) + " there, " + b.get(f) + " here");
        }
        return String.join("; ", out);
    }

    /** True when another process (or this one) holds the run folder's lock, i.e. a run is training there now. */
    static boolean locked(Path runDir) {
        Path lock = runDir.resolve(LOCK);
        if (!Files.exists(lock)) return false;
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.READ)) {
            // a shared lock is enough to learn whether an exclusive one is held, and blocks a starting run the least
            FileLock l = ch.tryLock(0, Long.MAX_VALUE, true);
            if (l == null) return true;
            l.release();
            return false;
        } catch (OverlappingFileLockException inThisProcess) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static long checkpointStep(Path runDir) {
        Path ck = runDir.resolve(Runner.CHECKPOINTS);
        long best = 0;
        if (!Files.isDirectory(ck)) return 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(ck, "step-*")) {
            for (Path p : ds) {
                try {
                    best = Math.max(best, Long.parseLong(p.getFileName().toString().substring(5)));
                } catch (NumberFormatException ignored) {
                    // not a checkpoint folder
                }
            }
        } catch (IOException e) {
            return best;
        }
        return best;
    }
}
