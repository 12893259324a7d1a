package flowbench.baselines.algorithms;

import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.flow.FlowMatching;
import flowbench.baselines.flow.FlowMatching.TimeSampling;
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
import flowbench.baselines.nn.WeightInit;
import flowbench.baselines.rl.IqlCritic;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.ChunkBatch;
import flowbench.harness.data.GoalConfig;
import flowbench.harness.protocol.Configs;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * CFGRL (Frans et al. 2025) as the QGF repository trains it (qgf.md section 6.2): an optimality-conditioned flow
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
public final class CFGRL implements Algorithm<CFGRL.Config> {

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
    public record Config(int[] actorHidden, int[] criticHidden, Activation activation, int batchSize,
                         double actorLearningRate, double criticLearningRate, double valueLearningRate, int flowSteps,
                         int horizon, double discount, int numQs, double expectile, double targetTau,
                         double unconditionalWeight, QGF.MaskSource maskSource, List<Double> weights, GoalConfig goals) {
        public Config {
            if (actorHidden == null || actorHidden.length == 0) throw new IllegalArgumentException("cfgrl: actorHidden must list at least one width");
            if (criticHidden == null || criticHidden.length == 0) throw new IllegalArgumentException("cfgrl: criticHidden must list at least one width");
            actorHidden = actorHidden.clone();
            criticHidden = criticHidden.clone();
            if (activation == null) throw new IllegalArgumentException("cfgrl: activation must be set");
            if (batchSize < 1) throw new IllegalArgumentException("cfgrl: batchSize must be >= 1, got " + batchSize);
            if (!(actorLearningRate > 0 && criticLearningRate > 0 && valueLearningRate > 0)) {
                throw new IllegalArgumentException("cfgrl: learning rates must be > 0, got " + actorLearningRate + ", "
                        + criticLearningRate + ", " + valueLearningRate);
            }
            if (flowSteps < 1) throw new IllegalArgumentException("cfgrl: flowSteps must be >= 1, got " + flowSteps);
            if (horizon < 1) throw new IllegalArgumentException("cfgrl: horizon must be >= 1, got " + horizon);
            if (!(discount >= 0 && discount < 1)) throw new IllegalArgumentException("cfgrl: discount must be in [0, 1), got " + discount);
            if (!(unconditionalWeight >= 0)) throw new IllegalArgumentException("cfgrl: unconditionalWeight must be >= 0, got " + unconditionalWeight);
            if (maskSource == null) throw new IllegalArgumentException("cfgrl: maskSource must be TERMINALS or DATASET");
            if (weights == null || weights.isEmpty()) throw new IllegalArgumentException("cfgrl: weights must list at least one guidance weight");
            HashSet<Double> seen = new HashSet<>();
            for (Double w : weights) {
                if (w == null || !Double.isFinite(w) || w < 0) throw new IllegalArgumentException("cfgrl: weights must be finite and >= 0, got " + weights);
                if (!seen.add(w)) throw new IllegalArgumentException("cfgrl: weights lists " + w + " twice");
            }
            weights = List.copyOf(weights);
            if (goals == null) throw new IllegalArgumentException("cfgrl: goals must be set");
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
         * QGF launch-script settings (qgf.md §3.4, shared by its train-time baselines): 4×1024, batch 1024, γ 0.999,
         * H 5, N 10, lr 3e-4, 2 Q heads, τ_e 0.9, τ 0.005; the paper's w sweep {1, 2, 3, 5, 10, 15}.
         */
        public static Config paper() {
            return new Config(new int[] {1024, 1024, 1024, 1024}, new int[] {1024, 1024, 1024, 1024}, Activation.GELU,
                    1024, 3e-4, 3e-4, 3e-4, 10, 5, 0.999, 2, 0.9, 0.005, 0.1, QGF.MaskSource.TERMINALS,
                    List.of(1.0, 2.0, 3.0, 5.0, 10.0, 15.0), GoalConfig.defaults());
        }

        /**
         * QGF's cpu sizing (3×256, batch 256, γ 0.99, H 5: a policy query every 5 environment steps); three weights
         * {1, 3, 10} from the paper's sweep, since evaluation time scales with the number of policies. A step costs two
         * flow passes (two branches) plus the IQL critic.
         */
        public static Config cpu() {
            return new Config(new int[] {256, 256, 256}, new int[] {256, 256, 256}, Activation.GELU, 256, 3e-4, 3e-4,
                    3e-4, 10, 5, 0.99, 2, 0.9, 0.005, 0.1, QGF.MaskSource.TERMINALS, List.of(1.0, 3.0, 10.0),
                    GoalConfig.defaults());
        }

        /** This config with other sizes and horizon (tests). */
        public Config withTraining(int[] actor, int[] critic, int batch, double lr, int h) {
            return new Config(actor, critic, activation, batch, lr, lr, lr, flowSteps, h, discount, numQs, expectile,
                    targetTau, unconditionalWeight, maskSource, weights, goals);
        }

        IqlCritic.Config criticConfig() {
            return new IqlCritic.Config(criticHidden, activation, LayerNormPlacement.BEFORE_ACTIVATION, numQs, expectile,
                    discount, horizon, targetTau, criticLearningRate, valueLearningRate);
        }

        GoalConfig goalConfig() {
            return goals.withDiscount(discount);
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
            return "CFGRL.Config" + Configs.toJson(this);
        }
    }

    @Override
    public String name() {
        return "cfgrl";
    }

    @Override
    public String paper() {
        return "Frans, Park, Abbeel, Levine, Diffusion Guidance Is a Controllable Policy Improvement Operator (2025)";
    }

    @Override
    public String family() {
        return "training-time";
    }

    @Override
    public String description() {
        return "CFGRL: optimality-conditioned BC flow (positive branch weighted by 1[Q - V > 0], unconditional branch "
                + "x0.1) with an IQL critic; acts with classifier-free guidance v_u + w (v_pos - v_u).";
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
            default -> throw new IllegalArgumentException("cfgrl: unknown profile '" + profile + "', expected paper or cpu");
        };
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new CfgrlLearner(config, context);
    }

