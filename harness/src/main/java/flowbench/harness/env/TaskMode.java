package flowbench.harness.env;

/** OGBench's two settings: a fixed reward (single-task) or reaching a goal given as an input (goal-conditioned). */
public enum TaskMode {
    SINGLE_TASK,
    GOAL_CONDITIONED
}
