package flowbench.baselines.nn;

import flowbench.harness.rng.Rng;

import java.util.ArrayList;

/**
 * A multilayer perceptron (see {@link MlpConfig}) with hand-written forward and backward passes.
 *
 * <pre>{@code
 * Mlp net = new Mlp(MlpConfig.of(40, new int[] {256, 256, 256}, 8, Activation.GELU), Seeds.rng(seed, "init", "actor"));
 * Mlp.Tape tape = net.newTape(256);          // preallocated buffers for batches up to 256; reuse every step
 * Gradients g = net.newGradients();
 * g.zero();
 * float[] y = net.forward(tape, x, batch);   // batch × 8, owned by the tape
 * ... dY = dL/dy ...
 * net.backward(tape, dY, g, null);           // parameter gradients only
 * net.backward(tape, dY, null, dX);          // or only the input VJP dL/dx (no parameter work)
 * }</pre>
 *
 * <p>All arrays are row-major {@code batch × columns}. Not thread-safe; use one thread per network or per tape set.
 */
public final class Mlp implements Module {
    private final MlpConfig config;
    private final Parameters params;
    private final MlpCore core;

    /** A new network with freshly initialised parameters drawn from {@code rng}. */
    public Mlp(MlpConfig config, Rng rng) {
        this(config);
        core.initialize(rng);
    }

    private Mlp(MlpConfig config) {
        this.config = config;
        this.params = new Parameters(MlpCore.tensors(config, "", 0, new ArrayList<>()));
        this.core = new MlpCore(config, params, 0);
    }

    /** Same architecture, parameters copied exactly (e.g. a target network). */
    public Mlp copy() {
        Mlp m = new Mlp(config);
        m.params.copyFrom(params);
        return m;
    }

    public MlpConfig config() {
        return config;
    }

    @Override
    public Parameters parameters() {
        return params;
    }

    /** Buffers for one forward/backward pass on batches of at most {@code maxBatch} rows. */
    public Tape newTape(int maxBatch) {
        return new Tape(this, maxBatch);
    }

    /**
     * Forward pass; caches what {@link #backward} needs in the tape.
     *
     * @param x     batch × inputDim, row-major (only the first batch·inputDim values are read)
     * @return batch × outputDim, a buffer owned by the tape that the next forward on this tape overwrites
     */
    public float[] forward(Tape tape, float[] x, int batch) {
        tape.check(this);
        checkBatch(tape.ws.capacity, batch);
        checkLength("x", x, batch * config.inputDim(), batch, config.inputDim());
        tape.ws.input.put(0, x, 0, batch * config.inputDim());
        core.forward(tape.cache, batch);
        return tape.cache.output;
    }

    /**
     * Vector-Jacobian product through the last forward pass on {@code tape}.
     *
     * @param dY    cotangent dL/dy, batch × outputDim
     * @param grads accumulate dL/dθ into it (added, not overwritten); null skips all parameter work
     * @param dX    receives dL/dx (batch × inputDim, overwritten); null skips it. Slice the columns you need
     *              (e.g. the action part of a critic's [s, a] input).
     */
    public void backward(Tape tape, float[] dY, Gradients grads, float[] dX) {
        tape.check(this);
        int batch = tape.cache.batch;
        if (batch < 0) throw new IllegalStateException("backward called before forward on this tape");
        checkLength("dY", dY, batch * config.outputDim(), batch, config.outputDim());
        if (dX != null) checkLength("dX", dX, batch * config.inputDim(), batch, config.inputDim());
        System.arraycopy(dY, 0, tape.ws.grad, 0, batch * config.outputDim());
        core.backward(tape.cache, grads, dX != null, false);
        if (dX != null) tape.ws.inputGrad.get(0, dX, 0, batch * config.inputDim());
    }

    static void checkBatch(int capacity, int batch) {
        if (batch <= 0 || batch > capacity) {
            throw new IllegalArgumentException("batch must be in [1, " + capacity + "] (the tape's capacity), got " + batch);
        }
    }

    static void checkLength(String what, float[] a, int need, int batch, int cols) {
        if (a == null) throw new IllegalArgumentException(what + " must not be null");
        if (a.length < need) {
            throw new IllegalArgumentException(what + " has " + a.length + " values, expected at least " + need + " (batch "
                    + batch + " × " + cols + ")");
        }
    }

    /** Buffers of one pass: the forward caches plus scratch. Reuse across steps; one tape per concurrent pass. */
    public static final class Tape {
        private final Mlp owner;
        final MlpCore.Workspace ws;
        final MlpCore.Cache cache;

        private Tape(Mlp owner, int maxBatch) {
            this.owner = owner;
            this.ws = new MlpCore.Workspace(maxBatch, owner.config.inputDim(), owner.config.maxWidth());
            this.cache = new MlpCore.Cache(owner.core, ws);
        }

        public int capacity() {
            return ws.capacity;
        }

        private void check(Mlp net) {
            if (net != owner) throw new IllegalArgumentException("this tape was made by a different Mlp");
        }
    }
}
