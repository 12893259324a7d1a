package flowbench.harness.testing;

import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.StepResult;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;

import java.util.ArrayList;
import java.util.List;

/**
 * Batched fake environment. Start and goal of episode i come only from its seed (and the task id), so an episode
 * replays exactly for a seed regardless of batch position. Records every step call for lockstep assertions.
 */
public final class FakeEnvironment implements Environment {
    public static final float SUCCESS_RADIUS = 0.3f;
    /** Every step call's actions, across all instances (tests clear it). */
    public static final List<float[]> STEP_LOG = new ArrayList<>();

    private final EnvSpec spec;
    private final TaskMode mode;
    private final SuccessTiming timing;
    private int n;
    private float[] pos;
    private float[] goal;
    private int[] t;
    private boolean[] done;
    private boolean[] term;
    private boolean[] trunc;
    private boolean[] succ;

    FakeEnvironment(EnvSpec spec, TaskMode mode, SuccessTiming timing) {
        this.spec = spec;
        this.mode = mode;
        this.timing = timing;
    }

    @Override public EnvSpec spec() { return spec; }
    @Override public TaskMode mode() { return mode; }
    @Override public SuccessTiming successTiming() { return timing; }
    @Override public int batchSize() { return n; }

    @Override
    public float[] reset(int taskId, long[] seeds) {
        n = seeds.length;
        pos = new float[n * 2];
        goal = new float[n * 2];
        t = new int[n];
        done = new boolean[n];
        term = new boolean[n];
        trunc = new boolean[n];
        succ = new boolean[n];
        for (int i = 0; i < n; i++) {
            Rng r = new Rng(seeds[i]);
            pos[2 * i] = (float) r.uniform(-1, 1);
            pos[2 * i + 1] = (float) r.uniform(-1, 1);
            goal[2 * i] = taskId + (float) r.uniform(-0.5, 0.5);
            goal[2 * i + 1] = (float) r.uniform(-0.5, 0.5);
        }
        return pos.clone();
    }

    @Override
    public float[] goals() {
        return mode == TaskMode.GOAL_CONDITIONED ? goal.clone() : new float[0];
    }

    private boolean atGoal(int i) {
        float dx = pos[2 * i] - goal[2 * i];
        float dy = pos[2 * i + 1] - goal[2 * i + 1];
        return dx * dx + dy * dy < SUCCESS_RADIUS * SUCCESS_RADIUS;
    }

    @Override
    public StepResult step(float[] actions) {
        if (actions.length != n * 2) throw new IllegalArgumentException("expected " + n * 2 + " actions, got " + actions.length);
        synchronized (STEP_LOG) {
            STEP_LOG.add(actions.clone());
        }
        float[] rewards = new float[n];
        for (int i = 0; i < n; i++) {
            if (done[i]) continue;
            for (int d = 0; d < 2; d++) {
                if (actions[2 * i + d] < -1 || actions[2 * i + d] > 1) throw new IllegalArgumentException("unclipped action " + actions[2 * i + d]);
            }
            boolean pre = atGoal(i);
            pos[2 * i] += 0.2f * actions[2 * i];
            pos[2 * i + 1] += 0.2f * actions[2 * i + 1];
            t[i]++;
            boolean s = timing == SuccessTiming.PRE ? pre : atGoal(i);
            succ[i] = s;
            rewards[i] = mode == TaskMode.GOAL_CONDITIONED ? (s ? 1 : 0) : (s ? 0 : -1);
            term[i] = s;
            trunc[i] = !s && t[i] >= spec.maxEpisodeSteps();
            done[i] = term[i] || trunc[i];
        }
        return new StepResult(pos.clone(), rewards, term.clone(), trunc.clone(), succ.clone());
    }
}
