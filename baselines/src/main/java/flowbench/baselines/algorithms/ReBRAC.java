package flowbench.baselines.algorithms;

import flowbench.baselines.common.BaselineAlgorithm;
import flowbench.baselines.common.ConfigChecks;
import flowbench.baselines.common.ConfigRecords;
import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.common.OfflineLearner;
import flowbench.baselines.common.TdBackup;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.GrowingTape;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.Parameters;
import flowbench.baselines.rl.TdCritic;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.GoalSampling;
import flowbench.harness.rng.Rng;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;

/**
 * ReBRAC (docs/qam.md section 2.10): a deterministic TD3+BC-style actor π(c) = tanh(MLP(c)) on action chunks.
 *
 * <ul>
 *   <li>TD (section 0.2) with a' = clip(π̄(s'_H) + clip(N(0, σ_n²), ±0.5)), π̄ the Polyak target actor;</li>
 *   <li>actor loss −mean_b(λ·q_b) + α_a·mean_b(Σ_d (π(c_b) − a_b)²·v_b), q = mean_k Q_k − ρ·std_k Q_k of the current
 *       critic at π(c), λ = 1/mean_b|q_b| without gradient;</li>
 *   <li>QUIRK (section 8.12): the reference's second {@code update} definition overrides the first, so the actor is
 *       updated EVERY step and only the Polyak updates of critic and actor happen every {@code actorFreq}-th step
 *       ({@code actorEveryStep = true}); {@code false} gives TD3's delayed actor (actor update and both Polyak updates
 *       together every {@code actorFreq}-th step). There is no critic BC penalty in either mode;</li>
 *   <li>acting: the same noisy action as the TD target but from the current actor (evaluation is noisy too when
 *       σ_n &gt; 0).</li>
 * </ul>
 * The last Dense layer of the actor uses flax {@code default_init(0.01)} = variance_scaling(0.01, fan_avg, uniform),
 * i.e. Glorot-uniform kernels scaled by √0.01 = 0.1.
 */
public final class ReBRAC extends BaselineAlgorithm<ReBRAC.Config> {

    /**
     * @param actorHidden    hidden widths of the actor (all activated, then a Dense head and tanh)
     * @param criticHidden   hidden widths of each critic member
     * @param activation     hidden activation
     * @param batchSize      B
     * @param learningRate   Adam learning rate
     * @param numQs          K critic members
     * @param rho            pessimism ρ (TD target and actor's q)
     * @param discount     γ (TD targets, n-step chunk returns, hindsight goal offsets)
     * @param tau            Polyak rate of target critic and target actor
     * @param horizon        action chunk length H
     * @param alphaActor     BC weight α_a ({@code alpha_actor})
     * @param actorNoise     σ_n of the target-policy smoothing and acting noise ({@code actor_noise})
     * @param noiseClip      clip of that noise (0.5)
     * @param actorFreq      period of the delayed updates ({@code actor_freq} = 2)
     * @param actorEveryStep QUIRK switch (see class javadoc); true reproduces the reference
     * @param goals        hindsight goal sampling for goal-conditioned tasks (γ is {@code discount})
     */
    public record Config(List<Integer> actorHidden, List<Integer> criticHidden, Activation activation, int batchSize, double learningRate,
                         int numQs, double rho, double discount, double tau, int horizon, double alphaActor, double actorNoise,
                         double noiseClip, int actorFreq, boolean actorEveryStep, GoalSampling goals) {
        public Config {
            ConfigChecks check = new ConfigChecks("rebrac");
            actorHidden = check.widths("actorHidden", actorHidden);
            criticHidden = check.widths("criticHidden", criticHidden);
            check.atLeast("batchSize", batchSize, 1);
            check.positive("learningRate", learningRate);
            check.atLeast("horizon", horizon, 1);
            check.nonNegative("alphaActor", alphaActor);
            check.nonNegative("actorNoise", actorNoise);
            check.nonNegative("noiseClip", noiseClip);
            check.atLeast("actorFreq", actorFreq, 1);
            check.discount("discount", discount);
            check.set("goals", goals);
            TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau); // validates the critic settings
        }