    static final class CfgrlLearner implements Learner {
        private final Config cfg;
        private final OfflineBatches train;
        private final OfflineBatches validation;
        private final boolean goalConditioned;
        private final int condDim;
        private final int chunkDim;
        private final int batch;
        private final VelocityField field;
        private final Adam adam;
        private final Gradients grads;
        private final Mlp.Tape bcTape;
        private final FlowMatching bc;
        private final IqlCritic critic;
        private Mlp.Tape vTape;
        private Mlp.Tape actTape;
        private final float[] rewards;
        private final float[] masks;
        private final float[] valid;

        CfgrlLearner(Config cfg, AgentContext ctx) {
            this.cfg = cfg;
            this.batch = cfg.batchSize();
            this.train = new OfflineBatches(ctx, ctx.train(), batch, cfg.horizon(), cfg.discount(), cfg.goalConfig());
            this.validation = ctx.validation() == null ? null
                    : new OfflineBatches(ctx, ctx.validation(), batch, cfg.horizon(), cfg.discount(), cfg.goalConfig());
            this.goalConditioned = train.goalConditioned();
            this.condDim = train.condDim();
            this.chunkDim = cfg.horizon() * ctx.train().actionDim();
            MlpConfig actor = new MlpConfig(1, cfg.actorHidden(), 1, cfg.activation(),
                    LayerNormPlacement.BEFORE_ACTIVATION_EXCEPT_LAST, false, WeightInit.LECUN_NORMAL);
            // conditioning [c, o]: the optimality flag is the last conditioning column
            this.field = new VelocityField(condDim + 1, chunkDim, TimeEmbedding.SINUSOIDAL16, actor,
                    Seeds.rng(ctx.seed(), "init", "velocity"));
            this.adam = new Adam(AdamConfig.of(cfg.actorLearningRate()), field.network());
            this.grads = field.network().newGradients();
            this.bcTape = field.network().newTape(batch);
            this.bc = new FlowMatching(field, batch);
            this.critic = new IqlCritic(condDim, chunkDim, cfg.criticConfig(), batch, Seeds.rng(ctx.seed(), "init", "iql"));
            this.vTape = critic.v().newTape(batch);
            this.actTape = field.network().newTape(batch);
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
            ChunkBatch b = source.batch();
            b.lastRewards(rewards);
            b.lastValid(valid);
            if (source.goalConditioned() || cfg.maskSource() == QGF.MaskSource.DATASET) {
                b.lastMasks(masks);
            } else {
                // QUIRK (QGF loader, qgf.md §2.2): m = 1 − terminals of the chunk's last step
                float[] term = b.terminals();
                int h = b.horizon();
                for (int i = 0; i < b.batchSize(); i++) masks[i] = 1f - term[i * h + h - 1];
            }
        }

