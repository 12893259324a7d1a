package flowbench.baselines.rl;

import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.MlpEnsemble;
import flowbench.harness.rng.Rng;

import java.util.Arrays;

/**
 * The common TD critic of QAM, FQL, FBRAC, BAM, DSRL, FEdit, FAWAC, CGQL, ReBRAC, RLPD (docs/qam.md section 0.2): K
 * independently initialised MLPs Q_k(c, a) on the concatenated input [c, a] (c = observation, or observation ‖ goal;
 * a = flattened action chunk), LayerNorm after the activation (QAM/FQL {@code utils/networks.py}), and a target copy
 * that starts as an exact copy and follows θ̄ ← τ·θ + (1 − τ)·θ̄ after every step.
 *
 * <ul>
 *   <li>Aggregate: Qagg = mean_k Q̄_k − ρ·std_k Q̄_k with the population std (ddof = 0); no min over members.</li>
 *   <li>Target: y = R + γ^H · m · Qagg(s'_H, a'), a' chosen by the agent (usually its own clipped sample).</li>
 *   <li>Loss: L = mean_{k,b} [(Q_k(c_b, a_b) − y_b)² · v_b]; y constant; every member regresses the same y; the mean
 *       runs over K × B, so zero-weighted rows still count in the denominator.</li>
 * </ul>
 *
 * <p>Actors read Q through {@link #current()} / {@link #target()} ({@link EnsembleCritic} views with MEAN
 * aggregation: ensemble mean and its action gradient), or through {@link #forward} + {@link #actionVjp} for other aggregates (e.g. ReBRAC's mean − ρ·std).
 * The instance owns its input-assembly buffers and tapes: one thread, sequential calls.
 */
public final class TdCritic {

    /**
     * @param hidden        hidden widths of each member
     * @param activation    hidden activation (GELU, tanh approximation, in the reference)
     * @param layerNorm     LayerNorm placement (AFTER_ACTIVATION in the reference)
     * @param ensembleSize  K ({@code num_qs})
     * @param rho           pessimism ρ of the target aggregate
     * @param tau           Polyak rate of the target
     */
    public record Config(int[] hidden, Activation activation, LayerNormPlacement layerNorm, int ensembleSize, double rho,
                         double tau) {
        public Config {
            if (hidden == null || hidden.length == 0) throw new IllegalArgumentException("critic hidden must list at least one width");
            hidden = hidden.clone();
            if (activation == null || layerNorm == null) throw new IllegalArgumentException("critic activation and layerNorm must be set");
            if (ensembleSize < 1) throw new IllegalArgumentException("critic ensembleSize (num_qs) must be >= 1, got " + ensembleSize);
            if (!(rho >= 0) || !Double.isFinite(rho)) throw new IllegalArgumentException("critic rho must be >= 0, got " + rho);
            if (!(tau >= 0 && tau <= 1)) throw new IllegalArgumentException("critic tau must be in [0, 1], got " + tau);
        }

        @Override
        public int[] hidden() {
            return hidden.clone();
        }

        /** QAM/FQL reference (docs/qam.md sections 0.2, 4): 4×512 GELU, LayerNorm after activation, K = 10, ρ = 0.5, τ = 0.005. */
        public static Config reference() {
            return new Config(new int[] {512, 512, 512, 512}, Activation.GELU, LayerNormPlacement.AFTER_ACTIVATION, 10, 0.5,
                    0.005);
        }

        /** The reference architecture (LayerNorm after the activation) with an agent's sizes and ensemble settings. */
        public static Config reference(int[] hidden, Activation activation, int ensembleSize, double rho, double tau) {
            return new Config(hidden, activation, LayerNormPlacement.AFTER_ACTIVATION, ensembleSize, rho, tau);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && Arrays.equals(hidden, c.hidden) && activation == c.activation
                    && layerNorm == c.layerNorm && ensembleSize == c.ensembleSize && rho == c.rho && tau == c.tau;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(hidden) * 31 + Arrays.hashCode(new Object[] {activation, layerNorm, ensembleSize, rho, tau});
        }

        @Override
        public String toString() {
            return "TdCritic.Config[hidden=" + Arrays.toString(hidden) + ", activation=" + activation + ", layerNorm="
                    + layerNorm + ", ensembleSize=" + ensembleSize + ", rho=" + rho + ", tau=" + tau + "]";
        }
    }

