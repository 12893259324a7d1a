package flowbench.tasks.arm;

import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.Relabeler;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;

import java.util.List;

/**
 * An arm reaching task in OGBench's naming, {@code <family>-<N>dof-reach-...}: goal-conditioned
 * {@code arm-8dof-reach-v0} (evaluation tasks 1..5; the goal is the end-effector, observation columns [N, N + 2)) or
 * single-task {@code arm-8dof-reach-singletask-task<k>-v0}, with {@code ...-singletask-v0} an alias of task1. Obstacle
 * variants use the family {@code armobstacles}. All train on {@code <family>-<N>dof-reach-v0}.
 */
public final class ArmTask implements Task {
    private final String name;
    private final ArmLayout layout;
    private final TaskMode mode;
    /** Evaluation task of a single-task name; 0 for goal-conditioned. */
    private final int taskId;

    private ArmTask(String name, ArmLayout layout, TaskMode mode, int taskId) {
        this.name = name;
        this.layout = layout;
        this.mode = mode;
        this.taskId = taskId;
    }

    public static ArmTask goalConditioned(ArmLayout layout) {
        return new ArmTask(baseName(layout) + "-v0", layout, TaskMode.GOAL_CONDITIONED, 0);
    }

    /** Single-task variant of evaluation task {@code taskId}, named {@code ...-singletask-task<k>-v0}. */
    public static ArmTask singleTask(ArmLayout layout, int taskId) {
        layout.task(taskId); // validates the id
        return new ArmTask(baseName(layout) + "-singletask-task" + taskId + "-v0", layout, TaskMode.SINGLE_TASK, taskId);
    }

    /** The bare {@code ...-singletask-v0} name: task1. */
    public static ArmTask defaultSingleTask(ArmLayout layout) {
        return new ArmTask(baseName(layout) + "-singletask-v0", layout, TaskMode.SINGLE_TASK, 1);
    }

    private static String baseName(ArmLayout layout) {
        return layout.name() + "-reach";
    }

    public ArmLayout layout() {
        return layout;
    }

    /** Evaluation task id of a single-task task; 0 for goal-conditioned. */
    public int taskId() {
        return taskId;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String datasetName() {
        return baseName(layout) + "-v0";
    }

    @Override
    public TaskMode mode() {
        return mode;
    }

    @Override
    public SuccessTiming successTiming() {
        return mode == TaskMode.SINGLE_TASK ? SuccessTiming.PRE : SuccessTiming.POST;
    }

    @Override
    public EnvSpec spec() {
        int n = layout.joints();
        return new EnvSpec(n + 2, n, mode == TaskMode.GOAL_CONDITIONED ? 2 : 0, ArmEnv.MAX_EPISODE_STEPS);
    }

    /** The goal is the end-effector position: observation columns [N, N + 2). */
    @Override
    public int goalColumnsFrom() {
        return layout.joints();
    }

    @Override
    public int goalColumnsTo() {
        return layout.joints() + 2;
    }

    @Override
    public List<Integer> evaluationTaskIds() {
        return mode == TaskMode.SINGLE_TASK ? List.of(taskId) : List.of(1, 2, 3, 4, 5);
    }

    @Override
    public String rewardMode() {
        if (mode == TaskMode.SINGLE_TASK) {
            return "success - 1 in {-1, 0}; success = ||ee - target|| <= 0.05 on s (PRE, OGBench >= 1.2.0); "
                    + "terminates on success";
        }
        return "success in {0, 1}; success = ||ee - goal|| <= 0.05 on s' (POST), goal jittered U(-0.05,0.05); "
                + "terminates on success";
    }

    @Override
    public Environment newEnvironment() {
        return new ArmEnv(layout, mode, successTiming(), ArmEnv.MAX_EPISODE_STEPS);
    }

    @Override
    public Relabeler relabeler() {
        if (mode == TaskMode.GOAL_CONDITIONED) return null;
        ArmLayout.EvalTask t = layout.task(taskId);
        return new ArmRelabeler(name, layout.kinematics(), t.targetX(), t.targetY());
    }

    /** The dataset generator this task trains on. */
    public ArmDatasetGenerator generator() {
        return new ArmDatasetGenerator(layout);
    }

    @Override
    public String toString() {
        return name;
    }
}
