package flowbench.tasks.arm;

/**
 * The scripted reaching controller behind {@link ArmOracle} (noiseless) and {@link ArmDatasetGenerator} (plus noise).
 * It is Markov: the command depends only on the joint angles and the goal.
 *
 * <p>One decision, with p = {@link ShapeFamily#project}(q), the family shape F(p) and its end-effector e(p):
 * <ol>
 *   <li><b>Final approach</b> when ||e(p) - goal|| &lt;= (goal-cell threshold) + 0.02: one damped-least-squares step
 *       in family parameters, {@code dp = J^T (J J^T + 0.05^2 I)^-1 err} with the error capped at 0.1 (J = d e / d p),
 *       and the arm heads for F(p + dp). The error shrinks along this flow, so once entered the final approach is
 *       kept.</li>
 *   <li><b>Path following</b> otherwise: the arm heads for the centre shape of a grid cell ({@link ArmPlanner}).
 *       Without obstacles: the goal cell reachable soonest (a straight joint-space line stays within the limits).
 *       With obstacles: the next cell of a shortest path (in env steps, {@link ArmPlanner#distances}) to a goal cell
 *       over collision-free edges; the own cell's centre once in a goal cell; from a blocked or cut-off cell, the
 *       nearest cell within 3 grid moves that leads on, else the nearest free cell ({@link ArmPlanner#nearestFree}).
 *       A goal cell's centre is within the threshold of the goal, so arriving there starts the final approach.</li>
 * </ol>
 * Heading for a shape q_t means the joint-space direction q_t - q at full speed: action_i = (q_t - q)_i / (joint i's
 * step), scaled down as a whole so that its largest component is at most 1 (so it also straightens out any deviation
 * of q from the family). If nothing can reach a goal cell the controller falls back to the final approach.
 */
final class ArmController {
    /** Damping of the final-approach least squares. */
    static final double DAMPING = 0.05;
    /** Largest end-effector error one final-approach step aims to remove. */
    static final double MAX_ERROR_STEP = 0.1;
    /** Final approach starts this far beyond the goal-cell threshold. */
    static final double FINAL_EXTRA = 0.02;
    /** How far (in grid moves) a controller in a blocked or cut-off cell looks for a cell that leads to the goal. */
    static final int ESCAPE_RADIUS = 3;

    private final ArmPlanner planner;
    private final ArmKinematics kin;
    private final ShapeFamily family;

    ArmController(ArmPlanner planner) {
        this.planner = planner;
        this.kin = planner.kinematics();
        this.family = planner.family();
    }

    /** What the controller needs to know about one goal; built once per goal. */
    record Plan(double goalX, double goalY, int[] goalCells, double threshold, ArmPlanner.DistanceField distances) {}

    Plan plan(double gx, double gy) {
        return plan(gx, gy, planner.goalCells(gx, gy));
    }

    /** A plan from goal cells already selected with {@link ArmPlanner#goalCells}. */
    Plan plan(double gx, double gy, ArmPlanner.GoalCells g) {
        ArmPlanner.DistanceField dist = kin.hasObstacles() ? planner.distances(g.cells()) : null;
        return new Plan(gx, gy, g.cells(), g.threshold(), dist);
    }

    /**
     * The command for joint angles {@code q[off .. off+N)} under {@code plan}, written to {@code out[ooff .. ooff+N)}
     * (components in [-1, 1]).
     */
    void command(double[] q, int off, Plan plan, double[] out, int ooff) {
        int n = kin.joints();
        int dims = family.dims();
        double[] p = new double[dims];
        double[] qf = new double[n];
        double[] ee = new double[2];
        family.project(q, off, p);
        family.config(p, qf);
        kin.endEffector(qf, 0, ee);
        double ex = plan.goalX() - ee[0], ey = plan.goalY() - ee[1];
        double err = Math.hypot(ex, ey);
        double[] target = new double[dims];
        boolean pathStep = err > plan.threshold() + FINAL_EXTRA && pathTarget(p, plan, target);
        if (!pathStep) {
            // damped least squares in family parameters
            if (err > MAX_ERROR_STEP) {
                ex *= MAX_ERROR_STEP / err;
                ey *= MAX_ERROR_STEP / err;
            }
            double[] jf = new double[2 * dims];
            family.jacobian(kin, qf, jf);
            double a = DAMPING * DAMPING, b = 0, d = DAMPING * DAMPING;
            for (int j = 0; j < dims; j++) {
                a += jf[j] * jf[j];
                b += jf[j] * jf[dims + j];
                d += jf[dims + j] * jf[dims + j];
            }
            double det = a * d - b * b;
            double y0 = (d * ex - b * ey) / det, y1 = (-b * ex + a * ey) / det;
            for (int j = 0; j < dims; j++) target[j] = family.clamp(j, p[j] + jf[j] * y0 + jf[dims + j] * y1);
        }
        family.config(target, qf);
        double max = 0;
        for (int i = 0; i < n; i++) {
            double v = (qf[i] - q[off + i]) / kin.maxJointStep(i);
            out[ooff + i] = v;
            max = Math.max(max, Math.abs(v));
        }
        if (max > 1) {
            for (int i = 0; i < n; i++) out[ooff + i] /= max;
        }
    }

