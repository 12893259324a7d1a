package flowbench.baselines.nn;

/** Kernel initialisers (biases always start at zero, LayerNorm scale at one and bias at zero). */
public enum WeightInit {
    /** Xavier/Glorot uniform: U(−l, l) with l = √(6 / (fan_in + fan_out)) (flax variance_scaling(1, fan_avg, uniform)). */
    GLOROT_UNIFORM,
    /**
     * LeCun normal as flax's default Dense init: a normal truncated to ±2σ, with σ = √(1/fan_in) / 0.87962566103423978
     * so that the truncated distribution keeps variance 1/fan_in (QGF's policy head, docs/qgf.md §3.3).
     */
    LECUN_NORMAL
}
