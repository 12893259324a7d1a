package flowbench.tasks.ogbench;

import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.TaskMode;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Client of the OGBench bridge ({@code python -m flowbench_ogbench.serve}, see {@code ogbench-bridge/PROTOCOL.md}):
 * starts the Python process, checks its handshake field by field, and sends batched reset / step / relabel requests
 * over its stdin/stdout.
 *
 * <p>Failure is never silent. Every request has a deadline: a bridge that does not answer in time is killed and the
 * call fails naming the request and the deadline (a hung bridge). A bridge that exits fails the call with its exit
 * code and the tail of its stderr (a crashed bridge). An error inside OGBench comes back as an error frame and fails the
 * call with Python's message. After any failure the client kills the process and refuses further use. Live processes
 * are also killed by a JVM shutdown hook, and the bridge itself exits when its stdin closes, so no Python process
 * outlives the JVM.
 *
 * <p>The bridge builds one env instance at the handshake (for the handshake's fields) and the others when a reset
 * first needs them; such a reset's deadline includes the per-env start-up allowance for the instances it builds.
 */
public final class OgbenchBridgeClient implements AutoCloseable {
    public static final int PROTOCOL_VERSION = 1;
    /** Version of the Python package {@code flowbench_ogbench} this client was written with. */
    public static final String BRIDGE_VERSION = "0.1.0";
    static final byte[] MAGIC = {'F', 'B', 'O', 'G'};

    static final int OP_HELLO = 1, OP_RESET = 2, OP_STEP = 3, OP_RELABEL = 4, OP_CLOSE = 5;
    static final int STATUS_OK = 0, STATUS_ERROR = 1;
    static final int FLAG_SUCCESS = 1, FLAG_TERMINATED = 2, FLAG_TRUNCATED = 4;
    /** Rows per RELABEL request, so neither side holds a whole million-row dataset twice. */
    static final int RELABEL_CHUNK_ROWS = 65_536;
    private static final int STDERR_TAIL_CHARS = 6000;

    /** What the task expects the bridge to serve; every field is compared with the handshake. */
    public record Expected(String envName, TaskMode mode, EnvSpec spec, SuccessTiming successTiming, int singleTaskId,
                           int numTasks) {}

    /**
     * Deadlines per request. Defaults are generous (a loaded 2-core machine builds a MuJoCo manipulation env in about
     * a second) and scale with the system property {@code flowbench.ogbench.timeoutScale}.
     */
    public record Timeouts(Duration startBase, Duration startPerEnv, Duration resetBase, Duration resetPerEnv,
                           Duration stepBase, Duration stepPerEnv, Duration relabel, Duration close) {
        public static Timeouts defaults() {
            double scale = 1.0;
            String s = System.getProperty("flowbench.ogbench.timeoutScale");
            if (s != null && !s.isBlank()) {
                try {
                    scale = Double.parseDouble(s.trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("system property flowbench.ogbench.timeoutScale must be a positive "
                            + "number, got '" + s + "'");
                }
                if (!(scale > 0)) {
                    throw new IllegalArgumentException("system property flowbench.ogbench.timeoutScale must be > 0, got " + s);
                }
            }
            return new Timeouts(sec(90 * scale), sec(5 * scale), sec(30 * scale), sec(1 * scale), sec(30 * scale),
                    sec(0.2 * scale), sec(120 * scale), sec(10 * scale));
        }

        /** The same deadline for every request (tests). */
        public static Timeouts uniform(Duration d) {
            return new Timeouts(d, Duration.ZERO, d, Duration.ZERO, d, Duration.ZERO, d, d);
        }

        private static Duration sec(double s) {
            return Duration.ofMillis(Math.round(s * 1000));
        }

        static Duration plus(Duration base, Duration per, int n) {
            return base.plus(per.multipliedBy(n));
        }
    }

    /** The bridge's handshake reply. */
    public record Handshake(int protocolVersion, String bridgeVersion, String ogbenchVersion, String mujocoVersion,
                            String envName, String gymId, String mode, int obsDim, int actionDim, int goalDim,
                            int maxEpisodeSteps, int numTasks, String successTiming, int singleTaskId, int batch) {}

    /** Observations and goals of a batched reset, row-major. */
    public record ResetReply(float[] observations, float[] goals) {}

    /** A batched step, one entry per slot. */
    public record StepReply(float[] observations, float[] rewards, boolean[] success, boolean[] terminated,
                            boolean[] truncated) {}

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ogbench-bridge-watchdog");
        t.setDaemon(true);
        return t;
    });

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Process p : LIVE) p.destroyForcibly();
        }, "ogbench-bridge-shutdown"));
    }

    private final String label;
    private final String commandLine;
    private final Process process;
    private final InputStream in;
    private final OutputStream out;
    private final StderrTail stderr;
    private final Timeouts timeouts;
    private final Expected expected;
    private Handshake handshake;
    /** Env instances the bridge has built: one at the handshake, then the largest reset so far. */
    private int built;
    private volatile boolean timedOut;
    private String broken;
    private boolean closed;

    private OgbenchBridgeClient(List<String> command, Expected expected, Timeouts timeouts) {
        this.expected = expected;
        this.timeouts = timeouts;
        this.label = "OGBench bridge for '" + expected.envName() + "'";
        this.commandLine = String.join(" ", command);
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        // MuJoCo steps on one thread; keep numpy's BLAS from spinning up threads that compete with the JVM
        env.put("OMP_NUM_THREADS", "1");
        env.put("OPENBLAS_NUM_THREADS", "1");
        env.put("MKL_NUM_THREADS", "1");
        env.put("PYTHONUNBUFFERED", "1");
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new OgbenchBridgeException(label + ": cannot start " + String.join(" ", command) + " (" + e.getMessage()
                    + "). " + OgbenchPython.INSTALL_HINT, e);
        }
        LIVE.add(process);
        in = new BufferedInputStream(process.getInputStream(), 1 << 16);
        out = new BufferedOutputStream(process.getOutputStream(), 1 << 16);
        stderr = new StderrTail(process.getErrorStream(), "ogbench-bridge-stderr-" + process.pid(),
                System.getenv("FLOWBENCH_DEBUG") != null);
    }

    /** Starts the bridge with the installed interpreter ({@link OgbenchPython#require()}) and default deadlines. */
    public static OgbenchBridgeClient start(Expected expected, int batch) {
        Path python;
        try {
            python = OgbenchPython.require();
        } catch (IllegalStateException e) {
            throw new OgbenchBridgeException("task 'ogbench:" + expected.envName() + "' needs the OGBench bridge. "
                    + e.getMessage(), e);
        }
        return start(command(python), expected, batch, Timeouts.defaults(), PROTOCOL_VERSION);
    }

    /** The command that runs the bridge with interpreter {@code python}. */
    public static List<String> command(Path python) {
        return List.of(python.toString(), "-m", "flowbench_ogbench.serve");
    }

    /**
     * Starts {@code command} and performs the handshake. {@code protocolVersion} is what the client announces (tests
     * announce a wrong one to check the bridge refuses it).
     */
    static OgbenchBridgeClient start(List<String> command, Expected expected, int batch, Timeouts timeouts, int protocolVersion) {
        if (batch < 1) throw new IllegalArgumentException("bridge batch size must be >= 1, got " + batch);
        OgbenchBridgeClient b = new OgbenchBridgeClient(command, expected, timeouts);
        try {
            b.hello(batch, protocolVersion);
        } catch (RuntimeException e) {
            b.kill();
            throw e;
        }
        return b;
    }

    public Handshake handshake() {
        return handshake;
    }

    public long pid() {
        return process.pid();
    }

    /** CPU time the bridge process has used so far (user + system), or 0 where the OS does not report it. */
    public long cpuNanos() {
        return process.toHandle().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    /** The process (tests kill it to check crash reporting). */
    Process process() {
        return process;
    }

    // ----------------------------------------------------------------------------------------------- requests

    private void hello(int batch, int protocolVersion) {
        byte[] name = expected.envName().getBytes(StandardCharsets.UTF_8);
        ByteBuffer p = le(4 + 2 + 2 + name.length + 4);
        p.put(MAGIC).putShort((short) protocolVersion).putShort((short) name.length).put(name).putInt(batch);
        ByteBuffer r = call(OP_HELLO, p, Timeouts.plus(timeouts.startBase(), timeouts.startPerEnv(), batch), "the handshake");
        try {
            byte[] magic = new byte[4];
            r.get(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw fail("the process answered the handshake with bytes " + hex(magic) + " instead of the magic "
                        + hex(MAGIC) + ": it is not the flowbench OGBench bridge", null);
            }
            int version = Short.toUnsignedInt(r.getShort());
            if (version != PROTOCOL_VERSION) {
                throw fail("protocol version mismatch: flowbench speaks OGBench-bridge protocol " + PROTOCOL_VERSION
                        + ", the bridge replied with version " + version + ". Reinstall the bridge from this checkout: "
                        + "ogbench-bridge/install", null);
            }
            String bridgeVersion = str(r), ogbenchVersion = str(r), mujocoVersion = str(r), envName = str(r),
                    gymId = str(r), mode = str(r);
            int obsDim = r.getInt(), actionDim = r.getInt(), goalDim = r.getInt(), maxSteps = r.getInt(), numTasks = r.getInt();
            String timing = str(r);
            int taskId = r.getInt(), replyBatch = r.getInt();
            if (r.hasRemaining()) throw fail("handshake reply has " + r.remaining() + " unexpected trailing bytes", null);
            handshake = new Handshake(version, bridgeVersion, ogbenchVersion, mujocoVersion, envName, gymId, mode, obsDim,
                    actionDim, goalDim, maxSteps, numTasks, timing, taskId, replyBatch);
            built = 1;
        } catch (java.nio.BufferUnderflowException e) {
            throw fail("handshake reply is truncated (" + r.capacity() + " bytes)", e);
        }
        List<String> diff = new ArrayList<>();
        Handshake h = handshake;
        check(diff, "bridge package version", BRIDGE_VERSION, h.bridgeVersion());
        check(diff, "OGBench version", OgbenchDataset.OGBENCH_VERSION, h.ogbenchVersion());
        check(diff, "env name", expected.envName(), h.envName());
        check(diff, "mode", expected.mode() == TaskMode.SINGLE_TASK ? "single-task" : "goal-conditioned", h.mode());
        EnvSpec s = expected.spec();
        check(diff, "obs dim", s.obsDim(), h.obsDim());
        check(diff, "action dim", s.actionDim(), h.actionDim());
        check(diff, "goal dim", s.goalDim(), h.goalDim());
        check(diff, "max episode steps", s.maxEpisodeSteps(), h.maxEpisodeSteps());
        check(diff, "number of evaluation tasks", expected.numTasks(), h.numTasks());
        check(diff, "success timing", expected.successTiming().name().toLowerCase(Locale.ROOT), h.successTiming());
        check(diff, "single-task id (0 = goal-conditioned)", expected.singleTaskId(), h.singleTaskId());
        check(diff, "batch size", batch, h.batch());
        if (!diff.isEmpty()) {
            throw fail("the bridge does not serve what the task expects: " + String.join("; ", diff)
                    + (diff.stream().anyMatch(d -> d.contains("version"))
                    ? ". Reinstall the bridge from this checkout: ogbench-bridge/install" : ""), null);
        }
    }

    private static void check(List<String> diff, String field, Object want, Object got) {
        if (!want.equals(got)) diff.add(field + ": expected " + want + ", bridge reports " + got);
    }

    /** Starts {@code seeds.length} episodes of evaluation task {@code taskId}, episode i seeded with seeds[i]. */
    public ResetReply reset(int taskId, long[] seeds) {
        int n = seeds.length;
        if (n < 1) throw new IllegalArgumentException("reset needs at least one seed");
        ByteBuffer p = le(8 + 8L * n);
        p.putInt(taskId).putInt(n);
        for (long s : seeds) p.putLong(s);
        int od = handshake.obsDim(), gd = handshake.goalDim();
        // a reset beyond the instances built so far builds the rest first (lazily, see PROTOCOL.md)
        Duration deadline = Timeouts.plus(timeouts.resetBase(), timeouts.resetPerEnv(), n)
                .plus(timeouts.startPerEnv().multipliedBy(Math.max(0, n - built)));
        ByteBuffer r = call(OP_RESET, p, deadline, "RESET of task " + taskId);
        expectLength(r, 4 + 4L * n * (od + gd), "RESET");
        int echoed = r.getInt();
        if (echoed != n) throw fail("RESET reply is for " + echoed + " slots; " + n + " were requested", null);
        float[] obs = new float[n * od];
        float[] goals = new float[n * gd];
        r.asFloatBuffer().get(obs);
        r.position(r.position() + 4 * obs.length);
        r.asFloatBuffer().get(goals);
        built = Math.max(built, n);
        return new ResetReply(obs, goals);
    }

    /** Steps every slot of the current batch; slots whose episode ended ignore their action (see PROTOCOL.md). */
    public StepReply step(float[] actions, int n) {
        int od = handshake.obsDim(), ad = handshake.actionDim();
        if (actions.length != n * ad) {
            throw new IllegalArgumentException("step: " + actions.length + " action values for " + n + " slots x "
                    + ad + " dims");
        }
        ByteBuffer p = le(4 + 4L * actions.length);
        p.putInt(n);
        p.asFloatBuffer().put(actions);
        p.position(p.position() + 4 * actions.length);
        ByteBuffer r = call(OP_STEP, p, Timeouts.plus(timeouts.stepBase(), timeouts.stepPerEnv(), n), "STEP");
        expectLength(r, 4L * n * od + 4L * n + n, "STEP");
        float[] obs = new float[n * od];
        float[] rewards = new float[n];
        r.asFloatBuffer().get(obs);
        r.position(r.position() + 4 * obs.length);
        r.asFloatBuffer().get(rewards);
        r.position(r.position() + 4 * n);
        boolean[] success = new boolean[n], terminated = new boolean[n], truncated = new boolean[n];
        for (int i = 0; i < n; i++) {
            int f = r.get() & 0xff;
            if ((f & ~(FLAG_SUCCESS | FLAG_TERMINATED | FLAG_TRUNCATED)) != 0) {
                throw fail("STEP reply has unknown flag bits " + f + " for slot " + i, null);
            }
            success[i] = (f & FLAG_SUCCESS) != 0;
            terminated[i] = (f & FLAG_TERMINATED) != 0;
            truncated[i] = (f & FLAG_TRUNCATED) != 0;
        }
        return new StepReply(obs, rewards, success, terminated, truncated);
    }

    /**
     * OGBench's own single-task relabelling ({@code relabel_dataset}) of {@code rows} dataset rows: fills rewards and
     * success (masks = 1 - success). {@code buttonStates} may be null when the env has no buttons.
     */
    public void relabel(float[] qpos, int qposColumns, float[] buttonStates, int buttonColumns, int rows, float[] rewards,
                        boolean[] success) {
        for (int from = 0; from < rows; from += RELABEL_CHUNK_ROWS) {
            int m = Math.min(RELABEL_CHUNK_ROWS, rows - from);
            ByteBuffer p = le(12 + 4L * m * (qposColumns + buttonColumns));
            p.putInt(m).putInt(qposColumns).putInt(buttonColumns);
            p.asFloatBuffer().put(qpos, from * qposColumns, m * qposColumns);
            p.position(p.position() + 4 * m * qposColumns);
            if (buttonColumns > 0) {
                p.asFloatBuffer().put(buttonStates, from * buttonColumns, m * buttonColumns);
                p.position(p.position() + 4 * m * buttonColumns);
            }
            ByteBuffer r = call(OP_RELABEL, p, timeouts.relabel(), "RELABEL of rows " + from + ".." + (from + m - 1));
            expectLength(r, 5L * m, "RELABEL");
            float[] chunk = new float[m];
            r.asFloatBuffer().get(chunk);
            System.arraycopy(chunk, 0, rewards, from, m);
            r.position(4 * m);
            for (int i = 0; i < m; i++) {
                int v = r.get();
                if (v != 0 && v != 1) throw fail("RELABEL reply has success value " + v + " at row " + (from + i), null);
                success[from + i] = v == 1;
            }
        }
    }

    /**
     * Whether the process has exited although no request was pending and no failure was reported (killed from
     * outside, e.g. by the OOM killer, while the client was idle). Such a client is not broken yet: no call was lost.
     */
    boolean exitedWhileIdle() {
        return !closed && broken == null && !process.isAlive();
    }

    /**
     * Marks a client whose process {@linkplain #exitedWhileIdle() exited while idle} as failed and returns the error
     * describing it (exit code or signal, the tail of its stderr), without throwing it.
     */
    OgbenchBridgeException idleExit() {
        return fail(exitDescription() + " while idle (after answering its last request)", null);
    }

    /** Asks the bridge to exit, waits briefly, then kills it if it has not. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            if (broken == null && process.isAlive()) {
                try {
                    call(OP_CLOSE, le(0), timeouts.close(), "CLOSE");
                } catch (OgbenchBridgeException e) {
                    // already reported as broken; the process is killed below
                }
                process.waitFor(timeouts.close().toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            kill();
        }
    }

    private void kill() {
        if (process.isAlive()) process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LIVE.remove(process);
        try {
            out.close();
        } catch (IOException ignored) {
            // the process is gone; nothing to flush
        }
    }

    // ---------------------------------------------------------------------------------------------- transport

    /** Sends one request and returns the OK payload (little-endian, positioned at 0); anything else throws. */
    private ByteBuffer call(int op, ByteBuffer payload, Duration deadline, String what) {
        if (closed && op != OP_CLOSE) throw new OgbenchBridgeException(label + " is closed");
        if (broken != null) throw new OgbenchBridgeException(label + " is unusable after an earlier failure: " + broken);
        ScheduledFuture<?> alarm = WATCHDOG.schedule(() -> {
            timedOut = true;
            process.destroyForcibly();
        }, deadline.toMillis(), TimeUnit.MILLISECONDS);
        try {
            byte[] head = new byte[5];
            ByteBuffer h = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
            h.put((byte) op).putInt(payload.capacity());
            out.write(head);
            out.write(payload.array(), 0, payload.capacity());
            out.flush();
            readFully(head);
            h.clear();
            int status = h.get() & 0xff;
            long length = Integer.toUnsignedLong(h.getInt());
            if (length > (1L << 30)) throw fail(what + ": reply frame claims " + length + " bytes; stream out of sync", null);
            byte[] body = new byte[(int) length];
            readFully(body);
            if (!alarm.cancel(false) && timedOut) {
                throw fail("no answer to " + what + " within " + seconds(deadline) + " (hung?); the process was killed", null);
            }
            if (status == STATUS_ERROR) {
                String msg = new String(body, StandardCharsets.UTF_8).strip();
                throw fail("OGBench refused " + what + ": " + msg, null, false);
            }
            if (status != STATUS_OK) throw fail(what + ": reply has unknown status " + status + "; stream out of sync", null);
            return ByteBuffer.wrap(body).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            alarm.cancel(false);
            if (timedOut) {
                throw fail("no answer to " + what + " within " + seconds(deadline) + " (hung?); the process was killed", e);
            }
            throw fail(exitDescription() + " during " + what, e);
        }
    }

    private void readFully(byte[] b) throws IOException {
        int pos = 0;
        while (pos < b.length) {
            int k = in.read(b, pos, b.length - pos);
            if (k < 0) throw new EOFException("end of stream after " + pos + " of " + b.length + " bytes");
            pos += k;
        }
    }

    private String exitDescription() {
        try {
            if (!process.waitFor(3, TimeUnit.SECONDS)) return "the bridge (pid " + process.pid() + ") closed its output";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while waiting for the bridge to exit";
        }
        int code = process.exitValue();
        String how = code > 128 ? " (killed by signal " + (code - 128) + ")" : "";
        return "the bridge (pid " + process.pid() + ") exited with code " + code + how;
    }

    private OgbenchBridgeException fail(String message, Throwable cause) {
        return fail(message, cause, true);
    }

    /**
     * Marks the client broken, kills the process and builds the exception, with the tail of the bridge's stderr unless
     * the message is the bridge's own error report (which already says what went wrong).
     */
    private OgbenchBridgeException fail(String message, Throwable cause, boolean withStderr) {
        if (broken == null) broken = message;
        if (process.isAlive()) process.destroyForcibly();
        // destroyForcibly only sends the signal: reap the process, so that a failed bridge is gone, not dying, when
        // the caller hears of the failure (on a loaded machine the kill takes a moment)
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LIVE.remove(process);
        String tail = withStderr ? stderr.tail(1000) : "";
        String full = label + " (" + commandLine + "): " + message
                + (tail.isBlank() ? "" : "\n--- bridge stderr (last lines) ---\n" + tail.strip());
        if (full.contains("No module named flowbench_ogbench") || full.contains("No module named 'ogbench'")) {
            full += "\n" + OgbenchPython.INSTALL_HINT;
        }
        return new OgbenchBridgeException(full, cause);
    }

    private void expectLength(ByteBuffer r, long want, String what) {
        if (r.capacity() != want) {
            throw fail(what + " reply has " + r.capacity() + " bytes, expected " + want
                    + " for the handshake's dims (obs " + handshake.obsDim() + ", goal " + handshake.goalDim()
                    + ", action " + handshake.actionDim() + ")", null);
        }
    }

    private static ByteBuffer le(long n) {
        if (n > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("bridge request of " + n + " bytes is too large");
        return ByteBuffer.allocate((int) n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private String str(ByteBuffer r) {
        int n = Short.toUnsignedInt(r.getShort());
        byte[] b = new byte[n];
        r.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format(Locale.ROOT, "%02x", x & 0xff));
        return sb.toString();
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    /** Drains the bridge's stderr on a daemon thread, keeping the last characters for error messages. */
    static final class StderrTail {
        private final StringBuilder buf = new StringBuilder();
        private final Thread thread;

        StderrTail(InputStream err, String name, boolean echo) {
            thread = new Thread(() -> {
                byte[] b = new byte[4096];
                try (err) {
                    int k;
                    while ((k = err.read(b)) >= 0) {
                        String s = new String(b, 0, k, StandardCharsets.UTF_8);
                        if (echo) System.err.print(s);
                        synchronized (buf) {
                            buf.append(s);
                            if (buf.length() > 2 * STDERR_TAIL_CHARS) buf.delete(0, buf.length() - STDERR_TAIL_CHARS);
                        }
                    }
                } catch (IOException ignored) {
                    // process gone
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
        }

        /** The last characters written, after giving the drainer up to {@code waitMillis} to reach end of stream. */
        String tail(long waitMillis) {
            try {
                thread.join(waitMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (buf) {
                int from = Math.max(0, buf.length() - STDERR_TAIL_CHARS);
                return buf.substring(from);
            }
        }
    }
}
