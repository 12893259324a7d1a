package flowbench.baselines.algorithms;

import flowbench.baselines.common.DomainTable;
import flowbench.baselines.flow.DdpmSampler;
import flowbench.baselines.nn.Activation;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.Learner;
import flowbench.harness.data.GoalSampling;
import flowbench.harness.domain.DomainSetting;

import java.util.Arrays;
import java.util.List;

/**
 * QSM, Q-score matching (Psenka, Escontrela, Abbeel, Ma 2024), as the QAM repository runs it: {@code agents/dcgql.py}
 * with {@code actor_loss_type="qsm"} (docs/qam.md §2.9). A DDPM noise network ε_θ is trained to match the critic's action
 * gradient, ε_θ(s, a_t, t) ≈ −β·∇_a Q̄(s, a_t), plus α times the DDPM BC loss:
 * <pre>
 *   L_actor = α·mean_b [mean_d (ε − ε_θ)²]^v + mean_b [mean_d (−β·∇_a mean_k Q̄_k(s, a_t) − ε_θ)²]^v
 * </pre>
 * Sampler: the reference's QSM settings {@code clip_sampler_before=False, clip_sampler_after=True}, i.e. each step
 * jumps to the x0 prediction, adds √β_t noise and clips (QUIRK docs/qam.md §8.10; {@code x0Step=POSTERIOR} gives the
 * textbook DDPM step). Critic, optimiser and the {@code ** valid} quirk: see {@link Dcgql}. Goal-conditioned tasks:
 * critic on [s, g_value], actor (and the actor loss's critic gradient) on [s, g_actor], hindsight goals as QAM.
 */
public final class QSM implements Algorithm<QSM.Config> {

