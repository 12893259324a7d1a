package flowbench.harness.cli;

import flowbench.harness.data.NpyArray;
import flowbench.harness.data.NpyHeader;
import flowbench.harness.data.Npz;
import flowbench.harness.data.Sha256;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "inspect", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Describes an .npz file: keys, dtypes and shapes, episodes and steps per episode (from 'terminals'), "
                + "action range, NaN/infinity check of every float array, SHA-256.",
                "Exit status 1 when a float array holds NaN or infinity.", ""})
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The .npz file.")
    Path file;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no such file: " + file);
        PrintWriter o = spec.commandLine().getOut();
        o.println("file     " + file.toAbsolutePath());
        o.println("bytes    " + Files.size(file));
        o.println("sha256   " + Sha256.ofFile(file));
        Map<String, NpyHeader> headers = Npz.readHeaders(file);
        o.println("arrays");
        for (Map.Entry<String, NpyHeader> e : headers.entrySet()) {
            o.printf(Locale.ROOT, "  %-20s %s%n", e.getKey(), e.getValue().describe());
        }
        Map<String, NpyArray> arrays = Npz.read(file);
        NpyArray terminals = arrays.get("terminals");
        if (terminals != null && terminals.data() instanceof boolean[] t) {
            TreeMap<Long, Integer> lengths = new TreeMap<>();
            long start = 0;
            int episodes = 0;
            for (int i = 0; i < t.length; i++) {
                if (t[i]) {
                    lengths.merge(i - start + 1, 1, Integer::sum);
                    episodes++;
                    start = i + 1;
                }
            }
            o.println("episodes " + episodes + (start < t.length ? " (+ " + (t.length - start) + " trailing rows without a terminal)" : ""));
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<Long, Integer> e : lengths.entrySet()) {
                if (sb.length() > 0) sb.append(", ");
                sb.append(e.getKey() - 1).append(" steps x ").append(e.getValue());
            }
            o.println("per episode " + (sb.length() == 0 ? "-" : sb + " (rows per episode = steps + 1)"));
        } else {
            o.println("episodes unknown (no boolean 'terminals' array)");
        }
        NpyArray actions = arrays.get("actions");
        if (actions != null && actions.data() instanceof float[] a && actions.shape().length == 2) {
            int dim = actions.shape()[1];
            float[] lo = new float[dim];
            float[] hi = new float[dim];
            Arrays.fill(lo, Float.POSITIVE_INFINITY);
            Arrays.fill(hi, Float.NEGATIVE_INFINITY);
            for (int i = 0; i < a.length; i++) {
                int d = i % dim;
                if (a[i] < lo[d]) lo[d] = a[i];
                if (a[i] > hi[d]) hi[d] = a[i];
            }
            o.println("actions  min " + Arrays.toString(lo) + "  max " + Arrays.toString(hi));
        }
        boolean bad = false;
        for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
            long nan = 0, inf = 0;
            Object d = e.getValue().data();
            if (d instanceof float[] f) {
                for (float v : f) {
                    if (Float.isNaN(v)) nan++;
                    else if (Float.isInfinite(v)) inf++;
                }
            } else if (d instanceof double[] f) {
                for (double v : f) {
                    if (Double.isNaN(v)) nan++;
                    else if (Double.isInfinite(v)) inf++;
                }
            } else {
                continue;
            }
            if (nan + inf > 0) {
                bad = true;
                o.printf(Locale.ROOT, "  %-20s %d NaN, %d infinite values%n", e.getKey(), nan, inf);
            }
        }
        o.println("finite   " + (bad ? "NO" : "yes (no NaN or infinity in any float array)"));
        o.flush();
        return bad ? 1 : 0;
    }
}
