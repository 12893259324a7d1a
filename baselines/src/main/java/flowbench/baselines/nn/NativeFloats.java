package flowbench.baselines.nn;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * A block of off-heap float32 memory, the operand storage of {@link Blas#gemm}. Elementwise work happens on Java
 * arrays (see {@link Kernels}); data moves between the two with bulk copies (a memcpy each, ~6 µs per 512 KiB here),
 * which is cheaper than doing elementwise work on off-heap memory from Java 17 (no auto-vectorisation of
 * Unsafe/ByteBuffer loops; the Vector API's ByteBuffer entry points were removed in later JDKs).
 *
 * <p>Not thread-safe (one copy cursor).
 */
final class NativeFloats {
    private final FloatPointer base;
    private final FloatPointer cursor;
    final long length;

    NativeFloats(long length) {
        if (length <= 0) throw new IllegalArgumentException("native buffer length must be > 0, got " + length);
        this.length = length;
        this.base = new FloatPointer(length);
        Pointer.memset(base, 0, length * Float.BYTES);
        this.cursor = new FloatPointer(base);
    }

    /** A pointer to element {@code offset}, for gemm arguments. Allocate these once, not per call. */
    FloatPointer at(long offset) {
        check(offset, 0);
        FloatPointer p = new FloatPointer(base);
        p.position(offset);
        return p;
    }

    void put(long offset, float[] src, int srcOffset, int len) {
        check(offset, len);
        cursor.position(offset);
        cursor.put(src, srcOffset, len);
    }

    void get(long offset, float[] dst, int dstOffset, int len) {
        check(offset, len);
        cursor.position(offset);
        cursor.get(dst, dstOffset, len);
    }

    /** Zeroes the whole block (memset on the base pointer, whose position is 0). */
    void zeroAll() {
        Pointer.memset(base, 0, length * Float.BYTES);
    }

    private static final float[] ZEROS = new float[16384];

    /** Zeroes [offset, offset + len). Bulk puts of a zero array: no memset, whose Pointer argument would take the
     * position in bytes rather than floats. */
    void zero(long offset, long len) {
        check(offset, len);
        for (long done = 0; done < len; ) {
            int n = (int) Math.min(ZEROS.length, len - done);
            put(offset + done, ZEROS, 0, n);
            done += n;
        }
    }

    private void check(long offset, long len) {
        if (offset < 0 || len < 0 || offset + len > length) {
            throw new IndexOutOfBoundsException("native range [" + offset + ", " + (offset + len) + ") outside [0, "
                    + length + ")");
        }
    }
}
