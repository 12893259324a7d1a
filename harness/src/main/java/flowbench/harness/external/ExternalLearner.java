package flowbench.harness.external;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.BlockLearner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.Dataset;
import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import flowbench.harness.data.Sha256;
import flowbench.harness.domain.Domain;
import flowbench.harness.domain.DomainSetting;
import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Task;
import flowbench.harness.env.TaskMode;
import flowbench.harness.io.AtomicFiles;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.Protocol;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The harness's side of one external learner process after {@code init}: training in blocks, validation, the named
 * policies (each {@code act} checked for shape, finiteness and range), checkpoints. The datasets are handed over as
 * an .npz of exactly the arrays a Java learner trains on, written to a temporary folder that lives as long as the learner.
 */
final class ExternalLearner implements BlockLearner {
    private final ExternalProcess process;
    private final Duration timeout;
    private final Map<String, Policy> policies;
    private final long parameterCount;
    private final Path arraysDir;
    private final int obsDim;
    private final int goalDim;
    private final int actionDim;
    private long stepsDone;

    private ExternalLearner(ExternalProcess process, Duration timeout, Map<String, Integer> chunks, long parameterCount,
                            Path arraysDir, EnvSpec spec) {
        this.process = process;
        this.timeout = timeout;
        this.parameterCount = parameterCount;
        this.arraysDir = arraysDir;
        this.obsDim = spec.obsDim();
        this.goalDim = spec.goalDim();
        this.actionDim = spec.actionDim();
        Map<String, Policy> p = new LinkedHashMap<>();
        chunks.forEach((n, h) -> p.put(n, new ExternalPolicy(n, h)));
        this.policies = Collections.unmodifiableMap(p);
    }

    static ExternalLearner init(ExternalProcess process, ExternalConfig config, AgentContext context, Protocol protocol,
                                Domain domain, Map<String, String> overrides, Duration timeout) {
        Task task = context.task();
        EnvSpec spec = task.spec();
        Path dir;
        try {
            dir = Files.createTempDirectory("flowbench-external-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for the learner's dataset arrays", e);
        }
        try {
            ObjectNode req = Json.mapper().createObjectNode();
            ObjectNode t = req.putObject("task");
            t.put("name", task.name());
            t.put("mode", task.mode() == TaskMode.GOAL_CONDITIONED ? "goal-conditioned" : "single-task");
            t.put("obs_dim", spec.obsDim());
            t.put("action_dim", spec.actionDim());
            t.put("goal_dim", spec.goalDim());
            t.put("max_episode_steps", spec.maxEpisodeSteps());
            t.put("dataset", task.datasetName());
            ArrayNode gc = t.putArray("goal_columns");
            gc.add(task.goalColumnsFrom());
            gc.add(task.goalColumnsTo());
            ObjectNode ds = req.putObject("datasets");
            ds.set("train", handOver(context.train(), dir.resolve("train.npz")));
            if (context.validation() != null) ds.set("validation", handOver(context.validation(), dir.resolve("validation.npz")));
            long seed = context.seed();
            req.put("seed", seed);
            req.putObject("seeds").put("init", Seeds.derive(seed, "external", "init"));
            req.set("config", config.params());
            ArrayNode user = req.putArray("overrides");
            overrides.keySet().stream().sorted().forEach(user::add);
            ObjectNode b = req.putObject("budget");
            b.put("train_steps", protocol.trainSteps());
            b.put("eval_every", protocol.evalEvery());
            b.put("log_every", protocol.logEvery());
            b.put("checkpoint_every", protocol.checkpointEvery());
            b.put("episodes_per_task", protocol.episodesPerTask());
            ObjectNode d = req.putObject("domain");
            d.put("column", domain.column());
            ObjectNode settings = d.putObject("settings");
            for (DomainSetting s : domain.shared()) settings.set(s.key(), settingValue(s.value()));
            JsonNode r = process.call("init", req, List.of(), ExternalAlgorithm.startTimeout(timeout)).header();
            JsonNode pol = r.get("policies");
            if (pol == null || !pol.isObject() || pol.isEmpty()) {
                throw new ExternalFailure(ExternalFailure.SHAPE, "init reply: 'policies' must map at least one policy name to its chunk length; got " + pol);
            }
            Map<String, Integer> chunks = new LinkedHashMap<>();
            pol.fields().forEachRemaining(e -> {
                JsonNode h = e.getValue();
                if (!h.isIntegralNumber() || h.asInt() < 1 || h.asInt() > spec.maxEpisodeSteps()) {
                    throw new ExternalFailure(ExternalFailure.SHAPE, "init reply: policy '" + e.getKey() + "' has chunk length " + h
                            + "; expected an integer in 1.." + spec.maxEpisodeSteps());
                }
                if (!e.getKey().matches("[A-Za-z0-9._()=,+-]{1,80}")) {
                    throw new ExternalFailure(ExternalFailure.PROTOCOL, "init reply: policy name '" + e.getKey()
                            + "' must be 1-80 letters, digits or . _ ( ) = , + -");
                }
                chunks.put(e.getKey(), h.asInt());
            });
            JsonNode pc = r.get("parameter_count");
            if (pc == null || !pc.isIntegralNumber() || pc.asLong() < 0) {
                throw new ExternalFailure(ExternalFailure.PROTOCOL, "init reply: 'parameter_count' missing or not a non-negative integer");
            }
            return new ExternalLearner(process, timeout, chunks, pc.asLong(), dir, spec);
        } catch (IOException e) {
            deleteQuietly(dir);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            deleteQuietly(dir);
            throw e;
        }
    }

