package flowbench.baselines.flow;

import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.harness.rng.Rng;

/**
 * A flow-matching velocity field v(c, x, t): an MLP on the concatenated input [c, x, emb(t)], where c is the
 * conditioning (observation, or observation and goal) and x the (flattened) action chunk. Flow time follows the QGF/FQL
 * convention: t = 0 is noise, t = 1 is data; x_t = (1 - t) x0 + t x1 and the target velocity is x1 - x0.
 *
 * <p>Holds its own input-assembly buffers, so one instance serves one thread.
 */
public final class VelocityField {
    private final Mlp net;
    private final int condDim;
    private final int actionDim;
    private final TimeEmbedding embedding;
    private final int inputDim;
    private float[] input = new float[0];

    /**
     * @param hidden network shape and layer recipe; its inputDim and outputDim are set here
     */
    public VelocityField(int condDim, int actionDim, TimeEmbedding embedding, MlpConfig hidden, Rng rng) {
        this.condDim = condDim;
        this.actionDim = actionDim;
        this.embedding = embedding;
        this.inputDim = condDim + actionDim + embedding.dim();
        MlpConfig cfg = new MlpConfig(inputDim, hidden.hidden(), actionDim, hidden.activation(), hidden.layerNorm(),
                hidden.activateFinal(), hidden.outputInit());
        this.net = new Mlp(cfg, rng);
    }

    private VelocityField(VelocityField other) {
        this.net = other.net.copy();
        this.condDim = other.condDim;
        this.actionDim = other.actionDim;
        this.embedding = other.embedding;
        this.inputDim = other.inputDim;
    }

    /** An exact copy with separate parameters (e.g. a frozen base field). */
    public VelocityField copy() {
        return new VelocityField(this);
    }

    public Mlp network() {
        return net;
    }

    public int condDim() {
        return condDim;
    }

    public int actionDim() {
        return actionDim;
    }

    public int inputDim() {
        return inputDim;
    }

    public TimeEmbedding embedding() {
        return embedding;
    }

    /** Column where the action block starts in the network input (for slicing input VJPs). */
    public int actionOffset() {
        return condDim;
    }

    /**
     * v(c, x, t) for a batch, with a per-row time.
     *
     * @return batch x actionDim, owned by the tape (overwritten by its next forward)
     */
    public float[] forward(Mlp.Tape tape, float[] cond, float[] x, float[] t, int batch) {
        assemble(cond, x, t, Float.NaN, batch);
        return net.forward(tape, input, batch);
    }

    /** v(c, x, t) with the same time for every row. */
    public float[] forward(Mlp.Tape tape, float[] cond, float[] x, float t, int batch) {
        assemble(cond, x, null, t, batch);
        return net.forward(tape, input, batch);
    }

    /** Backward through the last forward on {@code tape}; see {@link Mlp#backward}. */
    public void backward(Mlp.Tape tape, float[] dV, Gradients grads, float[] dInput) {
        net.backward(tape, dV, grads, dInput);
    }

    private void assemble(float[] cond, float[] x, float[] tRows, float tAll, int batch) {
        if (input.length < batch * inputDim) input = new float[batch * inputDim];
        int e = embedding.dim();
        for (int b = 0; b < batch; b++) {
            int o = b * inputDim;
            System.arraycopy(cond, b * condDim, input, o, condDim);
            System.arraycopy(x, b * actionDim, input, o + condDim, actionDim);
            embedding.embed(tRows == null ? tAll : tRows[b], input, o + condDim + actionDim);
        }
        assert e >= 1;
    }
}
