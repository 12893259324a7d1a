package flowbench.baselines.algorithms;

import flowbench.baselines.common.BaselineAlgorithm;
import flowbench.baselines.common.ConfigChecks;
import flowbench.baselines.common.ConfigRecords;
import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.common.OfflineLearner;
import flowbench.baselines.common.TdBackup;
import flowbench.baselines.flow.EulerSampler;
import flowbench.baselines.flow.FlowMatching;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.GrowingTape;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
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
 * Flow Q-Learning, the action-chunked variant of QC's {@code acfql} as used by the QAM paper (docs/qam.md section 2.1,
 * QUIRK section 8.16: K = 10 critics, mean − ρ·std backup, no 1/|Q| normalisation, α = 100 default).
 *
 * <ul>
 *   <li>BC flow v_β(c, x, t) trained by flow matching (section 0.3), masked by chunk validity;</li>
 *   <li>one-step policy μ(c, z) (same MLP, no t input) trained with
 *       {@code α·mean_{b,d}(μ(c,z) − clip(ODE(v_β, c, z)))² − mean_b mean_k Q_k(c, clip(μ(c, z)))}; the ODE target has
 *       no gradient and the Q term uses the current critic;</li>
 *   <li>TD critic (section 0.2, {@link TdCritic}) with a' = clip(μ(s'_H, z));</li>
 *   <li>acting: clip(μ(c, z)), z ~ N(0, I).</li>
 * </ul>
 * One Adam over all modules, no gradient clipping (section 0.4). Goal-conditioned: actor goals condition v_β and μ,
 * value goals condition the critic and the TD bootstrap.
 */
public final class FQL extends BaselineAlgorithm<FQL.Config> {

    /**
     * @param actorHidden  hidden widths of v_β and μ
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
     * @param alpha        distillation weight α ({@code alpha})
     * @param goals        hindsight goal sampling for goal-conditioned tasks (γ is {@code discount})
     */
    public record Config(List<Integer> actorHidden, List<Integer> criticHidden, Activation activation, int batchSize, double learningRate,
                         int numQs, double rho, double discount, double tau, int flowSteps, int horizon, double alpha, GoalSampling goals) {
        public Config {
            ConfigChecks check = new ConfigChecks("fql");
            actorHidden = check.widths("actorHidden", actorHidden);
            criticHidden = check.widths("criticHidden", criticHidden);
            check.atLeast("batchSize", batchSize, 1);
            check.positive("learningRate", learningRate);
            check.atLeast("flowSteps", flowSteps, 1);
            check.atLeast("horizon", horizon, 1);
            check.nonNegative("alpha", alpha);
            check.discount("discount", discount);
            check.set("goals", goals);
            TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau); // validates the critic settings
        }

        /**
         * The QAM paper's shared setup (docs/qam.md sections 2.1, 4, 6): 4×512 nets, B 256, K 10, ρ 0.5, τ 0.005, N 10;
         * H, γ, ρ and α per domain column (docs/domains.md). The values here apply where a task follows no column:
         * H 1 and α = 3 of the antmaze-large column.
         */
        public static Config paper() {
            return paper(Variant.QAM_SHARED);
        }

        /** {@link #paper()} of a variant: {@link Variant#PAPER} has the FQL paper's 2 critics, mean target, H = 1, α 10. */
        public static Config paper(Variant v) {
            return v == Variant.PAPER
                    ? new Config(List.of(512, 512, 512, 512), List.of(512, 512, 512, 512), Activation.GELU, 256, 3e-4,
                    2, 0.0, 0.99, 0.005, 10, 1, 10, GoalSampling.defaults())
                    : new Config(List.of(512, 512, 512, 512), List.of(512, 512, 512, 512), Activation.GELU, 256, 3e-4,
                    10, 0.5, 0.99, 0.005, 10, 1, 3, GoalSampling.defaults());
        }

        /**
         * Sized for minutes on 2 cores: 2×128 actor/critic nets, K = 4 (2 for {@link Variant#PAPER}), B = 64 (the same
         * sizes as QAM's cpu profile so the two compare at equal capacity); an FQL step costs about N + 4 actor passes
         * plus the critic, a few times a FlowBC step. Everything else, per-domain values included, as the paper profile.
         */
        public static Config cpu() {
            return cpu(Variant.QAM_SHARED);
        }

