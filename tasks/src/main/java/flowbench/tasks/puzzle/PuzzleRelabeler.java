package flowbench.tasks.puzzle;

import flowbench.harness.env.Relabeler;

import java.util.Map;

/**
 * OGBench's single-task relabelling of puzzle data from the dataset's {@code button_states} (the board before each
 * row's action, so it matches the single-task environment's PRE success timing, OGBench &gt;= 1.2.0): success = every
 * button equals the task's goal board; reward = (#buttons equal to the goal) - R*C (dense, OGBench) or 0 if solved
 * else -1 (sparse, QAM's {@code --sparse}).
 */
public final class PuzzleRelabeler implements Relabeler {
    private final String taskName;
    private final PuzzleSize size;
    private final int goal;
    private final boolean sparse;

    public PuzzleRelabeler(String taskName, PuzzleSize size, int goalBoard, boolean sparse) {
        this.taskName = taskName;
        this.size = size;
        this.goal = goalBoard;
        this.sparse = sparse;
    }

    public int goalBoard() {
        return goal;
    }

    public boolean sparse() {
        return sparse;
    }

    @Override
    public void relabel(Map<String, float[]> fields, int rows, float[] rewards, boolean[] success) {
        int nb = size.buttons();
        float[] states = fields.get("button_states");
        if (states == null) {
            throw new IllegalArgumentException(taskName + ": relabelling needs the dataset field 'button_states' (N x "
                    + nb + " button states, 0 or 1), which is missing; fields present: " + fields.keySet());
        }
        if (states.length != (long) nb * rows) {
            throw new IllegalArgumentException(taskName + ": dataset field 'button_states' has " + states.length
                    + " values, expected " + rows + " rows x " + nb + " columns = " + (long) nb * rows);
        }
        if (rewards.length < rows || success.length < rows) {
            throw new IllegalArgumentException(taskName + ": output arrays hold " + rewards.length + " rewards and "
                    + success.length + " success flags, expected at least " + rows);
        }
        for (int t = 0; t < rows; t++) {
            int wrong = 0;
            for (int k = 0; k < nb; k++) {
                float v = states[t * nb + k];
                if (v != 0f && v != 1f) {
                    throw new IllegalArgumentException(taskName + ": dataset field 'button_states' has " + v + " at row "
                            + t + ", column " + k + ", expected 0 (red) or 1 (blue)");
                }
                if ((v == 1f ? 1 : 0) != (goal >>> k & 1)) wrong++;
            }
            success[t] = wrong == 0;
            rewards[t] = sparse ? (wrong == 0 ? 0f : -1f) : -wrong;
        }
    }
}
