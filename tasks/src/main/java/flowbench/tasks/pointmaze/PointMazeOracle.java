package flowbench.tasks.pointmaze;

import flowbench.harness.agent.Policy;
import flowbench.harness.rng.Rng;

/**
 * The noiseless BFS oracle of OGBench's point maze data (docs/benchmarks.md section 1.3), usable as a {@link Policy}.
 *
 * <p>Each step: run BFS over the grid from the goal cell, pick the neighbouring free cell with the smallest distance
 * (neighbours tried in OGBench's order up, left, down, right in (i, j); ties keep the first) and head for its centre
 * with a unit vector ({@code d / (|d| + 1e-6)}, as OGBench). Inside the goal cell it heads for the goal point itself
 * (OGBench's data oracle heads for the goal cell's centre there and relies on its action noise to get within 1.0 of a
 * jittered goal; a noiseless oracle would then hover up to 1.41 away). If the goal cannot be reached it heads for the
 * centre of its own cell, as OGBench.
 *
 * <p>Portals: OGBench's oracle ignores them, so on the teleport maze it walks into an inbound portal whenever the
 * shortest grid path crosses one, and ends in a random outbound cell (one of which, (1, 7), is a closed cell).
 * {@code avoidPortals = true} plans with the inbound portal cells treated as walls instead; as an agent heading for
 * the next cell's centre stays inside the current and the next cell, it then never comes within 1.5 of a portal
 * centre and solves every teleport task deterministically.
 */
public final class PointMazeOracle implements Policy {
    private static final int[][] MOVES = {{-1, 0}, {0, -1}, {1, 0}, {0, 1}};

    private final MazeLayout layout;
    private final boolean avoidPortals;
    /** Fixed goal for single-task use, else NaN (goal read from the goal inputs). */
    private final double fixedGoalX;
    private final double fixedGoalY;

    private PointMazeOracle(MazeLayout layout, boolean avoidPortals, double gx, double gy) {
        this.layout = layout;
        this.avoidPortals = avoidPortals;
        this.fixedGoalX = gx;
        this.fixedGoalY = gy;
    }

    /** Reads each episode's goal from the {@code goals} input (x, y). */
    public static PointMazeOracle goalConditioned(MazeLayout layout, boolean avoidPortals) {
        return new PointMazeOracle(layout, avoidPortals, Double.NaN, Double.NaN);
    }

    /** Heads for the goal cell centre of evaluation task {@code taskId} (single-task mode has no goal input). */
    public static PointMazeOracle singleTask(MazeLayout layout, int taskId, boolean avoidPortals) {
        Cell g = layout.task(taskId).goal();
        return new PointMazeOracle(layout, avoidPortals, g.x(), g.y());
    }

    @Override
    public int chunkLength() {
        return 1;
    }

    /** Noiseless: {@code rng} is not used. */
    @Override
    public float[] act(float[] observations, float[] goals, int batch, Rng rng) {
        boolean fixed = !Double.isNaN(fixedGoalX);
        if (observations.length != 2 * batch) {
            throw new IllegalArgumentException("jpointmaze oracle: observations has " + observations.length
                    + " values, expected batch " + batch + " x 2");
        }
        if (!fixed && goals.length != 2 * batch) {
            throw new IllegalArgumentException("jpointmaze oracle: goals has " + goals.length + " values, expected batch "
                    + batch + " x 2 (goal-conditioned oracle needs goal inputs)");
        }
        float[] actions = new float[2 * batch];
        double[] dir = new double[2];
        for (int b = 0; b < batch; b++) {
            double gx = fixed ? fixedGoalX : goals[2 * b];
            double gy = fixed ? fixedGoalY : goals[2 * b + 1];
            direction(observations[2 * b], observations[2 * b + 1], gx, gy, dir);
            actions[2 * b] = (float) dir[0];
            actions[2 * b + 1] = (float) dir[1];
        }
        return actions;
    }

    /** Writes the unit direction from (x, y) towards the next waypoint for the goal (gx, gy) into {@code out[0..1]}. */
    public void direction(double x, double y, double gx, double gy, double[] out) {
        direction(layout, avoidPortals, x, y, gx, gy, out);
    }

    static void direction(MazeLayout layout, boolean avoidPortals, double x, double y, double gx, double gy, double[] out) {
        int ci = MazeLayout.cellI(y), cj = MazeLayout.cellJ(x);
        int gi = MazeLayout.cellI(gy), gj = MazeLayout.cellJ(gx);
        if (layout.isWall(gi, gj)) {
            throw new IllegalArgumentException("jpointmaze-" + layout.name() + ": goal (" + gx + ", " + gy
                    + ") lies in wall cell (" + gi + "," + gj + ")");
        }
        double tx, ty;
        if (ci == gi && cj == gj) {
            tx = gx;
            ty = gy;
        } else {
            int[] d = layout.bfsTable(gi, gj, avoidPortals);
            int cols = layout.cols();
            int own = layout.isWall(ci, cj) ? -1 : d[ci * cols + cj];
            // an unreachable own cell (-1) is treated as infinitely far so that an agent standing in a blocked portal
            // cell still walks out; otherwise this is OGBench's strict "smaller than the current cell" rule
            int best = own < 0 ? Integer.MAX_VALUE : own;
            int bi = ci, bj = cj;
            for (int[] m : MOVES) {
                int ni = ci + m[0], nj = cj + m[1];
                if (layout.isWall(ni, nj)) continue;
                int dn = d[ni * cols + nj];
                if (dn >= 0 && dn < best) {
                    best = dn;
                    bi = ni;
                    bj = nj;
                }
            }
            tx = MazeLayout.cellX(bj);
            ty = MazeLayout.cellY(bi);
        }
        double dx = tx - x, dy = ty - y;
        double norm = Math.sqrt(dx * dx + dy * dy) + 1e-6;
        out[0] = dx / norm;
        out[1] = dy / norm;
    }
}
