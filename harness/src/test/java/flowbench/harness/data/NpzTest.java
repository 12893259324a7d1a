package flowbench.harness.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class NpzTest {
    @TempDir
    Path dir;

    static LinkedHashMap<String, NpyArray> everyDtype() {
        LinkedHashMap<String, NpyArray> m = new LinkedHashMap<>();
        m.put("f4", NpyArray.of(new float[]{1.5f, -2f, Float.MIN_VALUE, Float.MAX_VALUE, -0f, 3.25e-7f}, 3, 2));
        m.put("f8", NpyArray.of(new double[]{Math.PI, -1e300, 4.9e-324}, 3));
        m.put("i4", NpyArray.of(new int[]{Integer.MIN_VALUE, -1, 0, 1, 7, 8, 9, Integer.MAX_VALUE}, 2, 2, 2));
        m.put("i8", NpyArray.of(new long[]{Long.MIN_VALUE, 0, Long.MAX_VALUE, 42}, 4, 1));
        m.put("b1", NpyArray.of(new boolean[]{true, false, false, true, true}, 5));
        m.put("u1", NpyArray.of(new byte[]{0, 1, (byte) 127, (byte) 128, (byte) 255, 3}, 2, 3));
        m.put("scalar", NpyArray.of(new float[]{2.5f}));
        m.put("empty", NpyArray.of(new float[0], 0, 3));
        // 16 dimensions: long enough that numpy's growth padding moves the header to the next 64-byte boundary
        int[] deep = new int[16];
        java.util.Arrays.fill(deep, 1);
        m.put("deep", NpyArray.of(new float[]{-7f}, deep));
        return m;
    }

    static void assertSameArray(NpyArray expected, NpyArray actual) {
        assertEquals(expected.dtype(), actual.dtype());
        assertArrayEquals(expected.shape(), actual.shape());
        switch (expected.dtype()) {
            case "<f4" -> assertArrayEquals((float[]) expected.data(), (float[]) actual.data());
            case "<f8" -> assertArrayEquals((double[]) expected.data(), (double[]) actual.data());
            case "<i4" -> assertArrayEquals((int[]) expected.data(), (int[]) actual.data());
            case "<i8" -> assertArrayEquals((long[]) expected.data(), (long[]) actual.data());
            case "|b1" -> assertArrayEquals((boolean[]) expected.data(), (boolean[]) actual.data());
            case "|u1" -> assertArrayEquals((byte[]) expected.data(), (byte[]) actual.data());
            default -> fail(expected.dtype());
        }
    }

    @Test
    void roundTripsEveryDtypeInOrder() throws IOException {
        Path f = dir.resolve("all.npz");
        LinkedHashMap<String, NpyArray> in = everyDtype();
        Npz.write(f, in);
        Map<String, NpyArray> out = Npz.read(f);
        assertEquals(List.copyOf(in.keySet()), List.copyOf(out.keySet()));
        for (String k : in.keySet()) assertSameArray(in.get(k), out.get(k));

        Map<String, NpyHeader> headers = Npz.readHeaders(f);
        assertEquals(new NpyHeader("<f4", new int[]{3, 2}), headers.get("f4"));
        assertEquals(new NpyHeader("|u1", new int[]{2, 3}), headers.get("u1"));
        assertEquals(0, headers.get("scalar").ndim());
        assertEquals(1, headers.get("scalar").length());

        Map<String, NpyArray> some = Npz.read(f, java.util.Set.of("i8", "nope"));
        assertEquals(List.of("i8"), List.copyOf(some.keySet()));
    }

    @Test
    void roundTripsThroughZip64RecordsAndJdkZipReader() throws IOException {
        Path f = dir.resolve("z64.npz");
        Npz.write(f, everyDtype(), 0L); // every size and offset "needs" ZIP64
        Map<String, NpyArray> out = Npz.read(f);
        LinkedHashMap<String, NpyArray> in = everyDtype();
        for (String k : in.keySet()) assertSameArray(in.get(k), out.get(k));
        try (ZipFile zf = new ZipFile(f.toFile())) {
            assertEquals(in.size(), zf.size());
        }
    }

    @Test
    void writerIsByteDeterministic() throws IOException {
        Path a = dir.resolve("a.npz");
        Path b = dir.resolve("sub").resolve("b.npz");
        Npz.write(a, everyDtype());
        Npz.write(b, everyDtype()); // other folder, other time: the pinned-hash test covers other days and JVMs
        try (ZipFile zf = new ZipFile(b.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zf.entries())) {
                assertEquals(java.time.LocalDateTime.of(1980, 1, 1, 0, 0), e.getTimeLocal());
                assertEquals(ZipEntry.STORED, e.getMethod());
            }
        }
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertEquals(Sha256.ofFile(a), Sha256.ofFile(b));

        LinkedHashMap<String, NpyArray> changed = everyDtype();
        changed.put("f8", NpyArray.of(new double[]{Math.PI, -1e300, 5e-324 * 2}, 3));
        Path c = dir.resolve("c.npz");
        Npz.write(c, changed);
        assertNotEquals(Sha256.ofFile(a), Sha256.ofFile(c));
    }

    @Test
    void pinnedBytesOfASmallArchive() throws IOException {
        // Pins the container format: a change here changes every dataset hash in every run record.
        LinkedHashMap<String, NpyArray> m = new LinkedHashMap<>();
        m.put("observations", NpyArray.of(new float[]{0f, 1f, 2f, 3f}, 2, 2));
        m.put("terminals", NpyArray.of(new boolean[]{false, true}, 2));
        Path f = dir.resolve("pinned.npz");
        Npz.write(f, m);
        assertEquals(PINNED_SHA, Sha256.ofFile(f));
    }

    static final String PINNED_SHA = "418eb9989b37ee8c1f164e90ef8eef36fbe054b31c22ba1c57e5ba259f7ffb85";

    @Test
    void npyHeaderMatchesNumpyLayout() {
        byte[] h = NpyFormat.header("<f4", new int[]{3, 2});
        assertEquals(0, h.length % 64);
        assertEquals(128, h.length);
        String text = new String(h, 10, h.length - 10, StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }"), text);
        assertEquals('\n', text.charAt(text.length() - 1));
        assertEquals(1, h[6]);
        assertEquals(0, h[7]);
        assertEquals(h.length - 10, (h[8] & 0xFF) | (h[9] & 0xFF) << 8);
        assertTrue(new String(NpyFormat.header("|b1", new int[]{7}), StandardCharsets.ISO_8859_1).contains("'shape': (7,), }"));
        assertTrue(new String(NpyFormat.header("<f8", new int[0]), StandardCharsets.ISO_8859_1).contains("'shape': (), }"));
        int[] deep = new int[16];
        java.util.Arrays.fill(deep, 1);
        assertEquals(192, NpyFormat.header("<f4", deep).length); // what np.save writes for this shape
    }

    @Test
    void parsesHeaderVariants() {
        NpyHeader h = NpyFormat.parseHeaderDict("{\"shape\": (10L, 3L), \"fortran_order\": False, \"descr\": \"<f8\"}", null, "k");
        assertEquals(new NpyHeader("<f8", new int[]{10, 3}), h);
        assertEquals("|b1", NpyFormat.parseHeaderDict("{'descr': '|b1', 'fortran_order': False, 'shape': (4,), }   \n", null, "k").dtype());
    }

    @Test
    void atomicWriteLeavesNoTemporaryAndReplacesOldFile() throws IOException {
        Path f = dir.resolve("x.npz");
        Files.writeString(f, "old content");
        Npz.write(f, everyDtype());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(f), s.toList());
        }
        assertEquals(9, Npz.read(f).size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            LinkedHashMap<String, NpyArray> bad = new LinkedHashMap<>();
            bad.put("bad/key", NpyArray.of(new float[]{1f}, 1));
            Npz.write(f, bad);
        });
        assertTrue(e.getMessage().contains("bad/key"));
        assertEquals(9, Npz.read(f).size(), "a failed write must leave the old file intact");
    }

    // ---- error cases: every message names the file (and the key where one is concerned)

    private DatasetFormatException readFails(Path f) {
        return assertThrows(DatasetFormatException.class, () -> Npz.read(f));
    }

    private static void assertMentions(Throwable e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "message lacks '" + p + "': " + e.getMessage());
    }

    @Test
    void notAZip() throws IOException {
        Path f = dir.resolve("text.npz");
        Files.writeString(f, "hello, I am not a zip file at all");
        assertMentions(readFails(f), "text.npz", "not a zip archive");
    }

    @Test
    void emptyFile() throws IOException {
        Path f = dir.resolve("empty.npz");
        Files.write(f, new byte[0]);
        assertMentions(readFails(f), "empty.npz", "empty file");
    }

    @Test
    void truncatedArchive() throws IOException {
        Path f = dir.resolve("trunc.npz");
        Npz.write(f, everyDtype());
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length / 2));
        assertMentions(readFails(f), "trunc.npz", "truncated or corrupt");
    }

    @Test
    void singleNpyInsteadOfNpz() throws IOException {
        Path f = dir.resolve("one.npz");
        Files.write(f, NpyFormat.header("<f4", new int[]{1}));
        assertMentions(readFails(f), "one.npz", "single .npy");
    }

    static void rawZip(Path f, String entry, byte[] content) throws IOException {
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(os)) {
            if (entry != null) {
                z.putNextEntry(new ZipEntry(entry));
                z.write(content);
                z.closeEntry();
            }
        }
    }

    static byte[] npy(String headerDict, byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] text = headerDict.getBytes(StandardCharsets.ISO_8859_1);
        b.writeBytes(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) text.length, (byte) (text.length >> 8)});
        b.writeBytes(text);
        b.writeBytes(data);
        return b.toByteArray();
    }

    @Test
    void badMagic() throws IOException {
        Path f = dir.resolve("magic.npz");
        rawZip(f, "observations.npy", "NOT NUMPY DATA AT ALL".getBytes(StandardCharsets.US_ASCII));
        assertMentions(readFails(f), "magic.npz", "key 'observations'", "bad NPY magic");
    }

    // Fortran order and big-endian data are read as numpy reads them: see NpyLayoutTest

    @Test
    void unsupportedDtypeRejected() throws IOException {
        Path f = dir.resolve("half.npz");
        rawZip(f, "qpos.npy", npy("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }\n", new byte[4]));
        assertMentions(readFails(f), "half.npz", "key 'qpos'", "unsupported dtype '<f2'");
    }

    @Test
    void malformedHeaderRejected() throws IOException {
        Path f = dir.resolve("header.npz");
        rawZip(f, "qvel.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1, x), }\n", new byte[4]));
        assertMentions(readFails(f), "header.npz", "key 'qvel'", "malformed NPY header");
    }

    @Test
    void truncatedArrayData() throws IOException {
        Path f = dir.resolve("short.npz");
        rawZip(f, "observations.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100,), }\n", new byte[10]));
        assertMentions(readFails(f), "short.npz", "key 'observations'", "truncated array data", "400 bytes", "found 10");
    }

    @Test
    void corruptDataFailsCrc() throws IOException {
        Path f = dir.resolve("crc.npz");
        LinkedHashMap<String, NpyArray> m = new LinkedHashMap<>();
        m.put("observations", NpyArray.of(new float[]{1f, 2f, 3f, 4f}, 2, 2));
        Npz.write(f, m);
        byte[] all = Files.readAllBytes(f);
        int dataStart = 30 + "observations.npy".length() + 128; // local header + npy header
        all[dataStart + 1] ^= 0x40;
        Files.write(f, all);
        assertMentions(readFails(f), "crc.npz", "key 'observations'", "CRC-32 mismatch");
    }

    @Test
    void emptyArchiveHasNoArrays() throws IOException {
        Path f = dir.resolve("noentries.npz");
        rawZip(f, null, null);
        assertTrue(Npz.read(f).isEmpty());
        DatasetFormatException e = assertThrows(DatasetFormatException.class,
                () -> Datasets.load(f, LoadOptions.defaults(), null));
        assertMentions(e, "noentries.npz", "contains no arrays");
    }

    @Test
    void missingFileIsAnIoErrorNamingIt() {
        Path f = dir.resolve("absent.npz");
        IOException e = assertThrows(IOException.class, () -> Npz.read(f));
        assertMentions(e, "absent.npz");
    }
}