        public static Config cpu(Variant v) {
            return ConfigRecords.with(paper(v), "actorHidden", List.of(128, 128), "criticHidden", List.of(128, 128),
                    "batchSize", 64, "numQs", v == Variant.PAPER ? 2 : 4);
        }

        public Config withAlpha(double a) {
            return ConfigRecords.with(this, "alpha", a);
        }

        TdCritic.Config criticConfig() {
            return TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau);
        }

    }

    /**
     * The two setups the papers run FQL under, registered under their own names so a run record names the one it used.
     * {@link #QAM_SHARED} ({@code fql}, the default): the QAM paper's baseline setup, so FQL meets QAM on equal terms —
     * 10 critics, mean − ρ·std target, H = 5 on manipulation, α from ColinQiyangLi/qam experiments/reproduce.py.
     * {@link #PAPER} ({@code fql-paper}): FQL's own paper — 2 critics, mean target (min, i.e. ρ = 1 with two members,
     * on antmaze), no action chunks, α from seohongpark/fql README.md.
     */
    public enum Variant {
        QAM_SHARED("fql", "Park, Li, Levine, Flow Q-Learning (ICML 2025); action-chunked, in the QAM paper's shared baseline"
                + " setup (Li and Levine 2026; Li et al., Q-chunking 2025)"),
        PAPER("fql-paper", "Park, Li, Levine, Flow Q-Learning (ICML 2025), as configured in its own paper and repository"
                + " (seohongpark/fql)");

        final String registryName;
        final String paper;

        Variant(String registryName, String paper) {
            this.registryName = registryName;
            this.paper = paper;
        }
    }

    public FQL() {
        this(Variant.QAM_SHARED);
    }

    public FQL(Variant v) {
        super(v.registryName, "training-time", v.paper,
                "Flow BC plus a one-step noise-conditioned policy distilled from the flow and trained to maximise Q.",
                Config.class, () -> Config.paper(v), () -> Config.cpu(v));
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new FqlLearner(config, context);
    }

    static final class FqlLearner extends OfflineLearner {
        private final Config cfg;
        private final TdCritic critic;
        private final TdBackup td;
        private final VelocityField bcFlow;
        private final Mlp oneStep;
        private final FlowMatching bc;
        private final Mlp.Tape flowTape;
        private final Mlp.Tape trainOneStepTape;

        FqlLearner(Config cfg, AgentContext ctx) {
            super("fql", ctx, cfg.batchSize(), cfg.horizon(), cfg.discount(), cfg.goals());
            this.cfg = cfg;
            this.critic = tdCritic(cfg.criticConfig(), chunkDim);
            this.td = new TdBackup(critic, discountH, batch);
            this.bcFlow = flowActor("actor_bc_flow", ConfigChecks.ints(cfg.actorHidden()), cfg.activation());
            // one-step policy [c, z] -> R^D: the same MLP as the flow without the time input
            this.oneStep = modules.train("actor_onestep_flow", new Mlp(new MlpConfig(condDim + chunkDim, ConfigChecks.ints(cfg.actorHidden()),
                    chunkDim, cfg.activation(), LayerNormPlacement.NONE, false), initRng("actor_onestep_flow")));
            modules.optimise("adam", AdamConfig.of(cfg.learningRate()));
            this.bc = new FlowMatching(bcFlow, batch);
            this.flowTape = bcFlow.network().newTape(batch);
            this.trainOneStepTape = oneStep.newTape(batch);
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            modules.zeroGrads();
            Map<String, Double> m = new LinkedHashMap<>();
            double lq = criticLoss(train, rng, modules.grads(critic.network()));
            m.put("critic_loss", lq);
            float[] cond = train.actorConditioning();
            double lbc = bc.loss(flowTape, cond, train.batch().actions(), td.valid(), FlowMatching.TimeSampling.UNIFORM,
                    cfg.flowSteps(), rng, modules.grads(bcFlow.network()));
            m.put("bc_flow_loss", lbc);
            double[] parts = oneStepLoss(cond, rng, modules.grads(oneStep));
            m.put("distill_loss", parts[0]);
            m.put("q_loss", -parts[1]);
            m.put("actor_loss", lbc + cfg.alpha() * parts[0] - parts[1]);
            modules.step();
            critic.polyakUpdate();
            return m;
        }

        /** TD loss (section 0.2) with a' = clip(μ(s'_H, z)). */
        private double criticLoss(OfflineBatches ob, Rng rng, Gradients grads) {
            return td.loss(ob, (c, n, r) -> act(c, n, r, trainOneStepTape, new float[n * chunkDim]), rng, grads);
        }

        /**
         * α·mean_{b,d}(μ − clip(ODE(z)))² − mean_b Q(c, clip(μ)); gradient wrt μ: 2α(μ − a_flow)/(B·D) − 1[|μ| ≤ 1]·∇_a Q/B
         * (the clip passes gradient only inside [−1, 1], as jnp.clip does).
         *
         * @return {distill, mean Q}
         */
        double[] oneStepLoss(float[] cond, Rng rng, Gradients grads) {
            int bd = batch * chunkDim;
            float[] z = new float[bd];
            rng.fillGaussian(z);
            float[] aFlow = EulerSampler.integrate(bcFlow, flowTape, cond, z.clone(), batch, cfg.flowSteps(), true);
            float[] in = new float[batch * (condDim + chunkDim)];
            OfflineBatches.concat(cond, z, in, batch, condDim, chunkDim);
            float[] mu = oneStep.forward(trainOneStepTape, in, batch).clone();
            double distill = 0;
            float[] clipped = new float[bd];
            for (int i = 0; i < bd; i++) {
                double d = mu[i] - aFlow[i];
                distill += d * d;
                clipped[i] = clip(mu[i]);
            }
            distill /= bd;
            float[] q = new float[batch];
            float[] gq = new float[bd];
            critic.current().evaluate(cond, clipped, batch, q, gq);
            double qMean = 0;
            for (int b = 0; b < batch; b++) qMean += q[b];
            qMean /= batch;
            if (grads != null) {
                float[] dMu = new float[bd];
                float a2 = (float) (2 * cfg.alpha() / bd);
                for (int i = 0; i < bd; i++) {
                    float inside = Math.abs(mu[i]) <= 1f ? 1f : 0f;
                    dMu[i] = a2 * (mu[i] - aFlow[i]) - inside * gq[i] / batch;
                }
                oneStep.backward(trainOneStepTape, dMu, grads, null);
            }
            return new double[] {distill, qMean};
        }

        /** clip(μ(c, z)), z ~ N(0, I), into out. */
        private float[] act(float[] c, int n, Rng rng, Mlp.Tape tape, float[] out) {
            int nd = n * chunkDim;
            float[] z = new float[nd];
            rng.fillGaussian(z);
            float[] in = new float[n * (condDim + chunkDim)];
            OfflineBatches.concat(c, z, in, n, condDim, chunkDim);
            float[] mu = oneStep.forward(tape, in, n);
            for (int i = 0; i < nd; i++) out[i] = clip(mu[i]);
            return out;
        }

        Mlp oneStepNetwork() {
            return oneStep;
        }

        /** The BC flow's clipped ODE samples for the given noise (for tests of the distillation). */
        float[] flowActions(float[] c, float[] z, int n) {
            return EulerSampler.integrate(bcFlow, bcFlow.network().newTape(n), c, z.clone(), n, cfg.flowSteps(), true);
        }

        /** clip(μ(c, z)) for the given noise (for tests). */
        float[] oneStepActions(float[] c, float[] z, int n) {
            float[] in = new float[n * (condDim + chunkDim)];
            OfflineBatches.concat(c, z, in, n, condDim, chunkDim);
            float[] mu = oneStep.forward(oneStep.newTape(n), in, n).clone();
            for (int i = 0; i < mu.length; i++) mu[i] = clip(mu[i]);
            return mu;
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("critic_loss", criticLoss(validation, rng, null));
            m.put("bc_flow_loss", bc.loss(flowTape, validation.actorConditioning(), validation.batch().actions(),
                    td.valid(), FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            m.put("distill_loss", oneStepLoss(validation.actorConditioning(), rng, null)[0]);
            return m;
        }

        @Override
        public Map<String, Policy> policies() {
            GrowingTape tape = new GrowingTape(oneStep);
            return Map.of("fql", policy((c, n, rng) -> act(c, n, rng, tape.forBatch(n), new float[n * chunkDim])));
        }
    }
}
