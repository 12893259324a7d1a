package flowbench.harness.protocol;

import java.nio.file.Path;

/**
 * @param runDir          the run folder
 * @param record          the final run record
 * @param alreadyComplete the folder already held this complete run; nothing was run
 * @param resumedFromStep the checkpoint step the run continued from, or -1 when it started from scratch
 */
public record RunOutcome(Path runDir, RunRecord record, boolean alreadyComplete, long resumedFromStep) {}
