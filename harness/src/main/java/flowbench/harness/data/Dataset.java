package flowbench.harness.data;

import java.nio.file.Path;
import java.util.Map;

/**
 * A loaded transition dataset in OGBench's derived form. All arrays are row-major with {@link #size()} rows.
 *
 * <p>{@code terminals} marks trajectory ends only (never task success); {@code masks} = 1 - success is where the
 * Bellman target is cut. In compact mode {@code nextObservations[t]} is meaningful only where {@code valids[t]}.
 */
public final class Dataset {
    private final int size;
    private final int obsDim;
    private final int actionDim;
    private final float[] observations;
    private final float[] actions;
    private final float[] nextObservations;
    private final float[] rewards;
    private final float[] masks;
    private final boolean[] terminals;
    private final boolean[] valids;
    private final Map<String, float[]> extras;
    private final Map<String, Integer> extraDims;
    private final DatasetMode mode;
    private final Path source;
    private final String sha256;

    public Dataset(int size, int obsDim, int actionDim, float[] observations, float[] actions, float[] nextObservations,
                   float[] rewards, float[] masks, boolean[] terminals, boolean[] valids,
                   Map<String, float[]> extras, Map<String, Integer> extraDims,
                   DatasetMode mode, Path source, String sha256) {
        check("observations", observations.length, (long) size * obsDim);
        check("actions", actions.length, (long) size * actionDim);
        check("next_observations", nextObservations.length, (long) size * obsDim);
        check("rewards", rewards.length, size);
        check("masks", masks.length, size);
        check("terminals", terminals.length, size);
        check("valids", valids.length, size);
        this.size = size;
        this.obsDim = obsDim;
        this.actionDim = actionDim;
        this.observations = observations;
        this.actions = actions;
        this.nextObservations = nextObservations;
        this.rewards = rewards;
        this.masks = masks;
        this.terminals = terminals;
        this.valids = valids;
        this.extras = Map.copyOf(extras);
        this.extraDims = Map.copyOf(extraDims);
        this.mode = mode;
        this.source = source;
        this.sha256 = sha256;
    }

    private static void check(String key, long actual, long expected) {
        if (actual != expected) {
            throw new IllegalArgumentException("dataset field '" + key + "' has " + actual + " values, expected " + expected);
        }
    }

    public int size() { return size; }
    public int obsDim() { return obsDim; }
    public int actionDim() { return actionDim; }
    public float[] observations() { return observations; }
    public float[] actions() { return actions; }
    public float[] nextObservations() { return nextObservations; }
    public float[] rewards() { return rewards; }
    public float[] masks() { return masks; }
    public boolean[] terminals() { return terminals; }
    public boolean[] valids() { return valids; }
    /** Raw fields kept on request (qpos, qvel, button_states), row-major. */
    public Map<String, float[]> extras() { return extras; }
    public Map<String, Integer> extraDims() { return extraDims; }
    public DatasetMode mode() { return mode; }
    /** File the dataset was read from (null for in-memory datasets). */
    public Path source() { return source; }
    /** SHA-256 (hex) of the source file's bytes (null for in-memory datasets). */
    public String sha256() { return sha256; }
}
