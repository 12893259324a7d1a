package flowbench.harness.env;

import java.util.List;

/**
 * A named benchmark task in OGBench's naming: {@code jpointmaze-medium-navigate-v0} (goal-conditioned, evaluated on
 * tasks 1..5) or {@code jpointmaze-medium-navigate-singletask-task1-v0} (single-task reward of evaluation task 1).
 */
public interface Task {
    /** Full task name, e.g. {@code jpointmaze-medium-navigate-singletask-task1-v0}. */
    String name();

    /** The dataset this task trains on, e.g. {@code jpointmaze-medium-navigate-v0}. */
    String datasetName();

    TaskMode mode();

    SuccessTiming successTiming();

    EnvSpec spec();

    /** Evaluation task ids: one for single-task names, 1..5 for goal-conditioned names. */
    List<Integer> evaluationTaskIds();

    /** Reward convention in words, e.g. "success - 1 in {-1, 0}"; recorded in run records. */
    String rewardMode();

    /**
     * Goal-conditioned mode: the goal is the observation's columns [goalColumnsFrom, goalColumnsTo) of the goal state
     * (hindsight goals are taken from dataset rows the same way). Defaults to the whole observation, as OGBench's state
     * tasks do; tasks whose goal is part of the state (an end-effector position, a board) override both.
     */
    default int goalColumnsFrom() {
        return 0;
    }

    /** See {@link #goalColumnsFrom()}; {@code goalColumnsTo - goalColumnsFrom == spec().goalDim()}. */
    default int goalColumnsTo() {
        return spec().obsDim();
    }

    /** A fresh batched environment. */
    Environment newEnvironment();

    /**
     * Single-task relabelling of a dataset (OGBench's {@code relabel_dataset}): fills rewards and masks from the
     * dataset's simulator fields. Goal-conditioned tasks return null; their rewards come from the goal sampler.
     */
    Relabeler relabeler();
}
