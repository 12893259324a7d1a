package flowbench.tasks.puzzle;

import flowbench.harness.rng.Rng;

/**
 * Geometry and one step of the puzzle's effector (a kinematic stand-in for OGBench's UR5e arm with a closed gripper).
 *
 * <p><b>Geometry</b> (metres, OGBench's frame). Button (i, j) is centred at
 * {@code x = 0.425 - 0.05 (R - 1) + 0.1 i}, {@code y = -0.05 (C - 1) + 0.1 j}, exactly where OGBench's
 * {@code PuzzleEnv.add_objects} puts it (0.1 m pitch, board centred at x = 0.425, y = 0). Each button has a square cap of
 * half-width {@link #CAP_HALF} = 0.04 m (our choice: 2 cm gaps between caps). The effector tip is at (x, y, z), z
 * measured from the top of an unpressed cap, and stays in the box x in [0.25, 0.60], y in [-0.35, 0.35] (OGBench's
 * manipulation workspace) and z in [-0.03, 0.15].
 *
 * <p><b>Step</b>: the action is clipped to [-1, 1]^3 and moves the tip by {@link #MAX_STEP} = 0.02 m per unit on each
 * axis (a displacement, like OGBench's Δx, Δy, Δz, but executed exactly rather than tracked by an IK controller), then
 * the position is clipped to the box. <b>Press rule</b>: a press registers when z crosses from above
 * {@link #PRESS_Z} = -0.02 to at or below it while the tip's new (x, y) lies on a cap. This mirrors OGBench's "button
 * joint crosses from above -0.02 to at or below -0.02": a tip at height z &lt; 0 over a cap pushes it down by -z. The
 * press flips the button and its in-grid 4-neighbours ({@link LightsOut#press}). Holding z low does not press again;
 * the tip must come back above -0.02 first. A tip that slides sideways at low z onto a cap presses nothing (in MuJoCo
 * the cap's side would block the gripper instead; here nothing blocks it).
 *
 * <p>The velocity recorded as {@code qvel} is the last displacement divided by the control step {@link #DT} = 0.05 s
 * (OGBench's 20 Hz); the dynamics are first order, so it is not part of the observation.
 */
public final class PuzzlePhysics {
    public static final double PITCH = 0.1;
    public static final double CENTER_X = 0.425;
    public static final double CENTER_Y = 0.0;
    public static final double CAP_HALF = 0.04;
    public static final double X_MIN = 0.25;
    public static final double X_MAX = 0.60;
    public static final double Y_MIN = -0.35;
    public static final double Y_MAX = 0.35;
    public static final double Z_MIN = -0.03;
    public static final double Z_MAX = 0.15;
    public static final double PRESS_Z = -0.02;
    public static final double MAX_STEP = 0.02;
    public static final double DT = 0.05;
    /**
     * Reset box of the tip: x, y as OGBench's puzzle {@code _arm_sampling_bounds} ([0.25, 0.6] x [-0.2, 0.2]); z in
     * [0.06, 0.12] above the caps (our choice: above the press height, below the top of the box).
     */
    public static final double RESET_X_MIN = 0.25, RESET_X_MAX = 0.60;
    public static final double RESET_Y_MIN = -0.20, RESET_Y_MAX = 0.20;
    public static final double RESET_Z_MIN = 0.06, RESET_Z_MAX = 0.12;
    /** Observation scale of positions, as OGBench's {@code xyz_scaler}: obs = (pos - (0.425, 0, 0)) * 10. */
    public static final double OBS_SCALE = 10.0;
    /** Effector columns at the front of the observation: (x, y, z). The board follows. */
    public static final int EFFECTOR_DIM = 3;
    public static final int ACTION_DIM = 3;

    private final PuzzleSize size;
    private final LightsOut lightsOut;

    public PuzzlePhysics(PuzzleSize size) {
        this.size = size;
        this.lightsOut = size.lightsOut();
    }

    public PuzzleSize size() {
        return size;
    }

    public static double buttonX(PuzzleSize s, int i) {
        return CENTER_X - 0.5 * PITCH * (s.rows() - 1) + PITCH * i;
    }

    public static double buttonY(PuzzleSize s, int j) {
        return CENTER_Y - 0.5 * PITCH * (s.cols() - 1) + PITCH * j;
    }

