package flowbench.baselines.algorithms;

import flowbench.baselines.common.BaselineAlgorithm;
import flowbench.baselines.common.ConfigChecks;
import flowbench.baselines.common.ConfigRecords;
import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.common.OfflineLearner;
import flowbench.baselines.common.QgfLoader;
import flowbench.baselines.flow.FlowMatching;
import flowbench.baselines.flow.FlowMatching.TimeSampling;
import flowbench.baselines.flow.TimeEmbedding;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.GrowingTape;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.WeightInit;
import flowbench.baselines.rl.IqlCritic;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.GoalSampling;
import flowbench.harness.rng.Rng;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CFGRL (Frans et al. 2025) as the QGF repository trains it (docs/qgf.md section 6.2): an optimality-conditioned flow
 * v(s, o, a_t, t) next to QGF's IQL critic ({@link IqlCritic}).
 *
 * <ul>
 *   <li>o is one extra conditioning column: o = 1 the "optimal" branch, o = 0 the unconditional branch;</li>
 *   <li>actor loss L = mean_b 1[A_b &gt; 0]·ℓ_b(o = 1) + 0.1·mean_b ℓ_b(o = 0), ℓ the flow-matching row loss (QGF's BC:
 *       discrete t on the N-step grid, no validity weight), A = min_i Q̄_i(s, a) − V(s) from the critic BEFORE its step
 *       (target heads, as QGF's value regression);</li>
 *   <li>the two branches draw their own x_0 and t (the spec does not say whether the reference shares them);</li>
 *   <li>acting: Euler sampling of v = v(o=0) + w·(v(o=1) − v(o=0)), one named policy per w, clipped; w = 0 is the
 *       unconditional flow ("flow-bc");</li>
 *   <li>architecture and loader as QGF (§3): LayerNorm before GELU except on the last hidden layer, 16-dim sinusoidal
 *       time, LeCun-normal output layer, actions clipped to ±(1 − 1e−5), separate Adams, and by default the QGF mask
 *       QUIRK m = 1 − terminals ({@link QGF.MaskSource}).</li>
 * </ul>
 */
public final class CFGRL extends BaselineAlgorithm<CFGRL.Config> {

    /**
     * @param actorHidden        velocity-field widths
     * @param criticHidden       Q and V widths
     * @param activation         hidden activation
     * @param batchSize          B
     * @param actorLearningRate  flow Adam step size
     * @param criticLearningRate Q Adam step size
     * @param valueLearningRate  V Adam step size
     * @param flowSteps          N (Euler steps and the discrete-t grid)
     * @param horizon            H
     * @param discount           γ
     * @param numQs              Q heads
     * @param expectile          IQL expectile τ_e
     * @param targetTau          Polyak rate of Q̄
     * @param unconditionalWeight weight of the o = 0 branch (0.1 in the reference)
     * @param maskSource         TERMINALS (QGF loader QUIRK, default) or DATASET
     * @param weights            guidance weights w, one policy each
     * @param goals              hindsight goal sampling (discount replaced by {@code discount})
     */
    public record Config(List<Integer> actorHidden, List<Integer> criticHidden, Activation activation, int batchSize,
                         double actorLearningRate, double criticLearningRate, double valueLearningRate, int flowSteps,
                         int horizon, double discount, int numQs, double expectile, double targetTau,
                         double unconditionalWeight, QGF.MaskSource maskSource, List<Double> weights, GoalSampling goals) {
        public Config {
            ConfigChecks check = new ConfigChecks("cfgrl");
            actorHidden = check.widths("actorHidden", actorHidden);
            criticHidden = check.widths("criticHidden", criticHidden);
            check.set("activation", activation);
            check.atLeast("batchSize", batchSize, 1);
            check.positive("actorLearningRate", actorLearningRate);
            check.positive("criticLearningRate", criticLearningRate);
            check.positive("valueLearningRate", valueLearningRate);
            check.atLeast("flowSteps", flowSteps, 1);
            check.atLeast("horizon", horizon, 1);
            check.discount("discount", discount);
            check.nonNegative("unconditionalWeight", unconditionalWeight);
            check.set("maskSource", maskSource, "TERMINALS or DATASET");
            if (weights == null || weights.isEmpty()) throw new IllegalArgumentException("cfgrl: weights must list at least one guidance weight");
            weights = check.sweep("weights", weights);
            check.set("goals", goals);
        }

        /**
         * QGF launch-script settings (docs/qgf.md §3.4, shared by its train-time baselines): 4×1024, batch 1024, γ 0.999,
         * H 5, N 10, lr 3e-4, 2 Q heads, τ_e 0.9, τ 0.005; the paper's w sweep {1, 2, 3, 5, 10, 15}.
         */
        public static Config paper() {
            return new Config(List.of(1024, 1024, 1024, 1024), List.of(1024, 1024, 1024, 1024), Activation.GELU,
                    1024, 3e-4, 3e-4, 3e-4, 10, 5, 0.999, 2, 0.9, 0.005, 0.1, QGF.MaskSource.TERMINALS,
                    List.of(1.0, 2.0, 3.0, 5.0, 10.0, 15.0), GoalSampling.defaults());
        }

        /**
         * QGF's cpu sizing (3×256, batch 256, γ 0.99, H 5: a policy query every 5 environment steps); three weights
         * {1, 3, 10} from the paper's sweep, since evaluation time scales with the number of policies. A step costs two
         * flow passes (two branches) plus the IQL critic.
         */
        public static Config cpu() {
            return new Config(List.of(256, 256, 256), List.of(256, 256, 256), Activation.GELU, 256, 3e-4, 3e-4,
                    3e-4, 10, 5, 0.99, 2, 0.9, 0.005, 0.1, QGF.MaskSource.TERMINALS, List.of(1.0, 3.0, 10.0),
                    GoalSampling.defaults());
        }

        /** This config with other sizes and horizon (tests). */
        public Config withTraining(int[] actor, int[] critic, int batch, double lr, int h) {
            return ConfigRecords.with(this, "actorHidden", actor, "criticHidden", critic, "batchSize", batch,
                    "actorLearningRate", lr, "criticLearningRate", lr, "valueLearningRate", lr, "horizon", h);
        }

        IqlCritic.Config criticConfig() {
            return new IqlCritic.Config(ConfigChecks.ints(criticHidden), activation, LayerNormPlacement.BEFORE_ACTIVATION, numQs, expectile,
                    discount, horizon, targetTau, criticLearningRate, valueLearningRate);
        }

    }

    public CFGRL() {
        super("cfgrl", "training-time",
                "Frans, Park, Abbeel, Levine, Diffusion Guidance Is a Controllable Policy Improvement Operator (2025)",
                "CFGRL: optimality-conditioned BC flow (positive branch weighted by 1[Q - V > 0], unconditional "
                        + "branch x0.1) with an IQL critic; acts with classifier-free guidance v_u + w (v_pos - v_u).",
                Config.class, Config::paper, Config::cpu);
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new CfgrlLearner(config, context);
    }

    static final class CfgrlLearner extends OfflineLearner {
        private final Config cfg;
        private final VelocityField field;
        private final Mlp.Tape bcTape;
        private final FlowMatching bc;
        private final IqlCritic critic;
        private final GrowingTape vTape;
        private final float[] rewards;
        private final float[] masks;
        private final float[] valid;

        CfgrlLearner(Config cfg, AgentContext ctx) {
            super("cfgrl", ctx, cfg.batchSize(), cfg.horizon(), cfg.discount(), cfg.goals());
            this.cfg = cfg;
            MlpConfig actor = new MlpConfig(1, ConfigChecks.ints(cfg.actorHidden()), 1, cfg.activation(),
                    LayerNormPlacement.BEFORE_ACTIVATION_EXCEPT_LAST, false, WeightInit.LECUN_NORMAL);
            // conditioning [c, o]: the optimality flag is the last conditioning column
            this.field = new VelocityField(condDim + 1, chunkDim, TimeEmbedding.SINUSOIDAL16, actor, initRng("velocity"));
            modules.train("velocity", field.network());
            modules.optimise("velocity_adam", AdamConfig.of(cfg.actorLearningRate()));
            this.bcTape = field.network().newTape(batch);
            this.bc = new FlowMatching(field, batch);
            this.critic = new IqlCritic(condDim, chunkDim, cfg.criticConfig(), batch, initRng("iql"));
            modules.part("iql_", critic::addTo, critic::parameterCount);
            this.vTape = new GrowingTape(critic.v());
            this.rewards = new float[batch];
            this.masks = new float[batch];
            this.valid = new float[batch];
        }

        private float[] withFlag(float[] c, float o, int n) {
            float[] out = new float[n * (condDim + 1)];
            for (int b = 0; b < n; b++) {
                System.arraycopy(c, b * condDim, out, b * (condDim + 1), condDim);
                out[b * (condDim + 1) + condDim] = o;
            }
            return out;
        }

        private void labels(OfflineBatches source) {
            QgfLoader.labels(source, cfg.maskSource() == QGF.MaskSource.TERMINALS, rewards, masks, valid);
        }

        /**
         * 1[min_i Q̄_i(c, a) − V(c) &gt; 0] per row. Goal-conditioned: c carries the ACTOR goal, so the optimality label
         * refers to the goal the flow is conditioned on (single-task: the same rows as the critic's).
         */
        float[] positive(float[] valueCond, float[] actions, int n) {
            float[] q = new float[n];
            critic.targetMin().evaluate(valueCond, actions, n, q, null);
            float[] v = critic.v().forward(vTape.forBatch(n), valueCond, n);
            float[] pos = new float[n];
            for (int b = 0; b < n; b++) pos[b] = q[b] - v[b] > 0 ? 1f : 0f;
            return pos;
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            Rng batchRng = rng.split();
            Rng posRng = rng.split();
            Rng uncRng = rng.split();
            train.sample(batchRng);
            float[] actions = train.batch().actions();
            QgfLoader.clipActions(actions);
            float[] cond = train.actorConditioning();
            float[] pos = positive(cond, actions, batch);
            double frac = 0;
            for (float p : pos) frac += p;
            modules.zeroGrads();
            Gradients grads = modules.grads(field.network());
            double lPos = bc.loss(bcTape, withFlag(cond, 1f, batch), actions, pos, TimeSampling.DISCRETE, cfg.flowSteps(),
                    posRng, grads);
            float[] uw = new float[batch];
            java.util.Arrays.fill(uw, (float) cfg.unconditionalWeight());
            double lUnc = bc.loss(bcTape, withFlag(cond, 0f, batch), actions, uw, TimeSampling.DISCRETE, cfg.flowSteps(),
                    uncRng, grads);
            modules.step();
            labels(train);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("positive_flow_loss", lPos);
            m.put("unconditional_flow_loss", lUnc);
            m.put("positive_fraction", frac / batch);
            m.putAll(critic.update(train.valueConditioning(), actions, train.nextValueConditioning(), rewards, masks, valid,
                    batch));
            return m;
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            Rng batchRng = rng.split();
            Rng uncRng = rng.split();
            validation.sample(batchRng);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("unconditional_flow_loss", bc.loss(bcTape, withFlag(validation.actorConditioning(), 0f, batch),
                    validation.batch().actions(), null, TimeSampling.DISCRETE, cfg.flowSteps(), uncRng, null));
            labels(validation);
            m.putAll(critic.losses(validation.valueConditioning(), validation.batch().actions(),
                    validation.nextValueConditioning(), rewards, masks, valid, batch));
            return m;
        }

        /** Euler sampling of v_u + w·(v_pos − v_u), clipped at the end. */
        float[] sample(GrowingTape tape, float[] c, int n, double w, Rng rng) {
            Mlp.Tape actTape = tape.forBatch(n);
            int nd = n * chunkDim;
            float[] x = new float[nd];
            rng.fillGaussian(x);
            float[] cu = withFlag(c, 0f, n);
            float[] cp = withFlag(c, 1f, n);
            int steps = cfg.flowSteps();
            for (int k = 0; k < steps; k++) {
                float t = (float) k / steps;
                float[] vu = field.forward(actTape, cu, x, t, n).clone();
                if (w != 0) {
                    float[] vp = field.forward(actTape, cp, x, t, n);
                    for (int i = 0; i < nd; i++) vu[i] += (float) w * (vp[i] - vu[i]);
                }
                for (int i = 0; i < nd; i++) x[i] += vu[i] / steps;
            }
            for (int i = 0; i < nd; i++) x[i] = Math.max(-1f, Math.min(1f, x[i]));
            return x;
        }

        static String policyName(double w) {
            return "cfgrl(w=" + (w == Math.rint(w) ? String.valueOf((long) w) : String.valueOf(w)) + ")";
        }

        @Override
        public Map<String, Policy> policies() {
            GrowingTape tape = new GrowingTape(field.network());
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put("flow-bc", policy((c, n, rng) -> sample(tape, c, n, 0, rng)));
            for (double w : cfg.weights()) if (w != 0) p.put(policyName(w), policy((c, n, rng) -> sample(tape, c, n, w, rng)));
            return p;
        }
    }
}
