package flowbench.tasks.puzzle;

import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;

/**
 * OGBench-style puzzle datasets (docs/benchmarks.md sections 1.3, 1.4, 1.8) in the raw schema: {@code observations}
 * (N, 3 + RC) float32, {@code actions} (N, 3) float32, {@code terminals} (N,) bool, {@code qpos} (N, 3) float32 (tip
 * position in metres before the step), {@code qvel} (N, 3) float32 (tip velocity before the step: last displacement /
 * 0.05 s, 0 on each episode's first row), {@code button_states} (N, RC) int64 (board before the step, 0 red / 1 blue),
 * with N = episodes x (steps + 1).
 *
 * <p>Each episode starts like OGBench's data collection: every button uniformly red or blue, the tip uniform in the
 * reset box, a target button drawn uniformly whose target state is the opposite of its current state. Before every
 * step, if the target button shows its target state (pressed, or flipped as a neighbour), a new target is drawn the
 * same way, as OGBench's puzzle oracle does after each button. The scripted action is {@link PuzzleOracle#control}
 * towards the target (hover above it, press, come back up); then:
 * <ul>
 *   <li><b>play</b>: plus temporally correlated Gaussian noise, per axis {@code n_t = 0.5 n_{t-1} + sqrt(1 - 0.5^2)
 *       0.25 eps_t} (stationary std 0.25, i.e. 5 mm per step; stands in for OGBench's plan oracle, whose keyframe plan
 *       gets N(0, (0.1 x 0.05 m)^2) noise smoothed over time with a Gaussian of sigma 0.5 steps), then clipped;</li>
 *   <li><b>noisy</b>: per episode xi ~ U(0, 0.25); each step, with probability 0.2 a uniform random action in
 *       [-1, 1]^3, else the action plus N(0, xi^2) per axis, clipped. OGBench's noisy data draws xi ~ U(0, 0.1) for
 *       its 0.05 m action unit; 0.25 of our 0.02 m unit is the same noise in metres. 0.2 is OGBench's puzzle
 *       random-action probability.</li>
 * </ul>
 * The recorded float32 action is the one simulated. The last row of each episode is marked in {@code terminals}; its
 * action is recorded but its successor state is not.
 *
 * <p>Randomness: episode e of split s draws everything (board, tip, targets, noise) from
 * {@code Seeds.rng(seed, "puzzle", pre-rename datasetName, s, e)}, s = "train" or "val", so the output depends only on
 * (episodes, steps, seed).
 */
public final class PuzzleDatasetGenerator implements DatasetGenerator {
    /** OGBench's play and noisy manipulation datasets. */
    public enum Kind {
        PLAY, NOISY;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind of(String label) {
            for (Kind k : values()) if (k.label().equals(label)) return k;
            throw new IllegalArgumentException("unknown puzzle dataset type '" + label + "', expected play or noisy");
        }
    }

    /** Play: stationary standard deviation of the AR(1) action noise (action units of 0.02 m). */
    public static final double PLAY_NOISE = 0.25;
    /** Play: AR(1) coefficient of the action noise (temporal correlation of consecutive steps). */
    public static final double PLAY_NOISE_CORRELATION = 0.5;
    /** Noisy: per-episode noise level xi ~ U(0, NOISY_MAX_XI). */
    public static final double NOISY_MAX_XI = 0.25;
    /** Noisy: probability of a uniform random action (OGBench's puzzle value). */
    public static final double NOISY_RANDOM_ACTION_P = 0.2;

    private final PuzzleSize size;
    private final Kind kind;
    private final PuzzlePhysics physics;

    public PuzzleDatasetGenerator(PuzzleSize size, Kind kind) {
        this.size = size;
        this.kind = kind;
        this.physics = new PuzzlePhysics(size);
    }

