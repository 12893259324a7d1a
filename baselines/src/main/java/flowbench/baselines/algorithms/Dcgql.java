package flowbench.baselines.algorithms;

import flowbench.baselines.common.ConfigChecks;
import flowbench.baselines.common.OfflineBatches;
import flowbench.baselines.flow.DdpmSampler;
import flowbench.baselines.flow.DiffusionSchedule;
import flowbench.baselines.flow.NoiseNetwork;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.Adam;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Checkpoint;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Module;
import flowbench.baselines.rl.ActionCritic;
import flowbench.baselines.rl.TdCritic;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.GoalSampling;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link QSM} and {@link DAC} share: the reference's single {@code agents/dcgql.py} with
 * {@code actor_loss_type} = "qsm" | "dac" (docs/qam.md §2.9). One learner:
 * <ul>
 *   <li>actor: the DDPM noise network ε_θ(s, a_t, t) ({@link NoiseNetwork}: learnable Fourier time features, a mish
 *       cond encoder, a mish reverse network), VP schedule ({@link DiffusionSchedule}), ancestral sampler
 *       ({@link DdpmSampler}) for acting and for the TD target's a';</li>
 *   <li>critic: the common TD ensemble ({@link TdCritic}, §0.2), a' from the sampler and NOT clipped again;</li>
 *   <li>actor loss, with t ~ U{1..T}, ε ~ N(0, I), a_t = √ᾱ_t·a + √(1−ᾱ_t)·ε, g = ∇_a mean_k Q̄_k(s, a_t) (target
 *       critic, {@code use_target_critic_grad}):
 *       <pre>
 *   bc  = mean_b [ mean_d (ε − ε_θ)² ] ^ v_b
 *   qsm = mean_b [ mean_d (−β·g − ε_θ)² ] ^ v_b
 *   dac = mean_b [ mean_d (√(1−ᾱ_t)·g ⊙ ε_θ) ] ^ v_b
 *   L_actor = α·bc + (qsm | dac)
 *       </pre>
 *       QUIRK (docs/qam.md §8.10): {@code ** valid} is a power, so an invalid row (v = 0) contributes 1 instead of 0. Its
 *       gradient is 0 either way (d m⁰/dm = 0, d(m·0)/dm = 0), so only the reported loss values differ;
 *       {@code validAsPower=false} reports the product instead. DAC also reads α (the config comment calls it
 *       QSM-only; QUIRK §8.10).</li>
 *   <li>one Adam over critic and actor with a global-norm clip at 1.0 over both (§0.4); Polyak on the critic only.</li>
 * </ul>
 */
final class Dcgql {
    private Dcgql() {}

    /** The reference's {@code actor_loss_type}. */
    enum LossType {
        QSM("qsm"), DAC("dac");

        final String registryName;

        LossType(String registryName) {
            this.registryName = registryName;
        }
    }

    /** Every setting the learner reads; {@link QSM.Config} and {@link DAC.Config} map onto it. */
    record Settings(LossType type, List<Integer> actorHidden, List<Integer> criticHidden, Activation actorActivation,
                    Activation criticActivation, int batchSize, double learningRate, double clipGradNorm, int numQs,
                    double rho, double discount, double tau, int diffusionSteps, int timeDim, int horizon,
                    double invTemp, double alpha, boolean useTargetCriticGrad, DdpmSampler.X0Step x0Step,
                    boolean clipSamplerAfter, boolean validAsPower, GoalSampling goals) {

        GoalSampling goalConfig() {
            return goals;
        }

        TdCritic.Config criticConfig() {
            return new TdCritic.Config(ConfigChecks.ints(criticHidden), criticActivation, LayerNormPlacement.AFTER_ACTIVATION, numQs, rho, tau);
        }
    }

