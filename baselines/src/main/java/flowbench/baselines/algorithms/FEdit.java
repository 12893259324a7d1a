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
import flowbench.baselines.nn.Module;
import flowbench.baselines.nn.ScalarParameter;
import flowbench.baselines.rl.ActionCritic;
import flowbench.baselines.rl.TanhNormalPolicy;
import flowbench.baselines.rl.TdCritic;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.GoalConfig;
import flowbench.harness.protocol.Configs;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FEdit (qam.md section 2.5, reference {@code agents/fedit.py}): flow BC plus an EXPO-style edit policy.
 *
 * <ul>
 *   <li>critic: the common TD ensemble ({@link TdCritic}), next actions from the agent's own stochastic sampler;</li>
 *   <li>{@code actor_bc_flow}: flow-matching BC (§0.3), never fine-tuned;</li>
 *   <li>edit policy: TanhNormal e ~ π(·|[s, a_flow]) on the clipped BC ODE sample a_flow (no gradient into the flow),
 *       ã = clip(a_flow + edit_scale·e); L_eq = −mean_b mean_k Q_k(s, ã) (current critic, frozen);
 *       L_ent = mean_b α_sg·logπ(e); L_α = α·(−mean logπ_sg − H_target), H_target = −multiplier·D;</li>
 *   <li>one plain Adam over every module (FEdit has no gradient clip, §0.4);</li>
 *   <li>acting (evaluation and TD targets): clip(ODE(bc, s, z) + edit_scale·e) with a fresh stochastic e.</li>
 * </ul>
 * Goal-conditioned tasks: critic on [s, g_value], flow and edit on [s, g_actor] (hindsight goals, as QAM).
 */
public final class FEdit implements Algorithm<FEdit.Config> {

    /**
     * @param actorHidden   hidden widths of the BC flow and of the edit trunk
     * @param criticHidden  hidden widths of each critic member
     * @param activation    hidden activation (GELU, tanh approximation)
     * @param batchSize     B
     * @param learningRate  Adam step size (constant)
     * @param numQs         critic ensemble size K
     * @param rho           pessimism ρ of the TD target
     * @param discount      γ (the target uses γ^H)
     * @param tau           Polyak rate of the target critic
     * @param flowSteps     N Euler steps
     * @param horizon       action chunk length H
     * @param editScale     edit_scale (&gt; 0)
     * @param editTargetEntropyMultiplier target entropy = −multiplier·D
     * @param goals         hindsight goal sampling (its discount is replaced by {@code discount})
     */
    public record Config(int[] actorHidden, int[] criticHidden, Activation activation, int batchSize, double learningRate,
                         int numQs, double rho, double discount, double tau, int flowSteps, int horizon,
                         double editScale, double editTargetEntropyMultiplier, GoalConfig goals) {
        public Config {
            if (actorHidden == null || actorHidden.length == 0) throw new IllegalArgumentException("fedit: actorHidden must list at least one width");
            if (criticHidden == null || criticHidden.length == 0) throw new IllegalArgumentException("fedit: criticHidden must list at least one width");
            actorHidden = actorHidden.clone();
            criticHidden = criticHidden.clone();
            if (activation == null) throw new IllegalArgumentException("fedit: activation must be set (GELU or RELU)");
            if (batchSize < 1) throw new IllegalArgumentException("fedit: batchSize must be >= 1, got " + batchSize);
            if (!(learningRate > 0)) throw new IllegalArgumentException("fedit: learningRate must be > 0, got " + learningRate);
            if (numQs < 1) throw new IllegalArgumentException("fedit: numQs must be >= 1, got " + numQs);
            if (!(rho >= 0)) throw new IllegalArgumentException("fedit: rho must be >= 0, got " + rho);
            if (!(discount >= 0 && discount < 1)) throw new IllegalArgumentException("fedit: discount must be in [0, 1), got " + discount);
            if (!(tau >= 0 && tau <= 1)) throw new IllegalArgumentException("fedit: tau must be in [0, 1], got " + tau);
            if (flowSteps < 1) throw new IllegalArgumentException("fedit: flowSteps must be >= 1, got " + flowSteps);
            if (horizon < 1) throw new IllegalArgumentException("fedit: horizon must be >= 1, got " + horizon);
            if (!(editScale > 0)) throw new IllegalArgumentException("fedit: editScale must be > 0, got " + editScale);
            if (!(editTargetEntropyMultiplier >= 0)) {
                throw new IllegalArgumentException("fedit: editTargetEntropyMultiplier must be >= 0, got " + editTargetEntropyMultiplier);
            }
            if (goals == null) throw new IllegalArgumentException("fedit: goals must be set");
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
         * Reference values (qam.md §4, §6): 4×512 actor/edit trunk and critic, B 256, lr 3e-4, K 10, ρ 0.5, γ 0.99,
         * τ 0.005, N 10, H 1, target-entropy multiplier 0.5, edit_scale 0.2 (antmaze-large column, the maze domain
         * closest to PointMaze).
         */
        public static Config paper() {
            return new Config(new int[] {512, 512, 512, 512}, new int[] {512, 512, 512, 512}, Activation.GELU, 256, 3e-4,
                    10, 0.5, 0.99, 0.005, 10, 1, 0.2, 0.5, GoalConfig.defaults());
        }

        /**
         * Sized for minutes on 2 cores: 2×128 networks, K = 4, B = 64, N = 10 kept. A step runs the BC ODE twice
         * (TD next actions and the edit loss: 2N actor passes), the critic, BC and the edit policy.
         */
        public static Config cpu() {
            return new Config(new int[] {128, 128}, new int[] {128, 128}, Activation.GELU, 64, 3e-4, 4, 0.5, 0.99,
                    0.005, 10, 1, 0.2, 0.5, GoalConfig.defaults());
        }

        /** This config with other sizes (tests). */
        public Config withTraining(int[] actor, int[] critic, int qs, int batch, double lr) {
            return new Config(actor, critic, activation, batch, lr, qs, rho, discount, tau, flowSteps, horizon, editScale,
                    editTargetEntropyMultiplier, goals);
        }

        /** This config with another edit scale. */
        public Config withEditScale(double s) {
            return new Config(actorHidden, criticHidden, activation, batchSize, learningRate, numQs, rho, discount, tau,
                    flowSteps, horizon, s, editTargetEntropyMultiplier, goals);
        }

        GoalConfig goalConfig() {
            return goals.withDiscount(discount);
        }

        TdCritic.Config criticConfig() {
            return new TdCritic.Config(criticHidden, activation, LayerNormPlacement.AFTER_ACTIVATION, numQs, rho, tau);
        }

        // arrays make the generated equals/hashCode/toString identity-based; compare the JSON form instead
        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && Configs.toJson(this).equals(Configs.toJson(c));
        }

        @Override
        public int hashCode() {
            return Configs.toJson(this).hashCode();
        }

        @Override
        public String toString() {
            return "FEdit.Config" + Configs.toJson(this);
        }
    }

