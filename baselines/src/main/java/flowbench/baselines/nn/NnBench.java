package flowbench.baselines.nn;

import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import flowbench.harness.spi.BenchProvider;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * {@code flowbench bench nn}: steps per second of one MLP training step (forward, MSE loss, backward including dL/dx,
 * Adam) for input 40, output 8, batch 256 — the same step as {@code bench/pytorch_mlp_step.py}, printed in the same
 * format so the two can be compared side by side.
 */
public final class NnBench implements BenchProvider {
    static final int IN = 40, OUT = 8;

    @Override
    public String name() {
        return "nn";
    }

    @Override
    public String description() {
        return "MLP training step (forward + backward incl. dL/dx + Adam), input 40, output 8: steps/s per size and "
                + "activation. Options: --sizes 3x256,4x512 --activations relu,gelu --batch 256 --steps 200 --reps 7 "
                + "--warmup 200 --warmup-seconds 1";
    }

    public static void main(String[] args) throws Exception {
        new NnBench().run(List.of(args), System.out);
    }

    @Override
    public void run(List<String> args, PrintStream out) {
        String sizes = "3x256,4x512", acts = "relu,gelu";
        int batch = 256, steps = 200, reps = 7, warmup = 200;
        double warmupSeconds = 1.0;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--help") || a.equals("-h")) {
                out.println("flowbench bench nn: " + description());
                return;
            }
            if (i + 1 >= args.size()) throw new IllegalArgumentException("bench nn: option " + a + " needs a value");
            String val = args.get(++i);
            switch (a) {
                case "--sizes" -> sizes = val;
                case "--activations" -> acts = val;
                case "--batch" -> batch = positive(a, val);
                case "--steps" -> steps = positive(a, val);
                case "--reps" -> reps = positive(a, val);
                case "--warmup" -> warmup = positive(a, val);
                case "--warmup-seconds" -> warmupSeconds = Double.parseDouble(val);
                default -> throw new IllegalArgumentException("bench nn: unknown option " + a
                        + " (known: --sizes --activations --batch --steps --reps --warmup --warmup-seconds)");
            }
        }
        out.printf("flowbench nn: java %s, cores %d, kernels %s, OpenBLAS up to %d threads (1 below %d multiply-adds), "
                        + "OPENBLAS_CORETYPE=%s, OMP_WAIT_POLICY=%s%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), Kernels.describe(),
                flowbench.harness.agent.ComputeThreads.perRun(), Blas.PARALLEL_MIN_MNK, env("OPENBLAS_CORETYPE"), env("OMP_WAIT_POLICY"));
        for (String size : sizes.split(",")) {
            String[] lw = size.trim().toLowerCase().split("x");
            if (lw.length != 2) throw new IllegalArgumentException("bench nn: --sizes entries look like 3x256, got " + size);
            int layers = positive("--sizes", lw[0]), width = positive("--sizes", lw[1]);
            for (String actName : acts.split(",")) {
                Activation act;
                try {
                    act = Activation.valueOf(actName.trim().toUpperCase());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("bench nn: --activations entries must be relu, gelu or mish, got '"
                            + actName + "'");
                }
                double[][] r = measure(layers, width, act, batch, steps, reps, warmup, warmupSeconds);
                double[] rates = r[0];
                out.printf("nn step %dx%d %-4s batch %d in %d out %d: median %7.1f steps/s  (min %7.1f, max %7.1f, "
                                + "%d reps x %d steps); per process CPU-second: median %7.1f%n", layers, width,
                        act.name().toLowerCase(), batch, IN, OUT, median(rates), rates[0], rates[rates.length - 1], reps,
                        steps, median(r[1]));
            }
        }
    }

    /** Median of a sorted array. */
    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }

    /**
     * Sorted steps per wall-clock second ([0]) and per CPU-second of the whole process ([1], all threads: OpenBLAS's
     * included; less sensitive than wall time to other programs on the machine) of each timed repetition, after a warm-up of at least {@code warmup} steps and {@code warmupSeconds}
     * (the JIT must have compiled the vector kernels; the Python peer uses the same rule).
     */
    static double[][] measure(int layers, int width, Activation act, int batch, int steps, int reps, int warmup,
                              double warmupSeconds) {
        int[] hidden = new int[layers];
        Arrays.fill(hidden, width);
        Step s = new Step(MlpConfig.of(IN, hidden, OUT, act), batch, Seeds.rng(0, "bench", "nn", layers, width));
        long start = System.nanoTime();
        for (int i = 0; i < warmup || System.nanoTime() - start < warmupSeconds * 1e9; i++) s.run();
        double[] rates = new double[reps], cpuRates = new double[reps];
        for (int r = 0; r < reps; r++) {
            long c0 = processCpuNanos(), t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) s.run();
            long t1 = System.nanoTime(), c1 = processCpuNanos();
            rates[r] = steps / ((t1 - t0) * 1e-9);
            cpuRates[r] = c1 > c0 ? steps / ((c1 - c0) * 1e-9) : Double.NaN;
        }
        Arrays.sort(rates);
        Arrays.sort(cpuRates);
        return new double[][] {rates, cpuRates};
    }

    /** One training step on fixed data: forward, MSE, backward with dL/dx, Adam(3e−4). */
    static final class Step {
        final Mlp net;
        final Mlp.Tape tape;
        final Gradients grads;
        final Adam adam;
        final float[] x, y, dY, dX;
        final int batch;
        double loss;

        Step(MlpConfig cfg, int batch, Rng rng) {
            this.batch = batch;
            net = new Mlp(cfg, rng);
            tape = net.newTape(batch);
            grads = net.newGradients();
            adam = new Adam(AdamConfig.of(3e-4), net);
            x = new float[batch * cfg.inputDim()];
            y = new float[batch * cfg.outputDim()];
            rng.fillGaussian(x);
            rng.fillGaussian(y);
            dY = new float[y.length];
            dX = new float[x.length];
        }

        void run() {
            float[] pred = net.forward(tape, x, batch);
            float scale = 2f / y.length;
            double l = 0;
            for (int i = 0; i < y.length; i++) {
                float d = pred[i] - y[i];
                l += d * d;
                dY[i] = scale * d;
            }
            loss = l / y.length;
            grads.zero();
            net.backward(tape, dY, grads, dX);
            adam.step(grads);
        }
    }

    private static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private static int positive(String opt, String v) {
        try {
            int n = Integer.parseInt(v.trim());
            if (n > 0) return n;
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("bench nn: " + opt + " needs a positive integer, got '" + v + "'");
    }

    private static String env(String k) {
        String v = System.getenv(k);
        return v == null ? "(unset)" : v;
    }

}
