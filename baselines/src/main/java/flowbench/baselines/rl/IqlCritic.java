package flowbench.baselines.rl;

import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.Adam;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Checkpoint;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.MlpEnsemble;
import flowbench.harness.rng.Rng;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The in-sample IQL critic of QGF (docs/qgf.md section 3.2; Kostrikov et al., "Offline RL with Implicit Q-Learning", ICLR
 * 2022, as in the QGF/FQL code): a Q ensemble Q_i(c, a), a state value V(c) and a Polyak target ensemble Q̄, trained
 * from chunked n-step batches.
 *
 * <pre>
 *   y   = R_H + γ^H · m_H · V(c'_H)                          V held constant
 *   L_Q = mean over heads i and rows b of  valid_b · (Q_i(c_b, a_b) − y_b)²
 *   u   = min_i Q̄_i(c, a) − V(c)
 *   L_V = mean_b  valid_b · |τ_e − 1(u &lt; 0)| · u²            (expectile regression, weight τ_e if u ≥ 0 else 1 − τ_e)
 *   Q̄  ← τ·Q + (1 − τ)·Q̄ after Q's Adam step
 * </pre>
 * Every loss is computed from the parameters before the step (as the JAX code computes all losses from one state), and
 * Q and V have separate Adam optimisers. Networks: Dense → LayerNorm → GELU on every hidden layer, then Dense(1), all
 * kernels Glorot uniform (the Flax {@code MLP} of the reference code, {@code layer_norm=True}).
 *
 * <p>Conditioning c is the observation for single-task agents and [observation, value goal] for goal-conditioned ones;
 * c' is the conditioning of the chunk's last next-observation with the same goal. The critic never sees policy
 * samples, so it can be trained alongside any actor (QGF trains it next to a BC flow; IFQL can reuse it).
 *
 * <p>Guidance reads {@link #targetMin()}: the target ensemble, min over heads, gradient routed to the arg-min head.
 */
public final class IqlCritic {

    /**
     * @param hidden             hidden widths of Q and V
     * @param activation         hidden activation (GELU, tanh approximation, in the reference)
     * @param layerNorm          LayerNorm placement (BEFORE_ACTIVATION: Dense → LN → act on every hidden layer)
     * @param numQs              ensemble size (2)
     * @param expectile          τ_e of the value loss (0.9)
     * @param discount           γ
     * @param horizon            chunk length H: the bootstrap factor is γ^H
     * @param targetTau          Polyak rate τ (0.005)
     * @param criticLearningRate Adam step size of the Q ensemble
     * @param valueLearningRate  Adam step size of V
     */
    public record Config(int[] hidden, Activation activation, LayerNormPlacement layerNorm, int numQs, double expectile,
                         double discount, int horizon, double targetTau, double criticLearningRate,
                         double valueLearningRate) {
        public Config {
            if (hidden == null || hidden.length == 0) throw new IllegalArgumentException("iql critic: hidden must list at least one width");
            hidden = hidden.clone();
            if (activation == null || layerNorm == null) throw new IllegalArgumentException("iql critic: activation and layerNorm must be set");
            if (numQs < 1) throw new IllegalArgumentException("iql critic: numQs must be >= 1, got " + numQs);
            if (!(expectile > 0 && expectile < 1)) throw new IllegalArgumentException("iql critic: expectile must be in (0, 1), got " + expectile);
            if (!(discount >= 0 && discount <= 1)) throw new IllegalArgumentException("iql critic: discount must be in [0, 1], got " + discount);
            if (horizon < 1) throw new IllegalArgumentException("iql critic: horizon must be >= 1, got " + horizon);
            if (!(targetTau >= 0 && targetTau <= 1)) throw new IllegalArgumentException("iql critic: targetTau must be in [0, 1], got " + targetTau);
            if (!(criticLearningRate > 0)) throw new IllegalArgumentException("iql critic: criticLearningRate must be > 0, got " + criticLearningRate);
            if (!(valueLearningRate > 0)) throw new IllegalArgumentException("iql critic: valueLearningRate must be > 0, got " + valueLearningRate);
        }

        @Override
        public int[] hidden() {
            return hidden.clone();
        }

        /** QGF code defaults: 4x512, GELU, Dense → LN → GELU, 2 heads, τ_e 0.9, τ 0.005, lr 3e-4 (docs/qgf.md section 3.4). */
        public static Config qgf(double discount, int horizon) {
            return new Config(new int[] {512, 512, 512, 512}, Activation.GELU, LayerNormPlacement.BEFORE_ACTIVATION, 2, 0.9,
                    discount, horizon, 0.005, 3e-4, 3e-4);
        }

        public Config withHidden(int[] h) {
            return new Config(h, activation, layerNorm, numQs, expectile, discount, horizon, targetTau, criticLearningRate,
                    valueLearningRate);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && Arrays.equals(hidden, c.hidden) && activation == c.activation
                    && layerNorm == c.layerNorm && numQs == c.numQs && expectile == c.expectile && discount == c.discount
                    && horizon == c.horizon && targetTau == c.targetTau && criticLearningRate == c.criticLearningRate
                    && valueLearningRate == c.valueLearningRate;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(hidden) * 31 + Arrays.hashCode(new Object[] {activation, layerNorm, numQs, expectile,
                    discount, horizon, targetTau, criticLearningRate, valueLearningRate});
        }

        @Override
        public String toString() {
            return "IqlCritic.Config[hidden=" + Arrays.toString(hidden) + ", activation=" + activation + ", layerNorm="
                    + layerNorm + ", numQs=" + numQs + ", expectile=" + expectile + ", discount=" + discount
                    + ", horizon=" + horizon + ", targetTau=" + targetTau + ", criticLearningRate=" + criticLearningRate
                    + ", valueLearningRate=" + valueLearningRate + "]";
        }
    }

    private final Config config;
    private final int condDim;
    private final int actionDim;
    private final int maxBatch;
    private final float bootstrap;
    private final MlpEnsemble q;
    private final MlpEnsemble qTarget;
    private final Mlp v;
    private final Adam qAdam;
    private final Adam vAdam;
    private final Gradients qGrads;
    private final Gradients vGrads;
    private final MlpEnsemble.Tape qTape;
    private final MlpEnsemble.Tape qTargetTape;
    private final Mlp.Tape vTape;
    private final Mlp.Tape vNextTape;
    private final float[] input;
    private final float[] y;
    private final float[] dQ;
    private final float[] dV;
    private final float[] targetMinQ;
    private EnsembleCritic targetMinView;

    /**
     * @param condDim   columns of the conditioning c
     * @param actionDim columns of the (flattened chunk) action
     * @param maxBatch  largest training batch
     * @param rng       initialisation: Q members from successive splits, then V
     */
    public IqlCritic(int condDim, int actionDim, Config config, int maxBatch, Rng rng) {
        if (condDim < 1 || actionDim < 1) throw new IllegalArgumentException("iql critic: condDim and actionDim must be >= 1");
        if (maxBatch < 1) throw new IllegalArgumentException("iql critic: maxBatch must be >= 1, got " + maxBatch);
        this.config = config;
        this.condDim = condDim;
        this.actionDim = actionDim;
        this.maxBatch = maxBatch;
        // discount ** horizon is a Python double in the reference, rounded once to float32 when it meets the batch
        this.bootstrap = (float) Math.pow(config.discount(), config.horizon());
        MlpConfig qCfg = new MlpConfig(condDim + actionDim, config.hidden(), 1, config.activation(), config.layerNorm(),
                false);
        MlpConfig vCfg = new MlpConfig(condDim, config.hidden(), 1, config.activation(), config.layerNorm(), false);
        this.q = new MlpEnsemble(qCfg, config.numQs(), rng.split());
        this.qTarget = q.copy();
        this.v = new Mlp(vCfg, rng.split());
        this.qAdam = new Adam(AdamConfig.of(config.criticLearningRate()), q);
        this.vAdam = new Adam(AdamConfig.of(config.valueLearningRate()), v);
        this.qGrads = q.newGradients();
        this.vGrads = v.newGradients();
        this.qTape = q.newTape(maxBatch);
        this.qTargetTape = qTarget.newTape(maxBatch);
        this.vTape = v.newTape(maxBatch);
        this.vNextTape = v.newTape(maxBatch);
        this.input = new float[maxBatch * (condDim + actionDim)];
        this.y = new float[maxBatch];
        this.dQ = new float[config.numQs() * maxBatch];
        this.dV = new float[maxBatch];
        this.targetMinQ = new float[maxBatch];
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

    /** The online Q ensemble (input [c, a]). */
    public MlpEnsemble q() {
        return q;
    }

    /** The Polyak target ensemble. */
    public MlpEnsemble qTarget() {
        return qTarget;
    }

    /** The state value V(c). */
    public Mlp v() {
        return v;
    }

    /** γ^H as used in the TD target (float32). */
    public float bootstrapFactor() {
        return bootstrap;
    }

    /**
     * min_i Q̄_i(c, a) with its gradient routed to the arg-min head: the critic QGF guides with (docs/qgf.md section 4.1).
     * One shared view; it keeps scratch buffers, so use it from one thread.
     */
    public EnsembleCritic targetMin() {
        if (targetMinView == null) targetMinView = new EnsembleCritic(qTarget, condDim, EnsembleCritic.Aggregation.MIN);
        return targetMinView;
    }

    /** A fresh view of the target ensemble (own buffers) with the given aggregation. */
    public EnsembleCritic newTargetView(EnsembleCritic.Aggregation aggregation) {
        return new EnsembleCritic(qTarget, condDim, aggregation);
    }

    /**
     * One gradient step of Q and V, then the Polyak update of Q̄.
     *
     * @param cond     c, batch x condDim
     * @param actions  a, batch x actionDim (the flattened chunk)
     * @param nextCond c'_H, batch x condDim
     * @param rewards  R_H (discounted chunk reward sum), batch
     * @param masks    m_H, batch
     * @param valid    valid_H, batch (weights of both losses)
     * @return critic_loss, value_loss and value statistics
     */
    public Map<String, Double> update(float[] cond, float[] actions, float[] nextCond, float[] rewards, float[] masks,
                                      float[] valid, int batch) {
        qGrads.zero();
        vGrads.zero();
        Map<String, Double> out = compute(cond, actions, nextCond, rewards, masks, valid, batch, qGrads, vGrads);
        double qNorm = qAdam.step(qGrads);
        double vNorm = vAdam.step(vGrads);
        qTarget.parameters().polyakUpdate(q.parameters(), config.targetTau());
        out.put("critic_grad_norm", qNorm);
        out.put("value_grad_norm", vNorm);
        return out;
    }

    /** The losses and statistics of {@link #update} on a batch, without changing any parameter (validation). */
    public Map<String, Double> losses(float[] cond, float[] actions, float[] nextCond, float[] rewards, float[] masks,
                                      float[] valid, int batch) {
        return compute(cond, actions, nextCond, rewards, masks, valid, batch, null, null);
    }

    /**
     * The losses of {@link #update} and their parameter gradients, ADDED to {@code qOut} (layout of {@link #q()}) and
     * {@code vOut} (layout of {@link #v()}); nothing is stepped. For tests and custom optimisation schedules.
     */
    public Map<String, Double> gradients(float[] cond, float[] actions, float[] nextCond, float[] rewards, float[] masks,
                                         float[] valid, int batch, Gradients qOut, Gradients vOut) {
        return compute(cond, actions, nextCond, rewards, masks, valid, batch, qOut, vOut);
    }

    private Map<String, Double> compute(float[] cond, float[] actions, float[] nextCond, float[] rewards, float[] masks,
                                        float[] valid, int batch, Gradients qOut, Gradients vOut) {
        if (batch < 1 || batch > maxBatch) {
            throw new IllegalArgumentException("iql critic: batch must be in [1, " + maxBatch + "], got " + batch);
        }
        int k = config.numQs();
        // TD target from V before its step
        float[] vNext = v.forward(vNextTape, nextCond, batch);
        for (int b = 0; b < batch; b++) y[b] = rewards[b] + bootstrap * masks[b] * vNext[b];

        EnsembleCritic.assemble(cond, condDim, actions, actionDim, batch, input);
        float[] qs = q.forward(qTape, input, batch);
        double criticLoss = 0, qSum = 0;
        float qMax = Float.NEGATIVE_INFINITY, qMin = Float.POSITIVE_INFINITY;
        // d/dQ of mean over K·B of valid·(Q − y)²
        float scaleQ = 2f / ((float) k * batch);
        for (int m = 0; m < k; m++) {
            for (int b = 0; b < batch; b++) {
                float qv = qs[m * batch + b];
                float diff = qv - y[b];
                criticLoss += (double) valid[b] * diff * diff;
                dQ[m * batch + b] = scaleQ * valid[b] * diff;
                qSum += qv;
                qMax = Math.max(qMax, qv);
                qMin = Math.min(qMin, qv);
            }
        }
        criticLoss /= (double) k * batch;

        // expectile value loss against the target ensemble's minimum, also before any step
        float[] qt = qTarget.forward(qTargetTape, input, batch);
        float[] vs = v.forward(vTape, cond, batch);
        double valueLoss = 0, vSum = 0;
        float tauE = (float) config.expectile();
        float scaleV = 2f / batch;
        for (int b = 0; b < batch; b++) {
            float mq = qt[b];
            for (int m = 1; m < k; m++) mq = Math.min(mq, qt[m * batch + b]);
            targetMinQ[b] = mq;
            float u = mq - vs[b];
            // |τ_e − 1(u < 0)|: τ_e above the value, 1 − τ_e below
            float weight = u < 0 ? 1f - tauE : tauE;
            valueLoss += (double) valid[b] * weight * u * u;
            dV[b] = -scaleV * valid[b] * weight * u;
            vSum += vs[b];
        }
        valueLoss /= batch;

        if (qOut != null) q.backward(qTape, dQ, qOut, null);
        if (vOut != null) v.backward(vTape, dV, vOut, null);
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("critic_loss", criticLoss);
        out.put("value_loss", valueLoss);
        out.put("q_mean", qSum / ((double) k * batch));
        out.put("q_max", (double) qMax);
        out.put("q_min", (double) qMin);
        out.put("v_mean", vSum / batch);
        return out;
    }

    /**
     * min_i Q̄_i(c, a) of the last {@link #update} (or {@link #losses}, {@link #gradients}) batch, computed before that
     * step's Polyak update (RobustQ regresses onto it). Valid for the first {@code batch} entries until the next call.
     */
    public float[] lastTargetMinQ() {
        return targetMinQ;
    }

    /** Registers Q, Q̄, V and both optimisers under {@code prefix}. */
    public Checkpoint addTo(Checkpoint checkpoint, String prefix) {
        return checkpoint.add(prefix + "q", q).add(prefix + "q_target", qTarget).add(prefix + "v", v)
                .add(prefix + "q_adam", qAdam).add(prefix + "v_adam", vAdam);
    }

    /** Trainable parameters (Q ensemble and V; the target is a copy). */
    public long parameterCount() {
        return (long) q.parameterCount() + v.parameterCount();
    }
}
