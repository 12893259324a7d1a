package flowbench.harness.data;

import flowbench.harness.testing.Pythons;
import flowbench.testkit.Requirement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Cross-checks the codec and the loader against real NumPy when a Python with numpy is available
 * ({@code FLOWBENCH_PYTHON}, else {@code python3}); skipped otherwise.
 */
class NumpyCrossCheckTest {
    static String python;

    @TempDir
    Path dir;

    @BeforeAll
    static void findNumpy() {
        python = Pythons.withNumpy();
    }

    static String run(String script, Path... args) throws Exception {
        Requirement.NUMPY.assume(python != null, "a python3 with NumPy");
        List<String> cmd = new ArrayList<>(List.of(python, "-c", script));
        for (Path a : args) cmd.add(a.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "python timed out");
        assertEquals(0, p.exitValue(), "python failed:\n" + out);
        return out;
    }

    static String dataSha(NpyArray a) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        NpyFormat.writeData(a, b, null, new byte[NpyFormat.CHUNK]);
        return Sha256.ofBytes(b.toByteArray());
    }

    /** numpy's view of every array: dtype, shape, hash of the C-order bytes, hash of np.save's .npy bytes. */
    static final String DESCRIBE = String.join("\n",
            "import sys, io, hashlib, numpy as np",
            "z = np.load(sys.argv[1])",
            "for k in z.files:",
            "    a = z[k]",
            "    buf = io.BytesIO(); np.save(buf, a)",
            "    print(k, a.dtype.str, tuple(a.shape), hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest(),",
            "          hashlib.sha256(buf.getvalue()).hexdigest())");

    @Test
    void numpyReadsOurFilesByteForByte() throws Exception {
        for (long threshold : new long[]{0xFFFFFFFFL, 0L}) {
            Path f = dir.resolve("ours-" + threshold + ".npz");
            LinkedHashMap<String, NpyArray> arrays = NpzTest.everyDtype();
            Npz.write(f, arrays, threshold);
            String[] lines = run(DESCRIBE, f).strip().split("\n");
            assertEquals(arrays.size(), lines.length);
            Map<String, String> entrySha = new LinkedHashMap<>();
            try (ZipFile zf = new ZipFile(f.toFile())) {
                for (ZipEntry e : java.util.Collections.list(zf.entries())) {
                    try (InputStream in = zf.getInputStream(e)) {
                        entrySha.put(e.getName().replace(".npy", ""), Sha256.ofBytes(in.readAllBytes()));
                    }
                }
            }
            int i = 0;
            for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
                String[] w = lines[i++].split(" ", 2);
                assertEquals(e.getKey(), w[0]);
                NpyArray a = e.getValue();
                String shape = NpyFormat.shapeRepr(a.shape());
                String expected = a.dtype() + " " + shape + " " + dataSha(a) + " " + entrySha.get(e.getKey());
                assertEquals(expected, w[1], "numpy disagrees on " + e.getKey() + " (zip64 threshold " + threshold + ")");
            }
        }
    }

    @Test
    void weReadNumpysSavezAndSavezCompressed() throws Exception {
        String script = String.join("\n",
                "import sys, numpy as np",
                "arrs = dict(",
                "  f4=(np.arange(12, dtype=np.float32).reshape(3, 4) * 0.5 - 1),",
                "  f8=np.linspace(-1, 1, 5),",
                "  i4=np.arange(-3, 3, dtype=np.int32).reshape(2, 3),",
                "  i8=np.array([[-(2**40)], [7]], dtype=np.int64),",
                "  b1=np.array([True, False, True]),",
                "  u1=np.arange(250, 256, dtype=np.uint8),",
                "  scalar=np.float32(4.5),",
                "  big=np.arange(300000, dtype=np.float32))",
                "np.savez(sys.argv[1], **arrs)",
                "np.savez_compressed(sys.argv[2], **arrs)");
        Path stored = dir.resolve("np.npz");
        Path deflated = dir.resolve("npc.npz");
        run(script, stored, deflated);
        for (Path f : new Path[]{stored, deflated}) {
            Map<String, NpyArray> m = Npz.read(f);
            float[] f4 = new float[12];
            for (int i = 0; i < 12; i++) f4[i] = i * 0.5f - 1;
            NpzTest.assertSameArray(NpyArray.of(f4, 3, 4), m.get("f4"));
            NpzTest.assertSameArray(NpyArray.of(new double[]{-1, -0.5, 0, 0.5, 1}, 5), m.get("f8"));
            NpzTest.assertSameArray(NpyArray.of(new int[]{-3, -2, -1, 0, 1, 2}, 2, 3), m.get("i4"));
            NpzTest.assertSameArray(NpyArray.of(new long[]{-(1L << 40), 7}, 2, 1), m.get("i8"));
            NpzTest.assertSameArray(NpyArray.of(new boolean[]{true, false, true}, 3), m.get("b1"));
            NpzTest.assertSameArray(NpyArray.of(new byte[]{(byte) 250, (byte) 251, (byte) 252, (byte) 253, (byte) 254, (byte) 255}, 6), m.get("u1"));
            NpzTest.assertSameArray(NpyArray.of(new float[]{4.5f}), m.get("scalar"));
            float[] big = (float[]) m.get("big").data();
            assertEquals(300000, big.length);
            for (int i = 0; i < big.length; i++) assertEquals((float) i, big[i]);
        }
    }

    /**
     * OGBench's derivation re-expressed in numpy (regular: mask out terminal rows, shift for next observations,
     * terminals from the following row; compact: valids = 1 - terminals, terminals OR-ed with the next row's), saved
     * for comparison with {@link Datasets#load}.
     */
    @Test
    void loaderAgreesWithOgbenchSemanticsInNumpy() throws Exception {
        Path raw = dir.resolve("raw.npz");
        LinkedHashMap<String, NpyArray> m = GoalSamplerTest.rawTrajectories(7, 9);
        float[] act = (float[]) m.get("actions").data();
        for (int i = 0; i < act.length; i += 5) act[i] = 1.7f; // needs clipping
        Npz.write(raw, m);
        String script = String.join("\n",
                "import sys, numpy as np",
                "f = np.load(sys.argv[1])",
                "obs = f['observations'].astype(np.float32); act = f['actions'].astype(np.float32)",
                "term = f['terminals'].astype(np.float32)",
                "keep = (1.0 - term).astype(bool)",
                "nxt = np.concatenate([[False], keep[:-1]])",
                "lim = 1 - 1e-5",
                "np.savez(sys.argv[2], observations=obs[keep], next_observations=obs[nxt],",
                "         actions=np.clip(act[keep], -lim, lim), terminals=np.concatenate([term[1:], [1.0]])[keep])",
                "t2 = np.minimum(term + np.concatenate([term[1:], [1.0]]), 1.0)",
                "np.savez(sys.argv[3], observations=obs, valids=1.0 - term, terminals=t2,",
                "         actions=np.clip(act, -lim, lim))");
        Path reg = dir.resolve("regular.npz");
        Path comp = dir.resolve("compact.npz");
        run(script, raw, reg, comp);

        Dataset r = Datasets.load(raw, LoadOptions.defaults(), null);
        Map<String, NpyArray> e = Npz.read(reg);
        assertArrayEquals((float[]) e.get("observations").data(), r.observations());
        assertArrayEquals((float[]) e.get("next_observations").data(), r.nextObservations());
        assertArrayEquals((float[]) e.get("actions").data(), r.actions());
        assertArrayEquals(Datasets.toFloat(e.get("terminals"), false), bools(r.terminals()));

        Dataset c = Datasets.load(raw, LoadOptions.defaults().withMode(DatasetMode.COMPACT), null);
        Map<String, NpyArray> k = Npz.read(comp);
        assertArrayEquals((float[]) k.get("observations").data(), c.observations());
        assertArrayEquals(Datasets.toFloat(k.get("valids"), false), bools(c.valids()));
        assertArrayEquals(Datasets.toFloat(k.get("terminals"), false), bools(c.terminals()));
        assertArrayEquals((float[]) k.get("actions").data(), c.actions());
    }

    /**
     * A Python with the ogbench package: FLOWBENCH_OGBENCH_PYTHON, else the bridge's {@code .venv-ogbench} in the working
     * directory or a parent (what ogbench-bridge/install creates; the same order as {@code OgbenchPython} in the tasks
     * module, which the harness cannot depend on), else the numpy Python if it happens to have ogbench.
     */
    static String ogbenchPython() throws Exception {
        List<String> candidates = new ArrayList<>();
        String env = System.getenv("FLOWBENCH_OGBENCH_PYTHON");
        if (env != null && !env.isBlank()) candidates.add(env);
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path py = d.resolve(".venv-ogbench/bin/python");
            if (Files.isExecutable(py)) {
                candidates.add(py.toString());
                break;
            }
        }
        if (python != null) candidates.add(python);
        String probe = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('ogbench') else 3)";
        for (String c : candidates) {
            try {
                Process p = new ProcessBuilder(c, "-c", probe).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) return c;
            } catch (IOException e) {
                // not this one
            }
        }
        return null;
    }

    /** The real thing, when a Python with the ogbench package is at hand: {@code ogbench.utils.load_dataset}. */
    @Test
    void loaderAgreesWithOgbenchPackage() throws Exception {
        String og = ogbenchPython();
        Requirement.OGBENCH.assume(og != null, "a Python with the ogbench package");

        Path raw = dir.resolve("raw.npz");
        LinkedHashMap<String, NpyArray> m = GoalSamplerTest.rawTrajectories(6, 8);
        int n = m.get("observations").shape()[0];
        float[] qpos = new float[n * 2];
        for (int i = 0; i < qpos.length; i++) qpos[i] = i * 0.5f;
        m.put("qpos", NpyArray.of(qpos, n, 2));
        Npz.write(raw, m);
        String script = String.join("\n",
                "import sys, numpy as np",
                "from ogbench.utils import load_dataset",
                "r = load_dataset(sys.argv[1], compact_dataset=False, add_info=True)",
                "np.savez(sys.argv[2], **{k: np.asarray(v, dtype=np.float32) for k, v in r.items()})",
                "c = load_dataset(sys.argv[1], compact_dataset=True, add_info=True)",
                "np.savez(sys.argv[3], **{k: np.asarray(v, dtype=np.float32) for k, v in c.items()})");
        Path reg = dir.resolve("og-regular.npz");
        Path comp = dir.resolve("og-compact.npz");
        String saved = python;
        try {
            python = og;
            run(script, raw, reg, comp);
        } finally {
            python = saved;
        }

        LoadOptions opts = new LoadOptions(DatasetMode.REGULAR, false, true);
        Dataset r = Datasets.load(raw, opts, null);
        Map<String, NpyArray> e = Npz.read(reg);
        assertArrayEquals((float[]) e.get("observations").data(), r.observations());
        assertArrayEquals((float[]) e.get("next_observations").data(), r.nextObservations());
        assertArrayEquals((float[]) e.get("actions").data(), r.actions());
        assertArrayEquals((float[]) e.get("terminals").data(), bools(r.terminals()));
        assertArrayEquals((float[]) e.get("qpos").data(), r.extras().get("qpos"));

        Dataset c = Datasets.load(raw, opts.withMode(DatasetMode.COMPACT), null);
        Map<String, NpyArray> k = Npz.read(comp);
        assertArrayEquals((float[]) k.get("observations").data(), c.observations());
        assertArrayEquals((float[]) k.get("valids").data(), bools(c.valids()));
        assertArrayEquals((float[]) k.get("terminals").data(), bools(c.terminals()));
        assertArrayEquals((float[]) k.get("qpos").data(), c.extras().get("qpos"));
    }

    static float[] bools(boolean[] b) {
        float[] f = new float[b.length];
        for (int i = 0; i < b.length; i++) f[i] = b[i] ? 1f : 0f;
        return f;
    }
}