    /** Writes the centre parameters of the cell to head for; false if no cell leads to the goal. */
    private boolean pathTarget(double[] p, Plan plan, double[] target) {
        int[] goals = plan.goalCells();
        if (goals.length == 0) return false;
        int dims = family.dims();
        if (plan.distances() == null) {
            // free arm: the goal cell reachable in the fewest steps (parameter j moves at most ShapeFamily.speed per step)
            double best = Double.POSITIVE_INFINITY;
            int bestCell = -1;
            double[] c = new double[dims];
            for (int cell : goals) {
                planner.centre(cell, c);
                double t = 0;
                for (int j = 0; j < dims; j++) t = Math.max(t, Math.abs(c[j] - p[j]) / family.speed(kin, j));
                if (t < best) {
                    best = t;
                    bestCell = cell;
                }
            }
            planner.centre(bestCell, target);
            return true;
        }
        ArmPlanner.DistanceField dist = plan.distances();
        int cell = planner.cellOf(p);
        int[] coords = new int[dims];
        planner.decode(cell, coords);
        int own = dist.distance(cell);
        if (own == 0) {
            planner.centre(cell, target);
            return true;
        }
        if (own > 0) {
            // the next cell of a shortest path: smallest edge cost + remaining distance (ties: first direction)
            int best = Integer.MAX_VALUE, bestCell = -1;
            for (int d = 0; d < planner.directions(); d++) {
                if (!planner.edge(cell, d)) continue;
                int nb = planner.neighbour(coords, d);
                int dn = dist.settled(nb); // every cell closer than this one is settled
                if (dn < 0 || dn >= own) continue;
                int via = planner.edgeCost(d) + dn;
                if (via < best) {
                    best = via;
                    bestCell = nb;
                }
            }
            if (bestCell >= 0) {
                planner.centre(bestCell, target);
                return true;
            }
        }
        // a blocked cell (in the margin around an obstacle) or one cut off from the goal cells (a free centre whose
        // edges all fail): head for the nearest cell within ESCAPE_RADIUS grid moves that leads on (ties: smaller
        // distance, then scan order); failing that, for the nearest free cell if it leads on
        int bestCell = -1, bestRing = Integer.MAX_VALUE, bestDist = Integer.MAX_VALUE;
        int side = 2 * ESCAPE_RADIUS + 1;
        int total = 1;
        for (int j = 0; j < dims; j++) total *= side;
        int[] nbCoords = new int[dims];
        for (int code = 0; code < total; code++) {
            int rest = code, ring = 0;
            for (int j = 0; j < dims; j++) {
                int o = rest % side - ESCAPE_RADIUS;
                rest /= side;
                ring = Math.max(ring, Math.abs(o));
                nbCoords[j] = coords[j] + o;
            }
            if (ring == 0 || ring > bestRing) continue;
            int nb = planner.cell(nbCoords);
            if (nb < 0 || !planner.free(nb)) continue;
            int dn = dist.distance(nb);
            if (dn < 0) continue;
            if (ring < bestRing || dn < bestDist) {
                bestRing = ring;
                bestDist = dn;
                bestCell = nb;
            }
        }
        if (bestCell < 0) {
            int nf = planner.nearestFree(cell);
            if (nf < 0 || nf == cell || dist.distance(nf) < 0) return false;
            bestCell = nf;
        }
        planner.centre(bestCell, target);
        return true;
    }
}
