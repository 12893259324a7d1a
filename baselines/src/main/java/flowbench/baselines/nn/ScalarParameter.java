package flowbench.baselines.nn;

import java.util.List;

/**
 * One trainable scalar as a {@link Module} of its own, so that it joins an {@link Adam} (and its global-norm clip),
 * {@link Checkpoint}s and parameter counts like any network. Used for the log-temperature {@code log α} of SAC-style
 * entropy terms (flax {@code LogParam}: a scalar parameter, the module returns {@code exp(log α)}).
 */
public final class ScalarParameter implements Module {
    private final Parameters params;

    /** @param name tensor name (e.g. "log_alpha"); @param initial starting value */
    public ScalarParameter(String name, float initial) {
        this.params = new Parameters(List.of(new Parameters.Tensor(name, 0, new int[] {1})));
        params.set(0, initial);
    }

    public float value() {
        return params.get(0);
    }

    public void set(float v) {
        params.set(0, v);
    }

    @Override
    public Parameters parameters() {
        return params;
    }

    /** Adds {@code d} = dL/d(value) to this parameter's slot in {@code grads}. */
    public void accumulateGradient(Gradients grads, double d) {
        if (grads.parameters() != params) {
            throw new IllegalArgumentException("gradients do not belong to scalar parameter " + params.tensors().get(0).name());
        }
        grads.addRegion(0, new float[] {(float) d}, 1);
    }
}
