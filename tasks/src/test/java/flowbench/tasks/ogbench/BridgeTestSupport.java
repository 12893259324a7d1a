package flowbench.tasks.ogbench;

import flowbench.testkit.Requirement;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;


/** Shared helpers of the bridge tests: the installed interpreter, test scripts, a reference-trace runner. */
final class BridgeTestSupport {
    private BridgeTestSupport() {}

    /** The bridge's interpreter; skips the test (with the reason) when the bridge is not installed. */
    static Path bridgePython() {
        return OgbenchBridge.python();
    }

    /** Any Python 3 (the fake bridge needs the standard library only); skips when there is none. */
    static Path anyPython() {
        Optional<Path> py = OgbenchPython.find().filter(Files::isExecutable);
        if (py.isPresent()) return py.get();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "python3");
            if (Files.isExecutable(p)) return p;
        }
        Requirement.PYTHON.assume(false, "python3 on the PATH for the fake-bridge tests");
        return null;
    }

    static Path resource(String name) {
        try {
            return Path.of(BridgeTestSupport.class.getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + name + " not found", e);
        }
    }

    static OgbenchTask task(String name) {
        return (OgbenchTask) new OgbenchTaskProvider().task(OgbenchTask.PREFIX + name).orElseThrow();
    }

    static OgbenchBridgeClient start(OgbenchTask task, int batch) {
        return OgbenchBridgeClient.start(OgbenchBridgeClient.command(bridgePython()), task.expected(), batch,
                OgbenchBridgeClient.Timeouts.defaults(), OgbenchBridgeClient.PROTOCOL_VERSION);
    }

    /** The deterministic test action of episode i, step t, dim d (the same float32 as reference_trace.py computes). */
    static float action(int i, int t, int d, int[] bias) {
        return (float) Math.min(1.0, Math.max(-1.0, (Math.floorMod(7 * t + 3 * d + 5 * i, 21) - 10 + bias[d]) / 10.0));
    }

    /** One line of the reference trace, parsed. */
    record TraceLine(String kind, int episode, int step, float reward, boolean success, boolean terminated,
                     boolean truncated, float[] obs, float[] goal) {}

    /**
     * Starts reference_trace.py (OGBench's own loop) right away and returns its parsed output when asked, so the
     * reference runs while the test drives the bridge.
     */
    static java.util.concurrent.CompletableFuture<List<TraceLine>> referenceTrace(String env, int taskId, int steps,
                                                                                int[] bias, long... seeds) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int x : bias) b.append(b.length() == 0 ? "" : ",").append(x);
        List<String> cmd = new ArrayList<>(List.of(bridgePython().toString(), resource("reference_trace.py").toString(), env,
                String.valueOf(taskId), String.valueOf(steps), b.toString()));
        for (long s : seeds) cmd.add(Long.toUnsignedString(s));
        Path err = Files.createTempFile("reference-trace", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(Duration.ofMinutes(3).toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    throw new IllegalStateException("reference_trace.py failed: " + cmd + "\n" + Files.readString(err));
                }
                Files.deleteIfExists(err);
                return parse(out);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("reference_trace.py: " + e, e);
            }
        });
    }

    private static List<TraceLine> parse(String out) {
        List<TraceLine> lines = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.isBlank()) continue;
            String[] f = line.trim().split(" ");
            if (f[0].equals("reset")) {
                int bar = List.of(f).indexOf("|");
                lines.add(new TraceLine("reset", Integer.parseInt(f[1]), -1, 0, false, false, false,
                        floats(f, 2, bar), floats(f, bar + 1, f.length)));
            } else {
                lines.add(new TraceLine("step", Integer.parseInt(f[1]), Integer.parseInt(f[2]), floats(f, 3, 4)[0],
                        f[4].equals("1"), f[5].equals("1"), f[6].equals("1"), floats(f, 7, f.length), null));
            }
        }
        return lines;
    }

    private static float[] floats(String[] f, int from, int to) {
        float[] out = new float[to - from];
        for (int i = from; i < to; i++) out[i - from] = Float.intBitsToFloat(Integer.parseUnsignedInt(f[i], 16));
        return out;
    }

    static float[] row(float[] a, int i, int dim) {
        float[] out = new float[dim];
        System.arraycopy(a, i * dim, out, 0, dim);
        return out;
    }
}
