package flowbench.baselines.algorithms;

import flowbench.harness.agent.AgentContext;
import flowbench.harness.data.Dataset;
import flowbench.harness.data.Datasets;
import flowbench.harness.data.LoadOptions;
import flowbench.harness.data.NpyArray;
import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Environment;
import flowbench.harness.env.Relabeler;
import flowbench.harness.env.SuccessTiming;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Tiny in-memory tasks and datasets for known-answer tests of algorithms. */
final class ToyTasks {
    private ToyTasks() {}

    /** A task shell: only the fields learners read (mode, spec, name). */
    static Task task(TaskMode mode, int obsDim, int actionDim) {
        return new Task() {
            public String name() { return "toy-" + mode; }
            public String datasetName() { return "toy-v0"; }
            public TaskMode mode() { return mode; }
            public SuccessTiming successTiming() { return SuccessTiming.POST; }
            public EnvSpec spec() { return new EnvSpec(obsDim, actionDim, mode == TaskMode.GOAL_CONDITIONED ? obsDim : 0, 10); }
            public List<Integer> evaluationTaskIds() { return List.of(1); }
            public String rewardMode() { return "none"; }
            public Environment newEnvironment() { throw new UnsupportedOperationException("toy task has no environment"); }
            public Relabeler relabeler() { return null; }
        };
    }

    /**
     * One-dimensional bimodal behaviour: a constant observation, actions from +-0.6 + N(0, 0.05^2) with mass
     * {@code pPlus} on the positive mode. Episodes of {@code steps} steps.
     */
    static Dataset bimodal(int episodes, int steps, double pPlus, long seed) {
        int rows = episodes * (steps + 1);
        float[] obs = new float[rows];
        float[] act = new float[rows];
        boolean[] term = new boolean[rows];
        Rng rng = new Rng(seed);
        for (int r = 0; r < rows; r++) {
            obs[r] = 0.5f;
            double mode = rng.nextDouble() < pPlus ? 0.6 : -0.6;
            act[r] = (float) (mode + 0.05 * rng.nextGaussian());
            term[r] = (r % (steps + 1)) == steps;
        }
        Map<String, NpyArray> raw = new LinkedHashMap<>();
        raw.put("observations", NpyArray.of(obs, rows, 1));
        raw.put("actions", NpyArray.of(act, rows, 1));
        raw.put("terminals", NpyArray.of(term, rows));
        return Datasets.fromRaw(raw, LoadOptions.defaults(), null);
    }

    static AgentContext context(Task task, Dataset train, long seed) {
        return new AgentContext(task, train, null, seed, "cpu");
    }
}