        /**
         * 1[min_i Q̄_i(c, a) − V(c) &gt; 0] per row. Goal-conditioned: c carries the ACTOR goal, so the optimality label
         * refers to the goal the flow is conditioned on (single-task: the same rows as the critic's).
         */
        float[] positive(float[] valueCond, float[] actions, int n) {
            float[] q = new float[n];
            critic.targetMin().evaluate(valueCond, actions, n, q, null);
            if (vTape.capacity() < n) vTape = critic.v().newTape(n);
            float[] v = critic.v().forward(vTape, valueCond, n);
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
            float hi = (float) (1 - 1e-5); // QGF loader clip (qgf.md §2.1)
            for (int i = 0; i < actions.length; i++) actions[i] = Math.max(-hi, Math.min(hi, actions[i]));
            float[] cond = train.actorConditioning();
            float[] pos = positive(cond, actions, batch);
            double frac = 0;
            for (float p : pos) frac += p;
            grads.zero();
            double lPos = bc.loss(bcTape, withFlag(cond, 1f, batch), actions, pos, TimeSampling.DISCRETE, cfg.flowSteps(),
                    posRng, grads);
            float[] uw = new float[batch];
            java.util.Arrays.fill(uw, (float) cfg.unconditionalWeight());
            double lUnc = bc.loss(bcTape, withFlag(cond, 0f, batch), actions, uw, TimeSampling.DISCRETE, cfg.flowSteps(),
                    uncRng, grads);
            adam.step(grads);
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
        float[] sample(float[] c, int n, double w, Rng rng) {
            if (actTape.capacity() < n) actTape = field.network().newTape(n);
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
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put("flow-bc", new ChunkPolicy(0));
            for (double w : cfg.weights()) if (w != 0) p.put(policyName(w), new ChunkPolicy(w));
            return p;
        }

        private final class ChunkPolicy implements Policy {
            private final double w;

            ChunkPolicy(double w) {
                this.w = w;
            }

            @Override
            public int chunkLength() {
                return cfg.horizon();
            }

            @Override
            public float[] act(float[] observations, float[] goals, int n, Rng rng) {
                float[] c = OfflineBatches.policyConditioning(goalConditioned, observations, goals, n);
                return sample(c, n, w, rng);
            }
        }

        private Checkpoint checkpoint() {
            Checkpoint ck = new Checkpoint().add("velocity", field.network()).add("velocity_adam", adam);
            return critic.addTo(ck, "iql_");
        }

        @Override
        public void save(Path dir) throws IOException {
            checkpoint().write(dir.resolve("cfgrl.bin"));
        }

        @Override
        public void load(Path dir) throws IOException {
            checkpoint().read(dir.resolve("cfgrl.bin"));
        }

        @Override
        public long parameterCount() {
            return field.network().parameterCount() + critic.parameterCount();
        }
    }
}
