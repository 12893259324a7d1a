package flowbench.baselines.algorithms;

import flowbench.baselines.common.BaselineAlgorithm;
import flowbench.baselines.common.ConfigChecks;
import flowbench.baselines.common.ConfigRecords;
import flowbench.baselines.common.OfflineLearner;
import flowbench.baselines.flow.FlowMatching;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpEnsemble;
import flowbench.baselines.rl.ActionCritic;
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
 * The CGQL family (docs/qam.md section 2.8, reference {@code agents/cgql.py}): classifier(Q)-guided flow sampling.
 *
 * <ul>
 *   <li>actor: a flow velocity field trained by plain flow-matching BC (§0.3), with a Polyak target copy that is the
 *       field used for sampling ({@code target_guidance=True});</li>
 *   <li>critic: the common TD ensemble ({@link TdCritic}) on a TIME-conditioned input [s, a, t]: the time is carried as
 *       one extra action column, so clean actions are evaluated at t = 1; TD target Q̄(s'_H, a', 1) with a' from the
 *       guided sampler;</li>
 *   <li>{@code mse} / {@code linex} modes add a noisy-critic term (weight {@code noisyCoef}) on ã = (1−t)ε + t·a_data,
 *       t ~ U[0,1], regressed onto the TARGET critic's clean value Q̄_k(s, a_data, 1) member by member;</li>
 *   <li>guided sampler: v ← v_target(s,x,t); for i &gt; 0, v ← v + (guidance_coef/t)·((1−t)·β·∇_x mean_k Q_k(s,x,t_q) + x)
 *       with t_q = 1 (simple) or t (mse/linex), current critic; x ← x + v/N; clip at the end.</li>
 *   <li>one plain Adam over actor and critic (no gradient clip, §0.4).</li>
 * </ul>
 *
 * <p>Registered as {@code cgql} (simple), {@code cgql-m} (mse), {@code cgql-l} (linex). Goal-conditioned tasks: critic
 * on [s, g_value], actor on [s, g_actor] (hindsight goals, as QAM).
 */
public final class CGQL extends BaselineAlgorithm<CGQL.Config> {

    /** Critic mode: the reference's tags CGQL / CGQL_MSE / CGQL_LINEX. */
    public enum Mode {
        SIMPLE("cgql"), MSE("cgql-m"), LINEX("cgql-l");

        private final String registryName;

        Mode(String registryName) {
            this.registryName = registryName;
        }

        public String registryName() {
            return registryName;
        }
    }

