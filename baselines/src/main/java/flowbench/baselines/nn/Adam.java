package flowbench.baselines.nn;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.List;

/**
 * Adam over one or more modules, with optional global-norm clipping computed across all of them.
 *
 * <p>Arithmetic follows optax ({@code chain(clip_by_global_norm(c), adam(lr))}) operation by operation in float32:
 * g ← g / ‖g‖ · c when ‖g‖ ≥ c; m ← (1−β1)·g + β1·m; v ← (1−β2)·g² + β2·v; m̂ = m / (1−β1^t); v̂ = v / (1−β2^t);
 * θ ← θ − lr · m̂ / (√v̂ + eps). torch.optim.Adam is the same formula up to rounding.
 *
 * <p>ND4J's AdamUpdater costs ~0.9 ms per step at 143k parameters on this machine (docs/machine.md); this fused,
 * chunked loop (gradient copy-in, update, parameter copy-out to the gemm mirror) ~50 µs of CPU time.
 */
public final class Adam {
    private final AdamConfig config;
    private final Parameters[] params;
    private final float[][] m, v;
    private long step;

    public Adam(AdamConfig config, List<? extends Module> modules) {
        this(config, modules.stream().map(Module::parameters).toArray(Parameters[]::new));
    }

    public Adam(AdamConfig config, Module... modules) {
        this(config, java.util.Arrays.stream(modules).map(Module::parameters).toArray(Parameters[]::new));
    }

    public Adam(AdamConfig config, Parameters... params) {
        if (params.length == 0) throw new IllegalArgumentException("Adam needs at least one parameter block");
        for (int i = 0; i < params.length; i++) {
            for (int j = 0; j < i; j++) {
                if (params[i] == params[j]) throw new IllegalArgumentException("parameter block " + i + " given twice");
            }
        }
        this.config = config;
        this.params = params.clone();
        this.m = new float[params.length][];
        this.v = new float[params.length][];
        for (int i = 0; i < params.length; i++) {
            m[i] = new float[params[i].size()];
            v[i] = new float[params[i].size()];
        }
    }

    public AdamConfig config() {
        return config;
    }

    /** Number of steps taken (the t of the bias correction). */
    public long stepCount() {
        return step;
    }

    /**
     * One update. {@code grads} must be given in the order of the modules passed to the constructor.
     *
     * @return the global gradient norm before clipping (over all modules)
     */
    public double step(Gradients... grads) {
        if (grads.length != params.length) {
            throw new IllegalArgumentException("Adam.step: expected " + params.length + " gradient holders, got "
                    + grads.length);
        }
        for (int i = 0; i < grads.length; i++) {
            if (grads[i].parameters() != params[i]) {
                throw new IllegalArgumentException("Adam.step: gradients #" + i
                        + " do not belong to the optimiser's parameter block #" + i);
            }
        }
        boolean clipOn = config.clipGlobalNorm() > 0;
        double sq = 0;
        if (clipOn) {
            // the norm must be known before any update: one extra pass over the gradients
            for (Gradients g : grads) {
                float[] h = g.heapView();
                sq += Kernels.sumSquares(h, h.length);
            }
        }
        float normF = (float) Math.sqrt(sq);
        float maxNorm = (float) config.clipGlobalNorm();
        // optax: select(g_norm < max_norm, g, g / g_norm * max_norm)
        boolean clip = clipOn && !(normF < maxNorm);
        step++;
        float b1 = (float) config.beta1(), b2 = (float) config.beta2();
        // 1−β and the bias corrections 1−β^t are formed in double and rounded once (optax/torch form 1−β in double;
        // optax evaluates β^t in float32, which can differ from this by an ulp)
        float omb1 = (float) (1.0 - config.beta1()), omb2 = (float) (1.0 - config.beta2());
        float bc1 = (float) (1.0 - Math.pow(config.beta1(), step));
        float bc2 = (float) (1.0 - Math.pow(config.beta2(), step));
        float lr = (float) config.learningRate(), eps = (float) config.eps();
        for (int i = 0; i < params.length; i++) {
            // Chunked so that the gradient copy-in, the update and the copy-out of the new parameters to the gemm
            // mirror all happen while a chunk is in cache, instead of three more passes over memory. CHUNK is a
            // multiple of the 4096-value norm chunks, so the norm sums in the same order as Gradients.squaredNorm.
            Gradients gr = grads[i];
            Parameters p = params[i];
            boolean copyIn = gr.heapStale();
            float[] g = gr.heapUnsynced();
            int n = g.length;
            for (int off = 0; off < n; off += CHUNK) {
                int len = Math.min(CHUNK, n - off);
                if (copyIn) gr.syncHeap(off, len);
                if (!clipOn) sq += Kernels.sumSquares(g, off, len);
                Kernels.adam(p.data, g, m[i], v[i], off, len, lr, b1, b2, omb1, omb2, eps, bc1, bc2, clip, normF,
                        maxNorm);
                p.pushNative(off, len);
            }
            gr.markHeapFresh();
            p.markNativeFresh();
        }
        return Math.sqrt(sq);
    }

    private static final int CHUNK = 16384;

    /** First moment of block i (a copy), for inspection and tests. */
    public float[] firstMoment(int block) {
        return m[block].clone();
    }

    public float[] secondMoment(int block) {
        return v[block].clone();
    }

    void write(DataOutput out) throws IOException {
        out.writeDouble(config.learningRate());
        out.writeDouble(config.beta1());
        out.writeDouble(config.beta2());
        out.writeDouble(config.eps());
        out.writeDouble(config.clipGlobalNorm());
        out.writeLong(step);
        out.writeInt(params.length);
        for (int i = 0; i < params.length; i++) {
            out.writeUTF(params[i].layout());
            out.writeInt(m[i].length);
            Checkpoint.writeFloats(out, m[i], m[i].length);
            Checkpoint.writeFloats(out, v[i], v[i].length);
        }
    }

    /** Moments and step count read from a checkpoint, applied only once the whole file has been validated. */
    record State(long step, float[][] m, float[][] v) {}

    /** Reads and validates a state; the hyperparameters in the file must equal this optimiser's. */
    State readStaged(DataInput in, String where) throws IOException {
        AdamConfig stored = new AdamConfig(in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(),
                in.readDouble());
        if (!stored.equals(config)) {
            throw new IOException(where + ": optimiser hyperparameters differ: file has " + stored + ", expected " + config);
        }
        long s = in.readLong();
        if (s < 0) throw new IOException(where + ": negative Adam step count " + s);
        int blocks = in.readInt();
        if (blocks != params.length) {
            throw new IOException(where + ": expected " + params.length + " parameter blocks, file has " + blocks);
        }
        float[][] sm = new float[blocks][], sv = new float[blocks][];
        for (int i = 0; i < blocks; i++) {
            String layout = in.readUTF();
            int n = in.readInt();
            if (n != m[i].length || !layout.equals(params[i].layout())) {
                throw new IOException(where + ": block " + i + ": expected " + m[i].length + " moments with layout "
                        + params[i].layout() + ", file has " + n + " with layout " + layout);
            }
            sm[i] = new float[n];
            sv[i] = new float[n];
            Checkpoint.readFloats(in, sm[i], n);
            Checkpoint.readFloats(in, sv[i], n);
        }
        return new State(s, sm, sv);
    }

    void restore(State state) {
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(state.m()[i], 0, m[i], 0, m[i].length);
            System.arraycopy(state.v()[i], 0, v[i], 0, v[i].length);
        }
        step = state.step();
    }
}
