package flowbench.baselines.nn;

import flowbench.harness.rng.Rng;

import java.util.ArrayList;
import java.util.List;

/**
 * K independent MLPs of one architecture with independent initialisations, evaluated together on the same input
 * (critic ensembles, K = 2..10). The K parameter sets live in one {@link Parameters} block (member k's tensors are
 * named {@code member<k>/...}), so one Adam and one Polyak call cover the whole ensemble.
 *
 * <p>Outputs and cotangents are laid out member-major: {@code K × batch × outputDim}.
 */
public final class MlpEnsemble implements Module {
    private final MlpConfig config;
    private final int members;
    private final Parameters params;
    private final MlpCore[] cores;

    /** Member k is initialised from {@code rng.split()} taken in order k = 0..K−1. */
    public MlpEnsemble(MlpConfig config, int members, Rng rng) {
        this(config, members);
        for (MlpCore c : cores) c.initialize(rng.split());
    }

    private MlpEnsemble(MlpConfig config, int members) {
        if (members <= 0) throw new IllegalArgumentException("ensemble size must be > 0, got " + members);
        this.config = config;
        this.members = members;
        List<Parameters.Tensor> tensors = new ArrayList<>();
        int memberSize = new MlpCore(config, null, 0).size;
        for (int k = 0; k < members; k++) MlpCore.tensors(config, "member" + k + "/", k * memberSize, tensors);
        this.params = new Parameters(tensors);
        this.cores = new MlpCore[members];
        for (int k = 0; k < members; k++) cores[k] = new MlpCore(config, params, k * memberSize);
    }

    /** Same architecture and size, parameters copied exactly (e.g. a target critic). */
    public MlpEnsemble copy() {
        MlpEnsemble e = new MlpEnsemble(config, members);
        e.params.copyFrom(params);
        return e;
    }

    public MlpConfig config() {
        return config;
    }

    public int members() {
        return members;
    }

    @Override
    public Parameters parameters() {
        return params;
    }

    /** Offset of member k's parameters in the block. */
    public int memberOffset(int k) {
        return cores[k].base;
    }

    public Tape newTape(int maxBatch) {
        return new Tape(this, maxBatch);
    }

    /**
     * Forward pass of every member on the same input.
     *
     * @param x batch × inputDim
     * @return K × batch × outputDim (member-major), owned by the tape
     */
    public float[] forward(Tape tape, float[] x, int batch) {
        tape.check(this);
        Mlp.checkBatch(tape.ws.capacity, batch);
        Mlp.checkLength("x", x, batch * config.inputDim(), batch, config.inputDim());
        tape.ws.input.put(0, x, 0, batch * config.inputDim());
        int outN = batch * config.outputDim();
        for (int k = 0; k < members; k++) {
            cores[k].forward(tape.caches[k], batch);
            System.arraycopy(tape.caches[k].output, 0, tape.output, k * outN, outN);
        }
        tape.batch = batch;
        return tape.output;
    }

    /**
     * Backward pass of all members.
     *
     * @param dY    K × batch × outputDim
     * @param grads accumulate into it, or null
     * @param dX    receives Σ_k dL/dx through member k (batch × inputDim), or null
     */
    public void backward(Tape tape, float[] dY, Gradients grads, float[] dX) {
        tape.check(this);
        int batch = tape.batchOrFail();
        int outN = batch * config.outputDim();
        Mlp.checkLength("dY", dY, members * outN, batch, members * config.outputDim());
        if (dX != null) Mlp.checkLength("dX", dX, batch * config.inputDim(), batch, config.inputDim());
        for (int k = 0; k < members; k++) {
            System.arraycopy(dY, k * outN, tape.ws.grad, 0, outN);
            cores[k].backward(tape.caches[k], grads, dX != null, k > 0);
        }
        if (dX != null) tape.ws.inputGrad.get(0, dX, 0, batch * config.inputDim());
    }

    /**
     * Backward pass of member k only (e.g. losses that pair member k with something member-specific).
     *
     * @param dYk batch × outputDim for member k
     * @param dX  receives dL/dx through member k only, or null
     */
    public void backwardMember(Tape tape, int k, float[] dYk, Gradients grads, float[] dX) {
        tape.check(this);
        if (k < 0 || k >= members) throw new IllegalArgumentException("member must be in [0, " + members + "), got " + k);
        int batch = tape.batchOrFail();
        int outN = batch * config.outputDim();
        Mlp.checkLength("dYk", dYk, outN, batch, config.outputDim());
        if (dX != null) Mlp.checkLength("dX", dX, batch * config.inputDim(), batch, config.inputDim());
        System.arraycopy(dYk, 0, tape.ws.grad, 0, outN);
        cores[k].backward(tape.caches[k], grads, dX != null, false);
        if (dX != null) tape.ws.inputGrad.get(0, dX, 0, batch * config.inputDim());
    }

    /** Buffers for one pass of the whole ensemble; scratch is shared between members. */
    public static final class Tape {
        private final MlpEnsemble owner;
        final MlpCore.Workspace ws;
        final MlpCore.Cache[] caches;
        final float[] output;
        int batch = -1;

        private Tape(MlpEnsemble owner, int maxBatch) {
            this.owner = owner;
            this.ws = new MlpCore.Workspace(maxBatch, owner.config.inputDim(), owner.config.maxWidth());
            this.caches = new MlpCore.Cache[owner.members];
            for (int k = 0; k < owner.members; k++) caches[k] = new MlpCore.Cache(owner.cores[k], ws);
            this.output = new float[owner.members * maxBatch * owner.config.outputDim()];
        }

        public int capacity() {
            return ws.capacity;
        }

        private int batchOrFail() {
            if (batch < 0) throw new IllegalStateException("backward called before forward on this tape");
            return batch;
        }

        private void check(MlpEnsemble e) {
            if (e != owner) throw new IllegalArgumentException("this tape was made by a different MlpEnsemble");
        }
    }
}
