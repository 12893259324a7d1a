package flowbench.tasks.ogbench;

import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.StepResult;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.TaskMode;

import java.util.List;

/**
 * A batch of OGBench episodes stepped in lockstep by one bridge process (one OGBench env instance per slot). The
 * process starts at the first {@link #reset} (its batch size is then known) and is stopped by {@link #close}; in
 * between it serves every reset, so an environment kept for a whole run (the harness's {@code Evaluator} keeps one)
 * starts Python and builds its MuJoCo envs once. A reset with more seeds than ever before makes the bridge build more
 * env instances.
 *
 * <p>Failures: a bridge that crashes, hangs or reports an error while answering a request fails that call and leaves
 * the environment unusable (the run stops; see {@link OgbenchBridgeClient}). A bridge process that exited while idle
 * (between two requests, e.g. killed from outside between two evaluations) is replaced by a fresh one at the next
 * reset, once per environment, with a line on stderr; a reset starts every episode from its seed alone, so the results
 * are those the old process would have given. A second idle exit fails the reset with both exits described.
 *
 * <p>Per slot, the bridge follows OGBench's evaluation loop exactly: {@code env.reset(seed=s, options=dict(task_id=k,
 * render_goal=False))}, goal {@code info['goal']}, then {@code env.step(a)} returning OGBench's reward,
 * {@code info['success']}, terminated and truncated (the gymnasium time limit). Every random source of the episode is
 * seeded from its seed (PROTOCOL.md), so an episode replays exactly.
 */
public final class OgbenchEnvironment implements Environment {
    /** Bridge processes replaced after exiting while idle, per environment, before an idle exit fails the reset. */
    static final int MAX_RESTARTS = 1;

    private final OgbenchTask task;
    private final List<String> command;
    private final OgbenchBridgeClient.Timeouts timeouts;
    private OgbenchBridgeClient bridge;
    private float[] goals = new float[0];
    private int n;
    /** The idle exit that made the last restart (null before any), for the message of a second one. */
    private String restartedAfter;
    private int restarts;

    OgbenchEnvironment(OgbenchTask task) {
        this(task, null, null);
    }

    /** With explicit deadlines (tests); null for the defaults. */
    OgbenchEnvironment(OgbenchTask task, OgbenchBridgeClient.Timeouts timeouts) {
        this(task, null, timeouts);
    }

    /**
     * With another bridge command (tests: a stand-in bridge) and deadlines; null for the installed bridge and the
     * default deadlines.
     */
    OgbenchEnvironment(OgbenchTask task, List<String> command, OgbenchBridgeClient.Timeouts timeouts) {
        this.task = task;
        this.command = command;
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
        if (bridge != null && bridge.exitedWhileIdle()) replaceIdleExited();
        if (bridge == null) bridge = start(seeds.length);
        OgbenchBridgeClient.ResetReply r = bridge.reset(taskId, seeds);
        n = seeds.length;
        goals = r.goals();
        return r.observations();
    }

    private OgbenchBridgeClient start(int batch) {
        if (command == null && timeouts == null) return OgbenchBridgeClient.start(task.expected(), batch);
        List<String> cmd = command != null ? command : OgbenchBridgeClient.command(OgbenchPython.require());
        return OgbenchBridgeClient.start(cmd, task.expected(), batch,
                timeouts != null ? timeouts : OgbenchBridgeClient.Timeouts.defaults(), OgbenchBridgeClient.PROTOCOL_VERSION);
    }

    /**
     * The bridge process exited between requests: drop it and let the reset start a fresh one, at most
     * {@link #MAX_RESTARTS} times; after that, fail with both exits described (and the environment stays failed).
     */
    private void replaceIdleExited() {
        OgbenchBridgeException exit = bridge.idleExit(); // the client is failed from here on
        if (restarts >= MAX_RESTARTS) {
            n = 0;
            throw new OgbenchBridgeException(exit.getMessage() + "\nThe bridge of this environment had already been"
                    + " restarted " + restarts + " time(s) after an exit while idle (" + restartedAfter + "); not "
                    + "restarting it again", exit);
        }
        bridge.close();
        bridge = null;
        n = 0;
        restarts++;
        restartedAfter = firstLine(exit.getMessage());
        System.err.println("flowbench: " + restartedAfter + "; starting a new bridge (the next reset seeds every episode, "
                + "so results are unaffected; restart " + restarts + " of at most " + MAX_RESTARTS + ")");
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Bridge processes started after an idle exit so far (tests). */
    int restarts() {
        return restarts;
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
