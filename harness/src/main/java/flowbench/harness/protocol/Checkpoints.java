package flowbench.harness.protocol;

import flowbench.harness.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The checkpoints folder of a run. A checkpoint is built completely in a staging folder ({@code .staging-<step>}),
 * fsynced, and only then renamed to {@code step-<step>}; so every {@code step-*} folder is complete, and whatever a
 * crash leaves half-written is a staging folder that is deleted on the next start. Older checkpoints are pruned after
 * a newer one is in place (first renamed to {@code .trash-*}, since deleting a tree is not atomic).
 */
final class Checkpoints {
    static final String STATE = "state.json";
    private static final String PREFIX = "step-";

    /** Fills a staging folder; called before the folder becomes visible as a checkpoint. */
    interface Filler {
        void fill(Path dir) throws IOException;
    }

    /** Called between "complete on disk" and "renamed into place" (tests simulate crashes there). */
    interface StagedHook {
        void staged(long step, Path dir);
    }

    private final Path dir;

    Checkpoints(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    static String name(long step) {
        return String.format("%s%012d", PREFIX, step);
    }

    /** The newest complete checkpoint, if any. */
    Optional<Path> latest() throws IOException {
        Path best = null;
        long bestStep = -1;
        for (Path p : list()) {
            long s = stepOf(p);
            if (s > bestStep && Files.isRegularFile(p.resolve(STATE))) {
                best = p;
                bestStep = s;
            }
        }
        return Optional.ofNullable(best);
    }

    static long stepOf(Path p) {
        String n = p.getFileName().toString();
        try {
            return Long.parseLong(n.substring(PREFIX.length()));
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private List<Path> list() throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path p : ds) if (Files.isDirectory(p) && stepOf(p) >= 0) out.add(p);
        }
        return out;
    }

    /** Builds, commits and returns checkpoint {@code step}; prunes older ones. */
    Path commit(long step, Filler filler, StagedHook hook) throws IOException {
        Files.createDirectories(dir);
        Path staging = dir.resolve(".staging-" + step);
        AtomicFiles.deleteTree(staging);
        Files.createDirectories(staging);
        filler.fill(staging);
        AtomicFiles.fsyncTree(staging);
        hook.staged(step, staging);
        Path target = dir.resolve(name(step));
        if (Files.exists(target)) trash(target);
        AtomicFiles.move(staging, target);
        AtomicFiles.fsyncDirectory(dir);
        for (Path p : list()) {
            if (stepOf(p) < step) trash(p);
        }
        cleanLeftovers();
        return target;
    }

    /** Deletes staging and trash folders left by an interrupted process. */
    void cleanLeftovers() throws IOException {
        if (!Files.isDirectory(dir)) return;
        List<Path> junk = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".*")) {
            for (Path p : ds) junk.add(p);
        }
        for (Path p : junk) AtomicFiles.deleteTree(p);
    }

    private void trash(Path p) throws IOException {
        Path t = dir.resolve(".trash-" + p.getFileName());
        AtomicFiles.deleteTree(t);
        AtomicFiles.move(p, t);
        AtomicFiles.deleteTree(t);
    }
}
