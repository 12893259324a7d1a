package flowbench.harness.protocol;

import java.util.List;

/**
 * {@code state.json} of a checkpoint: what the runner needs, besides the learner's own files and train.csv, to
 * continue exactly where the checkpoint was taken.
 *
 * @param step              completed updates
 * @param runId             identity of the run that wrote it (a checkpoint of another run is never loaded)
 * @param evaluations       every evaluation so far (so eval.csv and run.json are rebuilt, not appended)
 */
record RunState(int schemaVersion, long step, String runId, List<Evaluation> evaluations, double totalSeconds,
                double trainSeconds, double evalSeconds, double checkpointSeconds) {
    RunState {
        evaluations = List.copyOf(evaluations);
    }
}
