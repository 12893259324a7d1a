package flowbench.baselines.algorithms;

import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.flow.AdjointMatching;
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
 * QAM, Q-learning with Adjoint Matching (Li and Levine, arXiv 2601.14234), and its variants QAM-F and QAM-E, exactly
 * as qam.md section 1 specifies the reference code ({@code agents/qam.py}):
 *
 * <ul>
 *   <li>critic: the common TD ensemble ({@link TdCritic}, K = 10, mean − ρ·std target, Polyak τ), next actions from the
 *       agent's own stochastic sampler;</li>
 *   <li>{@code actor_slow} v_β: flow-matching BC on data chunks (masked by validity), with a Polyak target copy that is
 *       the base field of adjoint matching ({@code target_actor=True});</li>
 *   <li>{@code actor_fast} v_θ: its own random initialisation (QUIRK §8.3, no copy of v_β, no BC pretraining), trained
 *       by the adjoint-matching loss ({@link AdjointMatching}) with terminal reward λ·Q̄ (λ = {@code invTemp}, Q̄ the
 *       TARGET critic's ensemble mean at clip(x_N)); its deterministic Euler ODE is the policy;</li>
 *   <li>QAM-F ({@code fqlAlpha} &gt; 0): a one-step policy μ_ω(s, z) distilled from the fine-tuned flow plus −Q (current
 *       critic), acting with clip(μ_ω(s, z));</li>
 *   <li>QAM-E ({@code editScale} &gt; 0): an EXPO-style TanhNormal edit e ~ π(·|s, a_flow) with SAC temperature (target
 *       entropy −{@code editTargetEntropyMultiplier}·D), acting with clip(a_flow + editScale·e);</li>
 *   <li>ONE Adam over every module with ONE global-norm clip at 1.0 over all of their gradients (§0.4, QUIRK §8.4:
 *       the large AM gradient shrinks the critic's effective step); sampling is stochastic in evaluation as well (§1.7,
 *       §8.6).</li>
 * </ul>
 *
 * <p>Goal-conditioned tasks (not in the paper): the critic is conditioned on [s, g_value] with rewards and masks
 * relabelled against the value goal, next actions and Q̄(s'_H, a') use [s'_H, g_value]; BC, adjoint matching and the
 * variant losses use [s, g_actor] (hindsight goals from {@link flowbench.harness.data.GoalSampler}).
 *
 * <p>Registered three times: {@code qam}, {@code qam-f}, {@code qam-e}; they differ only in their default configs.
 */
public final class QAM implements Algorithm<QAM.Config> {

    /** The three registered names. */
    public enum Variant {
        QAM("qam"), QAM_F("qam-f"), QAM_E("qam-e");

        private final String registryName;

        Variant(String registryName) {
            this.registryName = registryName;
        }

        public String registryName() {
            return registryName;
        }
    }

    /**
     * Every hyperparameter of {@code agents/qam.py} that this implementation reads (qam.md section 1.8), plus hindsight
     * goal settings for goal-conditioned tasks.
     *
     * @param actorHidden          hidden widths of actor_slow, actor_fast, the one-step actor and the edit trunk
     * @param criticHidden         hidden widths of every critic member
     * @param activation           hidden activation (GELU, tanh approximation)
     * @param batchSize            B
     * @param learningRate         Adam step size (constant)
     * @param clipGradNorm         global-norm clip over ALL modules' gradients ({@code clip_grad}: 1.0); 0 = off
     * @param numQs                critic ensemble size K
     * @param rho                  pessimism ρ of the TD target
     * @param discount             γ (the target uses γ^H)
     * @param tau                  Polyak rate of target critic and target actor_slow
     * @param flowSteps            N (Euler steps of every ODE and of the memoryless SDE)
     * @param horizon              action chunk length H (chunks of D = H·A executed open-loop)
     * @param invTemp              λ, the inverse temperature of π_β·exp(λQ); 0 = act with the BC flow
     * @param fqlAlpha             QAM-F distillation weight (&gt; 0 switches QAM-F on)
     * @param editScale            QAM-E edit scale (&gt; 0 switches QAM-E on)
     * @param editTargetEntropyMultiplier QAM-E: target entropy = −multiplier·D
     * @param targetActor          base field v_β = target actor_slow (true, reference) or actor_slow itself
     * @param useTargetGrad        terminal adjoint from the target critic (true, reference) or the current one
     * @param clipAdj              evaluate ∇Q at clip(x_N) with zero gradient outside [−1, 1] (true, reference)
     * @param lastStep             QUIRK §8.1: BASE (reference) or FINE field for the last forward SDE step
     * @param adjointRecursion     QUIRK §8.2: REFERENCE (time offset t_k + h) or DISCRETE (exact discrete adjoint)
     * @param goals                goal-conditioned tasks: hindsight value (critic) and actor goal sampling (its
     *                             discount is replaced by {@code discount})
     */
    public record Config(int[] actorHidden, int[] criticHidden, Activation activation, int batchSize, double learningRate,
                         double clipGradNorm, int numQs, double rho, double discount, double tau, int flowSteps,
                         int horizon, double invTemp, double fqlAlpha, double editScale,
                         double editTargetEntropyMultiplier, boolean targetActor, boolean useTargetGrad, boolean clipAdj,
                         AdjointMatching.LastStep lastStep, AdjointMatching.Recursion adjointRecursion,
                         GoalConfig goals) {
        public Config {
            if (actorHidden == null || actorHidden.length == 0) throw new IllegalArgumentException("qam: actorHidden must list at least one width");
            if (criticHidden == null || criticHidden.length == 0) throw new IllegalArgumentException("qam: criticHidden must list at least one width");
            actorHidden = actorHidden.clone();
            criticHidden = criticHidden.clone();
            if (activation == null) throw new IllegalArgumentException("qam: activation must be set (GELU or RELU)");
            if (batchSize < 1) throw new IllegalArgumentException("qam: batchSize must be >= 1, got " + batchSize);
            if (!(learningRate > 0)) throw new IllegalArgumentException("qam: learningRate must be > 0, got " + learningRate);
            if (!(clipGradNorm >= 0)) throw new IllegalArgumentException("qam: clipGradNorm must be >= 0 (0 = off), got " + clipGradNorm);
            if (numQs < 1) throw new IllegalArgumentException("qam: numQs must be >= 1, got " + numQs);
            if (!(rho >= 0)) throw new IllegalArgumentException("qam: rho must be >= 0, got " + rho);
            if (!(discount >= 0 && discount < 1)) throw new IllegalArgumentException("qam: discount must be in [0, 1), got " + discount);
            if (!(tau >= 0 && tau <= 1)) throw new IllegalArgumentException("qam: tau must be in [0, 1], got " + tau);
            if (flowSteps < 1) throw new IllegalArgumentException("qam: flowSteps must be >= 1, got " + flowSteps);
            if (horizon < 1) throw new IllegalArgumentException("qam: horizon must be >= 1, got " + horizon);
            if (!(invTemp >= 0)) throw new IllegalArgumentException("qam: invTemp must be >= 0, got " + invTemp);
            if (!(fqlAlpha >= 0)) throw new IllegalArgumentException("qam: fqlAlpha must be >= 0, got " + fqlAlpha);
            if (!(editScale >= 0)) throw new IllegalArgumentException("qam: editScale must be >= 0, got " + editScale);
            if (fqlAlpha > 0 && editScale > 0) {
                throw new IllegalArgumentException("qam: at most one of fqlAlpha (QAM-F) and editScale (QAM-E) may be > 0, got "
                        + fqlAlpha + " and " + editScale);
            }
            if (!(editTargetEntropyMultiplier >= 0)) {
                throw new IllegalArgumentException("qam: editTargetEntropyMultiplier must be >= 0, got " + editTargetEntropyMultiplier);
            }
            if (lastStep == null || adjointRecursion == null) throw new IllegalArgumentException("qam: lastStep and adjointRecursion must be set");
            if (goals == null) throw new IllegalArgumentException("qam: goals must be set (hindsight goal sampling)");
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
         * The reference configuration (qam.md sections 1.8 and 6): 4×512 actor and critic, B = 256, lr 3e-4, global clip
         * 1.0, K = 10, ρ = 0.5, γ = 0.99, τ = 0.005, N = 10, every quirk kept. The per-domain values are the paper's
         * antmaze-large-navigate column (the maze domain closest to PointMaze): H = 1 and, per variant, QAM λ = 10;
         * QAM-F λ = 3, α = 30; QAM-E λ = 1, edit 0.1. Override {@code horizon=5} and the table's λ/α/edit for
         * manipulation domains.
         */
        public static Config paper(Variant v) {
            return base(v, new int[] {512, 512, 512, 512}, new int[] {512, 512, 512, 512}, 256, 10);
        }

        /**
         * Sized for minutes on 2 cores: 2×128 actors, 2×128 critics with K = 4, B = 64, N = 10 kept (the sensitivity
         * study, qam.md §7.7, shows N = 1 or 3 collapses QAM). A QAM step runs ~7N passes of the actor network
         * (N SDE steps, N lean-adjoint VJPs, the AM regression on N·B rows, N Euler steps for the TD next action) plus
         * the K-member critic, so its cost is ~20× a FlowBC step at equal sizes. Measured on the shared 2-core dev
         * machine (load 5–7) with PointMaze: 35–120 steps/s here against 0.6–1.4 for {@link #paper}, so a few thousand
         * steps take about a minute. Everything else, quirks and per-domain values included, is as {@link #paper}.
         */
        public static Config cpu(Variant v) {
            return base(v, new int[] {128, 128}, new int[] {128, 128}, 64, 4);
        }

        private static Config base(Variant v, int[] actor, int[] critic, int batch, int numQs) {
            double invTemp = switch (v) {
                case QAM -> 10;
                case QAM_F -> 3;
                case QAM_E -> 1;
            };
            double fql = v == Variant.QAM_F ? 30 : 0;
            double edit = v == Variant.QAM_E ? 0.1 : 0;
            return new Config(actor, critic, Activation.GELU, batch, 3e-4, 1.0, numQs, 0.5, 0.99, 0.005, 10, 1, invTemp,
                    fql, edit, 0.5, true, true, true, AdjointMatching.LastStep.BASE, AdjointMatching.Recursion.REFERENCE,
                    GoalConfig.defaults());
        }

        /** This config with another inverse temperature λ. */
        public Config withInvTemp(double lambda) {
            return new Config(actorHidden, criticHidden, activation, batchSize, learningRate, clipGradNorm, numQs, rho,
                    discount, tau, flowSteps, horizon, lambda, fqlAlpha, editScale, editTargetEntropyMultiplier,
                    targetActor, useTargetGrad, clipAdj, lastStep, adjointRecursion, goals);
        }

        /** This config with other network sizes, ensemble size, batch size and learning rate. */
        public Config withTraining(int[] actor, int[] critic, int qs, int batch, double lr) {
            return new Config(actor, critic, activation, batch, lr, clipGradNorm, qs, rho, discount, tau, flowSteps,
                    horizon, invTemp, fqlAlpha, editScale, editTargetEntropyMultiplier, targetActor, useTargetGrad,
                    clipAdj, lastStep, adjointRecursion, goals);
        }

        /** This config with other adjoint-matching discretisation choices (the two QAM quirks). */
        public Config withAdjoint(AdjointMatching.LastStep last, AdjointMatching.Recursion recursion) {
            return new Config(actorHidden, criticHidden, activation, batchSize, learningRate, clipGradNorm, numQs, rho,
                    discount, tau, flowSteps, horizon, invTemp, fqlAlpha, editScale, editTargetEntropyMultiplier,
                    targetActor, useTargetGrad, clipAdj, last, recursion, goals);
        }

        /** This config with another number of flow steps N. */
        public Config withFlowSteps(int n) {
            return new Config(actorHidden, criticHidden, activation, batchSize, learningRate, clipGradNorm, numQs, rho,
                    discount, tau, n, horizon, invTemp, fqlAlpha, editScale, editTargetEntropyMultiplier,
                    targetActor, useTargetGrad, clipAdj, lastStep, adjointRecursion, goals);
        }

        /** This config with another chunk length H. */
        public Config withHorizon(int h) {
            return new Config(actorHidden, criticHidden, activation, batchSize, learningRate, clipGradNorm, numQs, rho,
                    discount, tau, flowSteps, h, invTemp, fqlAlpha, editScale, editTargetEntropyMultiplier,
                    targetActor, useTargetGrad, clipAdj, lastStep, adjointRecursion, goals);
        }

        GoalConfig goalConfig() {
            return goals.withDiscount(discount);
        }

        AdjointMatching.Options adjointOptions() {
            return new AdjointMatching.Options(flowSteps, lastStep, adjointRecursion, clipAdj);
        }

        TdCritic.Config criticConfig() {
            return new TdCritic.Config(criticHidden, activation, LayerNormPlacement.AFTER_ACTIVATION, numQs, rho, tau);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && Arrays.equals(actorHidden, c.actorHidden)
                    && Arrays.equals(criticHidden, c.criticHidden) && Arrays.equals(rest(), c.rest());
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(actorHidden) * 961 + Arrays.hashCode(criticHidden) * 31 + Arrays.hashCode(rest());
        }

        private Object[] rest() {
            return new Object[] {activation, batchSize, learningRate, clipGradNorm, numQs, rho, discount, tau, flowSteps,
                    horizon, invTemp, fqlAlpha, editScale, editTargetEntropyMultiplier, targetActor, useTargetGrad,
                    clipAdj, lastStep, adjointRecursion, goals};
        }

        @Override
        public String toString() {
            return "QAM.Config[actorHidden=" + Arrays.toString(actorHidden) + ", criticHidden="
                    + Arrays.toString(criticHidden) + ", rest=" + Arrays.toString(rest()) + "]";
        }
    }

    private final Variant variant;

    public QAM(Variant variant) {
        this.variant = variant;
    }

    public Variant variant() {
        return variant;
    }

    @Override
    public String name() {
        return variant.registryName();
    }

    @Override
    public String paper() {
        return "Li and Levine, Q-learning with Adjoint Matching (arXiv 2601.14234, 2026)";
    }

    @Override
    public String family() {
        return "training-time";
    }

    @Override
    public String description() {
        return switch (variant) {
            case QAM -> "QAM: TD critic ensemble + BC flow + a second flow fine-tuned by adjoint matching (memoryless SDE, "
                    + "lean adjoint) towards pi_beta * exp(lambda Q); acts with the fine-tuned flow's ODE.";
            case QAM_F -> "QAM-F: QAM plus a one-step policy distilled from the fine-tuned flow with a -Q term (FQL-style); "
                    + "acts with the one-step policy.";
            case QAM_E -> "QAM-E: QAM plus a TanhNormal edit policy on the fine-tuned flow's action with SAC temperature "
                    + "(EXPO-style); acts with clip(a_flow + scale * e).";
        };
    }

    @Override
    public Class<Config> configType() {
        return Config.class;
    }

    @Override
    public Config defaultConfig(String profile) {
        return switch (profile) {
            case "paper" -> Config.paper(variant);
            case "cpu" -> Config.cpu(variant);
            default -> throw new IllegalArgumentException(name() + ": unknown profile '" + profile + "', expected paper or cpu");
        };
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new QamLearner(config, context, null);
    }

    /**
     * The learner. With a non-null {@code fixedCritic} (tests only) there is no TD critic: every Q the actor losses use
     * (terminal adjoint, QAM-F and QAM-E terms) is that fixed function, which isolates the actor from critic learning.
     */
    static final class QamLearner implements Learner {
        private final Config cfg;
        private final OfflineBatches train;
        private final OfflineBatches validation;
        private final boolean goalConditioned;
        private final int condDim;
        private final int chunkDim;
        private final int batch;
        private final double discountH;
        private final TdCritic critic;
        private final ActionCritic fixedCritic;
        private final VelocityField slow;
        private final VelocityField slowTarget;
        private final VelocityField fast;
        private final Mlp oneStep;
        private final TanhNormalPolicy edit;
        private final ScalarParameter logAlpha;
        private final List<Module> modules = new ArrayList<>();
        private final Gradients[] grads;
        private final Adam adam;
        private final FlowMatching bc;
        private final AdjointMatching am;
        private final Mlp.Tape slowTape;
        private final Sampler trainSampler;
        private final Sampler actSampler;
        // training scratch
        private final float[] nextActions;
        private final float[] y;
        private final float[] rewards;
        private final float[] masks;
        private final float[] valid;

        QamLearner(Config cfg, AgentContext ctx, ActionCritic fixedCritic) {
            this.cfg = cfg;
            this.fixedCritic = fixedCritic;
            this.batch = cfg.batchSize();
            this.train = new OfflineBatches(ctx, ctx.train(), batch, cfg.horizon(), cfg.discount(), cfg.goalConfig());
            this.validation = ctx.validation() == null ? null
                    : new OfflineBatches(ctx, ctx.validation(), batch, cfg.horizon(), cfg.discount(), cfg.goalConfig());
            this.goalConditioned = train.goalConditioned();
            this.condDim = train.condDim();
            this.chunkDim = cfg.horizon() * ctx.train().actionDim();
            this.discountH = Math.pow(cfg.discount(), cfg.horizon());
            long seed = ctx.seed();
            MlpConfig actorNet = new MlpConfig(1, cfg.actorHidden(), 1, cfg.activation(), LayerNormPlacement.NONE, false);
            if (fixedCritic == null) {
                this.critic = new TdCritic(condDim, chunkDim, cfg.criticConfig(), batch, Seeds.rng(seed, "init", "critic"));
                modules.add(critic.network());
            } else {
                if (fixedCritic.condDim() != condDim || fixedCritic.actionDim() != chunkDim) {
                    throw new IllegalArgumentException("qam: fixed critic has condDim/actionDim " + fixedCritic.condDim() + "/"
                            + fixedCritic.actionDim() + ", expected " + condDim + "/" + chunkDim);
                }
                this.critic = null;
            }
            this.slow = new VelocityField(condDim, chunkDim, TimeEmbedding.RAW, actorNet, Seeds.rng(seed, "init", "actor_slow"));
            this.slowTarget = slow.copy();
            // QUIRK (qam.md §8.3): actor_fast has its own random initialisation, not a copy of actor_slow
            this.fast = new VelocityField(condDim, chunkDim, TimeEmbedding.RAW, actorNet, Seeds.rng(seed, "init", "actor_fast"));
            modules.add(slow.network());
            modules.add(fast.network());
            if (cfg.fqlAlpha() > 0) {
                // one-step policy [s, z] -> R^D, no time input, no LayerNorm
                this.oneStep = new Mlp(new MlpConfig(condDim + chunkDim, cfg.actorHidden(), chunkDim, cfg.activation(),
                        LayerNormPlacement.NONE, false), Seeds.rng(seed, "init", "one_step_actor"));
                modules.add(oneStep);
            } else {
                this.oneStep = null;
            }
            if (cfg.editScale() > 0) {
                this.edit = new TanhNormalPolicy(condDim + chunkDim, chunkDim, cfg.actorHidden(), cfg.activation(), batch,
                        Seeds.rng(seed, "init", "edit_actor"));
                modules.addAll(edit.modules());
                this.logAlpha = new ScalarParameter("log_alpha", 0f); // LogParam, init log α = 0 (α = 1)
                modules.add(logAlpha);
            } else {
                this.edit = null;
                this.logAlpha = null;
            }
            this.grads = new Gradients[modules.size()];
            for (int i = 0; i < grads.length; i++) grads[i] = modules.get(i).newGradients();
            AdamConfig ac = AdamConfig.of(cfg.learningRate()).withClipGlobalNorm(cfg.clipGradNorm());
            this.adam = new Adam(ac, modules);
            this.bc = new FlowMatching(slow, batch);
            this.am = new AdjointMatching(fast, cfg.targetActor() ? slowTarget : slow, batch, cfg.adjointOptions());
            this.slowTape = slow.network().newTape(batch);
            this.trainSampler = new Sampler(batch);
            this.actSampler = new Sampler(batch);
            this.nextActions = new float[batch * chunkDim];
            this.y = new float[batch];
            this.rewards = new float[batch];
            this.masks = new float[batch];
            this.valid = new float[batch];
        }

        private Gradients gradsOf(Module m) {
            return grads[modules.indexOf(m)];
        }

        private ActionCritic currentQ() {
            return fixedCritic != null ? fixedCritic : critic.current();
        }

        private ActionCritic adjointQ() {
            if (fixedCritic != null) return fixedCritic;
            return cfg.useTargetGrad() ? critic.target() : critic.current();
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            for (Gradients g : grads) g.zero();
            Map<String, Double> m = new LinkedHashMap<>();
            float[] cond = train.actorConditioning();
            float[] actions = train.batch().actions();
            train.batch().lastValid(valid);
            double total = 0;

            // critic (qam.md §1.3): y = R + γ^H m Qagg(s'_H, a'), a' from the agent's own sampler
            if (critic != null) {
                train.batch().lastRewards(rewards);
                train.batch().lastMasks(masks);
                trainSampler.sample(train.nextValueConditioning(), batch, rng, nextActions);
                critic.targets(rewards, masks, discountH, train.nextValueConditioning(), nextActions, batch, y);
                double lq = critic.loss(train.valueConditioning(), actions, y, valid, batch, gradsOf(critic.network()));
                float[] q = critic.lastLossQ(batch);
                double qs = 0, qmax = Double.NEGATIVE_INFINITY, qmin = Double.POSITIVE_INFINITY;
                for (float v : q) {
                    qs += v;
                    qmax = Math.max(qmax, v);
                    qmin = Math.min(qmin, v);
                }
                m.put("critic_loss", lq);
                m.put("q_mean", qs / q.length);
                m.put("q_max", qmax);
                m.put("q_min", qmin);
                total += lq;
            }

            // BC flow of actor_slow (§0.3), masked by validity
            double lbc = bc.loss(slowTape, cond, actions, valid, FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng,
                    gradsOf(slow.network()));
            m.put("bc_flow_loss", lbc);
            total += lbc;

            // adjoint matching (§1.4)
            am.forward(cond, batch, rng);
            ActionCritic aq = adjointQ();
            float[] aN = am.terminalAdjoint((c, x, n, g) -> aq.evaluate(c, x, n, null, g), cfg.invTemp());
            am.adjoint(aN);
            double lam = am.loss(gradsOf(fast.network()));
            m.put("am_loss", lam);
            total += lam;

            if (oneStep != null) total += oneStepLoss(cond, rng, m);
            if (edit != null) total += editLoss(cond, rng, m);

            double norm = adam.step(grads);
            m.put("grad_norm", norm);
            m.put("total_loss", total);
            if (critic != null) critic.polyakUpdate();
            slowTarget.network().parameters().polyakUpdate(slow.network().parameters(), cfg.tau());
            return m;
        }

        /** QAM-F (§1.5): L_q + α·L_distill for the one-step policy. */
        private double oneStepLoss(float[] cond, Rng rng, Map<String, Double> m) {
            int bd = batch * chunkDim;
            float[] z = new float[bd];
            rng.fillGaussian(z);
            float[] aFlow = trainSampler.fastOde(cond, z.clone(), batch);
            float[] in = new float[batch * (condDim + chunkDim)];
            OfflineBatches.concat(cond, z, in, batch, condDim, chunkDim);
            float[] mu = oneStep.forward(trainSampler.oneStepTape, in, batch).clone();
            double distill = 0;
            float[] clipped = new float[bd];
            for (int i = 0; i < bd; i++) {
                double d = aFlow[i] - mu[i];
                distill += d * d;
                clipped[i] = clip(mu[i]);
            }
            distill /= bd;
            float[] q = new float[batch];
            float[] g = new float[bd];
            currentQ().evaluate(cond, clipped, batch, q, g);
            double qMean = 0;
            for (int b = 0; b < batch; b++) qMean += q[b];
            qMean /= batch;
            float[] dMu = new float[bd];
            float a = (float) cfg.fqlAlpha();
            for (int i = 0; i < bd; i++) {
                float inside = Math.abs(mu[i]) <= 1f ? 1f : 0f;
                dMu[i] = a * 2f * (mu[i] - aFlow[i]) / bd - inside * g[i] / batch;
            }
            oneStep.backward(trainSampler.oneStepTape, dMu, gradsOf(oneStep), null);
            m.put("distill_loss", distill);
            m.put("one_step_q", qMean);
            return -qMean + cfg.fqlAlpha() * distill;
        }

        /** QAM-E (§1.5): L_eq + L_ent for the edit policy, L_α for the temperature. */
        private double editLoss(float[] cond, Rng rng, Map<String, Double> m) {
            int bd = batch * chunkDim;
            float[] z = new float[bd];
            rng.fillGaussian(z);
            float[] aFlow = trainSampler.fastOde(cond, z, batch);
            float[] in = new float[batch * (condDim + chunkDim)];
            OfflineBatches.concat(cond, aFlow, in, batch, condDim, chunkDim);
            float[] e = new float[bd];
            float[] logp = new float[batch];
            edit.sample(in, batch, rng, e, logp);
            float s = (float) cfg.editScale();
            float[] edited = new float[bd];
            boolean[] inside = new boolean[bd];
            for (int i = 0; i < bd; i++) {
                float v = aFlow[i] + s * e[i];
                inside[i] = v >= -1f && v <= 1f;
                edited[i] = clip(v);
            }
            float[] q = new float[batch];
            float[] g = new float[bd];
            currentQ().evaluate(cond, edited, batch, q, g);
            double qMean = 0, lpMean = 0;
            for (int b = 0; b < batch; b++) {
                qMean += q[b];
                lpMean += logp[b];
            }
            qMean /= batch;
            lpMean /= batch;
            float alpha = (float) Math.exp(logAlpha.value());
            double targetEntropy = -cfg.editTargetEntropyMultiplier() * chunkDim;
            float[] dE = new float[bd];
            for (int i = 0; i < bd; i++) dE[i] = inside[i] ? -s * g[i] / batch : 0f;
            float[] dLogp = new float[batch];
            Arrays.fill(dLogp, alpha / batch); // α is a constant (stop-gradient) in the entropy term
            Gradients[] eg = new Gradients[3];
            List<Module> em = edit.modules();
            for (int i = 0; i < 3; i++) eg[i] = gradsOf(em.get(i));
            edit.backward(dE, dLogp, eg, null);
            // L_α = α·(−mean logπ_sg − H_target); dL/dlog α = α·(−mean logπ − H_target)
            double lAlpha = alpha * (-lpMean - targetEntropy);
            logAlpha.accumulateGradient(gradsOf(logAlpha), lAlpha);
            m.put("edit_actor_loss", -qMean + alpha * lpMean);
            m.put("alpha_loss", lAlpha);
            m.put("edit_q", qMean);
            m.put("edit_entropy", -lpMean);
            m.put("edit_alpha", (double) alpha);
            return -qMean + alpha * lpMean + lAlpha;
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            Map<String, Double> m = new LinkedHashMap<>();
            float[] v = validation.batch().lastValid();
            m.put("bc_flow_loss", bc.loss(slowTape, validation.actorConditioning(), validation.batch().actions(), v,
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            if (critic != null) {
                float[] r = validation.batch().lastRewards();
                float[] mk = validation.batch().lastMasks();
                float[] na = new float[batch * chunkDim];
                trainSampler.sample(validation.nextValueConditioning(), batch, rng, na);
                float[] yy = new float[batch];
                critic.targets(r, mk, discountH, validation.nextValueConditioning(), na, batch, yy);
                m.put("critic_loss", critic.loss(validation.valueConditioning(), validation.batch().actions(), yy, v, batch,
                        null));
            }
            return m;
        }

        @Override
        public Map<String, Policy> policies() {
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put("qam", new ChunkPolicy(false));
            p.put("flow-bc", new ChunkPolicy(true));
            return p;
        }

        /** The "qam" policy (§1.7, stochastic) or the BC flow of actor_slow ("flow-bc", for reference). */
        private final class ChunkPolicy implements Policy {
            private final boolean bcOnly;

            ChunkPolicy(boolean bcOnly) {
                this.bcOnly = bcOnly;
            }

            @Override
            public int chunkLength() {
                return cfg.horizon();
            }

            @Override
            public float[] act(float[] observations, float[] goals, int n, Rng rng) {
                float[] c = OfflineBatches.policyConditioning(goalConditioned, observations, goals, n);
                float[] out = new float[n * chunkDim];
                if (bcOnly) {
                    rng.fillGaussian(out);
                    return actSampler.ode(slow, c, out, n);
                }
                return actSampler.sample(c, n, rng, out);
            }
        }

        /** sample_actions (§1.7) with its own tapes; one per use site so training and evaluation never share buffers. */
        private final class Sampler {
            private Mlp.Tape slowTape;
            private Mlp.Tape fastTape;
            private Mlp.Tape oneStepTape;

            Sampler(int capacity) {
                grow(capacity);
            }

            private void grow(int n) {
                if (fastTape != null && fastTape.capacity() >= n) return;
                slowTape = slow.network().newTape(n);
                fastTape = fast.network().newTape(n);
                if (oneStep != null) oneStepTape = oneStep.newTape(n);
            }

            float[] ode(VelocityField field, float[] c, float[] noise, int n) {
                grow(n);
                return EulerSampler.integrate(field, field == slow ? slowTape : fastTape, c, noise, n, cfg.flowSteps(), true);
            }

            float[] fastOde(float[] c, float[] noise, int n) {
                return ode(fast, c, noise, n);
            }

            /** z ~ N(0, I_D) (fresh every call), then the variant's action, clipped to [−1, 1]; written into out. */
            float[] sample(float[] c, int n, Rng rng, float[] out) {
                grow(n);
                int nd = n * chunkDim;
                float[] z = new float[nd];
                rng.fillGaussian(z);
                if (oneStep != null) {
                    float[] in = new float[n * (condDim + chunkDim)];
                    OfflineBatches.concat(c, z, in, n, condDim, chunkDim);
                    float[] mu = oneStep.forward(oneStepTape, in, n);
                    for (int i = 0; i < nd; i++) out[i] = clip(mu[i]);
                    return out;
                }
                if (cfg.invTemp() == 0) {
                    ode(slow, c, z, n);
                    System.arraycopy(z, 0, out, 0, nd);
                    return out;
                }
                ode(fast, c, z, n);
                if (edit != null) {
                    float[] in = new float[n * (condDim + chunkDim)];
                    OfflineBatches.concat(c, z, in, n, condDim, chunkDim);
                    float[] e = new float[nd];
                    edit.sample(in, n, rng, e, null);
                    float s = (float) cfg.editScale();
                    for (int i = 0; i < nd; i++) z[i] = clip(z[i] + s * e[i]);
                }
                System.arraycopy(z, 0, out, 0, nd);
                return out;
            }
        }

        /**
         * The variant terms alone (QAM-F: L_q + α·L_distill; QAM-E: L_eq + L_ent + L_α) on conditioning {@code cond}
         * (batchSize rows), with every gradient holder zeroed first and the terms' gradients accumulated; no optimiser
         * step. Returns the metrics. For finite-difference tests of the hand-written variant gradients.
         */
        Map<String, Double> variantTermsOnly(float[] cond, Rng rng) {
            for (Gradients g : grads) g.zero();
            Map<String, Double> m = new LinkedHashMap<>();
            if (oneStep != null) m.put("total", oneStepLoss(cond, rng, m));
            if (edit != null) m.put("total", editLoss(cond, rng, m));
            return m;
        }

        /** Accumulated gradients of a module after {@link #variantTermsOnly} or an update's backward passes. */
        Gradients gradientsOf(Module m) {
            return gradsOf(m);
        }

        TdCritic critic() {
            return critic;
        }

        VelocityField slowField() {
            return slow;
        }

        VelocityField slowTargetField() {
            return slowTarget;
        }

        Mlp oneStepActor() {
            return oneStep;
        }

        TanhNormalPolicy editPolicy() {
            return edit;
        }

        ScalarParameter logAlpha() {
            return logAlpha;
        }

        /**
         * Samples of the fine-tuned flow alone (the deterministic Euler ODE of actor_fast, clipped), whatever the
         * variant: what adjoint matching trains towards π_β·exp(λQ). For known-answer tests.
         */
        float[] sampleFineTuned(float[] c, int n, Rng rng) {
            float[] z = new float[n * chunkDim];
            rng.fillGaussian(z);
            return actSampler.fastOde(c, z, n);
        }

        private static float clip(float v) {
            return Math.max(-1f, Math.min(1f, v));
        }

        private Checkpoint checkpoint() {
            Checkpoint ck = new Checkpoint();
            if (critic != null) ck.add("critic", critic.network()).add("target_critic", critic.targetNetwork());
            ck.add("actor_slow", slow.network()).add("target_actor_slow", slowTarget.network()).add("actor_fast", fast.network());
            if (oneStep != null) ck.add("one_step_actor", oneStep);
            if (edit != null) {
                List<Module> em = edit.modules();
                ck.add("edit_trunk", em.get(0)).add("edit_mean", em.get(1)).add("edit_log_std", em.get(2));
                ck.add("edit_log_alpha", logAlpha);
            }
            return ck.add("adam", adam);
        }

        @Override
        public void save(Path dir) throws IOException {
            checkpoint().write(dir.resolve("qam.bin"));
        }

        @Override
        public void load(Path dir) throws IOException {
            checkpoint().read(dir.resolve("qam.bin"));
        }

        @Override
        public long parameterCount() {
            long n = 0;
            for (Module mod : modules) n += mod.parameterCount();
            return n;
        }
    }
}
