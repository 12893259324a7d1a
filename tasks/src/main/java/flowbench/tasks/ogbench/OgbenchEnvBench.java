package flowbench.tasks.ogbench;

import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import flowbench.harness.spi.BenchProvider;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
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
                + "--envs " + String.join(",", DEFAULT_ENVS) + " --batches 1,10,50 --steps 200 --reps 3 --task 1";
    }

    public static void main(String[] args) throws Exception {
        new OgbenchEnvBench().run(List.of(args), System.out);
    }

    @Override
    public void run(List<String> args, PrintStream out) {
        List<String> envs = DEFAULT_ENVS;
        int[] batches = {1, 10, 50};
        int steps = 200, reps = 3, taskId = 1;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--help") || a.equals("-h")) {
                out.println("flowbench bench ogbench-env: " + description());
                return;
            }
            if (i + 1 >= args.size()) throw new IllegalArgumentException("bench ogbench-env: option " + a + " needs a value");
            String val = args.get(++i);
            switch (a) {
                case "--envs" -> envs = Arrays.stream(val.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
                case "--batches" -> batches = Arrays.stream(val.split(",")).mapToInt(s -> positive(a, s.trim())).toArray();
                case "--steps" -> steps = positive(a, val);
                case "--reps" -> reps = positive(a, val);
                case "--task" -> taskId = positive(a, val);
                default -> throw new IllegalArgumentException("bench ogbench-env: unknown option " + a
                        + " (known: --envs --batches --steps --reps --task)");
            }
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
            int tid = task.taskId() > 0 ? task.taskId() : taskId;
            for (int n : batches) measure(task, tid, n, steps, reps, out);
        }
    }

    private static void measure(OgbenchTask task, int taskId, int n, int steps, int reps, PrintStream out) {
        int ad = task.spec().actionDim();
        long t0 = System.nanoTime();
        try (OgbenchBridgeClient b = OgbenchBridgeClient.start(task.expected(), n)) {
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
