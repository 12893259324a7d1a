package flowbench.harness.protocol;

import flowbench.harness.io.ProgressListener;

import java.io.PrintStream;

/**
 * How to treat an existing run folder, and where to report.
 *
 * @param resume   continue an interrupted run from its last checkpoint (false: discard it and start over)
 * @param force    discard whatever the run folder holds, even a complete run or one with a different spec
 * @param progress training and evaluation progress
 * @param log      human-readable messages (resuming, skipping, warnings)
 * @param hooks    observation points (tests simulate crashes there)
 * @param stop     an early-stop request (SIGTERM before a preemption): the run checkpoints and ends with
 *                 {@link RunStop.Stopped}
 */
public record RunOptions(boolean resume, boolean force, ProgressListener progress, PrintStream log, RunHooks hooks,
                         RunStop stop) {
    public RunOptions {
        if (progress == null) progress = ProgressListener.NONE;
        if (hooks == null) hooks = RunHooks.NONE;
        if (stop == null) stop = RunStop.NEVER;
    }

    public static RunOptions defaults() {
        return new RunOptions(true, false, ProgressListener.NONE, null, RunHooks.NONE, RunStop.NEVER);
    }

    public RunOptions withResume(boolean v) { return new RunOptions(v, force, progress, log, hooks, stop); }
    public RunOptions withForce(boolean v) { return new RunOptions(resume, v, progress, log, hooks, stop); }
    public RunOptions withProgress(ProgressListener v) { return new RunOptions(resume, force, v, log, hooks, stop); }
    public RunOptions withLog(PrintStream v) { return new RunOptions(resume, force, progress, v, hooks, stop); }
    public RunOptions withHooks(RunHooks v) { return new RunOptions(resume, force, progress, log, v, stop); }
    public RunOptions withStop(RunStop v) { return new RunOptions(resume, force, progress, log, hooks, v); }
}
