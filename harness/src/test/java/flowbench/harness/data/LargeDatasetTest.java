package flowbench.harness.data;

import flowbench.harness.rng.Rng;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;

import static org.junit.jupiter.api.Assertions.*;

/** 1000 episodes x 1000 steps (1,001,000 raw rows, antmaze-like widths): write, hash, load, sample; prints timings. */
@Tag("slow")
class LargeDatasetTest {
    @TempDir
    Path dir;

    @Test
    void millionRowRoundTrip() throws Exception {
        int episodes = 1000, steps = 1000, obsDim = 29, actDim = 8, nq = 15, nv = 14;
        int n = episodes * (steps + 1);
        Rng rng = new Rng(1);
        float[] obs = new float[n * obsDim];
        float[] act = new float[n * actDim];
        float[] qpos = new float[n * nq];
        float[] qvel = new float[n * nv];
        boolean[] term = new boolean[n];
        for (int i = 0; i < obs.length; i++) obs[i] = (float) rng.nextGaussian();
        for (int i = 0; i < act.length; i++) act[i] = (float) rng.uniform(-1.2, 1.2);
        for (int i = 0; i < qpos.length; i++) qpos[i] = (float) rng.nextGaussian();
        for (int i = 0; i < qvel.length; i++) qvel[i] = (float) rng.nextGaussian();
        for (int r = 0; r < n; r++) term[r] = (r + 1) % (steps + 1) == 0;
        LinkedHashMap<String, NpyArray> m = new LinkedHashMap<>();
        m.put("observations", NpyArray.of(obs, n, obsDim));
        m.put("actions", NpyArray.of(act, n, actDim));
        m.put("terminals", NpyArray.of(term, n));
        m.put("qpos", NpyArray.of(qpos, n, nq));
        m.put("qvel", NpyArray.of(qvel, n, nv));
        Path f = dir.resolve("big.npz");

        long t0 = System.nanoTime();
        Npz.write(f, m);
        long t1 = System.nanoTime();
        String sha = Sha256.ofFile(f);
        long t2 = System.nanoTime();
        Npz.read(f);
        long t3 = System.nanoTime();
        Dataset d = Datasets.load(f, LoadOptions.defaults(), null);
        long t4 = System.nanoTime();
        Dataset c = Datasets.load(f, LoadOptions.defaults().withMode(DatasetMode.COMPACT).withKeepExtras(true),
                (fields, rows, rewards, success) -> {
                    float[] q = fields.get("qpos");
                    for (int i = 0; i < rows; i++) {
                        success[i] = q[i * nq] > 2f;
                        rewards[i] = success[i] ? 0f : -1f;
                    }
                });
        long t5 = System.nanoTime();
        ChunkSampler s = new ChunkSampler(d, 5, 0.99);
        ChunkBatch b = s.newBatch(256);
        for (int i = 0; i < 200; i++) s.sampleInto(b, rng);
        long t6 = System.nanoTime();
        int iters = 2000;
        for (int i = 0; i < iters; i++) s.sampleInto(b, rng);
        long t7 = System.nanoTime();

        assertEquals(1_000_000, d.size());
        assertEquals(n, c.size());
        assertEquals(sha, d.sha256());
        System.out.printf("file %.1f MB; write %.2f s, sha256 %.2f s, Npz.read %.2f s, load regular %.2f s,"
                        + " load compact+relabel+extras %.2f s, chunk batch B=256 H=5 %.1f us%n",
                Files.size(f) / 1e6, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (t4 - t3) / 1e9,
                (t5 - t4) / 1e9, (t7 - t6) / 1e3 / iters);
    }
}
