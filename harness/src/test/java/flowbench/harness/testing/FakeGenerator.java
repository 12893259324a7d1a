package flowbench.harness.testing;

import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;

/** Writes small OGBench-schema .npz files (observations, actions, terminals, qpos, qvel) of noisy goal-seeking walks. */
public final class FakeGenerator implements DatasetGenerator {
    @Override public String datasetName() { return FakeTask.DATASET; }
    @Override public int defaultEpisodes() { return 10; }
    @Override public int defaultSteps() { return 20; }

    @Override
    public void generate(int episodes, int steps, long seed, Path trainFile, Path valFile, ProgressListener progress) throws IOException {
        write(trainFile, episodes, steps, Seeds.rng(seed, "train"));
        progress.progress(1, 2, "generate " + datasetName());
        write(valFile, Math.max(1, episodes / 10), steps, Seeds.rng(seed, "val"));
        progress.progress(2, 2, "generate " + datasetName());
    }

    private static void write(Path file, int episodes, int steps, Rng rng) throws IOException {
        int rows = episodes * (steps + 1);
        float[] obs = new float[rows * 2];
        float[] act = new float[rows * 2];
        boolean[] term = new boolean[rows];
        for (int e = 0; e < episodes; e++) {
            float x = (float) rng.uniform(-1, 1);
            float y = (float) rng.uniform(-1, 1);
            float gx = (float) rng.uniform(0, 3);
            for (int t = 0; t <= steps; t++) {
                int r = e * (steps + 1) + t;
                obs[2 * r] = x;
                obs[2 * r + 1] = y;
                float ax = (float) Math.max(-1, Math.min(1, (gx - x) + 0.3 * rng.nextGaussian()));
                float ay = (float) Math.max(-1, Math.min(1, -y + 0.3 * rng.nextGaussian()));
                act[2 * r] = ax;
                act[2 * r + 1] = ay;
                x += 0.2f * ax;
                y += 0.2f * ay;
                term[r] = t == steps;
            }
        }
        LinkedHashMap<String, NpyArray> arrays = new LinkedHashMap<>();
        arrays.put("observations", NpyArray.of(obs, rows, 2));
        arrays.put("actions", NpyArray.of(act, rows, 2));
        arrays.put("terminals", NpyArray.of(term, rows));
        arrays.put("qpos", NpyArray.of(obs.clone(), rows, 2));
        arrays.put("qvel", NpyArray.of(new float[rows * 2], rows, 2));
        Npz.write(file, arrays);
    }
}