        /**
         * Reference defaults (docs/qam.md sections 2.10, 4, 6): 4×512, B 256, K 10, ρ 0.5, τ 0.005, H 1, actor_freq 2,
         * noise clip 0.5; α_a = 0.01 and σ_n = 0 from the antmaze-large column (fallback; docs/domains.md).
         */
        public static Config paper() {
            return new Config(List.of(512, 512, 512, 512), List.of(512, 512, 512, 512), Activation.GELU, 256, 3e-4,
                    10, 0.5, 0.99, 0.005, 1, 0.01, 0.0, 0.5, 2, true, GoalSampling.defaults());
        }

        /** Sized like the other cpu profiles (2×128 nets, K = 4, B = 64); ReBRAC needs no ODE, so it is the cheapest. */
        public static Config cpu() {
            return new Config(List.of(128, 128), List.of(128, 128), Activation.GELU, 64, 3e-4, 4, 0.5, 0.99, 0.005, 1,
                    0.01, 0.0, 0.5, 2, true, GoalSampling.defaults());
        }

        public Config withAlphaActor(double a) {
            return ConfigRecords.with(this, "alphaActor", a);
        }

        public Config withRho(double r) {
            return ConfigRecords.with(this, "rho", r);
        }

        public Config withActorNoise(double s) {
            return ConfigRecords.with(this, "actorNoise", s);
        }

