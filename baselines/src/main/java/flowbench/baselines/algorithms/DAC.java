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
 * DAC, Diffusion Actor-Critic (Fang et al. 2025), as the QAM repository runs it: {@code agents/dcgql.py} with
 * {@code actor_loss_type="dac"} (docs/qam.md §2.9). The DDPM BC loss plus a term linear in ε_θ, weighted by the noise level:
 * <pre>
 *   L_actor = α·mean_b [mean_d (ε − ε_θ)²]^v + mean_b [mean_d (√(1−ᾱ_t)·∇_a mean_k Q̄_k(s, a_t) ⊙ ε_θ)]^v
 * </pre>
 * whose minimiser is ε_θ = E[ε | a_t] − √(1−ᾱ_t)·∇Q/(2α): the behaviour score plus ∇Q/(2α), i.e. guidance towards
 * π_β·exp(Q/(2α)) at every noise level. No inverse temperature: α alone sets the trade-off (QUIRK docs/qam.md §8.10: the
 * reference's config comment says α is QSM-only, but DAC reads it).
 * Sampler: the reference's DAC setting {@code clip_sampler_before=True, clip_sampler_after=False}: clip the x0
 * prediction, then the DDPM posterior mean plus √β_t noise. Critic, optimiser and the {@code ** valid} quirk: see
 * {@link Dcgql}. Goal-conditioned tasks as {@link QSM}.
 */
public final class DAC implements Algorithm<DAC.Config> {

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
     * @param alpha               α, weight of the DDPM BC loss (the only trade-off knob)
     * @param useTargetCriticGrad g from the target critic (true, reference) or the current one
     * @param x0Step              sampler step: CLIPPED_POSTERIOR (reference), POSTERIOR or JUMP_TO_X0
     * @param clipSamplerAfter    clip x to [−1, 1] after every step (false, reference)
     * @param validAsPower        report losses with the reference's {@code ** valid} (true) or {@code * valid}; the
     *                            gradients are the same
     * @param goals               hindsight goal sampling (γ is {@code discount})
     */
    public record Config(List<Integer> actorHidden, List<Integer> criticHidden, Activation actorActivation, Activation criticActivation,
                         int batchSize, double learningRate, double clipGradNorm, int numQs, double rho, double discount,
                         double tau, int diffusionSteps, int timeDim, int horizon, double alpha,
                         boolean useTargetCriticGrad, DdpmSampler.X0Step x0Step, boolean clipSamplerAfter,
                         boolean validAsPower, GoalSampling goals) {
        public Config {
            Dcgql.validate("dac", actorHidden, criticHidden, actorActivation, criticActivation, batchSize, learningRate,
                    clipGradNorm, numQs, rho, discount, tau, diffusionSteps, timeDim, horizon, alpha, x0Step, goals);
            actorHidden = List.copyOf(actorHidden);
            criticHidden = List.copyOf(criticHidden);
        }

        /**
         * Reference values (docs/qam.md §4, §6, dcgql.py get_config): 4×512 mish noise network and 4×512 GELU critic, B 256,
         * lr 3e-4, clip 1.0, K 10, ρ 0.5, γ 0.99, τ 0.005, T 10, 64 time features, H 1 (maze domains); α = 0.3 from the
         * antmaze-large column (fallback; docs/domains.md); sampler clips x̂0 before the posterior mean.
         */
        public static Config paper() {
            return new Config(List.of(512, 512, 512, 512), List.of(512, 512, 512, 512), Activation.MISH,
                    Activation.GELU, 256, 3e-4, 1.0, 10, 0.5, 0.99, 0.005, 10, 64, 1, 0.3, true,
                    DdpmSampler.X0Step.CLIPPED_POSTERIOR, false, true, GoalSampling.defaults());
        }

        /** The same sizing as {@link QSM.Config#cpu()} (2×128, K = 4, B = 64, T = 10 kept). */
        public static Config cpu() {
            return new Config(List.of(128, 128), List.of(128, 128), Activation.MISH, Activation.GELU, 64, 3e-4,
                    1.0, 4, 0.5, 0.99, 0.005, 10, 64, 1, 0.3, true, DdpmSampler.X0Step.CLIPPED_POSTERIOR, false, true,
                    GoalSampling.defaults());
        }

        /** This config with other sizes (tests). */
        public Config withTraining(int[] actor, int[] critic, int qs, int batch, double lr) {
            return new Config(Arrays.stream(actor).boxed().toList(), Arrays.stream(critic).boxed().toList(), actorActivation, criticActivation, batch, lr, clipGradNorm, qs, rho,
                    discount, tau, diffusionSteps, timeDim, horizon, alpha, useTargetCriticGrad, x0Step,
                    clipSamplerAfter, validAsPower, goals);
        }

        /** This config with another α. */
        public Config withAlpha(double bcAlpha) {
            return new Config(actorHidden, criticHidden, actorActivation, criticActivation, batchSize, learningRate,
                    clipGradNorm, numQs, rho, discount, tau, diffusionSteps, timeDim, horizon, bcAlpha,
                    useTargetCriticGrad, x0Step, clipSamplerAfter, validAsPower, goals);
        }

        /** This config with another chunk length. */
        public Config withHorizon(int h) {
            return new Config(actorHidden, criticHidden, actorActivation, criticActivation, batchSize, learningRate,
                    clipGradNorm, numQs, rho, discount, tau, diffusionSteps, timeDim, h, alpha, useTargetCriticGrad,
                    x0Step, clipSamplerAfter, validAsPower, goals);
        }

        Dcgql.Settings settings() {
            return new Dcgql.Settings(Dcgql.LossType.DAC, actorHidden, criticHidden, actorActivation, criticActivation,
                    batchSize, learningRate, clipGradNorm, numQs, rho, discount, tau, diffusionSteps, timeDim, horizon,
                    0, alpha, useTargetCriticGrad, x0Step, clipSamplerAfter, validAsPower, goals);
        }

        // arrays make the generated equals/hashCode/toString identity-based

    }

    @Override
    public String name() {
        return "dac";
    }

    @Override
    public String paper() {
        return "Fang, Liu, Zhang, Wang, Jing, Diffusion Actor-Critic: Formulating Constrained Policy Iteration as Diffusion "
                + "Noise Regression for Offline RL (ICLR 2025), as the QAM repository's baseline (agents/dcgql.py)";
    }

    @Override
    public String family() {
        return "training-time";
    }

    @Override
    public String description() {
        return "DAC: DDPM policy (mish noise network, learnable Fourier time features) trained with alpha * DDPM BC + "
                + "sqrt(1 - alpha_bar_t) grad_a Q(s, a_t) . eps_theta; TD ensemble critic; sampler clips x0_hat before "
                + "the posterior mean.";
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
            default -> throw new IllegalArgumentException("dac: unknown profile '" + profile + "', expected paper or cpu");
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
