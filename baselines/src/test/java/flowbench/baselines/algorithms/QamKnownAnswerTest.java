package flowbench.baselines.algorithms;

import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.Adam;
import flowbench.baselines.nn.AdamConfig;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.rl.ActionCritic;
import flowbench.baselines.rl.TdCritic;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.data.ChunkBatch;
import flowbench.harness.data.ChunkSampler;
import flowbench.harness.data.Dataset;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Known-answer tests of QAM on one-step bandits ({@link Bandits}: behaviour a mixture of N(μ_m, 0.2² I), reward
 * r(a) = −‖a − a*‖²/d, every transition terminal).
 *
 * <p>The answer: QAM's fine-tuned flow targets π*(a) ∝ π_β(a)·exp(λ Q(a)). With an exact critic Q = r (the actor
 * isolated from critic learning) the tilted distribution is integrated numerically on a grid over [−1, 1]^d from the
 * known behaviour density; "mode masses" are the masses of the nearest-centre (Voronoi) cells. QAM's reference
 * discretisation (N = 10, memoryless SDE with the h offset, base-field last step, time-shifted lean adjoint) is not
 * exact: its idealised fixed point with the exact base field ({@code baselines/scripts/qam_fixed_point.py}) puts
 * 0.688 on the target side against the tilt's 0.701 on the 1-D bimodal at λ = 3, and 0.478 against 0.466 at λ = 1.
 * With well separated modes (centres ±0.5, std 0.1) it stays far below the tilt (≈ 0.5 against 0.88 for the
 * idealised scheme, ≈ 0.6 for the learned one), which is why these bandits have overlapping modes. Statistics are
 * averaged over the last checkpoints to damp SGD noise.
 */
class QamKnownAnswerTest {
    static final int SAMPLES = 4000;

    /** Region masses and mean reward of the fine-tuned flow, averaged over checkpoints. */
    record Result(Bandits.Tilted fine, Bandits.Tilted bc) {}

    static QAM.Config config(double lambda, int width, int batch, double lr) {
        return QAM.Config.cpu(QAM.Variant.QAM).withInvTemp(lambda)
                .withTraining(new int[] {width, width}, new int[] {width, width}, 2, batch, lr);
    }