    @Override
    public String name() {
        return "fedit";
    }

    @Override
    public String paper() {
        return "Li and Levine, Q-learning with Adjoint Matching (arXiv 2601.14234, 2026), FEdit baseline (EXPO-style edit)";
    }

    @Override
    public String family() {
        return "training-time";
    }

    @Override
    public String description() {
        return "FEdit: TD critic ensemble + BC flow + a TanhNormal edit policy on the BC sample with SAC temperature; "
                + "acts with clip(a_flow + edit_scale * e).";
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
            default -> throw new IllegalArgumentException("fedit: unknown profile '" + profile + "', expected paper or cpu");
        };
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new FEditLearner(config, context);
    }

    static final class FEditLearner implements Learner {
        private final Config cfg;
        private final OfflineBatches train;
        private final OfflineBatches validation;
        private final boolean goalConditioned;
        private final int condDim;
        private final int chunkDim;
        private final int batch;
        private final double discountH;
        private final TdCritic critic;
        private final VelocityField flow;
        final TanhNormalPolicy edit;
        final ScalarParameter logAlpha;
        private final List<Module> modules = new ArrayList<>();
        private final Gradients[] grads;
        private final Adam adam;
        private final FlowMatching bc;
        private final Mlp.Tape bcTape;
        private final Mlp.Tape trainTape;
        private Mlp.Tape actTape;

        FEditLearner(Config cfg, AgentContext ctx) {
            this.cfg = cfg;
            this.batch = cfg.batchSize();
            this.train = new OfflineBatches(ctx, ctx.train(), batch, cfg.horizon(), cfg.discount(), cfg.goalConfig());
            this.validation = ctx.validation() == null ? null
                    : new OfflineBatches(ctx, ctx.validation(), batch, cfg.horizon(), cfg.discount(), cfg.goalConfig());
            this.goalConditioned = train.goalConditioned();
            this.condDim = train.condDim();
            this.chunkDim = cfg.horizon() * ctx.train().actionDim();
            this.discountH = Math.pow(cfg.discount(), cfg.horizon());
            long seed = ctx.seed();
            this.critic = new TdCritic(condDim, chunkDim, cfg.criticConfig(), batch, Seeds.rng(seed, "init", "critic"));
            MlpConfig actorNet = new MlpConfig(1, cfg.actorHidden(), 1, cfg.activation(), LayerNormPlacement.NONE, false);
            this.flow = new VelocityField(condDim, chunkDim, TimeEmbedding.RAW, actorNet, Seeds.rng(seed, "init", "actor_bc_flow"));
            this.edit = new TanhNormalPolicy(condDim + chunkDim, chunkDim, cfg.actorHidden(), cfg.activation(), batch,
                    Seeds.rng(seed, "init", "edit_actor"));
            this.logAlpha = new ScalarParameter("log_alpha", 0f); // LogParam, init α = 1
            modules.add(critic.network());
            modules.add(flow.network());
            modules.addAll(edit.modules());
            modules.add(logAlpha);
            this.grads = new Gradients[modules.size()];
            for (int i = 0; i < grads.length; i++) grads[i] = modules.get(i).newGradients();
            this.adam = new Adam(AdamConfig.of(cfg.learningRate()), modules);
            this.bc = new FlowMatching(flow, batch);
            this.bcTape = flow.network().newTape(batch);
            this.trainTape = flow.network().newTape(batch);
            this.actTape = flow.network().newTape(batch);
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            for (Gradients g : grads) g.zero();
            Map<String, Double> m = new LinkedHashMap<>();
            float[] actions = train.batch().actions();
            float[] valid = train.batch().lastValid();

            // TD (qam.md §0.2), a' = the agent's own sampler at s'_H
            float[] next = sample(trainTape, train.nextValueConditioning(), batch, rng, true);
            float[] y = new float[batch];
            critic.targets(train.batch().lastRewards(), train.batch().lastMasks(), discountH, train.nextValueConditioning(),
                    next, batch, y);
            double lq = critic.loss(train.valueConditioning(), actions, y, valid, batch, grads[0]);
            float[] q = critic.lastLossQ(batch);
            double qs = 0;
            for (float v : q) qs += v;
            m.put("critic_loss", lq);
            m.put("q_mean", qs / q.length);

            double lbc = bc.loss(bcTape, train.actorConditioning(), actions, valid, FlowMatching.TimeSampling.UNIFORM,
                    cfg.flowSteps(), rng, grads[1]);
            m.put("bc_flow_loss", lbc);

            float[] cond = train.actorConditioning();
            float[] aFlow = new float[batch * chunkDim];
            rng.fillGaussian(aFlow);
            EulerSampler.integrate(flow, trainTape, cond, aFlow, batch, cfg.flowSteps(), true);
            float[] noise = new float[batch * chunkDim];
            rng.fillGaussian(noise);
            Gradients[] eg = {grads[2], grads[3], grads[4]};
            double[] le = editLoss(cond, aFlow, noise, batch, critic.current(), eg, grads[5], m);

            adam.step(grads);
            m.put("edit_loss", le[0]);
            m.put("alpha_loss", le[1]);
            m.put("total_loss", lq + lbc + le[0] + le[1]);
            critic.polyakUpdate();
            return m;
        }

        /**
         * L_eq + L_ent + L_α (qam.md §1.5 as used by §2.5) for given BC samples a_flow and edit noise; accumulates the
         * edit-policy gradients into {@code editGrads} and dL_α/dlog α into {@code alphaGrad} when non-null.
         * Gradient paths: ∂L_eq/∂e = −edit_scale·∇Q(ã)/B inside [−1, 1] (zero where the clip is active);
         * ∂L_ent/∂logπ = α/B with α constant; L_α reaches only log α.
         *
         * @return {L_eq + L_ent (α constant), L_α}: the first is what the edit parameters' gradient differentiates,
         *         the second what log α's does
         */
        double[] editLoss(float[] cond, float[] aFlow, float[] noise, int n, ActionCritic q, Gradients[] editGrads,
                        Gradients alphaGrad, Map<String, Double> m) {
            int nd = n * chunkDim;
            float[] in = new float[n * (condDim + chunkDim)];
            OfflineBatches.concat(cond, aFlow, in, n, condDim, chunkDim);
            float[] e = new float[nd];
            float[] logp = new float[n];
            edit.sample(in, n, noise, e, logp);
            float s = (float) cfg.editScale();
            float[] edited = new float[nd];
            boolean[] inside = new boolean[nd];
            for (int i = 0; i < nd; i++) {
                float v = aFlow[i] + s * e[i];
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
            double targetEntropy = -cfg.editTargetEntropyMultiplier() * chunkDim;
            double lAlpha = alpha * (-lpMean - targetEntropy);
            if (editGrads != null) {
                float[] dE = new float[nd];
                for (int i = 0; i < nd; i++) dE[i] = inside[i] ? -s * g[i] / n : 0f;
                float[] dLogp = new float[n];
                Arrays.fill(dLogp, alpha / n);
                edit.backward(dE, dLogp, editGrads, null);
            }
            // L_α = α·(−mean logπ_sg − H_target): dL/dlog α = α·(−mean logπ − H_target) = L_α
            if (alphaGrad != null) logAlpha.accumulateGradient(alphaGrad, lAlpha);
            if (m != null) {
                m.put("edit_q", qMean);
                m.put("edit_entropy", -lpMean);
                m.put("edit_alpha", (double) alpha);
            }
            return new double[] {-qMean + alpha * lpMean, lAlpha};
        }

        /** z ~ N(0, I), a_flow = clip(ODE(bc, s, z)); with the edit, clip(a_flow + edit_scale·e), e fresh. */
        private float[] sample(Mlp.Tape tape, float[] c, int n, Rng rng, boolean withEdit) {
            int nd = n * chunkDim;
            float[] x = new float[nd];
            rng.fillGaussian(x);
            EulerSampler.integrate(flow, tape, c, x, n, cfg.flowSteps(), true);
            if (!withEdit) return x;
            float[] in = new float[n * (condDim + chunkDim)];
            OfflineBatches.concat(c, x, in, n, condDim, chunkDim);
            float[] e = new float[nd];
            edit.sample(in, n, rng, e, null);
            float s = (float) cfg.editScale();
            for (int i = 0; i < nd; i++) x[i] = Math.max(-1f, Math.min(1f, x[i] + s * e[i]));
            return x;
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            Map<String, Double> m = new LinkedHashMap<>();
            float[] v = validation.batch().lastValid();
            m.put("bc_flow_loss", bc.loss(bcTape, validation.actorConditioning(), validation.batch().actions(), v,
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            float[] na = sample(trainTape, validation.nextValueConditioning(), batch, rng, true);
            float[] yy = new float[batch];
            critic.targets(validation.batch().lastRewards(), validation.batch().lastMasks(), discountH,
                    validation.nextValueConditioning(), na, batch, yy);
            m.put("critic_loss", critic.loss(validation.valueConditioning(), validation.batch().actions(), yy, v, batch, null));
            return m;
        }

        @Override
        public Map<String, Policy> policies() {
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put("fedit", new ChunkPolicy(true));
            p.put("flow-bc", new ChunkPolicy(false));
            return p;
        }

        private final class ChunkPolicy implements Policy {
            private final boolean withEdit;

            ChunkPolicy(boolean withEdit) {
                this.withEdit = withEdit;
            }

            @Override
            public int chunkLength() {
                return cfg.horizon();
            }

            @Override
            public float[] act(float[] observations, float[] goals, int n, Rng rng) {
                float[] c = OfflineBatches.policyConditioning(goalConditioned, observations, goals, n);
                if (actTape.capacity() < n) actTape = flow.network().newTape(n);
                return sample(actTape, c, n, rng, withEdit);
            }
        }

        private Checkpoint checkpoint() {
            List<Module> em = edit.modules();
            return new Checkpoint().add("critic", critic.network()).add("target_critic", critic.targetNetwork())
                    .add("actor_bc_flow", flow.network()).add("edit_trunk", em.get(0)).add("edit_mean", em.get(1))
                    .add("edit_log_std", em.get(2)).add("alpha", logAlpha).add("adam", adam);
        }

        @Override
        public void save(Path dir) throws IOException {
            checkpoint().write(dir.resolve("fedit.bin"));
        }

        @Override
        public void load(Path dir) throws IOException {
            checkpoint().read(dir.resolve("fedit.bin"));
        }

        @Override
        public long parameterCount() {
            long n = 0;
            for (Module mod : modules) n += mod.parameterCount();
            return n;
        }
    }
}
