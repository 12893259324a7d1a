package flowbench.harness.sweep;

import flowbench.harness.io.AtomicFiles;
import flowbench.harness.io.Json;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hands a sweep to Slurm as one {@code sbatch --array} job: array task {@code k} runs entry {@code indices[k]} of the
 * manifest through {@code flowbench sweep task}, in the shared results folder. The cluster does the scheduling; this
 * class only writes the script, submits it and records the job ids in {@code <out>/sweeps/<id>/slurm/}.
 *
 * <p>Time limits and preemption: the script asks Slurm for SIGUSR1 {@code signalGrace} seconds before the limit
 * ({@code --signal=B:USR1@N}); it forwards SIGTERM to the run, which checkpoints, then requeues its own array task,
 * whose next start resumes from the checkpoint (and ends with the record an uninterrupted run writes). SIGTERM from
 * {@code scancel} or a preemption also checkpoints, without the self-requeue ({@code sweep resubmit} continues it).
 */
public final class SlurmExecutor {
    /** One submission, as recorded in {@code slurm/submissions.json}. */
    public record Submission(int number, String arrayJob, String prepareJob, String reportJob, List<Integer> indices,
                             String script, String at) {
        public Submission {
            indices = List.copyOf(indices);
        }
    }

    private final WorkerCommand command;
    private final SlurmOptions options;
    private final PrintStream log;
    private final Map<String, String> environment;

    /**
     * @param environment variables the tasks need from the launcher's environment (e.g. FLOWBENCH_OGBENCH_PYTHON),
     *                    written into the script so that a resubmission later sees the same values
     */
    public SlurmExecutor(WorkerCommand command, SlurmOptions options, Map<String, String> environment, PrintStream log) {
        this.command = command;
        this.options = options;
        this.environment = Map.copyOf(environment);
        this.log = log;
    }

