package flowbench.baselines.algorithms;

import flowbench.baselines.common.BaselineAlgorithm;
import flowbench.baselines.common.ConfigChecks;
import flowbench.baselines.common.ConfigRecords;
import flowbench.baselines.common.OfflineLearner;
import flowbench.baselines.common.TdBackup;
import flowbench.baselines.flow.FlowMatching;
import flowbench.baselines.flow.OdeSampler;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Mlp;
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
 * FEdit (docs/qam.md section 2.5, reference {@code agents/fedit.py}): flow BC plus an EXPO-style edit policy.
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
public final class FEdit extends BaselineAlgorithm<FEdit.Config> {

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
     * @param goals         hindsight goal sampling (γ is {@code discount})
     */
    public record Config(List<Integer> actorHidden, List<Integer> criticHidden, Activation activation, int batchSize, double learningRate,
                         int numQs, double rho, double discount, double tau, int flowSteps, int horizon,
                         double editScale, double editTargetEntropyMultiplier, GoalSampling goals) {
        public Config {
            ConfigChecks check = new ConfigChecks("fedit");
            actorHidden = check.widths("actorHidden", actorHidden);
            criticHidden = check.widths("criticHidden", criticHidden);
            check.set("activation", activation, "GELU or RELU");
            check.atLeast("batchSize", batchSize, 1);
            check.positive("learningRate", learningRate);
            check.atLeast("numQs", numQs, 1);
            check.nonNegative("rho", rho);
            check.discount("discount", discount);
            check.unitInterval("tau", tau);
            check.atLeast("flowSteps", flowSteps, 1);
            check.atLeast("horizon", horizon, 1);
            check.positive("editScale", editScale);
            if (!(editTargetEntropyMultiplier >= 0)) {
                throw new IllegalArgumentException("fedit: editTargetEntropyMultiplier must be >= 0, got " + editTargetEntropyMultiplier);
            }
            check.set("goals", goals);
        }

        /**
         * Reference values (docs/qam.md §4, §6): 4×512 actor/edit trunk and critic, B 256, lr 3e-4, K 10, ρ 0.5, γ 0.99,
         * τ 0.005, N 10, H 1, target-entropy multiplier 0.5, edit_scale 0.2 (antmaze-large column; the fallback where a
         * task follows no column, docs/domains.md has the per-domain values).
         */
        public static Config paper() {
            return new Config(List.of(512, 512, 512, 512), List.of(512, 512, 512, 512), Activation.GELU, 256, 3e-4,
                    10, 0.5, 0.99, 0.005, 10, 1, 0.2, 0.5, GoalSampling.defaults());
        }

        /**
         * Sized for minutes on 2 cores: 2×128 networks, K = 4, B = 64, N = 10 kept. A step runs the BC ODE twice
         * (TD next actions and the edit loss: 2N actor passes), the critic, BC and the edit policy.
         */
        public static Config cpu() {
            return new Config(List.of(128, 128), List.of(128, 128), Activation.GELU, 64, 3e-4, 4, 0.5, 0.99,
                    0.005, 10, 1, 0.2, 0.5, GoalSampling.defaults());
        }

        /** This config with other sizes (tests). */
        public Config withTraining(int[] actor, int[] critic, int qs, int batch, double lr) {
            return ConfigRecords.with(this,
                    "actorHidden", actor, "criticHidden", critic, "batchSize", batch, "learningRate", lr, "numQs", qs);
        }

        /** This config with another edit scale. */
        public Config withEditScale(double s) {
            return ConfigRecords.with(this, "editScale", s);
        }

        TdCritic.Config criticConfig() {
            return TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau);
        }

    }

    public FEdit() {
        super("fedit", "training-time",
                "Li and Levine, Q-learning with Adjoint Matching (arXiv 2601.14234, 2026), FEdit baseline "
                        + "(EXPO-style edit)",
                "FEdit: TD critic ensemble + BC flow + a TanhNormal edit policy on the BC sample with SAC "
                        + "temperature; acts with clip(a_flow + edit_scale * e).",
                Config.class, Config::paper, Config::cpu);
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new FEditLearner(config, context);
    }

    static final class FEditLearner extends OfflineLearner {
        private final Config cfg;
        private final TdCritic critic;
        private final TdBackup td;
        private final VelocityField flow;
        private final EditPolicy editPolicy;
        final TanhNormalPolicy edit;
        final ScalarParameter logAlpha;
        private final FlowMatching bc;
        private final Mlp.Tape bcTape;
        private final OdeSampler trainOde;

        FEditLearner(Config cfg, AgentContext ctx) {
            super("fedit", ctx, cfg.batchSize(), cfg.horizon(), cfg.discount(), cfg.goals());
            this.cfg = cfg;
            this.critic = tdCritic(cfg.criticConfig(), chunkDim);
            this.td = new TdBackup(critic, discountH, batch);
            this.flow = flowActor("actor_bc_flow", ConfigChecks.ints(cfg.actorHidden()), cfg.activation());
            this.editPolicy = new EditPolicy(condDim, chunkDim, ConfigChecks.ints(cfg.actorHidden()), cfg.activation(), batch, cfg.editScale(),
                    cfg.editTargetEntropyMultiplier(), initRng("edit_actor"));
            this.edit = modules.train("edit_", editPolicy.policy());
            this.logAlpha = modules.train("alpha", editPolicy.logAlpha());
            modules.optimise("adam", AdamConfig.of(cfg.learningRate()));
            this.bc = new FlowMatching(flow, batch);
            this.bcTape = flow.network().newTape(batch);
            this.trainOde = new OdeSampler(flow, cfg.flowSteps());
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            modules.zeroGrads();
            Map<String, Double> m = new LinkedHashMap<>();
            float[] actions = train.batch().actions();

            // TD (docs/qam.md §0.2), a' = the agent's own sampler at s'_H
            double lq = td.loss(train, (c, n, r) -> sample(trainOde, c, n, r, true), rng, modules.grads(critic.network()));
            float[] q = critic.lastLossQ(batch);
            double qs = 0;
            for (float v : q) qs += v;
            m.put("critic_loss", lq);
            m.put("q_mean", qs / q.length);

            double lbc = bc.loss(bcTape, train.actorConditioning(), actions, td.valid(), FlowMatching.TimeSampling.UNIFORM,
                    cfg.flowSteps(), rng, modules.grads(flow.network()));
            m.put("bc_flow_loss", lbc);

            float[] cond = train.actorConditioning();
            float[] aFlow = new float[batch * chunkDim];
            rng.fillGaussian(aFlow);
            trainOde.integrate(cond, aFlow, batch);
            float[] noise = new float[batch * chunkDim];
            rng.fillGaussian(noise);
            double[] le = editLoss(cond, aFlow, noise, batch, critic.current(), modules.grads(edit.modules()),
                    modules.grads(logAlpha), m);

            modules.step();
            m.put("edit_loss", le[0]);
            m.put("alpha_loss", le[1]);
            m.put("total_loss", lq + lbc + le[0] + le[1]);
            critic.polyakUpdate();
            return m;
        }

        /**
         * L_eq + L_ent + L_α (docs/qam.md §1.5 as used by §2.5) for given BC samples a_flow and edit noise
         * ({@link EditPolicy#loss}); for finite-difference tests as well.
         */
        double[] editLoss(float[] cond, float[] aFlow, float[] noise, int n, ActionCritic q, Gradients[] editGrads,
                          Gradients alphaGrad, Map<String, Double> m) {
            return editPolicy.loss(cond, aFlow, noise, n, q, editGrads, alphaGrad, m);
        }

        /** z ~ N(0, I), a_flow = clip(ODE(bc, s, z)); with the edit, clip(a_flow + edit_scale·e), e fresh. */
        private float[] sample(OdeSampler ode, float[] c, int n, Rng rng, boolean withEdit) {
            float[] x = ode.sample(c, n, rng);
            return withEdit ? editPolicy.apply(c, x, n, rng) : x;
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            Map<String, Double> m = new LinkedHashMap<>();
            td.labels(validation.batch());
            m.put("bc_flow_loss", bc.loss(bcTape, validation.actorConditioning(), validation.batch().actions(), td.valid(),
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            m.put("critic_loss", td.loss(validation, (c, n, r) -> sample(trainOde, c, n, r, true), rng, null));
            return m;
        }

        @Override
        public Map<String, Policy> policies() {
            OdeSampler ode = new OdeSampler(flow, cfg.flowSteps());
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put("fedit", policy((c, n, rng) -> sample(ode, c, n, rng, true)));
            p.put("flow-bc", policy((c, n, rng) -> sample(ode, c, n, rng, false)));
            return p;
        }
    }
}
