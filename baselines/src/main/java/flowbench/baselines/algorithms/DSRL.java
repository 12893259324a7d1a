package flowbench.baselines.algorithms;

import flowbench.baselines.common.BaselineAlgorithm;
import flowbench.baselines.common.ConfigChecks;
import flowbench.baselines.common.ConfigRecords;
import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.common.OfflineLearner;
import flowbench.baselines.common.TdBackup;
import flowbench.baselines.flow.EulerSampler;
import flowbench.baselines.flow.FlowMatching;
import flowbench.baselines.flow.OdeSampler;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.MlpEnsemble;
import flowbench.baselines.nn.Module;
import flowbench.baselines.nn.ScalarParameter;
import flowbench.baselines.rl.EnsembleCritic;
import flowbench.baselines.rl.TanhNormalPolicy;
import flowbench.baselines.rl.TdCritic;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.GoalSampling;
import flowbench.harness.rng.Rng;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DSRL, RL in the flow's noise space (docs/qam.md section 2.4).
 *
 * <ul>
 *   <li>BC flow v_β (flow matching) with a Polyak target copy used for every sample ({@code use_target_latent});</li>
 *   <li>TD critic Q (section 0.2) with a' = clip(ODE(v̄_β, s'_H, w')), w' = noise_scale·π(s'_H);</li>
 *   <li>z-critic Qz_k(c, z), K members on [c, z], distilled member by member from the frozen current critic:
 *       {@code mean_{k,b}(Qz_k(c, z) − Q_k(c, clip(ODE(v̄_β, c, z))))²}, z ~ N(0, I);</li>
 *   <li>noise policy π: TanhNormal on c, SAC loss {@code mean(α_sg·log π(w) − mean_k Qz_k(c, noise_scale·w))} and
 *       temperature loss {@code α·(−mean log π_sg − H_t)}, H_t = −D/2, log α learnable from 0;</li>
 *   <li>acting: a = clip(ODE(v̄_β, c, noise_scale·π(c))).</li>
 * </ul>
 * QUIRK (section 8.17): Qz is trained on z ~ N(0, I) but queried at noise_scale·tanh(·) ∈ (−scale, scale); kept.
 * One Adam over all modules, no clipping.
 */
public final class DSRL extends BaselineAlgorithm<DSRL.Config> {

    /**
     * @param actorHidden  hidden widths of the BC flow v_β and of the noise policy π
     * @param criticHidden hidden widths of each critic member
     * @param activation   hidden activation (GELU, tanh approximation)
     * @param batchSize    B
     * @param learningRate Adam learning rate (constant)
     * @param numQs        K critic members
     * @param rho          pessimism ρ of the TD target aggregate
     * @param discount     γ (TD targets, n-step chunk returns, hindsight goal offsets)
     * @param tau          Polyak rate of the target critic
     * @param flowSteps    Euler steps N of the BC flow ODE
     * @param horizon      action chunk length H
     * @param noiseScale   scale of the latent action ({@code noise_scale})
     * @param goals        hindsight goal sampling for goal-conditioned tasks (γ is {@code discount})
     */
    public record Config(List<Integer> actorHidden, List<Integer> criticHidden, Activation activation, int batchSize, double learningRate,
                         int numQs, double rho, double discount, double tau, int flowSteps, int horizon, double noiseScale, GoalSampling goals) {
        public Config {
            ConfigChecks check = new ConfigChecks("dsrl");
            actorHidden = check.widths("actorHidden", actorHidden);
            criticHidden = check.widths("criticHidden", criticHidden);
            check.atLeast("batchSize", batchSize, 1);
            check.positive("learningRate", learningRate);
            check.atLeast("flowSteps", flowSteps, 1);
            check.atLeast("horizon", horizon, 1);
            check.positive("noiseScale", noiseScale);
            check.discount("discount", discount);
            check.set("goals", goals);
            TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau); // validates the critic settings
        }

        /**
         * Reference defaults (docs/qam.md sections 2.4, 4, 6): 4×512 nets, B 256, K 10, ρ 0.5, τ 0.005, N 10, H 1;
         * noise_scale = 0.8 from the antmaze-large column (fallback; docs/domains.md).
         */
        public static Config paper() {
            return new Config(List.of(512, 512, 512, 512), List.of(512, 512, 512, 512), Activation.GELU, 256, 3e-4,
                    10, 0.5, 0.99, 0.005, 10, 1, 0.8, GoalSampling.defaults());
        }

        /**
         * Sized for minutes on 2 cores: 2×128 nets, K = 4, B = 64 (as the other cpu profiles); a step runs two ODE
         * samples (TD target, z distillation) and two K-ensembles. Otherwise as {@link #paper()}.
         */
        public static Config cpu() {
            return new Config(List.of(128, 128), List.of(128, 128), Activation.GELU, 64, 3e-4, 4, 0.5, 0.99, 0.005, 10, 1,
                    0.8, GoalSampling.defaults());
        }

        public Config withNoiseScale(double a) {
            return ConfigRecords.with(this, "noiseScale", a);
        }

        TdCritic.Config criticConfig() {
            return TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau);
        }

    }

    public DSRL() {
        super("dsrl", "training-time",
                "Wagenmaker et al., Steering Your Diffusion Policy with Latent Space Reinforcement Learning "
                        + "(DSRL, 2025)",
                "SAC on the BC flow's input noise: a TanhNormal latent policy maximising a z-critic distilled from Q.",
                Config.class, Config::paper, Config::cpu);
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new DsrlLearner(config, context);
    }

    static final class DsrlLearner extends OfflineLearner {
        private final Config cfg;
        private final TdCritic critic;
        private final TdBackup td;
        private final MlpEnsemble zCritic;
        private final MlpEnsemble.Tape zTape;
        private final EnsembleCritic zView;
        private final VelocityField flow;
        private final VelocityField targetFlow;
        private final TanhNormalPolicy actor;
        private final ScalarParameter logAlpha;
        private final FlowMatching bc;
        private final Mlp.Tape flowTape;
        private final Mlp.Tape targetFlowTape;
        private final OdeSampler actOde;

        DsrlLearner(Config cfg, AgentContext ctx) {
            super("dsrl", ctx, cfg.batchSize(), cfg.horizon(), cfg.discount(), cfg.goals());
            this.cfg = cfg;
            this.critic = tdCritic(cfg.criticConfig(), chunkDim);
            this.td = new TdBackup(critic, discountH, batch);
            this.zCritic = modules.train("z_critic", new MlpEnsemble(new MlpConfig(condDim + chunkDim, ConfigChecks.ints(cfg.criticHidden()), 1,
                    cfg.activation(), LayerNormPlacement.AFTER_ACTIVATION, false), cfg.numQs(), initRng("z_critic")));
            this.zTape = zCritic.newTape(batch);
            this.zView = new EnsembleCritic(zCritic, condDim, EnsembleCritic.Aggregation.MEAN);
            this.flow = flowActor("actor_bc_flow", ConfigChecks.ints(cfg.actorHidden()), cfg.activation());
            this.targetFlow = flow.copy();
            modules.keep("target_actor_bc_flow", targetFlow.network());
            this.actor = modules.train("actor_", new TanhNormalPolicy(condDim, chunkDim, ConfigChecks.ints(cfg.actorHidden()), cfg.activation(),
                    batch, initRng("actor")));
            this.logAlpha = modules.train("log_alpha", new ScalarParameter("log_alpha", 0f)); // LogParam, init α = 1
            modules.optimise("adam", AdamConfig.of(cfg.learningRate()));
            this.bc = new FlowMatching(flow, batch);
            this.flowTape = flow.network().newTape(batch);
            this.targetFlowTape = targetFlow.network().newTape(batch);
            // one sampler for the TD next actions and acting alike: both run the acting rule
            this.actOde = new OdeSampler(targetFlow, cfg.flowSteps());
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            modules.zeroGrads();
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("critic_loss", criticLoss(train, rng, modules.grads(critic.network())));
            m.put("z_distill_loss", zDistillLoss(train.valueConditioning(), rng, modules.grads(zCritic)));
            m.put("bc_flow_loss", bc.loss(flowTape, train.actorConditioning(), train.batch().actions(), td.valid(),
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, modules.grads(flow.network())));
            double[] a = actorLoss(train.actorConditioning(), rng, modules.grads(actor.modules()), modules.grads(logAlpha));
            m.put("actor_loss", a[0]);
            m.put("actor_q", a[1]);
            m.put("entropy", a[2]);
            m.put("alpha", a[3]);
            modules.step();
            critic.polyakUpdate();
            targetFlow.network().parameters().polyakUpdate(flow.network().parameters(), cfg.tau());
            return m;
        }

        /** TD loss with a' = the acting rule at s'_H. */
        private double criticLoss(OfflineBatches ob, Rng rng, Gradients g) {
            return td.loss(ob, this::act, rng, g);
        }

        /** mean_{k,b}(Qz_k(c, z) − Q_k(c, a))², a = clip(ODE(v̄_β, c, z)); dQz_kb = 2(Qz_kb − Q_kb)/(K·B). */
        double zDistillLoss(float[] cond, Rng rng, Gradients g) {
            int bd = batch * chunkDim;
            float[] z = new float[bd];
            rng.fillGaussian(z);
            float[] a = EulerSampler.integrate(targetFlow, targetFlowTape, cond, z.clone(), batch, cfg.flowSteps(), true);
            float[] q = critic.forward(false, cond, a, batch).clone();
            float[] in = new float[batch * (condDim + chunkDim)];
            OfflineBatches.concat(cond, z, in, batch, condDim, chunkDim);
            float[] qz = zCritic.forward(zTape, in, batch);
            int k = cfg.numQs();
            float[] d = new float[k * batch];
            double loss = 0;
            for (int i = 0; i < k * batch; i++) {
                double u = qz[i] - q[i];
                loss += u * u;
                d[i] = (float) (2 * u / ((double) k * batch));
            }
            if (g != null) zCritic.backward(zTape, d, g, null);
            return loss / ((double) k * batch);
        }

        /**
         * SAC in noise space: mean(α·log π(w) − mean_k Qz_k(c, s·w)) with α a constant, plus α·(−mean log π − H_t) for
         * log α. dL/dw = −s·∇Qz/B; dL/d log π = α/B; dL/d log α = α·(−mean log π − H_t).
         *
         * @return {policy loss, mean Qz, entropy estimate, α}
         */
        double[] actorLoss(float[] cond, Rng rng, Gradients[] actorGrads, Gradients alphaGrads) {
            int bd = batch * chunkDim;
            float[] w = new float[bd];
            float[] logp = new float[batch];
            actor.sample(cond, batch, rng, w, logp);
            float s = (float) cfg.noiseScale();
            float[] z = new float[bd];
            for (int i = 0; i < bd; i++) z[i] = s * w[i];
            float[] q = new float[batch];
            float[] gq = new float[bd];
            zView.evaluate(cond, z, batch, q, gq);
            double qMean = 0, lpMean = 0;
            for (int b = 0; b < batch; b++) {
                qMean += q[b] / batch;
                lpMean += logp[b] / batch;
            }
            double alpha = Math.exp(logAlpha.value());
            double targetEntropy = -0.5 * chunkDim;
            if (actorGrads != null) {
                float[] dW = new float[bd];
                for (int i = 0; i < bd; i++) dW[i] = -s * gq[i] / batch;
                float[] dLogp = new float[batch];
                Arrays.fill(dLogp, (float) (alpha / batch));
                actor.backward(dW, dLogp, actorGrads, null);
                logAlpha.accumulateGradient(alphaGrads, alpha * (-lpMean - targetEntropy));
            }
            return new double[] {alpha * lpMean - qMean, qMean, -lpMean, alpha};
        }

        /** clip(ODE(v̄_β, c, noise_scale·clip(π(c)))). */
        float[] act(float[] c, int n, Rng rng) {
            int nd = n * chunkDim;
            float[] w = new float[nd];
            actor.sample(c, n, rng, w, null);
            float s = (float) cfg.noiseScale();
            for (int i = 0; i < nd; i++) w[i] = s * clip(w[i]);
            return actOde.integrate(c, w, n);
        }

        /** The target flow's clipped ODE at the given noise (for tests). */
        float[] flowActions(float[] c, float[] z, int n) {
            return EulerSampler.integrate(targetFlow, targetFlow.network().newTape(n), c, z.clone(), n, cfg.flowSteps(), true);
        }

        List<Module> modulesForTests() {
            return modules.trained();
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("critic_loss", criticLoss(validation, rng, null));
            m.put("z_distill_loss", zDistillLoss(validation.valueConditioning(), rng, null));
            m.put("bc_flow_loss", bc.loss(flowTape, validation.actorConditioning(), validation.batch().actions(),
                    td.valid(), FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            return m;
        }

        @Override
        public Map<String, Policy> policies() {
            return Map.of("dsrl", policy(this::act));
        }
    }
}
