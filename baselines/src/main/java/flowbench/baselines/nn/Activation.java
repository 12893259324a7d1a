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
    GELU,
    /**
     * Mish (Misra 2019), x·tanh(softplus(x)), the activation of DCGQL's DDPM noise network (QSM, DAC; docs/qam.md §2.9).
     * Evaluated through e = exp(x) without log or tanh: tanh(log(1 + e)) = ((1 + e)² − 1)/((1 + e)² + 1) =
     * n/(n + 2) with n = e·(e + 2); exp is a float Cephes-style approximation (see {@code ScalarKernels.exp}) so
     * that scalar and vector kernels agree bit for bit. Derivative: tanh(sp) + x·sech²(sp)·sigmoid(x), with
     * sech²(sp) = 4q(1 − q), q = 1/(n + 2) (no cancellation for large x) and sigmoid(x) = e/(1 + e).
     */
    MISH
}
