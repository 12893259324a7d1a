package flowbench.tasks.puzzle;

import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.StepResult;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

/**
 * Batched "Lights Out" puzzle ({@link PuzzlePhysics} dynamics), observation
 * {@code [10 (x - 0.425), 10 y, 10 z, b_0 .. b_{RC-1}]} (float32, b = 0 red / 1 blue), action (dx, dy, dz) in
 * [-1, 1]^3, time limit {@link PuzzleSize#maxEpisodeSteps()}.
 *
 * <p>Reset of evaluation task k: board = the task's start board, tip drawn uniformly in the reset box
 * ({@link PuzzlePhysics#resetPosition}) from {@code Seeds.rng(seed, "puzzle", "reset")}, the only random draw of an
 * episode, so episode i replays exactly whatever else is in the batch, and the same seed gives the same start in
 * every mode. Goal-conditioned: the goal input is the goal board's R*C observation columns (columns
 * [3, 3 + RC) of the observation, {@link PuzzleTask#goalColumnsFrom()}); OGBench builds its goal observation by
 * placing the arm and taking 5 random steps, which moves nothing on the board, so the board columns are exact.
 *
 * <p>Success: the board equals the goal board, on s' ({@link SuccessTiming#POST}, goal-conditioned) or on s
 * ({@link SuccessTiming#PRE}, single-task, OGBench &gt;= 1.2.0). Rewards: goal-conditioned = success (0/1);
 * single-task dense = (#buttons equal to the goal) - R*C (OGBench's manipulation reward, in [-RC, 0]); single-task
 * sparse = 0 if solved else -1 (QAM's {@code --sparse}: -1 * [dense reward != 0]). Success terminates the episode;
 * reaching the time limit without success truncates it. Finished slots are frozen as {@link StepResult} describes.
 */
public final class PuzzleEnv implements Environment {
    private final PuzzleSize size;
    private final PuzzlePhysics physics;
    private final TaskMode mode;
    private final boolean sparse;
    private final SuccessTiming timing;
    private final EnvSpec spec;

    private int n;
    private double[] xyz = new double[0];
    private int[] board = new int[0];
    private int[] goal = new int[0];
    private int[] steps = new int[0];
    private int[] presses = new int[0];
    private boolean[] terminated = new boolean[0];
    private boolean[] truncated = new boolean[0];
    private boolean[] success = new boolean[0];

    /** OGBench's timing for the mode: POST for goal-conditioned, PRE for single-task (OGBench >= 1.2.0). */
    public PuzzleEnv(PuzzleSize size, TaskMode mode, boolean sparse) {
        this(size, mode, sparse, mode == TaskMode.SINGLE_TASK ? SuccessTiming.PRE : SuccessTiming.POST,
                size.maxEpisodeSteps());
    }

    /**
     * @param sparse          single-task only: reward 0 when solved, else -1 (instead of the dense count)
     * @param timing          e.g. POST for single-task to reproduce OGBench 1.1.0 (which FQL pins)
     * @param maxEpisodeSteps time limit
     */
    public PuzzleEnv(PuzzleSize size, TaskMode mode, boolean sparse, SuccessTiming timing, int maxEpisodeSteps) {
        if (sparse && mode == TaskMode.GOAL_CONDITIONED) {
            throw new IllegalArgumentException("lightsout-" + size.label() + ": the sparse reward is a single-task option; "
                    + "goal-conditioned rewards are already success in {0, 1}");
        }
        this.size = size;
        this.physics = new PuzzlePhysics(size);
        this.mode = mode;
        this.sparse = sparse;
        this.timing = timing;
        this.spec = new EnvSpec(PuzzlePhysics.obsDim(size), PuzzlePhysics.ACTION_DIM,
                mode == TaskMode.GOAL_CONDITIONED ? size.buttons() : 0, maxEpisodeSteps);
    }

    public PuzzleSize size() {
        return size;
    }

    public boolean sparse() {
        return sparse;
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
        PuzzleSize.EvalTask task = size.task(taskId);
        if (seeds == null || seeds.length == 0) {
            throw new IllegalArgumentException("lightsout-" + size.label() + ": reset needs at least one episode seed");
        }
        int m = seeds.length;
        double[] pos = new double[3 * m];
        int[] b = new int[m], g = new int[m];
        for (int i = 0; i < m; i++) {
            PuzzlePhysics.resetPosition(resetRng(seeds[i]), pos, i);
            b[i] = task.start();
            g[i] = task.goal();
        }
        return resetState(pos, b, g);
    }

