package flowbench.tasks.bandit;

import flowbench.harness.data.Dataset;
import flowbench.harness.data.Datasets;
import flowbench.harness.data.LoadOptions;
import flowbench.harness.env.Environment;
import flowbench.harness.env.StepResult;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;
import flowbench.harness.spi.TaskProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BanditTest {
    private final BanditTaskProvider provider = new BanditTaskProvider();

    @Test
    void registeredWithItsNames() {
        boolean found = false;
        for (TaskProvider p : ServiceLoader.load(TaskProvider.class)) if (p instanceof BanditTaskProvider) found = true;
        assertTrue(found);
        assertEquals(List.of("bandit-1d-bimodal-singletask-v0", "bandit-2d-bimodal-singletask-v0",
                "bandit-8d-bimodal-singletask-v0", "bandit-2d-quadmodal-singletask-v0"), provider.taskNames());
        for (String n : provider.taskNames()) {
            Task t = provider.task(n).orElseThrow();
            assertEquals(TaskMode.SINGLE_TASK, t.mode());
            assertTrue(provider.generator(t.datasetName()).isPresent());
            assertEquals(1, t.spec().maxEpisodeSteps());
        }
        assertTrue(provider.task("bandit-3d-bimodal-singletask-v0").isEmpty());
    }

    /**
     * Loaded through the real loader: one transition per episode, masks 0, rewards r(a); per-coordinate mean and
     * variance equal the mixture's, and the nearest-centre region masses equal their analytic values (the sign of
     * Σ_i a_i for the bimodal specs, the quadrant for the quadmodal one).
     */
    @Test
    void datasetHasDocumentedModesRewardsAndTerminalMasks() {
        for (BanditSpec spec : BanditSpec.values()) {
            BanditDatasetGenerator g = new BanditDatasetGenerator(spec);
            int episodes = 20_000;
            Dataset ds = Datasets.fromRaw(g.generateSplit(episodes, 1, 7, "train"), LoadOptions.defaults(),
                    new BanditRelabeler(spec));
            int d = spec.actionDim();
            assertEquals(episodes, ds.size());
            assertEquals(d, ds.actionDim());
            int[] counts = new int[spec.modeCount()];
            double[] sum = new double[d], sq = new double[d];
            for (int i = 0; i < ds.size(); i++) {
                assertEquals(0f, ds.masks()[i], 0f, "one-step episodes never bootstrap");
                assertTrue(ds.terminals()[i]);
                assertEquals(0f, ds.observations()[i], 0f);
                assertEquals(spec.reward(ds.actions(), i * d), ds.rewards()[i], 1e-4);
                counts[spec.nearestMode(ds.actions(), i * d)]++;
                for (int k = 0; k < d; k++) {
                    double v = ds.actions()[i * d + k];
                    sum[k] += v;
                    sq[k] += v * v;
                }
            }
            for (int k = 0; k < d; k++) {
                double mean = 0, second = 0;
                for (int m = 0; m < spec.modeCount(); m++) {
                    double mu = spec.mode(m)[k];
                    mean += spec.mass(m) * mu;
                    second += spec.mass(m) * (mu * mu + BanditSpec.MODE_STD * BanditSpec.MODE_STD);
                }
                double var = second - mean * mean;
                assertEquals(mean, sum[k] / episodes, 4 * Math.sqrt(var / episodes), spec + " mean of coordinate " + k);
                assertEquals(var, sq[k] / episodes - Math.pow(sum[k] / episodes, 2), 0.05 * var, spec + " variance " + k);
            }
            double[] region = expectedRegionMasses(spec);
            for (int m = 0; m < spec.modeCount(); m++) {
                double p = region[m];
                assertEquals(p, counts[m] / (double) episodes, 4 * Math.sqrt(p * (1 - p) / episodes), spec + " region " + m);
            }
        }
    }

    /** P(nearest centre = m) for the ±0.3 layouts, clip ignored (it does not change signs). */
    private static double[] expectedRegionMasses(BanditSpec spec) {
        int d = spec.actionDim();
        double s = BanditSpec.MODE_STD;
        double[] out = new double[spec.modeCount()];
        if (spec.modeCount() == 2) {
            // nearest of ±0.3·1 = sign of Σ a_i; Σ a_i | component c ~ N(d·μ_c, d·s²)
            for (int c = 0; c < 2; c++) {
                double pPlus = phi(d * spec.mode(c)[0] / (Math.sqrt(d) * s));
                out[1] += spec.mass(c) * pPlus;
                out[0] += spec.mass(c) * (1 - pPlus);
            }
        } else {
            // quadrants: independent signs per coordinate
            for (int c = 0; c < spec.modeCount(); c++) {
                for (int r = 0; r < spec.modeCount(); r++) {
                    double p = 1;
                    for (int k = 0; k < d; k++) {
                        double pPos = phi(spec.mode(c)[k] / s);
                        p *= spec.mode(r)[k] > 0 ? pPos : 1 - pPos;
                    }
                    out[r] += spec.mass(c) * p;
                }
            }
        }
        return out;
    }

    /** Standard normal CDF (Abramowitz-Stegun 7.1.26 erf, |error| < 1.5e-7). */
    private static double phi(double x) {
        double z = Math.abs(x) / Math.sqrt(2);
        double t = 1 / (1 + 0.3275911 * z);
        double erf = 1 - t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
                * Math.exp(-z * z);
        return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    }

    @Test
    void generatorWritesTrainAndValidationFilesAndRejectsMultiStepEpisodes(@TempDir Path dir) throws Exception {
        BanditDatasetGenerator g = new BanditDatasetGenerator(BanditSpec.D2_BIMODAL);
        g.generate(50, 1, 3, dir.resolve("bandit-2d-bimodal-v0.npz"), dir.resolve("bandit-2d-bimodal-v0-val.npz"), null);
        Datasets.TrainVal tv = Datasets.loadTrainVal(dir, "bandit-2d-bimodal-v0", LoadOptions.defaults(),
                new BanditRelabeler(BanditSpec.D2_BIMODAL));
        assertEquals(50, tv.train().size());
        assertEquals(5, tv.val().size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.generateSplit(10, 2, 3, "train"));
        assertTrue(e.getMessage().contains("exactly one step"), e.getMessage());
        // deterministic in the seed
        assertArrayEquals((float[]) g.generateSplit(10, 1, 3, "train").get("actions").data(),
                (float[]) g.generateSplit(10, 1, 3, "train").get("actions").data());
    }

    @Test
    void environmentPaysRewardOnceAndTerminates() {
        BanditSpec spec = BanditSpec.D2_QUADMODAL;
        Environment env = new BanditTask(spec).newEnvironment();
        float[] obs = env.reset(1, new long[] {1, 2, 3});
        assertArrayEquals(new float[3], obs);
        StepResult r = env.step(new float[] {0.5f, 0.5f, -0.5f, -0.5f, 0.5f, -0.5f});
        assertArrayEquals(new float[] {0f, -1f, -0.5f}, r.rewards(), 1e-6f);
        assertArrayEquals(new boolean[] {true, false, false}, r.success());
        for (int i = 0; i < 3; i++) {
            assertTrue(r.terminated()[i]);
            assertFalse(r.truncated()[i]);
        }
        // finished slots: reward 0, flags frozen
        StepResult again = env.step(new float[] {-1, -1, -1, -1, -1, -1});
        assertArrayEquals(new float[3], again.rewards());
        assertArrayEquals(new boolean[] {true, false, false}, again.success());
        // actions outside the box are clipped before the reward
        env.reset(1, new long[] {1});
        assertEquals(-((1.5 * 1.5) + (1.5 * 1.5)) / 2, env.step(new float[] {-3f, -1f}).rewards()[0], 1e-6);
        assertThrows(IllegalArgumentException.class, () -> env.reset(2, new long[] {1}));
    }

    /**
     * The closed-form tilted component masses and mean reward against a numerical integral of π_β·exp(λr) on a grid
     * over [-1, 1]^d (which truncates the 3.5σ tails, hence the 1e-3 tolerance).
     */
    @Test
    void tiltedClosedFormsMatchGridIntegration() {
        for (BanditSpec spec : new BanditSpec[] {BanditSpec.D1_BIMODAL, BanditSpec.D2_BIMODAL, BanditSpec.D2_QUADMODAL}) {
            for (double lambda : new double[] {0, 1, 3, 10}) {
                int d = spec.actionDim();
                int g = d == 1 ? 4001 : 601;
                double step = 2.0 / (g - 1);
                double[] mass = new double[spec.modeCount()];
                double z = 0, er = 0;
                float[] a = new float[d];
                int cells = (int) Math.pow(g, d);
                for (int c = 0; c < cells; c++) {
                    int rem = c;
                    for (int k = 0; k < d; k++) {
                        a[k] = (float) (-1 + step * (rem % g));
                        rem /= g;
                    }
                    double r = spec.reward(a, 0);
                    double tilt = Math.exp(lambda * r);
                    for (int m = 0; m < spec.modeCount(); m++) {
                        double[] mu = spec.mode(m);
                        double e = 0;
                        for (int k = 0; k < d; k++) e += Math.pow(a[k] - mu[k], 2);
                        double w = spec.mass(m) * Math.exp(-e / (2 * BanditSpec.MODE_STD * BanditSpec.MODE_STD)) * tilt;
                        mass[m] += w; // component masses: each cell's weight split by component
                        z += w;
                        er += w * r;
                    }
                }
                double[] closed = spec.tiltedModeMasses(lambda);
                for (int m = 0; m < mass.length; m++) assertEquals(mass[m] / z, closed[m], 1e-3, spec + " λ=" + lambda + " mode " + m);
                assertEquals(er / z, spec.tiltedMeanReward(lambda), 2e-3, spec + " λ=" + lambda);
            }
        }
        assertArrayEquals(new double[] {0.7, 0.3}, BanditSpec.D8_BIMODAL.tiltedModeMasses(0), 1e-12);
    }
}
