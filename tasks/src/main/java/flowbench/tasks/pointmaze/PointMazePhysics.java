package flowbench.tasks.pointmaze;

import flowbench.harness.rng.Rng;

/**
 * The point mass of OGBench's PointMaze, without MuJoCo (docs/benchmarks.md section 1.7).
 *
 * <p>One step: the action is clipped to [-1, 1]^2, the position moves by 0.2 a, and contacts of the radius-0.7 disc
 * with the wall blocks are resolved. MuJoCo does the last part with 5 soft-contact substeps; here the disc is pushed
 * out exactly, always out of the most deeply penetrated block first, along the normal from the block's closest point,
 * until no block is penetrated. Because one move is at most 0.2 sqrt 2 = 0.283 while the disc started at least 0.7
 * from every block, the disc centre after the raw move is still at least 0.417 from every block: the push-out normal
 * is always well defined and points back to the side the disc came from, so it can neither tunnel through a wall nor
 * slip through the point where two blocks touch diagonally. Only the normal component of the motion is removed, so
 * the disc slides along walls and around corners. (Deepest block first keeps the slide smooth across the seam of two
 * collinear blocks, where the nearer block's corner would otherwise nudge the disc sideways.)
 *
 * <p>All methods work on caller-owned arrays (episode k at indices 2k, 2k + 1) and allocate nothing.
 */
public final class PointMazePhysics {
    /** Position change per unit action (OGBench: {@code qpos += 0.2 * action}). */
    public static final double ACTION_SCALE = 0.2;
    /** Radius of the point's contact sphere. */
    public static final double RADIUS = 0.7;
    /** Goal tolerance of the point maze. */
    public static final double SUCCESS_RADIUS = 1.0;
    /** Start and goal jitter half-width: OGBench's noise 1 times maze_unit / 4. */
    public static final double JITTER = MazeLayout.MAZE_UNIT / 4;
    /** Teleport trigger distance: OGBench's teleport_radius 1 times 1.5. */
    public static final double TELEPORT_TRIGGER = 1.5;
    /** Simulated time of one step: frame_skip 5 x dt 0.02 s; contact corrections are reported as velocity over it. */
    public static final double STEP_SECONDS = 0.1;

    private static final double HALF = MazeLayout.MAZE_UNIT / 2;
    /** Penetrations below this are treated as contact, not overlap, so the loop ends on exactly-touching discs. */
    private static final double TOLERANCE = 1e-9;
    private static final int MAX_PASSES = 16;

    private final MazeLayout layout;
    private final double[] inX;
    private final double[] inY;
    private final double[] outX;
    private final double[] outY;

    public PointMazePhysics(MazeLayout layout) {
        this.layout = layout;
        int ni = layout.teleportIn().size(), no = layout.teleportOut().size();
        inX = new double[ni];
        inY = new double[ni];
        outX = new double[no];
        outY = new double[no];
        for (int k = 0; k < ni; k++) {
            inX[k] = layout.teleportIn().get(k).x();
            inY[k] = layout.teleportIn().get(k).y();
        }
        for (int k = 0; k < no; k++) {
            outX[k] = layout.teleportOut().get(k).x();
            outY[k] = layout.teleportOut().get(k).y();
        }
    }

    public MazeLayout layout() {
        return layout;
    }

    /** Clips an action component to [-1, 1]. */
    public static double clip(double a) {
        return a < -1.0 ? -1.0 : (a > 1.0 ? 1.0 : a);
    }

