package flowbench.baselines.algorithms;

import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.flow.EulerSampler;
import flowbench.baselines.flow.FlowMatching;
import flowbench.baselines.flow.TimeEmbedding;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.Adam;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Checkpoint;
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
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.GoalConfig;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DSRL, RL in the flow's noise space (qam.md section 2.4).
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
public final class DSRL implements Algorithm<DSRL.Config> {

    /**
     * @param actorHidden  hidden widths of v_β and μ
     * @param criticHidden hidden widths of each critic member
     * @param activation   hidden activation (GELU, tanh approximation)
     * @param batchSize    B
     * @param learningRate Adam learning rate (constant)
     * @param numQs        K critic members
     * @param rho          pessimism ρ of the TD target aggregate
     * @param tau          Polyak rate of the target critic
     * @param flowSteps    Euler steps N of the BC flow ODE
     * @param horizon      action chunk length H
     * @param noiseScale   scale of the latent action ({@code noise_scale})
     * @param goals        discount γ (its {@code discount}) and hindsight goal sampling for goal-conditioned tasks
     */
    public record Config(int[] actorHidden, int[] criticHidden, Activation activation, int batchSize, double learningRate,
                         int numQs, double rho, double tau, int flowSteps, int horizon, double noiseScale, GoalConfig goals) {
        public Config {
            if (actorHidden == null || actorHidden.length == 0) throw new IllegalArgumentException("dsrl: actorHidden must list at least one width");
            if (criticHidden == null || criticHidden.length == 0) throw new IllegalArgumentException("dsrl: criticHidden must list at least one width");
            actorHidden = actorHidden.clone();
            criticHidden = criticHidden.clone();
            if (batchSize < 1) throw new IllegalArgumentException("dsrl: batchSize must be >= 1, got " + batchSize);
            if (!(learningRate > 0)) throw new IllegalArgumentException("dsrl: learningRate must be > 0, got " + learningRate);
            if (flowSteps < 1) throw new IllegalArgumentException("dsrl: flowSteps must be >= 1, got " + flowSteps);
            if (horizon < 1) throw new IllegalArgumentException("dsrl: horizon must be >= 1, got " + horizon);
            if (!(noiseScale > 0)) throw new IllegalArgumentException("dsrl: noiseScale must be > 0, got " + noiseScale);
            if (goals == null) throw new IllegalArgumentException("dsrl: goals must be set");
            new TdCritic.Config(criticHidden, activation, LayerNormPlacement.AFTER_ACTIVATION, numQs, rho, tau);
        }

        @Override
        public int[] actorHidden() {
            return actorHidden.clone();
        }

        @Override
        public int[] criticHidden() {
            return criticHidden.clone();
        }

        /**
         * Reference defaults (qam.md sections 2.4, 4, 6): 4×512 nets, B 256, K 10, ρ 0.5, τ 0.005, N 10, H 1;
         * noise_scale = 0.8 from the antmaze-large column (the maze domain closest to PointMaze).
         */
        public static Config paper() {
            return new Config(new int[] {512, 512, 512, 512}, new int[] {512, 512, 512, 512}, Activation.GELU, 256, 3e-4,
                    10, 0.5, 0.005, 10, 1, 0.8, GoalConfig.defaults());
        }

        /**
         * Sized for minutes on 2 cores: 2×128 nets, K = 4, B = 64 (as the other cpu profiles); a step runs two ODE
         * samples (TD target, z distillation) and two K-ensembles. Otherwise as {@link #paper()}.
         */
        public static Config cpu() {
            return new Config(new int[] {128, 128}, new int[] {128, 128}, Activation.GELU, 64, 3e-4, 4, 0.5, 0.005, 10, 1,
                    0.8, GoalConfig.defaults());
        }

        public Config withNoiseScale(double a) {
            return new Config(actorHidden, criticHidden, activation, batchSize, learningRate, numQs, rho, tau, flowSteps,
                    horizon, a, goals);
        }

        TdCritic.Config criticConfig() {
            return new TdCritic.Config(criticHidden, activation, LayerNormPlacement.AFTER_ACTIVATION, numQs, rho, tau);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && Arrays.equals(actorHidden, c.actorHidden) && Arrays.equals(criticHidden, c.criticHidden)
                    && Arrays.equals(fields(), c.fields());
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(actorHidden) * 961 + Arrays.hashCode(criticHidden) * 31 + Arrays.hashCode(fields());
        }

        private Object[] fields() {
            return new Object[] {activation, batchSize, learningRate, numQs, rho, tau, flowSteps, horizon, noiseScale, goals};
        }

        @Override
        public String toString() {
            return "DSRL.Config[actorHidden=" + Arrays.toString(actorHidden) + ", criticHidden=" + Arrays.toString(criticHidden)
                    + ", " + Arrays.toString(fields()) + "]";
        }
    }