    /** The array job script for {@code count} tasks whose entries are listed, one per line, in {@code indicesFile}. */
    public String script(SweepPlan plan, Path manifest, Path indicesFile, int count) {
        Path dir = manifest.getParent();
        StringBuilder b = new StringBuilder("#!/bin/bash\n");
        b.append("# flowbench sweep ").append(plan.name()).append(" (").append(plan.id()).append("): ").append(count)
                .append(" runs, one per array task; written by 'flowbench sweep --executor slurm'\n");
        sbatch(b, "--job-name=" + jobName(plan));
        sbatch(b, "--array=0-" + (count - 1) + (options.throttle() != null ? "%" + options.throttle() : ""));
        sbatch(b, "--ntasks=1");
        sbatch(b, "--cpus-per-task=" + options.cpus());
        if (options.mem() != null) sbatch(b, "--mem=" + options.mem());
        if (options.time() != null) sbatch(b, "--time=" + options.time());
        common(b);
        sbatch(b, "--output=" + dir.resolve("logs") + "/%a-%A.log");
        sbatch(b, "--open-mode=append");
        if (options.requeues()) sbatch(b, "--requeue");
        // B: the signal goes to this batch shell, which forwards SIGTERM to the run and then requeues the task
        sbatch(b, "--signal=B:USR1@" + options.grace());
        for (String line : options.sbatch()) sbatch(b, line);
        b.append("set -u\n");
        b.append("export OMP_WAIT_POLICY=PASSIVE\n");
        b.append("export OPENBLAS_NUM_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"\n");
        b.append("export FLOWBENCH_PROGRESS=plain FLOWBENCH_NO_BUILD=1\n");
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(environment).entrySet()) {
            b.append("export ").append(e.getKey()).append('=').append(WorkerCommand.quote(e.getValue())).append('\n');
        }
        b.append("index=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" ").append(WorkerCommand.quote(indicesFile.toString()))
                .append(")\n");
        b.append("[ -n \"$index\" ] || { echo \"no sweep entry for array task $SLURM_ARRAY_TASK_ID\" >&2; exit 2; }\n");
        b.append("echo \"flowbench: $(date -u +%FT%T.%3NZ) array task ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} on $(hostname):"
                + " sweep entry $index (restart ${SLURM_RESTART_COUNT:-0})\"\n");
        b.append(command.shell("sweep", "task", manifest.toString())).append(" \"$index\" --grace ")
                .append(Math.max(1, options.grace() - 10)).append(" &\n");
        b.append("child=$!\n");
        b.append("requeue=0\n");
        b.append("trap 'requeue=1; kill -TERM $child 2>/dev/null' USR1\n");
        b.append("trap 'kill -TERM $child 2>/dev/null' TERM\n");
        // wait returns early when a trapped signal arrives: wait again until the run has checkpointed and exited
        b.append("while :; do wait $child; rc=$?; kill -0 $child 2>/dev/null || break; done\n");
        b.append("if [ \"$requeue\" = 1 ] && [ \"$rc\" != 0 ]; then\n");
        b.append("  echo \"flowbench: time limit near; the run checkpointed; requeueing ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n");
        b.append("  scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n");
        b.append("fi\n");
        b.append("echo \"flowbench: $(date -u +%FT%T.%3NZ) sweep entry $index exited with status $rc\"\n");
        b.append("exit $rc\n");
        return b.toString();
    }

    private void common(StringBuilder b) {
        if (options.partition() != null) sbatch(b, "--partition=" + options.partition());
        if (options.account() != null) sbatch(b, "--account=" + options.account());
        if (options.qos() != null) sbatch(b, "--qos=" + options.qos());
        if (options.constraint() != null) sbatch(b, "--constraint=" + options.constraint());
    }

    private List<String> commonFlags() {
        List<String> f = new ArrayList<>();
        if (options.partition() != null) f.add("--partition=" + options.partition());
        if (options.account() != null) f.add("--account=" + options.account());
        if (options.qos() != null) f.add("--qos=" + options.qos());
        if (options.constraint() != null) f.add("--constraint=" + options.constraint());
        return f;
    }

    private static void sbatch(StringBuilder b, String flag) {
        b.append("#SBATCH ").append(flag).append('\n');
    }

    private String jobName(SweepPlan plan) {
        return options.jobName() != null ? options.jobName() : "flowbench-" + plan.name();
    }

    /**
     * Writes the script and index list, and submits them (unless {@code dryRun}): first a dataset job when the datasets
     * are not ready (the array waits for it, afterok), then the array, then the report job (afterany).
     */
    public Submission submit(SweepPlan plan, Path manifest, List<Integer> indices, boolean datasetsReady, boolean dryRun)
            throws IOException, InterruptedException {
        if (indices.isEmpty()) throw new IllegalArgumentException("nothing to submit: every run of the sweep is complete or running");
        Path dir = manifest.getParent().resolve("slurm");
        Files.createDirectories(dir);
        Files.createDirectories(manifest.getParent().resolve("logs"));
        int max = dryRun ? 1001 : maxArraySize();
        if (indices.size() > max - 1) {
            throw new IllegalArgumentException(indices.size() + " runs exceed this cluster's MaxArraySize (" + max + "); "
                    + "split the sweep with --shard 1/" + ((indices.size() + max - 2) / (max - 1)) + " and so on, one submission each");
        }
        List<Submission> previous = submissions(manifest);
        int number = previous.size() + 1;
        Path indicesFile = dir.resolve("submit-" + number + ".indices");
        Path scriptFile = dir.resolve("submit-" + number + ".sh");
        String script = script(plan, manifest, indicesFile, indices.size());
        if (dryRun) {
            return new Submission(number, null, null, null, indices, script, null);
        }
        StringBuilder idx = new StringBuilder();
        for (int i : indices) idx.append(i).append('\n');
        AtomicFiles.writeString(indicesFile, idx.toString());
        AtomicFiles.writeString(scriptFile, script);
        Json.writeAtomically(dir.resolve("options.json"), options);
        String prepare = null;
        if (!datasetsReady) {
            List<String> cmd = new ArrayList<>(List.of("sbatch", "--parsable", "--job-name=" + jobName(plan) + "-datasets",
                    "--ntasks=1", "--cpus-per-task=" + options.cpus(), "--output=" + manifest.getParent().resolve("logs") + "/datasets-%j.log"));
            cmd.addAll(commonFlags());
            if (options.time() != null) cmd.add("--time=" + options.time());
            cmd.add("--wrap=" + envPrefix() + command.shell("sweep", "prepare", manifest.toString()));
            prepare = run(cmd);
            say("submitted dataset job " + prepare + " (the array starts when it succeeds)");
        }
        List<String> cmd = new ArrayList<>(List.of("sbatch", "--parsable"));
        if (prepare != null) cmd.add("--dependency=afterok:" + prepare);
        cmd.add(scriptFile.toString());
        String array = run(cmd);
        say("submitted array job " + array + ": " + indices.size() + " runs (script " + scriptFile + ", logs "
                + manifest.getParent().resolve("logs") + ")");
        String report = null;
        if (options.reports()) {
            List<String> rc = new ArrayList<>(List.of("sbatch", "--parsable", "--dependency=afterany:" + array,
                    "--job-name=" + jobName(plan) + "-report", "--ntasks=1",
                    "--output=" + manifest.getParent().resolve("logs") + "/report-%j.log"));
            rc.addAll(commonFlags());
            rc.add("--wrap=" + envPrefix() + command.shell("sweep", "finish", manifest.toString()));
            report = run(rc);
            say("submitted report job " + report + " (afterany:" + array + ")");
        }
        Submission s = new Submission(number, array, prepare, report, indices, scriptFile.toString(), Instant.now().toString());
        List<Submission> all = new ArrayList<>(previous);
        all.add(s);
        Json.writeAtomically(dir.resolve("submissions.json"), all);
        return s;
    }

    private String envPrefix() {
        StringBuilder b = new StringBuilder("OMP_WAIT_POLICY=PASSIVE FLOWBENCH_NO_BUILD=1 ");
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(environment).entrySet()) {
            b.append(e.getKey()).append('=').append(WorkerCommand.quote(e.getValue())).append(' ');
        }
        return b.toString();
    }

