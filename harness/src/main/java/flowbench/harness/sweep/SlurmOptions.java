package flowbench.harness.sweep;

import com.fasterxml.jackson.annotation.JsonInclude;
import flowbench.harness.io.Json;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What an {@code sbatch --array} submission asks of the cluster. Every field may come from a profile file (JSON with
 * these field names, e.g. one per cluster) and be overridden by a flag; null means "the cluster's default".
 *
 * @param cpusPerTask  CPUs per array task; also each run's BLAS thread count (default 1)
 * @param mem          memory per task, sbatch syntax ("4G")
 * @param time         time limit per task, sbatch syntax ("2-00:00:00", "90")
 * @param throttle     at most this many tasks at once ({@code --array=...%N}); null = no limit
 * @param signalGrace  seconds before the time limit at which the task is told to checkpoint and requeue itself
 * @param requeue      requeue a task stopped by its time limit (it resumes from its checkpoint)
 * @param sbatch       extra {@code #SBATCH} lines, verbatim without the prefix (e.g. "--gres=gpu:1")
 * @param reportJob    submit a dependent job (afterany) that writes the summary and report when the array ends
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SlurmOptions(String partition, String account, String qos, String constraint, Integer cpusPerTask,
                           String mem, String time, Integer throttle, Integer signalGrace, Boolean requeue,
                           List<String> sbatch, Boolean reportJob, String jobName) {
    public SlurmOptions {
        sbatch = sbatch == null ? List.of() : List.copyOf(sbatch);
        for (String line : sbatch) {
            if (line.contains("\n")) throw new IllegalArgumentException("sbatch line '" + line + "' contains a newline");
        }
        if (cpusPerTask != null && cpusPerTask < 1) throw new IllegalArgumentException("cpusPerTask: expected >= 1, got " + cpusPerTask);
        if (throttle != null && throttle < 1) throw new IllegalArgumentException("throttle: expected >= 1, got " + throttle);
        if (signalGrace != null && signalGrace < 1) throw new IllegalArgumentException("signalGrace: expected >= 1 s, got " + signalGrace);
    }

    public static SlurmOptions none() {
        return new SlurmOptions(null, null, null, null, null, null, null, null, null, null, List.of(), null, null);
    }

    public static SlurmOptions load(Path profile) throws IOException {
        try {
            return Json.read(profile, SlurmOptions.class);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(profile + ": not a Slurm profile (JSON object with fields partition, account, "
                    + "qos, constraint, cpusPerTask, mem, time, throttle, signalGrace, requeue, sbatch, reportJob, jobName): "
                    + e.getMessage(), e);
        }
    }

    /** These options, with every non-null field of {@code o} taking precedence (extra sbatch lines are appended). */
    public SlurmOptions overriddenBy(SlurmOptions o) {
        List<String> lines = new ArrayList<>(sbatch);
        lines.addAll(o.sbatch);
        return new SlurmOptions(pick(o.partition, partition), pick(o.account, account), pick(o.qos, qos),
                pick(o.constraint, constraint), pick(o.cpusPerTask, cpusPerTask), pick(o.mem, mem), pick(o.time, time),
                pick(o.throttle, throttle), pick(o.signalGrace, signalGrace), pick(o.requeue, requeue), lines,
                pick(o.reportJob, reportJob), pick(o.jobName, jobName));
    }

    private static <T> T pick(T a, T b) {
        return a != null ? a : b;
    }

    public int cpus() {
        return cpusPerTask == null ? 1 : cpusPerTask;
    }

    public int grace() {
        return signalGrace == null ? 120 : signalGrace;
    }

    public boolean requeues() {
        return requeue == null || requeue;
    }

    public boolean reports() {
        return reportJob == null || reportJob;
    }
}
