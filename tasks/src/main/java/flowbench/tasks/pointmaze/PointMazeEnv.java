package flowbench.tasks.pointmaze;

import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.StepResult;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

/**
 * Batched PointMaze: observation (x, y), action in [-1, 1]^2, {@link PointMazePhysics} dynamics, time limit 1000.
 *
 * <p>Reset of evaluation task k (docs/benchmarks.md sections 1.5-1.7):
 * <ul>
 *   <li>start = start cell centre + U(-1, 1) per axis in both modes (OGBench jitters the start in goal-conditioned
 *       and single-task mode alike; only the goal noise is switched off for single-task);</li>
 *   <li>goal-conditioned: goal = goal cell centre + U(-1, 1) per axis, and the goal observation is exactly that
 *       point. OGBench's 5 random steps happen before it places the point on the goal, and the point's observation
 *       is its position only, so they leave the goal observation unchanged; they are not simulated;</li>
 *   <li>single-task: goal = goal cell centre, no noise, and no goal input (goalDim 0).</li>
 * </ul>
 * OGBench's reset noise (qpos + U(-0.1, 0.1), qvel ~ N(0, 0.1)) is overwritten (qpos) or not observable (qvel) and
 * is not drawn here.
 *
 * <p>Randomness of episode slot i comes only from its seed: {@code Seeds.rng(seed, "pointmaze", "reset")} draws the
 * start jitter (x then y) and then, in goal-conditioned mode, the goal jitter; {@code Seeds.rng(seed, "pointmaze",
 * "teleport")} draws teleport destinations. An episode therefore replays exactly whatever the other slots of the
 * batch are, and the same seed gives the same start in both modes.
 *
 * <p>Teleport maze: a step that ends within 1.5 of an inbound portal centre moves the point to a uniformly drawn
 * outbound portal centre. As in OGBench, the observation and the POST success of that step are taken before the
 * teleport (they show the point next to the inbound portal); the next step starts from the outbound portal.
 *
 * <p>Success is ||xy - goal|| <= 1.0, on s' ({@link SuccessTiming#POST}) or on s ({@link SuccessTiming#PRE}).
 * Goal-conditioned: reward = success (0/1); single-task: reward = success - 1 (-1/0). Success terminates the episode;
 * reaching the time limit without success truncates it (an episode that succeeds on its last step is terminated, not
 * truncated). Finished slots are frozen as {@link StepResult} describes.
 */
public final class PointMazeEnv implements Environment {
    public static final int MAX_EPISODE_STEPS = 1000;

    private final MazeLayout layout;
    private final PointMazePhysics physics;
    private final TaskMode mode;
    private final SuccessTiming timing;
    private final EnvSpec spec;

    private int n;
    private double[] xy = new double[0];
    /** Position last reported as observation: differs from {@link #xy} only right after a teleport (see class doc). */
    private double[] shown = new double[0];
    private double[] goal = new double[0];
    private Rng[] teleportRng = new Rng[0];
    private int[] steps = new int[0];
    private boolean[] terminated = new boolean[0];
    private boolean[] truncated = new boolean[0];
    private boolean[] success = new boolean[0];

    /** OGBench's timing for the mode: POST for goal-conditioned, PRE for single-task (OGBench >= 1.2.0). */
    public PointMazeEnv(MazeLayout layout, TaskMode mode) {
        this(layout, mode, mode == TaskMode.SINGLE_TASK ? SuccessTiming.PRE : SuccessTiming.POST, MAX_EPISODE_STEPS);
    }

    /**
     * @param timing          e.g. POST for single-task to reproduce OGBench 1.1.0 (which FQL pins)
     * @param maxEpisodeSteps time limit (OGBench: 1000 for every maze)
     */
    public PointMazeEnv(MazeLayout layout, TaskMode mode, SuccessTiming timing, int maxEpisodeSteps) {
        this.layout = layout;
        this.physics = new PointMazePhysics(layout);
        this.mode = mode;
        this.timing = timing;
        this.spec = new EnvSpec(2, 2, mode == TaskMode.GOAL_CONDITIONED ? 2 : 0, maxEpisodeSteps);
    }

    public MazeLayout layout() {
        return layout;
    }

    @Override
    public EnvSpec spec() {
        return spec;
    }

    @Override
    public TaskMode mode() {
        return mode;
    }

    @Override
    public SuccessTiming successTiming() {
        return timing;
    }

