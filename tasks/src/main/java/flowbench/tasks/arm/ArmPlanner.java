package flowbench.tasks.arm;

import java.util.Arrays;

/**
 * A grid over the {@link ShapeFamily} parameters, with collision flags, for the scripted controllers.
 *
 * <p>Grid: N = 2: 144 x 108 cells over (alpha, beta1) (2.5 deg x 2.5 deg); N &gt;= 3: 72 x 32 x 32 cells over (alpha,
 * beta1, beta2) (a 48 x 24 x 24 grid was tried: its cells are so wide that the arm, heading for cell centres from
 * off-centre states, hits the discs and most obstacle tasks fail). Neighbours: the 8 (2-D) or 26 (3-D) surrounding
 * cells, so a path moves all parameters at once; an edge costs the time the arm needs for it ({@link #distances}). A
 * cell is free when the shape at its centre keeps {@link #MARGIN} = 0.06 from every obstacle; an edge between free
 * neighbours is usable when the straight move between the two centre shapes keeps that margin at checkpoints no
 * further apart than 0.01 of arm-point motion (accepted without checkpoints when both centres' clearance exceeds the
 * margin plus half the edge's displacement bound). The margin is wide because the arm follows the planned shapes
 * only approximately (it heads for the next cell's centre from wherever it is inside the current cell); with 0.03 about
 * one obstacle episode in ten got stuck on a disc. Without obstacles every cell and edge is free.
 *
 * <p>Built once per arm and immutable afterwards (about 1 to 3 s for N = 8 to 32 with obstacles, milliseconds
 * without).
 */
final class ArmPlanner {
    /** Clearance the planned shapes keep from obstacles. */
    static final double MARGIN = 0.06;

    private final ArmKinematics kin;
    private final ShapeFamily family;
    private final int[] size;
    private final int cells;
    private final double[] width;
    /** Neighbour directions: per direction, the step per parameter (dims entries). */
    private final int[][] dirs;
    private final double[] centreEe;
    private final boolean[] free;
    /** Per cell and direction: usable edge (only meaningful when both ends are free). */
    private final boolean[] edge;
    /** Per direction: quarter steps the arm needs to move between neighbouring centre shapes at full speed. */
    private final int[] edgeCost;
    /** Per direction: index difference of the neighbour (valid whenever the edge flag is set). */
    private final int[] offset;
    /** Free cells bucketed by their centre end-effector position, for {@link #goalCells}. */
    private final int[][] bins;
    /** Per cell: the nearest free cell in grid moves (itself when free; -1 when no cell is free). */
    private final int[] nearestFree;