    /** A domain value as JSON: a number where the text is one ("5", "0.99"), else the text ("DATASET"). */
    static JsonNode settingValue(String v) {
        var f = Json.mapper().getNodeFactory();
        if (v.matches("-?\\d{1,18}")) return f.numberNode(Long.parseLong(v));
        try {
            if (v.matches("-?[0-9.]+([eE][-+]?\\d+)?")) return f.numberNode(Double.parseDouble(v));
        } catch (NumberFormatException e) {
            // not a number after all
        }
        return f.textNode(v);
    }

    /** Writes the arrays a Java learner trains on and describes them for init. */
    private static ObjectNode handOver(Dataset d, Path file) throws IOException {
        int n = d.size();
        LinkedHashMap<String, NpyArray> a = new LinkedHashMap<>();
        a.put("observations", NpyArray.of(d.observations(), n, d.obsDim()));
        a.put("actions", NpyArray.of(d.actions(), n, d.actionDim()));
        a.put("next_observations", NpyArray.of(d.nextObservations(), n, d.obsDim()));
        a.put("rewards", NpyArray.of(d.rewards(), n));
        a.put("masks", NpyArray.of(d.masks(), n));
        a.put("terminals", NpyArray.of(flags(d.terminals()), n));
        a.put("valids", NpyArray.of(flags(d.valids()), n));
        Npz.write(file, a);
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("source", d.source() == null ? "" : d.source().toAbsolutePath().toString());
        o.put("sha256", d.sha256() != null ? d.sha256() : d.source() != null ? Sha256.ofFile(d.source()) : "");
        o.put("arrays", file.toAbsolutePath().toString());
        o.put("transitions", n);
        o.put("mode", d.mode() == null ? "unknown" : d.mode().name().toLowerCase());
        return o;
    }

    private static float[] flags(boolean[] b) {
        float[] f = new float[b.length];
        for (int i = 0; i < b.length; i++) f[i] = b[i] ? 1f : 0f;
        return f;
    }

    @Override
    public Map<String, Double> updateBlock(long firstStep, int steps) {
        ObjectNode req = Json.mapper().createObjectNode();
        req.put("step", firstStep);
        req.put("steps", steps);
        JsonNode r = process.call("train", req, List.of(), timeout).header();
        long end = r.path("step").asLong(-1);
        if (end != firstStep + steps) {
            throw new ExternalFailure(ExternalFailure.PROTOCOL, "train(step " + firstStep + ", " + steps + " steps) replied step "
                    + r.path("step") + "; expected " + (firstStep + steps));
        }
        stepsDone = end;
        return metrics(r, "train");
    }

    @Override
    public Map<String, Double> update(long step, Rng rng) {
        return updateBlock(step, 1);
    }

    @Override
    public Map<String, Double> validate(Rng rng) {
        ObjectNode req = Json.mapper().createObjectNode();
        req.put("step", stepsDone);
        return metrics(process.call("validate", req, List.of(), timeout).header(), "validate");
    }

