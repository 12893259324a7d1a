package flowbench.tasks.ogbench;

import flowbench.harness.env.Relabeler;

import java.util.Map;

/**
 * Single-task rewards and success of dataset rows computed by OGBench itself: the rows' {@code qpos} (and
 * {@code button_states} for scene and puzzle) go to a bridge serving the single-task env, which runs
 * {@code ogbench.relabel_utils.relabel_dataset} on them, exactly as {@code make_env_and_datasets} does for a
 * {@code -singletask-} name: reward = (subgoals met) - (number of subgoals), or success - 1 for the mazes; success
 * where every subgoal is met (masks = 1 - success). Rows hold the state before their action, which matches the
 * single-task env's 'pre' success timing. Sparse names then map each reward r to −[r ≠ 0].
 */
public final class OgbenchRelabeler implements Relabeler {
    private final OgbenchTask task;

    OgbenchRelabeler(OgbenchTask task) {
        this.task = task;
    }

    public OgbenchTask task() {
        return task;
    }

    @Override
    public void relabel(Map<String, float[]> fields, int rows, float[] rewards, boolean[] success) {
        if (rewards.length < rows || success.length < rows) {
            throw new IllegalArgumentException(task.name() + ": output arrays hold " + rewards.length + " rewards and "
                    + success.length + " success flags, expected at least " + rows);
        }
        if (rows == 0) return;
        float[] qpos = fields.get("qpos");
        if (qpos == null) {
            throw new IllegalArgumentException(task.name() + ": single-task relabelling needs the dataset field 'qpos' "
                    + "(OGBench's raw schema has it), which is missing; fields present: " + fields.keySet());
        }
        int nq = columns(qpos, rows, "qpos");
        float[] buttons = null;
        int nb = 0;
        boolean needsButtons = task.dataset().family() == OgbenchDataset.Family.SCENE
                || task.dataset().family() == OgbenchDataset.Family.PUZZLE;
        if (needsButtons) {
            buttons = fields.get("button_states");
            if (buttons == null) {
                throw new IllegalArgumentException(task.name() + ": single-task relabelling needs the dataset field "
                        + "'button_states' (scene and puzzle), which is missing; fields present: " + fields.keySet());
            }
            nb = columns(buttons, rows, "button_states");
        }
        try (OgbenchBridgeClient b = OgbenchBridgeClient.start(task.expected(), 1)) {
            b.relabel(qpos, nq, buttons, nb, rows, rewards, success);
        }
        if (task.sparse()) {
            for (int i = 0; i < rows; i++) rewards[i] = task.reward(rewards[i]);
        }
    }

    private int columns(float[] a, int rows, String field) {
        if (a.length % rows != 0 || a.length == 0) {
            throw new IllegalArgumentException(task.name() + ": dataset field '" + field + "' has " + a.length
                    + " values, not a whole number of columns for " + rows + " rows");
        }
        return a.length / rows;
    }
}
