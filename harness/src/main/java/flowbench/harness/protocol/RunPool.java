package flowbench.harness.protocol;

import flowbench.harness.agent.ComputeThreads;
import flowbench.harness.io.ProgressListener;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Several runs in one process, {@code jobs} at a time, each on its own thread: on a small machine the runs, not one
 * run's BLAS threads, fill the cores (on 2 cores two single-threaded learners get ~2x the updates per second of one
 * learner that hands its products to both cores). While the pool runs, every learner is held to one thread
 * ({@link ComputeThreads}) for the whole session, so a run's numbers do not depend on which other runs were alive.
 *
 * <p>A run's folder, record, checkpoints and CSVs are exactly what {@link Runner#run} writes for it alone (the seeds,
 * batches and evaluation episodes are functions of the spec only; the record says {@code machine.threadsPerRun = 1});
 * killed at any moment, every run resumes from its own checkpoint on the next invocation. One run failing does not
 * stop the others: the pool finishes them, then reports every failure.
 *
 * <p>Why threads and not one batched computation over seeds (JAX's vmap): the seeds' networks have different weights,
 * so their matrix products cannot merge into bigger ones, and batching the small ones saves only call overhead; the
 * gain available on a CPU is the cores, which threads give without changing a bit.
 */
public final class RunPool {
    /** One spec's result: its outcome, or why it failed. */
    public record Result(RunSpec spec, RunOutcome outcome, Throwable failure) {
        public boolean ok() {
            return failure == null;
        }
    }

    private final Runner runner;
    private final int jobs;

    public RunPool(Runner runner, int jobs) {
        if (jobs < 1) throw new IllegalArgumentException("jobs must be >= 1, got " + jobs);
        this.runner = runner;
        this.jobs = jobs;
    }

    /** Processors available, the default number of jobs. */
    public static int defaultJobs() {
        return Runtime.getRuntime().availableProcessors();
    }

    /**
     * Runs every spec ({@code min(jobs, specs)} at a time) and returns their results in spec order. With one job the
     * runs go one after another on the calling thread, with no thread cap. A failed run stops nothing else; a stop
     * request ({@link RunStop}) ends the list after the run it stopped.
     *
     * @param label    short name of a run in log lines and the progress line (e.g. "seed1")
     * @param announce called (from the run's thread) just before a run starts, e.g. to print "[2/6] task alg seed 1"
     */
    public List<Result> runAll(List<RunSpec> specs, Path outRoot, RunOptions options, Function<RunSpec, String> label,
                               java.util.function.Consumer<RunSpec> announce) throws InterruptedException {
        int threads = Math.min(jobs, specs.size());
        List<Result> results = new ArrayList<>();
        if (threads <= 1) {
            for (RunSpec s : specs) {
                announce.accept(s);
                Result r = runOne(s, outRoot, options);
                results.add(r);
                if (r.failure() instanceof RunStop.Stopped) break;
            }
            return results;
        }
        CombinedProgress progress = new CombinedProgress(options.progress(), specs.size());
        PrintStream log = options.log();
        AtomicInteger nextThread = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "flowbench-run-" + nextThread.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
        try (ComputeThreads.Session ignored = ComputeThreads.limit(1)) {
            List<Future<Result>> futures = new ArrayList<>();
            for (int i = 0; i < specs.size(); i++) {
                RunSpec s = specs.get(i);
                int slot = i;
                String name = label.apply(s);
                RunOptions o = options.withProgress((done, total, what) -> progress.update(slot, name, done, total, what))
                        .withLog(log == null ? null : prefixed(log, "[" + name + "] "));
                futures.add(pool.submit(() -> {
                    announce.accept(s);
                    Result r = runOne(s, outRoot, o);
                    progress.finish(slot);
                    return r;
                }));
            }
            for (Future<Result> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    throw new IllegalStateException("run pool: " + e.getCause(), e.getCause());
                }
            }
            return results;
        } catch (InterruptedException e) {
            pool.shutdownNow();
            throw e;
        } finally {
            pool.shutdownNow();
        }
    }

    private Result runOne(RunSpec s, Path outRoot, RunOptions o) {
        try {
            return new Result(s, runner.run(s, outRoot, o), null);
        } catch (IOException | RuntimeException | Error e) {
            return new Result(s, null, e);
        }
    }

    /** A stream that writes each line to {@code out} with {@code prefix} in front, whole lines at a time. */
    static PrintStream prefixed(PrintStream out, String prefix) {
        OutputStream lines = new OutputStream() {
            private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

            @Override
            public synchronized void write(int b) {
                if (b == '\n') {
                    String text = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    synchronized (out) {
                        out.println(prefix + text);
                        out.flush();
                    }
                } else {
                    line.write(b);
                }
            }
        };
        return new PrintStream(lines, true, StandardCharsets.UTF_8);
    }

    /** One progress line for several runs: summed steps, and each live run's own label. */
    static final class CombinedProgress {
        private final ProgressListener out;
        private final long[] done, total;
        private final String[] names, labels;
        private final boolean[] finished;

        CombinedProgress(ProgressListener out, int runs) {
            this.out = out;
            done = new long[runs];
            total = new long[runs];
            names = new String[runs];
            labels = new String[runs];
            finished = new boolean[runs];
        }

        synchronized void update(int slot, String name, long d, long t, String label) {
            names[slot] = name;
            done[slot] = d;
            total[slot] = t;
            labels[slot] = label;
            emit();
        }

        synchronized void finish(int slot) {
            finished[slot] = true;
        }

        private void emit() {
            long d = 0, t = 0;
            StringBuilder b = new StringBuilder();
            int live = 0, complete = 0;
            for (int i = 0; i < done.length; i++) {
                if (finished[i]) complete++;
                if (names[i] == null || finished[i]) continue;
                live++;
                if (total[i] > 0) {
                    d += done[i];
                    t += total[i];
                }
                if (b.length() > 0) b.append(", ");
                b.append(names[i]).append(' ').append(labels[i]);
            }
            String head = String.format(Locale.ROOT, "%d running, %d/%d done: ", live, complete, done.length);
            out.progress(d, Math.max(t, 1), head + b);
        }
    }
}
