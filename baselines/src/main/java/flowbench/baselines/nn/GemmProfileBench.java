package flowbench.baselines.nn;

import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.Learner;
import flowbench.harness.protocol.Configs;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.TrainBench;
import flowbench.harness.rng.Seeds;
import flowbench.harness.spi.BenchProvider;
import org.bytedeco.javacpp.FloatPointer;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code flowbench bench gemm-profile}: where an update step's time goes. Every matrix product of {@code steps}
 * updates is timed at the OpenBLAS call; the rest of the step (elementwise kernels, copies between Java arrays and
 * off-heap buffers, batch sampling, allocation, per-op overhead) is the difference. The products-only ceiling replays
 * the recorded shapes, the same number of times, back to back on fresh buffers: the speed a step could reach if
 * everything but its matrix products cost nothing.
 */
public final class GemmProfileBench implements BenchProvider {
    @Override
    public String name() {
        return "gemm-profile";
    }

    @Override
    public String description() {
        return "Where an update step's time goes: steps/s, matrix products per step, their share of the step, the rest, "
                + "and the products-only ceiling (the step's shapes replayed back to back). Options: --algorithms "
                + "fql,qam,qgf,rebrac --profiles cpu,paper --task NAME --steps N (default 500 cpu / 10 paper) "
                + "--warmup-seconds 3 --seed 0 --shapes (also list each shape)";
    }

    private record ShapeKey(boolean ta, boolean tb, int m, int n, int k, boolean accumulate, int threads) {}

    /** Calls and total time of one product shape. */
    private static final class Shape {
        final boolean ta, tb;
        final int m, n, k, threads;
        final float beta;
        long calls, nanos;

        Shape(boolean ta, boolean tb, int m, int n, int k, float beta, int threads) {
            this.ta = ta;
            this.tb = tb;
            this.m = m;
            this.n = n;
            this.k = k;
            this.beta = beta;
            this.threads = threads;
        }

        String key() {
            return String.format(Locale.ROOT, "%s%s %dx%dx%d beta=%s threads=%d", ta ? "T" : "N", tb ? "T" : "N", m, n, k,
                    beta == 0 ? "0" : "1", threads);
        }
    }

