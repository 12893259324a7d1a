package flowbench.baselines.algorithms;

import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.Dataset;
import flowbench.harness.data.DatasetMode;
import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.Relabeler;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;
import flowbench.harness.protocol.Configs;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import flowbench.harness.spi.BenchProvider;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code flowbench bench qgf}: QGF's training speed (steps/s) and the cost of every test-time policy (ms per query of a
 * batch, and per environment step since a query returns a chunk of H actions), on a synthetic single-task dataset with
 * PointMaze's shapes (observation 2, action 2). Networks and batch sizes are those of the chosen profile.
 */
public final class QGFBench implements BenchProvider {
    @Override
    public String name() {
        return "qgf";
    }

    @Override
    public String description() {
        return "QGF train steps/s (median of 3) and per-policy action cost (median of 5; PointMaze shapes). Options: "
                + "--profile cpu|paper --train-steps 200 --queries 20 --batch 5 --set KEY=VALUE (repeatable)";
    }

    public static void main(String[] args) throws Exception {
        new QGFBench().run(List.of(args), System.out);
    }

    @Override
    public void run(List<String> args, PrintStream out) {
        String profile = "cpu";
        int trainSteps = 200, queries = 20, batch = 5;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--help") || a.equals("-h")) {
                out.println("flowbench bench qgf: " + description());
                return;
            }
            if (i + 1 >= args.size()) throw new IllegalArgumentException("bench qgf: option " + a + " needs a value");
            String v = args.get(++i);
            switch (a) {
                case "--profile" -> profile = v;
                case "--train-steps" -> trainSteps = positive(a, v);
                case "--queries" -> queries = positive(a, v);
                case "--batch" -> batch = positive(a, v);
                case "--set" -> {
                    int eq = v.indexOf('=');
                    if (eq <= 0) throw new IllegalArgumentException("bench qgf: --set expects KEY=VALUE, got " + v);
                    overrides.put(v.substring(0, eq), v.substring(eq + 1));
                }
                default -> throw new IllegalArgumentException("bench qgf: unknown option " + a
                        + " (known: --profile --train-steps --queries --batch --set)");
            }
        }
        QGF.Config cfg = Configs.merge(new QGF(), profile, overrides);
        int obsDim = 2, actionDim = 2;
        AgentContext ctx = new AgentContext(task(obsDim, actionDim), dataset(20_000, obsDim, actionDim), null, 0, profile);
        Learner learner = new QGF().create(cfg, ctx);
        out.printf("flowbench qgf: profile %s, %d parameters, batch %d, actor %s, critic %s, H %d, K %d, OMP_WAIT_POLICY=%s%n",
                profile, learner.parameterCount(), cfg.batchSize(), cfg.actorHidden(),
                cfg.criticHidden(), cfg.horizon(), cfg.flowSteps(), System.getenv("OMP_WAIT_POLICY"));
        int warm = Math.max(5, trainSteps / 10);
        for (int s = 0; s < warm; s++) learner.update(s, Seeds.rng(0, "train", s));
        double[] rates = new double[3];
        int step = warm;
        for (int rep = 0; rep < rates.length; rep++) {
            long t0 = System.nanoTime();
            for (int s = 0; s < trainSteps; s++, step++) learner.update(step, Seeds.rng(0, "train", step));
            rates[rep] = trainSteps / ((System.nanoTime() - t0) / 1e9);
        }
        Arrays.sort(rates);
        out.printf("train: median %.1f steps/s over 3 x %d steps (min %.1f, max %.1f)%n", rates[1], trainSteps, rates[0],
                rates[2]);

        float[] obs = new float[batch * obsDim];
        new Rng(1).fillGaussian(obs);
        out.printf("%-30s %14s %16s%n", "policy (batch " + batch + ")", "ms per query", "ms per env step");
        for (Map.Entry<String, Policy> e : learner.policies().entrySet()) {
            Policy p = e.getValue();
            for (int q = 0; q < 10; q++) p.act(obs, new float[0], batch, new Rng(q));
            // median of 5 repetitions: the machine may be shared, single timings jump by 2-3x
            double[] reps = new double[5];
            for (int rep = 0; rep < reps.length; rep++) {
                long q0 = System.nanoTime();
                for (int q = 0; q < queries; q++) p.act(obs, new float[0], batch, new Rng(100 + q));
                reps[rep] = (System.nanoTime() - q0) / 1e6 / queries;
            }
            Arrays.sort(reps);
            double ms = reps[reps.length / 2];
            out.printf("%-30s %14.3f %16.3f%n", e.getKey(), ms, ms / p.chunkLength());
        }
    }

    private static int positive(String opt, String v) {
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bench qgf: " + opt + " expects a positive integer, got " + v);
        }
        if (n < 1) throw new IllegalArgumentException("bench qgf: " + opt + " expects a positive integer, got " + v);
        return n;
    }

    /** Random-walk trajectories of 100 steps with −1/0 rewards, PointMaze-like shapes. */
    private static Dataset dataset(int rows, int obsDim, int actionDim) {
        Rng rng = new Rng(7);
        float[] obs = new float[rows * obsDim], next = new float[rows * obsDim], act = new float[rows * actionDim];
        float[] rew = new float[rows], masks = new float[rows];
        boolean[] term = new boolean[rows], valid = new boolean[rows];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < actionDim; j++) act[r * actionDim + j] = (float) rng.uniform(-1, 1);
            for (int j = 0; j < obsDim; j++) {
                float o = r % 100 == 0 ? (float) rng.uniform(-5, 5) : next[(r - 1) * obsDim + j];
                obs[r * obsDim + j] = o;
                next[r * obsDim + j] = o + 0.1f * act[r * actionDim + j % actionDim];
            }
            rew[r] = rng.nextDouble() < 0.05 ? 0f : -1f;
            masks[r] = rew[r] == 0f ? 0f : 1f;
            term[r] = r % 100 == 99;
            valid[r] = true;
        }
        return new Dataset(rows, obsDim, actionDim, obs, act, next, rew, masks, term, valid, Map.of(), Map.of(),
                DatasetMode.REGULAR, null, null);
    }

    private static Task task(int obsDim, int actionDim) {
        return new Task() {
            public String name() { return "bench-singletask-v0"; }
            public String datasetName() { return "bench-v0"; }
            public TaskMode mode() { return TaskMode.SINGLE_TASK; }
            public SuccessTiming successTiming() { return SuccessTiming.POST; }
            public EnvSpec spec() { return new EnvSpec(obsDim, actionDim, 0, 1000); }
            public List<Integer> evaluationTaskIds() { return List.of(1); }
            public String rewardMode() { return "success - 1"; }
            public Environment newEnvironment() { throw new UnsupportedOperationException("benchmark task has no environment"); }
            public Relabeler relabeler() { return null; }
        };
    }
}