    private static Map<String, Double> metrics(JsonNode reply, String op) {
        JsonNode m = reply.get("metrics");
        if (m == null || !m.isObject()) throw new ExternalFailure(ExternalFailure.PROTOCOL, op + " reply: 'metrics' missing or not an object");
        Map<String, Double> out = new LinkedHashMap<>();
        m.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (!v.isNumber() && !v.isNull()) {
                throw new ExternalFailure(ExternalFailure.PROTOCOL, op + " reply: metric '" + e.getKey() + "' is " + v + "; expected a number or null");
            }
            if (!e.getKey().matches("[A-Za-z0-9._/-]{1,64}")) {
                throw new ExternalFailure(ExternalFailure.PROTOCOL, op + " reply: metric name '" + e.getKey() + "' must be 1-64 letters, digits or . _ / -");
            }
            out.put(e.getKey(), v.isNull() ? Double.NaN : v.doubleValue());
        });
        return out;
    }

    @Override
    public Map<String, Policy> policies() {
        return policies;
    }

    @Override
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        ObjectNode req = Json.mapper().createObjectNode();
        req.put("dir", dir.toAbsolutePath().toString());
        process.call("save", req, List.of(), timeout);
    }

    @Override
    public void load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException("checkpoint folder " + dir + " is missing");
        ObjectNode req = Json.mapper().createObjectNode();
        req.put("dir", dir.toAbsolutePath().toString());
        process.call("load", req, List.of(), timeout);
    }

    @Override
    public long parameterCount() {
        return parameterCount;
    }

    @Override
    public void close() {
        try {
            process.close();
        } finally {
            deleteQuietly(arraysDir);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            AtomicFiles.deleteTree(dir);
        } catch (IOException e) {
            // a temporary folder; the OS cleans it up
        }
    }

    /** One named policy: an {@code act} call per query, its reply checked before any action reaches the environment. */
    private final class ExternalPolicy implements Policy {
        private final String name;
        private final int chunk;

        ExternalPolicy(String name, int chunk) {
            this.name = name;
            this.chunk = chunk;
        }

        @Override
        public int chunkLength() {
            return chunk;
        }

        @Override
        public float[] act(float[] observations, float[] goals, int batch, Rng rng) {
            long[] noise = new long[batch];
            for (int i = 0; i < batch; i++) noise[i] = rng.nextLong();
            List<Frames.Array> arrays = goalDim > 0
                    ? List.of(Frames.Array.f32("observations", observations, batch, obsDim),
                              Frames.Array.f32("goals", goals, batch, goalDim), Frames.Array.i64("noise_seeds", noise, batch))
                    : List.of(Frames.Array.f32("observations", observations, batch, obsDim), Frames.Array.i64("noise_seeds", noise, batch));
            ObjectNode req = Json.mapper().createObjectNode();
            req.put("policy", name);
            Frames.Frame r = process.call("act", req, arrays, timeout);
            Frames.Array a = r.array("actions");
            if (a == null) throw failNow(ExternalFailure.PROTOCOL, "act reply for policy '" + name + "' has no array 'actions'");
            int[] s = a.shape();
            boolean shapeOk = (s.length == 2 && s[0] == batch && s[1] == chunk * actionDim)
                    || (s.length == 3 && s[0] == batch && s[1] == chunk && s[2] == actionDim);
            if (!shapeOk) {
                throw failNow(ExternalFailure.SHAPE, "policy '" + name + "' returned actions of shape " + java.util.Arrays.toString(s)
                        + " for a batch of " + batch + "; expected [" + batch + ", " + chunk + ", " + actionDim + "] or ["
                        + batch + ", " + (chunk * actionDim) + "] (batch, chunk length " + chunk + ", action dim " + actionDim + ")");
            }
            if (!a.dtype().equals("f32") && !a.dtype().equals("f64")) {
                throw failNow(ExternalFailure.PROTOCOL, "policy '" + name + "' returned actions of dtype " + a.dtype() + "; expected f32");
            }
            float[] out = a.floats();
            for (int i = 0; i < out.length; i++) {
                float v = out[i];
                if (!Float.isFinite(v)) {
                    throw failNow(ExternalFailure.NON_FINITE, "policy '" + name + "' returned " + v + " for row " + (i / (chunk * actionDim))
                            + ", chunk step " + (i / actionDim % chunk) + ", action component " + (i % actionDim));
                }
                if (v < -1f || v > 1f) {
                    throw failNow(ExternalFailure.OUT_OF_RANGE, "policy '" + name + "' returned " + v + " for row " + (i / (chunk * actionDim))
                            + ", chunk step " + (i / actionDim % chunk) + ", action component " + (i % actionDim)
                            + "; actions must lie in [-1, 1] (clip them in act)");
                }
            }
            return out;
        }

        private ExternalFailure failNow(String kind, String message) {
            return process.fail(new ExternalFailure(kind, message));
        }
    }
}
