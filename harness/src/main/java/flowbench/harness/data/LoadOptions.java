package flowbench.harness.data;

import java.util.Objects;

/**
 * How {@link Datasets#load} turns a raw OGBench file into a {@link Dataset}.
 *
 * @param mode        REGULAR (OGBench default, {@code next_observations} by shifting) or COMPACT ({@code valids})
 * @param clipActions clip actions to [-1 + 1e-5, 1 - 1e-5], as FQL/QAM/QGF do before training (so that
 *                    log-probabilities and atanh stay finite at the box edges)
 * @param keepExtras  keep {@code qpos}, {@code qvel}, {@code button_states} in {@link Dataset#extras()} (OGBench's
 *                    {@code add_info=True}); they are dropped otherwise, after relabelling
 */
public record LoadOptions(DatasetMode mode, boolean clipActions, boolean keepExtras) {
    public LoadOptions {
        Objects.requireNonNull(mode, "mode");
    }

    /** REGULAR, clipping on, extras off. */
    public static LoadOptions defaults() {
        return new LoadOptions(DatasetMode.REGULAR, true, false);
    }

    public LoadOptions withMode(DatasetMode m) { return new LoadOptions(m, clipActions, keepExtras); }

    public LoadOptions withClipActions(boolean c) { return new LoadOptions(mode, c, keepExtras); }

    public LoadOptions withKeepExtras(boolean k) { return new LoadOptions(mode, clipActions, k); }
}
