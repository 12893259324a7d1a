package flowbench.tasks.pointmaze;

import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.Relabeler;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;

import java.util.List;

/**
 * A point maze task in OGBench's naming: goal-conditioned {@code pointmaze-<maze>-<dataset>-v0} (evaluation tasks
 * 1..5) or single-task {@code pointmaze-<maze>-<dataset>-singletask-task<k>-v0}, with {@code ...-singletask-v0} an
 * alias of task1 (OGBench's default for the mazes).
 */
public final class PointMazeTask implements Task {
    private final String name;
    private final MazeLayout layout;
    private final PointMazeDatasetGenerator.Kind dataset;
    private final TaskMode mode;
    /** Evaluation task of a single-task name; 0 for goal-conditioned. */
    private final int taskId;

    private PointMazeTask(String name, MazeLayout layout, PointMazeDatasetGenerator.Kind dataset, TaskMode mode, int taskId) {
        this.name = name;
        this.layout = layout;
        this.dataset = dataset;
        this.mode = mode;
        this.taskId = taskId;
    }

    public static PointMazeTask goalConditioned(MazeLayout layout, PointMazeDatasetGenerator.Kind dataset) {
        return new PointMazeTask(baseName(layout, dataset) + "-v0", layout, dataset, TaskMode.GOAL_CONDITIONED, 0);
    }

    /** Single-task variant of evaluation task {@code taskId}, named {@code ...-singletask-task<k>-v0}. */
    public static PointMazeTask singleTask(MazeLayout layout, PointMazeDatasetGenerator.Kind dataset, int taskId) {
        layout.task(taskId); // validates the id
        return new PointMazeTask(baseName(layout, dataset) + "-singletask-task" + taskId + "-v0", layout, dataset,
                TaskMode.SINGLE_TASK, taskId);
    }

    /** The bare {@code ...-singletask-v0} name: task1. */
    public static PointMazeTask defaultSingleTask(MazeLayout layout, PointMazeDatasetGenerator.Kind dataset) {
        return new PointMazeTask(baseName(layout, dataset) + "-singletask-v0", layout, dataset, TaskMode.SINGLE_TASK, 1);
    }

    private static String baseName(MazeLayout layout, PointMazeDatasetGenerator.Kind dataset) {
        return FAMILY + "-" + layout.name() + "-" + dataset.label();
    }

    /**
     * flowbench's Java re-implementation of OGBench's PointMaze: its own name, so that no result on Java physics and
     * Java-generated data sits under an OGBench name ({@code ogbench:pointmaze-...} is OGBench's own, via the bridge).
     */
    public static final String FAMILY = "jpointmaze";

    /** The name this family had before 2026-12-07 ({@code pointmaze-...}), refused with a pointer to the new one. */
    static final String OLD_FAMILY = "pointmaze";

    public MazeLayout layout() {
        return layout;
    }

    public PointMazeDatasetGenerator.Kind dataset() {
        return dataset;
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
        return baseName(layout, dataset) + "-v0";
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
        return new EnvSpec(2, 2, mode == TaskMode.GOAL_CONDITIONED ? 2 : 0, PointMazeEnv.MAX_EPISODE_STEPS);
    }

    @Override
    public List<Integer> evaluationTaskIds() {
        return mode == TaskMode.SINGLE_TASK ? List.of(taskId) : List.of(1, 2, 3, 4, 5);
    }

    @Override
    public String rewardMode() {
        if (mode == TaskMode.SINGLE_TASK) {
            return "success - 1 in {-1, 0}; success = ||xy - goal cell centre|| <= 1.0 on s (PRE, OGBench >= 1.2.0); "
                    + "terminates on success";
        }
        return "success in {0, 1}; success = ||xy - goal|| <= 1.0 on s' (POST), goal jittered U(-1,1); "
                + "terminates on success";
    }

    @Override
    public Environment newEnvironment() {
        return new PointMazeEnv(layout, mode, successTiming(), PointMazeEnv.MAX_EPISODE_STEPS);
    }

    @Override
    public Relabeler relabeler() {
        if (mode == TaskMode.GOAL_CONDITIONED) return null;
        Cell g = layout.task(taskId).goal();
        return new PointMazeRelabeler(name, g.x(), g.y());
    }

    /** The dataset generator this task trains on. */
    public PointMazeDatasetGenerator generator() {
        return new PointMazeDatasetGenerator(layout, dataset);
    }

    @Override
    public String toString() {
        return name;
    }
}
