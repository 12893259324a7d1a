package flowbench.harness.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Big-endian and Fortran-ordered {@code .npy} members, built by hand here (byte layout as numpy writes it) so that the
 * logic is tested without NumPy; {@link NumpyLayoutCrossCheckTest} checks the same against files NumPy wrote.
 */
class NpyLayoutTest {
    @TempDir
    Path dir;

    /** One .npy member: header dict and the raw data bytes. */
    record Member(String name, String header, byte[] data) {}

    static void zip(Path f, Member... members) throws IOException {
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(os)) {
            for (Member m : members) {
                z.putNextEntry(new ZipEntry(m.name() + ".npy"));
                z.write(NpzTest.npy(m.header(), m.data()));
                z.closeEntry();
            }
        }
    }

    static String header(String descr, boolean fortran, String shape) {
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }\n";
    }

    /** The elements of a C-order array of {@code shape}, in Fortran order. */
    static int[] fortranPermutation(int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        int[] cOffsetAtF = new int[n];
        int[] idx = new int[shape.length];
        for (int f = 0; f < n; f++) {
            int c = 0;
            for (int d = 0; d < shape.length; d++) c = c * shape[d] + idx[d];
            cOffsetAtF[f] = c;
            for (int d = 0; d < shape.length; d++) { // first axis fastest
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return cOffsetAtF;
    }

    static byte[] floats(float[] c, ByteOrder order, int[] perm) {
        ByteBuffer b = ByteBuffer.allocate(c.length * 4).order(order);
        for (int i = 0; i < c.length; i++) b.putFloat(c[perm == null ? i : perm[i]]);
        return b.array();
    }

    static byte[] doubles(double[] c, ByteOrder order, int[] perm) {
        ByteBuffer b = ByteBuffer.allocate(c.length * 8).order(order);
        for (int i = 0; i < c.length; i++) b.putDouble(c[perm == null ? i : perm[i]]);
        return b.array();
    }

    static byte[] ints(int[] c, ByteOrder order, int[] perm) {
        ByteBuffer b = ByteBuffer.allocate(c.length * 4).order(order);
        for (int i = 0; i < c.length; i++) b.putInt(c[perm == null ? i : perm[i]]);
        return b.array();
    }

    static byte[] longs(long[] c, ByteOrder order, int[] perm) {
        ByteBuffer b = ByteBuffer.allocate(c.length * 8).order(order);
        for (int i = 0; i < c.length; i++) b.putLong(c[perm == null ? i : perm[i]]);
        return b.array();
    }

    @Test
    void bigEndianMembersAreByteSwapped() throws IOException {
        Path f = dir.resolve("big.npz");
        float[] f4 = {1.5f, -2f, Float.MIN_VALUE, Float.MAX_VALUE, -0f, 3.25e-7f};
        double[] f8 = {Math.PI, -1e300, 4.9e-324};
        int[] i4 = {Integer.MIN_VALUE, -1, 0, 1, 7, Integer.MAX_VALUE};
        long[] i8 = {Long.MIN_VALUE, 0, Long.MAX_VALUE, 42};
        zip(f, new Member("f4", header(">f4", false, "(3, 2)"), floats(f4, ByteOrder.BIG_ENDIAN, null)),
                new Member("f8", header(">f8", false, "(3,)"), doubles(f8, ByteOrder.BIG_ENDIAN, null)),
                new Member("i4", header(">i4", false, "(2, 3)"), ints(i4, ByteOrder.BIG_ENDIAN, null)),
                new Member("i8", header(">i8", false, "(4, 1)"), longs(i8, ByteOrder.BIG_ENDIAN, null)),
                new Member("b1", header(">?", false, "(3,)"), new byte[]{1, 0, 1}),
                new Member("u1", header("|u1", false, "(2,)"), new byte[]{(byte) 255, 3}));
        Map<String, NpyArray> m = Npz.read(f);
        NpzTest.assertSameArray(NpyArray.of(f4, 3, 2), m.get("f4"));
        NpzTest.assertSameArray(NpyArray.of(f8, 3), m.get("f8"));
        NpzTest.assertSameArray(NpyArray.of(i4, 2, 3), m.get("i4"));
        NpzTest.assertSameArray(NpyArray.of(i8, 4, 1), m.get("i8"));
        NpzTest.assertSameArray(NpyArray.of(new boolean[]{true, false, true}, 3), m.get("b1"));
        NpzTest.assertSameArray(NpyArray.of(new byte[]{(byte) 255, 3}, 2), m.get("u1"));

        Map<String, NpyHeader> h = Npz.readHeaders(f);
        assertEquals(new NpyHeader("<f4", new int[]{3, 2}), h.get("f4"));
        assertTrue(h.get("f4").bigEndian());
        assertEquals("big-endian", h.get("i8").storage());
        assertFalse(h.get("b1").bigEndian(), "one-byte types have no byte order");
        assertEquals("", h.get("u1").storage());
    }

    @Test
    void fortranOrderedMembersAreTransposedIntoCOrder() throws IOException {
        Path f = dir.resolve("fortran.npz");
        float[] m2 = {1, 2, 3, 4, 5, 6}; // [[1, 2, 3], [4, 5, 6]]
        int[] m3 = new int[2 * 3 * 4];
        for (int i = 0; i < m3.length; i++) m3[i] = i * 10 - 7;
        double[] col = {9, 8, 7};
        boolean[] bools = {true, false, false, true, true, false};
        byte[] boolBytes = new byte[6];
        int[] p23 = fortranPermutation(2, 3);
        for (int i = 0; i < 6; i++) boolBytes[i] = (byte) (bools[p23[i]] ? 1 : 0);
        zip(f, new Member("m2", header("<f4", true, "(2, 3)"), floats(m2, ByteOrder.LITTLE_ENDIAN, p23)),
                new Member("m3", header("<i4", true, "(2, 3, 4)"), ints(m3, ByteOrder.LITTLE_ENDIAN, fortranPermutation(2, 3, 4))),
                new Member("col", header("<f8", true, "(3,)"), doubles(col, ByteOrder.LITTLE_ENDIAN, null)),
                new Member("bools", header("|b1", true, "(2, 3)"), boolBytes),
                // both at once: a big-endian Fortran-ordered int64 matrix
                new Member("both", header(">i8", true, "(3, 2)"),
                        longs(new long[]{1, 2, 3, 4, 5, 6}, ByteOrder.BIG_ENDIAN, fortranPermutation(3, 2))),
                new Member("empty", header("<f4", true, "(0, 3)"), new byte[0]));
        // the Fortran byte layout of [[1, 2, 3], [4, 5, 6]] is 1, 4, 2, 5, 3, 6
        assertArrayEquals(floats(new float[]{1, 4, 2, 5, 3, 6}, ByteOrder.LITTLE_ENDIAN, null),
                floats(m2, ByteOrder.LITTLE_ENDIAN, p23));
        Map<String, NpyArray> m = Npz.read(f);
        NpzTest.assertSameArray(NpyArray.of(m2, 2, 3), m.get("m2"));
        NpzTest.assertSameArray(NpyArray.of(m3, 2, 3, 4), m.get("m3"));
        NpzTest.assertSameArray(NpyArray.of(col, 3), m.get("col"));
        NpzTest.assertSameArray(NpyArray.of(bools, 2, 3), m.get("bools"));
        NpzTest.assertSameArray(NpyArray.of(new long[]{1, 2, 3, 4, 5, 6}, 3, 2), m.get("both"));
        NpzTest.assertSameArray(NpyArray.of(new float[0], 0, 3), m.get("empty"));
        assertEquals("big-endian, Fortran order", Npz.readHeaders(f).get("both").storage());
        assertEquals("Fortran order", Npz.readHeaders(f).get("m3").storage());
    }

    @Test
    void fortranToCHandlesMoreThanOneChunk() {
        int rows = 70_001;
        int cols = 3;
        float[] c = new float[rows * cols];
        for (int i = 0; i < c.length; i++) c[i] = i;
        int[] perm = fortranPermutation(rows, cols);
        float[] fo = new float[c.length];
        for (int i = 0; i < c.length; i++) fo[i] = c[perm[i]];
        assertArrayEquals(c, (float[]) NpyFormat.fortranToC(fo, new int[]{rows, cols}));
    }

    /** The loader gives the same dataset whether the file stores arrays little-endian C order or not. */
    @Test
    void loaderAcceptsBigEndianAndFortranDatasets() throws IOException {
        LinkedHashMap<String, NpyArray> raw = GoalSamplerTest.rawTrajectories(4, 6);
        Path plain = dir.resolve("plain.npz");
        Npz.write(plain, raw);
        NpyArray obs = raw.get("observations");
        NpyArray act = raw.get("actions");
        int[] os = obs.shape();
        int[] as = act.shape();
        boolean[] term = (boolean[]) raw.get("terminals").data();
        byte[] termBytes = new byte[term.length];
        for (int i = 0; i < term.length; i++) termBytes[i] = (byte) (term[i] ? 1 : 0);
        Path odd = dir.resolve("odd.npz");
        zip(odd, new Member("observations", header(">f4", true, NpyFormat.shapeRepr(os)),
                        floats((float[]) obs.data(), ByteOrder.BIG_ENDIAN, fortranPermutation(os))),
                new Member("actions", header("<f4", true, NpyFormat.shapeRepr(as)),
                        floats((float[]) act.data(), ByteOrder.LITTLE_ENDIAN, fortranPermutation(as))),
                new Member("terminals", header("|b1", false, NpyFormat.shapeRepr(new int[]{term.length})), termBytes));
        for (DatasetMode mode : DatasetMode.values()) {
            Dataset a = Datasets.load(plain, LoadOptions.defaults().withMode(mode), null);
            Dataset b = Datasets.load(odd, LoadOptions.defaults().withMode(mode), null);
            assertEquals(a.size(), b.size());
            assertArrayEquals(a.observations(), b.observations());
            assertArrayEquals(a.nextObservations(), b.nextObservations());
            assertArrayEquals(a.actions(), b.actions());
            assertArrayEquals(a.terminals(), b.terminals());
            assertArrayEquals(a.valids(), b.valids());
        }
    }
}
