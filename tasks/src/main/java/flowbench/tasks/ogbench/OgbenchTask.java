package flowbench.tasks.ogbench;

import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.Relabeler;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;

import java.util.List;

/**
 * An OGBench environment served by the Python bridge, named {@code ogbench:<OGBench name>}:
 * {@code ogbench:puzzle-3x3-play-v0} (goal-conditioned, evaluation tasks 1..5, goal = OGBench's {@code info['goal']}),
 * {@code ogbench:puzzle-3x3-play-singletask-task2-v0} (single-task, the env's own reward) and
 * {@code ogbench:puzzle-3x3-play-singletask-v0} (OGBench's default task of that env), and for each single-task name a
 * sparse variant with {@code -sparse} before {@code -v0} ({@code ogbench:puzzle-3x3-play-singletask-task2-sparse-v0}):
 * the same env and relabelled data with the reward r ← −[r ≠ 0] (0 on success, −1 otherwise), the transform the QAM
 * paper trains puzzle and scene with (ColinQiyangLi/qam@f93efd2 main.py, {@code --sparse}). The bridge serves OGBench's
 * own env; the transform is applied on the Java side to the relabelled rewards and to the environment's rewards alike.
 *
 * <p>Success timing is OGBench's: single-task envs are registered with {@code success_timing='pre'} (reward, success
 * and termination on s, since OGBench 1.2.0), goal-conditioned ones use the default {@code 'post'} (on s'). The
 * bridge handshake checks both against the live env. The {@code ogbench:} prefix keeps these names apart from the
 * Java-native re-implementations ({@code puzzle-3x3-play-v0} is flowbench's Lights Out, not OGBench's MuJoCo puzzle).
 */
public final class OgbenchTask implements Task {
    public static final String PREFIX = "ogbench:";

    private final OgbenchDataset dataset;
    private final String envName;
    private final TaskMode mode;
    /** Evaluation task of a single-task name; 0 for goal-conditioned. */
    private final int taskId;
    /** Single-task reward r ← −[r ≠ 0]. */
    private final boolean sparse;

    private OgbenchTask(OgbenchDataset dataset, String envName, TaskMode mode, int taskId, boolean sparse) {
        this.dataset = dataset;
        this.envName = envName;
        this.mode = mode;
        this.taskId = taskId;
        this.sparse = sparse;
    }

    public static OgbenchTask goalConditioned(OgbenchDataset d) {
        return new OgbenchTask(d, d.goalConditionedEnvName(), TaskMode.GOAL_CONDITIONED, 0, false);
    }

    public static OgbenchTask singleTask(OgbenchDataset d, int taskId) {
        return singleTask(d, taskId, false);
    }

    /** Single-task task {@code taskId}, with the sparse reward r ← −[r ≠ 0] when {@code sparse}. */
    public static OgbenchTask singleTask(OgbenchDataset d, int taskId, boolean sparse) {
        return new OgbenchTask(d, d.singleTaskEnvName(taskId), TaskMode.SINGLE_TASK, taskId, sparse);
    }

    /** The bare {@code -singletask-v0} name: OGBench's default task of the env. */
    public static OgbenchTask defaultSingleTask(OgbenchDataset d) {
        return defaultSingleTask(d, false);
    }

    public static OgbenchTask defaultSingleTask(OgbenchDataset d, boolean sparse) {
        return new OgbenchTask(d, d.defaultSingleTaskEnvName(), TaskMode.SINGLE_TASK, d.defaultTask(), sparse);
    }

    /** Whether the single-task reward is the sparse r ← −[r ≠ 0]. */
    public boolean sparse() {
        return sparse;
    }

    /** The reward this task trains and reports with, from OGBench's reward {@code r}. */
    float reward(float r) {
        return sparse ? (r != 0f ? -1f : 0f) : r;
    }

    public OgbenchDataset dataset() {
        return dataset;
    }

    /** OGBench's own name of the env (what {@code ogbench.make_env_and_datasets} takes), without the prefix. */
    public String envName() {
        return envName;
    }

    /** Single-task: the evaluation task whose reward this is; 0 for goal-conditioned. */
    public int taskId() {
        return taskId;
    }

    @Override
    public String name() {
        return PREFIX + (sparse ? envName.substring(0, envName.length() - "-v0".length()) + "-sparse-v0" : envName);
    }

    @Override
    public String datasetName() {
        return PREFIX + dataset.name();
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
        return new EnvSpec(dataset.obsDim(), dataset.actionDim(), mode == TaskMode.GOAL_CONDITIONED ? dataset.obsDim() : 0,
                dataset.maxEpisodeSteps());
    }

    @Override
    public List<Integer> evaluationTaskIds() {
        if (mode == TaskMode.SINGLE_TASK) return List.of(taskId);
        List<Integer> ids = new java.util.ArrayList<>();
        for (int k = 1; k <= dataset.numTasks(); k++) ids.add(k);
        return List.copyOf(ids);
    }

    @Override
    public String rewardMode() {
        String via = "[OGBench " + OgbenchDataset.OGBENCH_VERSION + ", needs the bridge] ";
        if (mode == TaskMode.SINGLE_TASK) {
            String label = dataset.taskLabels().get(taskId - 1);
            String reward = sparse ? "sparse: -[r != 0] of OGBench's " + dataset.singleTaskReward()
                    + " (0 on success, else -1; QAM's --sparse)" : dataset.singleTaskReward();
            return via + reward + (label.equals("task" + taskId) ? "" : " (" + label + ")")
                    + "; on s (success_timing='pre'); terminates on success";
        }
        return via + "success in {0, 1} = info['success'] on s' (success_timing='post'); goal = info['goal'] "
                + "(full goal observation); terminates on success";
    }

    /** What the bridge must report in its handshake for this task. */
    public OgbenchBridgeClient.Expected expected() {
        return new OgbenchBridgeClient.Expected(envName, mode, spec(), successTiming(), taskId, dataset.numTasks());
    }

    @Override
    public Environment newEnvironment() {
        return new OgbenchEnvironment(this);
    }

    @Override
    public Relabeler relabeler() {
        return mode == TaskMode.SINGLE_TASK ? new OgbenchRelabeler(this) : null;
    }

    @Override
    public String toString() {
        return name();
    }
}
