package flowbench.harness.protocol;

import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.ComputeThreads;
import flowbench.harness.agent.Learner;
import flowbench.harness.data.Dataset;
import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.data.Datasets;
import flowbench.harness.data.LoadOptions;
import flowbench.harness.env.Task;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.rng.Seeds;
import flowbench.harness.spi.BenchProvider;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code flowbench bench train}: gradient steps per second of every registered algorithm (or a chosen few) in each
 * configuration profile, on a real task and a small generated dataset of it. Timing covers {@link Learner#update}
 * only (batch sampling included, evaluation excluded), after a warm-up of a few seconds (until the JIT has compiled
 * the step: timing the first few hundred steps measures the compiler, up to 2x slower), as the median of several
 * repetitions because single timings on a shared machine jump by 2-3x. This is the number the run records'
 * {@code stepsPerSecond} also reports, minus the checkpoint and logging overhead.
 *
 * <p>Besides wall-clock steps/s it prints steps per CPU-second of the whole process (every thread: OpenBLAS's, the JIT's,
 * the GC's), the measure of learning per unit of compute. {@code --jobs J} trains J learners at once (seeds seed..seed+J-1),
 * one thread each under the one-thread cap, as {@code run --seeds} and {@code suite run --jobs} do, and reports their
 * summed steps/s.
 */
public final class TrainBench implements BenchProvider {
    @Override
    public String name() {
        return "train";
    }

    @Override
    public String description() {
        return "Train steps/s per algorithm and profile on a real task (update only, median of reps). Options: "
                + "--algorithms a,b (default: all) --profiles cpu,paper --task NAME (default "
                + "jpointmaze-medium-navigate-singletask-task1-v0) --episodes 20 --steps 1000 (generated data) "
                + "--train-steps N (per rep; default 500 cpu / 20 paper) --reps 3 --seed 0 --warmup-seconds 3 --jobs 1 "
                + "(learners at once, one thread each)";
    }

    @Override
    public void run(List<String> args, PrintStream out) throws IOException {
        List<String> algorithms = null;
        List<String> profiles = List.of("cpu", "paper");
        String taskName = "jpointmaze-medium-navigate-singletask-task1-v0";
        int episodes = 20, steps = 1000, reps = 3;
        Integer trainSteps = null;
        long seed = 0;
        double warmupSeconds = 3;
        int jobs = 1;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--help") || a.equals("-h")) {
                out.println("flowbench bench train: " + description());
                return;
            }
            if (i + 1 >= args.size()) throw new IllegalArgumentException("bench train: option " + a + " needs a value");
            String v = args.get(++i);
            switch (a) {
                case "--algorithms" -> algorithms = List.of(v.split(","));
                case "--profiles" -> profiles = List.of(v.split(","));
                case "--task" -> taskName = v;
                case "--episodes" -> episodes = positive(a, v);
                case "--steps" -> steps = positive(a, v);
                case "--train-steps" -> trainSteps = positive(a, v);
                case "--reps" -> reps = positive(a, v);
                case "--seed" -> seed = Long.parseLong(v);
                case "--warmup-seconds" -> warmupSeconds = Double.parseDouble(v);
                case "--jobs" -> jobs = positive(a, v);
                default -> throw new IllegalArgumentException("bench train: unknown option " + a
                        + " (known: --algorithms --profiles --task --episodes --steps --train-steps --reps --seed "
                        + "--warmup-seconds --jobs)");
            }
        }
        Registry registry = Registry.load();
        registry.task(taskName);
        if (algorithms == null) algorithms = registry.algorithmNames();
        for (String name : algorithms) registry.algorithm(name); // fail on a bad name before the slow part

        Data d = generate(registry, taskName, episodes, steps, seed);
        Task task = d.task();
        Dataset train = d.train(), val = d.val();
        out.printf("flowbench bench train: task %s, dataset %d x %d steps (%d rows), %d cores, OMP_WAIT_POLICY=%s, "
                        + "%d learner(s) at once%s, warm-up %.1fs%n",
                taskName, episodes, steps, train.size(), Runtime.getRuntime().availableProcessors(),
                System.getenv("OMP_WAIT_POLICY"), jobs, jobs > 1 ? " (one thread each; steps/s summed)" : "",
                warmupSeconds);
        out.printf("%-10s %-6s %12s %8s %12s %10s %10s %12s%n", "algorithm", "prof", "parameters", "steps",
                "median/s", "min/s", "max/s", "steps/cpu-s");
        for (String name : algorithms) {
            for (String profile : profiles) {
                int n = trainSteps != null ? trainSteps : profile.equals("paper") ? 20 : 500;
                List<AgentContext> ctx = new ArrayList<>();
                for (int j = 0; j < jobs; j++) ctx.add(new AgentContext(task, train, val, seed + j, profile));
                double[] r;
                if (jobs == 1) {
                    r = time(registry.algorithm(name), profile, ctx, n, reps, warmupSeconds);
                } else {
                    try (ComputeThreads.Session ignored = ComputeThreads.limit(1)) {
                        r = time(registry.algorithm(name), profile, ctx, n, reps, warmupSeconds);
                    }
                }
                out.printf("%-10s %-6s %12d %8d %12.2f %10.2f %10.2f %12.2f%n", name, profile, (long) r[3], n, r[1],
                        r[0], r[2], r[4]);
                out.flush();
            }
        }
    }

    /** A task and a small dataset of it, generated with the task's own generator and loaded as a run would load it. */
    public record Data(Task task, Dataset train, Dataset val) {}

    /** Generates {@code episodes x steps} of the task's dataset into a temporary folder, loads it, deletes the folder. */
    public static Data generate(Registry registry, String taskName, int episodes, int steps, long seed) throws IOException {
        Task task = registry.task(taskName);
        Path dir = Files.createTempDirectory("flowbench-bench-train");
        try {
            DatasetGenerator gen = registry.generator(task.datasetName());
            Path trainFile = Runner.datasetFile(dir, task.datasetName(), false), valFile = Runner.datasetFile(dir, task.datasetName(), true);
            Files.createDirectories(trainFile.getParent());
            gen.generate(episodes, steps, seed, trainFile, valFile, ProgressListener.NONE);
            return new Data(task, Datasets.load(trainFile, LoadOptions.defaults(), task.relabeler()),
                    Datasets.load(valFile, LoadOptions.defaults(), task.relabeler()));
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    /**
     * {min, median, max, parameterCount, steps per process CPU-second at the median rep}: one learner per context,
     * each on its own thread when there are several; rates are summed over learners.
     */
    private static <C extends Record> double[] time(Algorithm<C> algorithm, String profile, List<AgentContext> ctx, int n,
                                                    int reps, double warmupSeconds) {
        C cfg = Configs.merge(algorithm, profile, Map.of());
        int jobs = ctx.size();
        Learner[] learners = new Learner[jobs];
        long[] step = new long[jobs];
        for (int j = 0; j < jobs; j++) learners[j] = algorithm.create(cfg, ctx.get(j));
        // warm-up: JIT (C2 compiles the step only after thousands of calls of its kernels), first-touch allocation
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        int minWarm = Math.max(3, n / 5);
        parallel(jobs, j -> {
            for (int w = 0; w < minWarm || System.nanoTime() < warmEnd; w++, step[j]++) {
                learners[j].update(step[j], Seeds.rng(ctx.get(j).seed(), "train", step[j]));
            }
        });
        double[] rates = new double[reps];
        double[] perCpu = new double[reps];
        for (int rep = 0; rep < reps; rep++) {
            long c0 = processCpuNanos();
            long t0 = System.nanoTime();
            parallel(jobs, j -> {
                for (int s = 0; s < n; s++, step[j]++) learners[j].update(step[j], Seeds.rng(ctx.get(j).seed(), "train", step[j]));
            });
            double wall = (System.nanoTime() - t0) / 1e9;
            double cpu = (processCpuNanos() - c0) / 1e9;
            rates[rep] = (double) jobs * n / wall;
            perCpu[rep] = cpu > 0 ? jobs * n / cpu : Double.NaN;
        }
        double[] sorted = rates.clone();
        Arrays.sort(sorted);
        double median = sorted[reps / 2];
        double cpuAtMedian = Double.NaN;
        for (int rep = 0; rep < reps; rep++) if (rates[rep] == median) cpuAtMedian = perCpu[rep];
        return new double[]{sorted[0], median, sorted[reps - 1], learners[0].parameterCount(), cpuAtMedian};
    }

    /** Runs body(0..jobs-1), each on its own thread when jobs > 1. */
    private static void parallel(int jobs, java.util.function.IntConsumer body) {
        if (jobs == 1) {
            body.accept(0);
            return;
        }
        Thread[] t = new Thread[jobs];
        Throwable[] failure = new Throwable[1];
        for (int j = 0; j < jobs; j++) {
            int jj = j;
            t[j] = new Thread(() -> {
                try {
                    body.accept(jj);
                } catch (Throwable e) {
                    synchronized (failure) {
                        if (failure[0] == null) failure[0] = e;
                    }
                }
            }, "bench-learner-" + j);
            t[j].start();
        }
        for (Thread x : t) {
            try {
                x.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("bench train interrupted", e);
            }
        }
        if (failure[0] instanceof RuntimeException re) throw re;
        if (failure[0] instanceof Error err) throw err;
        if (failure[0] != null) throw new IllegalStateException(failure[0]);
    }

    /** CPU time of the whole process (every thread), or -1 where the JVM does not report it. */
    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    private static int positive(String opt, String v) {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bench train: " + opt + " expects a positive integer, got " + v);
        }
        if (n < 1) throw new IllegalArgumentException("bench train: " + opt + " expects a positive integer, got " + v);
        return n;
    }
}