    /**
     * Trains QAM on the bandit with the exact critic (or the learned TD critic when {@code exact} is false) and averages
     * the fine-tuned flow's statistics over {@code checkpoints} evaluations spaced {@code every} steps at the end.
     */
    static Result train(Bandits bandit, QAM.Config cfg, boolean exact, int steps, int checkpoints, int every, long seed) {
        Dataset data = bandit.dataset(5000, seed);
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, bandit.d), data, seed);
        QAM.QamLearner l = new QAM.QamLearner(cfg, ctx, exact ? bandit.exactCritic() : null);
        float[] cond = new float[SAMPLES];
        double[] fine = new double[bandit.modes.length], bc = new double[bandit.modes.length];
        double fineR = 0, bcR = 0;
        int first = steps - (checkpoints - 1) * every;
        for (int s = 0; s < steps; s++) {
            l.update(s, Seeds.rng(seed, "train", s));
            if (s + 1 >= first && (s + 1 - first) % every == 0) {
                Bandits.Tilted f = bandit.empirical(l.sampleFineTuned(cond, SAMPLES, Seeds.rng(seed, "eval", s)), SAMPLES);
                Bandits.Tilted b = bandit.empirical(
                        l.policies().get("flow-bc").act(cond, new float[0], SAMPLES, Seeds.rng(seed, "bc", s)), SAMPLES);
                for (int m = 0; m < fine.length; m++) {
                    fine[m] += f.modeMasses()[m] / checkpoints;
                    bc[m] += b.modeMasses()[m] / checkpoints;
                }
                fineR += f.meanReward() / checkpoints;
                bcR += b.meanReward() / checkpoints;
            }
        }
        return new Result(new Bandits.Tilted(fine, fineR), new Bandits.Tilted(bc, bcR));
    }

    static void assertTilted(String what, Bandits.Tilted expect, Result got, double massTol, double rewardTol) {
        String msg = what + ": fine-tuned " + Arrays.toString(got.fine().modeMasses()) + " r=" + got.fine().meanReward()
                + " vs tilted " + Arrays.toString(expect.modeMasses()) + " r=" + expect.meanReward() + " (BC "
                + Arrays.toString(got.bc().modeMasses()) + " r=" + got.bc().meanReward() + ")";
        System.out.println(msg);
        for (int m = 0; m < expect.modeMasses().length; m++) {
            assertEquals(expect.modeMasses()[m], got.fine().modeMasses()[m], massTol, msg + " mode " + m);
        }
        assertEquals(expect.meanReward(), got.fine().meanReward(), rewardTol, msg + " mean reward");
    }

    // ---------------------------------------------------------------- fast (default run)

    /**
     * 1-D bimodal, λ = 3, exact critic, small and short (2×64, B = 128, 3000 steps, ~7 s): region masses within 0.12
     * and mean reward within 0.06 of the tilt. This run is undertrained (it reaches ≈ 0.61 of the tilt's 0.70 on the
     * target side, mean reward ≈ −0.24 against −0.20); {@link #tiltedDistributionSlow} trains longer and is tighter.
     */
    @Test
    void fineTunedFlowApproachesTiltedDistribution1d() {
        Bandits.Tilted tilt = Bandits.D1.tilted(3);
        assertEquals(0.701, tilt.modeMasses()[1], 1e-3);
        Result r = train(Bandits.D1, config(3, 64, 128, 1e-3), true, 3000, 3, 500, 3);
        assertTilted("1-D λ=3 (fast)", tilt, r, 0.12, 0.06);
        // and it really moved: the behaviour puts ~0.33 on the target side
        assertTrue(r.fine().modeMasses()[1] > r.bc().modeMasses()[1] + 0.2, "fine-tuned flow shifted towards a*");
    }

    /** λ = 0: ã = 0, so adjoint matching regresses v_θ onto v_β and the fine-tuned flow stays at the behaviour. */
    @Test
    void zeroTemperatureStaysAtBehaviour() {
        Bandits.Tilted beh = Bandits.D1.tilted(0);
        assertEquals(0.327, beh.modeMasses()[1], 1e-3);
        Result r = train(Bandits.D1, config(0, 64, 128, 1e-3), true, 1500, 3, 250, 4);
        assertTilted("1-D λ=0", beh, r, 0.06, 0.05);
        // and the "qam" policy at λ = 0 is exactly the BC flow (sample_actions, docs/qam.md §1.7)
        Dataset data = Bandits.D1.dataset(200, 1);
        QAM.QamLearner l = new QAM.QamLearner(config(0, 16, 32, 1e-3),
                ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), data, 1), Bandits.D1.exactCritic());
        for (int s = 0; s < 20; s++) l.update(s, new Rng(s));
        float[] obs = new float[64];
        assertArrayEquals(l.policies().get("flow-bc").act(obs, new float[0], 64, new Rng(5)),
                l.policies().get("qam").act(obs, new float[0], 64, new Rng(5)));
    }

    /** The TD critic alone on one-step data (mask 0, γ irrelevant) learns Q(a) = r(a) on the behaviour support. */
    @Test
    void tdCriticLearnsBanditReward() {
        Bandits bandit = Bandits.D1;
        Dataset data = bandit.dataset(5000, 6);
        TdCritic critic = new TdCritic(1, 1, new TdCritic.Config(new int[] {64, 64}, Activation.GELU,
                LayerNormPlacement.AFTER_ACTIVATION, 2, 0.5, 0.005), 128, new Rng(7));
        Adam adam = new Adam(AdamConfig.of(1e-3), critic.network());
        Gradients g = critic.network().newGradients();
        ChunkSampler sampler = new ChunkSampler(data, 1, 0.99);
        ChunkBatch batch = sampler.newBatch(128);
        float[] y = new float[128], next = new float[128];
        for (int s = 0; s < 2000; s++) {
            Rng rng = Seeds.rng(6, "critic", s);
            sampler.sampleInto(batch, rng);
            rng.fillGaussian(next); // any next action: masks are 0
            critic.targets(batch.lastRewards(), batch.lastMasks(), 0.99, batch.lastNextObservations(), next, 128, y);
            g.zero();
            critic.loss(batch.observations(), batch.actions(), y, batch.lastValid(), 128, g);
            adam.step(g);
            critic.polyakUpdate();
        }
        ActionCritic q = critic.current();
        double worst = 0;
        float[] a = new float[1], v = new float[1], grad = new float[1];
        for (double x = -0.7; x <= 0.7 + 1e-9; x += 0.05) {
            a[0] = (float) x;
            q.evaluate(new float[1], a, 1, v, grad);
            worst = Math.max(worst, Math.abs(v[0] - bandit.reward(a, 0)));
        }
        System.out.println("TD critic max |Q - r| on [-0.7, 0.7]: " + worst);
        assertTrue(worst < 0.05, "max |Q(a) - r(a)| = " + worst);
    }

    // ---------------------------------------------------------------- slow (-Pslow)

    /** Tighter and in 1-D and 2-D: masses within 0.06, mean reward within 0.04 of the tilt, exact critic. */
    @Test
    @Tag("slow")
    void tiltedDistributionSlow() {
        assertTilted("1-D λ=1", Bandits.D1.tilted(1), train(Bandits.D1, config(1, 128, 256, 1e-3), true, 5000, 5, 250, 11),
                0.06, 0.04);
        assertTilted("1-D λ=3", Bandits.D1.tilted(3), train(Bandits.D1, config(3, 128, 256, 1e-3), true, 5000, 5, 250, 12),
                0.06, 0.04);
        assertTilted("2-D bimodal λ=3", Bandits.D2.tilted(3),
                train(Bandits.D2, config(3, 128, 256, 1e-3), true, 5000, 5, 250, 13), 0.06, 0.04);
        assertTilted("2-D quadmodal λ=3", Bandits.Q2.tilted(3),
                train(Bandits.Q2, config(3, 128, 256, 1e-3), true, 5000, 5, 250, 14), 0.06, 0.04);
    }

    /** End to end with the learned TD critic (no exact Q): looser, masses within 0.10, reward within 0.06. */
    @Test
    @Tag("slow")
    void tiltedDistributionWithLearnedCriticSlow() {
        assertTilted("1-D λ=3 learned critic", Bandits.D1.tilted(3),
                train(Bandits.D1, config(3, 128, 256, 1e-3), false, 5000, 5, 250, 21), 0.10, 0.06);
    }
}