    /**
     * @param actorHidden         widths of the cond encoder and of the reverse network (both, as the reference)
     * @param criticHidden        widths of each critic member (LayerNorm after the activation)
     * @param actorActivation     noise-network activation (MISH in the reference)
     * @param criticActivation    critic activation (GELU, tanh approximation)
     * @param batchSize           B
     * @param learningRate        Adam step size (constant)
     * @param clipGradNorm        global-norm clip over critic and actor gradients together (1.0; 0 = off)
     * @param numQs               critic ensemble size K
     * @param rho                 pessimism ρ of the TD target
     * @param discount            γ (the target uses γ^H)
     * @param tau                 Polyak rate of the target critic
     * @param diffusionSteps      T (VP schedule)
     * @param timeDim             Fourier time features (even)
     * @param horizon             action chunk length H
     * @param invTemp             β, scale of the critic gradient the noise network regresses onto
     * @param alpha               α, weight of the DDPM BC loss
     * @param useTargetCriticGrad g from the target critic (true, reference) or the current one
     * @param x0Step              sampler step: JUMP_TO_X0 (reference QUIRK), POSTERIOR or CLIPPED_POSTERIOR
     * @param clipSamplerAfter    clip x to [−1, 1] after every step (true, reference)
     * @param validAsPower        report losses with the reference's {@code ** valid} (true) or {@code * valid}; the
     *                            gradients are the same
     * @param goals               hindsight goal sampling (γ is {@code discount})
     */
    public record Config(List<Integer> actorHidden, List<Integer> criticHidden, Activation actorActivation, Activation criticActivation,
                         int batchSize, double learningRate, double clipGradNorm, int numQs, double rho, double discount,
                         double tau, int diffusionSteps, int timeDim, int horizon, double invTemp, double alpha,
                         boolean useTargetCriticGrad, DdpmSampler.X0Step x0Step, boolean clipSamplerAfter,
                         boolean validAsPower, GoalSampling goals) {
        public Config {
            Dcgql.validate("qsm", actorHidden, criticHidden, actorActivation, criticActivation, batchSize, learningRate,
                    clipGradNorm, numQs, rho, discount, tau, diffusionSteps, timeDim, horizon, alpha, x0Step, goals);
            actorHidden = List.copyOf(actorHidden);
            criticHidden = List.copyOf(criticHidden);
            if (!(invTemp >= 0) || !Double.isFinite(invTemp)) {
                throw new IllegalArgumentException("qsm: invTemp must be finite and >= 0, got " + invTemp);
            }
        }

        /**
         * Reference values (docs/qam.md §4, §6, dcgql.py get_config): 4×512 mish noise network and 4×512 GELU critic, B 256,
         * lr 3e-4, clip 1.0, K 10, ρ 0.5, γ 0.99, τ 0.005, T 10, 64 time features, H 1 (maze domains); β = 10 and
         * α = 10 from the antmaze-large column (fallback; docs/domains.md); sampler jump-to-x̂0 + clip after.
         */
        public static Config paper() {
            return new Config(List.of(512, 512, 512, 512), List.of(512, 512, 512, 512), Activation.MISH,
                    Activation.GELU, 256, 3e-4, 1.0, 10, 0.5, 0.99, 0.005, 10, 64, 1, 10, 10, true,
                    DdpmSampler.X0Step.JUMP_TO_X0, true, true, GoalSampling.defaults());
        }

        /**
         * Sized like the other TD-critic agents' cpu profiles (CGQL, BAM): 2×128 noise network and critic, K = 4,
         * B = 64. T = 10 and the 64 time features are kept (they define the sampler and the schedule). A step runs
         * the sampler for a' (T reverse-network passes on B rows, the cond encoder on 1 row each), one target-critic
         * VJP, one noise-network forward/backward and the TD loss: about as much work as CGQL's guided sampler.
         */
        public static Config cpu() {
            return new Config(List.of(128, 128), List.of(128, 128), Activation.MISH, Activation.GELU, 64, 3e-4,
                    1.0, 4, 0.5, 0.99, 0.005, 10, 64, 1, 10, 10, true, DdpmSampler.X0Step.JUMP_TO_X0, true, true,
                    GoalSampling.defaults());
        }

        /** This config with other sizes (tests). */
        public Config withTraining(int[] actor, int[] critic, int qs, int batch, double lr) {
            return new Config(Arrays.stream(actor).boxed().toList(), Arrays.stream(critic).boxed().toList(), actorActivation, criticActivation, batch, lr, clipGradNorm, qs, rho,
                    discount, tau, diffusionSteps, timeDim, horizon, invTemp, alpha, useTargetCriticGrad, x0Step,
                    clipSamplerAfter, validAsPower, goals);
        }

        /** This config with other β and α. */
        public Config withWeights(double beta, double bcAlpha) {
            return new Config(actorHidden, criticHidden, actorActivation, criticActivation, batchSize, learningRate,
                    clipGradNorm, numQs, rho, discount, tau, diffusionSteps, timeDim, horizon, beta, bcAlpha,
                    useTargetCriticGrad, x0Step, clipSamplerAfter, validAsPower, goals);
        }

        /** This config with another chunk length. */
        public Config withHorizon(int h) {
            return new Config(actorHidden, criticHidden, actorActivation, criticActivation, batchSize, learningRate,
                    clipGradNorm, numQs, rho, discount, tau, diffusionSteps, timeDim, h, invTemp, alpha,
                    useTargetCriticGrad, x0Step, clipSamplerAfter, validAsPower, goals);
        }

        Dcgql.Settings settings() {
            return new Dcgql.Settings(Dcgql.LossType.QSM, actorHidden, criticHidden, actorActivation, criticActivation,
                    batchSize, learningRate, clipGradNorm, numQs, rho, discount, tau, diffusionSteps, timeDim, horizon,
                    invTemp, alpha, useTargetCriticGrad, x0Step, clipSamplerAfter, validAsPower, goals);
        }

        // arrays make the generated equals/hashCode/toString identity-based

    }

    @Override
    public String name() {
        return "qsm";
    }

    @Override
    public String paper() {
        return "Psenka, Escontrela, Abbeel, Ma, Learning a Diffusion Model Policy from Rewards via Q-Score Matching "
                + "(ICML 2024), as the QAM repository's baseline (agents/dcgql.py)";
    }

    @Override
    public String family() {
        return "training-time";
    }

    @Override
    public String description() {
        return "QSM: DDPM policy (mish noise network, learnable Fourier time features) trained to match "
                + "-inv_temp * grad_a Q(s, a_t) plus alpha * DDPM BC; TD ensemble critic; sampler jumps to x0_hat and clips.";
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
            default -> throw new IllegalArgumentException("qsm: unknown profile '" + profile + "', expected paper or cpu");
        };
    }

    /** From {@link DomainTable}: this algorithm's values for the column, with their sources. */
    @Override
    public List<DomainSetting> domainSettings(String column) {
        return DomainTable.settings(name(), column);
    }

    @Override
    public Learner create(Config config, AgentContext context) {
        return new Dcgql.DcgqlLearner(config.settings(), context);
    }
}