    private final Config config;
    private final int condDim;
    private final int actionDim;
    private final int inputDim;
    private final int maxBatch;
    private final MlpEnsemble online;
    private final MlpEnsemble target;
    private final MlpEnsemble.Tape onlineTape;
    private final MlpEnsemble.Tape targetTape;
    private final float[] input;
    private final float[] dQ;
    private final float[] dInput;
    private int onlineBatch = -1;
    private int targetBatch = -1;
    private float[] lastOnlineQ = new float[0];
    private final EnsembleCritic currentView;
    private final EnsembleCritic targetView;

    /**
     * @param maxBatch largest batch any call will pass
     * @param rng      initialisation generator (member k from {@code rng.split()} in order)
     */
    public TdCritic(int condDim, int actionDim, Config config, int maxBatch, Rng rng) {
        if (condDim < 1 || actionDim < 1) {
            throw new IllegalArgumentException("critic condDim and actionDim must be >= 1, got " + condDim + ", " + actionDim);
        }
        if (maxBatch < 1) throw new IllegalArgumentException("critic maxBatch must be >= 1, got " + maxBatch);
        this.config = config;
        this.condDim = condDim;
        this.actionDim = actionDim;
        this.inputDim = condDim + actionDim;
        this.maxBatch = maxBatch;
        MlpConfig net = new MlpConfig(inputDim, config.hidden(), 1, config.activation(), config.layerNorm(), false);
        this.online = new MlpEnsemble(net, config.ensembleSize(), rng);
        this.target = online.copy();
        this.onlineTape = online.newTape(maxBatch);
        this.targetTape = target.newTape(maxBatch);
        this.input = new float[maxBatch * inputDim];
        this.dQ = new float[config.ensembleSize() * maxBatch];
        this.dInput = new float[maxBatch * inputDim];
        this.currentView = new EnsembleCritic(online, condDim, EnsembleCritic.Aggregation.MEAN);
        this.targetView = new EnsembleCritic(target, condDim, EnsembleCritic.Aggregation.MEAN);
    }

    public Config config() {
        return config;
    }

    public int condDim() {
        return condDim;
    }

    public int actionDim() {
        return actionDim;
    }

    public int members() {
        return config.ensembleSize();
    }

    /** The trained ensemble (give it to the optimiser). */
    public MlpEnsemble network() {
        return online;
    }

    /** The Polyak target ensemble (never trained directly). */
    public MlpEnsemble targetNetwork() {
        return target;
    }

    /** θ̄ ← τ·θ + (1 − τ)·θ̄ with the configured τ. */
    public void polyakUpdate() {
        target.parameters().polyakUpdate(online.parameters(), config.tau());
    }

    /**
     * Q_k(c, a) of every member, K × batch (member-major), in the network's tape buffer: valid until the next forward
     * on the same network. A later {@link #actionVjp} backpropagates through this call.
     *
     * @param useTarget the target ensemble rather than the trained one
     */
    public float[] forward(boolean useTarget, float[] cond, float[] actions, int batch) {
        checkBatch(batch);
        assemble(cond, actions, batch);
        if (useTarget) {
            targetBatch = batch;
            return target.forward(targetTape, input, batch);
        }
        onlineBatch = batch;
        return online.forward(onlineTape, input, batch);
    }

    /**
     * Action VJP through the last {@link #forward} on the chosen network: gradOut[b, :] = Σ_k dQ[k, b] · ∂Q_k(c_b, a_b)/∂a.
     * No parameter gradients.
     *
     * @param dQk K × batch cotangents
     */
    public void actionVjp(boolean useTarget, float[] dQk, float[] gradOut) {
        int batch = useTarget ? targetBatch : onlineBatch;
        if (batch < 0) throw new IllegalStateException("actionVjp called before forward on the " + (useTarget ? "target" : "online") + " critic");
        if (useTarget) target.backward(targetTape, dQk, null, dInput);
        else online.backward(onlineTape, dQk, null, dInput);
        for (int b = 0; b < batch; b++) System.arraycopy(dInput, b * inputDim + condDim, gradOut, b * actionDim, actionDim);
    }

