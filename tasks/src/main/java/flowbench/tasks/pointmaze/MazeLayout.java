package flowbench.tasks.pointmaze;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Geometry of one OGBench maze (docs/benchmarks.md section 1.7): a grid of 4 x 4 wall blocks ({@code #}) and free cells
 * ({@code .}), the five evaluation tasks and, for the teleport maze, its portals.
 *
 * <p>Cell (i, j) is centred at x = 4j - 4, y = 4i - 4 (OGBench's {@code ij_to_xy} with maze_unit 4 and offsets 4), so a
 * wall block at (i, j) covers x in [4j - 6, 4j - 2] and y in [4i - 6, 4i - 2]. Immutable; BFS distance tables between
 * all cells are computed once at construction (at most 16 x 12 cells, so this is tiny).
 */
public final class MazeLayout {
    /** OGBench's {@code maze_unit}: side of a wall block and of a cell. */
    public static final double MAZE_UNIT = 4.0;
    /** OGBench's {@code _offset_x} = {@code _offset_y}: cell (1, 1) is at the origin. */
    public static final double OFFSET = 4.0;

    public static final MazeLayout MEDIUM = parse("medium", List.of(
            "########",
            "#..##..#",
            "#..#...#",
            "##...###",
            "#..#...#",
            "#.#..#.#",
            "#...#..#",
            "########"),
            tasks(1, 1, 6, 6, 6, 1, 1, 6, 5, 3, 4, 2, 6, 5, 6, 1, 2, 6, 1, 1),
            List.of(), List.of());

    public static final MazeLayout LARGE = parse("large", List.of(
            "############",
            "#....#.....#",
            "#.##.#.#.#.#",
            "#......#...#",
            "#.####.###.#",
            "#..#.#.....#",
            "##.#.#.#.###",
            "#..#...#...#",
            "############"),
            tasks(1, 1, 7, 10, 5, 4, 7, 1, 7, 4, 1, 10, 3, 8, 5, 4, 1, 1, 5, 4),
            List.of(), List.of());

    public static final MazeLayout GIANT = parse("giant", List.of(
            "################",
            "#.#......##....#",
            "#.#.##.#.#..##.#",
            "#...#..#...#...#",
            "#.###.######.#.#",
            "#...#...#....#.#",
            "###.#.#..#.#.###",
            "#...#..#...#...#",
            "#.#.#.######.#.#",
            "#.###...#...##.#",
            "#.....#...#....#",
            "################"),
            tasks(1, 1, 10, 14, 1, 14, 10, 1, 8, 14, 1, 1, 8, 3, 5, 12, 5, 9, 3, 8),
            List.of(), List.of());

    public static final MazeLayout TELEPORT = parse("teleport", List.of(
            "############",
            "#.....#.#..#",
            "##.#...#..##",
            "##.###.....#",
            "#....#.#.#.#",
            "#.##.#.#.#.#",
            "#.##.#.#.#.#",
            "#....#...#.#",
            "############"),
            tasks(1, 10, 7, 1, 1, 1, 7, 10, 5, 6, 7, 10, 7, 1, 7, 10, 5, 6, 7, 1),
            List.of(new Cell(4, 6), new Cell(5, 1)),
            List.of(new Cell(1, 7), new Cell(6, 1), new Cell(6, 10)));

    private static final List<MazeLayout> ALL = List.of(MEDIUM, LARGE, GIANT, TELEPORT);

    /** An evaluation task: OGBench's {@code task_id} (1-based), start cell and goal cell. */
    public record EvalTask(int id, Cell start, Cell goal) {}

    private final String name;
    private final int rows;
    private final int cols;
    private final boolean[] wall;
    private final List<EvalTask> tasks;
    private final List<Cell> teleportIn;
    private final List<Cell> teleportOut;
    private final List<Cell> freeCells;
    private final List<Cell> vertexCells;
    /** bfs[goalIndex][cellIndex]: grid steps from cell to goal, -1 for walls and unreachable cells. */
    private final int[][] bfs;
    /** Same, with the inbound portal cells treated as walls (equal to {@link #bfs} for mazes without portals). */
    private final int[][] bfsAvoidingPortals;

    private MazeLayout(String name, int rows, int cols, boolean[] wall, List<EvalTask> tasks,
                       List<Cell> teleportIn, List<Cell> teleportOut) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.wall = wall;
        this.tasks = List.copyOf(tasks);
        this.teleportIn = List.copyOf(teleportIn);
        this.teleportOut = List.copyOf(teleportOut);
        List<Cell> free = new ArrayList<>();
        List<Cell> vertex = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                if (wall[i * cols + j]) continue;
                Cell c = new Cell(i, j);
                free.add(c);
                if (!isHallway(i, j)) vertex.add(c);
            }
        }
        this.freeCells = Collections.unmodifiableList(free);
        this.vertexCells = Collections.unmodifiableList(vertex);
        boolean[] portalBlocked = wall.clone();
        for (Cell c : teleportIn) portalBlocked[c.i() * cols + c.j()] = true;
        this.bfs = new int[rows * cols][];
        this.bfsAvoidingPortals = new int[rows * cols][];
        for (Cell c : free) {
            int k = c.i() * cols + c.j();
            bfs[k] = computeBfs(wall, c);
            bfsAvoidingPortals[k] = teleportIn.isEmpty() ? bfs[k] : computeBfs(portalBlocked, c);
        }
    }

    /**
     * A straight corridor cell, excluded from OGBench's navigate goal cells: free above and below with walls left and
     * right, or free left and right with walls above and below. Every other free cell (dead end, corner, junction,
     * open room) is a "vertex" cell.
     */
    private boolean isHallway(int i, int j) {
        boolean up = !isWall(i - 1, j), down = !isWall(i + 1, j), left = !isWall(i, j - 1), right = !isWall(i, j + 1);
        return (up && down && !left && !right) || (left && right && !up && !down);
    }

    private int[] computeBfs(boolean[] blocked, Cell goal) {
        int[] d = new int[rows * cols];
        java.util.Arrays.fill(d, -1);
        int g = goal.i() * cols + goal.j();
        d[g] = 0;
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        queue.add(g);
        int[][] moves = {{-1, 0}, {0, -1}, {1, 0}, {0, 1}};
        while (!queue.isEmpty()) {
            int k = queue.poll();
            int i = k / cols, j = k % cols;
            for (int[] m : moves) {
                int ni = i + m[0], nj = j + m[1];
                if (ni < 0 || ni >= rows || nj < 0 || nj >= cols) continue;
                int nk = ni * cols + nj;
                if (blocked[nk] || d[nk] != -1) continue;
                d[nk] = d[k] + 1;
                queue.add(nk);
            }
        }
        return d;
    }

    private static List<EvalTask> tasks(int... ij) {
        List<EvalTask> out = new ArrayList<>();
        for (int k = 0; k < ij.length; k += 4) {
            out.add(new EvalTask(k / 4 + 1, new Cell(ij[k], ij[k + 1]), new Cell(ij[k + 2], ij[k + 3])));
        }
        return out;
    }

    /**
     * Builds a maze from its text grid ({@code #} wall, {@code .} free).
     *
     * @throws IllegalArgumentException naming the maze, the row or cell and what was expected, if the grid is ragged,
     *                                  has another character, has no wall border, or a task or portal cell is not free
     */
    public static MazeLayout parse(String name, List<String> grid, List<EvalTask> tasks,
                                   List<Cell> teleportIn, List<Cell> teleportOut) {
        if (grid.isEmpty()) throw new IllegalArgumentException("maze '" + name + "': grid has no rows");
        int rows = grid.size();
        int cols = grid.get(0).length();
        boolean[] wall = new boolean[rows * cols];
        for (int i = 0; i < rows; i++) {
            String row = grid.get(i);
            if (row.length() != cols) {
                throw new IllegalArgumentException("maze '" + name + "': grid row " + i + " has length " + row.length()
                        + ", expected " + cols);
            }
            for (int j = 0; j < cols; j++) {
                char ch = row.charAt(j);
                if (ch != '#' && ch != '.') {
                    throw new IllegalArgumentException("maze '" + name + "': grid row " + i + " column " + j + " is '"
                            + ch + "', expected '#' (wall) or '.' (free)");
                }
                boolean border = i == 0 || j == 0 || i == rows - 1 || j == cols - 1;
                if (border && ch != '#') {
                    throw new IllegalArgumentException("maze '" + name + "': grid row " + i + " column " + j
                            + " is on the border and must be '#'");
                }
                wall[i * cols + j] = ch == '#';
            }
        }
        for (EvalTask t : tasks) {
            requireFree(name, "task" + t.id() + " start", t.start(), rows, cols, wall);
            requireFree(name, "task" + t.id() + " goal", t.goal(), rows, cols, wall);
        }
        for (Cell c : teleportIn) requireFree(name, "inbound portal", c, rows, cols, wall);
        for (Cell c : teleportOut) requireFree(name, "outbound portal", c, rows, cols, wall);
        if (teleportIn.isEmpty() != teleportOut.isEmpty()) {
            throw new IllegalArgumentException("maze '" + name + "': portals need both inbound and outbound cells");
        }
        return new MazeLayout(name, rows, cols, wall, tasks, teleportIn, teleportOut);
    }

    private static void requireFree(String name, String what, Cell c, int rows, int cols, boolean[] wall) {
        if (c.i() < 0 || c.i() >= rows || c.j() < 0 || c.j() >= cols || wall[c.i() * cols + c.j()]) {
            throw new IllegalArgumentException("maze '" + name + "': " + what + " cell " + c
                    + " must be a free cell inside the " + rows + "x" + cols + " grid");
        }
    }

    /** The maze called {@code name}: medium, large, giant or teleport. */
    public static MazeLayout named(String name) {
        for (MazeLayout m : ALL) {
            if (m.name.equals(name)) return m;
        }
        throw new IllegalArgumentException("unknown pointmaze maze '" + name + "', expected one of medium, large, giant, teleport");
    }

    /** medium, large, giant, teleport. */
    public static List<MazeLayout> all() {
        return ALL;
    }

    public static double cellX(int j) {
        return j * MAZE_UNIT - OFFSET;
    }

    public static double cellY(int i) {
        return i * MAZE_UNIT - OFFSET;
    }

    /** Row of the cell containing y (OGBench's {@code xy_to_ij}; floor rather than int() so it also holds below 0). */
    public static int cellI(double y) {
        return (int) Math.floor((y + OFFSET + 0.5 * MAZE_UNIT) / MAZE_UNIT);
    }

    /** Column of the cell containing x. */
    public static int cellJ(double x) {
        return (int) Math.floor((x + OFFSET + 0.5 * MAZE_UNIT) / MAZE_UNIT);
    }

    public String name() {
        return name;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** True for wall blocks and for every (i, j) outside the grid. */
    public boolean isWall(int i, int j) {
        return i < 0 || i >= rows || j < 0 || j >= cols || wall[i * cols + j];
    }

    /** Free cells in row-major order. */
    public List<Cell> freeCells() {
        return freeCells;
    }

    /** Free cells that are not straight corridor cells (navigate goal cells), row-major. */
    public List<Cell> vertexCells() {
        return vertexCells;
    }

    /** The five evaluation tasks, task1..task5. */
    public List<EvalTask> evaluationTasks() {
        return tasks;
    }

    /** Evaluation task {@code id} (1-based). */
    public EvalTask task(int id) {
        if (id < 1 || id > tasks.size()) {
            throw new IllegalArgumentException("jpointmaze-" + name + ": task id " + id + " out of range, expected 1.." + tasks.size());
        }
        return tasks.get(id - 1);
    }

    public boolean hasTeleports() {
        return !teleportIn.isEmpty();
    }

    public List<Cell> teleportIn() {
        return teleportIn;
    }

    public List<Cell> teleportOut() {
        return teleportOut;
    }

    /**
     * Grid distances to {@code goal} (row-major, index i * cols + j; -1 for walls and unreachable cells).
     *
     * @param avoidPortals treat the inbound portal cells as walls (only differs for the teleport maze)
     */
    public int[] bfsTo(Cell goal, boolean avoidPortals) {
        if (isWall(goal.i(), goal.j())) {
            throw new IllegalArgumentException("jpointmaze-" + name + ": BFS goal " + goal + " is not a free cell");
        }
        int k = goal.i() * cols + goal.j();
        return (avoidPortals ? bfsAvoidingPortals[k] : bfs[k]).clone();
    }

    /** Shared table for the hot paths of this package (never handed out). */
    int[] bfsTable(int goalI, int goalJ, boolean avoidPortals) {
        return avoidPortals ? bfsAvoidingPortals[goalI * cols + goalJ] : bfs[goalI * cols + goalJ];
    }

    /** Grid steps between two free cells (ignoring portals), -1 if not connected. */
    public int bfsDistance(Cell from, Cell to) {
        return bfsTo(to, false)[from.i() * cols + from.j()];
    }

    /** The grid as text, one row per line. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) sb.append(wall[i * cols + j] ? '#' : '.');
            sb.append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "MazeLayout[%s %dx%d]", name, rows, cols);
    }
}