    /**
     * Moves episode {@code k} by {@code 0.2 * clip(a)} and resolves wall contacts.
     *
     * @param vel if not null, receives at 2k, 2k + 1 the contact correction divided by {@link #STEP_SECONDS} (zero in
     *            free space, like MuJoCo's qvel after a contact-free step)
     * @throws IllegalArgumentException if an action component is NaN
     */
    public void move(double[] xy, int k, double ax, double ay, double[] vel) {
        if (Double.isNaN(ax) || Double.isNaN(ay)) {
            throw new IllegalArgumentException("jpointmaze-" + layout.name() + ": action of episode " + k + " is NaN");
        }
        double x0 = xy[2 * k], y0 = xy[2 * k + 1];
        double rawX = x0 + ACTION_SCALE * clip(ax);
        double rawY = y0 + ACTION_SCALE * clip(ay);
        double px = rawX, py = rawY;
        boolean resolved = false;
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            double deepest = TOLERANCE;
            boolean penetrating = false;
            double qxBest = 0, qyBest = 0, dBest = 0;
            int ci = MazeLayout.cellI(py), cj = MazeLayout.cellJ(px);
            // the disc (radius 0.7 < half a cell) can only touch blocks of the 3 x 3 cells around its centre
            for (int i = ci - 1; i <= ci + 1; i++) {
                double by = MazeLayout.cellY(i);
                for (int j = cj - 1; j <= cj + 1; j++) {
                    if (!layout.isWall(i, j)) continue;
                    double bx = MazeLayout.cellX(j);
                    double qx = Math.max(bx - HALF, Math.min(bx + HALF, px));
                    double qy = Math.max(by - HALF, Math.min(by + HALF, py));
                    double ex = px - qx, ey = py - qy;
                    double d = Math.sqrt(ex * ex + ey * ey);
                    double pen = RADIUS - d;
                    if (pen > deepest) {
                        deepest = pen;
                        penetrating = true;
                        qxBest = qx;
                        qyBest = qy;
                        dBest = d;
                    }
                }
            }
            if (!penetrating) {
                resolved = true;
                break;
            }
            if (dBest == 0.0) break; // centre inside a block: impossible from a valid state (see class comment)
            double s = RADIUS / dBest;
            px = qxBest + (px - qxBest) * s;
            py = qyBest + (py - qyBest) * s;
        }
        if (!resolved) {
            // Defensive: never observed. Staying put keeps the disc out of the walls whatever happened above.
            px = x0;
            py = y0;
        }
        xy[2 * k] = px;
        xy[2 * k + 1] = py;
        if (vel != null) {
            vel[2 * k] = (px - rawX) / STEP_SECONDS;
            vel[2 * k + 1] = (py - rawY) / STEP_SECONDS;
        }
    }

    /**
     * OGBench's teleport rule: within {@link #TELEPORT_TRIGGER} of an inbound portal centre (checked in order), the
     * point is put on the centre of an outbound portal drawn uniformly from {@code rng}. Velocity is kept, as
     * OGBench's {@code set_xy} keeps qvel.
     *
     * @return whether episode k was teleported
     */
    public boolean teleport(double[] xy, int k, Rng rng) {
        double x = xy[2 * k], y = xy[2 * k + 1];
        for (int p = 0; p < inX.length; p++) {
            double dx = x - inX[p], dy = y - inY[p];
            if (Math.sqrt(dx * dx + dy * dy) <= TELEPORT_TRIGGER) {
                int o = rng.nextInt(outX.length);
                xy[2 * k] = outX[o];
                xy[2 * k + 1] = outY[o];
                return true;
            }
        }
        return false;
    }

    /** Whether (x, y) is within {@link #SUCCESS_RADIUS} of (gx, gy), as OGBench's {@code norm(xy - goal) <= 1.0}. */
    public static boolean reached(double x, double y, double gx, double gy) {
        double dx = x - gx, dy = y - gy;
        return Math.sqrt(dx * dx + dy * dy) <= SUCCESS_RADIUS;
    }

    /** Smallest distance from (x, y) to any wall block (for tests and checks; not on the hot path). */
    public double wallClearance(double x, double y) {
        double best = Double.POSITIVE_INFINITY;
        for (int i = -1; i <= layout.rows(); i++) {
            for (int j = -1; j <= layout.cols(); j++) {
                if (!layout.isWall(i, j)) continue;
                double bx = MazeLayout.cellX(j), by = MazeLayout.cellY(i);
                double qx = Math.max(bx - HALF, Math.min(bx + HALF, x));
                double qy = Math.max(by - HALF, Math.min(by + HALF, y));
                best = Math.min(best, Math.hypot(x - qx, y - qy));
            }
        }
        return best;
    }
}