    /** Index {@code i * C + j} of the button whose cap contains (x, y), or -1 over a gap or off the board. */
    public static int buttonAt(PuzzleSize s, double x, double y) {
        int i = (int) Math.round((x - buttonX(s, 0)) / PITCH);
        int j = (int) Math.round((y - buttonY(s, 0)) / PITCH);
        if (i < 0 || i >= s.rows() || j < 0 || j >= s.cols()) return -1;
        if (Math.abs(x - buttonX(s, i)) > CAP_HALF || Math.abs(y - buttonY(s, j)) > CAP_HALF) return -1;
        return i * s.cols() + j;
    }

    static double clip(double v, double lo, double hi) {
        return v < lo ? lo : (v > hi ? hi : v);
    }

    /** Draws a reset position into {@code xyz[3k .. 3k+2]}: x, y, z uniform in the reset box, in that order. */
    public static void resetPosition(Rng r, double[] xyz, int k) {
        xyz[3 * k] = r.uniform(RESET_X_MIN, RESET_X_MAX);
        xyz[3 * k + 1] = r.uniform(RESET_Y_MIN, RESET_Y_MAX);
        xyz[3 * k + 2] = r.uniform(RESET_Z_MIN, RESET_Z_MAX);
    }

    /**
     * Moves tip {@code k} of {@code xyz} (row-major, 3 per tip) by the action and returns the button pressed by this
     * step, or -1. The caller flips the board with {@code lightsOut().press(button)}.
     *
     * @param vel if not null, receives the tip velocity (displacement / {@link #DT}) at {@code vel[3k .. 3k+2]}
     * @throws IllegalArgumentException if an action component is NaN
     */
    public int move(double[] xyz, int k, float ax, float ay, float az, double[] vel) {
        if (Float.isNaN(ax) || Float.isNaN(ay) || Float.isNaN(az)) {
            throw new IllegalArgumentException("lightsout-" + size.label() + ": action of episode " + k + " is NaN");
        }
        double x0 = xyz[3 * k], y0 = xyz[3 * k + 1], z0 = xyz[3 * k + 2];
        double x = clip(x0 + MAX_STEP * clip(ax, -1, 1), X_MIN, X_MAX);
        double y = clip(y0 + MAX_STEP * clip(ay, -1, 1), Y_MIN, Y_MAX);
        double z = clip(z0 + MAX_STEP * clip(az, -1, 1), Z_MIN, Z_MAX);
        xyz[3 * k] = x;
        xyz[3 * k + 1] = y;
        xyz[3 * k + 2] = z;
        if (vel != null) {
            vel[3 * k] = (x - x0) / DT;
            vel[3 * k + 1] = (y - y0) / DT;
            vel[3 * k + 2] = (z - z0) / DT;
        }
        if (z0 > PRESS_Z && z <= PRESS_Z) return buttonAt(size, x, y);
        return -1;
    }

    /** One step of tip {@code k} on {@code board}: returns the board after any press. */
    public int step(double[] xyz, int k, float ax, float ay, float az, int board, double[] vel) {
        int p = move(xyz, k, ax, ay, az, vel);
        return p < 0 ? board : board ^ lightsOut.press(p);
    }

    /**
     * Writes the observation of (x, y, z, board) at {@code out[offset ..]}: {@code 10 (x - 0.425), 10 y, 10 z}, then
     * one column per button in board order, 0.0 (red) or 1.0 (blue).
     */
    public static void observe(PuzzleSize s, double x, double y, double z, int board, float[] out, int offset) {
        out[offset] = (float) ((x - CENTER_X) * OBS_SCALE);
        out[offset + 1] = (float) ((y - CENTER_Y) * OBS_SCALE);
        out[offset + 2] = (float) (z * OBS_SCALE);
        writeBoard(s, board, out, offset + EFFECTOR_DIM);
    }

    /** Writes the board as R*C columns of 0.0 / 1.0. */
    public static void writeBoard(PuzzleSize s, int board, float[] out, int offset) {
        for (int b = 0; b < s.buttons(); b++) out[offset + b] = (board >>> b & 1) != 0 ? 1f : 0f;
    }

    /** Reads a board from R*C columns (a column counts as blue when it is above 0.5). */
    public static int readBoard(PuzzleSize s, float[] in, int offset) {
        int b = 0;
        for (int k = 0; k < s.buttons(); k++) if (in[offset + k] > 0.5f) b |= 1 << k;
        return b;
    }

    public static int obsDim(PuzzleSize s) {
        return EFFECTOR_DIM + s.buttons();
    }
}
