package flowbench.baselines.nn;

import flowbench.harness.agent.ComputeThreads;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.bytedeco.openblas.presets.openblas_nolapack.SetNumThreads;

/**
 * Row-major single-precision matrix multiply through the OpenBLAS that ships with the bytedeco presets (a dependency of
 * ND4J anyway), called directly with {@link FloatPointer}s.
 *
 * <p>Why not {@code Nd4j.gemm}: each ND4J op costs ~10 µs of dispatch and its INDArrays would have to wrap our buffers;
 * calling cblas directly costs well under 1 µs (docs/machine.md). Why not the {@code float[]} overloads of
 * {@code cblas_sgemm}: JavaCPP pins Java arrays with GetFloatArrayElements, which on HotSpot copies them into freshly
 * malloc'd memory on every call (measured 2.4× slower for 256³).
 *
 * <p>Threads are chosen per call: OpenBLAS's own rule runs every product above 256k multiply-adds on all threads. On
 * the 2-core machine the square products of an MLP step (256³, 256·512²) are 1.5–1.9× faster on 2 threads, but the
 * thin ones (a 40- or 8-wide side) gain little when the machine is idle and lose 1.5–4× as soon as anything else
 * runs (wake-up of the second thread dominates), so they stay on one thread. Defaults overridable with
 * {@code -Dflowbench.nn.blasParallelMin}, {@code -Dflowbench.nn.blasThin}, {@code -Dflowbench.nn.blasThreads}.
 *
 * <p>Determinism: OpenBLAS's bits depend on its thread count (its cache blocking follows the partition; BlasTest shows
 * 1 vs 2 threads differing in the last place) but are reproducible for a given count. The choice here depends only on
 * the shape and on {@link ComputeThreads#perRun()} (cores, or OPENBLAS_NUM_THREADS, or 1 while several runs share the
 * process), so a run is bit-reproducible on the same machine with the same thread setting (recorded as
 * {@code machine.threadsPerRun}), not across different core counts.
 *
 * <p>{@code openblas_set_num_threads} is process-global. One run per process may switch it between 1 and all cores per
 * call; several runs in one process ({@link ComputeThreads#limit}) keep it at 1 for the whole session, so concurrent
 * callers never change it under each other.
 */
final class Blas {
    /** Products with fewer multiply-adds than this (or a side thinner than {@link #THIN}) run on one thread. */
    static final long PARALLEL_MIN_MNK = Long.getLong("flowbench.nn.blasParallelMin", 6_000_000L);
    static final int THIN = Integer.getInteger("flowbench.nn.blasThin", 48);
    private static final SetNumThreads SET_THREADS;
    private static volatile int current = -1;

    static {
        Loader.load(openblas_nolapack.class);
        Pointer fn = Loader.addressof("openblas_set_num_threads");
        // The preset only exposes the function-pointer type; its no-argument constructor is protected, hence the
        // anonymous subclass. Without the symbol (another BLAS vendor) we simply never change the thread count.
        SET_THREADS = fn == null || fn.isNull() ? null : new SetNumThreads() {}.put(fn);
    }

    private Blas() {}

    static void threads(int n) {
        if (SET_THREADS != null && n != current) setThreads(n);
    }

    private static synchronized void setThreads(int n) {
        if (n != current) {
            SET_THREADS.call(n);
            current = n;
        }
    }

    /**
     * C = op(A)·op(B) + beta·C, all row-major. op(A) is m×k, op(B) is k×n, C is m×n.
     *
     * @param transA use Aᵀ (A stored k×m)
     * @param transB use Bᵀ (B stored n×k)
     */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, FloatPointer a, int lda, FloatPointer b,
                     int ldb, float beta, FloatPointer c, int ldc) {
        long mnk = (long) m * n * k;
        boolean parallel = mnk >= PARALLEL_MIN_MNK && Math.min(m, Math.min(n, k)) >= THIN;
        int threads = parallel ? ComputeThreads.perRun() : 1;
        threads(threads);
        GemmRecorder rec = recorder;
        long t0 = rec != null ? System.nanoTime() : 0;
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                m, n, k, 1f, a, lda, b, ldb, beta, c, ldc);
        if (rec != null) rec.add(transA, transB, m, n, k, beta, threads, System.nanoTime() - t0);
    }

    /** Receives every product's shape and time while set ({@link GemmProfileBench}); null otherwise (one volatile read per call). */
    static volatile GemmRecorder recorder;

    interface GemmRecorder {
        void add(boolean transA, boolean transB, int m, int n, int k, float beta, int threads, long nanos);
    }
}
