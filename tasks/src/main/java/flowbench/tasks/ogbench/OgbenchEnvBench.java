package flowbench.tasks.ogbench;

import flowbench.harness.agent.Policy;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.protocol.EpisodeOutcome;
import flowbench.harness.protocol.Evaluation;
import flowbench.harness.protocol.Evaluator;
import flowbench.harness.protocol.PolicyEvaluation;
import flowbench.harness.protocol.TaskEvaluation;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import flowbench.harness.spi.BenchProvider;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code flowbench bench ogbench-env}: environment steps per second through the OGBench bridge, for batches of 1, 10
 * and 50 episodes stepped in lockstep with uniform random actions — the same measurement as
 * {@code ogbench-bridge/bench_python_loop.py} (OGBench's own Python loop over one env and over a list of N envs), in
 * the same output format, so the two can be compared line by line.
 *
 * <p>Counted: env steps of live episodes (an ended episode is not stepped again), over {@code --steps} batch steps
 * after a reset; the reset and the bridge start-up are timed separately. Besides wall-clock steps/s it prints steps
 * per CPU-second (the bridge process's CPU time plus this thread's), which a machine shared with other jobs distorts
 * far less than wall-clock time.
 *
 * <p>{@code --evaluations N} measures whole evaluations instead: N successive evaluations of {@code --episodes}
 * episodes per evaluation task (default 50) by the harness's {@link Evaluator}, of a uniformly random policy, on one
 * environment kept across them as a run keeps it (the first evaluation starts the bridge and builds the envs, the
 * later ones reuse them), or with {@code --fresh} on a new environment per evaluation (how runs evaluated before the
 * environment was kept). Every evaluation is at the same step, so all must give the same outcomes; the bench checks
 * that, and prints the bridge's resident memory after each evaluation (Linux).
 */
public final class OgbenchEnvBench implements BenchProvider {
    static final List<String> DEFAULT_ENVS = List.of("puzzle-3x3-play-v0", "cube-single-play-v0", "pointmaze-medium-navigate-v0");

    @Override
    public String name() {
        return "ogbench-env";
    }

    @Override
    public String description() {
        return "OGBench env steps/s through the Python bridge (random actions, batches stepped in lockstep). Options: "
                + "--envs " + String.join(",", DEFAULT_ENVS) + " --batches 1,10,50 --steps 200 --reps 3 --task 1; "
                + "or whole evaluations on one kept environment: --evaluations N [--episodes 50] [--fresh]";
    }

    public static void main(String[] args) throws Exception {
        new OgbenchEnvBench().run(List.of(args), System.out);
    }

    @Override
    public void run(List<String> args, PrintStream out) {
        List<String> envs = DEFAULT_ENVS;
        int[] batches = {1, 10, 50};
        int steps = 200, reps = 3, taskId = 1, evaluations = 0, episodes = 50;
        boolean fresh = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--help") || a.equals("-h")) {
                out.println("flowbench bench ogbench-env: " + description());
                return;
            }
            if (a.equals("--fresh")) {
                fresh = true;
                continue;
            }
            if (i + 1 >= args.size()) throw new IllegalArgumentException("bench ogbench-env: option " + a + " needs a value");
            String val = args.get(++i);
            switch (a) {
                case "--envs" -> envs = Arrays.stream(val.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
                case "--batches" -> batches = Arrays.stream(val.split(",")).mapToInt(s -> positive(a, s.trim())).toArray();
                case "--steps" -> steps = positive(a, val);
                case "--reps" -> reps = positive(a, val);
                case "--task" -> taskId = positive(a, val);
                case "--evaluations" -> evaluations = positive(a, val);
                case "--episodes" -> episodes = positive(a, val);
                default -> throw new IllegalArgumentException("bench ogbench-env: unknown option " + a
                        + " (known: --envs --batches --steps --reps --task --evaluations --episodes --fresh)");
            }
        }
        if (evaluations == 0 && (fresh || args.contains("--episodes"))) {
            throw new IllegalArgumentException("bench ogbench-env: --episodes and --fresh go with --evaluations N");
        }
        OgbenchTaskProvider provider = new OgbenchTaskProvider();
        out.printf("flowbench ogbench-env: java %s, cores %d, python %s%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), OgbenchPython.find().map(Object::toString).orElse("(not installed)"));
        for (String env : envs) {
            String name = env.startsWith(OgbenchTask.PREFIX) ? env : OgbenchTask.PREFIX + env;
            Optional<flowbench.harness.env.Task> t = provider.task(name);
            if (t.isEmpty()) {
                throw new IllegalArgumentException("bench ogbench-env: '" + env + "' is not an OGBench task served by the "
                        + "bridge (see 'flowbench tasks', names starting with ogbench:)");
            }
            OgbenchTask task = (OgbenchTask) t.get();
            if (evaluations > 0) {
                evaluations(task, evaluations, episodes, fresh, out);
                continue;
            }
            int tid = task.taskId() > 0 ? task.taskId() : taskId;
            for (int n : batches) measure(task, tid, n, steps, reps, out);
        }
    }

    /** {@code --evaluations}: successive evaluations by the harness's Evaluator, on one kept or on fresh environments. */
    private static void evaluations(OgbenchTask task, int count, int episodes, boolean fresh, PrintStream out) {
        int ad = task.spec().actionDim();
        Policy random = new Policy() {
            @Override
            public int chunkLength() {
                return 1;
            }

            @Override
            public float[] act(float[] obs, float[] goals, int batch, Rng rng) {
                float[] a = new float[batch * ad];
                for (int i = 0; i < a.length; i++) a[i] = (float) rng.uniform(-1, 1);
                return a;
            }
        };
        Evaluation first = null;
        Evaluator kept = fresh ? null : new Evaluator(task, 0, 0, episodes);
        try {
            for (int k = 1; k <= count; k++) {
                Evaluator ev = fresh ? new Evaluator(task, 0, 0, episodes) : kept;
                long t0 = System.nanoTime();
                Evaluation e = ev.evaluate(0, Map.of("random", random), ProgressListener.NONE);
                double seconds = (System.nanoTime() - t0) / 1e9;
                String rss = bridgeRss();
                if (fresh) ev.close();
                PolicyEvaluation pe = e.policies().get(0);
                long envSteps = 0;
                for (TaskEvaluation te : pe.tasks()) {
                    for (EpisodeOutcome o : te.episodes()) envSteps += o.length();
                }
                if (first == null) first = e;
                out.printf(java.util.Locale.ROOT, "evaluation  %-40s %s #%d of %d: %3d tasks x %d episodes, %7d env steps, "
                                + "%7.1f s%s, success %.3f, outcomes %s, bridge %s%n",
                        task.envName(), fresh ? "fresh env" : "kept env ", k, count, pe.tasks().size(), episodes, envSteps,
                        seconds, k == 1 || fresh ? " (incl. bridge start)" : "", pe.overallSuccess(),
                        e.equals(first) ? (k == 1 ? "(reference)" : "identical to #1") : "DIFFERENT FROM #1", rss);
                out.flush();
                if (!e.equals(first)) {
                    throw new IllegalStateException("bench ogbench-env: evaluation #" + k + " of " + task.name()
                            + " differs from evaluation #1 although both are at the same step with the same seeds");
                }
            }
        } finally {
            if (kept != null) kept.close();
        }
    }

    /** VmRSS of this JVM's bridge child processes (Linux /proc), e.g. {@code "pid 123 VmRSS 1956 MiB"}. */
    private static String bridgeRss() {
        StringBuilder sb = new StringBuilder();
        ProcessHandle.current().children().forEach(p -> {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(p.pid()), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                        sb.append(sb.length() == 0 ? "" : ", ").append("pid ").append(p.pid())
                                .append(String.format(java.util.Locale.ROOT, " VmRSS %.0f MiB", kb / 1024.0));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux, or the process is gone: nothing to report
            }
        });
        return sb.length() == 0 ? "(none running)" : sb.toString();
    }

    private static void measure(OgbenchTask task, int taskId, int n, int steps, int reps, PrintStream out) {
        int ad = task.spec().actionDim();
        long t0 = System.nanoTime();
        try (OgbenchBridgeClient b = OgbenchBridgeClient.start(task.expected(), n)) {
            // the bridge builds env instances when a reset first needs them: build all n here, timed as start-up
            long[] build = new long[n];
            for (int i = 0; i < n; i++) build[i] = Seeds.derive(0, "bench-build", task.name(), i);
            b.reset(taskId, build);
            double startSeconds = (System.nanoTime() - t0) / 1e9;
            double[] rates = new double[reps];
            double[] cpuRates = new double[reps];
            java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
            double resetSeconds = 0;
            long counted = 0;
            for (int r = 0; r < reps; r++) {
                long[] seeds = new long[n];
                for (int i = 0; i < n; i++) seeds[i] = Seeds.derive(0, "bench", task.name(), r, i);
                long rs = System.nanoTime();
                b.reset(taskId, seeds);
                resetSeconds += (System.nanoTime() - rs) / 1e9;
                Rng rng = Seeds.rng(0, "bench-actions", task.name(), n, r);
                boolean[] live = new boolean[n];
                Arrays.fill(live, true);
                float[] actions = new float[n * ad];
                long envSteps = 0;
                long cpu0 = b.cpuNanos() + threads.getCurrentThreadCpuTime();
                long s0 = System.nanoTime();
                for (int k = 0; k < steps; k++) {
                    int liveCount = 0;
                    for (int i = 0; i < n * ad; i++) actions[i] = (float) rng.uniform(-1, 1);
                    for (boolean l : live) if (l) liveCount++;
                    if (liveCount == 0) break;
                    OgbenchBridgeClient.StepReply rep = b.step(actions, n);
                    envSteps += liveCount;
                    for (int i = 0; i < n; i++) if (rep.terminated()[i] || rep.truncated()[i]) live[i] = false;
                }
                rates[r] = envSteps / ((System.nanoTime() - s0) / 1e9);
                cpuRates[r] = envSteps / ((b.cpuNanos() + threads.getCurrentThreadCpuTime() - cpu0) / 1e9);
                counted += envSteps;
            }
            double[] sorted = rates.clone();
            Arrays.sort(sorted);
            double[] cpu = cpuRates.clone();
            Arrays.sort(cpu);
            OgbenchBridgeClient.Handshake h = b.handshake();
            out.printf(java.util.Locale.ROOT, "bridge      %-32s batch %3d: median %9.1f env steps/s  (min %9.1f, max %9.1f; "
                            + "%d reps, %d env steps)  per CPU-second %9.1f  reset %.1f ms/episode  start %.2f s  "
                            + "[OGBench %s, MuJoCo %s]%n",
                    task.envName(), n, sorted[reps / 2], sorted[0], sorted[reps - 1], reps, counted, cpu[reps / 2],
                    1000 * resetSeconds / (reps * (double) n), startSeconds, h.ogbenchVersion(), h.mujocoVersion());
            out.flush();
        }
    }

    private static int positive(String opt, String v) {
        try {
            int x = Integer.parseInt(v);
            if (x > 0) return x;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("bench ogbench-env: " + opt + " needs a positive integer, got '" + v + "'");
    }
}