    /** Checks shared by both configs; {@code who} names the algorithm in messages. */
    static void validate(String who, List<Integer> actorHidden, List<Integer> criticHidden, Activation actorActivation,
                         Activation criticActivation, int batchSize, double learningRate, double clipGradNorm, int numQs,
                         double rho, double discount, double tau, int diffusionSteps, int timeDim, int horizon,
                         double alpha, DdpmSampler.X0Step x0Step, GoalSampling goals) {
        if (actorHidden == null || actorHidden.isEmpty()) throw new IllegalArgumentException(who + ": actorHidden must list at least one width");
        if (criticHidden == null || criticHidden.isEmpty()) throw new IllegalArgumentException(who + ": criticHidden must list at least one width");
        for (int w : actorHidden) if (w < 1) throw new IllegalArgumentException(who + ": actorHidden widths must be >= 1, got " + w);
        for (int w : criticHidden) if (w < 1) throw new IllegalArgumentException(who + ": criticHidden widths must be >= 1, got " + w);
        if (actorActivation == null) throw new IllegalArgumentException(who + ": actorActivation must be set (MISH in the reference)");
        if (criticActivation == null) throw new IllegalArgumentException(who + ": criticActivation must be set (GELU in the reference)");
        if (batchSize < 1) throw new IllegalArgumentException(who + ": batchSize must be >= 1, got " + batchSize);
        if (!(learningRate > 0)) throw new IllegalArgumentException(who + ": learningRate must be > 0, got " + learningRate);
        if (!(clipGradNorm >= 0)) throw new IllegalArgumentException(who + ": clipGradNorm must be >= 0 (0 = off), got " + clipGradNorm);
        if (numQs < 1) throw new IllegalArgumentException(who + ": numQs must be >= 1, got " + numQs);
        if (!(rho >= 0)) throw new IllegalArgumentException(who + ": rho must be >= 0, got " + rho);
        if (!(discount >= 0 && discount < 1)) throw new IllegalArgumentException(who + ": discount must be in [0, 1), got " + discount);
        if (!(tau >= 0 && tau <= 1)) throw new IllegalArgumentException(who + ": tau must be in [0, 1], got " + tau);
        if (diffusionSteps < 1) throw new IllegalArgumentException(who + ": diffusionSteps must be >= 1, got " + diffusionSteps);
        if (timeDim < 2 || timeDim % 2 != 0) throw new IllegalArgumentException(who + ": timeDim must be even and >= 2, got " + timeDim);
        if (horizon < 1) throw new IllegalArgumentException(who + ": horizon must be >= 1, got " + horizon);
        if (!(alpha >= 0)) throw new IllegalArgumentException(who + ": alpha (BC weight) must be >= 0, got " + alpha);
        if (x0Step == null) throw new IllegalArgumentException(who + ": x0Step must be CLIPPED_POSTERIOR, JUMP_TO_X0 or POSTERIOR");
        if (goals == null) throw new IllegalArgumentException(who + ": goals must be set");
    }

    /**
     * The actor loss of docs/qam.md §2.9 from the network output, per row: values {bc, term} (term = the qsm or dac part)
     * and, when {@code dEps} is non-null, ∂(α·bc + term)/∂ε_θ into it (n × d).
     *
     * @param g          ∇_a mean_k Q̄_k at a_t (n × d)
     * @param noiseScale √(1 − ᾱ_{t_b}) per row (DAC's weight)
     * @param valid      v_b per row
     */
    static double[] actorLoss(LossType type, float[] epsPred, float[] eps, float[] g, float[] noiseScale, float[] valid,
                              double invTemp, double alpha, boolean validAsPower, int n, int d, float[] dEps) {
        double bc = 0, term = 0;
        float beta = (float) invTemp;
        for (int b = 0; b < n; b++) {
            double mb = 0, mt = 0;
            for (int j = b * d; j < (b + 1) * d; j++) {
                double e = eps[j] - epsPred[j];
                mb += e * e;
                if (type == LossType.QSM) {
                    double q = -beta * g[j] - epsPred[j];
                    mt += q * q;
                } else {
                    mt += (double) noiseScale[b] * g[j] * epsPred[j];
                }
            }
            mb /= d;
            mt /= d;
            double v = valid[b];
            bc += masked(mb, v, validAsPower);
            term += masked(mt, v, validAsPower);
            if (dEps != null) {
                // ∂/∂m of m^v (the reference) and of m·v are both v at v ∈ {0, 1}; the general power rule otherwise
                double wb = maskedSlope(mb, v), wt = maskedSlope(mt, v);
                if (!validAsPower) wb = wt = v;
                for (int j = b * d; j < (b + 1) * d; j++) {
                    double dbc = 2.0 * (epsPred[j] - eps[j]) / ((double) n * d);
                    double dt = type == LossType.QSM
                            ? 2.0 * (epsPred[j] + beta * g[j]) / ((double) n * d)
                            : (double) noiseScale[b] * g[j] / ((double) n * d);
                    dEps[j] = (float) (alpha * wb * dbc + wt * dt);
                }
            }
        }
        return new double[] {bc / n, term / n};
    }