    /**
     * Starts {@code boards.length} episodes from explicit states (tests, custom goals): tip positions (row-major, 3 per
     * episode, clipped to the workspace), start boards and goal boards as bit masks ({@link PuzzleSize#parseBoard}).
     */
    public float[] resetState(double[] positions, int[] boards, int[] goals) {
        int m = boards.length;
        if (m == 0 || positions.length != 3 * m || goals.length != m) {
            throw new IllegalArgumentException("lightsout-" + size.label() + ": resetState needs 1+ episodes with 3 position "
                    + "values, a start board and a goal board each; got " + positions.length + " positions, " + m
                    + " boards, " + goals.length + " goals");
        }
        int full = size.fullMask();
        for (int i = 0; i < m; i++) {
            if ((boards[i] & ~full) != 0 || (goals[i] & ~full) != 0) {
                throw new IllegalArgumentException("lightsout-" + size.label() + ": board of episode " + i
                        + " has bits beyond the " + size.buttons() + " buttons");
            }
        }
        n = m;
        xyz = new double[3 * n];
        for (int i = 0; i < n; i++) {
            xyz[3 * i] = PuzzlePhysics.clip(positions[3 * i], PuzzlePhysics.X_MIN, PuzzlePhysics.X_MAX);
            xyz[3 * i + 1] = PuzzlePhysics.clip(positions[3 * i + 1], PuzzlePhysics.Y_MIN, PuzzlePhysics.Y_MAX);
            xyz[3 * i + 2] = PuzzlePhysics.clip(positions[3 * i + 2], PuzzlePhysics.Z_MIN, PuzzlePhysics.Z_MAX);
        }
        board = boards.clone();
        goal = goals.clone();
        steps = new int[n];
        presses = new int[n];
        terminated = new boolean[n];
        truncated = new boolean[n];
        success = new boolean[n];
        return observations();
    }

    @Override
    public float[] goals() {
        if (mode == TaskMode.SINGLE_TASK) return new float[0];
        int nb = size.buttons();
        float[] g = new float[nb * n];
        for (int i = 0; i < n; i++) PuzzlePhysics.writeBoard(size, goal[i], g, i * nb);
        return g;
    }

    @Override
    public StepResult step(float[] actions) {
        if (n == 0) throw new IllegalStateException("lightsout-" + size.label() + ": step before reset");
        if (actions == null || actions.length != 3 * n) {
            throw new IllegalArgumentException("lightsout-" + size.label() + ": actions has "
                    + (actions == null ? "null" : actions.length) + " values, expected batch " + n + " x 3 = " + 3 * n);
        }
        float[] rewards = new float[n];
        int nb = size.buttons();
        for (int i = 0; i < n; i++) {
            if (terminated[i] || truncated[i]) continue; // frozen: final observation, reward 0, final flags
            int before = board[i];
            int after = physics.step(xyz, i, actions[3 * i], actions[3 * i + 1], actions[3 * i + 2], before, null);
            if (after != before) presses[i]++;
            board[i] = after;
            int judged = timing == SuccessTiming.PRE ? before : after;
            boolean ok = judged == goal[i];
            steps[i]++;
            success[i] = ok;
            if (mode == TaskMode.GOAL_CONDITIONED) {
                rewards[i] = ok ? 1f : 0f;
            } else if (sparse) {
                rewards[i] = ok ? 0f : -1f;
            } else {
                rewards[i] = -Integer.bitCount(judged ^ goal[i]); // #satisfied - #buttons
            }
            terminated[i] = ok;
            truncated[i] = !ok && steps[i] >= spec.maxEpisodeSteps();
        }
        return new StepResult(observations(), rewards, terminated.clone(), truncated.clone(), success.clone());
    }

    /** Current boards (bit masks), one per episode slot. */
    public int[] boards() {
        return board.clone();
    }

    /** Goal boards (bit masks); single-task: the task's goal board. */
    public int[] goalBoards() {
        return goal.clone();
    }

    /** True tip positions in double precision, row-major batch x 3 (metres). */
    public double[] positions() {
        return xyz.clone();
    }

    /** Steps taken by each episode slot so far. */
    public int[] stepCounts() {
        return steps.clone();
    }

    /** Registered presses of each episode slot so far. */
    public int[] pressCounts() {
        return presses.clone();
    }

    private float[] observations() {
        int od = spec.obsDim();
        float[] obs = new float[od * n];
        for (int i = 0; i < n; i++) {
            PuzzlePhysics.observe(size, xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2], board[i], obs, i * od);
        }
        return obs;
    }

    /** The per-episode reset generator (exposed so that tests can check the reset distribution). */
    static Rng resetRng(long seed) {
        return Seeds.rng(seed, "puzzle", "reset");
    }
}