    /**
     * @param actorHidden    hidden widths of the velocity field (no LayerNorm)
     * @param criticHidden   hidden widths of each critic member (LayerNorm after the activation)
     * @param activation     hidden activation (GELU, tanh approximation)
     * @param batchSize      B
     * @param learningRate   Adam step size (constant, no clip)
     * @param numQs          critic ensemble size K
     * @param rho            pessimism ρ of the TD target aggregate
     * @param discount       γ (target uses γ^H)
     * @param tau            Polyak rate of the target critic and the target actor
     * @param flowSteps      N Euler steps
     * @param horizon        action chunk length H
     * @param mode           SIMPLE, MSE or LINEX
     * @param invTemp        β (10 in every experiment); 0 = unguided sampling
     * @param guidanceCoef   guidance_coef
     * @param noisyCoef      weight of the noisy-critic term (MSE/LINEX only)
     * @param isdClip        LINEX: above δ &gt; isdClip the loss is linear (reference 5)
     * @param guidanceXTerm  QUIRK (docs/qam.md §8.11): add the "+x" term to the guidance (true, reference); false gives the
     *                       score→velocity identity (guidance_coef/t)·(1−t)·β·∇Q
     * @param targetGuidance sample with the target actor (true, reference) or the online actor
     * @param goals          hindsight goal sampling for goal-conditioned tasks (γ is {@code discount})
     */
    public record Config(List<Integer> actorHidden, List<Integer> criticHidden, Activation activation, int batchSize, double learningRate,
                         int numQs, double rho, double discount, double tau, int flowSteps, int horizon, Mode mode,
                         double invTemp, double guidanceCoef, double noisyCoef, double isdClip, boolean guidanceXTerm,
                         boolean targetGuidance, GoalSampling goals) {
        public Config {
            ConfigChecks check = new ConfigChecks("cgql");
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
            if (mode == null) throw new IllegalArgumentException("cgql: mode must be one of SIMPLE, MSE, LINEX");
            check.nonNegative("invTemp", invTemp);
            check.nonNegative("guidanceCoef", guidanceCoef);
            check.nonNegative("noisyCoef", noisyCoef);
            check.positive("isdClip", isdClip);
            check.set("goals", goals);
        }

        /**
         * Reference values (docs/qam.md §4, §6): 4×512 actor and critic, B 256, lr 3e-4, K 10, ρ 0.5, γ 0.99, τ 0.005,
         * N 10, β 10, isd_clip 5, every quirk kept; per-mode guidance_coef / noisy_coef from the antmaze-large column
         * (fallback; docs/domains.md): simple 0.1; mse 0.1 / 0.1; linex 0.1 / 0.001; H = 1 (maze domains).
         */
        public static Config paper(Mode m) {
            return base(m, List.of(512, 512, 512, 512), List.of(512, 512, 512, 512), 256, 10);
        }

        /**
         * Sized for minutes on 2 cores: 2×128 actor and critic, K = 4, B = 64, N = 10 kept (the guidance is applied
         * per Euler step, fewer steps changes the sampler). A step runs the guided sampler for a' (N actor passes plus
         * N−1 critic VJPs), the TD loss, BC and (mse/linex) one more critic pass; 2×128 keeps that within a few ms.
         */
        public static Config cpu(Mode m) {
            return base(m, List.of(128, 128), List.of(128, 128), 64, 4);
        }

        private static Config base(Mode m, List<Integer> actor, List<Integer> critic, int batch, int qs) {
            double noisy = switch (m) {
                case SIMPLE -> 0;
                case MSE -> 0.1;
                case LINEX -> 0.001;
            };
            return new Config(actor, critic, Activation.GELU, batch, 3e-4, qs, 0.5, 0.99, 0.005, 10, 1, m, 10, 0.1,
                    noisy, 5, true, true, GoalSampling.defaults());
        }

        /** This config with other sizes (tests). */
        public Config withTraining(int[] actor, int[] critic, int qs, int batch, double lr) {
            return ConfigRecords.with(this,
                    "actorHidden", actor, "criticHidden", critic, "batchSize", batch, "learningRate", lr, "numQs", qs);
        }

        /** This config with other guidance settings. */
        public Config withGuidance(double beta, double coef, boolean xTerm) {
            return ConfigRecords.with(this, "invTemp", beta, "guidanceCoef", coef, "guidanceXTerm", xTerm);
        }

        /** This config with another noisy-critic weight. */
        public Config withNoisyCoef(double coef) {
            return ConfigRecords.with(this, "noisyCoef", coef);
        }

        TdCritic.Config criticConfig() {
            return TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau);
        }

    }

    private final Mode mode;

    public CGQL(Mode mode) {
        super(mode.registryName(), "training-time",
                "Li and Levine, Q-learning with Adjoint Matching (arXiv 2601.14234, 2026), CGQL baseline",
                description(mode), Config.class, () -> Config.paper(mode), () -> Config.cpu(mode));
        this.mode = mode;
    }

    private static String description(Mode mode) {
        String crit = switch (mode) {
            case SIMPLE -> "clean-action critic Q(s,a,1)";
            case MSE -> "time-conditioned critic with an MSE noisy-action term";
            case LINEX -> "time-conditioned critic with a LINEX noisy-action term";
        };
        return "CGQL (" + mode.name().toLowerCase() + "): flow BC + TD " + crit + "; acts by Euler sampling of the target "
                + "flow with critic-gradient guidance (guidance_coef/t)((1-t) beta grad Q + x).";
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        if (config.mode() != mode) {
            throw new IllegalArgumentException(name() + ": config mode " + config.mode() + " does not match " + mode);
        }
        return new CgqlLearner(config, context);
    }

    static final class CgqlLearner extends OfflineLearner {
        private final Config cfg;
        final TdCritic critic;
        private final VelocityField actor;
        private final VelocityField actorTarget;
        private final FlowMatching bc;
        private final Mlp.Tape bcTape;
        private final MlpEnsemble.Tape noisyTape;
        private final Sampler trainSampler;

        CgqlLearner(Config cfg, AgentContext ctx) {
            super("cgql", ctx, cfg.batchSize(), cfg.horizon(), cfg.discount(), cfg.goals());
            this.cfg = cfg;
            // the critic's "action" is [a, t]: exactly the reference input order [s, a, t]
            this.critic = tdCritic(cfg.criticConfig(), chunkDim + 1);
            this.actor = flowActor("actor", ConfigChecks.ints(cfg.actorHidden()), cfg.activation());
            this.actorTarget = actor.copy();
            modules.keep("target_actor", actorTarget.network());
            modules.optimise("adam", AdamConfig.of(cfg.learningRate()));
            this.bc = new FlowMatching(actor, batch);
            this.bcTape = actor.network().newTape(batch);
            this.noisyTape = critic.network().newTape(batch);
            this.trainSampler = new Sampler(batch);
        }

        /** [a, t] rows for the critic. */
        private float[] withTime(float[] a, float[] t, float tAll, int n) {
            float[] out = new float[n * (chunkDim + 1)];
            for (int b = 0; b < n; b++) {
                System.arraycopy(a, b * chunkDim, out, b * (chunkDim + 1), chunkDim);
                out[b * (chunkDim + 1) + chunkDim] = t == null ? tAll : t[b];
            }
            return out;
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            modules.zeroGrads();
            Gradients criticGrads = modules.grads(critic.network());
            Map<String, Double> m = new LinkedHashMap<>();
            float[] actions = train.batch().actions();
            float[] valid = train.batch().lastValid();
            float[] rewards = train.batch().lastRewards();
            float[] masks = train.batch().lastMasks();

            // TD (docs/qam.md §0.2) on Q(s, a, 1); a' from the guided sampler at s'_H
            float[] next = new float[batch * chunkDim];
            trainSampler.sample(train.nextValueConditioning(), batch, rng, next, true);
            float[] y = new float[batch];
            critic.targets(rewards, masks, discountH, train.nextValueConditioning(), withTime(next, null, 1f, batch), batch, y);
            double lq = critic.loss(train.valueConditioning(), withTime(actions, null, 1f, batch), y, valid, batch, criticGrads);
            float[] q = critic.lastLossQ(batch);
            double qs = 0;
            for (float v : q) qs += v;
            m.put("critic_loss", lq);
            m.put("q_mean", qs / q.length);
            double total = lq;

            if (cfg.mode() != Mode.SIMPLE) {
                double ln = noisyLoss(train.valueConditioning(), actions, valid, batch, rng, criticGrads, cfg.noisyCoef());
                m.put("noisy_critic_loss", ln);
                total += cfg.noisyCoef() * ln;
            }

            double lbc = bc.loss(bcTape, train.actorConditioning(), actions, valid, FlowMatching.TimeSampling.UNIFORM,
                    cfg.flowSteps(), rng, modules.grads(actor.network()));
            m.put("bc_flow_loss", lbc);
            total += lbc;

            modules.step();
            m.put("total_loss", total);
            critic.polyakUpdate();
            actorTarget.network().parameters().polyakUpdate(actor.network().parameters(), cfg.tau());
            return m;
        }

        /**
         * The noisy-critic term (docs/qam.md §2.8), unscaled; accumulates {@code weight}·dL/dθ into {@code g} when non-null.
         * t ~ U[0,1] per row, then ε ~ N(0, I); the target is the TARGET critic's member-wise clean value Q̄_k(s, a, 1)
         * (a constant).
         * <ul>
         *   <li>mse: L = mean_{k,b} (Q_k(s,ã,t) − q̄_k)²·v_b</li>
         *   <li>linex: δ = β(q̄_k − Q_k); ℓ = δ if δ &gt; c, else exp(δ) + β·Q_k; L = mean_{k,b} ℓ·v_b (exp(δ) + βQ is the
         *       LINEX loss exp(δ) − δ − 1 up to a Q-independent constant; above c it switches to the linear δ)</li>
         * </ul>
         */
        double noisyLoss(float[] cond, float[] actions, float[] valid, int n, Rng rng, Gradients g, double weight) {
            int k = critic.members();
            float[] t = new float[n];
            for (int b = 0; b < n; b++) t[b] = rng.nextFloat();
            float[] eps = new float[n * chunkDim];
            rng.fillGaussian(eps);
            float[] noisy = new float[n * chunkDim];
            for (int b = 0; b < n; b++) {
                for (int j = 0; j < chunkDim; j++) {
                    int i = b * chunkDim + j;
                    noisy[i] = (1f - t[b]) * eps[i] + t[b] * actions[i];
                }
            }
            float[] qBar = critic.forward(true, cond, withTime(actions, null, 1f, n), n).clone();
            int cols = condDim + chunkDim + 1;
            float[] in = new float[n * cols];
            float[] at = withTime(noisy, t, 0f, n);
            for (int b = 0; b < n; b++) {
                System.arraycopy(cond, b * condDim, in, b * cols, condDim);
                System.arraycopy(at, b * (chunkDim + 1), in, b * cols + condDim, chunkDim + 1);
            }
            float[] qn = critic.network().forward(noisyTape, in, n);
            float[] dQ = new float[k * n];
            double beta = cfg.invTemp();
            double c = cfg.isdClip();
            double sum = 0;
            double scale = weight / ((double) k * n);
            for (int mbr = 0; mbr < k; mbr++) {
                for (int b = 0; b < n; b++) {
                    int i = mbr * n + b;
                    double v = valid == null ? 1 : valid[b];
                    double l, dl;
                    if (cfg.mode() == Mode.LINEX) {
                        double delta = beta * (qBar[i] - qn[i]);
                        if (delta > c) {
                            l = delta;
                            dl = -beta;
                        } else {
                            double e = Math.exp(delta);
                            l = e + beta * qn[i];
                            dl = -beta * e + beta;
                        }
                    } else {
                        double d = qn[i] - qBar[i];
                        l = d * d;
                        dl = 2 * d;
                    }
                    sum += l * v;
                    dQ[i] = (float) (scale * dl * v);
                }
            }
            if (g != null) critic.network().backward(noisyTape, dQ, g, null);
            return sum / ((double) k * n);
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            Map<String, Double> m = new LinkedHashMap<>();
            float[] v = validation.batch().lastValid();
            m.put("bc_flow_loss", bc.loss(bcTape, validation.actorConditioning(), validation.batch().actions(), v,
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            float[] na = new float[batch * chunkDim];
            trainSampler.sample(validation.nextValueConditioning(), batch, rng, na, true);
            float[] yy = new float[batch];
            critic.targets(validation.batch().lastRewards(), validation.batch().lastMasks(), discountH,
                    validation.nextValueConditioning(), withTime(na, null, 1f, batch), batch, yy);
            m.put("critic_loss", critic.loss(validation.valueConditioning(), withTime(validation.batch().actions(), null, 1f,
                    batch), yy, v, batch, null));
            return m;
        }

        @Override
        public Map<String, Policy> policies() {
            Sampler sampler = new Sampler(batch);
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put(cfg.mode().registryName(), policy((c, n, rng) -> sampler.sample(c, n, rng, new float[n * chunkDim], true)));
            p.put("flow-bc", policy((c, n, rng) -> sampler.sample(c, n, rng, new float[n * chunkDim], false)));
            return p;
        }

        /** The guided Euler sampler (docs/qam.md §2.8) with its own tape; one per use site. */
        private final class Sampler {
            private Mlp.Tape tape;

            Sampler(int capacity) {
                tape = field().network().newTape(capacity);
            }

            private VelocityField field() {
                return cfg.targetGuidance() ? actorTarget : actor;
            }

            float[] sample(float[] c, int n, Rng rng, float[] out, boolean guided) {
                if (tape.capacity() < n) tape = field().network().newTape(n);
                int nd = n * chunkDim;
                float[] x = new float[nd];
                rng.fillGaussian(x);
                integrate(c, x, n, guided);
                System.arraycopy(x, 0, out, 0, nd);
                return out;
            }

            void integrate(float[] c, float[] x, int n, boolean guided) {
                VelocityField field = field();
                int steps = cfg.flowSteps();
                int nd = n * chunkDim;
                boolean useGuidance = guided && cfg.invTemp() > 0;
                ActionCritic q = critic.current();
                float[] g = new float[n * (chunkDim + 1)];
                float beta = (float) cfg.invTemp();
                for (int i = 0; i < steps; i++) {
                    float t = (float) i / steps;
                    float[] v = field.forward(tape, c, x, t, n).clone();
                    // guidance is skipped at i = 0 (t = 0, where guidance_coef/t is undefined), as the reference does
                    if (useGuidance && i > 0) {
                        float tq = cfg.mode() == Mode.SIMPLE ? 1f : t;
                        q.evaluate(c, withTime(x, null, tq, n), n, null, g);
                        float w = (float) (cfg.guidanceCoef() / t);
                        for (int b = 0; b < n; b++) {
                            for (int j = 0; j < chunkDim; j++) {
                                int k = b * chunkDim + j;
                                float gj = g[b * (chunkDim + 1) + j];
                                // QUIRK (docs/qam.md §8.11): the "+x" term is not part of the score→velocity identity
                                float extra = cfg.guidanceXTerm() ? x[k] : 0f;
                                v[k] += w * ((1f - t) * beta * gj + extra);
                            }
                        }
                    }
                    for (int k = 0; k < nd; k++) x[k] += v[k] / steps;
                }
                for (int k = 0; k < nd; k++) x[k] = Math.max(-1f, Math.min(1f, x[k]));
            }
        }
    }
}
