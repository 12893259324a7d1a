package flowbench.baselines.algorithms;

import flowbench.baselines.flow.AdjointMatching;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.data.Dataset;
import flowbench.harness.env.TaskMode;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

@Tag("explore")
class QamExploreTest {
    @Test
    void explore() {
        String spec = System.getProperty("qam.explore", "1,3,1500,64,128,1e-3,REFERENCE,BASE");
        String[] p = spec.split(",");
        Bandits bandit = p[0].equals("1") ? Bandits.D1 : p[0].equals("2") ? Bandits.D2 : Bandits.Q2;
        double lambda = Double.parseDouble(p[1]);
        int steps = Integer.parseInt(p[2]);
        int width = Integer.parseInt(p[3]);
        int batch = Integer.parseInt(p[4]);
        double lr = Double.parseDouble(p[5]);
        AdjointMatching.Recursion rec = AdjointMatching.Recursion.valueOf(p[6]);
        AdjointMatching.LastStep last = AdjointMatching.LastStep.valueOf(p[7]);
        Dataset data = bandit.dataset(5000, 3);
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, bandit.d), data, 5);
        QAM.Config cfg = QAM.Config.cpu(QAM.Variant.QAM).withInvTemp(lambda)
                .withTraining(new int[] {width, width}, new int[] {width, width}, 2, batch, lr).withAdjoint(last, rec).withFlowSteps(p.length > 8 ? Integer.parseInt(p[8]) : 10);
        QAM.QamLearner l = new QAM.QamLearner(cfg, ctx, bandit.exactCritic());
        long t0 = System.nanoTime();
        int n = 4000;
        float[] cond = new float[n];
        for (int s = 0; s < steps; s++) {
            var m = l.update(s, Seeds.rng(5, "train", s));
            if ((s + 1) % (steps / 5) == 0) {
                Bandits.Tilted fine = bandit.empirical(l.sampleFineTuned(cond, n, new Rng(77)), n);
                Bandits.Tilted bc = bandit.empirical(l.policies().get("flow-bc").act(cond, new float[0], n, new Rng(78)), n);
                System.out.printf("step %d am=%.3f bc=%.3f fine=%s r=%.3f | bc=%s r=%.3f%n", s + 1, m.get("am_loss"),
                        m.get("bc_flow_loss"), Arrays.toString(round(fine.modeMasses())), fine.meanReward(),
                        Arrays.toString(round(bc.modeMasses())), bc.meanReward());
            }
        }
        Bandits.Tilted t = bandit.tilted(lambda);
        System.out.printf("target %s r=%.3f   (%.1f s)%n", Arrays.toString(round(t.modeMasses())), t.meanReward(),
                (System.nanoTime() - t0) / 1e9);
    }

    static double[] round(double[] a) {
        double[] o = new double[a.length];
        for (int i = 0; i < a.length; i++) o[i] = Math.round(a[i] * 1000) / 1000.0;
        return o;
    }
}
