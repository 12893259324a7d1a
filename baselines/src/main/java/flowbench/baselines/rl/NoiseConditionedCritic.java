package flowbench.baselines.rl;

import flowbench.baselines.flow.TimeEmbedding;
import flowbench.baselines.nn.Adam;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Checkpoint;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.harness.rng.Rng;

/**
 * RobustQ's noise-conditioned critic Q_rob(c, a_t, t) (docs/qgf.md section 6.1): an MLP on [c, a_t, emb(t)] regressed with
 * MSE onto a clean-action critic value, where a_t = (1 − t)·ε + t·a_data, ε ~ N(0, I), t ~ U[0, 1) per row.
 *
 * <pre>  L = mean_b (Q_rob(c_b, a_t,b, t_b) − target_b)²,  target = min_i Q̄_i(c, a_data)  </pre>
 * The reference trains it jointly with BC + IQL in its own run; its released sampler and update do not run (docs/qgf.md
 * section 10, item 12), so this follows the description. Its own Adam; the network shape is the critic's.
 */
public final class NoiseConditionedCritic implements TimeActionCritic {
    private final int condDim;
    private final int actionDim;
    private final TimeEmbedding embedding;
    private final int inputDim;
    private final Mlp net;
    private final Adam adam;
    private final Gradients grads;
    private final Mlp.Tape trainTape;
    private final float[] trainInput;
    private final float[] eps;
    private final float[] t;
    private final float[] dOut;
    private Mlp.Tape evalTape;
    private float[] evalInput = new float[0];
    private float[] dY = new float[0];
    private float[] dX = new float[0];

    /**
     * @param hidden hidden layer recipe (inputDim/outputDim are set here)
     */
    public NoiseConditionedCritic(int condDim, int actionDim, TimeEmbedding embedding, MlpConfig hidden,
                                  double learningRate, int maxBatch, Rng rng) {
        this.condDim = condDim;
        this.actionDim = actionDim;
        this.embedding = embedding;
        this.inputDim = condDim + actionDim + embedding.dim();
        this.net = new Mlp(new MlpConfig(inputDim, hidden.hidden(), 1, hidden.activation(), hidden.layerNorm(), false,
                hidden.outputInit()), rng);
        this.adam = new Adam(AdamConfig.of(learningRate), net);
        this.grads = net.newGradients();
        this.trainTape = net.newTape(maxBatch);
        this.trainInput = new float[maxBatch * inputDim];
        this.eps = new float[maxBatch * actionDim];
        this.t = new float[maxBatch];
        this.dOut = new float[maxBatch];
    }

    public Mlp network() {
        return net;
    }

    @Override
    public int condDim() {
        return condDim;
    }

    @Override
    public int actionDim() {
        return actionDim;
    }

    private void assemble(float[] cond, float[] x, float[] tRows, float tAll, int batch, float[] out) {
        for (int b = 0; b < batch; b++) {
            int o = b * inputDim;
            System.arraycopy(cond, b * condDim, out, o, condDim);
            System.arraycopy(x, b * actionDim, out, o + condDim, actionDim);
            embedding.embed(tRows == null ? tAll : tRows[b], out, o + condDim + actionDim);
        }
    }

    /**
     * One Adam step on a batch of clean actions and their targets.
     *
     * @param rng draws t per row, then ε
     * @return the loss before the step
     */
    public double update(float[] cond, float[] actions, float[] targets, int batch, Rng rng) {
        for (int b = 0; b < batch; b++) t[b] = rng.nextFloat();
        for (int i = 0; i < batch * actionDim; i++) eps[i] = (float) rng.nextGaussian();
        // a_t written straight into the input rows
        for (int b = 0; b < batch; b++) {
            int o = b * inputDim;
            System.arraycopy(cond, b * condDim, trainInput, o, condDim);
            float tb = t[b];
            for (int j = 0; j < actionDim; j++) {
                trainInput[o + condDim + j] = (1f - tb) * eps[b * actionDim + j] + tb * actions[b * actionDim + j];
            }
            embedding.embed(tb, trainInput, o + condDim + actionDim);
        }
        float[] out = net.forward(trainTape, trainInput, batch);
        double loss = 0;
        float scale = 2f / batch;
        for (int b = 0; b < batch; b++) {
            float diff = out[b] - targets[b];
            loss += (double) diff * diff;
            dOut[b] = scale * diff;
        }
        grads.zero();
        net.backward(trainTape, dOut, grads, null);
        adam.step(grads);
        return loss / batch;
    }

    @Override
    public void evaluate(float[] cond, float[] actions, float tAll, int batch, float[] values, float[] grad) {
        if (evalTape == null || evalTape.capacity() < batch) evalTape = net.newTape(batch);
        if (evalInput.length < batch * inputDim) evalInput = new float[batch * inputDim];
        assemble(cond, actions, null, tAll, batch, evalInput);
        float[] out = net.forward(evalTape, evalInput, batch);
        if (values != null) System.arraycopy(out, 0, values, 0, batch);
        if (grad == null) return;
        if (dY.length < batch) dY = new float[batch];
        java.util.Arrays.fill(dY, 0, batch, 1f);
        if (dX.length < batch * inputDim) dX = new float[batch * inputDim];
        net.backward(evalTape, dY, null, dX);
        for (int b = 0; b < batch; b++) System.arraycopy(dX, b * inputDim + condDim, grad, b * actionDim, actionDim);
    }

    public Checkpoint addTo(Checkpoint checkpoint, String prefix) {
        return checkpoint.add(prefix + "net", net).add(prefix + "adam", adam);
    }

    public long parameterCount() {
        return net.parameterCount();
    }
}
