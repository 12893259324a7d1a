package flowbench.harness.protocol;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A request to stop runs early but cleanly: each run that sees it, between two updates, writes a checkpoint at its
 * current step and ends with {@link Stopped}. Cluster schedulers ask for this with SIGTERM before a preemption, a time
 * limit or {@code scancel}; the signal handler ({@link #onShutdown}) requests the stop and waits, within a grace time,
 * until every run has checkpointed. Because update {@code s} draws from {@code Seeds.rng(seed, "train", s)}, a
 * checkpoint at any step resumes to the same record as an uninterrupted run.
 */
public final class RunStop {
    /** Thrown by a run that stopped on request after checkpointing at {@code step}. */
    public static final class Stopped extends RuntimeException {
        private final long step;

        public Stopped(String runDir, long step) {
            this(step, "stopped on request at step " + step + " with a checkpoint; " + runDir + " resumes from it");
        }

        private Stopped(long step, String message) {
            super(message);
            this.step = step;
        }

        /** A run that a stop request reached before it began: nothing was written. */
        static Stopped beforeStart(String runDir) {
            return new Stopped(0, "not started: a stop was requested before " + runDir + " began");
        }

        public long step() {
            return step;
        }
    }

    /** Never requested. */
    public static final RunStop NEVER = new RunStop();

    private volatile boolean requested;
    private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
    private volatile CountDownLatch idle = new CountDownLatch(0);

    public boolean requested() {
        return requested;
    }

    public void request() {
        if (this != NEVER) requested = true;
    }

    /** A run begins watching this stop. */
    synchronized void enter() {
        if (active.getAndIncrement() == 0) idle = new CountDownLatch(1);
    }

    /** The run that called {@link #enter} ended (complete, failed, or stopped after its checkpoint). */
    synchronized void leave() {
        if (active.decrementAndGet() == 0) idle.countDown();
    }

    /** Requests the stop and waits up to {@code graceSeconds} for every watching run to end; true if they all did. */
    public boolean requestAndWait(double graceSeconds) throws InterruptedException {
        request();
        return idle.await((long) (graceSeconds * 1000), TimeUnit.MILLISECONDS);
    }

    /**
     * Installs a JVM shutdown hook (SIGTERM, SIGINT, normal exit) that requests the stop and waits for the runs'
     * checkpoints, at most {@code graceSeconds}; returns the hook so that the caller can remove it when done.
     */
    public Thread onShutdown(double graceSeconds) {
        Thread t = new Thread(() -> {
            try {
                requestAndWait(graceSeconds);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "flowbench-stop");
        Runtime.getRuntime().addShutdownHook(t);
        return t;
    }

    /** Removes a hook from {@link #onShutdown}; harmless while the JVM is already shutting down. */
    public static void release(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }
}