    /** Submissions recorded for a manifest, oldest first. */
    public static List<Submission> submissions(Path manifest) throws IOException {
        Path f = manifest.getParent().resolve("slurm").resolve("submissions.json");
        if (!Files.isRegularFile(f)) return new ArrayList<>();
        Submission[] s = Json.read(f, Submission[].class);
        return new ArrayList<>(List.of(s));
    }

    /** True while any of the jobs is known to Slurm's queue (pending, running, completing). */
    public static boolean active(List<String> jobIds) throws IOException, InterruptedException {
        List<String> ids = jobIds.stream().filter(j -> j != null && !j.isBlank()).map(j -> j.split(";")[0]).toList();
        if (ids.isEmpty()) return false;
        try {
            return !run(List.of("squeue", "-h", "-o", "%i %T", "-j", String.join(",", ids))).isBlank();
        } catch (IOException e) {
            // squeue refuses ids it no longer knows (a finished job leaves the queue after MinJobAge)
            if (e.getMessage() != null && e.getMessage().contains("Invalid job id")) return false;
            throw e;
        }
    }

    static int maxArraySize() {
        try {
            String cfg = run(List.of("scontrol", "show", "config"));
            Matcher m = Pattern.compile("(?m)^MaxArraySize\\s*=\\s*(\\d+)").matcher(cfg);
            if (m.find()) return Integer.parseInt(m.group(1));
        } catch (IOException | InterruptedException | RuntimeException e) {
            // fall through to Slurm's default
        }
        return 1001;
    }

    /** Runs a Slurm client command; returns its trimmed stdout or fails with its stderr. */
    static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        } catch (IOException e) {
            throw new IOException(cmd.get(0) + " could not be started (" + e.getMessage() + "); is Slurm's client installed "
                    + "and on PATH on this machine?", e);
        }
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " did not answer within 120 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd.subList(0, Math.min(3, cmd.size()))) + " ... failed (exit "
                    + p.exitValue() + "): " + new String(err, StandardCharsets.UTF_8).trim());
        }
        return new String(out, StandardCharsets.UTF_8).trim();
    }

    private void say(String s) {
        if (log != null) {
            log.println(s);
            log.flush();
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "slurm(%s)", command);
    }
}
