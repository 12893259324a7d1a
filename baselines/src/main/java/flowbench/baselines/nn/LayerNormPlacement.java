package flowbench.baselines.nn;

/**
 * Where LayerNorm sits in each activated layer of an {@link Mlp}. The papers differ, so this is a parameter.
 *
 * <p>"Activated layers" are the hidden layers, plus the output layer when {@link MlpConfig#activateFinal()} is set.
 */
public enum LayerNormPlacement {
    /** No LayerNorm: Dense → act. */
    NONE,
    /** Dense → act → LayerNorm on every activated layer (QAM/FQL code, utils/networks.py; critics only). */
    AFTER_ACTIVATION,
    /** Dense → LayerNorm → act on every activated layer (QGF critic and value nets). */
    BEFORE_ACTIVATION,
    /**
     * Dense → LayerNorm → act on every activated layer except the last one, which is Dense → act
     * (QGF actor: "LayerNorm after every hidden Dense except the last", docs/qgf.md §3.1).
     */
    BEFORE_ACTIVATION_EXCEPT_LAST
}
