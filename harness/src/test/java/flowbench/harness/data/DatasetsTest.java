package flowbench.harness.data;

import flowbench.harness.env.Relabeler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class DatasetsTest {
    @TempDir
    Path dir;

    static final float C = Datasets.ACTION_CLIP;

    /**
     * Two episodes in OGBench's raw layout: A = rows 0..3 (3 steps), B = rows 4..6 (2 steps).
     * obs[r] = (r, 10r), action[r] = 0.1r except rows 2 (1.5) and 5 (-3) which need clipping; qpos[r] = r.
     */
    static LinkedHashMap<String, NpyArray> twoEpisodes() {
        int n = 7;
        float[] obs = new float[n * 2];
        float[] act = new float[n];
        float[] qpos = new float[n];
        float[] qvel = new float[n * 2];
        long[] buttons = new long[n];
        for (int r = 0; r < n; r++) {
            obs[2 * r] = r;
            obs[2 * r + 1] = 10 * r;
            act[r] = 0.1f * r;
            qpos[r] = r;
            qvel[2 * r] = -r;
            qvel[2 * r + 1] = r;
            buttons[r] = r % 2;
        }
        act[2] = 1.5f;
        act[5] = -3f;
        LinkedHashMap<String, NpyArray> m = new LinkedHashMap<>();
        m.put("observations", NpyArray.of(obs, n, 2));
        m.put("actions", NpyArray.of(act, n, 1));
        m.put("terminals", NpyArray.of(new boolean[]{false, false, false, true, false, false, true}, n));
        m.put("qpos", NpyArray.of(qpos, n, 1));
        m.put("qvel", NpyArray.of(qvel, n, 2));
        m.put("button_states", NpyArray.of(buttons, n, 1));
        return m;
    }

    /** success when qpos >= 2; reward = success - 1 (locomotion convention). */
    static final Relabeler QPOS_AT_LEAST_2 = (fields, rows, rewards, success) -> {
        float[] q = fields.get("qpos");
        for (int i = 0; i < rows; i++) {
            success[i] = q[i] >= 2f;
            rewards[i] = success[i] ? 0f : -1f;
        }
    };

    Path write(LinkedHashMap<String, NpyArray> m, String name) throws IOException {
        Path f = dir.resolve(name);
        Npz.write(f, m);
        return f;
    }

    @Test
    void regularModeExactArrays() throws IOException {
        Path f = write(twoEpisodes(), "two.npz");
        Dataset d = Datasets.load(f, LoadOptions.defaults(), QPOS_AT_LEAST_2);
        assertEquals(5, d.size());
        assertEquals(2, d.obsDim());
        assertEquals(1, d.actionDim());
        assertEquals(DatasetMode.REGULAR, d.mode());
        assertArrayEquals(new float[]{0, 0, 1, 10, 2, 20, 4, 40, 5, 50}, d.observations());
        assertArrayEquals(new float[]{1, 10, 2, 20, 3, 30, 5, 50, 6, 60}, d.nextObservations());
        assertArrayEquals(new float[]{0f, 0.1f, C, 0.4f, -C}, d.actions());
        assertArrayEquals(new boolean[]{false, false, true, false, true}, d.terminals());
        assertArrayEquals(new boolean[]{true, true, true, true, true}, d.valids());
        // rewards on the transition's own state s (qpos of rows 0,1,2,4,5)
        assertArrayEquals(new float[]{-1, -1, 0, 0, 0}, d.rewards());
        assertArrayEquals(new float[]{1, 1, 0, 0, 0}, d.masks());
        assertTrue(d.extras().isEmpty());
        assertEquals(f, d.source());
        assertEquals(Sha256.ofFile(f), d.sha256());
    }

    @Test
    void compactModeExactArrays() throws IOException {
        Path f = write(twoEpisodes(), "two.npz");
        Dataset d = Datasets.load(f, LoadOptions.defaults().withMode(DatasetMode.COMPACT), QPOS_AT_LEAST_2);
        assertEquals(7, d.size());
        assertEquals(DatasetMode.COMPACT, d.mode());
        assertArrayEquals(new float[]{0, 0, 1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60}, d.observations());
        // final rows (3, 6) hold their own observation as a finite placeholder
        assertArrayEquals(new float[]{1, 10, 2, 20, 3, 30, 3, 30, 5, 50, 6, 60, 6, 60}, d.nextObservations());
        assertArrayEquals(new boolean[]{true, true, true, false, true, true, false}, d.valids());
        assertArrayEquals(new boolean[]{false, false, true, true, false, true, true}, d.terminals());
        assertArrayEquals(new float[]{0f, 0.1f, C, 0.3f, 0.4f, -C, 0.6f}, d.actions());
        assertArrayEquals(new float[]{-1, -1, 0, 0, 0, 0, 0}, d.rewards());
        assertArrayEquals(new float[]{1, 1, 0, 0, 0, 0, 0}, d.masks());
    }

    @Test
    void withoutRelabelerRewardsZeroMasksOne() throws IOException {
        Dataset d = Datasets.load(write(twoEpisodes(), "gc.npz"), LoadOptions.defaults(), null);
        assertArrayEquals(new float[5], d.rewards());
        assertArrayEquals(new float[]{1, 1, 1, 1, 1}, d.masks());
    }

    @Test
    void clippingCanBeTurnedOff() throws IOException {
        Dataset d = Datasets.load(write(twoEpisodes(), "noclip.npz"), LoadOptions.defaults().withClipActions(false), null);
        assertArrayEquals(new float[]{0f, 0.1f, 1.5f, 0.4f, -3f}, d.actions());
        assertEquals(0.99999f, C);
    }

    @Test
    void extrasKeptOnRequestWithRegularRowMask() throws IOException {
        Path f = write(twoEpisodes(), "extras.npz");
        Dataset d = Datasets.load(f, LoadOptions.defaults().withKeepExtras(true), null);
        assertEquals(Set.of("qpos", "qvel", "button_states"), d.extras().keySet());
        assertEquals(1, d.extraDims().get("qpos"));
        assertEquals(2, d.extraDims().get("qvel"));
        assertArrayEquals(new float[]{0, 1, 2, 4, 5}, d.extras().get("qpos"));
        assertArrayEquals(new float[]{0, 0, -1, 1, -2, 2, -4, 4, -5, 5}, d.extras().get("qvel"));
        assertArrayEquals(new float[]{0, 1, 0, 0, 1}, d.extras().get("button_states"));
        Dataset c = Datasets.load(f, new LoadOptions(DatasetMode.COMPACT, true, true), null);
        assertArrayEquals(new float[]{0, 1, 2, 3, 4, 5, 6}, c.extras().get("qpos"));
    }

    @Test
    void relabelerSeesLoadedRowsAndAllFields() throws IOException {
        Map<String, float[]> seen = new HashMap<>();
        int[] rowsSeen = {-1};
        Relabeler spy = (fields, rows, rewards, success) -> {
            seen.putAll(fields);
            rowsSeen[0] = rows;
        };
        Datasets.load(write(twoEpisodes(), "spy.npz"), LoadOptions.defaults(), spy);
        assertEquals(5, rowsSeen[0]);
        assertEquals(Set.of("observations", "actions", "qpos", "qvel", "button_states"), seen.keySet());
        assertArrayEquals(new float[]{0, 1, 2, 4, 5}, seen.get("qpos"));
    }

    static LinkedHashMap<String, NpyArray> episodes(int episodes, int steps) {
        int n = episodes * (steps + 1);
        float[] obs = new float[n * 3];
        float[] act = new float[n * 2];
        boolean[] term = new boolean[n];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < 3; c++) obs[3 * r + c] = r + 0.25f * c;
            act[2 * r] = (r % 7) / 7f;
            act[2 * r + 1] = -(r % 5) / 5f;
            term[r] = (r + 1) % (steps + 1) == 0;
        }
        LinkedHashMap<String, NpyArray> m = new LinkedHashMap<>();
        m.put("observations", NpyArray.of(obs, n, 3));
        m.put("actions", NpyArray.of(act, n, 2));
        m.put("terminals", NpyArray.of(term, n));
        return m;
    }

    @Test
    void exactSizes() throws IOException {
        Path f = write(episodes(3, 5), "sizes.npz");
        assertEquals(18, Npz.readHeaders(f).get("observations").dim(0));
        Dataset r = Datasets.load(f, LoadOptions.defaults(), null);
        Dataset c = Datasets.load(f, LoadOptions.defaults().withMode(DatasetMode.COMPACT), null);
        assertEquals(15, r.size());
        assertEquals(18, c.size());
        int terminals = 0;
        for (boolean t : r.terminals()) if (t) terminals++;
        assertEquals(3, terminals);
        int invalid = 0;
        for (boolean v : c.valids()) if (!v) invalid++;
        assertEquals(3, invalid);
    }

    @Test
    void trainValPair() throws IOException {
        Npz.write(dir.resolve("toy-navigate-v0.npz"), episodes(10, 4));
        Npz.write(dir.resolve("toy-navigate-v0-val.npz"), episodes(1, 4));
        Datasets.TrainVal tv = Datasets.loadTrainVal(dir, "toy-navigate-v0", LoadOptions.defaults(), null);
        assertEquals(40, tv.train().size());
        assertEquals(4, tv.val().size());
        assertNotEquals(tv.train().sha256(), tv.val().sha256());
        Files.delete(dir.resolve("toy-navigate-v0-val.npz"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> Datasets.loadTrainVal(dir, "toy-navigate-v0.npz", LoadOptions.defaults(), null));
        assertTrue(e.getMessage().contains("toy-navigate-v0-val.npz"), e.getMessage());
    }

    @Test
    void fromRawLeavesInputsUntouched() {
        LinkedHashMap<String, NpyArray> raw = twoEpisodes();
        float[] before = ((float[]) raw.get("actions").data()).clone();
        Dataset d = Datasets.fromRaw(raw, LoadOptions.defaults().withMode(DatasetMode.COMPACT), null);
        assertArrayEquals(before, (float[]) raw.get("actions").data());
        assertNotSame(raw.get("observations").data(), d.observations());
        assertNull(d.source());
        assertNull(d.sha256());
    }

    @Test
    void float64ObservationsAreNarrowed() {
        LinkedHashMap<String, NpyArray> raw = twoEpisodes();
        raw.put("observations", NpyArray.of(new double[]{0, 0, 1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 0.1}, 7, 2));
        Dataset d = Datasets.fromRaw(raw, LoadOptions.defaults(), null);
        assertEquals(0.1f, d.nextObservations()[9]);
    }

    // ---- content errors: message names the file and the key

    private void assertLoadFails(LinkedHashMap<String, NpyArray> m, String name, String key, String... parts) throws IOException {
        Path f = write(m, name);
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> Datasets.load(f, LoadOptions.defaults(), QPOS_AT_LEAST_2));
        assertTrue(e.getMessage().contains(name), e.getMessage());
        assertTrue(e.getMessage().contains("key '" + key + "'"), e.getMessage());
        assertEquals(key, e.key());
        for (String p : parts) assertTrue(e.getMessage().contains(p), "lacks '" + p + "': " + e.getMessage());
    }

    @Test
    void missingKey() throws IOException {
        LinkedHashMap<String, NpyArray> m = twoEpisodes();
        m.remove("terminals");
        assertLoadFails(m, "missing.npz", "terminals", "missing");
    }

    @Test
    void wrongDtype() throws IOException {
        LinkedHashMap<String, NpyArray> m = twoEpisodes();
        m.put("observations", NpyArray.of(new int[14], 7, 2));
        assertLoadFails(m, "dtype.npz", "observations", "expected a 2-D float32 array", "<i4 shape (7, 2)");
    }

    @Test
    void wrongShape() throws IOException {
        LinkedHashMap<String, NpyArray> m = twoEpisodes();
        m.put("observations", NpyArray.of(new float[14], 14));
        assertLoadFails(m, "shape.npz", "observations", "expected a 2-D float32 array", "(14,)");
        LinkedHashMap<String, NpyArray> t = twoEpisodes();
        t.put("terminals", NpyArray.of(new boolean[7], 7, 1));
        assertLoadFails(t, "tshape.npz", "terminals", "expected a 1-D bool array");
    }

    @Test
    void lengthsDisagree() throws IOException {
        LinkedHashMap<String, NpyArray> m = twoEpisodes();
        m.put("actions", NpyArray.of(new float[6], 6, 1));
        assertLoadFails(m, "rows.npz", "actions", "has 6 rows", "expected 7");
        LinkedHashMap<String, NpyArray> q = twoEpisodes();
        q.put("qpos", NpyArray.of(new float[8], 8, 1));
        assertLoadFails(q, "qrows.npz", "qpos", "has 8 rows", "expected 7");
    }

    @Test
    void nonFiniteValues() throws IOException {
        LinkedHashMap<String, NpyArray> m = twoEpisodes();
        ((float[]) m.get("observations").data())[5] = Float.NaN;
        assertLoadFails(m, "nan.npz", "observations", "NaN", "row 2, column 1");
        LinkedHashMap<String, NpyArray> a = twoEpisodes();
        ((float[]) a.get("actions").data())[6] = Float.NEGATIVE_INFINITY;
        assertLoadFails(a, "inf.npz", "actions", "-Infinity", "row 6");
    }

    @Test
    void episodeStructure() throws IOException {
        LinkedHashMap<String, NpyArray> m = twoEpisodes();
        m.put("terminals", NpyArray.of(new boolean[]{false, false, false, true, false, false, false}, 7));
        assertLoadFails(m, "open.npz", "terminals", "last row (6) does not end an episode");
        LinkedHashMap<String, NpyArray> s = twoEpisodes();
        s.put("terminals", NpyArray.of(new boolean[]{false, false, false, true, true, false, true}, 7));
        assertLoadFails(s, "single.npz", "terminals", "episode at row 4 has a single row");
        LinkedHashMap<String, NpyArray> v = twoEpisodes();
        v.put("terminals", NpyArray.of(new int[]{0, 0, 0, 1, 0, 2, 1}, 7));
        assertLoadFails(v, "two.npz", "terminals", "value 2.0 at row 5");
        LinkedHashMap<String, NpyArray> ok = twoEpisodes();
        ok.put("terminals", NpyArray.of(new int[]{0, 0, 0, 1, 0, 0, 1}, 7));
        assertEquals(5, Datasets.fromRaw(ok, LoadOptions.defaults(), null).size());
    }

    @Test
    void sha256OfKnownBytes() throws IOException {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                Sha256.ofBytes("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        Path f = dir.resolve("abc.bin");
        Files.writeString(f, "abc");
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256.ofFile(f));
        byte[] big = new byte[(1 << 20) * 3 + 17];
        for (int i = 0; i < big.length; i++) big[i] = (byte) (i * 31);
        Path g = dir.resolve("big.bin");
        Files.write(g, big);
        assertEquals(Sha256.ofBytes(big), Sha256.ofFile(g));
    }
}
