package flowbench.baselines.rl;

import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.Module;
import flowbench.harness.rng.Rng;

import java.util.List;

/**
 * A tanh-squashed diagonal Gaussian policy head (docs/qam.md section 4; the QAM-E / FEdit edit policy, DSRL's noise
 * policy, RLPD's actor): a trunk MLP with the activation after every layer including the last (flax
 * {@code activate_final=True}, no LayerNorm), then two separate Dense heads (Glorot uniform, as flax's default in the
 * reference networks) for the mean μ and the log-std, the log-std clipped to [−20, 2].
 *
 * <p>Reparameterised sample: u = μ + σ·ε, ε ~ N(0, I), σ = exp(clip(logstd)), e = tanh(u), and
 * log π(e) = Σ_d [log N(u_d; μ_d, σ_d) − 2(log 2 − u_d − softplus(−2u_d))] (the tanh Jacobian as distrax's Tanh
 * bijector writes it). {@link #backward} differentiates any loss L(e, log π) through the sample (pathwise gradient).
 */
public final class TanhNormalPolicy {
    public static final float LOG_STD_MIN = -20f;
    public static final float LOG_STD_MAX = 2f;
    private static final double HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
    private static final float LOG2 = (float) Math.log(2);

    private final int inputDim;
    private final int outDim;
    private final int width;
    private final Mlp trunk;
    private final Mlp meanHead;
    private final Mlp logStdHead;
    private Mlp.Tape trunkTape;
    private Mlp.Tape meanTape;
    private Mlp.Tape logStdTape;
    private float[] hidden = new float[0];
    private float[] mu = new float[0];
    private float[] logStd = new float[0];
    private float[] rawLogStd = new float[0];
    private float[] eps = new float[0];
    private float[] squashed = new float[0];
    private float[] dMu = new float[0];
    private float[] dLogStd = new float[0];
    private float[] dHidden = new float[0];
    private float[] dHidden2 = new float[0];
    private int batch = -1;

    /**
     * @param hidden trunk widths (all activated; the last one feeds the heads)
     * @param rng    initialisation generator: trunk, mean head, log-std head from {@code rng.split()} in that order
     */
    public TanhNormalPolicy(int inputDim, int outDim, int[] hidden, Activation activation, int maxBatch, Rng rng) {
        if (hidden == null || hidden.length == 0) throw new IllegalArgumentException("TanhNormal trunk needs at least one hidden width");
        if (inputDim < 1 || outDim < 1) throw new IllegalArgumentException("TanhNormal dims must be >= 1, got " + inputDim + ", " + outDim);
        this.inputDim = inputDim;
        this.outDim = outDim;
        this.width = hidden[hidden.length - 1];
        int[] inner = java.util.Arrays.copyOf(hidden, hidden.length - 1);
        MlpConfig trunkCfg = new MlpConfig(inputDim, inner, width, activation, LayerNormPlacement.NONE, true);
        MlpConfig headCfg = new MlpConfig(width, new int[0], outDim, activation, LayerNormPlacement.NONE, false);
        this.trunk = new Mlp(trunkCfg, rng.split());
        this.meanHead = new Mlp(headCfg, rng.split());
        this.logStdHead = new Mlp(headCfg, rng.split());
        ensureCapacity(maxBatch);
    }

    /** Trunk, mean head, log-std head: give all three to the optimiser and checkpoints. */
    public List<Module> modules() {
        return List.of(trunk, meanHead, logStdHead);
    }

    /** Fresh gradient holders in {@link #modules()} order. */
    public Gradients[] newGradients() {
        return new Gradients[] {trunk.newGradients(), meanHead.newGradients(), logStdHead.newGradients()};
    }

    public int inputDim() {
        return inputDim;
    }

    public int outDim() {
        return outDim;
    }

    public long parameterCount() {
        return (long) trunk.parameterCount() + meanHead.parameterCount() + logStdHead.parameterCount();
    }

    /** Draws ε ~ N(0, I) from {@code rng} and calls {@link #sample(float[], int, float[], float[], float[])}. */
    public void sample(float[] input, int batch, Rng rng, float[] eOut, float[] logProbOut) {
        float[] e = new float[batch * outDim];
        rng.fillGaussian(e);
        sample(input, batch, e, eOut, logProbOut);
    }

