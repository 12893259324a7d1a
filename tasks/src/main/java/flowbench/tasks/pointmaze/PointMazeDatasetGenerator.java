package flowbench.tasks.pointmaze;

import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;

/**
 * OGBench's point maze datasets ({@code data_gen_scripts/generate_locomaze.py}, docs/benchmarks.md sections 1.3, 1.4, 1.7)
 * in the raw schema: {@code observations} (N, 2) float32, {@code actions} (N, 2) float32, {@code terminals} (N,) bool,
 * {@code qpos} (N, 2) float32, {@code qvel} (N, 2) float32, with N = episodes x (steps + 1).
 *
 * <p>Each episode: a start cell drawn uniformly from the free cells; a goal cell drawn uniformly from the vertex cells
 * ({@link MazeLayout#vertexCells()}, navigate) or from the cells exactly 4 BFS steps from the start (stitch; the start
 * itself if there is none); start and goal jittered by U(-1, 1) per axis. Every row records the state before the
 * step, then the action {@code clip(oracle direction + N(0, 0.5^2), -1, 1)} ({@link PointMazeOracle}, portals
 * ignored as in OGBench), then the step is simulated (including teleports). Navigate: when the point ends a step within
 * 1.0 of the (jittered) goal, a new vertex goal cell is drawn and jittered; episodes never end early. Stitch keeps its
 * one goal for the whole episode. The last row of each episode is marked in {@code terminals}; its action is recorded
 * but its successor state is not (OGBench runs {@code steps + 1} env steps per episode).
 *
 * <p>{@code qpos} is the position before the step and equals {@code observations} except on the row after a teleport
 * (teleport maze): there, as in OGBench, the observation still shows the point next to the inbound portal (the
 * environment takes its observation before teleporting) while qpos holds the outbound portal centre the step starts
 * from, and the oracle steers from qpos. {@code qvel} is the velocity
 * before the step: row 0 carries OGBench's reset noise N(0, 0.1^2); later rows carry the contact correction of the
 * previous step divided by 0.1 s (0 in free space, as MuJoCo reports after a contact-free step).
 *
 * <p>Randomness: episode e of split s draws everything (cells, jitter, action noise, teleports) from
 * {@code Seeds.rng(seed, "pointmaze", pre-rename datasetName, s, e)} with s = "train" or "val", so the validation file is
 * independent of the training file, and the output depends only on (episodes, steps, seed).
 */
public final class PointMazeDatasetGenerator implements DatasetGenerator {
    /** OGBench's navigate and stitch datasets. */
    public enum Kind {
        NAVIGATE, STITCH;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind of(String label) {
            for (Kind k : values()) {
                if (k.label().equals(label)) return k;
            }
            throw new IllegalArgumentException("unknown pointmaze dataset type '" + label + "', expected navigate or stitch");
        }
    }

    /** Standard deviation of the Gaussian action noise (OGBench's --noise=0.5 for the point). */
    public static final double ACTION_NOISE = 0.5;
    /** BFS distance of stitch goals from the start. */
    public static final int STITCH_DISTANCE = 4;
    /** Standard deviation of OGBench's reset velocity noise. */
    public static final double RESET_VELOCITY_NOISE = 0.1;

    private final MazeLayout layout;
    private final Kind kind;
    private final PointMazePhysics physics;
    /** Per start cell (row-major index), the cells exactly {@link #STITCH_DISTANCE} BFS steps away, row-major. */
    private final List<List<Cell>> stitchCandidates = new ArrayList<>();

    public PointMazeDatasetGenerator(MazeLayout layout, Kind kind) {
        this.layout = layout;
        this.kind = kind;
        this.physics = new PointMazePhysics(layout);
        for (int i = 0; i < layout.rows(); i++) {
            for (int j = 0; j < layout.cols(); j++) {
                List<Cell> c = new ArrayList<>();
                if (!layout.isWall(i, j)) {
                    int[] d = layout.bfsTable(i, j, false);
                    for (Cell f : layout.freeCells()) {
                        if (d[f.i() * layout.cols() + f.j()] == STITCH_DISTANCE) c.add(f);
                    }
                }
                stitchCandidates.add(List.copyOf(c));
            }
        }
    }

