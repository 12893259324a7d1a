package flowbench.tasks.puzzle;

import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static flowbench.tasks.puzzle.PuzzleDatasetGenerator.Kind.NOISY;
import static flowbench.tasks.puzzle.PuzzleDatasetGenerator.Kind.PLAY;
import static org.junit.jupiter.api.Assertions.*;

class PuzzleDatasetGeneratorTest {
    @TempDir
    Path dir;

    private static String sha(Path p) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
    }

    @Test
    void smallConfigHasTheRawSchema() throws IOException {
        PuzzleDatasetGenerator g = new PuzzleDatasetGenerator(PuzzleSize.P4X4, NOISY);
        assertEquals("lightsout-4x4-noisy-v0", g.datasetName());
        Path train = dir.resolve("t.npz"), val = dir.resolve("t-val.npz");
        List<Long> progress = new ArrayList<>();
        g.generate(10, 50, 7, train, val, (done, total, label) -> {
            assertEquals(11, total);
            progress.add(done);
        });
        assertEquals(11, progress.size());
        Map<String, NpyArray> t = Npz.read(train), v = Npz.read(val);
        assertEquals(List.of("observations", "actions", "terminals", "qpos", "qvel", "button_states"), new ArrayList<>(t.keySet()));
        Map<String, String> dtypes = Map.of("observations", "<f4", "actions", "<f4", "terminals", "|b1", "qpos", "<f4",
                "qvel", "<f4", "button_states", "<i8");
        Map<String, Integer> cols = Map.of("observations", 19, "actions", 3, "qpos", 3, "qvel", 3, "button_states", 16);
        for (Map.Entry<String, NpyArray> e : t.entrySet()) {
            String k = e.getKey();
            assertEquals(dtypes.get(k), e.getValue().dtype(), k);
            int[] shape = k.equals("terminals") ? new int[] {510} : new int[] {510, cols.get(k)};
            assertArrayEquals(shape, e.getValue().shape(), k);
            int[] vshape = k.equals("terminals") ? new int[] {51} : new int[] {51, cols.get(k)};
            assertArrayEquals(vshape, v.get(k).shape(), k);
        }
        boolean[] term = (boolean[]) t.get("terminals").data();
        for (int row = 0; row < 510; row++) assertEquals(row % 51 == 50, term[row], "row " + row);
        for (float a : (float[]) t.get("actions").data()) assertTrue(a >= -1 && a <= 1);
        for (long b : (long[]) t.get("button_states").data()) assertTrue(b == 0 || b == 1);
        assertEquals(510, PuzzleDatasetGenerator.rows(10, 50));
        assertEquals(2, PuzzleDatasetGenerator.validationEpisodes(25));
        assertEquals(1, PuzzleDatasetGenerator.validationEpisodes(3));
        assertThrows(IllegalArgumentException.class, () -> g.generateSplit(0, 10, 1, "train"));
        assertThrows(IllegalArgumentException.class, () -> g.generateSplit(1, 0, 1, "train"));
    }

    /** Every row is consistent: observation = f(qpos, board), and stepping the physics replays the next row. */
    @Test
    void rowsReplayThroughThePhysics() {
        for (PuzzleSize size : PuzzleSize.values()) {
            for (PuzzleDatasetGenerator.Kind kind : PuzzleDatasetGenerator.Kind.values()) {
                int episodes = 4, steps = 300, nb = size.buttons(), od = 3 + nb;
                Map<String, NpyArray> d = new PuzzleDatasetGenerator(size, kind).generateSplit(episodes, steps, 11, "train");
                float[] obs = (float[]) d.get("observations").data();
                float[] act = (float[]) d.get("actions").data();
                float[] qpos = (float[]) d.get("qpos").data();
                float[] qvel = (float[]) d.get("qvel").data();
                long[] bs = (long[]) d.get("button_states").data();
                boolean[] term = (boolean[]) d.get("terminals").data();
                PuzzlePhysics ph = new PuzzlePhysics(size);
                float[] expect = new float[od];
                int presses = 0;
                for (int row = 0; row < episodes * (steps + 1); row++) {
                    int board = 0;
                    for (int k = 0; k < nb; k++) if (bs[row * nb + k] == 1) board |= 1 << k;
                    PuzzlePhysics.observe(size, qpos[3 * row], qpos[3 * row + 1], qpos[3 * row + 2], board, expect, 0);
                    for (int c = 0; c < od; c++) assertEquals(expect[c], obs[row * od + c], 1e-6f, "row " + row + " col " + c);
                    if (row % (steps + 1) == 0) {
                        for (int c = 0; c < 3; c++) assertEquals(0f, qvel[3 * row + c], "first row of an episode: at rest");
                    }
                    if (term[row]) continue;
                    // qpos is float32: replay from it, compare to the next row to float precision
                    double[] xyz = {qpos[3 * row], qpos[3 * row + 1], qpos[3 * row + 2]};
                    double[] vel = new double[3];
                    int next = ph.step(xyz, 0, act[3 * row], act[3 * row + 1], act[3 * row + 2], board, vel);
                    int nextBoard = 0;
                    for (int k = 0; k < nb; k++) if (bs[(row + 1) * nb + k] == 1) nextBoard |= 1 << k;
                    // a replay from rounded positions can differ only when z lands within float error of -0.02
                    boolean nearThreshold = Math.abs(xyz[2] - PuzzlePhysics.PRESS_Z) < 1e-6;
                    if (!nearThreshold) assertEquals(nextBoard, next, size.label() + " " + kind + " row " + row);
                    if (nextBoard != board) presses++;
                    for (int c = 0; c < 3; c++) {
                        assertEquals(xyz[c], qpos[3 * (row + 1) + c], 1e-6, "row " + row);
                        assertEquals(vel[c], qvel[3 * (row + 1) + c], 1e-4, "row " + row);
                    }
                }
                // the scripted oracle keeps pressing: a press cycle takes about ten steps
                assertTrue(presses > episodes * steps / 40, size.label() + " " + kind + ": " + presses + " presses");
            }
        }
    }

    /** Deviation of each action from the noiseless scripted action, from the recorded targets. */
    private static double[][] deviations(PuzzleDatasetGenerator.Kind kind, int episodes, int steps) {
        PuzzleSize size = PuzzleSize.P3X3;
        int rows = episodes * (steps + 1);
        int[] targets = new int[rows];
        Map<String, NpyArray> d = new PuzzleDatasetGenerator(size, kind).generateSplit(episodes, steps, 5, "train", targets);
        float[] act = (float[]) d.get("actions").data();
        float[] qpos = (float[]) d.get("qpos").data();
        double[][] out = new double[rows][6];
        double[] a = new double[3];
        for (int row = 0; row < rows; row++) {
            PuzzleOracle.control(size, qpos[3 * row], qpos[3 * row + 1], qpos[3 * row + 2], targets[row], a);
            for (int c = 0; c < 3; c++) {
                out[row][c] = act[3 * row + c] - a[c];
                out[row][3 + c] = a[c];
            }
        }
        return out;
    }

    @Test
    void playNoiseIsAnAr1ProcessWithTheDocumentedParameters() {
        int steps = 1000;
        double[][] dev = deviations(PLAY, 30, steps);
        // Where the scripted action is small the noise is almost never clipped, so the deviation is the noise n_t.
        // The selection depends on the past only (the deadbeat scripted action at t is -n_{t-1} once aligned), so
        // the regression of n_t on n_{t-1} and its residual stay unbiased: slope rho, residual std sigma sqrt(1-rho^2).
        double sxx = 0, sxy = 0, syy = 0, n = 0;
        int big = 0;
        for (int row = 1; row < dev.length; row++) {
            if (row % (steps + 1) == 0) continue;
            for (int c = 0; c < 3; c++) {
                if (Math.abs(dev[row][3 + c]) < 0.3 && Math.abs(dev[row - 1][3 + c]) < 0.3) {
                    sxx += dev[row - 1][c] * dev[row - 1][c];
                    sxy += dev[row][c] * dev[row - 1][c];
                    syy += dev[row][c] * dev[row][c];
                    n++;
                }
            }
            if (Math.max(Math.abs(dev[row][0]), Math.max(Math.abs(dev[row][1]), Math.abs(dev[row][2]))) > 0.9) big++;
        }
        assertTrue(n > 10000, "samples " + n);
        double rho = sxy / sxx;
        double residual = Math.sqrt((syy - 2 * rho * sxy + rho * rho * sxx) / n);
        double r = PuzzleDatasetGenerator.PLAY_NOISE_CORRELATION, sigma = PuzzleDatasetGenerator.PLAY_NOISE;
        assertEquals(r, rho, 0.03, "lag-1 regression slope");
        assertEquals(sigma * Math.sqrt(1 - r * r), residual, 0.01, "innovation std");
        assertTrue(big < dev.length / 200, "play has no random actions: " + big);
    }

    @Test
    void noisyDataHasRandomActionsInOneStepInFive() {
        double[][] dev = deviations(NOISY, 30, 1000);
        // A Gaussian deviation above 0.9 needs > 3.6 sigma (xi <= 0.25). A uniform random action u deviates by more
        // than 0.9 on some axis with probability 1 - prod_d P(|u - o_d| <= 0.9), o = the scripted action; so the share
        // of such rows must be 0.2 x the mean of that probability.
        int big = 0;
        double expected = 0;
        for (double[] row : dev) {
            if (Math.max(Math.abs(row[0]), Math.max(Math.abs(row[1]), Math.abs(row[2]))) > 0.9) big++;
            double inside = 1;
            for (int c = 0; c < 3; c++) {
                double o = row[3 + c];
                inside *= (Math.min(1, o + 0.9) - Math.max(-1, o - 0.9)) / 2;
            }
            expected += PuzzleDatasetGenerator.NOISY_RANDOM_ACTION_P * (1 - inside);
        }
        assertEquals(expected / dev.length, big / (double) dev.length, 0.01);
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
        PuzzleDatasetGenerator g = new PuzzleDatasetGenerator(PuzzleSize.P4X5, PLAY);
        g.generate(12, 40, 99, dir.resolve("a.npz"), dir.resolve("a-val.npz"), null);
        g.generate(12, 40, 99, dir.resolve("b.npz"), dir.resolve("b-val.npz"), null);
        g.generate(12, 40, 100, dir.resolve("c.npz"), dir.resolve("c-val.npz"), null);
        assertEquals(sha(dir.resolve("a.npz")), sha(dir.resolve("b.npz")));
        assertEquals(sha(dir.resolve("a-val.npz")), sha(dir.resolve("b-val.npz")));
        assertNotEquals(sha(dir.resolve("a.npz")), sha(dir.resolve("c.npz")));
        assertNotEquals(sha(dir.resolve("a-val.npz")), sha(dir.resolve("c-val.npz")));
        // the validation split is not a copy of the first training episode
        float[] tr = (float[]) Npz.read(dir.resolve("a.npz")).get("observations").data();
        float[] va = (float[]) Npz.read(dir.resolve("a-val.npz")).get("observations").data();
        assertNotEquals(tr[0], va[0]);
        // play and noisy differ for the same seed
        float[] noisy = (float[]) new PuzzleDatasetGenerator(PuzzleSize.P4X5, NOISY).generateSplit(12, 40, 99, "train")
                .get("actions").data();
        float[] play = (float[]) Npz.read(dir.resolve("a.npz")).get("actions").data();
        assertNotEquals(play[3], noisy[3]);
        // episodes start from different random boards
        long[] bs = (long[]) Npz.read(dir.resolve("a.npz")).get("button_states").data();
        boolean differ = false;
        for (int k = 0; k < 20; k++) differ |= bs[k] != bs[41 * 20 + k];
        assertTrue(differ);
    }

    @Test
    void defaultSizesFollowOgbench() {
        assertEquals(1000, new PuzzleDatasetGenerator(PuzzleSize.P3X3, PLAY).defaultEpisodes());
        assertEquals(1000, new PuzzleDatasetGenerator(PuzzleSize.P4X4, NOISY).defaultEpisodes());
        assertEquals(3000, new PuzzleDatasetGenerator(PuzzleSize.P4X5, PLAY).defaultEpisodes());
        assertEquals(5000, new PuzzleDatasetGenerator(PuzzleSize.P4X6, PLAY).defaultEpisodes());
        for (PuzzleSize s : PuzzleSize.values()) assertEquals(1000, new PuzzleDatasetGenerator(s, PLAY).defaultSteps());
        assertEquals(PLAY, PuzzleDatasetGenerator.Kind.of("play"));
        assertThrows(IllegalArgumentException.class, () -> PuzzleDatasetGenerator.Kind.of("stitch"));
    }

    /** Full-size generation time (OGBench's 1000 x 1000 for 3x3 and 4x4 play). */
    @Test
    @Tag("slow")
    void fullSizePlay() throws IOException {
        for (PuzzleSize size : new PuzzleSize[] {PuzzleSize.P3X3, PuzzleSize.P4X4}) {
            PuzzleDatasetGenerator g = new PuzzleDatasetGenerator(size, PLAY);
            Path train = dir.resolve(g.datasetName() + ".npz"), val = dir.resolve(g.datasetName() + "-val.npz");
            long t0 = System.nanoTime();
            g.generate(g.defaultEpisodes(), g.defaultSteps(), 0, train, val, null);
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%s: %d x %d (+%d val) generated and written in %.1f s, %d MB + %d MB%n", g.datasetName(),
                    g.defaultEpisodes(), g.defaultSteps(), PuzzleDatasetGenerator.validationEpisodes(g.defaultEpisodes()), s,
                    Files.size(train) >> 20, Files.size(val) >> 20);
            assertEquals(1_001_000, Npz.readHeaders(train).get("observations").shape()[0]);
            assertTrue(s < 60, "generation took " + s + " s");
        }
    }
}