    @Override
    public int batchSize() {
        return n;
    }

    @Override
    public float[] reset(int taskId, long[] seeds) {
        MazeLayout.EvalTask task = layout.task(taskId);
        if (seeds == null || seeds.length == 0) {
            throw new IllegalArgumentException("jpointmaze-" + layout.name() + ": reset needs at least one episode seed");
        }
        n = seeds.length;
        xy = new double[2 * n];
        shown = new double[2 * n];
        goal = new double[2 * n];
        teleportRng = new Rng[n];
        steps = new int[n];
        terminated = new boolean[n];
        truncated = new boolean[n];
        success = new boolean[n];
        for (int i = 0; i < n; i++) {
            Rng r = Seeds.rng(seeds[i], "pointmaze", "reset");
            xy[2 * i] = task.start().x() + r.uniform(-PointMazePhysics.JITTER, PointMazePhysics.JITTER);
            xy[2 * i + 1] = task.start().y() + r.uniform(-PointMazePhysics.JITTER, PointMazePhysics.JITTER);
            goal[2 * i] = task.goal().x();
            goal[2 * i + 1] = task.goal().y();
            if (mode == TaskMode.GOAL_CONDITIONED) {
                goal[2 * i] += r.uniform(-PointMazePhysics.JITTER, PointMazePhysics.JITTER);
                goal[2 * i + 1] += r.uniform(-PointMazePhysics.JITTER, PointMazePhysics.JITTER);
            }
            teleportRng[i] = Seeds.rng(seeds[i], "pointmaze", "teleport");
        }
        System.arraycopy(xy, 0, shown, 0, 2 * n);
        return observations();
    }

    @Override
    public float[] goals() {
        if (mode == TaskMode.SINGLE_TASK) return new float[0];
        float[] g = new float[2 * n];
        for (int k = 0; k < 2 * n; k++) g[k] = (float) goal[k];
        return g;
    }

    /** The true goal positions in double precision (single-task: the goal cell centres), row-major batch x 2. */
    public double[] goalPositions() {
        return goal.clone();
    }

    /** True current positions in double precision, row-major batch x 2 (after any teleport of the last step). */
    public double[] positions() {
        return xy.clone();
    }

    @Override
    public StepResult step(float[] actions) {
        if (n == 0) throw new IllegalStateException("jpointmaze-" + layout.name() + ": step before reset");
        if (actions == null || actions.length != 2 * n) {
            throw new IllegalArgumentException("jpointmaze-" + layout.name() + ": actions has "
                    + (actions == null ? "null" : actions.length) + " values, expected batch " + n + " x 2 = " + 2 * n);
        }
        float[] rewards = new float[n];
        for (int i = 0; i < n; i++) {
            if (terminated[i] || truncated[i]) continue; // frozen: final observation, reward 0, final flags
            double gx = goal[2 * i], gy = goal[2 * i + 1];
            boolean pre = PointMazePhysics.reached(xy[2 * i], xy[2 * i + 1], gx, gy);
            physics.move(xy, i, actions[2 * i], actions[2 * i + 1], null);
            boolean ok = timing == SuccessTiming.PRE ? pre : PointMazePhysics.reached(xy[2 * i], xy[2 * i + 1], gx, gy);
            shown[2 * i] = xy[2 * i];
            shown[2 * i + 1] = xy[2 * i + 1];
            // QUIRK kept on purpose (OGBench 1.2.2 MazeEnv.step): the teleport comes after the observation and the
            // POST success are taken, so they show the point next to the inbound portal; the next step starts from
            // the outbound portal.
            if (layout.hasTeleports()) physics.teleport(xy, i, teleportRng[i]);
            steps[i]++;
            success[i] = ok;
            rewards[i] = mode == TaskMode.GOAL_CONDITIONED ? (ok ? 1f : 0f) : (ok ? 0f : -1f);
            terminated[i] = ok;
            truncated[i] = !ok && steps[i] >= spec.maxEpisodeSteps();
        }
        return new StepResult(observations(), rewards, terminated.clone(), truncated.clone(), success.clone());
    }

    /** Steps taken by each episode slot so far. */
    public int[] stepCounts() {
        return steps.clone();
    }

    private float[] observations() {
        float[] obs = new float[2 * n];
        for (int k = 0; k < 2 * n; k++) obs[k] = (float) shown[k];
        return obs;
    }
}
