package flowbench.tasks.arm;

import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * The "reach" datasets of the arm variants, in OGBench's raw schema: {@code observations} (rows, N + 2) float32 (joint
 * angles, end-effector x, y: as {@link ArmEnv} reports them), {@code actions} (rows, N) float32, {@code terminals}
 * (rows,) bool, {@code qpos} (rows, N) float32 (joint angles), {@code qvel} (rows, N) float32, rows = episodes x
 * (steps + 1). Default size 1000 episodes x 200 steps (the evaluation time limit); validation file
 * {@code max(1, episodes / 10)} episodes.
 *
 * <p>Each episode, like OGBench's navigate data, reaches a sequence of random targets:
 * <ul>
 *   <li>start: a shape drawn uniformly from the {@link ShapeFamily} parameter box plus the evaluation start jitter
 *       U(-0.2/sqrt(N), 0.2/sqrt(N)) per joint, redrawn while it collides;</li>
 *   <li>targets: uniform over the disc of radius 0.95 around the base, redrawn unless the planning grid has a free
 *       shape within 0.05 of it ({@link ArmPlanner#goalCells}) that the current state can reach (obstacle variants),
 *       so every target is reachable collision-free (2-joint arm: at least 0.383 from the base);</li>
 *   <li>action: {@code clip(controller command + N(0, 0.3^2) per joint, -1, 1)}, the noiseless controller being the
 *       oracle's ({@link ArmController});</li>
 *   <li>a new target is drawn when a step ends with the end-effector within 0.05 of the target, after
 *       {@link #PATIENCE} = 100 steps on one target, and otherwise with probability {@link #SWITCH_PROBABILITY} = 0.01
 *       per step (occasional random switches, so the data also holds partial reaches); episodes never end early.</li>
 * </ul>
 * Every row records the state before its step; the last row of each episode is marked in {@code terminals}, its
 * action is recorded but not simulated (as OGBench, steps + 1 rows per episode). {@code qvel} is the previous step's
 * joint change over 0.1 s (0 on each episode's first row: the arm starts at rest).
 *
 * <p>Randomness: episode e of split s ("train" or "val") draws everything from
 * {@code Seeds.rng(seed, "arm", datasetName, s, e)}, so the files depend only on (episodes, steps, seed); episodes are
 * generated in parallel (each writes only its own rows), which changes nothing in the output.
 */
public final class ArmDatasetGenerator implements DatasetGenerator {
    /** Standard deviation of the Gaussian action noise per joint. */
    public static final double ACTION_NOISE = 0.3;
    /** Steps on one target before a new one is drawn. */
    public static final int PATIENCE = 100;
    /** Per-step probability of switching to a new target early. */
    public static final double SWITCH_PROBABILITY = 0.01;
    /** Targets are drawn uniformly from the disc of this radius. */
    public static final double TARGET_RADIUS = 0.95;
    private static final int MAX_DRAWS = 10_000;

    private final ArmLayout layout;

    public ArmDatasetGenerator(ArmLayout layout) {
        this.layout = layout;
    }

    public ArmLayout layout() {
        return layout;
    }

    @Override
    public String datasetName() {
        return layout.name() + "-reach-v0";
    }

    @Override
    public int defaultEpisodes() {
        return 1000;
    }

    @Override
    public int defaultSteps() {
        return ArmEnv.MAX_EPISODE_STEPS;
    }

    /** OGBench's validation size {@code episodes // 10}, at least 1. */
    public static int validationEpisodes(int episodes) {
        return Math.max(1, episodes / 10);
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
        Npz.write(valFile, generateSplit(valEpisodes, steps, seed, "val", p, episodes, total));
    }

    /** Generates one split ("train" or "val", part of every episode's seed path) in memory. */
    public LinkedHashMap<String, NpyArray> generateSplit(int episodes, int steps, long seed, String split) {
        return generateSplit(episodes, steps, seed, split, ProgressListener.NONE, 0, episodes);
    }

    private LinkedHashMap<String, NpyArray> generateSplit(int episodes, int steps, long seed, String split,
                                                          ProgressListener progress, long doneBefore, long total) {
        String name = datasetName();
        if (episodes < 1) throw new IllegalArgumentException(name + ": episodes must be at least 1, got " + episodes);
        if (steps < 1) throw new IllegalArgumentException(name + ": steps must be at least 1, got " + steps);
        int nj = layout.joints(), od = nj + 2;
        long rowsLong = (long) episodes * (steps + 1);
        if (rowsLong * od > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(name + ": " + episodes + " episodes x " + (steps + 1) + " rows x " + od
                    + " columns does not fit in a Java array (at most " + (Integer.MAX_VALUE - 16) + " values)");
        }
        int rows = (int) rowsLong;
        float[] obs = new float[rows * od];
        float[] actions = new float[rows * nj];
        boolean[] terminals = new boolean[rows];
        float[] qpos = new float[rows * nj];
        float[] qvel = new float[rows * nj];

        ArmController controller = new ArmController(layout.planner());
        AtomicLong done = new AtomicLong();
        Object progressLock = new Object();
        // episodes are independent (own seed, own rows), so they run in parallel and the bytes do not depend on the
        // number of threads
        IntStream.range(0, episodes).parallel().forEach(e -> {
            episode(Seeds.rng(seed, "arm", name, split, e), e * (steps + 1), steps, controller, obs, actions, terminals, qpos, qvel);
            long d = done.incrementAndGet();
            synchronized (progressLock) {
                progress.progress(doneBefore + d, total, name + " " + split);
            }
        });
        LinkedHashMap<String, NpyArray> out = new LinkedHashMap<>();
        out.put("observations", NpyArray.of(obs, rows, od));
        out.put("actions", NpyArray.of(actions, rows, nj));
        out.put("terminals", NpyArray.of(terminals, rows));
        out.put("qpos", NpyArray.of(qpos, rows, nj));
        out.put("qvel", NpyArray.of(qvel, rows, nj));
        return out;
    }

    /** Simulates one episode into rows {@code row0 .. row0 + steps} of the arrays. */
    private void episode(Rng r, int row0, int steps, ArmController controller, float[] obs, float[] actions,
                         boolean[] terminals, float[] qpos, float[] qvel) {
        ArmKinematics kin = layout.kinematics();
        String name = datasetName();
        int nj = layout.joints(), od = nj + 2;
        double[] q = new double[nj], prev = new double[nj], cmd = new double[nj], ee = new double[2];
        float[] a = new float[nj];
        randomStart(r, q);
        System.arraycopy(q, 0, prev, 0, nj);
        ArmController.Plan plan = randomTarget(r, q, controller);
        int onTarget = 0;
        for (int t = 0, row = row0; t <= steps; t++, row++) {
            ArmEnv.observation(kin, q, 0, obs, row * od);
            for (int j = 0; j < nj; j++) {
                qpos[row * nj + j] = (float) q[j];
                qvel[row * nj + j] = (float) ((q[j] - prev[j]) / ArmKinematics.STEP_SECONDS);
            }
            controller.command(q, 0, plan, cmd, 0);
            for (int j = 0; j < nj; j++) {
                double v = cmd[j] + ACTION_NOISE * r.nextGaussian();
                // the recorded float32 action is the one simulated, so replaying the file reproduces the data
                a[j] = (float) (v < -1 ? -1 : (v > 1 ? 1 : v));
                actions[row * nj + j] = a[j];
            }
            if (t == steps) {
                terminals[row] = true; // the last row's action is recorded, its successor state is not
                continue;
            }
            System.arraycopy(q, 0, prev, 0, nj);
            kin.move(q, 0, a, 0, name);
            onTarget++;
            kin.endEffector(q, 0, ee);
            boolean reached = ArmKinematics.reached(ee[0], ee[1], plan.goalX(), plan.goalY());
            boolean switchNow = r.nextDouble() < SWITCH_PROBABILITY;
            if (reached || onTarget >= PATIENCE || switchNow) {
                plan = randomTarget(r, q, controller);
                onTarget = 0;
            }
        }
    }

    /** A uniformly drawn family shape plus the evaluation start jitter, redrawn while it collides. */
    void randomStart(Rng r, double[] q) {
        ArmKinematics kin = layout.kinematics();
        ShapeFamily f = layout.planner().family();
        double[] p = new double[f.dims()];
        double jit = ArmEnv.startJitter(layout.joints());
        for (int draw = 0; draw < MAX_DRAWS; draw++) {
            for (int j = 0; j < p.length; j++) p[j] = r.uniform(f.lo(j), f.hi(j));
            f.config(p, q);
            for (int i = 0; i < q.length; i++) q[i] = kin.clampJoint(i, q[i] + r.uniform(-jit, jit));
            if (!kin.collides(q, 0)) return;
        }
        throw new IllegalStateException(datasetName() + ": no collision-free start in " + MAX_DRAWS + " draws");
    }

    /** A target uniform on the disc of radius 0.95 that the planner can reach from {@code q}; its plan. */
    ArmController.Plan randomTarget(Rng r, double[] q, ArmController controller) {
        ArmPlanner planner = layout.planner();
        double[] p = new double[planner.family().dims()];
        planner.family().project(q, 0, p);
        int here = planner.cellOf(p);
        for (int draw = 0; draw < MAX_DRAWS; draw++) {
            double rad = TARGET_RADIUS * Math.sqrt(r.nextDouble());
            double th = r.uniform(-Math.PI, Math.PI);
            double gx = rad * Math.cos(th), gy = rad * Math.sin(th);
            ArmPlanner.GoalCells g = planner.goalCells(gx, gy);
            if (g.threshold() > ArmPlanner.GOAL_CELL_ERROR) continue; // no free shape close enough
            ArmController.Plan plan = controller.plan(gx, gy, g);
            if (plan.distances() != null && !reachable(planner, plan.distances(), here)) continue;
            return plan;
        }
        throw new IllegalStateException(datasetName() + ": no reachable target in " + MAX_DRAWS + " draws");
    }

    /** Whether the cell (or, if it is blocked, its nearest free cell) has a path to the goal cells. */
    private static boolean reachable(ArmPlanner planner, ArmPlanner.DistanceField dist, int cell) {
        int c = planner.nearestFree(cell);
        return c >= 0 && dist.distance(c) >= 0;
    }
}