    @Override
    public String name() {
        return "dsrl";
    }

    @Override
    public String paper() {
        return "Wagenmaker et al., Steering Your Diffusion Policy with Latent Space Reinforcement Learning (DSRL, 2025)";
    }

    @Override
    public String family() {
        return "training-time";
    }

    @Override
    public String description() {
        return "SAC on the BC flow's input noise: a TanhNormal latent policy maximising a z-critic distilled from Q.";
    }

    @Override
    public Class<Config> configType() {
        return Config.class;
    }

    @Override
    public Config defaultConfig(String profile) {
        return switch (profile) {
            case "paper" -> Config.paper();
            case "cpu" -> Config.cpu();
            default -> throw new IllegalArgumentException("dsrl: unknown profile '" + profile + "', expected paper or cpu");
        };
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new DsrlLearner(config, context);
    }

    static final class DsrlLearner implements Learner {
        private final Config cfg;
        private final int batch;
        private final OfflineBatches train;
        private final OfflineBatches validation;
        private final int condDim;
        private final int chunkDim;
        private final double discountH;
        private final TdCritic critic;
        private final MlpEnsemble zCritic;
        private final MlpEnsemble.Tape zTape;
        private final EnsembleCritic zView;
        private final VelocityField flow;
        private final VelocityField targetFlow;
        private final TanhNormalPolicy actor;
        private final ScalarParameter logAlpha;
        private final List<Module> modules = new ArrayList<>();
        private final Gradients[] grads;
        private final Adam adam;
        private final FlowMatching bc;
        private final Mlp.Tape flowTape;
        private final Mlp.Tape targetFlowTape;
        private Mlp.Tape actTape;
        private final float[] nextActions;
        private final float[] y;
        private final float[] rewards;
        private final float[] masks;
        private final float[] valid;

        DsrlLearner(Config cfg, AgentContext ctx) {
            this.cfg = cfg;
            this.batch = cfg.batchSize();
            GoalConfig g = cfg.goals();
            this.train = new OfflineBatches(ctx, ctx.train(), batch, cfg.horizon(), g.discount(), g);
            this.validation = ctx.validation() == null ? null
                    : new OfflineBatches(ctx, ctx.validation(), batch, cfg.horizon(), g.discount(), g);
            this.condDim = train.condDim();
            this.chunkDim = cfg.horizon() * ctx.train().actionDim();
            this.discountH = Math.pow(g.discount(), cfg.horizon());
            long seed = ctx.seed();
            this.critic = new TdCritic(condDim, chunkDim, cfg.criticConfig(), batch, Seeds.rng(seed, "init", "critic"));
            this.zCritic = new MlpEnsemble(new MlpConfig(condDim + chunkDim, cfg.criticHidden(), 1, cfg.activation(),
                    LayerNormPlacement.AFTER_ACTIVATION, false), cfg.numQs(), Seeds.rng(seed, "init", "z_critic"));
            this.zTape = zCritic.newTape(batch);
            this.zView = new EnsembleCritic(zCritic, condDim, EnsembleCritic.Aggregation.MEAN);
            MlpConfig actorNet = new MlpConfig(1, cfg.actorHidden(), 1, cfg.activation(), LayerNormPlacement.NONE, false);
            this.flow = new VelocityField(condDim, chunkDim, TimeEmbedding.RAW, actorNet, Seeds.rng(seed, "init", "actor_bc_flow"));
            this.targetFlow = flow.copy();
            this.actor = new TanhNormalPolicy(condDim, chunkDim, cfg.actorHidden(), cfg.activation(), batch,
                    Seeds.rng(seed, "init", "actor"));
            this.logAlpha = new ScalarParameter("log_alpha", 0f); // LogParam, init α = 1
            modules.add(critic.network());
            modules.add(zCritic);
            modules.add(flow.network());
            modules.addAll(actor.modules());
            modules.add(logAlpha);
            this.grads = new Gradients[modules.size()];
            for (int i = 0; i < grads.length; i++) grads[i] = modules.get(i).newGradients();
            this.adam = new Adam(AdamConfig.of(cfg.learningRate()), modules);
            this.bc = new FlowMatching(flow, batch);
            this.flowTape = flow.network().newTape(batch);
            this.targetFlowTape = targetFlow.network().newTape(batch);
            this.nextActions = new float[batch * chunkDim];
            this.y = new float[batch];
            this.rewards = new float[batch];
            this.masks = new float[batch];
            this.valid = new float[batch];
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            for (Gradients g : grads) g.zero();
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("critic_loss", criticLoss(train, rng, grads[0]));
            m.put("z_distill_loss", zDistillLoss(train.valueConditioning(), rng, grads[1]));
            m.put("bc_flow_loss", bc.loss(flowTape, train.actorConditioning(), train.batch().actions(), valid,
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, grads[2]));
            double[] a = actorLoss(train.actorConditioning(), rng, Arrays.copyOfRange(grads, 3, 6), grads[6]);
            m.put("actor_loss", a[0]);
            m.put("actor_q", a[1]);
            m.put("entropy", a[2]);
            m.put("alpha", a[3]);
            adam.step(grads);
            critic.polyakUpdate();
            targetFlow.network().parameters().polyakUpdate(flow.network().parameters(), cfg.tau());
            return m;
        }

