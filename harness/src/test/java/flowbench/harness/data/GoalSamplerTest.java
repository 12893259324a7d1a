package flowbench.harness.data;

import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class GoalSamplerTest {

    /** REGULAR dataset of 40 trajectories x 25 transitions; observation = (row, trajectory, 7). */
    static Dataset trajectories(DatasetMode mode) {
        return Datasets.fromRaw(rawTrajectories(40, 25), LoadOptions.defaults().withMode(mode), null);
    }

    static java.util.LinkedHashMap<String, NpyArray> rawTrajectories(int episodes, int steps) {
        int n = episodes * (steps + 1);
        float[] obs = new float[n * 3];
        float[] act = new float[n];
        boolean[] term = new boolean[n];
        for (int r = 0; r < n; r++) {
            obs[3 * r] = r;
            obs[3 * r + 1] = r / (steps + 1);
            obs[3 * r + 2] = 7;
            act[r] = 0.01f * (r % 50);
            term[r] = (r + 1) % (steps + 1) == 0;
        }
        java.util.LinkedHashMap<String, NpyArray> m = new java.util.LinkedHashMap<>();
        m.put("observations", NpyArray.of(obs, n, 3));
        m.put("actions", NpyArray.of(act, n, 1));
        m.put("terminals", NpyArray.of(term, n));
        return m;
    }

    static int trajectoryOf(Dataset d, int row) {
        return (int) d.observations()[row * 3 + 1];
    }

    @Test
    void valueGoalProportionsMatchDefaults() {
        Dataset d = trajectories(DatasetMode.REGULAR);
        GoalSampler s = new GoalSampler(d, GoalConfig.defaults());
        Rng rng = Seeds.rng(3, "goals");
        int n = 40000;
        int cur = 0, future = 0, other = 0;
        for (int k = 0; k < n; k++) {
            int idx = s.randomIndex(rng);
            int g = s.sampleValueGoal(idx, rng);
            if (g == idx) cur++;
            else if (g > idx && g <= s.finalStateIndex(idx)) future++;
            else other++;
        }
        // Expected, not just the nominal 0.2/0.5/0.3: when idx is a trajectory's final row (1 in 25) a uniform future
        // goal is idx itself (+0.8 * 0.625 * 0.04 = 0.02 to "current"), and a random goal lands ahead of idx in
        // its own trajectory with probability ~12/1000 (+0.0036 to "future"). sd of each share is ~0.0025.
        assertEquals(0.22, cur / (double) n, 0.012);
        assertEquals(0.4836, future / (double) n, 0.012);
        assertEquals(0.2964, other / (double) n, 0.012);
    }

    @Test
    void futureGoalsStayInTheTrajectory() {
        Dataset d = trajectories(DatasetMode.REGULAR);
        for (boolean geom : new boolean[]{false, true}) {
            GoalConfig c = GoalConfig.defaults().withDiscount(0.9).withValueGoals(0, 1, 0, geom).withActorGoals(0, 1, 0, geom);
            GoalSampler s = new GoalSampler(d, c);
            Rng rng = new Rng(5);
            for (int k = 0; k < 20000; k++) {
                int idx = s.randomIndex(rng);
                int fin = s.finalStateIndex(idx);
                int g = s.sampleActorGoal(idx, rng);
                assertEquals(trajectoryOf(d, idx), trajectoryOf(d, g), "goal left the trajectory");
                assertTrue(g <= fin);
                if (idx < fin) assertTrue(g > idx, "future goal must be later than idx unless idx is final");
                else assertEquals(idx, g);
            }
        }
    }

    @Test
    void geometricOffsetsHaveNumpysDistribution() {
        Rng rng = new Rng(9);
        int n = 100000;
        double sum = 0;
        int ones = 0;
        long min = Long.MAX_VALUE;
        for (int k = 0; k < n; k++) {
            long g = GoalSampler.geometric(0.1, rng);
            sum += g;
            if (g == 1) ones++;
            min = Math.min(min, g);
        }
        assertEquals(1, min);
        assertEquals(10.0, sum / n, 0.15);         // mean 1/p
        assertEquals(0.1, ones / (double) n, 0.005); // P(1) = p
        assertEquals(1, GoalSampler.geometric(1.0, rng));
    }

    @Test
    void uniformFutureGoalsCoverTheRestOfTheTrajectory() {
        Dataset d = trajectories(DatasetMode.REGULAR);
        GoalSampler s = new GoalSampler(d, GoalConfig.defaults().withValueGoals(0, 1, 0, false));
        Rng rng = new Rng(1);
        int idx = 50; // 25 transitions per trajectory: regular rows 50..74 are trajectory 2
        int fin = s.finalStateIndex(idx);
        assertEquals(74, fin);
        int[] counts = new int[fin + 1];
        for (int k = 0; k < 24000; k++) counts[s.sampleValueGoal(idx, rng)]++;
        assertEquals(0, counts[idx]);
        // round((idx+1) u + fin (1-u)): interior rows get ~1/23 each, the two ends half as much
        for (int g = idx + 2; g < fin; g++) assertEquals(1000, counts[g], 150, "row " + g);
        assertEquals(500, counts[idx + 1], 120);
        assertEquals(500, counts[fin], 120);
    }

    @Test
    void oneStepBatchRewardsAndGoals() {
        Dataset d = trajectories(DatasetMode.REGULAR);
        GoalSampler s = new GoalSampler(d, GoalConfig.defaults());
        GoalBatch b = s.sample(5000, Seeds.rng(1, "gc"));
        int successes = 0;
        for (int e = 0; e < b.batchSize(); e++) {
            int idx = b.indices()[e];
            boolean success = b.valueGoalIndices()[e] == idx;
            successes += success ? 1 : 0;
            assertEquals(success ? 1f : 0f, b.rewards()[e]);
            assertEquals(success ? 0f : 1f, b.masks()[e]);
            assertEquals(d.observations()[idx * 3], b.observations()[e * 3]);
            assertEquals(d.nextObservations()[idx * 3], b.nextObservations()[e * 3]);
            assertEquals(d.actions()[idx], b.actions()[e]);
            int ag = b.actorGoalIndices()[e];
            for (int c = 0; c < 3; c++) { // goal = observation of the goal row
                assertEquals(d.observations()[b.valueGoalIndices()[e] * 3 + c], b.valueGoals()[e * 3 + c]);
                assertEquals(d.observations()[ag * 3 + c], b.actorGoals()[e * 3 + c]);
            }
            assertTrue(ag > idx || ag == s.finalStateIndex(idx), "default actor goals are future goals");
            assertEquals(trajectoryOf(d, idx), trajectoryOf(d, ag));
        }
        assertEquals(0.2, successes / 5000.0, 0.03);

        GoalSampler neg = new GoalSampler(d, GoalConfig.defaults().withNegativeReward(true));
        GoalBatch nb = neg.sample(200, new Rng(2));
        for (int e = 0; e < nb.batchSize(); e++) {
            assertEquals(nb.valueGoalIndices()[e] == nb.indices()[e] ? 0f : -1f, nb.rewards()[e]);
        }
    }

    @Test
    void actorMixAndGoalSlice() {
        Dataset d = trajectories(DatasetMode.REGULAR);
        GoalConfig c = GoalConfig.defaults().withActorGoals(0, 0.5, 0.5, true);
        GoalSampler s = GoalSampler.observationSlice(d, c, 1, 3);
        assertEquals(2, s.goalDim());
        GoalBatch b = s.sample(4000, new Rng(4));
        int sameTraj = 0;
        for (int e = 0; e < b.batchSize(); e++) {
            int ag = b.actorGoalIndices()[e];
            assertEquals(trajectoryOf(d, ag), b.actorGoals()[e * 2]);
            assertEquals(7f, b.actorGoals()[e * 2 + 1]);
            if (trajectoryOf(d, ag) == trajectoryOf(d, b.indices()[e]) && ag >= b.indices()[e]) sameTraj++;
        }
        assertEquals(0.5, sameTraj / 4000.0, 0.04);
        assertThrows(IllegalArgumentException.class, () -> GoalConfig.defaults().withActorGoals(0, 0.5, 0.4, true));
    }

    @Test
    void compactDatasetsNeverUseInvalidRows() {
        Dataset d = trajectories(DatasetMode.COMPACT);
        GoalSampler s = new GoalSampler(d, GoalConfig.defaults());
        Rng rng = new Rng(8);
        for (int k = 0; k < 20000; k++) {
            int idx = s.randomIndex(rng);
            assertTrue(d.valids()[idx]);
            int fin = s.finalStateIndex(idx);
            assertTrue(d.valids()[fin], "compact final state is the last valid transition");
            int g = s.sampleValueGoal(idx, rng);
            assertTrue(d.valids()[g], "goal on invalid row " + g);
        }
    }

    /** Brute force for one goal chunk: per-row labels against the goal, the chunk recursion, goal absorbing. */
    static void assertGoalChunk(Dataset d, GoalChunkBatch b, int e, int goal, double gamma, float offset) {
        int h = b.horizon();
        int idx = b.startIndices()[e];
        double reward = 0, mask = 1;
        boolean term = false, reached = false;
        for (int i = 0; i < h; i++) {
            int j = idx + i;
            boolean valid = i == 0 || !term;
            double r = (j == goal ? 1 : 0) + offset;
            if (valid && !reached) reward += Math.pow(gamma, i) * r;
            if (valid && j == goal) {
                mask = 0;
                reached = true;
            }
            term |= d.terminals()[j];
            assertEquals(valid ? 1f : 0f, b.valid()[e * h + i]);
            assertEquals((float) reward, b.rewards()[e * h + i], 1e-6, "start " + idx + " goal " + goal + " step " + i);
            assertEquals((float) mask, b.masks()[e * h + i], "start " + idx + " goal " + goal + " step " + i);
        }
    }

    @Test
    void goalChunksMatchBruteForce() {
        Dataset d = trajectories(DatasetMode.REGULAR);
        for (float offset : new float[]{0f, -1f}) {
            GoalConfig c = GoalConfig.defaults().withDiscount(0.8).withNegativeReward(offset < 0);
            GoalSampler s = new GoalSampler(d, c);
            GoalChunkBatch b = s.sampleChunks(3000, 4, Seeds.rng(2, "gc-chunks"));
            ChunkSampler plain = new ChunkSampler(d, 4, 0.8);
            ChunkBatch ref = plain.newBatch(1);
            for (int e = 0; e < b.batchSize(); e++) {
                int goal = b.valueGoalIndices()[e];
                assertGoalChunk(d, b, e, goal, 0.8, offset);
                // actions, validity, next observations are the plain chunk's
                plain.fill(ref, 0, b.startIndices()[e]);
                for (int i = 0; i < 4; i++) {
                    assertEquals(ref.actions()[i], b.actions()[e * 4 + i]);
                    assertEquals(ref.nextObservations()[i * 3], b.nextObservations()[(e * 4 + i) * 3]);
                    assertEquals(ref.terminals()[i], b.terminals()[e * 4 + i]);
                }
                assertEquals(d.observations()[goal * 3], b.valueGoals()[e * 3]);
            }
        }
    }

    @Test
    void handComputedGoalChunk() {
        Dataset d = trajectories(DatasetMode.REGULAR);
        GoalSampler s = new GoalSampler(d, GoalConfig.defaults().withDiscount(0.5).withNegativeReward(true));
        GoalChunkBatch b = s.newChunkBatch(1, 4);
        s.fillChunk(b, 0, 10, 12, 20); // goal reached at step 2
        assertArrayEquals(new float[]{-1, -1.5f, -1.5f, -1.5f}, b.rewards());
        assertArrayEquals(new float[]{1, 1, 0, 0}, b.masks());
        assertArrayEquals(new float[]{12, 0, 7}, b.valueGoals());
        assertArrayEquals(new float[]{20, 0, 7}, b.actorGoals());
        GoalSampler pos = new GoalSampler(d, GoalConfig.defaults().withDiscount(0.5));
        pos.fillChunk(b, 0, 10, 12, 20);
        assertArrayEquals(new float[]{0, 0, 0.25f, 0.25f}, b.rewards());
        // H = 1 reduces to the one-step convention
        GoalChunkBatch one = pos.newChunkBatch(1, 1);
        pos.fillChunk(one, 0, 10, 10, 11);
        assertArrayEquals(new float[]{1}, one.rewards());
        assertArrayEquals(new float[]{0}, one.masks());
        pos.fillChunk(one, 0, 10, 11, 11);
        assertArrayEquals(new float[]{0}, one.rewards());
        assertArrayEquals(new float[]{1}, one.masks());
    }
}