    /** Qagg = mean_k Q_k − ρ·std_k Q_k per row (population std), from a K × batch array. */
    public float[] aggregate(float[] qkb, int batch, float[] out) {
        int k = config.ensembleSize();
        for (int b = 0; b < batch; b++) {
            double mean = 0;
            for (int m = 0; m < k; m++) mean += qkb[m * batch + b];
            mean /= k;
            double var = 0;
            for (int m = 0; m < k; m++) {
                double d = qkb[m * batch + b] - mean;
                var += d * d;
            }
            var /= k;
            out[b] = (float) (mean - config.rho() * Math.sqrt(var));
        }
        return out;
    }

    /**
     * TD targets y = R + γ^H · m · Qagg_target(c', a').
     *
     * @param discountH γ^H (γ to the chunk length)
     * @param nextCond  c' = s'_H (or s'_H ‖ goal), batch × condDim
     * @param nextActions a' (the agent's clipped sample at c'), batch × actionDim
     */
    public float[] targets(float[] rewards, float[] masks, double discountH, float[] nextCond, float[] nextActions, int batch,
                           float[] out) {
        float[] q = forward(true, nextCond, nextActions, batch);
        aggregate(q, batch, out);
        for (int b = 0; b < batch; b++) out[b] = (float) (rewards[b] + discountH * masks[b] * out[b]);
        return out;
    }

    /**
     * L = mean_{k,b} [(Q_k(c_b, a_b) − y_b)² · w_b]; accumulates dL/dθ into {@code grads} when non-null.
     *
     * @param weights per-row weight v_b (chunk validity), or null for ones
     * @return the loss
     */
    public double loss(float[] cond, float[] actions, float[] y, float[] weights, int batch, Gradients grads) {
        float[] q = forward(false, cond, actions, batch);
        int k = config.ensembleSize();
        if (lastOnlineQ.length < k * batch) lastOnlineQ = new float[k * batch];
        System.arraycopy(q, 0, lastOnlineQ, 0, k * batch);
        double sum = 0;
        float scale = 2f / ((float) k * batch);
        for (int m = 0; m < k; m++) {
            for (int b = 0; b < batch; b++) {
                float w = weights == null ? 1f : weights[b];
                float d = q[m * batch + b] - y[b];
                sum += (double) d * d * w;
                dQ[m * batch + b] = scale * d * w;
            }
        }
        if (grads != null) online.backward(onlineTape, dQ, grads, null);
        return sum / ((double) k * batch);
    }

    /** Q values (K × batch) of the last {@link #loss} call, for logging (a copy of the internal buffer's prefix). */
    public float[] lastLossQ(int batch) {
        return Arrays.copyOf(lastOnlineQ, config.ensembleSize() * batch);
    }

    /**
     * The trained critic as an {@link ActionCritic}: ensemble-mean Q and its action gradient (its own tape, so it does
     * not disturb {@link #forward}/{@link #loss}; it reads the current parameters on every call).
     */
    public ActionCritic current() {
        return currentView;
    }

    /** The target critic as an {@link ActionCritic} (ensemble mean), following its Polyak updates. */
    public ActionCritic target() {
        return targetView;
    }

    private void assemble(float[] cond, float[] actions, int batch) {
        if (cond.length < batch * condDim) {
            throw new IllegalArgumentException("critic cond has " + cond.length + " values, expected batch " + batch + " × " + condDim);
        }
        if (actions.length < batch * actionDim) {
            throw new IllegalArgumentException("critic actions have " + actions.length + " values, expected batch " + batch
                    + " × " + actionDim);
        }
        for (int b = 0; b < batch; b++) {
            System.arraycopy(cond, b * condDim, input, b * inputDim, condDim);
            System.arraycopy(actions, b * actionDim, input, b * inputDim + condDim, actionDim);
        }
    }

    private void checkBatch(int batch) {
        if (batch < 1 || batch > maxBatch) {
            throw new IllegalArgumentException("critic batch must be in [1, " + maxBatch + "], got " + batch);
        }
    }
}
