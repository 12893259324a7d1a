package flowbench.harness.data;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Fortran-ordered and big-endian members written by NumPy itself ({@code np.asfortranarray}, {@code astype('>f4')})
 * load with the values NumPy sees; skipped without a Python with NumPy ({@link NumpyCrossCheckTest#run}).
 */
class NumpyLayoutCrossCheckTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void findNumpy() {
        NumpyCrossCheckTest.findNumpy();
    }

    /** Each key written twice by numpy: as asked (odd layout) into argv[1], and C-order little-endian into argv[2]. */
    static final String WRITE = String.join("\n",
            "import sys, numpy as np",
            "rng = np.random.default_rng(5)",
            "m = rng.normal(size=(7, 5)).astype(np.float32)",
            "arrs = dict(",
            "  f4_fortran=np.asfortranarray(m),",
            "  f4_big=m.astype('>f4'),",
            "  f8_big_fortran=np.asfortranarray(rng.normal(size=(4, 3, 2)).astype('>f8')),",
            "  i4_big=np.arange(-6, 6, dtype=np.int32).reshape(3, 4).astype('>i4'),",
            "  i8_big=np.array([[-(2**40), 7], [3, 2**50]], dtype='>i8'),",
            "  i8_fortran=np.asfortranarray(np.arange(24, dtype=np.int64).reshape(2, 3, 4)),",
            "  b1_fortran=np.asfortranarray(rng.random((5, 3)) > 0.5),",
            "  u1_fortran=np.asfortranarray(np.arange(12, dtype=np.uint8).reshape(4, 3)),",
            "  f4_big_1d=np.linspace(-1, 1, 9).astype('>f4'))",
            "np.savez(sys.argv[1], **arrs)",
            "np.savez_compressed(sys.argv[3], **arrs)",
            "np.savez(sys.argv[2], **{k: np.ascontiguousarray(v).astype(v.dtype.newbyteorder('<')) for k, v in arrs.items()})",
            // check that numpy really stored the odd layouts (asfortranarray of a 1-row or 1-D array would not be)
            "for k, v in arrs.items():",
            "    print(k, np.lib.format.header_data_from_array_1_0(v)['fortran_order'], v.dtype.str)");

    @Test
    void numpysFortranAndBigEndianFilesLoadAsNumpyLoadsThem() throws Exception {
        Path odd = dir.resolve("odd.npz");
        Path ref = dir.resolve("ref.npz");
        Path oddCompressed = dir.resolve("oddc.npz");
        String out = NumpyCrossCheckTest.run(WRITE, odd, ref, oddCompressed);
        assertTrue(out.contains("f4_fortran True <f4"), out);
        assertTrue(out.contains("f4_big False >f4"), out);
        assertTrue(out.contains("f8_big_fortran True >f8"), out);
        assertTrue(out.contains("i8_fortran True <i8"), out);
        Map<String, NpyArray> expected = Npz.read(ref);
        for (Path f : new Path[]{odd, oddCompressed}) {
            Map<String, NpyArray> got = Npz.read(f);
            assertEquals(expected.keySet(), got.keySet());
            for (String k : expected.keySet()) NpzTest.assertSameArray(expected.get(k), got.get(k));
            Map<String, NpyHeader> h = Npz.readHeaders(f);
            assertEquals("Fortran order", h.get("f4_fortran").storage());
            assertEquals("big-endian, Fortran order", h.get("f8_big_fortran").storage());
            assertEquals("<f8", h.get("f8_big_fortran").dtype());
        }
    }

    /** A raw OGBench dataset whose arrays numpy stored Fortran-ordered / big-endian loads like the plain one. */
    @Test
    void loaderAcceptsNumpysFortranAndBigEndianDataset() throws Exception {
        Path plain = dir.resolve("plain.npz");
        Npz.write(plain, GoalSamplerTest.rawTrajectories(5, 7));
        Path odd = dir.resolve("odd.npz");
        NumpyCrossCheckTest.run(String.join("\n",
                "import sys, numpy as np",
                "f = np.load(sys.argv[1])",
                "np.savez(sys.argv[2], observations=np.asfortranarray(f['observations']).astype('>f4', order='F'),",
                "         actions=np.asfortranarray(f['actions'].astype('>f8')), terminals=f['terminals'])"), plain, odd);
        assertTrue(Npz.readHeaders(odd).get("observations").fortranOrder());
        assertTrue(Npz.readHeaders(odd).get("actions").bigEndian());
        for (DatasetMode mode : DatasetMode.values()) {
            Dataset a = Datasets.load(plain, LoadOptions.defaults().withMode(mode), null);
            Dataset b = Datasets.load(odd, LoadOptions.defaults().withMode(mode), null);
            assertArrayEquals(a.observations(), b.observations());
            assertArrayEquals(a.nextObservations(), b.nextObservations());
            assertArrayEquals(a.actions(), b.actions());
            assertArrayEquals(a.terminals(), b.terminals());
        }
    }
}
