package flowbench.baselines.algorithms;

import flowbench.baselines.rl.ActionCritic;
import flowbench.harness.data.Dataset;
import flowbench.harness.data.Datasets;
import flowbench.harness.data.LoadOptions;
import flowbench.harness.data.NpyArray;
import flowbench.harness.rng.Rng;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One-step bandits for known-answer tests, built in memory: the same definition as {@code flowbench.tasks.bandit}
 * (module tasks, which baselines may not depend on): observation constant 0 (one column), behaviour a mixture of
 * N(μ_m, 0.2² I) clipped to [−1, 1], reward r(a) = −‖a − a*‖²/d, every transition terminal (mask 0), two raw rows per
 * episode.
 */
final class Bandits {
    static final double STD = 0.2;

    /** 1-D bimodal: −0.3 (0.7), +0.3 (0.3), target a* = 0.5. */
    static final Bandits D1 = new Bandits(new double[][] {{-0.3}, {0.3}}, new double[] {0.7, 0.3}, new double[] {0.5});
    /** 2-D bimodal: (−0.3, −0.3) (0.7), (0.3, 0.3) (0.3), a* = (0.5, 0.5). */
    static final Bandits D2 = new Bandits(new double[][] {{-0.3, -0.3}, {0.3, 0.3}}, new double[] {0.7, 0.3},
            new double[] {0.5, 0.5});
    /** 2-D quadmodal: (−,−) 0.4, (+,−) 0.3, (−,+) 0.2, (+,+) 0.1 at ±0.3, a* = (0.5, 0.5). */
    static final Bandits Q2 = new Bandits(new double[][] {{-0.3, -0.3}, {0.3, -0.3}, {-0.3, 0.3}, {0.3, 0.3}},
            new double[] {0.4, 0.3, 0.2, 0.1}, new double[] {0.5, 0.5});

    final double[][] modes;
    final double[] masses;
    final double[] target;
    final int d;

    Bandits(double[][] modes, double[] masses, double[] target) {
        this.modes = modes;
        this.masses = masses;
        this.target = target;
        this.d = target.length;
    }

    double reward(float[] a, int off) {
        double s = 0;
        for (int i = 0; i < d; i++) s += Math.pow(a[off + i] - target[i], 2);
        return -s / d;
    }

    int nearestMode(float[] a, int off) {
        int best = 0;
        double bestD = Double.POSITIVE_INFINITY;
        for (int m = 0; m < modes.length; m++) {
            double s = 0;
            for (int i = 0; i < d; i++) s += Math.pow(a[off + i] - modes[m][i], 2);
            if (s < bestD) {
                bestD = s;
                best = m;
            }
        }
        return best;
    }

    /** {@code episodes} one-step transitions, rewards r(a), masks 0. */
    Dataset dataset(int episodes, long seed) {
        int rows = 2 * episodes;
        float[] obs = new float[rows];
        float[] act = new float[rows * d];
        boolean[] term = new boolean[rows];
        Rng rng = new Rng(seed);
        for (int r = 0; r < rows; r++) {
            double u = rng.nextDouble();
            int m = 0;
            double acc = masses[0];
            while (u >= acc && m < masses.length - 1) acc += masses[++m];
            for (int i = 0; i < d; i++) act[r * d + i] = (float) Math.max(-1, Math.min(1, modes[m][i] + STD * rng.nextGaussian()));
            term[r] = r % 2 == 1;
        }
        Map<String, NpyArray> raw = new LinkedHashMap<>();
        raw.put("observations", NpyArray.of(obs, rows, 1));
        raw.put("actions", NpyArray.of(act, rows, d));
        raw.put("terminals", NpyArray.of(term, rows));
        return Datasets.fromRaw(raw, LoadOptions.defaults(), (fields, n, rewards, success) -> {
            float[] a = fields.get("actions");
            for (int t = 0; t < n; t++) {
                rewards[t] = (float) reward(a, t * d);
                success[t] = true; // terminal after one step: mask 0
            }
        });
    }

    /** The exact critic Q(s, a) = r(a), ∇_a Q = −2(a − a*)/d. */
    ActionCritic exactCritic() {
        return new ActionCritic() {
            public int condDim() {
                return 1;
            }

            public int actionDim() {
                return d;
            }

            public void evaluate(float[] cond, float[] actions, int batch, float[] values, float[] grad) {
                for (int b = 0; b < batch; b++) {
                    if (values != null) values[b] = (float) reward(actions, b * d);
                    if (grad != null) for (int i = 0; i < d; i++) grad[b * d + i] = (float) (-2 * (actions[b * d + i] - target[i]) / d);
                }
            }
        };
    }

    /** Tilted distribution π_β·exp(λ r) integrated numerically on a grid over [−1, 1]^d (d = 1 or 2). */
    Tilted tilted(double lambda) {
        int g = d == 1 ? 4001 : 801;
        double step = 2.0 / (g - 1);
        double[] mass = new double[modes.length];
        double z = 0, er = 0;
        float[] a = new float[d];
        int cells = (int) Math.pow(g, d);
        for (int c = 0; c < cells; c++) {
            int rem = c;
            for (int k = 0; k < d; k++) {
                a[k] = (float) (-1 + step * (rem % g));
                rem /= g;
            }
            double dens = 0;
            for (int m = 0; m < modes.length; m++) {
                double e = 0;
                for (int k = 0; k < d; k++) e += Math.pow(a[k] - modes[m][k], 2);
                dens += masses[m] * Math.exp(-e / (2 * STD * STD));
            }
            double r = reward(a, 0);
            double w = dens * Math.exp(lambda * r);
            z += w;
            er += w * r;
            mass[nearestMode(a, 0)] += w;
        }
        for (int m = 0; m < mass.length; m++) mass[m] /= z;
        return new Tilted(mass, er / z);
    }

    record Tilted(double[] modeMasses, double meanReward) {}

    /** Mode masses and mean reward of a sample (n × d). */
    Tilted empirical(float[] a, int n) {
        double[] mass = new double[modes.length];
        double er = 0;
        for (int b = 0; b < n; b++) {
            mass[nearestMode(a, b * d)] += 1.0 / n;
            er += reward(a, b * d) / n;
        }
        return new Tilted(mass, er);
    }
}
