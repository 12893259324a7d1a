package flowbench.tasks.arm;

import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.StepResult;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

/**
 * Batched planar arm reaching ({@link ArmKinematics} dynamics).
 *
 * <p>Observation (float32, N + 2 columns): the N joint angles q_0 .. q_{N-1} in radians (raw, not cos/sin: every joint
 * has hard limits inside [-pi, pi], so raw angles are continuous and bounded), then the end-effector x, y. Action:
 * N joint-velocity commands in [-1, 1] (0.1 / N rad per unit and step). Goal-conditioned goal: the end-effector position,
 * i.e. observation columns [N, N + 2) ({@link ArmTask#goalColumnsFrom()}). Time limit {@link #MAX_EPISODE_STEPS} =
 * 200.
 *
 * <p>Reset of evaluation task k: the task's start shape plus U(-j, j) rad per joint with j = 0.2 / sqrt(N) (so the
 * end-effector spread, about 0.05 standard deviation, is alike for every N), clipped to the limits and redrawn while
 * it collides with an obstacle; goal-conditioned: goal = target + U(-0.05, 0.05) per axis (as OGBench
 * jitters goal-conditioned goals); single-task: goal = the target, no goal input (goalDim 0). Randomness of slot i
 * comes only from {@code Seeds.rng(seed_i, "arm", "reset")} (start jitter first, then the goal jitter), so an
 * episode replays whatever the rest of the batch is and a seed gives the same start in both modes.
 *
 * <p>Success: ||ee - goal|| &lt;= 0.05, on s' ({@link SuccessTiming#POST}, goal-conditioned) or on s
 * ({@link SuccessTiming#PRE}, single-task, as OGBench &gt;= 1.2.0). Goal-conditioned reward = success (0/1);
 * single-task reward = success - 1 (OGBench's locomotion convention). Success terminates the episode; the time limit
 * without success truncates it. Finished slots are frozen as {@link StepResult} describes.
 */
public final class ArmEnv implements Environment {
    public static final int MAX_EPISODE_STEPS = 200;
    /** Start jitter per joint is U(-j, j) rad with j = START_JITTER_SCALE / sqrt(N). */
    public static final double START_JITTER_SCALE = 0.2;
    /** Half-width of the uniform goal-conditioned goal jitter per axis. */
    public static final double GOAL_JITTER = 0.05;
    private static final int MAX_START_DRAWS = 1000;

    private final ArmLayout layout;
    private final ArmKinematics kin;
    private final TaskMode mode;
    private final SuccessTiming timing;
    private final EnvSpec spec;
    private final int nj;

    private int n;
    private double[] q = new double[0];
    private double[] goal = new double[0];
    private int[] steps = new int[0];
    private boolean[] terminated = new boolean[0];
    private boolean[] truncated = new boolean[0];
    private boolean[] success = new boolean[0];

    /** OGBench's timing for the mode: POST for goal-conditioned, PRE for single-task. */
    public ArmEnv(ArmLayout layout, TaskMode mode) {
        this(layout, mode, mode == TaskMode.SINGLE_TASK ? SuccessTiming.PRE : SuccessTiming.POST, MAX_EPISODE_STEPS);
    }

    public ArmEnv(ArmLayout layout, TaskMode mode, SuccessTiming timing, int maxEpisodeSteps) {
        this.layout = layout;
        this.kin = layout.kinematics();
        this.mode = mode;
        this.timing = timing;
        this.nj = layout.joints();
        this.spec = new EnvSpec(nj + 2, nj, mode == TaskMode.GOAL_CONDITIONED ? 2 : 0, maxEpisodeSteps);
    }

