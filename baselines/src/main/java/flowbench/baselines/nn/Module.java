package flowbench.baselines.nn;

/** Anything that owns a {@link Parameters} block: {@link Mlp}, {@link MlpEnsemble}. */
public interface Module {
    Parameters parameters();

    /** A zeroed gradient holder for this module's parameters. */
    default Gradients newGradients() {
        return parameters().newGradients();
    }

    default int parameterCount() {
        return parameters().size();
    }
}
