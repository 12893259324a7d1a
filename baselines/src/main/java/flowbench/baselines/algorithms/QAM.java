package flowbench.baselines.algorithms;

import flowbench.baselines.common.BaselineAlgorithm;
import flowbench.baselines.common.ConfigChecks;
import flowbench.baselines.common.ConfigRecords;
import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.common.OfflineLearner;
import flowbench.baselines.common.TdBackup;
import flowbench.baselines.flow.AdjointMatching;
import flowbench.baselines.flow.FlowMatching;
import flowbench.baselines.flow.OdeSampler;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.GrowingTape;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.Module;
import flowbench.baselines.nn.ScalarParameter;
import flowbench.baselines.rl.ActionCritic;
import flowbench.baselines.rl.EditPolicy;
import flowbench.baselines.rl.TanhNormalPolicy;
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
 * QAM, Q-learning with Adjoint Matching (Li and Levine, arXiv 2601.14234), and its variants QAM-F and QAM-E, exactly
 * as docs/qam.md section 1 specifies the reference code ({@code agents/qam.py}):
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
public final class QAM extends BaselineAlgorithm<QAM.Config> {

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
     * Every hyperparameter of {@code agents/qam.py} that this implementation reads (docs/qam.md section 1.8), plus hindsight
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
    public record Config(List<Integer> actorHidden, List<Integer> criticHidden, Activation activation, int batchSize, double learningRate,
                         double clipGradNorm, int numQs, double rho, double discount, double tau, int flowSteps,
                         int horizon, double invTemp, double fqlAlpha, double editScale,
                         double editTargetEntropyMultiplier, boolean targetActor, boolean useTargetGrad, boolean clipAdj,
                         AdjointMatching.LastStep lastStep, AdjointMatching.Recursion adjointRecursion,
                         GoalSampling goals) {
        public Config {
            ConfigChecks check = new ConfigChecks("qam");
            actorHidden = check.widths("actorHidden", actorHidden);
            criticHidden = check.widths("criticHidden", criticHidden);
            check.set("activation", activation, "GELU or RELU");
            check.atLeast("batchSize", batchSize, 1);
            check.positive("learningRate", learningRate);
            if (!(clipGradNorm >= 0)) throw new IllegalArgumentException("qam: clipGradNorm must be >= 0 (0 = off), got " + clipGradNorm);
            check.atLeast("numQs", numQs, 1);
            check.nonNegative("rho", rho);
            check.discount("discount", discount);
            check.unitInterval("tau", tau);
            check.atLeast("flowSteps", flowSteps, 1);
            check.atLeast("horizon", horizon, 1);
            check.nonNegative("invTemp", invTemp);
            check.nonNegative("fqlAlpha", fqlAlpha);
            check.nonNegative("editScale", editScale);
            if (fqlAlpha > 0 && editScale > 0) {
                throw new IllegalArgumentException("qam: at most one of fqlAlpha (QAM-F) and editScale (QAM-E) may be > 0, got "
                        + fqlAlpha + " and " + editScale);
            }
            if (!(editTargetEntropyMultiplier >= 0)) {
                throw new IllegalArgumentException("qam: editTargetEntropyMultiplier must be >= 0, got " + editTargetEntropyMultiplier);
            }
            if (lastStep == null || adjointRecursion == null) throw new IllegalArgumentException("qam: lastStep and adjointRecursion must be set");
            check.set("goals", goals, "hindsight goal sampling");
        }

        /**
         * The reference configuration (docs/qam.md sections 1.8 and 6): 4×512 actor and critic, B = 256, lr 3e-4, global clip
         * 1.0, K = 10, ρ = 0.5, γ = 0.99, τ = 0.005, N = 10, every quirk kept. H, γ, ρ and, per variant, λ / α / edit
         * come from the task's domain column (docs/domains.md); the values here are the antmaze-large-navigate column's,
         * used where a task follows no column: H = 1; QAM λ = 10; QAM-F λ = 3, α = 30; QAM-E λ = 1, edit 0.1.
         */
        public static Config paper(Variant v) {
            return base(v, List.of(512, 512, 512, 512), List.of(512, 512, 512, 512), 256, 10);
        }

        /**
         * Sized for minutes on 2 cores: 2×128 actors, 2×128 critics with K = 4, B = 64, N = 10 kept (the sensitivity
         * study, docs/qam.md §7.7, shows N = 1 or 3 collapses QAM). A QAM step runs ~7N passes of the actor network
         * (N SDE steps, N lean-adjoint VJPs, the AM regression on N·B rows, N Euler steps for the TD next action) plus
         * the K-member critic, so its cost is ~20× a FlowBC step at equal sizes. Measured on the shared 2-core dev
         * machine (load 5–7) with PointMaze: 35–120 steps/s here against 0.6–1.4 for {@link #paper}, so a few thousand
         * steps take about a minute. Everything else, quirks and per-domain values included, is as {@link #paper}.
         */
        public static Config cpu(Variant v) {
            return base(v, List.of(128, 128), List.of(128, 128), 64, 4);
        }

        private static Config base(Variant v, List<Integer> actor, List<Integer> critic, int batch, int numQs) {
            double invTemp = switch (v) {
                case QAM -> 10;
                case QAM_F -> 3;
                case QAM_E -> 1;
            };
            double fql = v == Variant.QAM_F ? 30 : 0;
            double edit = v == Variant.QAM_E ? 0.1 : 0;
            return new Config(actor, critic, Activation.GELU, batch, 3e-4, 1.0, numQs, 0.5, 0.99, 0.005, 10, 1, invTemp,
                    fql, edit, 0.5, true, true, true, AdjointMatching.LastStep.BASE, AdjointMatching.Recursion.REFERENCE,
                    GoalSampling.defaults());
        }

        /** This config with another inverse temperature λ. */
        public Config withInvTemp(double lambda) {
            return ConfigRecords.with(this, "invTemp", lambda);
        }

        /** This config with other network sizes, ensemble size, batch size and learning rate. */
        public Config withTraining(int[] actor, int[] critic, int qs, int batch, double lr) {
            return ConfigRecords.with(this,
                    "actorHidden", actor, "criticHidden", critic, "batchSize", batch, "learningRate", lr, "numQs", qs);
        }

        /** This config with other adjoint-matching discretisation choices (the two QAM quirks). */
        public Config withAdjoint(AdjointMatching.LastStep last, AdjointMatching.Recursion recursion) {
            return ConfigRecords.with(this, "lastStep", last, "adjointRecursion", recursion);
        }

        /** This config with another number of flow steps N. */
        public Config withFlowSteps(int n) {
            return ConfigRecords.with(this, "flowSteps", n);
        }

        /** This config with another chunk length H. */
        public Config withHorizon(int h) {
            return ConfigRecords.with(this, "horizon", h);
        }

        AdjointMatching.Options adjointOptions() {
            return new AdjointMatching.Options(flowSteps, lastStep, adjointRecursion, clipAdj);
        }

        TdCritic.Config criticConfig() {
            return TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau);
        }

    }

    private final Variant variant;

    public QAM(Variant variant) {
        super(variant.registryName(), "training-time",
                "Li and Levine, Q-learning with Adjoint Matching (arXiv 2601.14234, 2026)", description(variant),
                Config.class, () -> Config.paper(variant), () -> Config.cpu(variant));
        this.variant = variant;
    }

    private static String description(Variant variant) {
        return switch (variant) {
            case QAM -> "QAM: TD critic ensemble + BC flow + a second flow fine-tuned by adjoint matching (memoryless SDE, "
                    + "lean adjoint) towards pi_beta * exp(lambda Q); acts with the fine-tuned flow's ODE.";
            case QAM_F -> "QAM-F: QAM plus a one-step policy distilled from the fine-tuned flow with a -Q term (FQL-style); "
                    + "acts with the one-step policy.";
            case QAM_E -> "QAM-E: QAM plus a TanhNormal edit policy on the fine-tuned flow's action with SAC temperature "
                    + "(EXPO-style); acts with clip(a_flow + scale * e).";
        };
    }

    public Variant variant() {
        return variant;
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new QamLearner(config, context, null);
    }

    /**
     * The learner. With a non-null {@code fixedCritic} (tests only) there is no TD critic: every Q the actor losses use
     * (terminal adjoint, QAM-F and QAM-E terms) is that fixed function, which isolates the actor from critic learning.
     */
    static final class QamLearner extends OfflineLearner {
        private final Config cfg;
        private final TdCritic critic;
        private final TdBackup td;
        private final ActionCritic fixedCritic;
        private final VelocityField slow;
        private final VelocityField slowTarget;
        private final VelocityField fast;
        private final Mlp oneStep;
        private final EditPolicy editPolicy;
        private final FlowMatching bc;
        private final AdjointMatching am;
        private final Mlp.Tape slowTape;
        private final Sampler trainSampler;
        private final Sampler actSampler;

        QamLearner(Config cfg, AgentContext ctx, ActionCritic fixedCritic) {
            super("qam", ctx, cfg.batchSize(), cfg.horizon(), cfg.discount(), cfg.goals());
            this.cfg = cfg;
            this.fixedCritic = fixedCritic;
            if (fixedCritic == null) {
                this.critic = tdCritic(cfg.criticConfig(), chunkDim);
            } else {
                if (fixedCritic.condDim() != condDim || fixedCritic.actionDim() != chunkDim) {
                    throw new IllegalArgumentException("qam: fixed critic has condDim/actionDim " + fixedCritic.condDim() + "/"
                            + fixedCritic.actionDim() + ", expected " + condDim + "/" + chunkDim);
                }
                this.critic = null;
            }
            this.td = new TdBackup(critic, discountH, batch);
            this.slow = flowActor("actor_slow", ConfigChecks.ints(cfg.actorHidden()), cfg.activation());
            this.slowTarget = slow.copy();
            modules.keep("target_actor_slow", slowTarget.network());
            // QUIRK (docs/qam.md §8.3): actor_fast has its own random initialisation, not a copy of actor_slow
            this.fast = flowActor("actor_fast", ConfigChecks.ints(cfg.actorHidden()), cfg.activation());
            if (cfg.fqlAlpha() > 0) {
                // one-step policy [s, z] -> R^D, no time input, no LayerNorm
                this.oneStep = modules.train("one_step_actor", new Mlp(new MlpConfig(condDim + chunkDim, ConfigChecks.ints(cfg.actorHidden()),
                        chunkDim, cfg.activation(), LayerNormPlacement.NONE, false), initRng("one_step_actor")));
            } else {
                this.oneStep = null;
            }
            if (cfg.editScale() > 0) {
                this.editPolicy = new EditPolicy(condDim, chunkDim, ConfigChecks.ints(cfg.actorHidden()), cfg.activation(), batch,
                        cfg.editScale(), cfg.editTargetEntropyMultiplier(), initRng("edit_actor"));
                modules.train("edit_", editPolicy.policy());
                modules.train("edit_log_alpha", editPolicy.logAlpha());
            } else {
                this.editPolicy = null;
            }
            modules.optimise("adam", AdamConfig.of(cfg.learningRate()).withClipGlobalNorm(cfg.clipGradNorm()));
            this.bc = new FlowMatching(slow, batch);
            this.am = new AdjointMatching(fast, cfg.targetActor() ? slowTarget : slow, batch, cfg.adjointOptions());
            this.slowTape = slow.network().newTape(batch);
            this.trainSampler = new Sampler();
            this.actSampler = new Sampler();
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
            modules.zeroGrads();
            Map<String, Double> m = new LinkedHashMap<>();
            float[] cond = train.actorConditioning();
            float[] actions = train.batch().actions();
            double total = 0;

            // critic (docs/qam.md §1.3): y = R + γ^H m Qagg(s'_H, a'), a' from the agent's own sampler
            if (critic != null) {
                double lq = td.loss(train, (c, n, r) -> trainSampler.sample(c, n, r, new float[n * chunkDim]), rng,
                        modules.grads(critic.network()));
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
            } else {
                td.labels(train.batch());
            }

            // BC flow of actor_slow (§0.3), masked by validity
            double lbc = bc.loss(slowTape, cond, actions, td.valid(), FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng,
                    modules.grads(slow.network()));
            m.put("bc_flow_loss", lbc);
            total += lbc;

            // adjoint matching (§1.4)
            am.forward(cond, batch, rng);
            ActionCritic aq = adjointQ();
            float[] aN = am.terminalAdjoint((c, x, n, g) -> aq.evaluate(c, x, n, null, g), cfg.invTemp());
            am.adjoint(aN);
            double lam = am.loss(modules.grads(fast.network()));
            m.put("am_loss", lam);
            total += lam;

            if (oneStep != null) total += oneStepLoss(cond, rng, m);
            if (editPolicy != null) total += editLoss(cond, rng, m);

            double norm = modules.step();
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
            Mlp.Tape tape = trainSampler.oneStepTape.forBatch(batch);
            float[] mu = oneStep.forward(tape, in, batch).clone();
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
            oneStep.backward(tape, dMu, modules.grads(oneStep), null);
            m.put("distill_loss", distill);
            m.put("one_step_q", qMean);
            return -qMean + cfg.fqlAlpha() * distill;
        }

        /** QAM-E (§1.5): L_eq + L_ent for the edit policy and L_α for the temperature, on the fine-tuned flow's action. */
        private double editLoss(float[] cond, Rng rng, Map<String, Double> m) {
            int bd = batch * chunkDim;
            float[] z = new float[bd];
            rng.fillGaussian(z);
            float[] aFlow = trainSampler.fastOde(cond, z, batch);
            float[] noise = new float[bd];
            rng.fillGaussian(noise);
            double[] l = editPolicy.loss(cond, aFlow, noise, batch, currentQ(), modules.grads(editPolicy.policy().modules()),
                    modules.grads(editPolicy.logAlpha()), m);
            m.put("edit_actor_loss", l[0]);
            m.put("alpha_loss", l[1]);
            return l[0] + l[1];
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            Map<String, Double> m = new LinkedHashMap<>();
            td.labels(validation.batch());
            m.put("bc_flow_loss", bc.loss(slowTape, validation.actorConditioning(), validation.batch().actions(), td.valid(),
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            if (critic != null) {
                m.put("critic_loss", td.loss(validation, (c, n, r) -> trainSampler.sample(c, n, r, new float[n * chunkDim]),
                        rng, null));
            }
            return m;
        }

        /** The "qam" policy (§1.7, stochastic) and the BC flow of actor_slow ("flow-bc", for reference). */
        @Override
        public Map<String, Policy> policies() {
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put("qam", policy((c, n, rng) -> actSampler.sample(c, n, rng, new float[n * chunkDim])));
            p.put("flow-bc", policy(actSampler.slowOde::sample));
            return p;
        }

        /** sample_actions (§1.7) with its own tapes; one per use site so training and evaluation never share buffers. */
        private final class Sampler {
            final OdeSampler slowOde = new OdeSampler(slow, cfg.flowSteps());
            final OdeSampler fastOde = new OdeSampler(fast, cfg.flowSteps());
            final GrowingTape oneStepTape = oneStep == null ? null : new GrowingTape(oneStep);

            float[] fastOde(float[] c, float[] noise, int n) {
                return fastOde.integrate(c, noise, n);
            }

            /** z ~ N(0, I_D) (fresh every call), then the variant's action, clipped to [−1, 1]; written into out. */
            float[] sample(float[] c, int n, Rng rng, float[] out) {
                int nd = n * chunkDim;
                float[] z = new float[nd];
                rng.fillGaussian(z);
                if (oneStep != null) {
                    float[] in = new float[n * (condDim + chunkDim)];
                    OfflineBatches.concat(c, z, in, n, condDim, chunkDim);
                    float[] mu = oneStep.forward(oneStepTape.forBatch(n), in, n);
                    for (int i = 0; i < nd; i++) out[i] = clip(mu[i]);
                    return out;
                }
                if (cfg.invTemp() == 0) {
                    slowOde.integrate(c, z, n);
                    System.arraycopy(z, 0, out, 0, nd);
                    return out;
                }
                fastOde.integrate(c, z, n);
                if (editPolicy != null) editPolicy.apply(c, z, n, rng);
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
            modules.zeroGrads();
            Map<String, Double> m = new LinkedHashMap<>();
            if (oneStep != null) m.put("total", oneStepLoss(cond, rng, m));
            if (editPolicy != null) m.put("total", editLoss(cond, rng, m));
            return m;
        }

        /** Accumulated gradients of a module after {@link #variantTermsOnly} or an update's backward passes. */
        Gradients gradientsOf(Module m) {
            return modules.grads(m);
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
            return editPolicy == null ? null : editPolicy.policy();
        }

        ScalarParameter logAlpha() {
            return editPolicy == null ? null : editPolicy.logAlpha();
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
    }
}
