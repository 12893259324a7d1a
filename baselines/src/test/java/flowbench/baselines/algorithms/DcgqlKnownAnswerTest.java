package flowbench.baselines.algorithms;

import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Statistical known-answer checks of QSM and DAC on the one-step bandits (each trains a learner end to end). */
@Tag("slow")
class DcgqlKnownAnswerTest {
    static final int STEPS = 1500;

    private static Learner train(Learner l, long seed) {
        Map<String, Double> last = null;
        for (int s = 0; s < STEPS; s++) last = l.update(s, Seeds.rng(seed, "train", s));
        System.out.println("  last step: " + last);
        return l;
    }

    private static double nearSupport(Bandits b, float[] a, int n) {
        int near = 0;
        for (int r = 0; r < n; r++) {
            double best = Double.POSITIVE_INFINITY;
            for (double[] mode : b.modes) {
                double s = 0;
                for (int i = 0; i < b.d; i++) s += Math.pow(a[r * b.d + i] - mode[i], 2);
                best = Math.min(best, Math.sqrt(s));
            }
            if (best < 3 * Bandits.STD) near++;
        }
        return near / (double) n;
    }

    private static Bandits.Tilted evaluate(String label, Learner l, Bandits b) {
        int n = 2000;
        String name = l.policies().keySet().iterator().next();
        float[] a = l.policies().get(name).act(new float[n], new float[0], n, new Rng(7));
        Bandits.Tilted got = b.empirical(a, n);
        double near = nearSupport(b, a, n);
        System.out.printf("%s: behaviour reward %.4f | reward %.4f modes %s | within 3 sigma of a mode %.3f%n", label,
                b.tilted(0).meanReward(), got.meanReward(), Arrays.toString(got.modeMasses()), near);
        assertTrue(near > 0.8, label + ": only " + near + " of the samples within 3 sigma of a behaviour mode");
        return got;
    }

    /**
     * QSM on the 2-D bimodal bandit (behaviour mass 0.7 at (−0.3, −0.3), reward −‖a − (0.5, 0.5)‖²/2), reference
     * weights β = α = 10: the Q-score term must raise the mean reward well above the behaviour's while the BC term
     * keeps the samples on the behaviour's support.
     */
    @Test
    void qsmRaisesRewardOverBehaviourAndStaysInSupport() {
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 2), Bandits.D2.dataset(3000, 1), 4);
        QSM.Config cfg = QSM.Config.cpu().withTraining(new int[] {64, 64}, new int[] {64, 64}, 2, 64, 1e-3);
        Bandits.Tilted got = evaluate("qsm", train(new QSM().create(cfg, ctx), 4), Bandits.D2);
        double behaviour = Bandits.D2.tilted(0).meanReward();
        assertTrue(got.meanReward() > behaviour + 0.05, "qsm " + got.meanReward() + " vs behaviour " + behaviour);
    }

    /** DAC, same bandit, α = 0.3 (reference): guidance towards π_β·exp(Q/(2α)) raises the reward, in support. */
    @Test
    void dacRaisesRewardOverBehaviourAndStaysInSupport() {
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 2), Bandits.D2.dataset(3000, 1), 4);
        DAC.Config cfg = DAC.Config.cpu().withTraining(new int[] {64, 64}, new int[] {64, 64}, 2, 64, 1e-3);
        Bandits.Tilted got = evaluate("dac", train(new DAC().create(cfg, ctx), 4), Bandits.D2);
        double behaviour = Bandits.D2.tilted(0).meanReward();
        assertTrue(got.meanReward() > behaviour + 0.05, "dac " + got.meanReward() + " vs behaviour " + behaviour);
    }

    /**
     * The DDPM machinery as behaviour cloning: DAC with a BC weight so large that the Q term is negligible
     * (tilt exp(Q/(2α)) with α = 1000) reproduces the 1-D bandit's behaviour mode masses (0.7 / 0.3 mixture).
     */
    @Test
    void ddpmBehaviourCloningReproducesModeMasses() {
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), Bandits.D1.dataset(3000, 2), 5);
        DAC.Config cfg = DAC.Config.cpu().withTraining(new int[] {64, 64}, new int[] {64, 64}, 2, 64, 1e-3).withAlpha(1000);
        Bandits.Tilted got = evaluate("ddpm-bc (dac, alpha 1000)", train(new DAC().create(cfg, ctx), 5), Bandits.D1);
        // the modes overlap (±0.3, σ = 0.2): the behaviour's nearest-mode masses are 0.673 / 0.327, not 0.7 / 0.3
        assertEquals(Bandits.D1.tilted(0).modeMasses()[0], got.modeMasses()[0], 0.05, "mass nearest the −0.3 mode");
        assertEquals(Bandits.D1.tilted(0).meanReward(), got.meanReward(), 0.04, "mean reward of the behaviour");
    }
}