        /** TD loss with a' = the acting rule at s'_H; fills {@code valid}. */
        private double criticLoss(OfflineBatches ob, Rng rng, Gradients g) {
            ob.batch().lastRewards(rewards);
            ob.batch().lastMasks(masks);
            ob.batch().lastValid(valid);
            System.arraycopy(act(ob.nextValueConditioning(), batch, rng), 0, nextActions, 0, nextActions.length);
            critic.targets(rewards, masks, discountH, ob.nextValueConditioning(), nextActions, batch, y);
            return critic.loss(ob.valueConditioning(), ob.batch().actions(), y, valid, batch, g);
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
            if (actTape == null || actTape.capacity() < n) actTape = targetFlow.network().newTape(n);
            return EulerSampler.integrate(targetFlow, actTape, c, w, n, cfg.flowSteps(), true);
        }

        /** The target flow's clipped ODE at the given noise (for tests). */
        float[] flowActions(float[] c, float[] z, int n) {
            return EulerSampler.integrate(targetFlow, targetFlow.network().newTape(n), c, z.clone(), n, cfg.flowSteps(), true);
        }

        List<Module> modulesForTests() {
            return modules;
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("critic_loss", criticLoss(validation, rng, null));
            m.put("z_distill_loss", zDistillLoss(validation.valueConditioning(), rng, null));
            m.put("bc_flow_loss", bc.loss(flowTape, validation.actorConditioning(), validation.batch().actions(), valid,
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            return m;
        }

        @Override
        public Map<String, Policy> policies() {
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put("dsrl", new Policy() {
                @Override
                public int chunkLength() {
                    return cfg.horizon();
                }

                @Override
                public float[] act(float[] observations, float[] goals, int n, Rng rng) {
                    return DsrlLearner.this.act(OfflineBatches.policyConditioning(train.goalConditioned(), observations, goals, n), n, rng);
                }
            });
            return p;
        }

        private Checkpoint checkpoint() {
            List<Module> am = actor.modules();
            return new Checkpoint().add("critic", critic.network()).add("target_critic", critic.targetNetwork())
                    .add("z_critic", zCritic).add("actor_bc_flow", flow.network())
                    .add("target_actor_bc_flow", targetFlow.network()).add("actor_trunk", am.get(0))
                    .add("actor_mean", am.get(1)).add("actor_log_std", am.get(2)).add("log_alpha", logAlpha)
                    .add("adam", adam);
        }

        @Override
        public void save(Path dir) throws IOException {
            checkpoint().write(dir.resolve("dsrl.bin"));
        }

        @Override
        public void load(Path dir) throws IOException {
            checkpoint().read(dir.resolve("dsrl.bin"));
        }

        @Override
        public long parameterCount() {
            long n = critic.network().parameterCount() + flow.network().parameterCount();
            for (Module mod : modules) n += mod == critic.network() || mod == flow.network() ? 0 : mod.parameterCount();
            return n;
        }
    }

    private static float clip(float v) {
        return FQL.clip(v);
    }
}
