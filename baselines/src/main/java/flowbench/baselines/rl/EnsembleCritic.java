package flowbench.baselines.rl;

import flowbench.baselines.nn.MlpEnsemble;

/**
 * An {@link ActionCritic} view of a Q ensemble on inputs [c, a]: the members' scalar outputs aggregated per row by
 * their minimum (QGF's guidance and IQL's value target, docs/qgf.md sections 3.2 and 4.1) or their mean (QAM/FQL actor
 * losses).
 *
 * <p>Gradient of the minimum: routed to the arg-min member of each row. On an exact tie it is split equally between
 * the tied members, as JAX differentiates {@code jnp.min} (its reduce-min JVP divides by the count of locations equal
 * to the minimum); ties have probability zero for continuous inputs, so this only matters for bit-level agreement.
 *
 * <p>Holds its own tape and buffers, grown on demand: one instance serves one thread. It reads the ensemble's current
 * parameters on every call, so a view of a target network follows its Polyak updates.
 */
public final class EnsembleCritic implements ActionCritic {
    /** How member outputs are combined per row. */
    public enum Aggregation { MIN, MEAN }

    private final MlpEnsemble net;
    private final int condDim;
    private final int actionDim;
    private final Aggregation aggregation;
    private MlpEnsemble.Tape tape;
    private float[] input = new float[0];
    private float[] dY = new float[0];
    private float[] dX = new float[0];

    /**
     * @param net     members with input [c, a] (condDim + actionDim columns) and one output
     * @param condDim columns of c; the rest of the input is the action
     */
    public EnsembleCritic(MlpEnsemble net, int condDim, Aggregation aggregation) {
        if (net.config().outputDim() != 1) {
            throw new IllegalArgumentException("a critic ensemble must have outputDim 1, got " + net.config().outputDim());
        }
        if (condDim < 0 || condDim >= net.config().inputDim()) {
            throw new IllegalArgumentException("condDim " + condDim + " must be in [0, inputDim " + net.config().inputDim()
                    + ") so that the action has at least one column");
        }
        this.net = net;
        this.condDim = condDim;
        this.actionDim = net.config().inputDim() - condDim;
        this.aggregation = aggregation;
    }

    public MlpEnsemble network() {
        return net;
    }

    public Aggregation aggregation() {
        return aggregation;
    }

    @Override
    public int condDim() {
        return condDim;
    }

    @Override
    public int actionDim() {
        return actionDim;
    }

    /** Row-wise [c, a] into {@code out} (batch x (condDim + actionDim)). */
    public static void assemble(float[] cond, int condDim, float[] actions, int actionDim, int batch, float[] out) {
        int w = condDim + actionDim;
        for (int b = 0; b < batch; b++) {
            System.arraycopy(cond, b * condDim, out, b * w, condDim);
            System.arraycopy(actions, b * actionDim, out, b * w + condDim, actionDim);
        }
    }

    @Override
    public void evaluate(float[] cond, float[] actions, int batch, float[] values, float[] grad) {
        int k = net.members();
        int w = condDim + actionDim;
        if (tape == null || tape.capacity() < batch) tape = net.newTape(batch);
        if (input.length < batch * w) input = new float[batch * w];
        assemble(cond, condDim, actions, actionDim, batch, input);
        float[] q = net.forward(tape, input, batch);
        if (grad != null && dY.length < k * batch) dY = new float[k * batch];
        for (int b = 0; b < batch; b++) {
            float agg;
            if (aggregation == Aggregation.MIN) {
                agg = q[b];
                for (int m = 1; m < k; m++) agg = Math.min(agg, q[m * batch + b]);
                if (grad != null) {
                    int ties = 0;
                    for (int m = 0; m < k; m++) if (q[m * batch + b] == agg) ties++;
                    float share = 1f / ties;
                    for (int m = 0; m < k; m++) dY[m * batch + b] = q[m * batch + b] == agg ? share : 0f;
                }
            } else {
                float sum = 0f;
                for (int m = 0; m < k; m++) sum += q[m * batch + b];
                agg = sum / k;
                if (grad != null) for (int m = 0; m < k; m++) dY[m * batch + b] = 1f / k;
            }
            if (values != null) values[b] = agg;
        }
        if (grad == null) return;
        if (dX.length < batch * w) dX = new float[batch * w];
        net.backward(tape, dY, null, dX);
        for (int b = 0; b < batch; b++) System.arraycopy(dX, b * w + condDim, grad, b * actionDim, actionDim);
    }
}
