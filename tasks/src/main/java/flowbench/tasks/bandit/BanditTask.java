package flowbench.tasks.bandit;

import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.Relabeler;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;

import java.util.List;

/**
 * {@code bandit-<d>d-<shape>-singletask-v0}: the single-task bandit of a {@link BanditSpec}, training on
 * {@code bandit-<d>d-<shape>-v0}, evaluated on task 1 (the only one). There is no goal-conditioned variant: the
 * observation is constant, so there is nothing to take a hindsight goal from.
 */
public final class BanditTask implements Task {
    private final BanditSpec spec;

    public BanditTask(BanditSpec spec) {
        this.spec = spec;
    }

    public BanditSpec banditSpec() {
        return spec;
    }

    @Override
    public String name() {
        return spec.taskName();
    }

    @Override
    public String datasetName() {
        return spec.datasetName();
    }

    @Override
    public TaskMode mode() {
        return TaskMode.SINGLE_TASK;
    }

    @Override
    public SuccessTiming successTiming() {
        return SuccessTiming.POST;
    }

    @Override
    public EnvSpec spec() {
        return new EnvSpec(BanditSpec.OBS_DIM, spec.actionDim(), 0, 1);
    }

    @Override
    public List<Integer> evaluationTaskIds() {
        return List.of(1);
    }

    @Override
    public String rewardMode() {
        return "r(a) = -||a - a*||^2 / d with a* = 0.5 per coordinate, in [-2.25, 0], one step, terminal after the step (mask 0); success = r >= "
                + BanditSpec.SUCCESS_THRESHOLD;
    }

    @Override
    public Environment newEnvironment() {
        return new BanditEnv(spec);
    }

    @Override
    public Relabeler relabeler() {
        return new BanditRelabeler(spec);
    }

    @Override
    public String toString() {
        return name();
    }
}
