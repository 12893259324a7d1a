package flowbench.harness.external;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import flowbench.harness.io.Json;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A learner process for the protocol tests that needs only the JDK: it learns the mean dataset action (one sampled row
 * per update, drawn from {@code Seeds.rng(seed, "train", s)} as the protocol advises) and acts with that mean plus a
 * little noise from the query's noise seeds. {@code args[0]} picks a misbehaviour for the failure tests.
 */
public final class ScriptedLearner {
    private static String mode;
    private static float[] actions;
    private static int rows;
    private static int actionDim;
    private static float[] mean;
    private static long seed;
    private static int chunk;
    private static double lr;
    private static int failStep;

    public static void main(String[] args) throws Exception {
        mode = args.length > 0 ? args[0] : "ok";
        failStep = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        var in = new BufferedInputStream(new FileInputStream(FileDescriptor.in));
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out));
        // as the protocol asks: logs to stderr, never stdout
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        while (true) {
            Frames.Frame f = Frames.read(in);
            if (f == null) return;
            String op = f.header().path("op").asText();
            ObjectNode r = Json.mapper().createObjectNode();
            r.put("ok", true);
            List<Frames.Array> arrays = List.of();
            switch (op) {
                case "hello" -> {
                    r.put("protocol", mode.equals("old-protocol") ? 0 : 1);
                    ObjectNode a = r.putObject("agent");
                    a.put("name", mode.equals("name-taken") ? "fake-bc" : mode.equals("bad-name") ? "Mean Learner!" : "scripted-mean");
                    a.put("version", "1.0");
                    a.put("family", "training-time");
                    a.put("paper", "");
                    a.put("description", "learns the mean action");
                    a.put("code_url", "https://example.org/scripted-mean");
                    r.set("defaults", Json.mapper().readTree("{\"lr\": 0.1, \"chunk\": 1, \"label\": \"x\", \"net\": {\"width\": 4}}"));
                    r.putObject("client").put("name", "java-test").put("version", "0");
                    r.putObject("environment").put("language", "java " + System.getProperty("java.version"));
                }
                case "init" -> {
                    JsonNode h = f.header();
                    seed = h.get("seed").asLong();
                    lr = h.path("config").path("lr").asDouble();
                    chunk = h.path("config").path("chunk").asInt();
                    actionDim = h.path("task").path("action_dim").asInt();
                    Map<String, NpyArray> a = Npz.read(Path.of(h.path("datasets").path("train").path("arrays").asText()));
                    actions = (float[]) a.get("actions").data();
                    rows = a.get("actions").shape()[0];
                    mean = new float[actionDim];
                    r.putObject("policies").put("mean", chunk);
                    r.put("parameter_count", actionDim);
                }
                case "train" -> {
                    long s0 = f.header().get("step").asLong();
                    int k = f.header().get("steps").asInt();
                    double loss = 0;
                    for (long s = s0; s < s0 + k; s++) {
                        if (s >= failStep) {
                            switch (mode) {
                                case "crash" -> System.exit(3);
                                case "raise" -> {
                                    ObjectNode e = Json.mapper().createObjectNode();
                                    e.put("ok", false);
                                    e.putObject("error").put("kind", "ValueError").put("message", "loss exploded").put("traceback", "line 1");
                                    Frames.write(out, e, List.of());
                                    System.exit(1);
                                }
                                case "garbage" -> {
                                    out.write("step done\n".getBytes());
                                    out.flush();
                                    Thread.sleep(60_000);
                                }
                                case "hang-train" -> Thread.sleep(600_000);
                                default -> { }
                            }
                        }
                        Rng rng = Seeds.rng(seed, "train", s);
                        int row = rng.nextInt(rows);
                        loss = 0;
                        for (int d = 0; d < actionDim; d++) {
                            float err = actions[row * actionDim + d] - mean[d];
                            loss += err * err;
                            mean[d] += (float) (lr * err);
                        }
                    }
                    r.put("step", mode.equals("wrong-step") ? s0 : s0 + k);
                    r.putObject("metrics").put("loss", loss).putNull("diverged");
                }
                case "validate" -> r.putObject("metrics").put("mean0", mean[0]);
                case "act" -> {
                    Frames.Array obs = f.array("observations");
                    long[] noise = new long[obs.shape()[0]];
                    java.nio.ByteBuffer.wrap(f.array("noise_seeds").data()).order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(noise);
                    int n = noise.length;
                    float[] act = new float[n * chunk * actionDim];
                    for (int i = 0; i < n; i++) {
                        Rng rng = new Rng(noise[i]);
                        for (int j = 0; j < chunk * actionDim; j++) {
                            float v = Math.max(-1f, Math.min(1f, mean[j % actionDim] + 0.01f * (float) rng.nextGaussian()));
                            act[i * chunk * actionDim + j] = v;
                        }
                    }
                    switch (mode) {
                        case "nan" -> act[act.length - 1] = Float.NaN;
                        case "out-of-range" -> act[0] = 1.5f;
                        case "hang-act" -> Thread.sleep(600_000);
                        default -> { }
                    }
                    arrays = mode.equals("wrong-shape")
                            ? List.of(Frames.Array.f32("actions", java.util.Arrays.copyOf(act, act.length - actionDim), n - 1, chunk * actionDim))
                            : List.of(Frames.Array.f32("actions", act, n, chunk, actionDim));
                }
                case "save" -> {
                    Path d = Path.of(f.header().get("dir").asText());
                    ObjectNode st = Json.mapper().createObjectNode();
                    var m = st.putArray("mean");
                    for (float v : mean) m.add(Float.floatToIntBits(v));
                    Files.writeString(d.resolve("state.json"), st.toString());
                }
                case "load" -> {
                    Path d = Path.of(f.header().get("dir").asText());
                    JsonNode st = Json.mapper().readTree(Files.readString(d.resolve("state.json")));
                    for (int i = 0; i < actionDim; i++) mean[i] = Float.intBitsToFloat(st.get("mean").get(i).asInt());
                }
                case "close" -> {
                    Frames.write(out, r, List.of());
                    return;
                }
                default -> throw new IOException("unknown op " + op);
            }
            Frames.write(out, r, arrays);
        }
    }

    /** The command line that starts this learner with the test's class path. */
    static String command(String mode, int failStep) {
        return command(mode, failStep, "");
    }

    /** With a marker argument (ignored by the learner) that lets a test find the process. */
    static String command(String mode, int failStep, String marker) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return quote(java) + " -cp " + quote(System.getProperty("java.class.path")) + " " + ScriptedLearner.class.getName()
                + " " + mode + " " + failStep + (marker.isEmpty() ? "" : " " + quote(marker));
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
