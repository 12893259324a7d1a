package flowbench.baselines.algorithms;

import flowbench.baselines.flow.GuidedEulerSampler;
import flowbench.baselines.flow.GuidedEulerSampler.Estimate;
import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.rl.ExactCritic;
import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Learner;
import flowbench.harness.agent.Policy;
import flowbench.harness.data.Dataset;
import flowbench.harness.data.DatasetMode;
import flowbench.harness.env.TaskMode;
import flowbench.harness.protocol.Configs;
import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QGFTest {

    /** A small configuration: 2x64 networks, batch 64, H = 1, every policy family at the given weights. */
    static QGF.Config small(int horizon, List<Double> w, List<Integer> bestOfN) {
        return new QGF.Config(List.of(64, 64), LayerNormPlacement.BEFORE_ACTIVATION_EXCEPT_LAST, List.of(64, 64),
                Activation.GELU, 64, 3e-3, 1e-3, 1e-3, 10, horizon, 0.99, 2, 0.9, 0.005, QGF.MaskSource.TERMINALS, true,
                1.0, 0.0, true, w, w, w, w, true, w, List.of(0.05), List.of(3), bestOfN);
    }

    /**
     * A one-step bandit: constant observation 0.5, behaviour actions from two modes ±0.6 + N(0, 0.05²) with equal mass,
     * reward r(a) = a, every transition terminal (so with QGF's terminal mask the TD target is r itself). Optimal
     * behaviour-supported action: the +0.6 mode; BC's mean reward is about 0.
     */
    static Dataset bandit(int rows, long seed) {
        float[] obs = new float[rows], act = new float[rows], rew = new float[rows], masks = new float[rows];
        boolean[] term = new boolean[rows], valid = new boolean[rows];
        Rng rng = new Rng(seed);
        for (int r = 0; r < rows; r++) {
            obs[r] = 0.5f;
            act[r] = (float) ((rng.nextDouble() < 0.5 ? 0.6 : -0.6) + 0.05 * rng.nextGaussian());
            rew[r] = act[r];
            masks[r] = 1f;
            term[r] = true;
            valid[r] = true;
        }
        return new Dataset(rows, 1, 1, obs, act, obs.clone(), rew, masks, term, valid, Map.of(), Map.of(),
                DatasetMode.REGULAR, null, null);
    }

    static Learner trainedBandit(QGF.Config cfg, int steps, long seed) {
        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), bandit(4000, seed), seed);
        Learner l = new QGF().create(cfg, ctx);
        for (int s = 0; s < steps; s++) l.update(s, Seeds.rng(seed, "train", s));
        return l;
    }

    static double meanReward(float[] actions) {
        double s = 0;
        for (float a : actions) s += Math.max(-1f, Math.min(1f, a));
        return s / actions.length;
    }

    static float[] constantObs(int n) {
        float[] o = new float[n];
        Arrays.fill(o, 0.5f);
        return o;
    }

    /** QGF at w = 0 (every guided family) returns exactly the BC flow's actions for the same noise. */
    @Test
    void zeroWeightIsBitwiseFlowBc() {
        QGF.Config cfg = small(2, List.of(0.0, 0.3), List.of(4));
        Learner l = trainedBandit(cfg, 40, 3);
        Map<String, Policy> p = l.policies();
        float[] obs = constantObs(7);
        float[] bc = p.get("flow-bc").act(obs, new float[0], 7, new Rng(11));
        assertEquals(7 * 2, bc.length);
        for (String name : List.of("qgf(w=0)", "qgf-jacobian(w=0)", "noisy-guidance(w=0)", "bptt(w=0)", "robustq(w=0)")) {
            assertArrayEquals(bc, p.get(name).act(obs, new float[0], 7, new Rng(11)), name);
        }
        assertTrue(!Arrays.equals(bc, p.get("qgf(w=0.3)").act(obs, new float[0], 7, new Rng(11))), "w > 0 changes actions");
    }

    /**
     * Known answers on the bandit, all from one trained checkpoint. Guidance with the EXACT critic Q = a (gradient 1)
     * moves mass onto the rewarded mode as w grows; so do the trained IQL critic's policies; best-of-N with the trained
     * critic (increasing in a) equals the expected maximum of N BC samples.
     */
    @Test
    void guidanceAndBestOfNRaiseBanditReward() {
        QGF.Config cfg = small(1, List.of(0.1, 0.3, 1.0), List.of(1, 4, 16));
        QGF.QGFLearner l = (QGF.QGFLearner) trainedBandit(cfg, 1500, 5);
        int n = 2000;
        float[] obs = constantObs(n);

        // fixed exact critic through the learner's BC flow
        GuidedEulerSampler sampler = new GuidedEulerSampler(l.field(), 10);
        ExactCritic exact = ExactCritic.linear(1, 1, 1f);
        double[] exactMeans = new double[4];
        double[] ws = {0, 0.1, 0.3, 1.0};
        for (int i = 0; i < ws.length; i++) {
            float[] x0 = new float[n];
            new Rng(21).fillGaussian(x0);
            exactMeans[i] = meanReward(sampler.sample(obs, x0, n, exact, Estimate.ONE_STEP, (float) ws[i]));
        }

        Map<String, Double> m = new LinkedHashMap<>();
        for (Map.Entry<String, Policy> e : l.policies().entrySet()) {
            m.put(e.getKey(), meanReward(e.getValue().act(obs, new float[0], n, new Rng(22))));
        }
        System.out.println("QGF bandit, exact critic Q=a, mean reward at w=" + Arrays.toString(ws) + ": "
                + Arrays.toString(exactMeans));
        System.out.println("QGF bandit, trained IQL critic, mean reward per policy: " + m);

        // BC: the two modes in equal measure (E[r] = 0 up to the 50/50 sampling error of 4000 rows and BC error)
        assertEquals(0.0, exactMeans[0], 0.08, "w = 0");
        assertEquals(exactMeans[0], m.get("flow-bc"), 0.08);
        for (int i = 1; i < ws.length; i++) {
            assertTrue(exactMeans[i] > exactMeans[i - 1] + 0.02, "exact critic: reward rises from w=" + ws[i - 1] + " to "
                    + ws[i] + ": " + Arrays.toString(exactMeans));
        }
        assertTrue(exactMeans[3] > 0.4, "w = 1 moves most mass to the rewarded mode: " + exactMeans[3]);

        double bc = m.get("flow-bc");
        assertTrue(m.get("qgf(w=0.1)") > bc + 0.02 && m.get("qgf(w=0.3)") > m.get("qgf(w=0.1)") + 0.02
                && m.get("qgf(w=1)") > m.get("qgf(w=0.3)") + 0.02, "trained critic, qgf rises with w: " + m);
        for (String fam : List.of("qgf-jacobian", "noisy-guidance", "bptt", "robustq")) {
            assertTrue(m.get(fam + "(w=1)") > bc + 0.15, fam + " at w = 1 raises the reward: " + m);
        }
        assertTrue(m.get("gradstep(alpha=0.05,L=3)") > bc + 0.1, "gradstep: " + m);
        assertEquals(bc, m.get("best-of-n(n=1)"), 0.0, "best-of-1 is BC, same noise");
        // with a critic increasing in a, best-of-N is the expected maximum of N BC samples; estimate it from BC itself
        for (int bn : new int[] {4, 16}) {
            float[] pool = l.policies().get("flow-bc").act(constantObs(n * bn), new float[0], n * bn, new Rng(23));
            double sum = 0;
            for (int i = 0; i < n; i++) {
                float best = -1f;
                for (int j = 0; j < bn; j++) best = Math.max(best, Math.max(-1f, Math.min(1f, pool[i * bn + j])));
                sum += best;
            }
            System.out.printf("best-of-%d: policy %.4f, E[max of %d BC samples] %.4f%n", bn, m.get("best-of-n(n=" + bn + ")"),
                    bn, sum / n);
            assertEquals(sum / n, m.get("best-of-n(n=" + bn + ")"), 0.03, "best-of-" + bn);
        }
        assertTrue(m.get("best-of-n(n=16)") > m.get("best-of-n(n=4)") + 0.05 && m.get("best-of-n(n=4)") > bc + 0.3,
                "best-of-N rises with N: " + m);
    }

    /**
     * The bandit ordering across 5 training seeds (slow): for every seed, qgf rises monotonically over w ∈ {0, 0.1, 0.3,
     * 1} with the trained critic, qgf(w=1) beats BC by > 0.3, and best-of-16 > best-of-4 > BC.
     */
    @Test
    @Tag("slow")
    void banditOrderingHoldsAcrossSeeds() {
        QGF.Config cfg = small(1, List.of(0.1, 0.3, 1.0), List.of(4, 16));
        int n = 2000;
        float[] obs = constantObs(n);
        StringBuilder table = new StringBuilder("seed  flow-bc  qgf(0.1)  qgf(0.3)  qgf(1)  jac(1)  noisy(1)  bptt(1)  robustq(1)  best4  best16\n");
        for (long seed = 101; seed <= 105; seed++) {
            Learner l = trainedBandit(cfg, 1500, seed);
            Map<String, Double> m = new LinkedHashMap<>();
            for (Map.Entry<String, Policy> e : l.policies().entrySet()) {
                m.put(e.getKey(), meanReward(e.getValue().act(obs, new float[0], n, new Rng(seed * 7))));
            }
            table.append(String.format(java.util.Locale.ROOT, "%d  %7.3f  %8.3f  %8.3f  %6.3f  %6.3f  %8.3f  %7.3f  %10.3f  %5.3f  %6.3f%n",
                    seed, m.get("flow-bc"), m.get("qgf(w=0.1)"), m.get("qgf(w=0.3)"), m.get("qgf(w=1)"),
                    m.get("qgf-jacobian(w=1)"), m.get("noisy-guidance(w=1)"), m.get("bptt(w=1)"), m.get("robustq(w=1)"),
                    m.get("best-of-n(n=4)"), m.get("best-of-n(n=16)")));
            assertTrue(m.get("qgf(w=0.1)") > m.get("flow-bc") && m.get("qgf(w=0.3)") > m.get("qgf(w=0.1)")
                    && m.get("qgf(w=1)") > m.get("qgf(w=0.3)"), "seed " + seed + ": " + m);
            assertTrue(m.get("qgf(w=1)") > m.get("flow-bc") + 0.3, "seed " + seed + ": " + m);
            assertTrue(m.get("best-of-n(n=16)") > m.get("best-of-n(n=4)") && m.get("best-of-n(n=4)") > m.get("flow-bc") + 0.3,
                    "seed " + seed + ": " + m);
        }
        System.out.print(table);
    }

    /** RobustQ's training draws from its own generator split: switching it off leaves BC and IQL bit-identical. */
    @Test
    void robustQDoesNotPerturbTheSharedTraining() {
        QGF.Config on = small(1, List.of(0.1), List.of(4));
        QGF.Config off = new QGF.Config(on.actorHidden(), on.actorLayerNorm(), on.criticHidden(), on.activation(),
                on.batchSize(), on.actorLearningRate(), on.criticLearningRate(), on.valueLearningRate(), on.flowSteps(),
                on.horizon(), on.discount(), on.numQs(), on.expectile(), on.targetTau(), on.maskSource(),
                on.goalNegativeReward(), on.actorPTrajGoal(), on.actorPRandomGoal(), on.actorGeomSample(), on.weights(),
                on.jacobianWeights(), on.noisyWeights(), on.bpttWeights(), false, on.robustWeights(),
                on.gradStepAlphas(), on.gradStepSteps(), on.bestOfN());
        Learner a = trainedBandit(on, 15, 4);
        Learner b = trainedBandit(off, 15, 4);
        Map<String, Double> ma = a.update(15, Seeds.rng(4, "train", 15));
        Map<String, Double> mb = b.update(15, Seeds.rng(4, "train", 15));
        ma.remove("robustq_loss");
        assertEquals(ma, mb);
        assertTrue(!b.policies().containsKey("robustq(w=0.1)"));
        assertEquals(off.policyCount(), b.policies().size());
        assertEquals(on.policyCount(), a.policies().size());
    }

    @Test
    void profilesPolicyNamesAndValidation() {
        QGF.Config cpu = QGF.Config.cpu();
        QGF.Config paper = QGF.Config.paper();
        assertEquals(11, cpu.policyCount());
        assertEquals(52, paper.policyCount());
        assertEquals(List.of(0.004, 0.008, 0.01, 0.02, 0.04, 0.06, 0.08, 0.10, 0.12), paper.weights());
        assertEquals(0.999, paper.discount());
        assertEquals(5, paper.horizon());
        assertEquals(1024, paper.batchSize());
        assertEquals("qgf(w=0.004)", QGF.policyName("qgf", 0.004));
        assertEquals("qgf(w=0.1)", QGF.policyName("qgf", 0.10));
        assertEquals("qgf(w=1)", QGF.policyName("qgf", 1.0));

        AgentContext ctx = ToyTasks.context(ToyTasks.task(TaskMode.SINGLE_TASK, 1, 1), bandit(200, 1), 1);
        QGF.Config merged = Configs.merge(new QGF(), "cpu", Map.of("weights", "[0.3,0.6]", "actorHidden", "[32]",
                "criticHidden", "[32]", "bestOfN", "[2]"));
        assertEquals(List.of(0.3, 0.6), merged.weights());
        List<String> names = List.copyOf(new QGF().create(merged, ctx).policies().keySet());
        assertEquals(List.of("flow-bc", "qgf(w=0.3)", "qgf(w=0.6)", "qgf-jacobian(w=1)", "noisy-guidance(w=1)",
                "bptt(w=1)", "robustq(w=1)", "gradstep(alpha=0.3,L=3)", "best-of-n(n=2)"), names);

        var e = assertThrows(IllegalArgumentException.class,
                () -> Configs.merge(new QGF(), "cpu", Map.of("weights", "[0.1,0.10]")));
        assertTrue(e.getMessage().contains("weights lists 0.1 twice"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(new QGF(), "cpu", Map.of("bestOfN", "[0]")));
        assertTrue(e.getMessage().contains("bestOfN must hold integers >= 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Configs.merge(new QGF(), "cpu", Map.of("noisyWeights", "[-1]")));
        assertTrue(e.getMessage().contains("noisyWeights must hold finite values >= 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new QGF().defaultConfig("gpu"));
        assertTrue(e.getMessage().contains("expected paper or cpu"), e.getMessage());
    }
}
