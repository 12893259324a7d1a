package flowbench.baselines.nn;

import org.bytedeco.javacpp.FloatPointer;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * All parameters of one module in one contiguous float32 block, so that Adam, Polyak averaging, copies and
 * checkpoints are single flat loops. Named tensors ({@link Tensor}) describe the layout.
 *
 * <p>The Java array is the master copy; an off-heap mirror feeds the matrix multiplies and is refreshed lazily (one
 * bulk copy) before the next forward pass after any change. Every mutator here marks the mirror stale.
 */
public final class Parameters {
    /** A named view into the block, row-major; a Dense kernel has shape [fan_in, fan_out] (flax convention). */
    public record Tensor(String name, int offset, int[] shape) {
        public Tensor {
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        public int size() {
            int n = 1;
            for (int s : shape) n *= s;
            return n;
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape) + "@" + offset;
        }
    }

    final float[] data;
    private final NativeFloats mirror;
    private boolean mirrorStale = true;
    private final List<Tensor> tensors;
    private final String layout;

    Parameters(List<Tensor> tensors) {
        this.tensors = Collections.unmodifiableList(new ArrayList<>(tensors));
        int size = 0;
        StringBuilder sb = new StringBuilder();
        for (Tensor t : tensors) {
            if (t.offset() != size) {
                throw new IllegalArgumentException("tensor " + t + " is not contiguous (expected offset " + size + ")");
            }
            size += t.size();
            sb.append(t.name()).append(Arrays.toString(t.shape)).append(';');
        }
        this.data = new float[size];
        this.mirror = new NativeFloats(Math.max(1, size));
        this.layout = sb.toString();
    }

    public int size() {
        return data.length;
    }

    public List<Tensor> tensors() {
        return tensors;
    }

    /** Tensor names and shapes in order; two blocks with the same layout can be copied into each other. */
    public String layout() {
        return layout;
    }

    public Tensor tensor(String name) {
        for (Tensor t : tensors) if (t.name().equals(name)) return t;
        throw new IllegalArgumentException("no parameter tensor named '" + name + "'; have " + tensors);
    }

    public float get(int i) {
        return data[i];
    }

    public void set(int i, float value) {
        data[i] = value;
        mirrorStale = true;
    }

    public float[] toArray() {
        return data.clone();
    }

    /** Overwrites every parameter. */
    public void setAll(float[] values) {
        if (values.length != data.length) {
            throw new IllegalArgumentException("setAll: expected " + data.length + " values, got " + values.length);
        }
        System.arraycopy(values, 0, data, 0, data.length);
        mirrorStale = true;
    }

    /** Exact copy (target-network initialisation). */
    public void copyFrom(Parameters source) {
        requireSameLayout(source, "copyFrom");
        System.arraycopy(source.data, 0, data, 0, data.length);
        mirrorStale = true;
    }

    /** Polyak averaging θ̄ ← τ·θ + (1 − τ)·θ̄ with this block as θ̄ (optax incremental_update, float32). */
    public void polyakUpdate(Parameters online, double tau) {
        requireSameLayout(online, "polyakUpdate");
        if (!(tau >= 0 && tau <= 1)) throw new IllegalArgumentException("Polyak tau must be in [0, 1], got " + tau);
        Kernels.lerp(data, online.data, data.length, (float) tau);
        mirrorStale = true;
    }

    /** A zeroed gradient holder with this layout. */
    public Gradients newGradients() {
        return new Gradients(this);
    }

    void requireSameLayout(Parameters other, String op) {
        if (!layout.equals(other.layout)) {
            throw new IllegalArgumentException(op + ": parameter layouts differ (" + other.layout + " vs " + layout + ")");
        }
    }

    /** Called after writing {@link #data} directly. */
    void markModified() {
        mirrorStale = true;
    }

    FloatPointer nativeAt(int offset) {
        return mirror.at(offset);
    }

    /** Copies data[offset, offset + len) to the native mirror (Adam pushes each chunk while it is in cache). */
    void pushNative(int offset, int len) {
        mirror.put(offset, data, offset, len);
    }

    /** Declares the mirror complete after every chunk was pushed. */
    void markNativeFresh() {
        mirrorStale = false;
    }

    void syncNative() {
        if (mirrorStale) {
            mirror.put(0, data, 0, data.length);
            mirrorStale = false;
        }
    }

    void write(DataOutput out) throws IOException {
        out.writeUTF(layout);
        out.writeInt(data.length);
        Checkpoint.writeFloats(out, data, data.length);
    }

    /** Reads and validates a block written by {@link #write}; {@link #restore} applies it. */
    float[] readStaged(DataInput in, String where) throws IOException {
        String fileLayout = in.readUTF();
        int n = in.readInt();
        if (n != data.length || !fileLayout.equals(layout)) {
            throw new IOException(where + ": parameter layout mismatch: expected " + data.length + " floats with layout "
                    + layout + " but found " + n + " floats with layout " + fileLayout);
        }
        float[] staged = new float[n];
        Checkpoint.readFloats(in, staged, n);
        return staged;
    }

    void restore(float[] staged) {
        setAll(staged);
    }
}