    private static double masked(double m, double v, boolean power) {
        return power ? Math.pow(m, v) : m * v;
    }

    private static double maskedSlope(double m, double v) {
        if (v == 0) return 0;
        if (v == 1) return 1;
        return v * Math.pow(m, v - 1);
    }

    static final class DcgqlLearner implements Learner {
        final Settings s;
        private final OfflineBatches train;
        private final OfflineBatches validation;
        private final boolean goalConditioned;
        private final int condDim;
        private final int chunkDim;
        private final int batch;
        private final double discountH;
        final TdCritic critic;
        final NoiseNetwork actor;
        final DiffusionSchedule schedule;
        final DdpmSampler sampler;
        private final List<Module> modules;
        private final Gradients[] grads;
        private final Gradients[] actorGrads;
        private final Adam adam;
        private final NoiseNetwork.Tape lossTape;
        private final NoiseNetwork.Tape targetTape;
        private NoiseNetwork.Tape actTape;
        private final float[] y;
        private final float[] next;
        /** Replaces the critic in the actor loss (tests: an exact critic); null = the learned one. */
        ActionCritic fixedCritic;

        DcgqlLearner(Settings s, AgentContext ctx) {
            this.s = s;
            this.batch = s.batchSize();
            this.train = new OfflineBatches(ctx, ctx.train(), batch, s.horizon(), s.discount(), s.goalConfig());
            this.validation = ctx.validation() == null ? null
                    : new OfflineBatches(ctx, ctx.validation(), batch, s.horizon(), s.discount(), s.goalConfig());
            this.goalConditioned = train.goalConditioned();
            this.condDim = train.condDim();
            this.chunkDim = s.horizon() * ctx.train().actionDim();
            this.discountH = Math.pow(s.discount(), s.horizon());
            long seed = ctx.seed();
            this.critic = new TdCritic(condDim, chunkDim, s.criticConfig(), batch, Seeds.rng(seed, "init", "critic"));
            this.actor = new NoiseNetwork(condDim, chunkDim, s.diffusionSteps(), s.timeDim(), ConfigChecks.ints(s.actorHidden()),
                    s.actorActivation(), LayerNormPlacement.NONE, Seeds.rng(seed, "init", "actor"));
            this.schedule = DiffusionSchedule.vp(s.diffusionSteps());
            this.sampler = new DdpmSampler(schedule, s.x0Step(), s.clipSamplerAfter());
            List<Module> mods = new ArrayList<>();
            mods.add(critic.network());
            mods.addAll(actor.modules());
            this.modules = List.copyOf(mods);
            this.actorGrads = actor.newGradients();
            this.grads = new Gradients[] {critic.network().newGradients(), actorGrads[0], actorGrads[1], actorGrads[2]};
            this.adam = new Adam(AdamConfig.of(s.learningRate()).withClipGlobalNorm(s.clipGradNorm()), modules);
            this.lossTape = actor.newTape(batch);
            this.targetTape = actor.newTape(batch);
            this.actTape = actor.newTape(batch);
            this.y = new float[batch];
            this.next = new float[batch * chunkDim];
        }

        private ActionCritic gradientCritic() {
            if (fixedCritic != null) return fixedCritic;
            return s.useTargetCriticGrad() ? critic.target() : critic.current();
        }

        @Override
        public Map<String, Double> update(long step, Rng rng) {
            train.sample(rng);
            for (Gradients g : grads) g.zero();
            Map<String, Double> m = new LinkedHashMap<>();
            float[] actions = train.batch().actions();
            float[] valid = train.batch().lastValid();

            // TD (docs/qam.md §0.2), a' = the sampler's output at s'_H as it is (no extra clip, §2.9)
            double lq = criticLoss(train, rng, grads[0]);
            float[] q = critic.lastLossQ(batch);
            double qs = 0;
            for (float v : q) qs += v;
            m.put("critic_loss", lq);
            m.put("q_mean", qs / q.length);

            int[] t = new int[batch];
            float[] eps = new float[batch * chunkDim];
            drawNoise(rng, t, eps);
            double[] la = actorLoss(train.actorConditioning(), actions, t, eps, valid, batch, gradientCritic(), actorGrads);
            m.put("bc_loss", la[0]);
            m.put("actor_loss", la[1]);
            m.put("actor_total_loss", la[2]);
            double norm = adam.step(grads);
            m.put("grad_norm", norm);
            m.put("total_loss", lq + la[2]);
            critic.polyakUpdate();
            return m;
        }

