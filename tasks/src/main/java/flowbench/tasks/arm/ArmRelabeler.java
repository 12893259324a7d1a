package flowbench.tasks.arm;

import flowbench.harness.env.Relabeler;

import java.util.Map;

/**
 * Single-task relabelling of arm data (OGBench's {@code relabel_dataset} for locomotion): the end-effector of each row
 * is recomputed from the row's {@code qpos} (joint angles) by forward kinematics, success = ||ee - target|| &lt;= 0.05,
 * reward = success - 1. It reads the state before each row's action, matching the single-task environment's PRE
 * success timing.
 */
public final class ArmRelabeler implements Relabeler {
    private final String taskName;
    private final ArmKinematics kin;
    private final double targetX;
    private final double targetY;

    public ArmRelabeler(String taskName, ArmKinematics kin, double targetX, double targetY) {
        this.taskName = taskName;
        this.kin = kin;
        this.targetX = targetX;
        this.targetY = targetY;
    }

    public double targetX() {
        return targetX;
    }

    public double targetY() {
        return targetY;
    }

    @Override
    public void relabel(Map<String, float[]> fields, int rows, float[] rewards, boolean[] success) {
        int nj = kin.joints();
        float[] qpos = fields.get("qpos");
        if (qpos == null) {
            throw new IllegalArgumentException(taskName + ": relabelling needs the dataset field 'qpos' (rows x " + nj
                    + " joint angles), which is missing; fields present: " + fields.keySet());
        }
        if (qpos.length != (long) nj * rows) {
            throw new IllegalArgumentException(taskName + ": dataset field 'qpos' has " + qpos.length + " values, expected "
                    + rows + " rows x " + nj + " joint angles = " + (long) nj * rows);
        }
        if (rewards.length < rows || success.length < rows) {
            throw new IllegalArgumentException(taskName + ": output arrays hold " + rewards.length + " rewards and "
                    + success.length + " success flags, expected at least " + rows);
        }
        double[] q = new double[nj];
        double[] ee = new double[2];
        for (int t = 0; t < rows; t++) {
            for (int j = 0; j < nj; j++) q[j] = qpos[t * nj + j];
            kin.endEffector(q, 0, ee);
            boolean ok = ArmKinematics.reached(ee[0], ee[1], targetX, targetY);
            success[t] = ok;
            rewards[t] = ok ? 0f : -1f;
        }
    }
}
