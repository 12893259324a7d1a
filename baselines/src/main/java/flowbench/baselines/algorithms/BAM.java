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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * BAM, "basic adjoint matching" (qam.md section 2.3, reference {@code agents/bam.py}): QAM's stochastic-optimal-control
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
public final class BAM implements Algorithm<BAM.Config> {

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
     * @param goals        hindsight goal sampling (its discount is replaced by {@code discount})
     */
    public record Config(int[] actorHidden, int[] criticHidden, Activation activation, int batchSize, double learningRate,
                         double clipGradNorm, int numQs, double rho, double discount, double tau, int flowSteps,
                         int horizon, double invTemp, GoalConfig goals) {
        public Config {
            if (actorHidden == null || actorHidden.length == 0) throw new IllegalArgumentException("bam: actorHidden must list at least one width");
            if (criticHidden == null || criticHidden.length == 0) throw new IllegalArgumentException("bam: criticHidden must list at least one width");
            actorHidden = actorHidden.clone();
            criticHidden = criticHidden.clone();
            if (activation == null) throw new IllegalArgumentException("bam: activation must be set (GELU or RELU)");
            if (batchSize < 1) throw new IllegalArgumentException("bam: batchSize must be >= 1, got " + batchSize);
            if (!(learningRate > 0)) throw new IllegalArgumentException("bam: learningRate must be > 0, got " + learningRate);
            if (!(clipGradNorm >= 0)) throw new IllegalArgumentException("bam: clipGradNorm must be >= 0 (0 = off), got " + clipGradNorm);
            if (numQs < 1) throw new IllegalArgumentException("bam: numQs must be >= 1, got " + numQs);
            if (!(rho >= 0)) throw new IllegalArgumentException("bam: rho must be >= 0, got " + rho);
            if (!(discount >= 0 && discount < 1)) throw new IllegalArgumentException("bam: discount must be in [0, 1), got " + discount);
            if (!(tau >= 0 && tau <= 1)) throw new IllegalArgumentException("bam: tau must be in [0, 1], got " + tau);
            if (flowSteps < 2) throw new IllegalArgumentException("bam: flowSteps must be >= 2 (SDE steps plus the base last step), got " + flowSteps);
            if (horizon < 1) throw new IllegalArgumentException("bam: horizon must be >= 1, got " + horizon);
            if (!(invTemp >= 0)) throw new IllegalArgumentException("bam: invTemp must be >= 0, got " + invTemp);
            if (goals == null) throw new IllegalArgumentException("bam: goals must be set");
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
         * Reference values (qam.md §4, §6): 4×512, B 256, lr 3e-4, clip 1.0, K 10, ρ 0.5, γ 0.99, τ 0.005, N 10, H 1,
         * λ = 30 (antmaze-large column, the maze domain closest to PointMaze).
         */
        public static Config paper() {
            return new Config(new int[] {512, 512, 512, 512}, new int[] {512, 512, 512, 512}, Activation.GELU, 256, 3e-4,
                    1.0, 10, 0.5, 0.99, 0.005, 10, 1, 30, GoalConfig.defaults());
        }

        /**
         * Sized for minutes on 2 cores: 2×128, K = 4, B = 64, N = 10 kept (it defines the SDE). A step runs ~2N actor
         * forwards and ~2N backwards (BPTT through v_θ and v_β) plus the critic.
         */
        public static Config cpu() {
            return new Config(new int[] {128, 128}, new int[] {128, 128}, Activation.GELU, 64, 3e-4, 1.0, 4, 0.5, 0.99,
                    0.005, 10, 1, 30, GoalConfig.defaults());
        }

        /** This config with other sizes (tests). */
        public Config withTraining(int[] actor, int[] critic, int qs, int batch, double lr) {
            return new Config(actor, critic, activation, batch, lr, clipGradNorm, qs, rho, discount, tau, flowSteps,
                    horizon, invTemp, goals);
        }

        /** This config with another λ. */
        public Config withInvTemp(double lambda) {
            return new Config(actorHidden, criticHidden, activation, batchSize, learningRate, clipGradNorm, numQs, rho,
                    discount, tau, flowSteps, horizon, lambda, goals);
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
            return "BAM.Config" + Configs.toJson(this);
        }
    }

    @Override
    public String name() {
        return "bam";
    }

    @Override
    public String paper() {
        return "Li and Levine, Q-learning with Adjoint Matching (arXiv 2601.14234, 2026), BAM baseline";
    }

    @Override
    public String family() {
        return "training-time";
    }

    @Override
    public String description() {
        return "BAM: TD critic + BC flow + a second flow trained by backpropagation through the memoryless SDE on "
                + "-lambda (mean - rho std) Q(x_N) + Girsanov KL to the BC flow; acts with the second flow's ODE.";
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
            default -> throw new IllegalArgumentException("bam: unknown profile '" + profile + "', expected paper or cpu");
        };
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new BamLearner(config, context);
    }

    static final class BamLearner implements Learner {
        private final Config cfg;
        private final OfflineBatches train;
        private final OfflineBatches validation;
        private final boolean goalConditioned;
        private final int condDim;
        private final int chunkDim;
        private final int batch;
        private final double discountH;
        final TdCritic critic;
        private final VelocityField slow;
        private final VelocityField slowTarget;
        final VelocityField fast;
        private final List<Module> modules;
        private final Gradients[] grads;
        private final Adam adam;
        private final FlowMatching bc;
        private final Mlp.Tape bcTape;
        private final Mlp.Tape trainTape;
        private Mlp.Tape actTape;
        private Mlp.Tape actSlowTape;
        private final float[] sigma;
        private Mlp.Tape[] fastTapes;
        private Mlp.Tape[] baseTapes;
        private int tapeCapacity;

