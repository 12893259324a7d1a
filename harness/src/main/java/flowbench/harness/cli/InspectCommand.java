package flowbench.harness.cli;

import flowbench.harness.data.Dataset;
import flowbench.harness.data.DatasetFormatException;
import flowbench.harness.data.Datasets;
import flowbench.harness.data.LoadOptions;
import flowbench.harness.data.NpyArray;
import flowbench.harness.data.NpyHeader;
import flowbench.harness.data.Npz;
import flowbench.harness.data.Sha256;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.DatasetProvenance;
import com.fasterxml.jackson.databind.JsonNode;
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
                + "action range, NaN/infinity check of every float array, SHA-256, and the provenance sidecar <dataset>.json "
                + "when the dataset came from an outside generator (OGBench's oracles). Ends with the verdict of the loader "
                + "that 'run' uses (regular mode, without a task's reward relabelling): 'accepted by the loader: yes' or "
                + "'not accepted: <the loader's error>'.",
                "Exit status 1 when the loader would not accept the file (e.g. a missing key, a wrong shape, NaN or "
                + "infinity, a processed rather than raw OGBench file).", ""})
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
        boolean bad;
        try {
            bad = describeArrays(o);
        } catch (DatasetFormatException e) {
            // the archive itself cannot be read (not a zip, unsupported dtype, truncated or corrupt entry)
            o.println("not accepted: " + e.getMessage());
            o.flush();
            return 1;
        }
        describeProvenance(o);
        // the loader's own validation, exactly as 'run' loads a dataset (the arrays above are no longer referenced)
        boolean accepted;
        try {
            Dataset d = Datasets.load(file, LoadOptions.defaults(), null);
            o.printf(Locale.ROOT, "loader   regular mode: %d transitions, obs_dim %d, act_dim %d%n", d.size(), d.obsDim(),
                    d.actionDim());
            o.println("accepted by the loader: yes");
            accepted = true;
        } catch (DatasetFormatException e) {
            o.println("not accepted: " + e.getMessage());
            accepted = false;
        }
        o.flush();
        return bad || !accepted ? 1 : 0;
    }

    /** Keys, dtypes, shapes, episodes, action range and the finiteness check; true when a float array is not finite. */
    private boolean describeArrays(PrintWriter o) throws java.io.IOException {
        Map<String, NpyHeader> headers = Npz.readHeaders(file);
        o.println("arrays");
        for (Map.Entry<String, NpyHeader> e : headers.entrySet()) {
            String storage = e.getValue().storage();
            o.printf(Locale.ROOT, "  %-20s %s%s%n", e.getKey(), e.getValue().describe(),
                    storage.isEmpty() ? "" : " (stored " + storage + ")");
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
        return bad;
    }

    /**
     * The provenance sidecar {@code <stem>.json} next to {@code <stem>.npz} / {@code <stem>-val.npz}, when there is one
     * (datasets generated by an outside program, e.g. OGBench's oracles): what generated the file and whether the
     * sidecar's SHA-256 for this file matches the bytes on disk.
     */
    private void describeProvenance(PrintWriter o) throws java.io.IOException {
        String name = file.getFileName().toString();
        if (!name.endsWith(".npz")) return;
        String stem = name.substring(0, name.length() - 4);
        boolean validation = stem.endsWith("-val");
        Path sidecar = file.resolveSibling((validation ? stem.substring(0, stem.length() - 4) : stem) + ".json");
        if (!Files.isRegularFile(sidecar)) {
            o.println("provenance none (no sidecar " + sidecar.getFileName() + ")");
            return;
        }
        DatasetProvenance p;
        try {
            p = DatasetProvenance.read(sidecar);
        } catch (java.io.IOException | RuntimeException e) {
            o.println("provenance " + sidecar + " cannot be read: " + e.getMessage());
            return;
        }
        DatasetProvenance.FileEntry entry = p.file(validation ? "validation" : "train");
        boolean match = entry.sha256().equalsIgnoreCase(Sha256.ofFile(file)) && entry.file().equals(name);
        o.println("provenance " + sidecar);
        o.printf(Locale.ROOT, "  dataset %s: %d episodes x %d steps, seed %d, generated %s in %.1fs%n", p.dataset(),
                p.episodes(), p.steps(), p.seed(), p.generatedAt(), p.generationSeconds());
        JsonNode g = p.generator();
        StringBuilder versions = new StringBuilder();
        for (String k : new String[] {"generator", "env", "ogbench", "mujoco", "gymnasium", "numpy", "bridge", "python"}) {
            if (g.hasNonNull(k)) versions.append(versions.length() == 0 ? "" : ", ").append(k).append(' ').append(g.get(k).asText());
        }
        if (versions.length() > 0) o.println("  " + versions);
        if (g.has("oracle")) o.println("  oracle " + Json.canonical(g.get("oracle")));
        o.println("  harness " + p.harnessVersion() + ", git " + p.gitRevision());
        o.println("  sha256 " + (match ? "matches this file" : "does NOT match this file (sidecar says " + entry.file()
                + " " + entry.sha256() + "): the file was replaced after generation"));
    }
}