    public ArmLayout layout() {
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
        ArmLayout.EvalTask task = layout.task(taskId);
        if (seeds == null || seeds.length == 0) {
            throw new IllegalArgumentException(layout.name() + ": reset needs at least one episode seed");
        }
        double[] nominal = layout.startConfiguration(taskId);
        if (kin.collides(nominal, 0)) {
            throw new IllegalStateException(layout.name() + " task" + taskId + ": the start shape collides with an obstacle");
        }
        n = seeds.length;
        q = new double[n * nj];
        goal = new double[2 * n];
        steps = new int[n];
        terminated = new boolean[n];
        truncated = new boolean[n];
        success = new boolean[n];
        for (int i = 0; i < n; i++) {
            Rng r = Seeds.rng(seeds[i], "arm", "reset");
            jitteredStart(nominal, r, q, i * nj);
            goal[2 * i] = task.targetX();
            goal[2 * i + 1] = task.targetY();
            if (mode == TaskMode.GOAL_CONDITIONED) {
                goal[2 * i] += r.uniform(-GOAL_JITTER, GOAL_JITTER);
                goal[2 * i + 1] += r.uniform(-GOAL_JITTER, GOAL_JITTER);
            }
        }
        return observations();
    }

    /** Half-width of the start jitter per joint: 0.2 / sqrt(N) rad. */
    public static double startJitter(int joints) {
        return START_JITTER_SCALE / Math.sqrt(joints);
    }

    /** nominal + U(-j, j) per joint, clipped to the limits, redrawn while it collides. */
    private void jitteredStart(double[] nominal, Rng r, double[] out, int off) {
        double jit = startJitter(nj);
        for (int draw = 0; draw < MAX_START_DRAWS; draw++) {
            for (int j = 0; j < nj; j++) out[off + j] = kin.clampJoint(j, nominal[j] + r.uniform(-jit, jit));
            if (!kin.collides(out, off)) return;
        }
        throw new IllegalStateException(layout.name() + ": no collision-free start jitter in " + MAX_START_DRAWS + " draws");
    }

    @Override
    public float[] goals() {
        if (mode == TaskMode.SINGLE_TASK) return new float[0];
        float[] g = new float[2 * n];
        for (int k = 0; k < 2 * n; k++) g[k] = (float) goal[k];
        return g;
    }

    /** True goal positions in double precision (single-task: the targets), row-major batch x 2. */
    public double[] goalPositions() {
        return goal.clone();
    }

    /** Joint angles in double precision, row-major batch x N. */
    public double[] jointAngles() {
        return q.clone();
    }

    @Override
    public StepResult step(float[] actions) {
        if (n == 0) throw new IllegalStateException(layout.name() + ": step before reset");
        if (actions == null || actions.length != n * nj) {
            throw new IllegalArgumentException(layout.name() + ": actions has " + (actions == null ? "null" : actions.length)
                    + " values, expected batch " + n + " x " + nj + " = " + n * nj);
        }
        float[] rewards = new float[n];
        double[] ee = new double[2];
        for (int i = 0; i < n; i++) {
            if (terminated[i] || truncated[i]) continue; // frozen: final observation, reward 0, final flags
            double gx = goal[2 * i], gy = goal[2 * i + 1];
            kin.endEffector(q, i * nj, ee);
            boolean pre = ArmKinematics.reached(ee[0], ee[1], gx, gy);
            kin.move(q, i * nj, actions, i * nj, layout.name() + " episode " + i);
            boolean ok;
            if (timing == SuccessTiming.PRE) {
                ok = pre;
            } else {
                kin.endEffector(q, i * nj, ee);
                ok = ArmKinematics.reached(ee[0], ee[1], gx, gy);
            }
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
        int od = nj + 2;
        float[] obs = new float[n * od];
        for (int i = 0; i < n; i++) observation(kin, q, i * nj, obs, i * od);
        return obs;
    }

    /** Writes the observation row of joint angles {@code q[off .. off+N)} (as {@link ArmEnv} reports it). */
    static void observation(ArmKinematics kin, double[] q, int off, float[] out, int ooff) {
        int nj = kin.joints();
        double[] ee = new double[2];
        for (int j = 0; j < nj; j++) out[ooff + j] = (float) q[off + j];
        kin.endEffector(q, off, ee);
        out[ooff + nj] = (float) ee[0];
        out[ooff + nj + 1] = (float) ee[1];
    }
}