        TdCritic.Config criticConfig() {
            return TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau);
        }

    }

    public ReBRAC() {
        super("rebrac", "training-time",
                "Tarasov et al., Revisiting the Minimalist Approach to Offline Reinforcement Learning (NeurIPS 2023)",
                "Deterministic tanh actor maximising normalised pessimistic Q with a behaviour-cloning penalty "
                        + "(TD3+BC style).",
                Config.class, Config::paper, Config::cpu);
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new RebracLearner(config, context);
    }

    static final class RebracLearner extends OfflineLearner {
        private final Config cfg;
        private final TdCritic critic;
        private final TdBackup td;
        private final Mlp actor;
        private final Mlp targetActor;
        private final Mlp.Tape actorTape;
        private final Mlp.Tape targetTape;

        RebracLearner(Config cfg, AgentContext ctx) {
            super("rebrac", ctx, cfg.batchSize(), cfg.horizon(), cfg.discount(), cfg.goals());
            this.cfg = cfg;
            this.critic = tdCritic(cfg.criticConfig(), chunkDim);
            this.td = new TdBackup(critic, discountH, batch);
            this.actor = modules.train("actor", new Mlp(new MlpConfig(condDim, ConfigChecks.ints(cfg.actorHidden()), chunkDim, cfg.activation(),
                    LayerNormPlacement.NONE, false), initRng("actor")));
            // flax default_init(0.01) = variance_scaling(0.01, fan_avg, uniform): Glorot bounds times sqrt(0.01)
            Parameters ps = actor.parameters();
            Parameters.Tensor head = ps.tensor("dense" + cfg.actorHidden().size() + "/kernel");
            for (int i = head.offset(); i < head.offset() + head.size(); i++) ps.set(i, ps.get(i) * 0.1f);
            this.targetActor = modules.keep("target_actor", actor.copy());
            modules.optimise("adam", AdamConfig.of(cfg.learningRate()));
            this.actorTape = actor.newTape(batch);
            this.targetTape = targetActor.newTape(batch);
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            modules.zeroGrads();
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("critic_loss", criticLoss(train, rng, modules.grads(critic.network())));
            boolean delayed = (step % cfg.actorFreq()) == 0;
            if (cfg.actorEveryStep() || delayed) {
                double[] a = actorLoss(train.actorConditioning(), train.batch().actions(), td.valid(), modules.grads(actor));
                m.put("actor_loss", a[0]);
                m.put("actor_q", a[1]);
                m.put("bc_mse", a[2]);
            }
            modules.step();
            if (delayed) {
                critic.polyakUpdate();
                targetActor.parameters().polyakUpdate(actor.parameters(), cfg.tau());
            }
            return m;
        }

        private double criticLoss(OfflineBatches ob, Rng rng, Gradients grads) {
            return td.loss(ob, (c, n, r) -> noisyAction(targetActor, targetTape, c, n, r, new float[n * chunkDim]), rng,
                    grads);
        }

        /**
         * −mean(λq) + α_a·mean_b(Σ_d (π − a)²·v) and, when grads is non-null, its actor-parameter gradient through
         * q_b = mean_k Q_k − ρ·std_k Q_k: ∂q_b/∂Q_kb = 1/K − ρ(Q_kb − mean_b)/(K·std_b) (population std), then the critic's
         * action VJP and tanh' = 1 − π².
         *
         * @return {loss, mean q, mean BC squared error, λ}
         */
        double[] actorLoss(float[] cond, float[] data, float[] v, Gradients grads) {
            int bd = batch * chunkDim;
            float[] pi = actor.forward(actorTape, cond, batch).clone();
            for (int i = 0; i < bd; i++) pi[i] = (float) Math.tanh(pi[i]);
            float[] qk = critic.forward(false, cond, pi, batch);
            int k = critic.members();
            float[] dQ = new float[k * batch];
            float[] q = new float[batch];
            double absMean = 0, qMean = 0;
            for (int b = 0; b < batch; b++) {
                double mean = 0;
                for (int j = 0; j < k; j++) mean += qk[j * batch + b];
                mean /= k;
                double var = 0;
                for (int j = 0; j < k; j++) var += Math.pow(qk[j * batch + b] - mean, 2);
                double std = Math.sqrt(var / k);
                q[b] = (float) (mean - cfg.rho() * std);
                absMean += Math.abs(q[b]) / batch;
                qMean += q[b] / batch;
                for (int j = 0; j < k; j++) {
                    double dstd = std > 0 ? (qk[j * batch + b] - mean) / (k * std) : 0;
                    dQ[j * batch + b] = (float) (1.0 / k - cfg.rho() * dstd);
                }
            }
            // stop-gradient. The reference divides by mean|q| unguarded; the floor only matters when every q is exactly 0
            // (all-zero inputs at initialisation give zero activations through zero biases), where it would give NaN
            double lambda = 1.0 / Math.max(absMean, 1e-6);
            double bcSum = 0;
            for (int b = 0; b < batch; b++) {
                for (int d = 0; d < chunkDim; d++) {
                    double e = pi[b * chunkDim + d] - data[b * chunkDim + d];
                    bcSum += e * e * v[b];
                }
            }
            double bc = bcSum / batch;
            double loss = -lambda * qMean + cfg.alphaActor() * bc;
            if (grads != null) {
                float[] dPi = new float[bd];
                critic.actionVjp(false, dQ, dPi);
                for (int b = 0; b < batch; b++) {
                    for (int d = 0; d < chunkDim; d++) {
                        int i = b * chunkDim + d;
                        double g = -lambda / batch * dPi[i] + 2 * cfg.alphaActor() * (pi[i] - data[i]) * v[b] / batch;
                        dPi[i] = (float) (g * (1 - (double) pi[i] * pi[i]));
                    }
                }
                actor.backward(actorTape, dPi, grads, null);
            }
            return new double[] {loss, qMean, bc, lambda};
        }

        /** clip(tanh(net(c)) + clip(N(0, σ_n²), ±noiseClip)); no draws when σ_n = 0. */
        private float[] noisyAction(Mlp net, Mlp.Tape tape, float[] c, int n, Rng rng, float[] out) {
            float[] raw = net.forward(tape, c, n);
            int nd = n * chunkDim;
            float s = (float) cfg.actorNoise();
            float lim = (float) cfg.noiseClip();
            for (int i = 0; i < nd; i++) {
                float a = (float) Math.tanh(raw[i]);
                if (s > 0) a += Math.max(-lim, Math.min(lim, s * (float) rng.nextGaussian()));
                out[i] = clip(a);
            }
            return out;
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("critic_loss", criticLoss(validation, rng, null));
            m.put("bc_mse", actorLoss(validation.actorConditioning(), validation.batch().actions(), td.valid(), null)[2]);
            return m;
        }

        Mlp actorNetwork() {
            return actor;
        }

        @Override
        public Map<String, Policy> policies() {
            GrowingTape tape = new GrowingTape(actor);
            return Map.of("rebrac", policy((c, n, rng) -> noisyAction(actor, tape.forBatch(n), c, n, rng,
                    new float[n * chunkDim])));
        }
    }
}