    ArmPlanner(ArmKinematics kin) {
        this.kin = kin;
        int n = kin.joints();
        this.family = new ShapeFamily(n);
        int dims = family.dims();
        size = dims == 2 ? new int[] {144, 108} : new int[] {72, 32, 32};
        int c = 1;
        for (int s : size) c *= s;
        cells = c;
        width = new double[dims];
        for (int j = 0; j < dims; j++) width[j] = (family.hi(j) - family.lo(j)) / size[j];
        int nd = (int) Math.pow(3, dims) - 1;
        dirs = new int[nd][];
        int k = 0;
        for (int code = 0; code < nd + 1; code++) {
            int[] d = new int[dims];
            int rest = code;
            boolean zero = true;
            for (int j = 0; j < dims; j++) {
                d[j] = rest % 3 - 1;
                rest /= 3;
                zero &= d[j] == 0;
            }
            if (!zero) dirs[k++] = d;
        }
        centreEe = new double[2 * cells];
        free = new boolean[cells];
        double[] clearance = new double[cells];
        double[] p = new double[dims];
        double[] q = new double[n];
        double[] ee = new double[2];
        for (int cell = 0; cell < cells; cell++) {
            centre(cell, p);
            family.config(p, q);
            kin.endEffector(q, 0, ee);
            centreEe[2 * cell] = ee[0];
            centreEe[2 * cell + 1] = ee[1];
            clearance[cell] = kin.clearance(q, 0);
            free[cell] = clearance[cell] >= MARGIN;
        }
        edge = new boolean[cells * nd];
        offset = new int[nd];
        for (int d = 0; d < nd; d++) {
            int o = 0;
            for (int j = 0; j < dims; j++) o = o * size[j] + dirs[d][j];
            offset[d] = o;
        }
        double[] bound = new double[nd];
        double[] dq = new double[n];
        for (int d = 0; d < nd; d++) {
            double[] dp = new double[dims];
            for (int j = 0; j < dims; j++) dp[j] = dirs[d][j] * width[j];
            family.config(dp, dq);
            bound[d] = kin.displacementBound(dq);
        }
        edgeCost = new int[nd];
        for (int d = 0; d < nd; d++) {
            double steps = 0;
            for (int j = 0; j < dims; j++) {
                steps = Math.max(steps, Math.abs(dirs[d][j]) * width[j] / family.speed(kin, j));
            }
            edgeCost[d] = Math.max(1, (int) Math.round(steps * COST_UNITS_PER_STEP));
        }
        int[] coords = new int[dims];
        double[] pa = new double[dims], pb = new double[dims], qa = new double[n], qb = new double[n], qs = new double[n];
        for (int cell = 0; cell < cells; cell++) {
            if (!free[cell]) continue;
            decode(cell, coords);
            for (int d = 0; d < nd; d++) {
                int nb = neighbour(coords, d);
                if (nb < 0 || !free[nb]) continue;
                if (nb < cell) { // symmetric: decided when the other end was visited
                    edge[cell * nd + d] = edge[nb * nd + opposite(d)];
                    continue;
                }
                boolean ok;
                if (Math.min(clearance[cell], clearance[nb]) >= MARGIN + bound[d] / 2) {
                    ok = true;
                } else {
                    centre(cell, pa);
                    centre(nb, pb);
                    family.config(pa, qa);
                    family.config(pb, qb);
                    int m = Math.max(1, (int) Math.ceil(bound[d] / ArmKinematics.CHECK_SPACING));
                    ok = true;
                    for (int s = 1; s < m && ok; s++) {
                        double t = s / (double) m;
                        for (int i = 0; i < n; i++) qs[i] = qa[i] + t * (qb[i] - qa[i]);
                        ok = kin.clearance(qs, 0) >= MARGIN;
                    }
                }
                edge[cell * nd + d] = ok;
            }
        }
        nearestFree = nearestFreeCells();
        bins = binFreeCells();
    }

    /** Side of the square bins of {@link #bins} over [-1, 1]^2. */
    private static final double BIN = 0.05;
    private static final int BINS = (int) Math.round(2 / BIN);

    private static int bin(double v) {
        int b = (int) Math.floor((v + 1) / BIN);
        return b < 0 ? 0 : (b >= BINS ? BINS - 1 : b);
    }

    private int[][] binFreeCells() {
        int[] count = new int[BINS * BINS];
        for (int c = 0; c < cells; c++) {
            if (free[c]) count[bin(centreEe[2 * c]) * BINS + bin(centreEe[2 * c + 1])]++;
        }
        int[][] out = new int[BINS * BINS][];
        for (int b = 0; b < out.length; b++) out[b] = new int[count[b]];
        Arrays.fill(count, 0);
        for (int c = 0; c < cells; c++) {
            if (!free[c]) continue;
            int b = bin(centreEe[2 * c]) * BINS + bin(centreEe[2 * c + 1]);
            out[b][count[b]++] = c;
        }
        return out;
    }

    /**
     * For blocked cells, the nearest free cell (multi-source breadth-first search from the free cells over all
     * neighbour moves, ties by direction order), so that a controller standing in the margin around an obstacle
     * knows where to get out.
     */
    private int[] nearestFreeCells() {
        int[] near = new int[cells];
        Arrays.fill(near, -1);
        int[] queue = new int[cells];
        int head = 0, tail = 0;
        for (int c = 0; c < cells; c++) {
            if (free[c]) {
                near[c] = c;
                queue[tail++] = c;
            }
        }
        int[] coords = new int[size.length];
        while (head < tail) {
            int c = queue[head++];
            decode(c, coords);
            for (int d = 0; d < dirs.length; d++) {
                int nb = neighbour(coords, d);
                if (nb < 0 || near[nb] >= 0) continue;
                near[nb] = near[c];
                queue[tail++] = nb;
            }
        }
        return near;
    }

