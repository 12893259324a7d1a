package flowbench.harness.agent;

/**
 * How many threads one learner's numerics may use. Alone in the process a learner may use every core (the nn core
 * hands large matrix products to both OpenBLAS threads); when several runs share the process ({@code run --seeds},
 * {@code suite run --jobs}) each is held to one thread, so the runs, not the BLAS threads, fill the cores.
 *
 * <p>The cap is fixed for the whole of a multi-run session, not lowered and raised as runs start and end: the bits of
 * a matrix product depend on its thread count, so a run's numbers must not depend on how many other runs happened to
 * be alive. Records carry the cap ({@code machine.threadsPerRun}); a run is bit-identical to a run alone in the
 * process with the same cap (e.g. {@code OPENBLAS_NUM_THREADS=1}), and at the {@code cpu} profile's sizes, whose
 * products all run on one thread anyway, to a run alone with the default.
 */
public final class ComputeThreads {
    private static volatile int cap = 0;
    /** Threads a run alone in the process may use: OPENBLAS_NUM_THREADS or -Dflowbench.nn.blasThreads, else the cores. */
    private static final int ALONE = alone();

    private ComputeThreads() {}

    private static int alone() {
        int threads = Runtime.getRuntime().availableProcessors();
        String env = System.getenv("OPENBLAS_NUM_THREADS");
        if (env != null && !env.isBlank()) {
            try {
                threads = Integer.parseInt(env.trim());
            } catch (NumberFormatException e) {
                throw new IllegalStateException("environment variable OPENBLAS_NUM_THREADS must be a positive integer, got '"
                        + env + "'");
            }
        }
        return Math.max(1, Integer.getInteger("flowbench.nn.blasThreads", threads));
    }

    /** The cap, or 0 when a learner may use every core. */
    public static int cap() {
        return cap;
    }

    /** Threads a learner may use now: the cap, or (uncapped) OPENBLAS_NUM_THREADS, -Dflowbench.nn.blasThreads or the cores. */
    public static int perRun() {
        int c = cap;
        return c > 0 ? Math.min(c, ALONE) : ALONE;
    }

    /**
     * Holds every learner to {@code threads} threads until the returned handle is closed. Sessions do not nest: a
     * second one while one is open is refused.
     */
    public static synchronized Session limit(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads per run must be >= 1, got " + threads);
        if (cap != 0) throw new IllegalStateException("threads per run are already limited to " + cap);
        cap = threads;
        return new Session();
    }

    /** An open limit; closing it lifts the cap. */
    public static final class Session implements AutoCloseable {
        private boolean closed;

        private Session() {}

        @Override
        public void close() {
            synchronized (ComputeThreads.class) {
                if (!closed) {
                    closed = true;
                    cap = 0;
                }
            }
        }
    }
}
