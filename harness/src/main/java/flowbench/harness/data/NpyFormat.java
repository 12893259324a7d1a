package flowbench.harness.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The NPY array format (numpy/lib/format.py, format versions 1.0, 2.0 and 3.0), for the six dtypes of
 * {@link NpyArray}. Written data are little-endian C order; conversion goes through {@link ByteBuffer} bulk views in
 * chunks of {@link #CHUNK} bytes so that a 1M-row array never exists twice in memory and no per-element stream calls are
 * made. Reading follows {@code numpy.load}: big-endian members ({@code '>f4'}, {@code '>i8'}) are byte-swapped and
 * Fortran-ordered ones ({@code 'fortran_order': True}) are transposed into C order, so the loaded array holds the same
 * values at the same indices as NumPy's.
 */
final class NpyFormat {
    /** Conversion buffer size; a multiple of every item size. */
    static final int CHUNK = 1 << 20;
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy's ARRAY_ALIGN: magic + length field + header are padded to a multiple of 64 bytes. */
    private static final int ARRAY_ALIGN = 64;
    /** numpy's GROWTH_AXIS_MAX_DIGITS: spare spaces numpy leaves so the first axis can grow in place. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    static final String SUPPORTED = "<f4, <f8, <i4, <i8, |b1, |u1, and the big-endian >f4, >f8, >i4, >i8";

    private NpyFormat() {}

    static int itemSize(String dtype) {
        return switch (dtype) {
            case "<f4", "<i4" -> 4;
            case "<f8", "<i8" -> 8;
            case "|b1", "|u1" -> 1;
            default -> throw new IllegalArgumentException("unsupported dtype '" + dtype + "' (supported: " + SUPPORTED + ")");
        };
    }

    /** Python's repr of a shape tuple: {@code ()}, {@code (3,)}, {@code (3, 2)}. */
    static String shapeRepr(int[] shape) {
        if (shape.length == 1) return "(" + shape[0] + ",)";
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(shape[i]);
        }
        return sb.append(')').toString();
    }

    /**
     * The exact header bytes numpy (>= 1.24) writes for a C-order array: the sorted-key dict repr, numpy's growth
     * padding, then spaces and a newline up to a multiple of 64 bytes; version 1.0 unless the header needs 2.0.
     * Matching numpy byte for byte lets the cross-check test compare whole entries.
     */
    static byte[] header(String dtype, int[] shape) {
        StringBuilder h = new StringBuilder();
        h.append("{'descr': '").append(dtype).append("', 'fortran_order': False, 'shape': ")
                .append(shapeRepr(shape)).append(", }");
        if (shape.length > 0) h.append(" ".repeat(GROWTH_AXIS_MAX_DIGITS - Integer.toString(shape[0]).length()));
        byte[] text = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        int hlen = text.length + 1;
        int major = 1;
        int lenBytes = 2;
        int padlen = ARRAY_ALIGN - ((MAGIC.length + 2 + lenBytes + hlen) % ARRAY_ALIGN);
        if (hlen + padlen > 0xFFFF) {
            major = 2;
            lenBytes = 4;
            padlen = ARRAY_ALIGN - ((MAGIC.length + 2 + lenBytes + hlen) % ARRAY_ALIGN);
        }
        int total = MAGIC.length + 2 + lenBytes + text.length + padlen + 1;
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) major).put((byte) 0);
        if (lenBytes == 2) b.putShort((short) (hlen + padlen));
        else b.putInt(hlen + padlen);
        b.put(text);
        for (int i = 0; i < padlen; i++) b.put((byte) ' ');
        b.put((byte) '\n');
        return b.array();
    }

    static long dataBytes(NpyArray a) {
        return a.length() * itemSize(a.dtype());
    }

    /** Streams the array's data (little-endian) into {@code out} and/or {@code crc} (either may be null). */
    static void writeData(NpyArray a, OutputStream out, CRC32 crc, byte[] buf) throws IOException {
        int item = itemSize(a.dtype());
        int total = Math.toIntExact(a.length());
        int perChunk = buf.length / item;
        ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
        Object data = a.data();
        for (int off = 0; off < total; off += perChunk) {
            int n = Math.min(perChunk, total - off);
            bb.clear();
            switch (a.dtype()) {
                case "<f4" -> bb.asFloatBuffer().put((float[]) data, off, n);
                case "<f8" -> bb.asDoubleBuffer().put((double[]) data, off, n);
                case "<i4" -> bb.asIntBuffer().put((int[]) data, off, n);
                case "<i8" -> bb.asLongBuffer().put((long[]) data, off, n);
                case "|b1" -> {
                    boolean[] z = (boolean[]) data;
                    for (int i = 0; i < n; i++) buf[i] = z[off + i] ? (byte) 1 : (byte) 0;
                }
                case "|u1" -> System.arraycopy((byte[]) data, off, buf, 0, n);
                default -> throw new IllegalStateException(a.dtype());
            }
            int bytes = n * item;
            if (crc != null) crc.update(buf, 0, bytes);
            if (out != null) out.write(buf, 0, bytes);
        }
    }

    /** Reads and parses an NPY header from {@code in}; {@code file}/{@code key} only label errors. */
    static NpyHeader readHeader(InputStream in, Path file, String key) throws IOException {
        byte[] pre = in.readNBytes(MAGIC.length + 2);
        if (pre.length < MAGIC.length + 2) {
            throw new DatasetFormatException(file, key, "truncated .npy entry: only " + pre.length
                    + " bytes, expected at least the 8-byte NPY magic and version");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (pre[i] != MAGIC[i]) {
                throw new DatasetFormatException(file, key, "bad NPY magic: expected \\x93NUMPY, found " + hex(pre, MAGIC.length));
            }
        }
        int major = pre[6] & 0xFF;
        int minor = pre[7] & 0xFF;
        int lenBytes;
        if (major == 1) lenBytes = 2;
        else if (major == 2 || major == 3) lenBytes = 4;
        else {
            throw new DatasetFormatException(file, key, "unsupported NPY format version " + major + "." + minor
                    + " (expected 1.0, 2.0 or 3.0)");
        }
        byte[] lenField = in.readNBytes(lenBytes);
        if (lenField.length < lenBytes) throw new DatasetFormatException(file, key, "truncated NPY header length field");
        ByteBuffer lb = ByteBuffer.wrap(lenField).order(ByteOrder.LITTLE_ENDIAN);
        long hlen = lenBytes == 2 ? (lb.getShort() & 0xFFFF) : (lb.getInt() & 0xFFFFFFFFL);
        if (hlen > 1 << 20) throw new DatasetFormatException(file, key, "implausible NPY header length " + hlen);
        byte[] text = in.readNBytes((int) hlen);
        if (text.length < hlen) {
            throw new DatasetFormatException(file, key, "truncated NPY header: expected " + hlen + " bytes, found " + text.length);
        }
        String s = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        return parseHeaderDict(s, file, key);
    }

    /** Parses numpy's header, a Python dict literal such as {@code {'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }}. */
    static NpyHeader parseHeaderDict(String s, Path file, String key) {
        HeaderParser p = new HeaderParser(s, file, key);
        String descr = null;
        Boolean fortran = null;
        int[] shape = null;
        p.ws();
        p.expect('{');
        while (true) {
            p.ws();
            if (p.peek() == '}') break;
            String k = p.string();
            p.ws();
            p.expect(':');
            p.ws();
            switch (k) {
                case "descr" -> {
                    if (p.peek() != '\'' && p.peek() != '"') {
                        throw p.error("structured or non-string 'descr' is not supported (supported dtypes: " + SUPPORTED + ")");
                    }
                    descr = p.string();
                }
                case "fortran_order" -> fortran = p.bool();
                case "shape" -> shape = p.tuple();
                default -> throw p.error("unexpected header field '" + k + "'");
            }
            p.ws();
            if (p.peek() == ',') p.pos++;
            else if (p.peek() != '}') throw p.error("expected ',' or '}'");
        }
        if (descr == null || fortran == null || shape == null) {
            throw new DatasetFormatException(file, key, "NPY header lacks 'descr', 'fortran_order' or 'shape': " + s.trim());
        }
        String dtype = normalize(descr);
        if (dtype == null) {
            throw new DatasetFormatException(file, key, "unsupported dtype '" + descr + "' (supported: " + SUPPORTED
                    + "; other types, e.g. float16, int16, uint32, complex, strings or objects, are not)");
        }
        // one-byte types have no byte order; only multi-byte '>' descriptors are swapped
        boolean big = descr.startsWith(">") && itemSize(dtype) > 1;
        return new NpyHeader(dtype, shape, fortran, big);
    }

    /**
     * The little-endian spelling of a supported descriptor, or null. numpy writes '|b1' and '|u1' for one-byte types;
     * '<b1'/'=u1'/'>b1' style spellings are accepted too; '>f4', '>f8', '>i4', '>i8' are big-endian (swapped on read).
     */
    private static String normalize(String descr) {
        return switch (descr) {
            case "<f4", "<f8", "<i4", "<i8" -> descr;
            case ">f4", ">f8", ">i4", ">i8" -> "<" + descr.substring(1);
            case "|b1", "<b1", "=b1", ">b1", "b1", "?", "|?", "<?", ">?" -> "|b1";
            case "|u1", "<u1", "=u1", ">u1", "u1", "B", "|B" -> "|u1";
            default -> null;
        };
    }

    /**
     * Reads the data of an array with header {@code h}. Stops after exactly the declared bytes; a short entry raises
     * a {@link DatasetFormatException} naming file, key, expected and found byte counts. Big-endian data are swapped
     * and Fortran-ordered data transposed into C order (as numpy.load does).
     */
    static NpyArray readData(InputStream in, NpyHeader h, Path file, String key, CRC32 crc, byte[] buf) throws IOException {
        long n;
        try {
            n = h.length();
        } catch (ArithmeticException e) {
            throw new DatasetFormatException(file, key, "implausible shape " + shapeRepr(h.shape()) + " (element count overflows)");
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new DatasetFormatException(file, key, h.describe() + " has " + n + " elements, more than a Java array holds");
        }
        int total = (int) n;
        int item = h.itemSize();
        Object data = switch (h.dtype()) {
            case "<f4" -> new float[total];
            case "<f8" -> new double[total];
            case "<i4" -> new int[total];
            case "<i8" -> new long[total];
            case "|b1" -> new boolean[total];
            case "|u1" -> new byte[total];
            default -> throw new IllegalStateException(h.dtype());
        };
        int perChunk = buf.length / item;
        ByteOrder order = h.bigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        long readBytes = 0;
        for (int off = 0; off < total; off += perChunk) {
            int cnt = Math.min(perChunk, total - off);
            int bytes = cnt * item;
            int got = in.readNBytes(buf, 0, bytes);
            if (got < bytes) {
                throw new DatasetFormatException(file, key, "truncated array data: " + h.describe() + " needs "
                        + n * item + " bytes, found " + (readBytes + got));
            }
            readBytes += got;
            if (crc != null) crc.update(buf, 0, bytes);
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, bytes).order(order);
            switch (h.dtype()) {
                case "<f4" -> bb.asFloatBuffer().get((float[]) data, off, cnt);
                case "<f8" -> bb.asDoubleBuffer().get((double[]) data, off, cnt);
                case "<i4" -> bb.asIntBuffer().get((int[]) data, off, cnt);
                case "<i8" -> bb.asLongBuffer().get((long[]) data, off, cnt);
                case "|b1" -> {
                    boolean[] z = (boolean[]) data;
                    for (int i = 0; i < cnt; i++) {
                        byte v = buf[i];
                        if (v != 0 && v != 1) {
                            throw new DatasetFormatException(file, key, "invalid bool byte " + v + " at element "
                                    + (off + i) + " (expected 0 or 1)");
                        }
                        z[off + i] = v == 1;
                    }
                }
                case "|u1" -> System.arraycopy(buf, 0, (byte[]) data, off, cnt);
                default -> throw new IllegalStateException(h.dtype());
            }
        }
        if (h.fortranOrder()) data = fortranToC(data, h.shape());
        return new NpyArray(h.dtype(), h.shape(), data);
    }

    /**
     * Rearranges {@code src}, the elements of an array of {@code shape} in Fortran (column-major) order, into C
     * (row-major) order. Element (i0, ..., ik) sits at C offset ((i0 * d1 + i1) * d2 + ...) and at Fortran offset
     * i0 + d0 * (i1 + d1 * (i2 + ...)); the destination is filled in C order while an odometer tracks the source
     * offset, a chunk of source indices at a time so that the per-type copy loops stay simple.
     */
    static Object fortranToC(Object src, int[] shape) {
        int nd = shape.length;
        if (nd < 2) return src; // 0-D and 1-D arrays are the same in both orders
        int total = java.lang.reflect.Array.getLength(src);
        if (total == 0) return src;
        Object dst = java.lang.reflect.Array.newInstance(src.getClass().getComponentType(), total);
        long[] fStride = new long[nd];
        long s = 1;
        for (int d = 0; d < nd; d++) {
            fStride[d] = s;
            s *= shape[d];
        }
        int[] idx = new int[nd];
        long srcOff = 0;
        int[] from = new int[Math.min(total, 1 << 16)];
        for (int off = 0; off < total; off += from.length) {
            int cnt = Math.min(from.length, total - off);
            for (int i = 0; i < cnt; i++) {
                from[i] = (int) srcOff;
                // advance the C-order odometer: last axis fastest
                for (int d = nd - 1; d >= 0; d--) {
                    if (++idx[d] < shape[d]) {
                        srcOff += fStride[d];
                        break;
                    }
                    srcOff -= fStride[d] * (shape[d] - 1);
                    idx[d] = 0;
                }
            }
            if (src instanceof float[] f) {
                float[] t = (float[]) dst;
                for (int i = 0; i < cnt; i++) t[off + i] = f[from[i]];
            } else if (src instanceof double[] f) {
                double[] t = (double[]) dst;
                for (int i = 0; i < cnt; i++) t[off + i] = f[from[i]];
            } else if (src instanceof int[] f) {
                int[] t = (int[]) dst;
                for (int i = 0; i < cnt; i++) t[off + i] = f[from[i]];
            } else if (src instanceof long[] f) {
                long[] t = (long[]) dst;
                for (int i = 0; i < cnt; i++) t[off + i] = f[from[i]];
            } else if (src instanceof boolean[] f) {
                boolean[] t = (boolean[]) dst;
                for (int i = 0; i < cnt; i++) t[off + i] = f[from[i]];
            } else if (src instanceof byte[] f) {
                byte[] t = (byte[]) dst;
                for (int i = 0; i < cnt; i++) t[off + i] = f[from[i]];
            } else {
                throw new IllegalStateException(src.getClass().getName());
            }
        }
        return dst;
    }

    /** Reads to the end of {@code in}, feeding the CRC; returns how many bytes there were. */
    static long drain(InputStream in, CRC32 crc, byte[] buf) throws IOException {
        long total = 0;
        int r;
        while ((r = in.read(buf)) > 0) {
            if (crc != null) crc.update(buf, 0, r);
            total += r;
        }
        return total;
    }

    private static String hex(byte[] b, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(String.format("\\x%02x", b[i] & 0xFF));
        return sb.toString();
    }

    /** Minimal parser for the Python literal subset numpy writes. */
    private static final class HeaderParser {
        final String s;
        final Path file;
        final String key;
        int pos;

        HeaderParser(String s, Path file, String key) {
            this.s = s;
            this.file = file;
            this.key = key;
        }

        DatasetFormatException error(String what) {
            return new DatasetFormatException(file, key, "malformed NPY header (" + what + " at offset " + pos + "): "
                    + s.trim());
        }

        char peek() {
            if (pos >= s.length()) throw error("unexpected end");
            return s.charAt(pos);
        }

        void ws() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        }

        void expect(char c) {
            if (peek() != c) throw error("expected '" + c + "'");
            pos++;
        }

        String string() {
            char q = peek();
            if (q != '\'' && q != '"') throw error("expected a quoted string");
            int end = s.indexOf(q, pos + 1);
            if (end < 0) throw error("unterminated string");
            String v = s.substring(pos + 1, end);
            pos = end + 1;
            return v;
        }

        boolean bool() {
            if (s.startsWith("True", pos)) {
                pos += 4;
                return true;
            }
            if (s.startsWith("False", pos)) {
                pos += 5;
                return false;
            }
            throw error("expected True or False");
        }

        int[] tuple() {
            expect('(');
            List<Integer> dims = new ArrayList<>();
            while (true) {
                ws();
                if (peek() == ')') {
                    pos++;
                    break;
                }
                int start = pos;
                while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
                if (start == pos) throw error("expected a non-negative integer dimension");
                long v;
                try {
                    v = Long.parseLong(s.substring(start, pos));
                } catch (NumberFormatException e) {
                    throw error("dimension too large");
                }
                if (v > Integer.MAX_VALUE) throw error("dimension " + v + " too large");
                dims.add((int) v);
                if (pos < s.length() && s.charAt(pos) == 'L') pos++; // Python 2 long suffix
                ws();
                if (peek() == ',') pos++;
                else if (peek() != ')') throw error("expected ',' or ')' in shape");
            }
            int[] shape = new int[dims.size()];
            for (int i = 0; i < shape.length; i++) shape[i] = dims.get(i);
            return shape;
        }
    }
}
