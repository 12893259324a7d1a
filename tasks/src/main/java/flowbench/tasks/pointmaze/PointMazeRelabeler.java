package flowbench.tasks.pointmaze;

import flowbench.harness.env.Relabeler;

import java.util.Map;

/**
 * OGBench's single-task relabelling of point maze data: success = ||qpos_xy - goal|| <= 1.0 against the task's goal
 * cell centre, reward = success - 1. It reads the state of each row (before its action), matching the single-task
 * environment's PRE success timing (OGBench >= 1.2.0).
 */
public final class PointMazeRelabeler implements Relabeler {
    private final String taskName;
    private final double goalX;
    private final double goalY;

    public PointMazeRelabeler(String taskName, double goalX, double goalY) {
        this.taskName = taskName;
        this.goalX = goalX;
        this.goalY = goalY;
    }

    public double goalX() {
        return goalX;
    }

    public double goalY() {
        return goalY;
    }

    @Override
    public void relabel(Map<String, float[]> fields, int rows, float[] rewards, boolean[] success) {
        float[] qpos = fields.get("qpos");
        if (qpos == null) {
            throw new IllegalArgumentException(taskName + ": relabelling needs the dataset field 'qpos' (N x 2 point "
                    + "positions), which is missing; fields present: " + fields.keySet());
        }
        if (qpos.length != 2L * rows) {
            throw new IllegalArgumentException(taskName + ": dataset field 'qpos' has " + qpos.length
                    + " values, expected " + rows + " rows x 2 columns = " + 2L * rows);
        }
        if (rewards.length < rows || success.length < rows) {
            throw new IllegalArgumentException(taskName + ": output arrays hold " + rewards.length + " rewards and "
                    + success.length + " success flags, expected at least " + rows);
        }
        for (int t = 0; t < rows; t++) {
            boolean ok = PointMazePhysics.reached(qpos[2 * t], qpos[2 * t + 1], goalX, goalY);
            success[t] = ok;
            rewards[t] = ok ? 0f : -1f;
        }
    }
}