    /**
     * Reparameterised sample with the given standard normal ε (batch × D).
     *
     * @param eOut       receives e = tanh(μ + σ ε), batch × D
     * @param logProbOut receives log π(e) per row, or null
     */
    public void sample(float[] input, int batch, float[] noise, float[] eOut, float[] logProbOut) {
        ensureCapacity(batch);
        this.batch = batch;
        int bd = batch * outDim;
        float[] h = trunk.forward(trunkTape, input, batch);
        System.arraycopy(h, 0, hidden, 0, batch * width);
        float[] m = meanHead.forward(meanTape, hidden, batch);
        System.arraycopy(m, 0, mu, 0, bd);
        float[] ls = logStdHead.forward(logStdTape, hidden, batch);
        System.arraycopy(ls, 0, rawLogStd, 0, bd);
        System.arraycopy(noise, 0, eps, 0, bd);
        for (int b = 0; b < batch; b++) {
            double lp = 0;
            for (int j = b * outDim; j < (b + 1) * outDim; j++) {
                float l = Math.max(LOG_STD_MIN, Math.min(LOG_STD_MAX, rawLogStd[j]));
                logStd[j] = l;
                float u = mu[j] + (float) Math.exp(l) * eps[j];
                float e = (float) Math.tanh(u);
                squashed[j] = e;
                eOut[j] = e;
                // log N(u; μ, σ) with (u − μ)/σ = ε, minus the tanh log-Jacobian 2(log 2 − u − softplus(−2u))
                lp += -0.5 * eps[j] * eps[j] - l - HALF_LOG_2PI - 2.0 * (LOG2 - u - softplus(-2.0 * u));
            }
            if (logProbOut != null) logProbOut[b] = (float) lp;
        }
    }

    /**
     * Pathwise backward of a loss L(e, log π) through the last {@link #sample}: dL/de = {@code dE} (batch × D, or null
     * for zero) and dL/d log π = {@code dLogProb} (batch, or null for zero). Parameter gradients are accumulated into
     * {@code grads} ({@link #modules()} order, or null to skip), dL/d(input) written to {@code dInput} when non-null.
     */
    public void backward(float[] dE, float[] dLogProb, Gradients[] grads, float[] dInput) {
        if (batch < 0) throw new IllegalStateException("TanhNormal backward called before sample");
        if (grads != null && grads.length != 3) throw new IllegalArgumentException("TanhNormal expects 3 gradient holders (trunk, mean, log-std)");
        for (int b = 0; b < batch; b++) {
            float dlp = dLogProb == null ? 0f : dLogProb[b];
            for (int j = b * outDim; j < (b + 1) * outDim; j++) {
                float e = squashed[j];
                float sigma = (float) Math.exp(logStd[j]);
                // d/du tanh(u) = 1 − e²; the log-prob term −2(log 2 − u − softplus(−2u)) = −log(1 − tanh²u) has
                // derivative +2 tanh(u)
                float du = (dE == null ? 0f : dE[j] * (1f - e * e)) + 2f * e * dlp;
                dMu[j] = du;
                boolean inside = rawLogStd[j] >= LOG_STD_MIN && rawLogStd[j] <= LOG_STD_MAX;
                // u depends on log σ through σ·ε; log N(u; μ, σ) contributes −1 per dimension
                dLogStd[j] = inside ? du * sigma * eps[j] - dlp : 0f;
            }
        }
        Gradients gt = grads == null ? null : grads[0];
        meanHead.backward(meanTape, dMu, grads == null ? null : grads[1], dHidden);
        logStdHead.backward(logStdTape, dLogStd, grads == null ? null : grads[2], dHidden2);
        int bw = batch * width;
        for (int i = 0; i < bw; i++) dHidden[i] += dHidden2[i];
        if (gt != null || dInput != null) trunk.backward(trunkTape, dHidden, gt, dInput);
    }

    private static double softplus(double x) {
        // log(1 + e^x) without overflow
        return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    private void ensureCapacity(int maxBatch) {
        if (trunkTape != null && trunkTape.capacity() >= maxBatch) return;
        trunkTape = trunk.newTape(maxBatch);
        meanTape = meanHead.newTape(maxBatch);
        logStdTape = logStdHead.newTape(maxBatch);
        int bd = maxBatch * outDim;
        hidden = new float[maxBatch * width];
        mu = new float[bd];
        logStd = new float[bd];
        rawLogStd = new float[bd];
        eps = new float[bd];
        squashed = new float[bd];
        dMu = new float[bd];
        dLogStd = new float[bd];
        dHidden = new float[maxBatch * width];
        dHidden2 = new float[maxBatch * width];
    }
}
