package flowbench.tasks.puzzle;

import flowbench.harness.agent.Policy;
import flowbench.harness.rng.Rng;

/**
 * Noiseless puzzle oracle, a {@link Policy} with chunk length 1, Markov in (observation, goal).
 *
 * <p>Each step: d = board XOR goal; the press set is the fewest-presses GF(2) solution of d
 * ({@link LightsOut#minimalSolution}); the target is the button of that set nearest to the tip in (x, y) (ties: lower
 * index). It then presses that button with {@link #control}. A press removes the button from the press set (the
 * minimum drops by exactly one with every press of a button in it), so the oracle needs exactly minimalPresses
 * presses. When the board equals the goal, or the goal is not reachable from the board (possible only on 4x4, whose
 * press matrix has a 4-dimensional null space, and never for the evaluation tasks), it outputs 0 (stays put).
 *
 * <p>Single-task mode has no goal input, so the single-task oracle is built with its task's goal board.
 */
public final class PuzzleOracle implements Policy {
    /** Hover height above the caps before descending (OGBench's button oracle hovers 0.06 m above the cap top). */
    public static final double HOVER = 0.06;
    /** The tip descends only when within this distance (per axis) of the target cap centre; caps are 0.04 half-wide. */
    public static final double ALIGN = 0.015;
    /**
     * The tip counts as "down" (and rises to re-arm) only below PRESS_Z - REARM_MARGIN. Why a margin: the oracle sees
     * float32 observations, so a tip resting a hair above -0.02 (no press registered) can look like one at -0.02; without
     * the margin it would rise and descend to the same spot forever. With it, a tip anywhere above -0.025 heads down to
     * -0.03, which either crosses -0.02 (press) or reaches -0.03 and then re-arms cleanly.
     */
    public static final double REARM_MARGIN = 0.005;

    private final PuzzleSize size;
    /** Goal board of a single-task oracle, -1 for goal-conditioned (goal read from the goal inputs). */
    private final int fixedGoal;

    private PuzzleOracle(PuzzleSize size, int fixedGoal) {
        this.size = size;
        this.fixedGoal = fixedGoal;
    }

    public static PuzzleOracle goalConditioned(PuzzleSize size) {
        return new PuzzleOracle(size, -1);
    }

    public static PuzzleOracle singleTask(PuzzleSize size, int taskId) {
        return new PuzzleOracle(size, size.task(taskId).goal());
    }

    @Override
    public int chunkLength() {
        return 1;
    }

    /** Noiseless: {@code rng} is not used. */
    @Override
    public float[] act(float[] observations, float[] goals, int batch, Rng rng) {
        int od = PuzzlePhysics.obsDim(size);
        int nb = size.buttons();
        if (observations.length != od * batch) {
            throw new IllegalArgumentException("lightsout-" + size.label() + " oracle: observations has " + observations.length
                    + " values, expected batch " + batch + " x " + od);
        }
        boolean fixed = fixedGoal >= 0;
        if (!fixed && goals.length != nb * batch) {
            throw new IllegalArgumentException("lightsout-" + size.label() + " oracle: goals has " + goals.length
                    + " values, expected batch " + batch + " x " + nb + " (goal-conditioned oracle needs goal inputs)");
        }
        float[] actions = new float[3 * batch];
        double[] a = new double[3];
        for (int b = 0; b < batch; b++) {
            int o = b * od;
            double x = observations[o] / PuzzlePhysics.OBS_SCALE + PuzzlePhysics.CENTER_X;
            double y = observations[o + 1] / PuzzlePhysics.OBS_SCALE + PuzzlePhysics.CENTER_Y;
            double z = observations[o + 2] / PuzzlePhysics.OBS_SCALE;
            int board = PuzzlePhysics.readBoard(size, observations, o + PuzzlePhysics.EFFECTOR_DIM);
            int goal = fixed ? fixedGoal : PuzzlePhysics.readBoard(size, goals, b * nb);
            int target = target(size, x, y, board, goal);
            if (target < 0) continue; // solved or unreachable: stay
            control(size, x, y, z, target, a);
            actions[3 * b] = (float) a[0];
            actions[3 * b + 1] = (float) a[1];
            actions[3 * b + 2] = (float) a[2];
        }
        return actions;
    }

    /**
     * The next button to press towards {@code goal}: the nearest (in x-y, ties lower index) button of the fewest-presses
     * solution; -1 if the board is solved or the goal unreachable.
     */
    public static int target(PuzzleSize s, double x, double y, int board, int goal) {
        int set = s.lightsOut().minimalSolution(board ^ goal);
        if (set <= 0) return -1; // 0: solved, -1: unreachable
        int best = -1;
        double bestD = Double.POSITIVE_INFINITY;
        for (int m = set; m != 0; m &= m - 1) {
            int k = Integer.numberOfTrailingZeros(m);
            double dx = PuzzlePhysics.buttonX(s, k / s.cols()) - x, dy = PuzzlePhysics.buttonY(s, k % s.cols()) - y;
            double d = dx * dx + dy * dy;
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return best;
    }

    /**
     * Action (in [-1, 1]^3, written to {@code out}) that presses button {@code k}: not aligned over its cap (per axis
     * within {@link #ALIGN}) -> head for the point {@link #HOVER} above its centre; aligned and not clearly below the
     * press height (z &gt; -0.02 - {@link #REARM_MARGIN}) -> head for the bottom (z = -0.03), which crosses -0.02 and
     * registers the press; aligned and clearly below (just pressed, or arrived low) -> head back up, so that the next
     * descent crosses again.
     *
     * <p>"Head for" = move straight (in 3-D) towards the point at up to {@link PuzzlePhysics#MAX_STEP} per axis: the
     * displacement to the point in units of MAX_STEP, scaled down so that no component exceeds 1. Straight moves keep
     * the nearest button of the press set the nearest until it is pressed, so the target never flips back and forth.
     */
    public static void control(PuzzleSize s, double x, double y, double z, int k, double[] out) {
        double cx = PuzzlePhysics.buttonX(s, k / s.cols()), cy = PuzzlePhysics.buttonY(s, k % s.cols());
        boolean aligned = Math.abs(x - cx) <= ALIGN && Math.abs(y - cy) <= ALIGN;
        double tz = aligned && z > PuzzlePhysics.PRESS_Z - REARM_MARGIN ? PuzzlePhysics.Z_MIN : HOVER;
        double dx = (cx - x) / PuzzlePhysics.MAX_STEP;
        double dy = (cy - y) / PuzzlePhysics.MAX_STEP;
        double dz = (tz - z) / PuzzlePhysics.MAX_STEP;
        double m = Math.max(1.0, Math.max(Math.abs(dx), Math.max(Math.abs(dy), Math.abs(dz))));
        out[0] = dx / m;
        out[1] = dy / m;
        out[2] = dz / m;
    }
}