    /** The cell itself when free, else the nearest free cell; -1 if no cell is free. */
    int nearestFree(int cell) {
        return nearestFree[cell];
    }

    ShapeFamily family() {
        return family;
    }

    ArmKinematics kinematics() {
        return kin;
    }

    int cells() {
        return cells;
    }

    int directions() {
        return dirs.length;
    }

    boolean free(int cell) {
        return free[cell];
    }

    double centreEeX(int cell) {
        return centreEe[2 * cell];
    }

    double centreEeY(int cell) {
        return centreEe[2 * cell + 1];
    }

    /** Cell width of parameter j. */
    double width(int j) {
        return width[j];
    }

    /** Cell of a parameter vector (clamped into the grid). */
    int cellOf(double[] p) {
        int cell = 0;
        for (int j = 0; j < size.length; j++) {
            int i = (int) Math.floor((p[j] - family.lo(j)) / width[j]);
            i = i < 0 ? 0 : (i >= size[j] ? size[j] - 1 : i);
            cell = cell * size[j] + i;
        }
        return cell;
    }

    void decode(int cell, int[] coords) {
        for (int j = size.length - 1; j >= 0; j--) {
            coords[j] = cell % size[j];
            cell /= size[j];
        }
    }

    /** Centre parameters of a cell. */
    void centre(int cell, double[] p) {
        for (int j = size.length - 1; j >= 0; j--) {
            int i = cell % size[j];
            cell /= size[j];
            p[j] = family.lo(j) + (i + 0.5) * width[j];
        }
    }

    /** Cell at grid coordinates, or -1 outside the grid. */
    int cell(int[] coords) {
        int cell = 0;
        for (int j = 0; j < size.length; j++) {
            if (coords[j] < 0 || coords[j] >= size[j]) return -1;
            cell = cell * size[j] + coords[j];
        }
        return cell;
    }

    /** Neighbour of the cell at {@code coords} in direction d, or -1 outside the grid. */
    int neighbour(int[] coords, int d) {
        int cell = 0;
        for (int j = 0; j < size.length; j++) {
            int i = coords[j] + dirs[d][j];
            if (i < 0 || i >= size[j]) return -1;
            cell = cell * size[j] + i;
        }
        return cell;
    }

    private int opposite(int d) {
        // directions are enumerated in base-3 order without the zero vector, which is symmetric about it
        return dirs.length - 1 - d;
    }

    /** Cost of a move in direction d, in quarter env steps. */
    int edgeCost(int d) {
        return edgeCost[d];
    }

    /** Whether the edge from {@code cell} in direction d exists and is usable. */
    boolean edge(int cell, int d) {
        return edge[cell * dirs.length + d];
    }

    /**
     * Goal cells of an end-effector goal: the free cells whose centre shape puts the end-effector within
     * {@link #GOAL_CELL_ERROR} = 0.05 of the goal, or, if there is none, within e_min + 0.01, e_min being the best free
     * cell's error (so the set is never empty while any cell is free); the threshold used comes with them.
     */
    GoalCells goalCells(double gx, double gy) {
        // usual case: some free cell within GOAL_CELL_ERROR; only the bins overlapping that disc can hold one
        int[] list = collect(gx, gy, GOAL_CELL_ERROR);
        if (list.length > 0) return new GoalCells(list, GOAL_CELL_ERROR);
        double best = Double.POSITIVE_INFINITY;
        for (int cell = 0; cell < cells; cell++) {
            if (!free[cell]) continue;
            double dx = centreEe[2 * cell] - gx, dy = centreEe[2 * cell + 1] - gy;
            best = Math.min(best, dx * dx + dy * dy);
        }
        if (best == Double.POSITIVE_INFINITY) return new GoalCells(new int[0], Double.POSITIVE_INFINITY);
        double threshold = Math.sqrt(best) + 0.01;
        return new GoalCells(collect(gx, gy, threshold), threshold);
    }

