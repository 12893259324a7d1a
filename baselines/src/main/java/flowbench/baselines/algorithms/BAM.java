package flowbench.baselines.algorithms;

import flowbench.baselines.common.BaselineAlgorithm;
import flowbench.baselines.common.ConfigChecks;
import flowbench.baselines.common.ConfigRecords;
import flowbench.baselines.common.OfflineLearner;
import flowbench.baselines.common.TdBackup;
import flowbench.baselines.flow.AdjointMatching;
import flowbench.baselines.flow.FlowMatching;
import flowbench.baselines.flow.OdeSampler;
import flowbench.baselines.flow.VelocityField;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.Mlp;
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
 * BAM, "basic adjoint matching" (docs/qam.md section 2.3, reference {@code agents/bam.py}): QAM's stochastic-optimal-control
 * objective optimised by backpropagation through the whole memoryless SDE instead of the lean adjoint.
 *
 * <ul>
 *   <li>nets as QAM: actor_slow v_β0 (flow BC) with a Polyak target v_β (the base field), actor_fast v_θ (its own random
 *       initialisation, as QAM §8.3), the common TD critic ({@link TdCritic}), next actions = clip(ODE(actor_fast));</li>
 *   <li>SDE as QAM §1.4(a) (σ_k with offset h, {@link AdjointMatching#sigma}): for k &lt; N−1,
 *       x_{k+1} = x_k + h(2v_θ(x_k,t_k) − x_k/(t_k+h)) + √h σ_k ε_k; last step the BASE ODE x_N = x_{N−1} + h v_β;</li>
 *   <li>actor loss L = L_BC(actor_slow) − λ·mean_b(mean_k Q_k(s,x_N) − ρ·std_k Q_k(s,x_N))
 *       + mean_b Σ_{k&lt;N−1} 2‖v_θ − v_β‖²/σ_k², differentiated through the whole trajectory, including x feeding
 *       v_β (QUIRKS §8.13: no clip of x_N before the CURRENT critic, KL without the factor h); critic and v_β
 *       parameters get no gradient from it;</li>
 *   <li>one Adam with a global-norm clip at 1.0 over all modules (§0.4); Polyak on the critic and actor_slow.</li>
 * </ul>
 * Acting: the deterministic Euler ODE of actor_fast (actor_slow when λ = 0), clipped.
 */
public final class BAM extends BaselineAlgorithm<BAM.Config> {

    /**
     * @param actorHidden  hidden widths of actor_slow and actor_fast
     * @param criticHidden hidden widths of each critic member
     * @param activation   hidden activation
     * @param batchSize    B
     * @param learningRate Adam step size
     * @param clipGradNorm global-norm clip over all modules (1.0 in the reference; 0 = off)
     * @param numQs        K
     * @param rho          ρ of the TD target and of the actor's Q term
     * @param discount     γ
     * @param tau          Polyak rate of the target critic and target actor_slow
     * @param flowSteps    N
     * @param horizon      H
     * @param invTemp      λ
     * @param goals        hindsight goal sampling (γ is {@code discount})
     */
    public record Config(List<Integer> actorHidden, List<Integer> criticHidden, Activation activation, int batchSize, double learningRate,
                         double clipGradNorm, int numQs, double rho, double discount, double tau, int flowSteps,
                         int horizon, double invTemp, GoalSampling goals) {
        public Config {
            ConfigChecks check = new ConfigChecks("bam");
            actorHidden = check.widths("actorHidden", actorHidden);
            criticHidden = check.widths("criticHidden", criticHidden);
            check.set("activation", activation, "GELU or RELU");
            check.atLeast("batchSize", batchSize, 1);
            check.positive("learningRate", learningRate);
            if (!(clipGradNorm >= 0)) throw new IllegalArgumentException("bam: clipGradNorm must be >= 0 (0 = off), got " + clipGradNorm);
            check.atLeast("numQs", numQs, 1);
            check.nonNegative("rho", rho);
            check.discount("discount", discount);
            check.unitInterval("tau", tau);
            if (flowSteps < 2) throw new IllegalArgumentException("bam: flowSteps must be >= 2 (SDE steps plus the base last step), got " + flowSteps);
            check.atLeast("horizon", horizon, 1);
            check.nonNegative("invTemp", invTemp);
            check.set("goals", goals);
        }

        /**
         * Reference values (docs/qam.md §4, §6): 4×512, B 256, lr 3e-4, clip 1.0, K 10, ρ 0.5, γ 0.99, τ 0.005, N 10, H 1,
         * λ = 30 (antmaze-large column: the fallback where a task follows no column; docs/domains.md has the
         * per-domain values).
         */
        public static Config paper() {
            return new Config(List.of(512, 512, 512, 512), List.of(512, 512, 512, 512), Activation.GELU, 256, 3e-4,
                    1.0, 10, 0.5, 0.99, 0.005, 10, 1, 30, GoalSampling.defaults());
        }

        /**
         * Sized for minutes on 2 cores: 2×128, K = 4, B = 64, N = 10 kept (it defines the SDE). A step runs ~2N actor
         * forwards and ~2N backwards (BPTT through v_θ and v_β) plus the critic.
         */
        public static Config cpu() {
            return new Config(List.of(128, 128), List.of(128, 128), Activation.GELU, 64, 3e-4, 1.0, 4, 0.5, 0.99,
                    0.005, 10, 1, 30, GoalSampling.defaults());
        }

        /** This config with other sizes (tests). */
        public Config withTraining(int[] actor, int[] critic, int qs, int batch, double lr) {
            return ConfigRecords.with(this,
                    "actorHidden", actor, "criticHidden", critic, "batchSize", batch, "learningRate", lr, "numQs", qs);
        }

        /** This config with another λ. */
        public Config withInvTemp(double lambda) {
            return ConfigRecords.with(this, "invTemp", lambda);
        }

        TdCritic.Config criticConfig() {
            return TdCritic.Config.reference(ConfigChecks.ints(criticHidden), activation, numQs, rho, tau);
        }

    }

    public BAM() {
        super("bam", "training-time",
                "Li and Levine, Q-learning with Adjoint Matching (arXiv 2601.14234, 2026), BAM baseline",
                "BAM: TD critic + BC flow + a second flow trained by backpropagation through the memoryless SDE "
                        + "on -lambda (mean - rho std) Q(x_N) + Girsanov KL to the BC flow; acts with the second flow's ODE.",
                Config.class, Config::paper, Config::cpu);
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new BamLearner(config, context);
    }

    static final class BamLearner extends OfflineLearner {
        private final Config cfg;
        final TdCritic critic;
        private final TdBackup td;
        private final VelocityField slow;
        private final VelocityField slowTarget;
        final VelocityField fast;
        private final FlowMatching bc;
        private final Mlp.Tape bcTape;
        private final OdeSampler trainFast;
        private final OdeSampler trainSlow;
        private final float[] sigma;
        private Mlp.Tape[] fastTapes;
        private Mlp.Tape[] baseTapes;
        private int tapeCapacity;

        BamLearner(Config cfg, AgentContext ctx) {
            super("bam", ctx, cfg.batchSize(), cfg.horizon(), cfg.discount(), cfg.goals());
            this.cfg = cfg;
            this.critic = tdCritic(cfg.criticConfig(), chunkDim);
            this.td = new TdBackup(critic, discountH, batch);
            this.slow = flowActor("actor_slow", ConfigChecks.ints(cfg.actorHidden()), cfg.activation());
            this.slowTarget = slow.copy();
            modules.keep("target_actor_slow", slowTarget.network());
            this.fast = flowActor("actor_fast", ConfigChecks.ints(cfg.actorHidden()), cfg.activation());
            modules.optimise("adam", AdamConfig.of(cfg.learningRate()).withClipGlobalNorm(cfg.clipGradNorm()));
            this.bc = new FlowMatching(slow, batch);
            this.bcTape = slow.network().newTape(batch);
            this.trainFast = new OdeSampler(fast, cfg.flowSteps());
            this.trainSlow = new OdeSampler(slow, cfg.flowSteps());
            int n = cfg.flowSteps();
            this.sigma = new float[n];
            for (int k = 0; k < n; k++) sigma[k] = AdjointMatching.sigma(k, n);
            ensureTapes(batch);
        }

        private void ensureTapes(int n) {
            if (fastTapes != null && tapeCapacity >= n) return;
            int steps = cfg.flowSteps();
            fastTapes = new Mlp.Tape[steps - 1];
            baseTapes = new Mlp.Tape[steps];
            for (int k = 0; k < steps - 1; k++) fastTapes[k] = fast.network().newTape(n);
            for (int k = 0; k < steps; k++) baseTapes[k] = slowTarget.network().newTape(n);
            tapeCapacity = n;
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            modules.zeroGrads();
            Map<String, Double> m = new LinkedHashMap<>();
            float[] actions = train.batch().actions();

            double lq = td.loss(train, (c, n, r) -> act(trainFast, trainSlow, c, n, r), rng, modules.grads(critic.network()));
            m.put("critic_loss", lq);

            double lbc = bc.loss(bcTape, train.actorConditioning(), actions, td.valid(), FlowMatching.TimeSampling.UNIFORM,
                    cfg.flowSteps(), rng, modules.grads(slow.network()));
            m.put("bc_flow_loss", lbc);

            int nd = batch * chunkDim;
            float[] x0 = new float[nd];
            rng.fillGaussian(x0);
            float[] eps = new float[(cfg.flowSteps() - 1) * nd];
            rng.fillGaussian(eps);
            double[] la = actorLoss(train.actorConditioning(), x0, eps, batch, modules.grads(fast.network()));
            m.put("bam_q_loss", la[0]);
            m.put("bam_kl", la[1]);

            double norm = modules.step();
            m.put("grad_norm", norm);
            m.put("total_loss", lq + lbc + la[0] + la[1]);
            critic.polyakUpdate();
            slowTarget.network().parameters().polyakUpdate(slow.network().parameters(), cfg.tau());
            return m;
        }

        /**
         * The BAM actor terms for given x_0 and SDE noise ε_0..ε_{N−2} (row-major, (N−1) × n × D): returns
         * {Q term −λ·mean_b(mean_k Q_k − ρ std_k Q_k)(s, x_N), KL term mean_b Σ_k 2‖v_θ − v_β‖²/σ_k²}; accumulates
         * dL/dθ of actor_fast into {@code fastGrads} (BPTT through every state, including x → v_β) when non-null.
         */
        double[] actorLoss(float[] cond, float[] x0, float[] eps, int n, Gradients fastGrads) {
            ensureTapes(n);
            int steps = cfg.flowSteps();
            int nd = n * chunkDim;
            float h = 1f / steps;
            float sqrtH = (float) Math.sqrt(h);
            float[][] xs = new float[steps + 1][];
            float[][] dv = new float[steps - 1][]; // v_θ − v_β per SDE step
            xs[0] = x0.clone();
            double kl = 0;
            for (int k = 0; k < steps - 1; k++) {
                float t = AdjointMatching.time(k, steps);
                float[] vt = fast.forward(fastTapes[k], cond, xs[k], t, n);
                float[] vb = slowTarget.forward(baseTapes[k], cond, xs[k], t, n);
                float[] x = xs[k];
                float[] xn = new float[nd];
                float[] d = new float[nd];
                float s = sigma[k];
                float inv = 1f / (t + h);
                for (int i = 0; i < nd; i++) {
                    d[i] = vt[i] - vb[i];
                    kl += 2.0 * d[i] * d[i] / (s * s);
                    xn[i] = x[i] + h * (2f * vt[i] - x[i] * inv) + sqrtH * s * eps[k * nd + i];
                }
                dv[k] = d;
                xs[k + 1] = xn;
            }
            kl /= n;
            // last step: the BASE ODE (QUIRK, as QAM §1.4(a))
            float tl = AdjointMatching.time(steps - 1, steps);
            float[] vbl = slowTarget.forward(baseTapes[steps - 1], cond, xs[steps - 1], tl, n);
            float[] xN = new float[nd];
            for (int i = 0; i < nd; i++) xN[i] = xs[steps - 1][i] + h * vbl[i];
            xs[steps] = xN;
            // Q term with the CURRENT critic at the unclipped x_N (QUIRK §8.13)
            int kq = critic.members();
            float[] q = critic.forward(false, cond, xN, n);
            float[] agg = new float[n];
            critic.aggregate(q, n, agg);
            double qTerm = 0;
            for (int b = 0; b < n; b++) qTerm += agg[b];
            double lambda = cfg.invTemp();
            qTerm = -lambda * qTerm / n;
            if (fastGrads == null) return new double[] {qTerm, kl};

            // dL/dQ_k[b] = −λ/n · (1/K − ρ·(Q_k − mean)/(K·std)) (population std; std = 0 ⇒ the mean only)
            float[] dQ = new float[kq * n];
            for (int b = 0; b < n; b++) {
                double mean = 0;
                for (int j = 0; j < kq; j++) mean += q[j * n + b];
                mean /= kq;
                double var = 0;
                for (int j = 0; j < kq; j++) var += Math.pow(q[j * n + b] - mean, 2);
                double std = Math.sqrt(var / kq);
                for (int j = 0; j < kq; j++) {
                    double dstd = std > 0 ? (q[j * n + b] - mean) / (kq * std) : 0;
                    dQ[j * n + b] = (float) (-lambda / n * (1.0 / kq - cfg.rho() * dstd));
                }
            }
            float[] g = new float[nd];
            critic.actionVjp(false, dQ, g);
            int cols = fast.inputDim();
            int off = fast.actionOffset();
            float[] dIn = new float[n * cols];
            // x_N = x_{N−1} + h·v_β(x_{N−1}): g_{N−1} = g_N + h·J_β^T g_N
            float[] dV = new float[nd];
            for (int i = 0; i < nd; i++) dV[i] = h * g[i];
            slowTarget.backward(baseTapes[steps - 1], dV, null, dIn);
            addActionPart(dIn, g, n, cols, off);
            for (int k = steps - 2; k >= 0; k--) {
                float t = AdjointMatching.time(k, steps);
                float s = sigma[k];
                float klScale = 4f / (n * s * s);
                float[] d = dv[k];
                float[] gNext = g.clone();
                // dL/dv_θ = 2h·g_{k+1} + (4/(nσ²))(v_θ − v_β); dL/dv_β = −(4/(nσ²))(v_θ − v_β)
                float[] dT = new float[nd];
                float[] dB = new float[nd];
                for (int i = 0; i < nd; i++) {
                    dT[i] = 2f * h * gNext[i] + klScale * d[i];
                    dB[i] = -klScale * d[i];
                }
                float inv = 1f / (t + h);
                for (int i = 0; i < nd; i++) g[i] = gNext[i] * (1f - h * inv);
                fast.backward(fastTapes[k], dT, fastGrads, dIn);
                addActionPart(dIn, g, n, cols, off);
                slowTarget.backward(baseTapes[k], dB, null, dIn);
                addActionPart(dIn, g, n, cols, off);
            }
            return new double[] {qTerm, kl};
        }

        private void addActionPart(float[] dIn, float[] g, int n, int cols, int off) {
            for (int b = 0; b < n; b++) {
                for (int j = 0; j < chunkDim; j++) g[b * chunkDim + j] += dIn[b * cols + off + j];
            }
        }

        /** clip(ODE(actor_fast)) (actor_slow when λ = 0) from fresh noise. */
        private float[] act(OdeSampler fastOde, OdeSampler slowOde, float[] c, int n, Rng rng) {
            return (cfg.invTemp() == 0 ? slowOde : fastOde).sample(c, n, rng);
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            Map<String, Double> m = new LinkedHashMap<>();
            td.labels(validation.batch());
            m.put("bc_flow_loss", bc.loss(bcTape, validation.actorConditioning(), validation.batch().actions(), td.valid(),
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            m.put("critic_loss", td.loss(validation, (c, n, r) -> act(trainFast, trainSlow, c, n, r), rng, null));
            return m;
        }

        @Override
        public Map<String, Policy> policies() {
            OdeSampler fastOde = new OdeSampler(fast, cfg.flowSteps());
            OdeSampler slowOde = new OdeSampler(slow, cfg.flowSteps());
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put("bam", policy((c, n, rng) -> act(fastOde, slowOde, c, n, rng)));
            p.put("flow-bc", policy(slowOde::sample));
            return p;
        }
    }
}
