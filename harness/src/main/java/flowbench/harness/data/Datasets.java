package flowbench.harness.data;

import flowbench.harness.env.Relabeler;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads OGBench-schema {@code .npz} files (docs/benchmarks.md section 1.4) into {@link Dataset}s, reproducing
 * {@code ogbench.utils.load_dataset} and, for single-task names, {@code relabel_dataset}.
 *
 * <p>The raw file holds one row per visited state; an episode of {@code steps} actions has {@code steps + 1} rows and
 * {@code terminals = 1} on its last row only. Episodes are found from {@code terminals}, not from a fixed length.
 * <ul>
 *   <li><b>REGULAR</b> drops each episode's last row; {@code next_observations[k]} is the following row;
 *       {@code terminals} is 1 on each episode's last remaining transition; all {@code valids} are true. Result: exactly
 *       episodes x steps transitions.</li>
 *   <li><b>COMPACT</b> keeps every row; {@code valids} is false on each episode's final row; {@code terminals} is 1 on
 *       both of the last two rows; {@code next_observations[t] = observations[t + 1]} where valid. On invalid rows (the
 *       final state, which has no successor) {@code next_observations[t]} is set to {@code observations[t]} so that the
 *       array stays finite; it means nothing and samplers never use it.</li>
 * </ul>
 *
 * <p><b>Relabelling.</b> OGBench relabels after loading, row by row on the loaded arrays: in regular mode
 * {@code qpos}/{@code button_states} are masked with the same row mask as {@code observations}, so the reward and
 * success of transition (s, a, s') are computed on s (the state before the step; this is what OGBench >= 1.2.0
 * calls success timing "pre", and the environment matches it). In compact mode every row, including each episode's
 * final (invalid) row, gets the reward of its own state. This loader does exactly that: the {@link Relabeler} receives
 * the fields of the loaded rows ({@code observations}, {@code actions} and whichever of {@code qpos}, {@code qvel},
 * {@code button_states} the file has, all as float32, row-major) and {@code masks = 1 - success}. Without a relabeller
 * (goal-conditioned datasets) rewards are 0 and masks 1.
 *
 * <p>Accepted input: {@code observations} and {@code actions} 2-D float32 (float64 is narrowed), equal row counts,
 * all values finite; {@code terminals} 1-D bool (0/1 integers are accepted); the last row ends an episode; every
 * episode has at least two rows (one transition). Anything else raises {@link DatasetFormatException}.
 *
 * <p><b>Processed files are refused.</b> A file holding what {@code ogbench.utils.load_dataset} returns (or a relabelled
 * copy), recognised by any of {@link #PROCESSED_KEYS}, has no final row per episode: reading it as raw would silently
 * drop one real transition per episode and shift {@code next_observations}. It raises a
 * {@link DatasetFormatException} naming the file, its keys and the raw files flowbench expects.
 */
public final class Datasets {
    /** OGBench / FQL action clip: actions are clipped to [-(1 - 1e-5), 1 - 1e-5] (as float32, like np.clip on float32). */
    public static final float ACTION_CLIP = (float) (1.0 - 1e-5);
    public static final String OBSERVATIONS = "observations";
    public static final String ACTIONS = "actions";
    public static final String TERMINALS = "terminals";
    /** Info keys of the raw files (kept with {@link LoadOptions#keepExtras()}, passed to relabellers). */
    public static final List<String> INFO_KEYS = List.of("qpos", "qvel", "button_states");
    /**
     * Keys that OGBench's raw files never hold but its processed datasets do ({@code load_dataset}'s regular or compact
     * output, {@code relabel_dataset}'s rewards and masks); any of them marks a file as processed.
     */
    public static final List<String> PROCESSED_KEYS = List.of("next_observations", "rewards", "masks", "valids");

    private Datasets() {}

    /** A training file and its validation split. */
    public record TrainVal(Dataset train, Dataset val) {}

    /**
     * Loads one file. The SHA-256 of its bytes is recorded in {@link Dataset#sha256()}.
     *
     * @param relabelerOrNull single-task reward/success relabelling, or null for goal-conditioned data (rewards 0,
     *                        masks 1)
     */
    public static Dataset load(Path file, LoadOptions options, Relabeler relabelerOrNull) throws IOException {
        refuseProcessed(Npz.keys(file), file);
        String sha = Sha256.ofFile(file);
        Set<String> wanted = new HashSet<>(List.of(OBSERVATIONS, ACTIONS, TERMINALS));
        if (relabelerOrNull != null || options.keepExtras()) wanted.addAll(INFO_KEYS);
        Map<String, NpyArray> raw = Npz.read(file, wanted);
        return build(raw, options, relabelerOrNull, file, sha);
    }

    /**
     * Loads {@code <folder>/<name>.npz} and {@code <folder>/<name>-val.npz} (OGBench's naming; a trailing
     * {@code .npz} on {@code name} is ignored). Both must exist and agree on observation and action sizes.
     */
    public static TrainVal loadTrainVal(Path folder, String name, LoadOptions options, Relabeler relabelerOrNull)
            throws IOException {
        String base = name.endsWith(".npz") ? name.substring(0, name.length() - 4) : name;
        Path trainFile = folder.resolve(base + ".npz");
        Path valFile = folder.resolve(base + "-val.npz");
        for (Path p : List.of(trainFile, valFile)) {
            if (!p.toFile().isFile()) {
                throw new NoSuchFileException(p.toString(), null,
                        "dataset '" + base + "' needs both " + base + ".npz and " + base + "-val.npz in " + folder);
            }
        }
        Dataset train = load(trainFile, options, relabelerOrNull);
        Dataset val = load(valFile, options, relabelerOrNull);
        if (val.obsDim() != train.obsDim()) {
            throw new DatasetFormatException(valFile, OBSERVATIONS, "has " + val.obsDim()
                    + " columns, expected " + train.obsDim() + " like " + trainFile.getFileName());
        }
        if (val.actionDim() != train.actionDim()) {
            throw new DatasetFormatException(valFile, ACTIONS, "has " + val.actionDim()
                    + " columns, expected " + train.actionDim() + " like " + trainFile.getFileName());
        }
        return new TrainVal(train, val);
    }

    /** Builds a dataset from raw arrays in memory (OGBench raw schema), e.g. straight from a generator or a test. */
    public static Dataset fromRaw(Map<String, NpyArray> raw, LoadOptions options, Relabeler relabelerOrNull) {
        return build(raw, options, relabelerOrNull, null, null);
    }

    static Dataset build(Map<String, NpyArray> raw, LoadOptions options, Relabeler relabeler, Path file, String sha) {
        if (raw.isEmpty()) {
            throw new DatasetFormatException(file, null, "archive contains no arrays; expected at least '"
                    + OBSERVATIONS + "', '" + ACTIONS + "' and '" + TERMINALS + "'");
        }
        refuseProcessed(raw.keySet(), file);
        // arrays freshly read from a file are ours to reuse; a caller's in-memory arrays are never modified
        boolean copy = file == null;
        NpyArray obsArr = require(raw, OBSERVATIONS, file);
        float[] obs = floatMatrix(obsArr, OBSERVATIONS, file, "obs_dim", copy);
        int n = obsArr.shape()[0];
        int obsDim = obsArr.shape()[1];
        NpyArray actArr = require(raw, ACTIONS, file);
        float[] act = floatMatrix(actArr, ACTIONS, file, "act_dim", copy);
        int actDim = actArr.shape()[1];
        checkRows(actArr, ACTIONS, n, file);
        boolean[] term = terminals(require(raw, TERMINALS, file), n, file);
        if (n < 2) throw new DatasetFormatException(file, OBSERVATIONS, "has " + n + " rows, expected at least 2 (one transition)");
        if (obsDim < 1) throw new DatasetFormatException(file, OBSERVATIONS, "has 0 columns, expected obs_dim >= 1");
        if (actDim < 1) throw new DatasetFormatException(file, ACTIONS, "has 0 columns, expected act_dim >= 1");
        checkFinite(obs, obsDim, OBSERVATIONS, file);
        checkFinite(act, actDim, ACTIONS, file);
        checkEpisodes(term, file);

        Map<String, float[]> info = new LinkedHashMap<>();
        Map<String, Integer> infoDims = new LinkedHashMap<>();
        for (String k : INFO_KEYS) {
            NpyArray a = raw.get(k);
            if (a == null) continue;
            int[] shape = a.shape();
            if (shape.length != 1 && shape.length != 2) {
                throw new DatasetFormatException(file, k, "expected a 2-D array (N, d), found " + describe(a));
            }
            checkRows(a, k, n, file);
            int d = shape.length == 1 ? 1 : shape[1];
            float[] v = toFloat(a, copy);
            checkFinite(v, Math.max(d, 1), k, file);
            info.put(k, v);
            infoDims.put(k, d);
        }

        int episodes = 0;
        for (boolean t : term) if (t) episodes++;
        DatasetMode mode = options.mode();
        int size;
        float[] o;
        float[] no;
        float[] a;
        boolean[] terminals;
        boolean[] valids;
        Map<String, float[]> extras = new LinkedHashMap<>();
        if (mode == DatasetMode.REGULAR) {
            size = n - episodes;
            o = new float[size * obsDim];
            no = new float[size * obsDim];
            a = new float[size * actDim];
            terminals = new boolean[size];
            valids = new boolean[size];
            Arrays.fill(valids, true);
            for (Map.Entry<String, float[]> e : info.entrySet()) extras.put(e.getKey(), new float[size * infoDims.get(e.getKey())]);
            // copy episode by episode: rows [start, end) are transitions, row end is the episode's final state
            int k = 0;
            int start = 0;
            for (int r = 0; r < n; r++) {
                if (!term[r]) continue;
                int len = r - start;
                System.arraycopy(obs, start * obsDim, o, k * obsDim, len * obsDim);
                System.arraycopy(obs, (start + 1) * obsDim, no, k * obsDim, len * obsDim);
                System.arraycopy(act, start * actDim, a, k * actDim, len * actDim);
                for (Map.Entry<String, float[]> e : info.entrySet()) {
                    int d = infoDims.get(e.getKey());
                    System.arraycopy(e.getValue(), start * d, extras.get(e.getKey()), k * d, len * d);
                }
                k += len;
                terminals[k - 1] = true;
                start = r + 1;
            }
        } else {
            size = n;
            o = obs;
            a = act;
            no = new float[n * obsDim];
            terminals = new boolean[n];
            valids = new boolean[n];
            for (int r = 0; r < n; r++) {
                valids[r] = !term[r];
                terminals[r] = term[r] || r + 1 == n || term[r + 1];
                int src = term[r] ? r : r + 1; // final row: its own observation, a finite placeholder
                System.arraycopy(obs, src * obsDim, no, r * obsDim, obsDim);
            }
            extras.putAll(info);
        }

        float[] rewards = new float[size];
        float[] masks = new float[size];
        if (relabeler == null) {
            Arrays.fill(masks, 1f);
        } else {
            Map<String, float[]> fields = new HashMap<>();
            fields.put(OBSERVATIONS, o);
            fields.put(ACTIONS, a);
            fields.putAll(extras);
            boolean[] success = new boolean[size];
            relabeler.relabel(Collections.unmodifiableMap(fields), size, rewards, success);
            for (int i = 0; i < size; i++) {
                if (!Float.isFinite(rewards[i])) {
                    throw new IllegalStateException("relabeller " + relabeler.getClass().getName() + " produced reward "
                            + rewards[i] + " at row " + i + " of " + DatasetFormatException.describe(file));
                }
                masks[i] = success[i] ? 0f : 1f;
            }
        }
        if (options.clipActions()) {
            for (int i = 0; i < a.length; i++) {
                float v = a[i];
                if (v > ACTION_CLIP) a[i] = ACTION_CLIP;
                else if (v < -ACTION_CLIP) a[i] = -ACTION_CLIP;
            }
        }
        Map<String, float[]> keptExtras = options.keepExtras() ? extras : Map.of();
        Map<String, Integer> keptDims = options.keepExtras() ? infoDims : Map.of();
        return new Dataset(size, obsDim, actDim, o, a, no, rewards, masks, terminals, valids, keptExtras, keptDims,
                mode, file, sha);
    }

    /** Raises the "processed, not raw" error when {@code keys} hold any of {@link #PROCESSED_KEYS}. */
    static void refuseProcessed(java.util.Collection<String> keys, Path file) {
        List<String> found = PROCESSED_KEYS.stream().filter(keys::contains).toList();
        if (found.isEmpty()) return;
        throw new DatasetFormatException(file, null, "this is a processed dataset (what ogbench.utils.load_dataset "
                + "returns, saved to a file), not one of OGBench's raw files: it has keys " + keys + ", and "
                + String.join(", ", found) + (found.size() == 1 ? " is" : " are") + " never in a raw file. "
                + "flowbench expects OGBench's raw download files (e.g. ~/.ogbench/data/<dataset>.npz and "
                + "<dataset>-val.npz: keys observations, actions, terminals, + qpos, qvel, button_states; one row per "
                + "visited state, terminals = 1 on each episode's final row) and derives next_observations, rewards and "
                + "masks itself; read as raw, this file would lose one transition per episode. Use the raw file");
    }

    private static NpyArray require(Map<String, NpyArray> raw, String key, Path file) {
        NpyArray a = raw.get(key);
        if (a == null) {
            throw new DatasetFormatException(file, key, "missing; the archive has " + raw.keySet()
                    + ", expected OGBench keys observations, actions, terminals (+ qpos, qvel, button_states)");
        }
        return a;
    }

    private static String describe(NpyArray a) {
        return a.dtype() + " shape " + NpyFormat.shapeRepr(a.shape());
    }

    private static float[] floatMatrix(NpyArray a, String key, Path file, String dimName, boolean copy) {
        if (!(a.dtype().equals("<f4") || a.dtype().equals("<f8")) || a.shape().length != 2) {
            throw new DatasetFormatException(file, key, "expected a 2-D float32 array (N, " + dimName + "), found " + describe(a));
        }
        return toFloat(a, copy);
    }

    private static void checkRows(NpyArray a, String key, int n, Path file) {
        int rows = a.shape().length == 0 ? 1 : a.shape()[0];
        if (a.shape().length == 0 || rows != n) {
            throw new DatasetFormatException(file, key, "has " + rows + " rows (" + describe(a) + "), expected " + n
                    + " like '" + OBSERVATIONS + "'");
        }
    }

    private static boolean[] terminals(NpyArray a, int n, Path file) {
        if (a.shape().length != 1) {
            throw new DatasetFormatException(file, TERMINALS, "expected a 1-D bool array (N,), found " + describe(a));
        }
        checkRows(a, TERMINALS, n, file);
        if (a.dtype().equals("|b1")) return ((boolean[]) a.data()).clone();
        // OGBench casts terminals with astype(float32); accept numeric 0/1 but nothing else
        float[] v = toFloat(a, false);
        boolean[] t = new boolean[n];
        for (int i = 0; i < n; i++) {
            if (v[i] == 1f) t[i] = true;
            else if (v[i] != 0f) {
                throw new DatasetFormatException(file, TERMINALS, "value " + v[i] + " at row " + i + ", expected 0 or 1");
            }
        }
        return t;
    }

    private static void checkEpisodes(boolean[] term, Path file) {
        int n = term.length;
        if (!term[n - 1]) {
            throw new DatasetFormatException(file, TERMINALS, "the last row (" + (n - 1) + ") does not end an episode; "
                    + "expected terminals[N-1] = 1 (is the file truncated?)");
        }
        int start = 0;
        for (int r = 0; r < n; r++) {
            if (!term[r]) continue;
            if (r == start) {
                throw new DatasetFormatException(file, TERMINALS, "episode at row " + r + " has a single row (no "
                        + "transition); expected every episode to have at least 2 rows (steps + 1)");
            }
            start = r + 1;
        }
    }

    private static void checkFinite(float[] v, int dim, String key, Path file) {
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new DatasetFormatException(file, key, "non-finite value " + v[i] + " at row " + (i / dim)
                        + ", column " + (i % dim) + "; expected finite numbers");
            }
        }
    }

    /** Converts any supported dtype to float32 (float64 is narrowed like numpy's astype(float32)). */
    static float[] toFloat(NpyArray a, boolean copyFloat32) {
        Object d = a.data();
        return switch (a.dtype()) {
            case "<f4" -> copyFloat32 ? ((float[]) d).clone() : (float[]) d;
            case "<f8" -> {
                double[] x = (double[]) d;
                float[] f = new float[x.length];
                for (int i = 0; i < x.length; i++) f[i] = (float) x[i];
                yield f;
            }
            case "<i4" -> {
                int[] x = (int[]) d;
                float[] f = new float[x.length];
                for (int i = 0; i < x.length; i++) f[i] = x[i];
                yield f;
            }
            case "<i8" -> {
                long[] x = (long[]) d;
                float[] f = new float[x.length];
                for (int i = 0; i < x.length; i++) f[i] = x[i];
                yield f;
            }
            case "|b1" -> {
                boolean[] x = (boolean[]) d;
                float[] f = new float[x.length];
                for (int i = 0; i < x.length; i++) f[i] = x[i] ? 1f : 0f;
                yield f;
            }
            case "|u1" -> {
                byte[] x = (byte[]) d;
                float[] f = new float[x.length];
                for (int i = 0; i < x.length; i++) f[i] = x[i] & 0xFF;
                yield f;
            }
            default -> throw new IllegalStateException(a.dtype());
        };
    }
}
