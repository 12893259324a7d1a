package flowbench.harness.data;

import flowbench.harness.io.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * NumPy {@code .npz} archives: a zip file with one {@code <key>.npy} entry per array, as written by {@code np.savez}.
 *
 * <p><b>Writing</b> is deterministic and atomic. The zip container is written by this class (not by
 * {@link java.util.zip.ZipOutputStream}) so that its bytes are fixed here and not by the JDK build: entries in map
 * order, stored (uncompressed, like {@code np.savez}), DOS timestamp 1980-01-01 00:00:00, no extra fields unless ZIP64
 * is needed (an entry or offset at or above 4 GiB), then a plain central directory. Same arrays, therefore same bytes
 * and same SHA-256. The {@code .npy} entries themselves match numpy's byte for byte (header padding included). The
 * file appears under its name only when complete ({@link AtomicFiles#write}: temp file in the same folder, fsync,
 * atomic rename).
 *
 * <p><b>Reading</b> accepts what numpy writes: stored or deflated entries ({@code np.savez_compressed}), ZIP64, NPY
 * format 1.0/2.0/3.0, the dtypes of {@link NpyArray} little- or big-endian, C or Fortran order (loaded as numpy loads
 * them: swapped and transposed into C order). Every entry's CRC-32 is verified. Entries whose names do not end
 * in {@code .npy} are ignored (numpy never writes them). Problems raise {@link DatasetFormatException} naming the file
 * and the key.
 */
public final class Npz {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_.\\-]+");
    private static final long ZIP64_LIMIT = 0xFFFFFFFFL;
    /** DOS date 1980-01-01: (year-1980) << 9 | month << 5 | day. Time 00:00:00 is 0. */
    private static final int DOS_DATE = (1 << 5) | 1;
    private static final int DOS_TIME = 0;
    /** Unix regular file, rw-r--r--, in the high 16 bits of "external attributes" so unzip restores sane modes. */
    private static final int EXTERNAL_ATTRS = 0100644 << 16;
    /** "Version made by": Unix (3) host, spec version 2.0 or 4.5 (ZIP64). */
    private static final int MADE_BY_UNIX = 3 << 8;

    private Npz() {}

    /** Writes {@code arrays} to {@code file} atomically; keys become entry names {@code <key>.npy} in map order. */
    public static void write(Path file, LinkedHashMap<String, NpyArray> arrays) throws IOException {
        write(file, arrays, ZIP64_LIMIT);
    }

    /**
     * As {@link #write(Path, LinkedHashMap)}, with the size/offset at which ZIP64 records are used. Package-private
     * so tests can force the ZIP64 path (threshold 0) without writing 4 GiB.
     */
    static void write(Path file, LinkedHashMap<String, NpyArray> arrays, long zip64Threshold) throws IOException {
        if (arrays == null) throw new IllegalArgumentException("arrays must not be null");
        List<String> keys = new ArrayList<>(arrays.keySet());
        for (String k : keys) {
            if (k == null || !KEY.matcher(k).matches()) {
                throw new IllegalArgumentException("invalid .npz key '" + k + "' for " + file
                        + ": expected letters, digits, '_', '.' or '-'");
            }
            if (arrays.get(k) == null) throw new IllegalArgumentException("array for key '" + k + "' is null (" + file + ")");
        }
        AtomicFiles.write(file, out -> writeZip(out, arrays, zip64Threshold));
    }

    private static void writeZip(OutputStream out, LinkedHashMap<String, NpyArray> arrays, long z64) throws IOException {
        byte[] buf = new byte[NpyFormat.CHUNK];
        List<byte[]> central = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
            NpyArray a = e.getValue();
            byte[] name = (e.getKey() + ".npy").getBytes(StandardCharsets.US_ASCII);
            byte[] npyHeader = NpyFormat.header(a.dtype(), a.shape());
            long size = npyHeader.length + NpyFormat.dataBytes(a);
            CRC32 crc = new CRC32();
            crc.update(npyHeader);
            NpyFormat.writeData(a, null, crc, buf); // first pass: the CRC goes in the local header, before the data
            long crcValue = crc.getValue();

            boolean sizeZip64 = size >= z64;
            boolean offsetZip64 = offset >= z64;
            // local file header
            ByteBuffer lh = le(30 + name.length + (sizeZip64 ? 20 : 0));
            lh.putInt(0x04034b50).putShort((short) (sizeZip64 ? 45 : 20)).putShort((short) 0).putShort((short) 0)
                    .putShort((short) DOS_TIME).putShort((short) DOS_DATE).putInt((int) crcValue)
                    .putInt(sizeZip64 ? -1 : (int) size).putInt(sizeZip64 ? -1 : (int) size)
                    .putShort((short) name.length).putShort((short) (sizeZip64 ? 20 : 0)).put(name);
            if (sizeZip64) lh.putShort((short) 1).putShort((short) 16).putLong(size).putLong(size);
            out.write(lh.array());
            out.write(npyHeader);
            NpyFormat.writeData(a, out, null, buf);

            // central directory record; ZIP64 extra holds, in this order, the fields set to 0xFFFFFFFF
            int extra = (sizeZip64 ? 16 : 0) + (offsetZip64 ? 8 : 0);
            int extraLen = extra == 0 ? 0 : 4 + extra;
            boolean any64 = extra > 0;
            ByteBuffer ch = le(46 + name.length + extraLen);
            ch.putInt(0x02014b50).putShort((short) (MADE_BY_UNIX | (any64 ? 45 : 20)))
                    .putShort((short) (any64 ? 45 : 20)).putShort((short) 0).putShort((short) 0)
                    .putShort((short) DOS_TIME).putShort((short) DOS_DATE).putInt((int) crcValue)
                    .putInt(sizeZip64 ? -1 : (int) size).putInt(sizeZip64 ? -1 : (int) size)
                    .putShort((short) name.length).putShort((short) extraLen).putShort((short) 0)
                    .putShort((short) 0).putShort((short) 0).putInt(EXTERNAL_ATTRS)
                    .putInt(offsetZip64 ? -1 : (int) offset).put(name);
            if (any64) {
                ch.putShort((short) 1).putShort((short) extra);
                if (sizeZip64) ch.putLong(size).putLong(size);
                if (offsetZip64) ch.putLong(offset);
            }
            central.add(ch.array());
            offset += lh.capacity() + size;
        }
        long cdOffset = offset;
        long cdSize = 0;
        for (byte[] c : central) {
            out.write(c);
            cdSize += c.length;
        }
        int n = central.size();
        boolean eocd64 = n >= 0xFFFF || cdSize >= z64 || cdOffset >= z64;
        if (eocd64) {
            long eocd64Offset = cdOffset + cdSize;
            ByteBuffer z = le(56 + 20);
            z.putInt(0x06064b50).putLong(44).putShort((short) (MADE_BY_UNIX | 45)).putShort((short) 45)
                    .putInt(0).putInt(0).putLong(n).putLong(n).putLong(cdSize).putLong(cdOffset);
            z.putInt(0x07064b50).putInt(0).putLong(eocd64Offset).putInt(1);
            out.write(z.array());
        }
        ByteBuffer end = le(22);
        end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
                .putShort((short) (eocd64 ? 0xFFFF : n)).putShort((short) (eocd64 ? 0xFFFF : n))
                .putInt(eocd64 ? -1 : (int) cdSize).putInt(eocd64 ? -1 : (int) cdOffset).putShort((short) 0);
        out.write(end.array());
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Reads every array of {@code file}, in archive order. */
    public static Map<String, NpyArray> read(Path file) throws IOException {
        return read(file, null);
    }

    /**
     * Reads the arrays whose keys are in {@code keys} (all when null), in archive order. Keys absent from the archive
     * are simply absent from the result; callers that need them report the missing key.
     */
    public static Map<String, NpyArray> read(Path file, Set<String> keys) throws IOException {
        Map<String, NpyArray> result = new LinkedHashMap<>();
        byte[] buf = new byte[NpyFormat.CHUNK];
        try (ZipFile zf = open(file)) {
            for (ZipEntry e : npyEntries(zf, file)) {
                String key = keyOf(e);
                if (keys != null && !keys.contains(key)) continue;
                CRC32 crc = new CRC32();
                try (InputStream in = zf.getInputStream(e)) {
                    CrcInputStream cin = new CrcInputStream(in, crc);
                    NpyHeader h = NpyFormat.readHeader(cin, file, key);
                    NpyArray a = NpyFormat.readData(cin, h, file, key, null, buf);
                    NpyFormat.drain(cin, null, buf);
                    checkCrc(file, key, e, crc);
                    result.put(key, a);
                } catch (ZipException ex) {
                    throw new DatasetFormatException(file, key, "corrupt zip entry " + e.getName() + ": " + ex.getMessage(), ex);
                }
            }
        }
        return result;
    }

    /** Keys of every array, in archive order, from the zip directory alone (no entry is read). */
    public static List<String> keys(Path file) throws IOException {
        List<String> result = new ArrayList<>();
        try (ZipFile zf = open(file)) {
            for (ZipEntry e : npyEntries(zf, file)) result.add(keyOf(e));
        }
        return result;
    }

    /** Keys and headers of every array, without reading array data. */
    public static Map<String, NpyHeader> readHeaders(Path file) throws IOException {
        Map<String, NpyHeader> result = new LinkedHashMap<>();
        try (ZipFile zf = open(file)) {
            for (ZipEntry e : npyEntries(zf, file)) {
                String key = keyOf(e);
                try (InputStream in = zf.getInputStream(e)) {
                    result.put(key, NpyFormat.readHeader(in, file, key));
                } catch (ZipException ex) {
                    throw new DatasetFormatException(file, key, "corrupt zip entry " + e.getName() + ": " + ex.getMessage(), ex);
                }
            }
        }
        return result;
    }

    private static void checkCrc(Path file, String key, ZipEntry e, CRC32 crc) {
        long expected = e.getCrc();
        if (expected != -1 && expected != crc.getValue()) {
            throw new DatasetFormatException(file, key, String.format(
                    "CRC-32 mismatch in entry %s: archive says %08x, data give %08x (corrupt file)",
                    e.getName(), expected, crc.getValue()));
        }
    }

    private static String keyOf(ZipEntry e) {
        String n = e.getName();
        return n.substring(0, n.length() - ".npy".length());
    }

    private static List<ZipEntry> npyEntries(ZipFile zf, Path file) {
        List<ZipEntry> list = new ArrayList<>();
        Enumeration<? extends ZipEntry> en = zf.entries();
        while (en.hasMoreElements()) {
            ZipEntry e = en.nextElement();
            if (!e.isDirectory() && e.getName().endsWith(".npy")) list.add(e);
        }
        return list;
    }

    /** Opens the archive, turning the JDK's terse zip errors into messages that say what the file looks like. */
    private static ZipFile open(Path file) throws IOException {
        if (!Files.exists(file)) throw new NoSuchFileException(file.toString(), null, "dataset file does not exist");
        if (Files.isDirectory(file)) throw new DatasetFormatException(file, null, "is a folder, expected an .npz file");
        long size = Files.size(file);
        if (size == 0) throw new DatasetFormatException(file, null, "empty file (0 bytes), expected an .npz zip archive");
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            byte[] head = new byte[6];
            int n;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer b = ByteBuffer.wrap(head);
                n = Math.max(0, ch.read(b));
            }
            String what;
            if (n >= 4 && head[0] == 'P' && head[1] == 'K') {
                what = "truncated or corrupt zip archive (" + size + " bytes; its central directory cannot be read)";
            } else if (n >= 6 && (head[0] & 0xFF) == 0x93 && head[1] == 'N' && head[2] == 'U') {
                what = "this is a single .npy array, expected an .npz zip archive";
            } else {
                what = "not a zip archive (expected an .npz written by np.savez)";
            }
            throw new DatasetFormatException(file, null, what + ": " + e.getMessage(), e);
        }
    }

    /** Passes bytes through while updating a CRC; bulk reads stay bulk. */
    private static final class CrcInputStream extends InputStream {
        private final InputStream in;
        private final CRC32 crc;

        CrcInputStream(InputStream in, CRC32 crc) {
            this.in = in;
            this.crc = crc;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) crc.update(b);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int r = in.read(b, off, len);
            if (r > 0) crc.update(b, off, r);
            return r;
        }
    }
}
