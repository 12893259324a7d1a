package flowbench.harness.protocol;

import flowbench.harness.agent.Policy;
import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.StepResult;
import flowbench.harness.env.Task;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.rng.Seeds;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs the evaluation protocol: every named policy on every evaluation task, {@code episodesPerTask} episodes per task
 * in ONE lockstep batch.
 *
 * <p>Per task: {@code reset(taskId, seeds)} with {@code seeds[i] = Seeds.derive(evalSeed, "episode", taskId, i)}
 * (the suite seed, so every algorithm meets the same episodes); then, while episodes are live, the policy gets the
 * batch of live observations (and goals) and returns a chunk of H actions per row, and those H actions are executed
 * open-loop (QAM/QC convention) for all episodes still live, each component clipped to [-1, 1]. An episode that ends
 * inside a chunk drops the rest of its chunk. Ended episodes are no longer sent to the policy; the environment
 * ignores their (zero) actions.
 *
 * <p>Policy noise: one generator per policy query, {@code Seeds.rng(runSeed, "policy", step, policyName, taskId,
 * chunkIndex)}, where chunkIndex counts the queries within the task's batch. It is drawn for the whole live batch, so
 * for a stochastic policy an episode's noise depends on its row in the live batch; results are nonetheless
 * a pure function of (run seed, eval seed, step, policy, task, episodes per task), which is what resuming needs.
 *
 * <p>Outcome of an episode: success of its final step (OGBench), return (sum of rewards), length, terminated/truncated.
 * Per task success = mean over episodes; overall = mean over tasks.
 *
 * <p>Environment lifetime: an evaluator creates its environment ({@link Task#newEnvironment()}) at its first
 * {@link #evaluate} and keeps it for every later one (every policy, evaluation task and step), until {@link #close()};
 * one evaluator per run, closed when the run ends (try-with-resources), so an OGBench task starts its bridge process
 * and builds its MuJoCo environments once per run instead of once per evaluation. Reuse does not change results: every
 * reset seeds each episode from its own seed alone (for OGBench every random source, ogbench-bridge/PROTOCOL.md), so
 * an episode replays exactly on a fresh or a used environment. An evaluation that throws closes and drops the
 * environment, so a later evaluation (if the caller goes on) starts a fresh one instead of reusing a failed one.
 */
public final class Evaluator implements AutoCloseable {
    private final Task task;
    private final long runSeed;
    private final long evalSeed;
    private final int episodesPerTask;
    /** Created by the first evaluation, reused by the later ones, closed by {@link #close()}. */
    private Environment env;
    private boolean closed;

    public Evaluator(Task task, long runSeed, long evalSeed, int episodesPerTask) {
        if (episodesPerTask < 1) throw new IllegalArgumentException("episodesPerTask must be >= 1, got " + episodesPerTask);
        this.task = task;
        this.runSeed = runSeed;
        this.evalSeed = evalSeed;
        this.episodesPerTask = episodesPerTask;
    }

    /** Seed of episode {@code i} of evaluation task {@code taskId} under suite seed {@code evalSeed}. */
    public static long episodeSeed(long evalSeed, int taskId, int i) {
        return Seeds.derive(evalSeed, "episode", taskId, i);
    }

    /**
     * Evaluates every policy (in map order) on every evaluation task of the task, on the evaluator's environment
     * (created by the first call, reused by later ones).
     */
    public Evaluation evaluate(long step, Map<String, Policy> policies, ProgressListener progress) {
        if (closed) throw new IllegalStateException(task.name() + ": evaluator is closed");
        List<Integer> taskIds = task.evaluationTaskIds();
        if (policies.isEmpty()) throw new IllegalStateException("the learner exposes no policy to evaluate");
        long total = (long) policies.size() * taskIds.size() * episodesPerTask;
        long done = 0;
        String label = "eval@" + step;
        progress.progress(0, total, label);
        List<PolicyEvaluation> out = new ArrayList<>();
        if (env == null) env = task.newEnvironment();
        try {
            for (Map.Entry<String, Policy> e : policies.entrySet()) {
                List<TaskEvaluation> tasks = new ArrayList<>();
                for (int taskId : taskIds) {
                    tasks.add(evaluateTask(env, e.getKey(), e.getValue(), step, taskId));
                    done += episodesPerTask;
                    progress.progress(done, total, label);
                }
                double success = tasks.stream().mapToDouble(TaskEvaluation::success).average().orElse(Double.NaN);
                double ret = tasks.stream().mapToDouble(TaskEvaluation::meanReturn).average().orElse(Double.NaN);
                out.add(new PolicyEvaluation(e.getKey(), e.getValue().chunkLength(), success, ret, tasks));
            }
        } catch (RuntimeException | Error failure) {
            try {
                closeEnvironment();
            } catch (RuntimeException c) {
                failure.addSuppressed(c);
            }
            throw failure;
        }
        return new Evaluation(step, out);
    }

    /**
     * Closes the environment (for an OGBench task: stops its bridge process and with it the MuJoCo environments);
     * later evaluations are refused. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        closeEnvironment();
    }

    private void closeEnvironment() {
        Environment e = env;
        env = null;
        if (e != null) e.close();
    }

    /** One task's batch of episodes for one policy. */
    public TaskEvaluation evaluateTask(Environment env, String policyName, Policy policy, long step, int taskId) {
        int n = episodesPerTask;
        long[] seeds = new long[n];
        for (int i = 0; i < n; i++) seeds[i] = episodeSeed(evalSeed, taskId, i);
        float[] obs = env.reset(taskId, seeds);
        EnvSpec spec = env.spec();
        int od = spec.obsDim();
        int ad = spec.actionDim();
        int gd = spec.goalDim();
        if (env.batchSize() != n) {
            throw new IllegalStateException(task.name() + ": environment reset with " + n + " seeds reports batch size " + env.batchSize());
        }
        checkLength("reset observations", obs.length, (long) n * od);
        float[] goals = env.goals();
        checkLength("goals", goals.length, (long) n * gd);
        int h = policy.chunkLength();
        if (h < 1) throw new IllegalStateException("policy '" + policyName + "' reports chunk length " + h + "; expected >= 1");

        boolean[] live = new boolean[n];
        java.util.Arrays.fill(live, true);
        int liveCount = n;
        double[] returns = new double[n];
        int[] lengths = new int[n];
        boolean[] success = new boolean[n];
        boolean[] terminated = new boolean[n];
        boolean[] truncated = new boolean[n];
        long nonFinite = 0;
        int chunkIndex = 0;
        long maxSteps = spec.maxEpisodeSteps();
        long envSteps = 0;

        while (liveCount > 0) {
            int[] rows = new int[liveCount];
            for (int i = 0, r = 0; i < n; i++) if (live[i]) rows[r++] = i;
            float[] o = new float[liveCount * od];
            float[] g = new float[liveCount * gd];
            for (int r = 0; r < liveCount; r++) {
                System.arraycopy(obs, rows[r] * od, o, r * od, od);
                if (gd > 0) System.arraycopy(goals, rows[r] * gd, g, r * gd, gd);
            }
            float[] chunk = policy.act(o, g, liveCount, Seeds.rng(runSeed, "policy", step, policyName, taskId, chunkIndex));
            if (chunk == null || chunk.length != (long) liveCount * h * ad) {
                throw new IllegalStateException("policy '" + policyName + "' returned " + (chunk == null ? "null" : chunk.length + " values")
                        + " for a batch of " + liveCount + "; expected batch x chunk x actionDim = "
                        + liveCount + " x " + h + " x " + ad + " = " + ((long) liveCount * h * ad));
            }
            chunkIndex++;
            for (int k = 0; k < h && liveCount > 0; k++) {
                float[] actions = new float[n * ad];
                for (int r = 0; r < rows.length; r++) {
                    int i = rows[r];
                    if (!live[i]) continue;
                    int src = (r * h + k) * ad;
                    for (int d = 0; d < ad; d++) {
                        float a = chunk[src + d];
                        if (!Float.isFinite(a)) {
                            nonFinite++;
                            a = 0f;
                        }
                        actions[i * ad + d] = Math.max(-1f, Math.min(1f, a));
                    }
                }
                StepResult res = env.step(actions);
                envSteps++;
                checkLength("step observations", res.observations().length, (long) n * od);
                obs = res.observations();
                for (int i = 0; i < n; i++) {
                    if (!live[i]) continue;
                    returns[i] += res.rewards()[i];
                    lengths[i]++;
                    success[i] = res.success()[i];
                    if (res.done(i)) {
                        live[i] = false;
                        liveCount--;
                        terminated[i] = res.terminated()[i];
                        truncated[i] = res.truncated()[i];
                    }
                }
                if (envSteps > maxSteps && liveCount > 0) {
                    throw new IllegalStateException(task.name() + ": " + liveCount + " episode(s) still running after "
                            + envSteps + " steps although maxEpisodeSteps is " + maxSteps + "; the environment must truncate them");
                }
            }
        }
        List<EpisodeOutcome> episodes = new ArrayList<>(n);
        double s = 0, ret = 0, len = 0;
        for (int i = 0; i < n; i++) {
            episodes.add(new EpisodeOutcome(i, seeds[i], success[i], returns[i], lengths[i], terminated[i], truncated[i]));
            s += success[i] ? 1 : 0;
            ret += returns[i];
            len += lengths[i];
        }
        return new TaskEvaluation(taskId, s / n, ret / n, len / n, nonFinite, episodes);
    }

    private void checkLength(String what, long actual, long expected) {
        if (actual != expected) {
            throw new IllegalStateException(task.name() + ": environment returned " + actual + " values for " + what
                    + "; expected " + expected);
        }
    }
}