        private double criticLoss(OfflineBatches b, Rng rng, Gradients g) {
            sampler.sample(actor.predictor(targetTape), b.nextValueConditioning(), batch, chunkDim, rng, next);
            critic.targets(b.batch().lastRewards(), b.batch().lastMasks(), discountH, b.nextValueConditioning(), next,
                    batch, y);
            return critic.loss(b.valueConditioning(), b.batch().actions(), y, b.batch().lastValid(), batch, g);
        }

        /** t ~ U{1..T} per row, then ε ~ N(0, I). */
        private void drawNoise(Rng rng, int[] t, float[] eps) {
            for (int b = 0; b < t.length; b++) t[b] = 1 + rng.nextInt(s.diffusionSteps());
            rng.fillGaussian(eps);
        }

        /**
         * The actor loss for given t and ε; accumulates its parameter gradient into {@code g} (in
         * {@link NoiseNetwork#modules()} order) when non-null.
         *
         * @param q the critic whose action gradient g is used
         * @return {bc, qsm or dac term, α·bc + term}
         */
        double[] actorLoss(float[] cond, float[] actions, int[] t, float[] eps, float[] valid, int n, ActionCritic q,
                           Gradients[] g) {
            int nd = n * chunkDim;
            float[] noisy = new float[nd];
            float[] scale = new float[n];
            for (int b = 0; b < n; b++) {
                float ah = schedule.alphaHat(t[b]);
                float a1 = (float) Math.sqrt(ah), a2 = (float) Math.sqrt(1f - ah);
                scale[b] = a2;
                for (int j = b * chunkDim; j < (b + 1) * chunkDim; j++) noisy[j] = a1 * actions[j] + a2 * eps[j];
            }
            float[] gq = new float[nd];
            q.evaluate(cond, noisy, n, null, gq);
            float[] pred = actor.forward(lossTape, cond, noisy, t, n);
            float[] dEps = g == null ? null : new float[nd];
            double[] l = Dcgql.actorLoss(s.type(), pred, eps, gq, scale, valid, s.invTemp(), s.alpha(), s.validAsPower(), n,
                    chunkDim, dEps);
            if (g != null) actor.backward(lossTape, dEps, g);
            return new double[] {l[0], l[1], s.alpha() * l[0] + l[1]};
        }

        @Override
        public Map<String, Double> validate(Rng rng) {
            if (validation == null) return Map.of();
            validation.sample(rng);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("critic_loss", criticLoss(validation, rng, null));
            int[] t = new int[batch];
            float[] eps = new float[batch * chunkDim];
            drawNoise(rng, t, eps);
            double[] la = actorLoss(validation.actorConditioning(), validation.batch().actions(), t, eps,
                    validation.batch().lastValid(), batch, gradientCritic(), null);
            m.put("bc_loss", la[0]);
            m.put("actor_loss", la[1]);
            return m;
        }

        @Override
        public Map<String, Policy> policies() {
            Map<String, Policy> p = new LinkedHashMap<>();
            p.put(s.type().registryName, new Policy() {
                @Override
                public int chunkLength() {
                    return s.horizon();
                }

                @Override
                public float[] act(float[] observations, float[] goals, int n, Rng rng) {
                    float[] c = OfflineBatches.policyConditioning(goalConditioned, observations, goals, n);
                    if (actTape.capacity() < n) actTape = actor.newTape(n);
                    return sampler.sample(actor.predictor(actTape), c, n, chunkDim, rng, new float[n * chunkDim]);
                }
            });
            return p;
        }

        private Checkpoint checkpoint() {
            List<Module> am = actor.modules();
            return new Checkpoint().add("critic", critic.network()).add("target_critic", critic.targetNetwork())
                    .add("actor_time", am.get(0)).add("actor_cond", am.get(1)).add("actor_reverse", am.get(2))
                    .add("adam", adam);
        }

        @Override
        public void save(Path dir) throws IOException {
            checkpoint().write(dir.resolve(s.type().registryName + ".bin"));
        }

        @Override
        public void load(Path dir) throws IOException {
            checkpoint().read(dir.resolve(s.type().registryName + ".bin"));
        }

        @Override
        public long parameterCount() {
            long n = 0;
            for (Module mod : modules) n += mod.parameterCount();
            return n;
        }
    }
}
