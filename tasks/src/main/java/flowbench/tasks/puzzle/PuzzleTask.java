package flowbench.tasks.puzzle;

import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.Relabeler;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;

import java.util.List;

/**
 * A puzzle task in OGBench's naming:
 * <ul>
 *   <li>goal-conditioned {@code puzzle-<R>x<C>-<play|noisy>-v0} (evaluation tasks 1..5, reward = success on s');</li>
 *   <li>single-task dense {@code puzzle-<R>x<C>-<dataset>-singletask-task<k>-v0}, with {@code ...-singletask-v0} the
 *       size's default task (task4 for 3x3 and 4x4, task2 for 4x5 and 4x6), reward = #satisfied - #buttons on s;</li>
 *   <li>single-task sparse: the same names with {@code -sparse} before {@code -v0}
 *       ({@code lightsout-3x3-play-singletask-task4-sparse-v0}, {@code lightsout-3x3-play-singletask-sparse-v0}),
 *       reward = 0 if solved else -1 on s (QAM's {@code --sparse} flag as a task of its own, since it changes the
 *       reward and therefore the scores).</li>
 * </ul>
 * All train on {@code puzzle-<R>x<C>-<dataset>-v0}.
 */
public final class PuzzleTask implements Task {
    private final String name;
    private final PuzzleSize size;
    private final PuzzleDatasetGenerator.Kind dataset;
    private final TaskMode mode;
    /** Evaluation task of a single-task name; 0 for goal-conditioned. */
    private final int taskId;
    private final boolean sparse;

    private PuzzleTask(String name, PuzzleSize size, PuzzleDatasetGenerator.Kind dataset, TaskMode mode, int taskId,
                       boolean sparse) {
        this.name = name;
        this.size = size;
        this.dataset = dataset;
        this.mode = mode;
        this.taskId = taskId;
        this.sparse = sparse;
    }

    public static PuzzleTask goalConditioned(PuzzleSize size, PuzzleDatasetGenerator.Kind dataset) {
        return new PuzzleTask(baseName(size, dataset) + "-v0", size, dataset, TaskMode.GOAL_CONDITIONED, 0, false);
    }

    /** Single-task variant of evaluation task {@code taskId}: {@code ...-singletask-task<k>[-sparse]-v0}. */
    public static PuzzleTask singleTask(PuzzleSize size, PuzzleDatasetGenerator.Kind dataset, int taskId, boolean sparse) {
        size.task(taskId); // validates the id
        return new PuzzleTask(baseName(size, dataset) + "-singletask-task" + taskId + (sparse ? "-sparse" : "") + "-v0",
                size, dataset, TaskMode.SINGLE_TASK, taskId, sparse);
    }

    /** The bare {@code ...-singletask[-sparse]-v0} name: the size's default task. */
    public static PuzzleTask defaultSingleTask(PuzzleSize size, PuzzleDatasetGenerator.Kind dataset, boolean sparse) {
        return new PuzzleTask(baseName(size, dataset) + "-singletask" + (sparse ? "-sparse" : "") + "-v0", size, dataset,
                TaskMode.SINGLE_TASK, size.defaultTask(), sparse);
    }

    private static String baseName(PuzzleSize size, PuzzleDatasetGenerator.Kind dataset) {
        return FAMILY + "-" + size.label() + "-" + dataset.label();
    }

    /**
     * A kinematic Lights Out (obs = effector + board, act = 3), not OGBench's MuJoCo puzzle (obs 55, act 5): its own name,
     * so that nothing here is read as OGBench's {@code puzzle-...} ({@code ogbench:puzzle-...} is OGBench's own).
     */
    public static final String FAMILY = "lightsout";

    /** The name this family had before 2026-12-07 ({@code puzzle-...}), refused with a pointer to the new one. */
    static final String OLD_FAMILY = "puzzle";

    public PuzzleSize size() {
        return size;
    }

    public PuzzleDatasetGenerator.Kind dataset() {
        return dataset;
    }

    /** Evaluation task id of a single-task task; 0 for goal-conditioned. */
    public int taskId() {
        return taskId;
    }

    public boolean sparse() {
        return sparse;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String datasetName() {
        return baseName(size, dataset) + "-v0";
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
        return new EnvSpec(PuzzlePhysics.obsDim(size), PuzzlePhysics.ACTION_DIM,
                mode == TaskMode.GOAL_CONDITIONED ? size.buttons() : 0, size.maxEpisodeSteps());
    }

    @Override
    public List<Integer> evaluationTaskIds() {
        return mode == TaskMode.SINGLE_TASK ? List.of(taskId) : List.of(1, 2, 3, 4, 5);
    }

    @Override
    public String rewardMode() {
        int nb = size.buttons();
        if (mode == TaskMode.GOAL_CONDITIONED) {
            return "success in {0, 1}; success = board equals the goal board on s' (POST); terminates on success";
        }
        String s = "; success = board equals task" + taskId + "'s goal board on s (PRE, OGBench >= 1.2.0); terminates on success";
        if (sparse) return "sparse: 0 if solved else -1 (QAM --sparse)" + s;
        return "dense: #buttons matching the goal - " + nb + " in [-" + nb + ", 0] (OGBench)" + s;
    }

    /** Goal-conditioned goals are the board columns [3, 3 + R*C) of the observation (the tip is not part of the goal). */
    @Override
    public int goalColumnsFrom() {
        return PuzzlePhysics.EFFECTOR_DIM;
    }

    @Override
    public int goalColumnsTo() {
        return PuzzlePhysics.EFFECTOR_DIM + spec().goalDim();
    }

    @Override
    public Environment newEnvironment() {
        return new PuzzleEnv(size, mode, sparse, successTiming(), size.maxEpisodeSteps());
    }

    @Override
    public Relabeler relabeler() {
        if (mode == TaskMode.GOAL_CONDITIONED) return null;
        return new PuzzleRelabeler(name, size, size.task(taskId).goal(), sparse);
    }

    /** The dataset generator this task trains on. */
    public PuzzleDatasetGenerator generator() {
        return new PuzzleDatasetGenerator(size, dataset);
    }

    @Override
    public String toString() {
        return name;
    }
}
