package flowbench.tasks.ogbench;

import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.StepResult;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.TaskMode;

/**
 * A batch of OGBench episodes stepped in lockstep by one bridge process (one OGBench env instance per slot). The
 * process starts at the first {@link #reset} (its batch size is then known) and is stopped by {@link #close}. A later
 * reset with more seeds makes the bridge build more env instances.
 *
 * <p>Per slot, the bridge follows OGBench's evaluation loop exactly: {@code env.reset(seed=s, options=dict(task_id=k,
 * render_goal=False))}, goal {@code info['goal']}, then {@code env.step(a)} returning OGBench's reward,
 * {@code info['success']}, terminated and truncated (the gymnasium time limit). Every random source of the episode is
 * seeded from its seed (PROTOCOL.md), so an episode replays exactly.
 */
public final class OgbenchEnvironment implements Environment {
    private final OgbenchTask task;
    private final OgbenchBridgeClient.Timeouts timeouts;
    private OgbenchBridgeClient bridge;
    private float[] goals = new float[0];
    private int n;

    OgbenchEnvironment(OgbenchTask task) {
        this(task, null);
    }

    /** With explicit deadlines (tests); null for the defaults. */
    OgbenchEnvironment(OgbenchTask task, OgbenchBridgeClient.Timeouts timeouts) {
        this.task = task;
        this.timeouts = timeouts;
    }

    @Override
    public EnvSpec spec() {
        return task.spec();
    }

    @Override
    public TaskMode mode() {
        return task.mode();
    }

    @Override
    public SuccessTiming successTiming() {
        return task.successTiming();
    }

    @Override
    public float[] reset(int taskId, long[] seeds) {
        if (!task.evaluationTaskIds().contains(taskId)) {
            throw new IllegalArgumentException(task.name() + ": task id " + taskId + " is not one of its evaluation tasks "
                    + task.evaluationTaskIds());
        }
        if (seeds.length < 1) throw new IllegalArgumentException(task.name() + ": reset needs at least one seed");
        if (bridge == null) {
            bridge = timeouts == null ? OgbenchBridgeClient.start(task.expected(), seeds.length)
                    : OgbenchBridgeClient.start(OgbenchBridgeClient.command(OgbenchPython.require()), task.expected(), seeds.length,
                    timeouts, OgbenchBridgeClient.PROTOCOL_VERSION);
        }
        OgbenchBridgeClient.ResetReply r = bridge.reset(taskId, seeds);
        n = seeds.length;
        goals = r.goals();
        return r.observations();
    }

    @Override
    public float[] goals() {
        return goals.clone();
    }

    @Override
    public StepResult step(float[] actions) {
        if (bridge == null || n == 0) throw new IllegalStateException(task.name() + ": step before reset");
        OgbenchBridgeClient.StepReply r = bridge.step(actions, n);
        float[] rewards = r.rewards();
        if (task.sparse()) {
            rewards = rewards.clone();
            for (int i = 0; i < rewards.length; i++) rewards[i] = task.reward(rewards[i]);
        }
        return new StepResult(r.observations(), rewards, r.terminated(), r.truncated(), r.success());
    }

    @Override
    public int batchSize() {
        return n;
    }

    /** The running bridge, or null before the first reset (tests). */
    OgbenchBridgeClient bridge() {
        return bridge;
    }

    @Override
    public void close() {
        if (bridge != null) {
            bridge.close();
            bridge = null;
        }
        n = 0;
    }
}