    public PuzzleSize size() {
        return size;
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public String datasetName() {
        return PuzzleTask.FAMILY + "-" + size.label() + "-" + kind.label() + "-v0";
    }

    /** 1000 (3x3, 4x4), 3000 (4x5), 5000 (4x6), as OGBench. */
    @Override
    public int defaultEpisodes() {
        return switch (size) {
            case P3X3, P4X4 -> 1000;
            case P4X5 -> 3000;
            case P4X6 -> 5000;
        };
    }

    /** 1000 for every size. */
    @Override
    public int defaultSteps() {
        return 1000;
    }

    /** OGBench's validation size {@code episodes // 10}, at least 1. */
    public static int validationEpisodes(int episodes) {
        return Math.max(1, episodes / 10);
    }

    /** Rows of a file with {@code episodes} episodes: episodes x (steps + 1). */
    public static long rows(int episodes, int steps) {
        return (long) episodes * (steps + 1);
    }

    @Override
    public void generate(int episodes, int steps, long seed, Path trainFile, Path valFile, ProgressListener progress)
            throws IOException {
        ProgressListener p = progress == null ? ProgressListener.NONE : progress;
        int valEpisodes = validationEpisodes(episodes);
        long total = (long) episodes + valEpisodes;
        LinkedHashMap<String, NpyArray> train = generateSplit(episodes, steps, seed, "train", p, 0, total, null);
        Npz.write(trainFile, train);
        train = null; // let the training arrays go before the validation ones are built
        LinkedHashMap<String, NpyArray> val = generateSplit(valEpisodes, steps, seed, "val", p, episodes, total, null);
        Npz.write(valFile, val);
    }

    /**
     * Generates one split in memory.
     *
     * @param split "train" or "val" (part of every episode's seed path)
     */
    public LinkedHashMap<String, NpyArray> generateSplit(int episodes, int steps, long seed, String split) {
        return generateSplit(episodes, steps, seed, split, ProgressListener.NONE, 0, episodes, null);
    }

    /** As {@link #generateSplit(int, int, long, String)}, also recording each row's target button (tests). */
    LinkedHashMap<String, NpyArray> generateSplit(int episodes, int steps, long seed, String split, int[] targetsOut) {
        return generateSplit(episodes, steps, seed, split, ProgressListener.NONE, 0, episodes, targetsOut);
    }

    private LinkedHashMap<String, NpyArray> generateSplit(int episodes, int steps, long seed, String split,
                                                          ProgressListener progress, long doneBefore, long total,
                                                          int[] targetsOut) {
        // the stream keeps the name the datasets were first published under, so the rename changed no byte
        String name = PuzzleTask.OLD_FAMILY + "-" + size.label() + "-" + kind.label() + "-v0";
        if (episodes < 1) throw new IllegalArgumentException(name + ": episodes must be at least 1, got " + episodes);
        if (steps < 1) throw new IllegalArgumentException(name + ": steps must be at least 1, got " + steps);
        int nb = size.buttons();
        int od = PuzzlePhysics.obsDim(size);
        long rowsLong = rows(episodes, steps);
        if (rowsLong * Math.max(od, nb) > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(name + ": " + episodes + " episodes x " + (steps + 1) + " rows = " + rowsLong
                    + " rows of " + od + " observation columns do not fit in Java arrays (at most "
                    + (Integer.MAX_VALUE - 16) / od + " rows)");
        }
        int rows = (int) rowsLong;
        float[] obs = new float[od * rows];
        float[] actions = new float[3 * rows];
        boolean[] terminals = new boolean[rows];
        float[] qpos = new float[3 * rows];
        float[] qvel = new float[3 * rows];
        long[] buttons = new long[nb * rows];
        double[] xyz = new double[3];
        double[] vel = new double[3];
        double[] a = new double[3];
        double[] noise = new double[3];
        double innovation = PLAY_NOISE * Math.sqrt(1 - PLAY_NOISE_CORRELATION * PLAY_NOISE_CORRELATION);
        int row = 0;
        for (int e = 0; e < episodes; e++) {
            Rng r = Seeds.rng(seed, "puzzle", name, split, e);
            int board = 0;
            for (int k = 0; k < nb; k++) if (r.nextInt(2) == 1) board |= 1 << k;
            PuzzlePhysics.resetPosition(r, xyz, 0);
            vel[0] = vel[1] = vel[2] = 0;
            int target = r.nextInt(nb);
            int targetState = (board >>> target & 1) ^ 1;
            double xi = kind == Kind.NOISY ? r.uniform(0, NOISY_MAX_XI) : 0;
            if (kind == Kind.PLAY) {
                // start the AR(1) noise in its stationary distribution
                for (int d = 0; d < 3; d++) noise[d] = PLAY_NOISE * r.nextGaussian();
            }
            for (int t = 0; t <= steps; t++, row++) {
                PuzzlePhysics.observe(size, xyz[0], xyz[1], xyz[2], board, obs, row * od);
                for (int d = 0; d < 3; d++) {
                    qpos[3 * row + d] = (float) xyz[d];
                    qvel[3 * row + d] = (float) vel[d];
                }
                for (int k = 0; k < nb; k++) buttons[row * nb + k] = board >>> k & 1;
                if ((board >>> target & 1) == targetState) {
                    target = r.nextInt(nb);
                    targetState = (board >>> target & 1) ^ 1;
                }
                if (targetsOut != null) targetsOut[row] = target;
                PuzzleOracle.control(size, xyz[0], xyz[1], xyz[2], target, a);
                if (kind == Kind.PLAY) {
                    for (int d = 0; d < 3; d++) {
                        noise[d] = PLAY_NOISE_CORRELATION * noise[d] + innovation * r.nextGaussian();
                        a[d] = PuzzlePhysics.clip(a[d] + noise[d], -1, 1);
                    }
                } else if (r.nextDouble() < NOISY_RANDOM_ACTION_P) {
                    for (int d = 0; d < 3; d++) a[d] = r.uniform(-1, 1);
                } else {
                    for (int d = 0; d < 3; d++) a[d] = PuzzlePhysics.clip(a[d] + xi * r.nextGaussian(), -1, 1);
                }
                float ax = (float) a[0], ay = (float) a[1], az = (float) a[2];
                actions[3 * row] = ax;
                actions[3 * row + 1] = ay;
                actions[3 * row + 2] = az;
                if (t == steps) {
                    terminals[row] = true; // the last row's action is recorded, its successor state is not
                    continue;
                }
                board = physics.step(xyz, 0, ax, ay, az, board, vel);
            }
            progress.progress(doneBefore + e + 1, total, name + " " + split);
        }
        LinkedHashMap<String, NpyArray> out = new LinkedHashMap<>();
        out.put("observations", NpyArray.of(obs, rows, od));
        out.put("actions", NpyArray.of(actions, rows, 3));
        out.put("terminals", NpyArray.of(terminals, rows));
        out.put("qpos", NpyArray.of(qpos, rows, 3));
        out.put("qvel", NpyArray.of(qvel, rows, 3));
        out.put("button_states", NpyArray.of(buttons, rows, nb));
        return out;
    }
}