    public MazeLayout layout() {
        return layout;
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public String datasetName() {
        return PointMazeTask.FAMILY + "-" + layout.name() + "-" + kind.label() + "-v0";
    }

    /** 1000 (navigate medium, large, teleport), 500 (navigate giant), 5000 (stitch). */
    @Override
    public int defaultEpisodes() {
        if (kind == Kind.STITCH) return 5000;
        return layout == MazeLayout.GIANT ? 500 : 1000;
    }

    /** 1000 (navigate medium, large, teleport), 2000 (navigate giant), 200 (stitch). */
    @Override
    public int defaultSteps() {
        if (kind == Kind.STITCH) return 200;
        return layout == MazeLayout.GIANT ? 2000 : 1000;
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
        LinkedHashMap<String, NpyArray> train = generateSplit(episodes, steps, seed, "train", p, 0, total);
        Npz.write(trainFile, train);
        train = null; // let the training arrays go before the validation ones are built
        LinkedHashMap<String, NpyArray> val = generateSplit(valEpisodes, steps, seed, "val", p, episodes, total);
        Npz.write(valFile, val);
    }

    /**
     * Generates one split in memory.
     *
     * @param split "train" or "val" (part of every episode's seed path)
     */
    public LinkedHashMap<String, NpyArray> generateSplit(int episodes, int steps, long seed, String split) {
        return generateSplit(episodes, steps, seed, split, ProgressListener.NONE, 0, episodes);
    }

    private LinkedHashMap<String, NpyArray> generateSplit(int episodes, int steps, long seed, String split,
                                                          ProgressListener progress, long doneBefore, long total) {
        if (episodes < 1) {
            throw new IllegalArgumentException(datasetName() + ": episodes must be at least 1, got " + episodes);
        }
        if (steps < 1) throw new IllegalArgumentException(datasetName() + ": steps must be at least 1, got " + steps);
        long rowsLong = rows(episodes, steps);
        if (2 * rowsLong > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(datasetName() + ": " + episodes + " episodes x " + (steps + 1)
                    + " rows = " + rowsLong + " rows does not fit in Java arrays (at most " + (Integer.MAX_VALUE / 2 - 8) + ")");
        }
        int rows = (int) rowsLong;
        float[] obs = new float[2 * rows];
        float[] actions = new float[2 * rows];
        boolean[] terminals = new boolean[rows];
        float[] qvel = new float[2 * rows];
        List<Cell> free = layout.freeCells();
        List<Cell> vertex = layout.vertexCells();
        double[] xy = new double[2];
        float[] qpos = new float[2 * rows];
        double[] vel = new double[2];
        double[] dir = new double[2];
        double j = PointMazePhysics.JITTER;
        // the stream keeps the name the datasets were first published under, so the rename changed no byte (and no
        // SHA-256 pinned in a suite)
        String name = PointMazeTask.OLD_FAMILY + "-" + layout.name() + "-" + kind.label() + "-v0";
        int row = 0;
        for (int e = 0; e < episodes; e++) {
            Rng r = Seeds.rng(seed, "pointmaze", name, split, e);
            Cell start = free.get(r.nextInt(free.size()));
            Cell goal = kind == Kind.NAVIGATE ? vertex.get(r.nextInt(vertex.size())) : stitchGoal(start, r);
            xy[0] = start.x() + r.uniform(-j, j);
            xy[1] = start.y() + r.uniform(-j, j);
            double gx = goal.x() + r.uniform(-j, j);
            double gy = goal.y() + r.uniform(-j, j);
            vel[0] = RESET_VELOCITY_NOISE * r.nextGaussian();
            vel[1] = RESET_VELOCITY_NOISE * r.nextGaussian();
            double shownX = xy[0], shownY = xy[1];
            for (int t = 0; t <= steps; t++, row++) {
                obs[2 * row] = (float) shownX;
                obs[2 * row + 1] = (float) shownY;
                qpos[2 * row] = (float) xy[0];
                qpos[2 * row + 1] = (float) xy[1];
                qvel[2 * row] = (float) vel[0];
                qvel[2 * row + 1] = (float) vel[1];
                PointMazeOracle.direction(layout, false, xy[0], xy[1], gx, gy, dir);
                // the recorded float32 action is the one simulated, so replaying the file reproduces it
                float ax = (float) PointMazePhysics.clip(dir[0] + ACTION_NOISE * r.nextGaussian());
                float ay = (float) PointMazePhysics.clip(dir[1] + ACTION_NOISE * r.nextGaussian());
                actions[2 * row] = ax;
                actions[2 * row + 1] = ay;
                if (t == steps) {
                    terminals[row] = true; // the last row's action is recorded, its successor state is not
                    continue;
                }
                physics.move(xy, 0, ax, ay, vel);
                shownX = xy[0];
                shownY = xy[1];
                boolean reached = PointMazePhysics.reached(xy[0], xy[1], gx, gy);
                // QUIRK kept on purpose (OGBench): observation and success are taken before the teleport; qpos
                // (recorded as the state before the next step) is the teleported position
                if (layout.hasTeleports()) physics.teleport(xy, 0, r);
                if (kind == Kind.NAVIGATE && reached) {
                    goal = vertex.get(r.nextInt(vertex.size()));
                    gx = goal.x() + r.uniform(-j, j);
                    gy = goal.y() + r.uniform(-j, j);
                }
            }
            progress.progress(doneBefore + e + 1, total, name + " " + split);
        }
        LinkedHashMap<String, NpyArray> out = new LinkedHashMap<>();
        out.put("observations", NpyArray.of(obs, rows, 2));
        out.put("actions", NpyArray.of(actions, rows, 2));
        out.put("terminals", NpyArray.of(terminals, rows));
        out.put("qpos", NpyArray.of(qpos, rows, 2));
        out.put("qvel", NpyArray.of(qvel, rows, 2));
        return out;
    }

    /** A cell exactly {@link #STITCH_DISTANCE} BFS steps from {@code start}, uniformly; {@code start} if none. */
    Cell stitchGoal(Cell start, Rng r) {
        List<Cell> candidates = stitchCandidates.get(start.i() * layout.cols() + start.j());
        return candidates.isEmpty() ? start : candidates.get(r.nextInt(candidates.size()));
    }
}
