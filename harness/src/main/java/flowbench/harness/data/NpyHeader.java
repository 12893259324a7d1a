package flowbench.harness.data;

import java.util.Arrays;

/** The header of one {@code .npy} array: NumPy dtype descriptor (one of {@link NpyArray}'s) and C-order shape. */
public record NpyHeader(String dtype, int[] shape) {
    public NpyHeader {
        shape = shape.clone();
    }

    @Override
    public int[] shape() { return shape.clone(); }

    public int ndim() { return shape.length; }

    /** Size of dimension {@code i}. */
    public int dim(int i) { return shape[i]; }

    /** Number of elements; {@link ArithmeticException} if it does not fit in a long (a corrupt header). */
    public long length() {
        long n = 1;
        for (int s : shape) n = Math.multiplyExact(n, (long) s);
        return n;
    }

    /** Bytes per element. */
    public int itemSize() { return NpyFormat.itemSize(dtype); }

    /** e.g. {@code "<f4 shape (1001, 2)"}, used in error messages. */
    public String describe() { return dtype + " shape " + NpyFormat.shapeRepr(shape); }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyHeader h && h.dtype.equals(dtype) && Arrays.equals(h.shape, shape);
    }

    @Override
    public int hashCode() { return 31 * dtype.hashCode() + Arrays.hashCode(shape); }

    @Override
    public String toString() { return describe(); }
}