    @Override
    public void run(List<String> args, PrintStream out) throws IOException {
        List<String> algorithms = List.of("fql", "qam", "qgf", "rebrac");
        List<String> profiles = List.of("cpu", "paper");
        String task = "jpointmaze-medium-navigate-singletask-task1-v0";
        Integer steps = null;
        double warmupSeconds = 3;
        long seed = 0;
        boolean shapes = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--shapes")) {
                shapes = true;
                continue;
            }
            if (a.equals("--help") || a.equals("-h")) {
                out.println("flowbench bench gemm-profile: " + description());
                return;
            }
            if (i + 1 >= args.size()) throw new IllegalArgumentException("bench gemm-profile: option " + a + " needs a value");
            String v = args.get(++i);
            switch (a) {
                case "--algorithms" -> algorithms = List.of(v.split(","));
                case "--profiles" -> profiles = List.of(v.split(","));
                case "--task" -> task = v;
                case "--steps" -> steps = Integer.parseInt(v);
                case "--warmup-seconds" -> warmupSeconds = Double.parseDouble(v);
                case "--seed" -> seed = Long.parseLong(v);
                default -> throw new IllegalArgumentException("bench gemm-profile: unknown option " + a + " (known: "
                        + "--algorithms --profiles --task --steps --warmup-seconds --seed --shapes)");
            }
        }
        Registry registry = Registry.load();
        for (String name : algorithms) registry.algorithm(name);
        TrainBench.Data data = TrainBench.generate(registry, task, 20, 1000, seed);
        out.printf(Locale.ROOT, "flowbench bench gemm-profile: task %s, %d cores, threads per run %d, warm-up %.1fs%n", task,
                Runtime.getRuntime().availableProcessors(), flowbench.harness.agent.ComputeThreads.perRun(), warmupSeconds);
        out.printf(Locale.ROOT, "%-8s %-6s %9s %10s %11s %8s %11s %15s %10s%n", "algo", "prof", "steps/s", "gemm/step",
                "gemm ms/st", "gemm %", "rest ms/st", "gemm-only st/s", "ceiling x");
        for (String name : algorithms) {
            for (String profile : profiles) {
                int n = steps != null ? steps : profile.equals("paper") ? 10 : 500;
                profile(registry.algorithm(name), profile, new AgentContext(data.task(), data.train(), data.val(), seed, profile),
                        n, warmupSeconds, shapes, out);
            }
        }
    }

    private static <C extends Record> void profile(Algorithm<C> algorithm, String profile, AgentContext ctx, int n,
                                                   double warmupSeconds, boolean listShapes, PrintStream out) {
        Learner learner = algorithm.create(Configs.merge(algorithm, profile, Map.of()), ctx);
        long step = 0;
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        for (int w = 0; w < 3 || System.nanoTime() < warmEnd; w++, step++) learner.update(step, Seeds.rng(ctx.seed(), "train", step));
        // keyed by a record, not by the formatted name: formatting on every call would cost more than a small product
        Map<ShapeKey, Shape> shapes = new LinkedHashMap<>();
        Blas.recorder = (ta, tb, m, nn, k, beta, threads, nanos) -> {
            Shape e = shapes.computeIfAbsent(new ShapeKey(ta, tb, m, nn, k, beta != 0, threads),
                    x -> new Shape(ta, tb, m, nn, k, beta, threads));
            e.calls++;
            e.nanos += nanos;
        };
        long t0 = System.nanoTime();
        try {
            for (int s = 0; s < n; s++, step++) learner.update(step, Seeds.rng(ctx.seed(), "train", step));
        } finally {
            Blas.recorder = null;
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        long calls = 0, gemmNanos = 0;
        for (Shape s : shapes.values()) {
            calls += s.calls;
            gemmNanos += s.nanos;
        }
        double replay = replay(shapes.values());
        double stepMs = wall * 1e3 / n, gemmMs = gemmNanos / 1e6 / n;
        out.printf(Locale.ROOT, "%-8s %-6s %9.1f %10.1f %11.3f %7.1f%% %11.3f %15.1f %10.2f%n", algorithm.name(), profile,
                n / wall, (double) calls / n, gemmMs, 100 * gemmMs / stepMs, stepMs - gemmMs, n / replay,
                (n / replay) / (n / wall));
        if (listShapes) {
            List<Shape> sorted = new ArrayList<>(shapes.values());
            sorted.sort((a, b) -> Long.compare(b.nanos, a.nanos));
            for (Shape s : sorted) {
                out.printf(Locale.ROOT, "    %-40s %8.1f calls/step %9.1f us/call %6.1f%% of products%n", s.key(),
                        (double) s.calls / n, s.nanos / 1e3 / s.calls, 100.0 * s.nanos / gemmNanos);
            }
        }
        out.flush();
    }

    /** Seconds to run every recorded product again, back to back, on fresh buffers (same shapes and counts; Blas picks
     * the same thread count for the same shape). */
    private static double replay(Iterable<Shape> shapes) {
        double total = 0;
        for (Shape s : shapes) {
            int rowsA = s.ta ? s.k : s.m, colsA = s.ta ? s.m : s.k;
            int rowsB = s.tb ? s.n : s.k, colsB = s.tb ? s.k : s.n;
            NativeFloats a = new NativeFloats((long) rowsA * colsA), b = new NativeFloats((long) rowsB * colsB),
                    c = new NativeFloats((long) s.m * s.n);
            fill(a, rowsA * colsA);
            fill(b, rowsB * colsB);
            fill(c, s.m * s.n);
            FloatPointer pa = a.at(0), pb = b.at(0), pc = c.at(0);
            for (int w = 0; w < 3; w++) call(s, pa, pb, pc, colsA, colsB);
            long t0 = System.nanoTime();
            for (long i = 0; i < s.calls; i++) call(s, pa, pb, pc, colsA, colsB);
            total += (System.nanoTime() - t0) / 1e9;
        }
        return total;
    }

    private static void call(Shape s, FloatPointer a, FloatPointer b, FloatPointer c, int lda, int ldb) {
        Blas.gemm(s.ta, s.tb, s.m, s.n, s.k, a, lda, b, ldb, s.beta, c, s.n);
    }

    private static void fill(NativeFloats x, int len) {
        float[] v = new float[len];
        for (int i = 0; i < len; i++) v[i] = (float) Math.sin(i * 0.37) * 0.1f;
        x.put(0, v, 0, len);
    }
}
