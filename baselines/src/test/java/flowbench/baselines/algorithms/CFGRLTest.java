package flowbench.baselines.algorithms;

import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.data.Dataset;
import flowbench.harness.env.TaskMode;
import flowbench.harness.protocol.Configs;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CFGRL has no hand-written gradient of its own (flow matching and the IQL critic are tested where they live). */
class CFGRLTest {

    private static CFGRL.Config small(int h) {
        return CFGRL.Config.cpu().withTraining(new int[] {64, 64}, new int[] {64, 64}, 64, 1e-3, h);
    }

    /**
     * Known answer on the 2-D bimodal bandit (0.7 on (−0.3, −0.3), reward −‖a − (0.5, 0.5)‖²/2): the positive branch
     * learns the actions with Q − V &gt; 0, so guidance moves mass to the better mode, more with larger w.
     */
    @Test
    void guidanceMovesMassToTheBetterMode() {
        Dataset data = Bandits.D2.dataset(3000, 1);
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 2), data, 4);
        Learner l = new CFGRL().create(small(1), ctx);
        Map<String, Double> last = null;
        for (int s = 0; s < 1000; s++) last = l.update(s, Seeds.rng(4, "train", s));
        int n = 2000;
        float[] cond = new float[n];
        Bandits.Tilted bc = Bandits.D2.empirical(l.policies().get("flow-bc").act(cond, new float[0], n, new Rng(7)), n);
        Bandits.Tilted w1 = Bandits.D2.empirical(l.policies().get("cfgrl(w=1)").act(cond, new float[0], n, new Rng(7)), n);
        Bandits.Tilted w3 = Bandits.D2.empirical(l.policies().get("cfgrl(w=3)").act(cond, new float[0], n, new Rng(7)), n);
        System.out.printf("cfgrl: bc %.4f %s | w=1 %.4f %s | w=3 %.4f %s | %s%n", bc.meanReward(),
                java.util.Arrays.toString(bc.modeMasses()), w1.meanReward(), java.util.Arrays.toString(w1.modeMasses()),
                w3.meanReward(), java.util.Arrays.toString(w3.modeMasses()), last);
        assertTrue(w1.meanReward() > bc.meanReward() + 0.05, "w=1 " + w1.meanReward() + " vs bc " + bc.meanReward());
        assertTrue(w3.modeMasses()[1] >= w1.modeMasses()[1] - 0.02, "w=3 should not move mass back to the worse mode");
    }

    @Test
    void configRoundTripsAndRejectsBadWeights() {
        assertEquals(CFGRL.Config.paper(), Configs.merge(new CFGRL(), "paper", Map.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Configs.merge(new CFGRL(), "cpu", Map.of("weights", "[1, 1]")));
        assertTrue(e.getMessage().contains("twice"), e.getMessage());
    }
}
