package flowbench.harness.protocol;

import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
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
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code flowbench bench train}: gradient steps per second of every registered algorithm (or a chosen few) in each
 * configuration profile, on a real task and a small generated dataset of it. Timing covers {@link Learner#update}
 * only (batch sampling included, evaluation excluded), after a warm-up, as the median of several repetitions because
 * single timings on a shared machine jump by 2-3x. This is the number the run records' {@code stepsPerSecond} also
 * reports, minus the checkpoint and logging overhead.
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
                + "--train-steps N (per rep; default 200 cpu / 20 paper) --reps 3 --seed 0";
    }

    @Override
    public void run(List<String> args, PrintStream out) throws IOException {
        List<String> algorithms = null;
        List<String> profiles = List.of("cpu", "paper");
        String taskName = "jpointmaze-medium-navigate-singletask-task1-v0";
        int episodes = 20, steps = 1000, reps = 3;
        Integer trainSteps = null;
        long seed = 0;
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
                default -> throw new IllegalArgumentException("bench train: unknown option " + a
                        + " (known: --algorithms --profiles --task --episodes --steps --train-steps --reps --seed)");
            }
        }
        Registry registry = Registry.load();
        Task task = registry.task(taskName);
        if (algorithms == null) algorithms = registry.algorithmNames();
        for (String name : algorithms) registry.algorithm(name); // fail on a bad name before the slow part

        Path dir = Files.createTempDirectory("flowbench-bench-train");
        try {
            DatasetGenerator gen = registry.generator(task.datasetName());
            Path trainFile = Runner.datasetFile(dir, task.datasetName(), false), valFile = Runner.datasetFile(dir, task.datasetName(), true);
            Files.createDirectories(trainFile.getParent());
            gen.generate(episodes, steps, seed, trainFile, valFile, ProgressListener.NONE);
            Dataset train = Datasets.load(trainFile, LoadOptions.defaults(), task.relabeler());
            Dataset val = Datasets.load(valFile, LoadOptions.defaults(), task.relabeler());
            out.printf("flowbench bench train: task %s, dataset %d x %d steps (%d rows), %d cores, OMP_WAIT_POLICY=%s%n",
                    taskName, episodes, steps, train.size(), Runtime.getRuntime().availableProcessors(),
                    System.getenv("OMP_WAIT_POLICY"));
            out.printf("%-10s %-6s %12s %8s %12s %10s %10s%n", "algorithm", "prof", "parameters", "steps",
                    "median/s", "min/s", "max/s");
            for (String name : algorithms) {
                for (String profile : profiles) {
                    int n = trainSteps != null ? trainSteps : profile.equals("paper") ? 20 : 200;
                    double[] r = time(registry.algorithm(name), profile, new AgentContext(task, train, val, seed, profile),
                            n, reps, seed);
                    out.printf("%-10s %-6s %12d %8d %12.2f %10.2f %10.2f%n", name, profile, (long) r[3], n, r[1], r[0], r[2]);
                    out.flush();
                }
            }
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

    /** {min, median, max, parameterCount}. */
    private static <C extends Record> double[] time(Algorithm<C> algorithm, String profile, AgentContext ctx, int n,
                                                    int reps, long seed) {
        C cfg = Configs.merge(algorithm, profile, Map.of());
        Learner learner = algorithm.create(cfg, ctx);
        int step = 0;
        // warm-up: JIT, first-touch allocation of Adam moments and scratch buffers
        for (int w = Math.max(3, n / 5); w > 0; w--, step++) learner.update(step, Seeds.rng(seed, "train", step));
        double[] rates = new double[reps];
        for (int rep = 0; rep < reps; rep++) {
            long t0 = System.nanoTime();
            for (int s = 0; s < n; s++, step++) learner.update(step, Seeds.rng(seed, "train", step));
            rates[rep] = n / ((System.nanoTime() - t0) / 1e9);
        }
        Arrays.sort(rates);
        return new double[]{rates[0], rates[reps / 2], rates[reps - 1], learner.parameterCount()};
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
