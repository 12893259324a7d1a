package flowbench.harness.data;

import java.util.Arrays;

/**
 * One array of an {@code .npy}/{@code .npz} file: NumPy dtype descriptor, shape and data in C order.
 *
 * <p>Supported dtypes and their Java data types: {@code <f4} float[], {@code <f8} double[], {@code <i4} int[],
 * {@code <i8} long[], {@code |b1} boolean[], {@code |u1} byte[].
 */
public record NpyArray(String dtype, int[] shape, Object data) {
    public NpyArray {
        shape = shape.clone();
        long n = 1;
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= s;
        }
        int len = switch (dtype) {
            case "<f4" -> ((float[]) data).length;
            case "<f8" -> ((double[]) data).length;
            case "<i4" -> ((int[]) data).length;
            case "<i8" -> ((long[]) data).length;
            case "|b1" -> ((boolean[]) data).length;
            case "|u1" -> ((byte[]) data).length;
            default -> throw new IllegalArgumentException("unsupported dtype '" + dtype + "'");
        };
        if (len != n) {
            throw new IllegalArgumentException("data length " + len + " does not match shape " + Arrays.toString(shape));
        }
    }

    public static NpyArray of(float[] data, int... shape) { return new NpyArray("<f4", shape, data); }
    public static NpyArray of(double[] data, int... shape) { return new NpyArray("<f8", shape, data); }
    public static NpyArray of(int[] data, int... shape) { return new NpyArray("<i4", shape, data); }
    public static NpyArray of(long[] data, int... shape) { return new NpyArray("<i8", shape, data); }
    public static NpyArray of(boolean[] data, int... shape) { return new NpyArray("|b1", shape, data); }
    public static NpyArray of(byte[] data, int... shape) { return new NpyArray("|u1", shape, data); }

    @Override
    public int[] shape() { return shape.clone(); }

    /** Number of elements. */
    public long length() {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }
}
