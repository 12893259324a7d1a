package flowbench.baselines.nn;

import org.bytedeco.javacpp.FloatPointer;

/**
 * Gradient accumulator with the layout of one {@link Parameters} block. Backward passes ADD into it (so gradients of
 * several losses or batches can be summed); call {@link #zero()} before each step.
 *
 * <p>The off-heap block is the master here, because the kernel gradients are accumulated by the matrix multiply
 * itself (beta = 1); a Java copy is made on demand for Adam and norms.
 */
public final class Gradients {
    private final Parameters owner;
    private final NativeFloats values;
    private final float[] heap;
    private boolean heapStale;
    private float[] scratch = new float[0];
    private final int[] tensorOffsets;
    private final FloatPointer[] tensorPtr;

    Gradients(Parameters owner) {
        this.owner = owner;
        this.tensorOffsets = owner.tensors().stream().mapToInt(Parameters.Tensor::offset).toArray();
        this.tensorPtr = new FloatPointer[tensorOffsets.length];
        this.values = new NativeFloats(Math.max(1, owner.size()));
        this.heap = new float[owner.size()];
    }

    /** The parameters these gradients belong to. */
    public Parameters parameters() {
        return owner;
    }

    public int size() {
        return heap.length;
    }

    public void zero() {
        values.zeroAll();
        java.util.Arrays.fill(heap, 0f);
        heapStale = false;
    }

    public float get(int i) {
        return heapView()[i];
    }

    public float[] toArray() {
        return heapView().clone();
    }

    /** Σ g² (float partial sums per chunk, chunks summed in double). */
    public double squaredNorm() {
        return Kernels.sumSquares(heapView(), heap.length);
    }

    /** Multiplies every gradient by {@code factor} (e.g. to average over accumulated batches). */
    public void scale(float factor) {
        float[] h = heapView();
        for (int i = 0; i < h.length; i++) h[i] *= factor;
        values.put(0, h, 0, h.length);
    }

    /** Java copy, refreshed if a backward pass changed the native block since. */
    float[] heapView() {
        if (heapStale) {
            values.get(0, heap, 0, heap.length);
            heapStale = false;
        }
        return heap;
    }

    /** True when the Java copy lags the native block (a backward pass ran since the last sync). */
    boolean heapStale() {
        return heapStale;
    }

    /** The Java array without syncing; pair with {@link #syncHeap(int, int)} per chunk and {@link #markHeapFresh()}. */
    float[] heapUnsynced() {
        return heap;
    }

    void syncHeap(int offset, int len) {
        values.get(offset, heap, offset, len);
    }

    void markHeapFresh() {
        heapStale = false;
    }

    /** Pointer to the tensor starting at {@code offset}; created once per tensor (backward asks every step). */
    FloatPointer nativeAt(int offset) {
        int i = java.util.Arrays.binarySearch(tensorOffsets, offset);
        if (i < 0) return values.at(offset);
        FloatPointer ptr = tensorPtr[i];
        if (ptr == null) ptr = tensorPtr[i] = values.at(offset);
        return ptr;
    }

    /** values[offset .. offset+len) += src[0 .. len) (bias and LayerNorm gradients, computed in Java). */
    void addRegion(int offset, float[] src, int len) {
        if (scratch.length < len) scratch = new float[len];
        values.get(offset, scratch, 0, len);
        Kernels.addInto(scratch, 0, src, 0, len);
        values.put(offset, scratch, 0, len);
        heapStale = true;
    }

    void markNativeModified() {
        heapStale = true;
    }
}
