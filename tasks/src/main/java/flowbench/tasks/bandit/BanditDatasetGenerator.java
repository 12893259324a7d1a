package flowbench.tasks.bandit;

import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;

/**
 * Bandit datasets in OGBench's raw schema: every episode is two rows, (observation 0, behaviour action, terminal 0)
 * then (observation 0, a second behaviour action that is recorded but never a transition, terminal 1), so loading
 * (REGULAR mode) gives one transition per episode. {@code observations} (N, 1) float32, {@code actions} (N, d)
 * float32, {@code terminals} (N,) bool, N = 2 x episodes. Rewards come from {@link BanditRelabeler} at load time.
 *
 * <p>Randomness: split s draws every action in order from {@code Seeds.rng(seed, "bandit", datasetName, s)}.
 */
public final class BanditDatasetGenerator implements DatasetGenerator {
    /** Default size: 10 000 transitions (plus 1 000 validation). */
    public static final int DEFAULT_EPISODES = 10_000;

    private final BanditSpec spec;

    public BanditDatasetGenerator(BanditSpec spec) {
        this.spec = spec;
    }

    public BanditSpec spec() {
        return spec;
    }

    @Override
    public String datasetName() {
        return spec.datasetName();
    }

    @Override
    public int defaultEpisodes() {
        return DEFAULT_EPISODES;
    }

    /** Always 1: a bandit episode is one action. */
    @Override
    public int defaultSteps() {
        return 1;
    }

    @Override
    public void generate(int episodes, int steps, long seed, Path trainFile, Path valFile, ProgressListener progress)
            throws IOException {
        ProgressListener p = progress == null ? ProgressListener.NONE : progress;
        int valEpisodes = Math.max(1, episodes / 10);
        Npz.write(trainFile, generateSplit(episodes, steps, seed, "train"));
        p.progress(episodes, (long) episodes + valEpisodes, datasetName() + " train");
        Npz.write(valFile, generateSplit(valEpisodes, steps, seed, "val"));
        p.progress((long) episodes + valEpisodes, (long) episodes + valEpisodes, datasetName() + " val");
    }

    /** One split in memory; {@code steps} must be 1. */
    public LinkedHashMap<String, NpyArray> generateSplit(int episodes, int steps, long seed, String split) {
        if (steps != 1) {
            throw new IllegalArgumentException(datasetName() + ": bandit episodes have exactly one step, got steps = " + steps
                    + " (pass --steps 1 or leave it out)");
        }
        if (episodes < 1) throw new IllegalArgumentException(datasetName() + ": episodes must be at least 1, got " + episodes);
        if (episodes > Integer.MAX_VALUE / (2 * Math.max(spec.actionDim(), 1)) - 16) {
            throw new IllegalArgumentException(datasetName() + ": " + episodes + " episodes do not fit in Java arrays");
        }
        int rows = 2 * episodes;
        int d = spec.actionDim();
        float[] obs = new float[rows * BanditSpec.OBS_DIM];
        float[] actions = new float[rows * d];
        boolean[] terminals = new boolean[rows];
        Rng r = Seeds.rng(seed, "bandit", datasetName(), split);
        for (int row = 0; row < rows; row++) {
            spec.sampleBehaviour(r, actions, row * d);
            terminals[row] = row % 2 == 1;
        }
        LinkedHashMap<String, NpyArray> out = new LinkedHashMap<>();
        out.put("observations", NpyArray.of(obs, rows, BanditSpec.OBS_DIM));
        out.put("actions", NpyArray.of(actions, rows, d));
        out.put("terminals", NpyArray.of(terminals, rows));
        return out;
    }
}