        BamLearner(Config cfg, AgentContext ctx) {
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
            this.slow = new VelocityField(condDim, chunkDim, TimeEmbedding.RAW, actorNet, Seeds.rng(seed, "init", "actor_slow"));
            this.slowTarget = slow.copy();
            this.fast = new VelocityField(condDim, chunkDim, TimeEmbedding.RAW, actorNet, Seeds.rng(seed, "init", "actor_fast"));
            this.modules = List.of(critic.network(), slow.network(), fast.network());
            this.grads = new Gradients[] {critic.network().newGradients(), slow.network().newGradients(),
                    fast.network().newGradients()};
            this.adam = new Adam(AdamConfig.of(cfg.learningRate()).withClipGlobalNorm(cfg.clipGradNorm()), modules);
            this.bc = new FlowMatching(slow, batch);
            this.bcTape = slow.network().newTape(batch);
            this.trainTape = fast.network().newTape(batch);
            this.actTape = fast.network().newTape(batch);
            this.actSlowTape = slow.network().newTape(batch);
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
            for (Gradients g : grads) g.zero();
            Map<String, Double> m = new LinkedHashMap<>();
            float[] actions = train.batch().actions();
            float[] valid = train.batch().lastValid();

            float[] next = act(trainTape, train.nextValueConditioning(), batch, rng);
            float[] y = new float[batch];
            critic.targets(train.batch().lastRewards(), train.batch().lastMasks(), discountH, train.nextValueConditioning(),
                    next, batch, y);
            double lq = critic.loss(train.valueConditioning(), actions, y, valid, batch, grads[0]);
            m.put("critic_loss", lq);

            double lbc = bc.loss(bcTape, train.actorConditioning(), actions, valid, FlowMatching.TimeSampling.UNIFORM,
                    cfg.flowSteps(), rng, grads[1]);
            m.put("bc_flow_loss", lbc);

            int nd = batch * chunkDim;
            float[] x0 = new float[nd];
            rng.fillGaussian(x0);
            float[] eps = new float[(cfg.flowSteps() - 1) * nd];
            rng.fillGaussian(eps);
            double[] la = actorLoss(train.actorConditioning(), x0, eps, batch, grads[2]);
            m.put("bam_q_loss", la[0]);
            m.put("bam_kl", la[1]);

            double norm = adam.step(grads);
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
        private float[] act(Mlp.Tape tape, float[] c, int n, Rng rng) {
            float[] x = new float[n * chunkDim];
            rng.fillGaussian(x);
            if (cfg.invTemp() == 0) {
                if (actSlowTape.capacity() < n) actSlowTape = slow.network().newTape(n);
                return EulerSampler.integrate(slow, actSlowTape, c, x, n, cfg.flowSteps(), true);
            }
            return EulerSampler.integrate(fast, tape, c, x, n, cfg.flowSteps(), true);
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            Map<String, Double> m = new LinkedHashMap<>();
            float[] v = validation.batch().lastValid();
            m.put("bc_flow_loss", bc.loss(bcTape, validation.actorConditioning(), validation.batch().actions(), v,
                    FlowMatching.TimeSampling.UNIFORM, cfg.flowSteps(), rng, null));
            float[] na = act(trainTape, validation.nextValueConditioning(), batch, rng);
            float[] yy = new float[batch];
            critic.targets(validation.batch().lastRewards(), validation.batch().lastMasks(), discountH,
                    validation.nextValueConditioning(), na, batch, yy);
            m.put("critic_loss", critic.loss(validation.valueConditioning(), validation.batch().actions(), yy, v, batch, null));
            return m;
        }

        @Override
        public Map<String, Policy> policies() {
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put("bam", new ChunkPolicy(false));
            p.put("flow-bc", new ChunkPolicy(true));
            return p;
        }

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
                if (bcOnly) {
                    if (actSlowTape.capacity() < n) actSlowTape = slow.network().newTape(n);
                    float[] x = new float[n * chunkDim];
                    rng.fillGaussian(x);
                    return EulerSampler.integrate(slow, actSlowTape, c, x, n, cfg.flowSteps(), true);
                }
                if (actTape.capacity() < n) actTape = fast.network().newTape(n);
                return BamLearner.this.act(actTape, c, n, rng);
            }
        }

        private Checkpoint checkpoint() {
            return new Checkpoint().add("critic", critic.network()).add("target_critic", critic.targetNetwork())
                    .add("actor_slow", slow.network()).add("target_actor_slow", slowTarget.network())
                    .add("actor_fast", fast.network()).add("adam", adam);
        }

        @Override
        public void save(Path dir) throws IOException {
            checkpoint().write(dir.resolve("bam.bin"));
        }

        @Override
        public void load(Path dir) throws IOException {
            checkpoint().read(dir.resolve("bam.bin"));
        }

        @Override
        public long parameterCount() {
            long n = 0;
            for (Module mod : modules) n += mod.parameterCount();
            return n;
        }
    }
}
