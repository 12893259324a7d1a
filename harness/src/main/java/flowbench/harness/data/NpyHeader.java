package flowbench.harness.data;

import java.util.Arrays;

/**
 * The header of one {@code .npy} array: NumPy dtype descriptor (one of {@link NpyArray}'s, always in its little-endian
 * spelling) and shape, plus how the file stores the data. Arrays are always loaded as NumPy loads them: a big-endian
 * member ({@code '>f4'}) is byte-swapped and a Fortran-ordered one ({@code 'fortran_order': True}) is transposed into
 * the row-major (C) layout of {@link NpyArray}, so {@code dtype} and {@code shape} describe the loaded array.
 * Equality compares {@code dtype} and {@code shape} only.
 *
 * @param fortranOrder the file stores the data in Fortran (column-major) order
 * @param bigEndian    the file stores multi-byte elements big-endian ({@code '>'})
 */
public record NpyHeader(String dtype, int[] shape, boolean fortranOrder, boolean bigEndian) {
    public NpyHeader {
        shape = shape.clone();
    }

    /** A C-order, little-endian array (what flowbench writes). */
    public NpyHeader(String dtype, int[] shape) {
        this(dtype, shape, false, false);
    }

    /** How the data are stored when that differs from C order little-endian, e.g. {@code "big-endian, Fortran order"}; else "". */
    public String storage() {
        if (bigEndian && fortranOrder) return "big-endian, Fortran order";
        if (bigEndian) return "big-endian";
        if (fortranOrder) return "Fortran order";
        return "";
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
