package flowbench.harness.testing;

import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.Relabeler;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;

import java.util.List;

/**
 * A 2-D point that moves by 0.2 * action per step toward a goal; deterministic given each episode's seed.
 * Goal-conditioned ("fake-point-v0", evaluation tasks 1..3) or single-task ("fake-point-singletask-task2-v0").
 */
public final class FakeTask implements Task {
    public static final String GC = "fake-point-v0";
    public static final String SINGLE = "fake-point-singletask-task2-v0";
    /** A second single-task name, for suites whose tasks must share a mode. */
    public static final String SINGLE3 = "fake-point-singletask-task3-v0";
    public static final String DATASET = "fake-point-v0";
    public static final int MAX_STEPS = 24;

    private final String name;
    private final TaskMode mode;

    public FakeTask(String name) {
        this.name = name;
        this.mode = name.equals(GC) ? TaskMode.GOAL_CONDITIONED : TaskMode.SINGLE_TASK;
    }

    @Override public String name() { return name; }
    @Override public String datasetName() { return DATASET; }
    @Override public TaskMode mode() { return mode; }
    @Override public SuccessTiming successTiming() { return mode == TaskMode.GOAL_CONDITIONED ? SuccessTiming.POST : SuccessTiming.PRE; }
    @Override public EnvSpec spec() { return new EnvSpec(2, 2, mode == TaskMode.GOAL_CONDITIONED ? 2 : 0, MAX_STEPS); }
    @Override public List<Integer> evaluationTaskIds() { return mode == TaskMode.GOAL_CONDITIONED ? List.of(1, 2, 3) : List.of(name.equals(SINGLE3) ? 3 : 2); }
    @Override public String rewardMode() { return mode == TaskMode.GOAL_CONDITIONED ? "success in {0, 1}" : "success - 1 in {-1, 0}"; }
    @Override public Environment newEnvironment() { return new FakeEnvironment(spec(), mode, successTiming()); }

    @Override
    public Relabeler relabeler() {
        if (mode == TaskMode.GOAL_CONDITIONED) return null;
        return (fields, rows, rewards, success) -> {
            for (int i = 0; i < rows; i++) {
                success[i] = false;
                rewards[i] = -1;
            }
        };
    }
}
