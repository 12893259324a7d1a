package flowbench.tasks.ogbench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One OGBench dataset family served through the bridge, with the shapes OGBench 1.2.2 reports for it. The bridge's
 * handshake re-checks every number here against the live environment and refuses a mismatch, so this table can list
 * the tasks (and their dims) without starting Python, and can never silently disagree with what is evaluated.
 *
 * @param name            OGBench dataset name, e.g. {@code puzzle-3x3-play-v0}
 * @param family          reward family (what the single-task reward counts)
 * @param obsDim          state observation size
 * @param actionDim       action size (actions in [-1, 1])
 * @param maxEpisodeSteps the registered {@code max_episode_steps} (evaluation length)
 * @param defaultTask     the task of the bare {@code -singletask-v0} name
 * @param taskLabels      OGBench's task names, index k-1 for task k (e.g. {@code task2_double_pnp1})
 */
public record OgbenchDataset(String name, Family family, int obsDim, int actionDim, int maxEpisodeSteps, int defaultTask,
                             List<String> taskLabels) {
    /** Reward families of OGBench's single-task variants ({@code ogbench.relabel_utils.relabel_dataset}). */
    public enum Family {
        POINTMAZE, ANTMAZE, HUMANOIDMAZE, ANTSOCCER, CUBE, SCENE, PUZZLE
    }

    /** OGBench's pinned release; the bridge handshake refuses any other. */
    public static final String OGBENCH_VERSION = "1.2.2";

    private static final List<String> PLAIN_TASKS = List.of("task1", "task2", "task3", "task4", "task5");

    private static final List<String> CUBE_SINGLE = List.of("task1_horizontal", "task2_vertical1", "task3_vertical2",
            "task4_diagonal1", "task5_diagonal2");
    private static final List<String> CUBE_DOUBLE = List.of("task1_single_pnp", "task2_double_pnp1", "task3_double_pnp2",
            "task4_swap", "task5_stack");
    private static final List<String> CUBE_TRIPLE = List.of("task1_single_pnp", "task2_triple_pnp", "task3_pnp_from_stack",
            "task4_cycle", "task5_stack");
    private static final List<String> CUBE_QUADRUPLE = List.of("task1_double_pnp", "task2_quadruple_pnp",
            "task3_pnp_from_square", "task4_cycle", "task5_stack");
    private static final List<String> SCENE = List.of("task1_open", "task2_unlock_and_lock", "task3_rearrange_medium",
            "task4_put_in_drawer", "task5_rearrange_hard");

    /** Every dataset the bridge serves (obs/action dims, lengths and default tasks as OGBench 1.2.2 registers them). */
    public static final List<OgbenchDataset> ALL = List.copyOf(build());

    /**
     * OGBench 1.2.2's state-based datasets (its README's list; {@code visual-*} and powderworld observe pixels and are
     * not served): 47 goal-conditioned datasets, each with its five single-task tasks. Dims, lengths, default tasks and
     * task labels are those of the registered envs ({@code ogbench/locomaze/__init__.py},
     * {@code ogbench/manipspace/__init__.py}); {@code OgbenchTableSlowTest} checks them against the live envs.
     */
    private static List<OgbenchDataset> build() {
        List<OgbenchDataset> out = new java.util.ArrayList<>();
        for (String maze : List.of("medium", "large", "giant", "teleport")) {
            for (String kind : List.of("navigate", "stitch")) {
                out.add(new OgbenchDataset("pointmaze-" + maze + "-" + kind + "-v0", Family.POINTMAZE, 2, 2, 1000, 1, PLAIN_TASKS));
            }
        }
        // the manipulation datasets flowbench generates with OGBench's scripted oracles (OgbenchDatasets.SPECS)
        out.add(new OgbenchDataset("cube-single-play-v0", Family.CUBE, 28, 5, 200, 2, CUBE_SINGLE));
        out.add(new OgbenchDataset("cube-double-play-v0", Family.CUBE, 37, 5, 500, 2, CUBE_DOUBLE));
        out.add(new OgbenchDataset("scene-play-v0", Family.SCENE, 40, 5, 750, 2, SCENE));
        out.add(new OgbenchDataset("puzzle-3x3-play-v0", Family.PUZZLE, 55, 5, 500, 4, PLAIN_TASKS));
        out.add(new OgbenchDataset("puzzle-4x4-play-v0", Family.PUZZLE, 83, 5, 500, 4, PLAIN_TASKS));
        // locomotion: OGBench collected these with trained SAC experts, so they come from OGBench's download
        // (explore exists for the medium, large and teleport ant mazes only; humanoidmaze has no teleport dataset)
        for (String maze : List.of("medium", "large", "giant", "teleport")) {
            for (String kind : List.of("navigate", "stitch", "explore")) {
                if (kind.equals("explore") && maze.equals("giant")) continue;
                out.add(new OgbenchDataset("antmaze-" + maze + "-" + kind + "-v0", Family.ANTMAZE, 29, 8, 1000, 1, PLAIN_TASKS));
            }
        }
        for (String maze : List.of("medium", "large", "giant")) {
            for (String kind : List.of("navigate", "stitch")) {
                out.add(new OgbenchDataset("humanoidmaze-" + maze + "-" + kind + "-v0", Family.HUMANOIDMAZE, 69, 21,
                        maze.equals("giant") ? 4000 : 2000, 1, PLAIN_TASKS));
            }
        }
        for (String arena : List.of("arena", "medium")) {
            for (String kind : List.of("navigate", "stitch")) {
                out.add(new OgbenchDataset("antsoccer-" + arena + "-" + kind + "-v0", Family.ANTSOCCER, 42, 8, 1000, 4, PLAIN_TASKS));
            }
        }
        // the larger manipulation envs' play datasets and every manipulation env's noisy dataset: OGBench's download
        out.add(new OgbenchDataset("cube-triple-play-v0", Family.CUBE, 46, 5, 1000, 2, CUBE_TRIPLE));
        out.add(new OgbenchDataset("cube-quadruple-play-v0", Family.CUBE, 55, 5, 1000, 2, CUBE_QUADRUPLE));
        out.add(new OgbenchDataset("puzzle-4x5-play-v0", Family.PUZZLE, 99, 5, 1000, 2, PLAIN_TASKS));
        out.add(new OgbenchDataset("puzzle-4x6-play-v0", Family.PUZZLE, 115, 5, 1000, 2, PLAIN_TASKS));
        out.add(new OgbenchDataset("cube-single-noisy-v0", Family.CUBE, 28, 5, 200, 2, CUBE_SINGLE));
        out.add(new OgbenchDataset("cube-double-noisy-v0", Family.CUBE, 37, 5, 500, 2, CUBE_DOUBLE));
        out.add(new OgbenchDataset("cube-triple-noisy-v0", Family.CUBE, 46, 5, 1000, 2, CUBE_TRIPLE));
        out.add(new OgbenchDataset("cube-quadruple-noisy-v0", Family.CUBE, 55, 5, 1000, 2, CUBE_QUADRUPLE));
        out.add(new OgbenchDataset("scene-noisy-v0", Family.SCENE, 40, 5, 750, 2, SCENE));
        out.add(new OgbenchDataset("puzzle-3x3-noisy-v0", Family.PUZZLE, 55, 5, 500, 4, PLAIN_TASKS));
        out.add(new OgbenchDataset("puzzle-4x4-noisy-v0", Family.PUZZLE, 83, 5, 500, 4, PLAIN_TASKS));
        out.add(new OgbenchDataset("puzzle-4x5-noisy-v0", Family.PUZZLE, 99, 5, 1000, 2, PLAIN_TASKS));
        out.add(new OgbenchDataset("puzzle-4x6-noisy-v0", Family.PUZZLE, 115, 5, 1000, 2, PLAIN_TASKS));
        return out;
    }

    public OgbenchDataset {
        if (!name.endsWith("-v0")) throw new IllegalArgumentException("OGBench dataset name must end in -v0: " + name);
        if (defaultTask < 1 || defaultTask > taskLabels.size()) {
            throw new IllegalArgumentException(name + ": default task " + defaultTask + " not in 1.." + taskLabels.size());
        }
        taskLabels = List.copyOf(taskLabels);
    }

    public static Optional<OgbenchDataset> find(String datasetName) {
        return ALL.stream().filter(d -> d.name.equals(datasetName)).findFirst();
    }

    /** Number of evaluation tasks (5 for every OGBench env). */
    public int numTasks() {
        return taskLabels.size();
    }

    /** {@code puzzle-3x3-play} for {@code puzzle-3x3-play-v0}. */
    public String stem() {
        return name.substring(0, name.length() - "-v0".length());
    }

    /** OGBench's env name of the goal-conditioned variant: the dataset name itself. */
    public String goalConditionedEnvName() {
        return name;
    }

    /** OGBench's env name of single-task task k: {@code <stem>-singletask-task<k>-v0}. */
    public String singleTaskEnvName(int taskId) {
        if (taskId < 1 || taskId > numTasks()) {
            throw new IllegalArgumentException(name + ": task id " + taskId + " not in 1.." + numTasks());
        }
        return stem() + "-singletask-task" + taskId + "-v0";
    }

    /** OGBench's bare single-task name ({@link #defaultTask}): {@code <stem>-singletask-v0}. */
    public String defaultSingleTaskEnvName() {
        return stem() + "-singletask-v0";
    }

    /** The single-task reward in words, following {@code ogbench.relabel_utils.relabel_dataset}. */
    public String singleTaskReward() {
        return switch (family) {
            case POINTMAZE -> "success - 1 in {-1, 0}; success = ||xy - goal cell centre|| <= 1.0";
            case ANTMAZE, HUMANOIDMAZE -> "success - 1 in {-1, 0}; success = ||xy - goal cell centre|| <= 0.5";
            case ANTSOCCER -> "success - 1 in {-1, 0}; success = ||ball xy - goal cell centre|| <= 0.5";
            case CUBE -> "(#cubes within 0.04 m of their targets) - #cubes; success = every cube";
            case SCENE -> "(#subgoals met: cube within 0.04 m, each button state, drawer and window within 0.04) - #subgoals;"
                    + " success = every subgoal";
            case PUZZLE -> "(#buttons equal to the goal board) - #buttons; success = every button";
        };
    }

    public String familyLabel() {
        return family.name().toLowerCase(Locale.ROOT);
    }
}