    /** Free cells whose centre end-effector lies within {@code radius} of (gx, gy), in ascending order. */
    private int[] collect(double gx, double gy, double radius) {
        int[] list = new int[64];
        int count = 0;
        double r2 = radius * radius;
        for (int bx = bin(gx - radius); bx <= bin(gx + radius); bx++) {
            for (int by = bin(gy - radius); by <= bin(gy + radius); by++) {
                for (int cell : bins[bx * BINS + by]) {
                    double dx = centreEe[2 * cell] - gx, dy = centreEe[2 * cell + 1] - gy;
                    if (dx * dx + dy * dy > r2) continue;
                    if (count == list.length) list = Arrays.copyOf(list, 2 * count);
                    list[count++] = cell;
                }
            }
        }
        int[] out = Arrays.copyOf(list, count);
        Arrays.sort(out);
        return out;
    }

    /** End-effector error below which a free cell counts as a goal cell (unless no cell is that close). */
    static final double GOAL_CELL_ERROR = 0.05;

    /** Goal cells and the error threshold that selected them. */
    record GoalCells(int[] cells, double threshold) {}

    /** Dijkstra costs are counted in quarter steps (integers, so a bucket queue runs in linear time). */
    static final int COST_UNITS_PER_STEP = 4;

    /**
     * Time-weighted distances to the nearest of {@code goalCells} over usable edges, in quarter env steps, computed
     * lazily ({@link DistanceField}). An edge costs the steps the arm needs to move between the two centre shapes at
     * full speed ({@link #edgeCost}), so paths prefer bending (fast for long arms, whose many joints share a bend) or
     * turning the base, whichever is faster.
     */
    DistanceField distances(int[] goalCells) {
        return new DistanceField(goalCells);
    }

    /**
     * Dijkstra from the goal cells with Dial's bucket queue (exact for integer costs, linear time), run only as far as
     * queries need: {@link #distance} settles cells in order of distance until the asked cell is settled, so a
     * controller near the goal never pays for the far side of the grid. Every cell closer than a settled cell is
     * settled too, which is all a shortest-path step needs ({@link #settled} of the neighbours).
     */
    final class DistanceField {
        /** Best known distance (final once {@link #done}); Integer.MAX_VALUE = none yet. */
        private final int[] tentative;
        private final boolean[] done;
        private int[][] buckets;
        private int[] fill;
        private int cur;
        private int pending;

        private DistanceField(int[] goalCells) {
            done = new boolean[cells];
            int maxCost = 0;
            for (int c : edgeCost) maxCost = Math.max(maxCost, c);
            int nb = maxCost + 1;
            buckets = new int[nb][];
            fill = new int[nb];
            for (int b = 0; b < nb; b++) buckets[b] = new int[16];
            tentative = new int[cells];
            Arrays.fill(tentative, Integer.MAX_VALUE);
            for (int g : goalCells) {
                tentative[g] = 0;
                push(0, g);
            }
        }

        /** Distance of a cell to the goal cells; -1 if it is blocked or cannot reach one. */
        synchronized int distance(int cell) {
            while (!done[cell] && pending > 0) settleBucket();
            return done[cell] ? tentative[cell] : -1;
        }

        /** Distance if already settled, else -1 (then it is at least every settled distance). */
        synchronized int settled(int cell) {
            return done[cell] ? tentative[cell] : -1;
        }

        private void settleBucket() {
            int nbk = buckets.length;
            int b = cur % nbk;
            int nd = dirs.length;
            // edges cost at least 1 and less than the bucket count, so this bucket gets no new entries while drained
            for (int k = 0; k < fill[b]; k++) {
                int c = buckets[b][k];
                pending--;
                if (done[c] || tentative[c] != cur) continue; // settled earlier or a stale entry
                done[c] = true;
                int base = c * nd;
                for (int d = 0; d < nd; d++) {
                    if (!edge[base + d]) continue;
                    int n = c + offset[d];
                    int t = cur + edgeCost[d];
                    if (done[n] || t >= tentative[n]) continue;
                    tentative[n] = t;
                    push(t % nbk, n);
                }
            }
            fill[b] = 0;
            cur++;
            if (pending == 0) { // finished: drop the queue
                buckets = null;
                fill = null;
            }
        }

        private void push(int b, int cell) {
            if (fill[b] == buckets[b].length) buckets[b] = Arrays.copyOf(buckets[b], 2 * fill[b]);
            buckets[b][fill[b]++] = cell;
            pending++;
        }
    }
}
