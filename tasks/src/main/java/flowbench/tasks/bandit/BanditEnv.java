package flowbench.tasks.bandit;

import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.StepResult;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.TaskMode;

import java.util.Arrays;

/**
 * A batch of one-step bandit episodes ({@link BanditSpec}): reset returns the constant observation 0, the single step
 * pays r(a) and ends the episode ({@code terminated}: the MDP has no second state), success = r(a) &gt;= the threshold.
 * Success is a property of the step's outcome ({@link SuccessTiming#POST}). Nothing is random, so episode seeds are
 * accepted and ignored. Finished slots are frozen as {@link StepResult} describes.
 */
public final class BanditEnv implements Environment {
    private final BanditSpec spec;
    private final EnvSpec envSpec;
    private int n;
    private boolean[] done = new boolean[0];
    private boolean[] success = new boolean[0];

    public BanditEnv(BanditSpec spec) {
        this.spec = spec;
        this.envSpec = new EnvSpec(BanditSpec.OBS_DIM, spec.actionDim(), 0, 1);
    }

    @Override
    public EnvSpec spec() {
        return envSpec;
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
    public float[] reset(int taskId, long[] seeds) {
        if (taskId != 1) throw new IllegalArgumentException(spec.taskName() + ": evaluation task must be 1, got " + taskId);
        if (seeds == null || seeds.length == 0) throw new IllegalArgumentException(spec.taskName() + ": reset needs at least one episode seed");
        n = seeds.length;
        done = new boolean[n];
        success = new boolean[n];
        return new float[n * BanditSpec.OBS_DIM];
    }

    @Override
    public float[] goals() {
        return new float[0];
    }

    @Override
    public StepResult step(float[] actions) {
        int d = spec.actionDim();
        if (actions == null || actions.length != n * d) {
            throw new IllegalArgumentException(spec.taskName() + ": step expects " + n + " x " + d + " actions, got "
                    + (actions == null ? "null" : actions.length + " values"));
        }
        float[] rewards = new float[n];
        float[] a = new float[d];
        for (int i = 0; i < n; i++) {
            if (done[i]) continue;
            for (int k = 0; k < d; k++) a[k] = Math.max(-1f, Math.min(1f, actions[i * d + k]));
            double r = spec.reward(a, 0);
            rewards[i] = (float) r;
            success[i] = spec.success(r);
            done[i] = true;
        }
        boolean[] term = new boolean[n];
        Arrays.fill(term, true);
        return new StepResult(new float[n * BanditSpec.OBS_DIM], rewards, term, new boolean[n], success.clone());
    }

    @Override
    public int batchSize() {
        return n;
    }
}
