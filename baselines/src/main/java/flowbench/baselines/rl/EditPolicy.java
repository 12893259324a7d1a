package flowbench.baselines.rl;

import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.ScalarParameter;
import flowbench.harness.rng.Rng;

import java.util.Arrays;
import java.util.Map;

/**
 * The EXPO-style edit policy of QAM-E and FEdit (docs/qam.md sections 1.5 and 2.5): a TanhNormal e ~ π(·|[c, a]) on a base
 * action chunk a (the flow's clipped sample, no gradient into it), the edited action ã = clip(a + scale·e), and a SAC
 * temperature α = exp(log α) (LogParam, log α = 0 at initialisation) with target entropy H_t = −multiplier·D.
 *
 * <p>Losses, with the critic frozen: L_eq = −mean_b Q(c, ã), L_ent = mean_b α_sg·log π(e), L_α = α·(−mean log π_sg − H_t).
 * The owner registers {@link #policy()} and {@link #logAlpha()} with its optimiser.
 */
public final class EditPolicy {
    private final TanhNormalPolicy policy;
    private final ScalarParameter logAlpha;
    private final int condDim;
    private final int chunkDim;
    private final float scale;
    private final double targetEntropy;

    /**
     * @param hidden   widths of the TanhNormal trunk
     * @param maxBatch initial sampling capacity (the policy grows on demand)
     * @param init     initialisation generator of the TanhNormal networks
     */
    public EditPolicy(int condDim, int chunkDim, int[] hidden, Activation activation, int maxBatch, double scale,
                      double targetEntropyMultiplier, Rng init) {
        this.policy = new TanhNormalPolicy(condDim + chunkDim, chunkDim, hidden, activation, maxBatch, init);
        this.logAlpha = new ScalarParameter("log_alpha", 0f); // LogParam, init α = 1
        this.condDim = condDim;
        this.chunkDim = chunkDim;
        this.scale = (float) scale;
        this.targetEntropy = -targetEntropyMultiplier * chunkDim;
    }

    public TanhNormalPolicy policy() {
        return policy;
    }

    public ScalarParameter logAlpha() {
        return logAlpha;
    }

    /**
     * L_eq + L_ent and L_α for base actions {@code aFlow} and edit noise ε ({@code noise}, n × D standard normal);
     * accumulates the policy gradients into {@code editGrads} ({@link TanhNormalPolicy#modules()} order) and dL_α/dlog α
     * into {@code alphaGrad} when non-null, and puts {@code edit_q}, {@code edit_entropy}, {@code edit_alpha} into
     * {@code metrics} when non-null. Gradient paths: ∂L_eq/∂e = −scale·∇Q(ã)/n inside [−1, 1] (zero where the clip is
     * active); ∂L_ent/∂log π = α/n with α constant; L_α reaches only log α.
     *
     * @return {L_eq + L_ent (α constant), L_α}: the first is what the policy gradient differentiates, the second what
     *         log α's does
     */
    public double[] loss(float[] cond, float[] aFlow, float[] noise, int n, ActionCritic q, Gradients[] editGrads,
                         Gradients alphaGrad, Map<String, Double> metrics) {
        int nd = n * chunkDim;
        float[] in = new float[n * (condDim + chunkDim)];
        OfflineBatches.concat(cond, aFlow, in, n, condDim, chunkDim);
        float[] e = new float[nd];
        float[] logp = new float[n];
        policy.sample(in, n, noise, e, logp);
        float[] edited = new float[nd];
        boolean[] inside = new boolean[nd];
        for (int i = 0; i < nd; i++) {
            float v = aFlow[i] + scale * e[i];
            inside[i] = v >= -1f && v <= 1f;
            edited[i] = Math.max(-1f, Math.min(1f, v));
        }
        float[] qv = new float[n];
        float[] g = new float[nd];
        q.evaluate(cond, edited, n, qv, g);
        double qMean = 0, lpMean = 0;
        for (int b = 0; b < n; b++) {
            qMean += qv[b];
            lpMean += logp[b];
        }
        qMean /= n;
        lpMean /= n;
        float alpha = (float) Math.exp(logAlpha.value());
        // L_α = α·(−mean log π_sg − H_t): dL/dlog α = α·(−mean log π − H_t) = L_α
        double lAlpha = alpha * (-lpMean - targetEntropy);
        if (editGrads != null) {
            float[] dE = new float[nd];
            for (int i = 0; i < nd; i++) dE[i] = inside[i] ? -scale * g[i] / n : 0f;
            float[] dLogp = new float[n];
            Arrays.fill(dLogp, alpha / n); // α is a constant (stop-gradient) in the entropy term
            policy.backward(dE, dLogp, editGrads, null);
        }
        if (alphaGrad != null) logAlpha.accumulateGradient(alphaGrad, lAlpha);
        if (metrics != null) {
            metrics.put("edit_q", qMean);
            metrics.put("edit_entropy", -lpMean);
            metrics.put("edit_alpha", (double) alpha);
        }
        return new double[] {-qMean + alpha * lpMean, lAlpha};
    }

    /** Acting: ã = clip(a + scale·e) with a fresh e ~ π(·|[c, a]), written over {@code a} (n × D) and returned. */
    public float[] apply(float[] cond, float[] a, int n, Rng rng) {
        int nd = n * chunkDim;
        float[] in = new float[n * (condDim + chunkDim)];
        OfflineBatches.concat(cond, a, in, n, condDim, chunkDim);
        float[] e = new float[nd];
        policy.sample(in, n, rng, e, null);
        for (int i = 0; i < nd; i++) a[i] = Math.max(-1f, Math.min(1f, a[i] + scale * e[i]));
        return a;
    }
}
