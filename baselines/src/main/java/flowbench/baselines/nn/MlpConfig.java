package flowbench.baselines.nn;

import java.util.Arrays;

/**
 * Shape and layer recipe of a multilayer perceptron: {@code inputDim → hidden[0] → … → hidden[n−1] → outputDim}.
 *
 * @param inputDim      columns of the input
 * @param hidden        widths of the hidden layers (may be empty: a single Dense layer)
 * @param outputDim     columns of the output
 * @param activation    hidden nonlinearity
 * @param layerNorm     where LayerNorm goes (see {@link LayerNormPlacement})
 * @param activateFinal also apply the activation (and LayerNorm, per placement) to the output layer, as flax's MLP
 *                      {@code activate_final}
 * @param outputInit    kernel initialiser of the output layer (hidden kernels are always Glorot uniform)
 */
public record MlpConfig(int inputDim, int[] hidden, int outputDim, Activation activation,
                        LayerNormPlacement layerNorm, boolean activateFinal, WeightInit outputInit) {

    public MlpConfig {
        if (inputDim <= 0) throw new IllegalArgumentException("MlpConfig.inputDim must be > 0, got " + inputDim);
        if (outputDim <= 0) throw new IllegalArgumentException("MlpConfig.outputDim must be > 0, got " + outputDim);
        if (hidden == null) throw new IllegalArgumentException("MlpConfig.hidden must not be null (use new int[0])");
        hidden = hidden.clone();
        for (int i = 0; i < hidden.length; i++) {
            if (hidden[i] <= 0) {
                throw new IllegalArgumentException("MlpConfig.hidden[" + i + "] must be > 0, got " + hidden[i]);
            }
        }
        if (activation == null) throw new IllegalArgumentException("MlpConfig.activation must not be null");
        if (layerNorm == null) throw new IllegalArgumentException("MlpConfig.layerNorm must not be null");
        if (outputInit == null) throw new IllegalArgumentException("MlpConfig.outputInit must not be null");
    }

    /** Glorot-uniform output layer. */
    public MlpConfig(int inputDim, int[] hidden, int outputDim, Activation activation, LayerNormPlacement layerNorm,
                     boolean activateFinal) {
        this(inputDim, hidden, outputDim, activation, layerNorm, activateFinal, WeightInit.GLOROT_UNIFORM);
    }

    /** A plain MLP: no LayerNorm, linear output, Glorot init. */
    public static MlpConfig of(int inputDim, int[] hidden, int outputDim, Activation activation) {
        return new MlpConfig(inputDim, hidden, outputDim, activation, LayerNormPlacement.NONE, false);
    }

    public MlpConfig withLayerNorm(LayerNormPlacement placement) {
        return new MlpConfig(inputDim, hidden, outputDim, activation, placement, activateFinal, outputInit);
    }

    public MlpConfig withActivateFinal(boolean on) {
        return new MlpConfig(inputDim, hidden, outputDim, activation, layerNorm, on, outputInit);
    }

    public MlpConfig withOutputInit(WeightInit init) {
        return new MlpConfig(inputDim, hidden, outputDim, activation, layerNorm, activateFinal, init);
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    /** Number of Dense layers (hidden layers + output layer). */
    public int layerCount() {
        return hidden.length + 1;
    }

    /** Output width of Dense layer {@code l} (0-based). */
    public int width(int l) {
        return l < hidden.length ? hidden[l] : outputDim;
    }

    /** Input width of Dense layer {@code l}. */
    public int fanIn(int l) {
        return l == 0 ? inputDim : hidden[l - 1];
    }

    /** Whether Dense layer {@code l} is followed by the activation. */
    public boolean activated(int l) {
        return l < hidden.length || activateFinal;
    }

    /** Where LayerNorm sits on layer {@code l}: NONE, AFTER_ACTIVATION or BEFORE_ACTIVATION (resolved per layer). */
    public LayerNormPlacement layerNormAt(int l) {
        if (!activated(l)) return LayerNormPlacement.NONE;
        int lastActivated = activateFinal ? hidden.length : hidden.length - 1;
        return switch (layerNorm) {
            case NONE -> LayerNormPlacement.NONE;
            case AFTER_ACTIVATION -> LayerNormPlacement.AFTER_ACTIVATION;
            case BEFORE_ACTIVATION -> LayerNormPlacement.BEFORE_ACTIVATION;
            case BEFORE_ACTIVATION_EXCEPT_LAST ->
                    l == lastActivated ? LayerNormPlacement.NONE : LayerNormPlacement.BEFORE_ACTIVATION;
        };
    }

    /** Largest layer width, input included. */
    int maxWidth() {
        int m = Math.max(inputDim, outputDim);
        for (int h : hidden) m = Math.max(m, h);
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MlpConfig c && inputDim == c.inputDim && Arrays.equals(hidden, c.hidden)
                && outputDim == c.outputDim && activation == c.activation && layerNorm == c.layerNorm
                && activateFinal == c.activateFinal && outputInit == c.outputInit;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[] {inputDim, Arrays.hashCode(hidden), outputDim, activation, layerNorm,
                activateFinal, outputInit});
    }

    @Override
    public String toString() {
        return "MlpConfig[" + inputDim + " -> " + Arrays.toString(hidden) + " -> " + outputDim + ", " + activation
                + ", layerNorm=" + layerNorm + ", activateFinal=" + activateFinal + ", outputInit=" + outputInit + "]";
    }
}
