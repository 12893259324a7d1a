package flowbench.harness.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * The run record, {@code run.json}: everything a reported number depends on (docs/benchmarks.md section 8, item 1).
 * Rewritten atomically at the start of a run, after every evaluation, and at the end.
 *
 * <p>Fields that legitimately differ between an uninterrupted run and a resumed one: {@code timing},
 * {@code startedAt}, {@code finishedAt}, {@code resumes} (and {@code machine}/{@code software} if the run moved).
 */
public record RunRecord(
        int schemaVersion,
        String status,
        Identity identity,
        RunSpec spec,
        String profile,
        JsonNode config,
        String configHash,
        long parameterCount,
        List<DatasetFile> datasets,
        ProtocolFields protocol,
        List<Evaluation> evaluations,
        List<PolicySummary> summary,
        Timing timing,
        MachineInfo machine,
        SoftwareInfo software,
        String startedAt,
        String finishedAt,
        int resumes,
        @JsonInclude(JsonInclude.Include.NON_NULL) DomainRecord domain,
        @JsonInclude(JsonInclude.Include.NON_NULL) External external,
        @JsonInclude(JsonInclude.Include.NON_NULL) Failure failure) {

    public static final int SCHEMA_VERSION = 1;
    public static final String RUNNING = "running";
    public static final String COMPLETE = "complete";
    /** The run stopped on an error ({@link #failure} says which); it resumes from its last checkpoint when run again. */
    public static final String FAILED = "failed";

    /** A record of a run by one of flowbench's own (Java) algorithms that has not failed. */
    public RunRecord(int schemaVersion, String status, Identity identity, RunSpec spec, String profile, JsonNode config,
                     String configHash, long parameterCount, List<DatasetFile> datasets, ProtocolFields protocol,
                     List<Evaluation> evaluations, List<PolicySummary> summary, Timing timing, MachineInfo machine,
                     SoftwareInfo software, String startedAt, String finishedAt, int resumes, DomainRecord domain) {
        this(schemaVersion, status, identity, spec, profile, config, configHash, parameterCount, datasets, protocol,
                evaluations, summary, timing, machine, software, startedAt, finishedAt, resumes, domain, null, null);
    }

    /**
     * Provenance of a method that ran as an external learner (clients/PROTOCOL.md): the command the harness started,
     * the protocol version, the agent's own description (name, version, family, paper, code URL), the client library
     * and the environment fingerprint it reported (interpreter, package-list hash, git revision of the method's code,
     * accelerator). Absent for flowbench's own algorithms.
     */
    public record External(String command, int protocol, JsonNode agent, JsonNode client, JsonNode environment) {}

    /**
     * Why a run stopped: a named kind ({@code crashed}, {@code timeout}, {@code non-finite}, … for external learners,
     * {@code exception} otherwise), the message, and the number of updates done when it happened.
     */
    public record Failure(String kind, String message, long step, String at) {}

    public boolean complete() {
        return COMPLETE.equals(status);
    }

    /**
     * @param runId first 16 hex digits of the SHA-256 of the canonical run identity (algorithm, task, seed, profile,
     *              config hash, protocol, dataset hashes): equal ids mean equal runs
     */
    public record Identity(String algorithm, String algorithmPaper, String algorithmFamily, String task,
                           String datasetName, long seed, String runId) {}

    /**
     * A dataset file as read for this run.
     *
     * @param provenance how the file was generated, from its provenance sidecar ({@link DatasetProvenance}), when the
     *                   sidecar exists and names this file's SHA-256; absent otherwise (and in records written before
     *                   the field existed)
     */
    public record DatasetFile(String role, String file, String sha256, long transitions, String mode,
                              @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode provenance) {
        public DatasetFile(String role, String file, String sha256, long transitions, String mode) {
            this(role, file, sha256, transitions, mode, null);
        }
    }

    /**
     * Every protocol choice that changes scores.
     *
     * @param evalSteps      the steps at which evaluation happens
     * @param successTiming  PRE (state before the step) or POST (after), see {@code SuccessTiming}
     * @param successMetric  how success is scored
     * @param chunkLengths   chunk length H per policy; chunks run open-loop
     * @param actionClip     actions are clipped to [actionClip[0], actionClip[1]] before every environment step
     * @param episodeSeeds   how episode seeds are derived from the eval (suite) seed
     * @param policyNoise    how the policy's sampling noise is derived from the run seed
     */
    public record ProtocolFields(String suite, String suiteName, int suiteVersion, long trainSteps, long evalEvery,
                                 boolean evalAtStart, List<Long> evalSteps, int episodesPerTask, long checkpointEvery,
                                 long logEvery, long evalSeed, String taskMode, String successTiming,
                                 String rewardMode, List<Integer> evaluationTaskIds, int obsDim, int actionDim,
                                 int goalDim, int maxEpisodeSteps, Map<String, Integer> chunkLengths,
                                 List<Double> actionClip, String successMetric, String chunkExecution,
                                 String episodeSeeds, String policyNoise, String trainNoise) {}

    /**
     * Headline numbers per policy, fixed in advance: the final evaluation, the mean of the last {@code lastN}
     * evaluations (OGBench papers average the last three), and the best evaluation (a secondary, optimistic number).
     */
    public record PolicySummary(String policy, long finalStep, double finalSuccess, double finalReturn, int lastN,
                                double lastNSuccess, double bestSuccess, long bestStep) {}

    /**
     * Wall-clock seconds, accumulated over every session of a resumed run (work lost to a crash is not counted).
     *
     * @param trainSeconds      updates, validation and logging
     * @param evalSeconds       evaluations
     * @param checkpointSeconds writing checkpoints
     * @param stepsPerSecond    train steps / trainSeconds
     */
    public record Timing(double totalSeconds, double trainSeconds, double evalSeconds, double checkpointSeconds,
                         double stepsPerSecond) {}

    /**
     * The reference column whose per-domain values the config took (docs/domains.md), why the task follows it, and each
     * value applied with its source; values the user overrode are not listed (the config shows the final value). Null
     * in records written before domains existed.
     *
     * @param column        reference column, e.g. {@code puzzle-3x3-play-sparse}, or {@code none}
     * @param rewardWarning set when the column was tuned with another reward kind than the task's
     */
    public record DomainRecord(String column, String why, @JsonInclude(JsonInclude.Include.NON_NULL) String rewardWarning,
                               List<AppliedSetting> applied) {}

    /** One per-domain value that took effect, with its source. */
    public record AppliedSetting(String key, String value, String source) {}
}
