package flowbench.harness.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * How a run is trained and evaluated. Steps count completed gradient updates: "step s" is the state after updates
 * 0..s-1, so step 0 is the untrained learner and step {@code trainSteps} the final one.
 *
 * @param trainSteps      number of gradient updates
 * @param evalEvery       evaluate every this many steps (0: only at the end); the final step is always evaluated
 * @param evalAtStart     also evaluate the untrained learner at step 0 (OGBench evaluates after its first step)
 * @param episodesPerTask episodes per evaluation task, all run in one lockstep batch (OGBench's benchmark runs use 50)
 * @param checkpointEvery save a checkpoint every this many steps (0: only at evaluations); every evaluation step is
 *                        checkpointed as well, so a resumed run never repeats an evaluation
 * @param logEvery        write a train.csv row (update and validation metrics) every this many steps, and at the end
 * @param evalSeed        the suite seed: episode i of evaluation task k gets {@code Seeds.derive(evalSeed, "episode", k, i)}
 *                        whatever the algorithm, so all algorithms face the same start states and goals
 * @param suiteName       suite the run belongs to ("adhoc" for a run started on its own)
 * @param suiteVersion    version of that suite; results are comparable only within one suite version
 */
public record Protocol(long trainSteps, long evalEvery, boolean evalAtStart, int episodesPerTask, long checkpointEvery,
                       long logEvery, long evalSeed, String suiteName, int suiteVersion) {

    public static final String ADHOC_SUITE = "adhoc";

    public Protocol {
        require(trainSteps >= 0, "trainSteps", trainSteps, "a number >= 0");
        require(evalEvery >= 0, "evalEvery", evalEvery, "a number >= 0 (0 = evaluate only at the end)");
        require(episodesPerTask >= 1, "episodesPerTask", episodesPerTask, "a number >= 1");
        require(checkpointEvery >= 0, "checkpointEvery", checkpointEvery, "a number >= 0 (0 = only at evaluations)");
        require(logEvery >= 1, "logEvery", logEvery, "a number >= 1");
        if (suiteName == null || suiteName.isBlank() || !suiteName.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("protocol field 'suiteName' is '" + suiteName
                    + "'; expected a non-empty name of letters, digits, '.', '_' or '-'");
        }
        require(suiteVersion >= 0, "suiteVersion", suiteVersion, "a number >= 0");
    }

    private static void require(boolean ok, String field, long value, String expected) {
        if (!ok) throw new IllegalArgumentException("protocol field '" + field + "' is " + value + "; expected " + expected);
    }

    /** OGBench's reference protocol (docs/benchmarks.md 1.5): 1M steps, evaluation every 100K, 50 episodes per task. */
    public static Protocol defaults() {
        return new Protocol(1_000_000, 100_000, false, 50, 10_000, 1_000, 0, ADHOC_SUITE, 0);
    }

    /** "name/version", e.g. "adhoc/0". */
    public String suite() {
        return suiteName + "/" + suiteVersion;
    }

    public boolean isEvalStep(long step) {
        if (step < 0 || step > trainSteps) return false;
        if (step == trainSteps) return true;
        if (step == 0) return evalAtStart;
        return evalEvery > 0 && step % evalEvery == 0;
    }

    public boolean isCheckpointStep(long step) {
        if (isEvalStep(step)) return true;
        return step > 0 && step <= trainSteps && checkpointEvery > 0 && step % checkpointEvery == 0;
    }

    public boolean isLogStep(long step) {
        return step > 0 && step <= trainSteps && (step % logEvery == 0 || step == trainSteps);
    }

    /** Every evaluation step in order. */
    public List<Long> evalSteps() {
        List<Long> out = new ArrayList<>();
        if (evalAtStart && trainSteps > 0) out.add(0L);
        if (evalEvery > 0) {
            for (long s = evalEvery; s < trainSteps; s += evalEvery) out.add(s);
        }
        out.add(trainSteps);
        return out;
    }

    public Protocol withTrainSteps(long v) {
        return new Protocol(v, evalEvery, evalAtStart, episodesPerTask, checkpointEvery, logEvery, evalSeed, suiteName, suiteVersion);
    }

    public Protocol withEvalEvery(long v) {
        return new Protocol(trainSteps, v, evalAtStart, episodesPerTask, checkpointEvery, logEvery, evalSeed, suiteName, suiteVersion);
    }

    public Protocol withEpisodesPerTask(int v) {
        return new Protocol(trainSteps, evalEvery, evalAtStart, v, checkpointEvery, logEvery, evalSeed, suiteName, suiteVersion);
    }

    public Protocol withCheckpointEvery(long v) {
        return new Protocol(trainSteps, evalEvery, evalAtStart, episodesPerTask, v, logEvery, evalSeed, suiteName, suiteVersion);
    }
}
