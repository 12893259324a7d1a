package flowbench.baselines.nn;

/** Hidden-layer nonlinearity of an {@link Mlp}. */
public enum Activation {
    /** max(x, 0); derivative taken as 0 at x = 0 (as jax.nn.relu and torch). */
    RELU,
    /**
     * GELU, tanh approximation (flax {@code nn.gelu} default, torch {@code approximate="tanh"}):
     * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). tanh itself is evaluated with a float rational approximation
     * (see {@code ScalarKernels.tanh}), as XLA's CPU backend does.
     */
    GELU
}
