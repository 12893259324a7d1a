package flowbench.tasks.puzzle;

import java.util.List;
import java.util.Locale;

/**
 * The four OGBench puzzle sizes (docs/benchmarks.md sections 1.2, 1.6, 1.8): rows x columns of buttons, time limit, the
 * default single-task task and the five evaluation tasks.
 *
 * <p>Boards are bit masks, bit {@code k = i * C + j} for button (row i, column j), written here as rows of 0/1
 * separated by '/' (0 = red, 1 = blue). The evaluation tasks are OGBench's own (start board, goal board) pairs, copied
 * from {@code PuzzleEnv.set_tasks} in {@code ogbench/manipspace/envs/puzzle_env.py} (public source, snapshot
 * zhouzypaul/ogbench@ba4e99b, a fork of seohongpark/ogbench); 3x3 task4 is the pair docs/benchmarks.md quotes (checkerboard
 * 010/101/010 to all blue). Every goal is reachable from its start ({@link LightsOut#solvable}, checked in the tests);
 * the fewest presses each task needs are listed in tasks/README.md.
 */
public enum PuzzleSize {
    P3X3(3, 3, 500, 4, new String[][] {
            {"000/000/000", "110/101/011"},
            {"111/111/111", "011/111/111"},
            {"010/111/010", "101/010/101"},
            {"010/101/010", "111/111/111"},
            {"111/111/111", "101/101/101"}}),
    P4X4(4, 4, 500, 4, new String[][] {
            {"0000/0000/0000/0000", "1111/1111/1111/1111"},
            {"1111/1111/1111/1111", "1111/1001/1001/1111"},
            {"1000/0000/0000/0001", "0101/1010/0101/1010"},
            {"1001/1001/1001/1001", "0000/0000/0000/0000"},
            {"0101/0010/0001/1000", "0000/0000/0000/0000"}}),
    P4X5(4, 5, 1000, 2, new String[][] {
            {"11011/01010/01010/11011", "00000/00000/00000/00000"},
            {"00000/00000/00000/00000", "11111/11111/11111/11111"},
            {"00000/00100/00100/00000", "11111/10001/10001/11111"},
            {"00000/00000/00000/00000", "00000/00100/00100/00000"},
            {"00000/00000/00000/00000", "10001/01110/01110/10001"}}),
    P4X6(4, 6, 1000, 2, new String[][] {
            {"110111/001010/010100/111011", "000000/000000/000000/000000"},
            {"111111/111111/111111/111111", "000000/000000/000000/000000"},
            {"000000/000000/000000/000000", "111110/110101/101011/011111"},
            {"010101/101010/010101/101010", "100001/000000/000000/100001"},
            {"000000/000000/000000/000000", "100001/011110/011110/100001"}});

    /** An evaluation task: start board and goal board (bit masks), id 1..5 as OGBench's task_id. */
    public record EvalTask(int id, int start, int goal) {}

    private final int rows;
    private final int cols;
    private final int maxEpisodeSteps;
    private final int defaultTask;
    private final List<EvalTask> tasks;
    private final LightsOut lightsOut;

    PuzzleSize(int rows, int cols, int maxEpisodeSteps, int defaultTask, String[][] boards) {
        this.rows = rows;
        this.cols = cols;
        this.maxEpisodeSteps = maxEpisodeSteps;
        this.defaultTask = defaultTask;
        EvalTask[] t = new EvalTask[boards.length];
        for (int k = 0; k < boards.length; k++) {
            t[k] = new EvalTask(k + 1, parseBoard(rows, cols, boards[k][0]), parseBoard(rows, cols, boards[k][1]));
        }
        this.tasks = List.of(t);
        this.lightsOut = new LightsOut(rows, cols);
    }

    /** "3x3", "4x4", "4x5" or "4x6", as in the task names. */
    public String label() {
        return rows + "x" + cols;
    }

    public static PuzzleSize of(String label) {
        for (PuzzleSize s : values()) if (s.label().equals(label)) return s;
        throw new IllegalArgumentException("unknown puzzle size '" + label + "', expected 3x3, 4x4, 4x5 or 4x6");
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Number of buttons R * C. */
    public int buttons() {
        return rows * cols;
    }

    /** OGBench's max_episode_steps: 500 for 3x3 and 4x4, 1000 for 4x5 and 4x6. */
    public int maxEpisodeSteps() {
        return maxEpisodeSteps;
    }

    /** Task of the bare {@code ...-singletask-v0} name: task4 for 3x3 and 4x4, task2 for 4x5 and 4x6 (OGBench). */
    public int defaultTask() {
        return defaultTask;
    }

    public List<EvalTask> evaluationTasks() {
        return tasks;
    }

    public EvalTask task(int id) {
        if (id < 1 || id > tasks.size()) {
            throw new IllegalArgumentException("lightsout-" + label() + ": evaluation task id " + id + " out of range, expected 1.."
                    + tasks.size());
        }
        return tasks.get(id - 1);
    }

    public LightsOut lightsOut() {
        return lightsOut;
    }

    /** Mask with every button bit set. */
    public int fullMask() {
        return (1 << buttons()) - 1;
    }

    /** Parses "010/101/010" (rows top to bottom, row i = bits i*C .. i*C+C-1). */
    public static int parseBoard(int rows, int cols, String text) {
        String[] r = text.split("/");
        if (r.length != rows) {
            throw new IllegalArgumentException("board '" + text + "' has " + r.length + " rows, expected " + rows);
        }
        int b = 0;
        for (int i = 0; i < rows; i++) {
            if (r[i].length() != cols) {
                throw new IllegalArgumentException("board '" + text + "' row " + i + " has " + r[i].length()
                        + " buttons, expected " + cols);
            }
            for (int j = 0; j < cols; j++) {
                char c = r[i].charAt(j);
                if (c != '0' && c != '1') {
                    throw new IllegalArgumentException("board '" + text + "' has '" + c + "' at row " + i + ", column " + j
                            + ", expected 0 (red) or 1 (blue)");
                }
                if (c == '1') b |= 1 << (i * cols + j);
            }
        }
        return b;
    }

    /** The inverse of {@link #parseBoard}. */
    public String format(int board) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows; i++) {
            if (i > 0) sb.append('/');
            for (int j = 0; j < cols; j++) sb.append((board >>> (i * cols + j) & 1) != 0 ? '1' : '0');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return label().toLowerCase(Locale.ROOT);
    }
}
