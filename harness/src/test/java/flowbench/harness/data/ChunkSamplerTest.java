package flowbench.harness.data;

import flowbench.harness.rng.Rng;
import flowbench.harness.rng.Seeds;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ChunkSamplerTest {

    /**
     * A hand-made REGULAR dataset of 9 transitions in three trajectories: rows 0-3 (terminal at 3), 4-6 (terminal at
     * 6), 7-8 (terminal at 8). obs = (10 t, 1), next_obs = (10 t + 1, 2), action = (t, -t), reward = t + 1, mask 0 at
     * rows 2 and 5 only.
     */
    static Dataset handMade() {
        int n = 9;
        float[] obs = new float[n * 2];
        float[] next = new float[n * 2];
        float[] act = new float[n * 2];
        float[] rew = new float[n];
        float[] mask = new float[n];
        for (int t = 0; t < n; t++) {
            obs[2 * t] = 10 * t;
            obs[2 * t + 1] = 1;
            next[2 * t] = 10 * t + 1;
            next[2 * t + 1] = 2;
            act[2 * t] = t;
            act[2 * t + 1] = -t;
            rew[t] = t + 1;
            mask[t] = (t == 2 || t == 5) ? 0 : 1;
        }
        boolean[] term = {false, false, false, true, false, false, true, false, true};
        boolean[] valid = new boolean[n];
        java.util.Arrays.fill(valid, true);
        return new Dataset(n, 2, 2, obs, act, next, rew, mask, term, valid, Map.of(), Map.of(), DatasetMode.REGULAR, null, null);
    }

    /** Straight transcription of docs/qam.md section 0.1 for one start index (float64 like the Python reference). */
    static final class Ref {
        double[] rewards, masks, valid, terminals;
        double[][] next, actions;
    }

    static Ref reference(Dataset d, int idx, int h, double gamma) {
        Ref r = new Ref();
        r.rewards = new double[h];
        r.masks = new double[h];
        r.valid = new double[h];
        r.terminals = new double[h];
        r.next = new double[h][d.obsDim()];
        r.actions = new double[h][d.actionDim()];
        for (int i = 0; i < h; i++) {
            int j = idx + i;
            double term = d.terminals()[j] ? 1 : 0;
            for (int c = 0; c < d.actionDim(); c++) r.actions[i][c] = d.actions()[j * d.actionDim() + c];
            double[] sj = new double[d.obsDim()];
            for (int c = 0; c < d.obsDim(); c++) sj[c] = d.nextObservations()[j * d.obsDim() + c];
            if (i == 0) {
                r.valid[0] = 1;
                r.rewards[0] = d.rewards()[j];
                r.masks[0] = d.masks()[j];
                r.terminals[0] = term;
                r.next[0] = sj;
            } else {
                r.valid[i] = 1 - r.terminals[i - 1];
                r.rewards[i] = r.rewards[i - 1] + Math.pow(gamma, i) * d.rewards()[j] * r.valid[i];
                r.masks[i] = r.valid[i] == 1 ? Math.min(r.masks[i - 1], d.masks()[j]) : r.masks[i - 1];
                r.terminals[i] = Math.max(r.terminals[i - 1], term);
                r.next[i] = r.valid[i] == 1 ? sj : r.next[i - 1];
            }
        }
        return r;
    }

    static void assertMatchesReference(Dataset d, ChunkBatch b, int e, double gamma) {
        int h = b.horizon();
        int idx = b.startIndices()[e];
        Ref r = reference(d, idx, h, gamma);
        for (int c = 0; c < d.obsDim(); c++) assertEquals(d.observations()[idx * d.obsDim() + c], b.observations()[e * d.obsDim() + c]);
        for (int i = 0; i < h; i++) {
            String at = "start " + idx + " step " + i;
            assertEquals((float) r.rewards[i], b.rewards()[e * h + i], 1e-6, at);
            assertEquals((float) r.masks[i], b.masks()[e * h + i], at);
            assertEquals((float) r.valid[i], b.valid()[e * h + i], at);
            assertEquals((float) r.terminals[i], b.terminals()[e * h + i], at);
            for (int c = 0; c < d.actionDim(); c++) {
                assertEquals((float) r.actions[i][c], b.actions()[(e * h + i) * d.actionDim() + c], at);
            }
            for (int c = 0; c < d.obsDim(); c++) {
                assertEquals((float) r.next[i][c], b.nextObservations()[(e * h + i) * d.obsDim() + c], at);
            }
        }
    }

    @Test
    void everyStartMatchesTheReference() {
        Dataset d = handMade();
        for (int h : new int[]{1, 2, 3, 5}) {
            ChunkSampler s = new ChunkSampler(d, h, 0.9);
            assertEquals(d.size() - h + 1, s.numStarts());
            ChunkBatch b = s.newBatch(d.size() - h + 1);
            for (int idx = 0; idx <= d.size() - h; idx++) s.fill(b, idx, idx);
            for (int e = 0; e < b.batchSize(); e++) assertMatchesReference(d, b, e, 0.9);
        }
    }

    @Test
    void handComputedChunkAcrossAnEpisodeBoundary() {
        // start 2, H = 4, gamma = 0.5: rows 2, 3 (terminal), 4, 5. Steps 2 and 3 are past the boundary.
        Dataset d = handMade();
        ChunkSampler s = new ChunkSampler(d, 4, 0.5);
        ChunkBatch b = s.newBatch(1);
        s.fill(b, 0, 2);
        assertArrayEquals(new float[]{1, 1, 0, 0}, b.valid());
        assertArrayEquals(new float[]{0, 1, 1, 1}, b.terminals());
        assertArrayEquals(new float[]{3, 3 + 0.5f * 4, 5, 5}, b.rewards());
        assertArrayEquals(new float[]{0, 0, 0, 0}, b.masks()); // row 2 has mask 0
        assertArrayEquals(new float[]{21, 2, 31, 2, 31, 2, 31, 2}, b.nextObservations());
        assertArrayEquals(new float[]{2, -2, 3, -3, 4, -4, 5, -5}, b.actions()); // raw actions past the boundary
        assertArrayEquals(new float[]{20, 1}, b.observations());
        assertArrayEquals(new float[]{5}, b.lastRewards());
        assertArrayEquals(new float[]{0}, b.lastValid());
        assertArrayEquals(new float[]{31, 2}, b.lastNextObservations());
        assertArrayEquals(new float[]{2, -2}, b.firstActions());
        assertEquals(8, b.chunkActionDim());

        // start 3 (terminal row), H = 2: second step invalid, mask 1 kept, next frozen at s'_3
        s = new ChunkSampler(d, 2, 0.5);
        b = s.newBatch(1);
        s.fill(b, 0, 3);
        assertArrayEquals(new float[]{1, 0}, b.valid());
        assertArrayEquals(new float[]{4, 4}, b.rewards());
        assertArrayEquals(new float[]{1, 1}, b.masks());
        assertArrayEquals(new float[]{31, 2, 31, 2}, b.nextObservations());

        // start 0, H = 3: mask min picks up row 2's 0 at the last step; reward 1 + .5*2 + .25*3
        s = new ChunkSampler(d, 3, 0.5);
        b = s.newBatch(1);
        s.fill(b, 0, 0);
        assertArrayEquals(new float[]{1, 2, 2.75f}, b.rewards());
        assertArrayEquals(new float[]{1, 1, 0}, b.masks());
        assertArrayEquals(new float[]{1, 1, 1}, b.valid());
    }

    @Test
    void randomBatchesMatchReferenceAndCoverAllStarts() {
        Dataset d = handMade();
        ChunkSampler s = new ChunkSampler(d, 3, 0.99);
        ChunkBatch b = s.newBatch(4096);
        s.sampleInto(b, Seeds.rng(7, "chunks"));
        int[] counts = new int[d.size()];
        for (int e = 0; e < b.batchSize(); e++) {
            counts[b.startIndices()[e]]++;
            assertMatchesReference(d, b, e, 0.99);
        }
        for (int idx = 0; idx < d.size(); idx++) {
            if (idx <= d.size() - 3) assertTrue(counts[idx] > 4096 / 7 * 0.75, "start " + idx + " drawn " + counts[idx]);
            else assertEquals(0, counts[idx], "start " + idx + " past size - H");
        }
        // same seed => same batch, whether allocated or refilled
        ChunkBatch again = s.sample(4096, Seeds.rng(7, "chunks"));
        assertArrayEquals(b.startIndices(), again.startIndices());
        assertArrayEquals(b.rewards(), again.rewards());
    }

    @Test
    void compactDatasetsStartOnValidRowsAndNeverReadInvalidSuccessors() {
        // raw rows: episode A rows 0..3, B rows 4..6 (see DatasetsTest)
        LinkedHashMap<String, NpyArray> raw = DatasetsTest.twoEpisodes();
        Dataset d = Datasets.fromRaw(raw, LoadOptions.defaults().withMode(DatasetMode.COMPACT), DatasetsTest.QPOS_AT_LEAST_2);
        ChunkSampler s = new ChunkSampler(d, 2, 0.9);
        assertEquals(5, s.numStarts()); // rows 0,1,2,4,5 (row 3 invalid, row 6 beyond size - H)
        ChunkBatch b = s.sample(2000, new Rng(11));
        boolean sawStart5 = false;
        for (int e = 0; e < b.batchSize(); e++) {
            int idx = b.startIndices()[e];
            assertTrue(d.valids()[idx], "start on invalid row " + idx);
            sawStart5 |= idx == 5;
            assertMatchesReference(d, b, e, 0.9);
            for (int i = 0; i < 2; i++) {
                if (b.valid()[e * 2 + i] == 1f) assertTrue(d.valids()[idx + i], "valid step on invalid row " + (idx + i));
            }
        }
        assertTrue(sawStart5);
        // start 2 (last real transition of A): step 1 lands on the final row 3 and must be invalid
        ChunkBatch one = s.newBatch(1);
        s.fill(one, 0, 2);
        assertArrayEquals(new float[]{1, 0}, one.valid());
        assertArrayEquals(new float[]{3, 30, 3, 30}, one.nextObservations());
    }

    @Test
    void rejectsBadArguments() {
        Dataset d = handMade();
        assertThrows(IllegalArgumentException.class, () -> new ChunkSampler(d, 0, 0.9));
        assertThrows(IllegalArgumentException.class, () -> new ChunkSampler(d, 10, 0.9));
        assertThrows(IllegalArgumentException.class, () -> new ChunkSampler(d, 2, 1.5));
        ChunkSampler s = new ChunkSampler(d, 2, 0.9);
        assertThrows(IndexOutOfBoundsException.class, () -> s.fill(s.newBatch(1), 0, 8));
        assertThrows(IllegalArgumentException.class, () -> s.sampleInto(new ChunkBatch(4, 3, 2, 2), new Rng(1)));
    }
}
