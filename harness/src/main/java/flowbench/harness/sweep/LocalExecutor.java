package flowbench.harness.sweep;

import flowbench.harness.io.ProgressListener;
import flowbench.harness.protocol.RunSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a sweep's entries on this machine in {@code workers} separate JVMs at a time, each one run with a bounded
 * number of BLAS threads ({@code OPENBLAS_NUM_THREADS}, which the learners honour). A crash of one worker costs only
 * its own run, which resumes from its last checkpoint on the next invocation; {@link #stop} (Ctrl-C) sends SIGTERM to
 * every worker, whose run checkpoints before it exits. Each worker writes its output to
 * {@code <out>/sweeps/<id>/logs/<index>.log} itself (so a log outlives a killed launcher); this executor prints one line
 * per run and an overall progress line, read back from those logs.
 */
public final class LocalExecutor {
    /** Prefix of the machine-readable progress lines a worker prints ({@code sweep task --progress-lines}). */
    public static final String PROGRESS = "@flowbench-progress ";

    private final WorkerCommand command;
    private final int workers;
    private final int threadsPerRun;
    private final double graceSeconds;
    private final PrintStream log;
    private final ProgressListener progress;
    private final Map<Integer, Process> live = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    public LocalExecutor(WorkerCommand command, int workers, int threadsPerRun, double graceSeconds, PrintStream log,
                         ProgressListener progress) {
        if (workers < 1) throw new IllegalArgumentException("--workers: expected >= 1, got " + workers);
        if (threadsPerRun < 1) throw new IllegalArgumentException("--threads-per-run: expected >= 1, got " + threadsPerRun);
        this.command = command;
        this.workers = workers;
        this.threadsPerRun = threadsPerRun;
        this.graceSeconds = graceSeconds;
        this.log = log;
        this.progress = progress == null ? ProgressListener.NONE : progress;
    }

    /** Workers that fill the cores: one per {@code threadsPerRun} cores, at least one. */
    public static int defaultWorkers(int threadsPerRun) {
        return Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, threadsPerRun));
    }

    /** How each entry ended: its folder's status after its worker exited. */
    public Map<Integer, RunStatus> execute(Path manifest, SweepPlan plan, List<Integer> indices) throws InterruptedException {
        Path out = SweepPlan.outRootOf(manifest);
        Path logs = manifest.getParent().resolve("logs");
        ConcurrentLinkedQueue<Integer> queue = new ConcurrentLinkedQueue<>(indices);
        Map<Integer, RunStatus> results = new ConcurrentHashMap<>();
        long[] done = new long[plan.runs().size()];
        long totalSteps = 0;
        for (int i : indices) totalSteps += plan.runs().get(i).protocol().trainSteps();
        long total = Math.max(1, totalSteps);
        AtomicInteger started = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        Object lock = new Object();
        Runnable draw = () -> {
            long d = 0;
            synchronized (done) {
                for (int i : indices) d += done[i];
            }
            progress.progress(d, total, "sweep");
        };
        List<Thread> threads = new ArrayList<>();
        int n = Math.min(workers, indices.size());
        for (int w = 0; w < n; w++) {
            int worker = w;
            Thread t = new Thread(() -> {
                Integer index;
                while (!stopping && (index = queue.poll()) != null) {
                    RunSpec spec = plan.runs().get(index);
                    String rel = SweepGrid.relative(spec).toString();
                    int k = started.incrementAndGet();
                    say(String.format(Locale.ROOT, "[%d/%d] start    %s (worker %d, entry %d)", k, indices.size(), rel, worker, index));
                    long t0 = System.nanoTime();
                    int code;
                    try {
                        code = runWorker(manifest, index, logs, done, draw);
                    } catch (IOException e) {
                        code = -1;
                        if (!stopping) say("worker for entry " + index + " failed: " + e.getMessage());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    RunStatus st = RunStatus.in(out, spec);
                    results.put(index, st);
                    synchronized (done) {
                        done[index] = st.state() == RunStatus.State.COMPLETE ? spec.protocol().trainSteps() : done[index];
                    }
                    int f = finished.incrementAndGet();
                    double secs = (System.nanoTime() - t0) / 1e9;
                    String what = switch (st.state()) {
                        case COMPLETE -> String.format(Locale.ROOT, "complete %s in %.1fs", rel, secs);
                        case FAILED -> "FAILED   " + rel + ": " + st.failure().message() + " (log: " + logs.resolve(index + ".log") + ")";
                        default -> String.format(Locale.ROOT, "%s %s at step %d (exit %d; it resumes from its checkpoint)",
                                st.state().name().toLowerCase(Locale.ROOT), rel, st.step(), code);
                    };
                    synchronized (lock) {
                        say(String.format(Locale.ROOT, "(%d/%d done) %s", f, indices.size(), what));
                    }
                    draw.run();
                }
            }, "flowbench-worker-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join();
        return results;
    }

    private int runWorker(Path manifest, int index, Path logs, long[] done, Runnable draw)
            throws IOException, InterruptedException {
        Files.createDirectories(logs);
        Path logFile = logs.resolve(index + ".log");
        ProcessBuilder pb = new ProcessBuilder(command.with("sweep", "task", manifest.toString(), String.valueOf(index),
                "--progress-lines"));
        // the worker writes its log file itself, so the log survives this process (a killed launcher orphans the
        // worker, which finishes its run); progress is read back from the file
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Map<String, String> env = pb.environment();
        env.put("OMP_WAIT_POLICY", "PASSIVE");
        env.put("OPENBLAS_NUM_THREADS", String.valueOf(threadsPerRun));
        env.put("FLOWBENCH_PROGRESS", "off");
        env.put("FLOWBENCH_NO_BUILD", "1");
        long offset = Files.exists(logFile) ? Files.size(logFile) : 0;
        Process p;
        synchronized (live) {
            if (stopping) return 130;
            p = pb.start();
            live.put(index, p);
        }
        try {
            while (!p.waitFor(500, TimeUnit.MILLISECONDS)) offset = readProgress(logFile, offset, index, done, draw);
            readProgress(logFile, offset, index, done, draw);
        } finally {
            live.remove(index);
        }
        return p.exitValue();
    }

    /** Reads the log's new whole lines from {@code offset}; returns the offset after the last whole line read. */
    private static long readProgress(Path logFile, long offset, int index, long[] done, Runnable draw) {
        try (java.nio.channels.SeekableByteChannel ch = Files.newByteChannel(logFile)) {
            if (ch.size() <= offset) return offset;
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) Math.min(ch.size() - offset, 1 << 20));
            ch.position(offset);
            ch.read(buf);
            String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
            int last = text.lastIndexOf('\n');
            if (last < 0) return offset;
            for (String line : text.substring(0, last).split("\n")) {
                if (!line.startsWith(PROGRESS)) continue;
                try {
                    long d = Long.parseLong(line.substring(PROGRESS.length()).trim().split(" ")[0]);
                    synchronized (done) {
                        done[index] = d;
                    }
                    draw.run();
                } catch (RuntimeException ignored) {
                    // a malformed line is only a missed update
                }
            }
            return offset + text.substring(0, last + 1).getBytes(StandardCharsets.UTF_8).length;
        } catch (IOException e) {
            return offset;
        }
    }

    /**
     * Stops the sweep: no new worker starts, every live worker gets SIGTERM (its run checkpoints and exits) and, after
     * the grace time, SIGKILL.
     */
    public void stop() {
        List<Process> ps;
        synchronized (live) {
            stopping = true;
            ps = new ArrayList<>(live.values());
        }
        for (Process p : ps) p.destroy();
        long deadline = System.nanoTime() + (long) (graceSeconds * 1e9);
        for (Process p : ps) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !p.waitFor(left, TimeUnit.NANOSECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void say(String line) {
        if (log == null) return;
        synchronized (log) {
            log.println(line);
            log.flush();
        }
    }
}
