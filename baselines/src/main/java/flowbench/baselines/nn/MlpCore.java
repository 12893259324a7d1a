package flowbench.baselines.nn;

import flowbench.harness.rng.Rng;
import org.bytedeco.javacpp.FloatPointer;

import java.util.Arrays;
import java.util.List;

/**
 * The computation of one MLP whose parameters live at {@code base} inside a (possibly shared) {@link Parameters}
 * block: the layout, the initialiser, and forward/backward on a {@link Cache}. {@link Mlp} is one core with its own
 * block; {@link MlpEnsemble} is K cores sharing one block.
 *
 * <p>Per layer l (rows = batch, width w): the gemm z = h_{l−1}·W_l runs in OpenBLAS on off-heap buffers; z is copied to
 * a Java array where bias, activation and LayerNorm run as fused vector loops; the result is copied back off-heap as
 * the next gemm's input. The backward pass mirrors this: dZ is formed in Java, copied off-heap, then
 * dW += h_{l−1}ᵀ·dZ (beta = 1, accumulating straight into the gradient block) and dh_{l−1} = dZ·W_lᵀ.
 */
final class MlpCore {
    static final float LN_EPS = 1e-6f;

    final MlpConfig cfg;
    final int base;
    final int size;
    final int layers;
    final int[] fanIn, width, kernelOff, biasOff, scaleOff, shiftOff;
    final LayerNormPlacement[] ln;
    final boolean[] activated;
    private final Parameters params;
    private final FloatPointer[] kernelPtr;

    MlpCore(MlpConfig cfg, Parameters params, int base) {
        this.cfg = cfg;
        this.params = params;
        this.base = base;
        layers = cfg.layerCount();
        fanIn = new int[layers];
        width = new int[layers];
        kernelOff = new int[layers];
        biasOff = new int[layers];
        scaleOff = new int[layers];
        shiftOff = new int[layers];
        ln = new LayerNormPlacement[layers];
        activated = new boolean[layers];
        int off = base;
        for (int l = 0; l < layers; l++) {
            fanIn[l] = cfg.fanIn(l);
            width[l] = cfg.width(l);
            activated[l] = cfg.activated(l);
            ln[l] = cfg.layerNormAt(l);
            kernelOff[l] = off;
            off += fanIn[l] * width[l];
            biasOff[l] = off;
            off += width[l];
            if (ln[l] != LayerNormPlacement.NONE) {
                scaleOff[l] = off;
                off += width[l];
                shiftOff[l] = off;
                off += width[l];
            } else {
                scaleOff[l] = shiftOff[l] = -1;
            }
        }
        size = off - base;
        kernelPtr = new FloatPointer[layers];
        if (params != null) {
            for (int l = 0; l < layers; l++) kernelPtr[l] = params.nativeAt(kernelOff[l]);
        }
    }

    /** Tensor list of one MLP, names prefixed, offsets from {@code base}. */
    static List<Parameters.Tensor> tensors(MlpConfig cfg, String prefix, int base, List<Parameters.Tensor> out) {
        int off = base;
        for (int l = 0; l < cfg.layerCount(); l++) {
            int in = cfg.fanIn(l), w = cfg.width(l);
            out.add(new Parameters.Tensor(prefix + "dense" + l + "/kernel", off, new int[] {in, w}));
            off += in * w;
            out.add(new Parameters.Tensor(prefix + "dense" + l + "/bias", off, new int[] {w}));
            off += w;
            if (cfg.layerNormAt(l) != LayerNormPlacement.NONE) {
                out.add(new Parameters.Tensor(prefix + "layernorm" + l + "/scale", off, new int[] {w}));
                off += w;
                out.add(new Parameters.Tensor(prefix + "layernorm" + l + "/bias", off, new int[] {w}));
                off += w;
            }
        }
        return out;
    }

    /** Glorot-uniform (or LeCun-normal for the output layer if configured) kernels, zero biases, LN scale 1. */
    void initialize(Rng rng) {
        float[] p = params.data;
        for (int l = 0; l < layers; l++) {
            int in = fanIn[l], w = width[l];
            boolean lecun = l == layers - 1 && cfg.outputInit() == WeightInit.LECUN_NORMAL;
            if (lecun) {
                // flax lecun_normal: truncated_normal(−2, 2) · √(1/fan_in) / .87962566103423978 (std of N(0,1) on [−2, 2])
                double std = Math.sqrt(1.0 / in) / 0.87962566103423978;
                for (int i = 0; i < in * w; i++) {
                    double z;
                    do {
                        z = rng.nextGaussian();
                    } while (z < -2 || z > 2);
                    p[kernelOff[l] + i] = (float) (z * std);
                }
            } else {
                double limit = Math.sqrt(6.0 / (in + w));
                for (int i = 0; i < in * w; i++) p[kernelOff[l] + i] = (float) rng.uniform(-limit, limit);
            }
            Arrays.fill(p, biasOff[l], biasOff[l] + w, 0f);
            if (scaleOff[l] >= 0) {
                Arrays.fill(p, scaleOff[l], scaleOff[l] + w, 1f);
                Arrays.fill(p, shiftOff[l], shiftOff[l] + w, 0f);
            }
        }
        params.markModified();
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** Scratch shared by the members of an ensemble (they run one after another). */
    static final class Workspace {
        final int capacity;
        final int inputDim;
        final NativeFloats input;      // batch × inputDim
        final FloatPointer inputPtr;
        final NativeFloats gemmOut;    // z and dh products, batch × maxWidth
        final FloatPointer gemmOutPtr;
        final NativeFloats delta;      // dZ for the backward gemms
        final FloatPointer deltaPtr;
        final NativeFloats inputGrad;  // batch × inputDim
        final FloatPointer inputGradPtr;
        final float[] stage;           // layer output before it goes off-heap
        final float[] grad;            // dL/d(layer output), then dZ, in place
        final float[] rowScratch;

        Workspace(int capacity, int inputDim, int maxWidth) {
            if (capacity <= 0) throw new IllegalArgumentException("tape capacity (max batch) must be > 0, got " + capacity);
            this.capacity = capacity;
            this.inputDim = inputDim;
            long n = (long) capacity * maxWidth;
            if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("tape too large: " + capacity + " × " + maxWidth);
            input = new NativeFloats((long) capacity * inputDim);
            inputPtr = input.at(0);
            gemmOut = new NativeFloats(n);
            gemmOutPtr = gemmOut.at(0);
            delta = new NativeFloats(n);
            deltaPtr = delta.at(0);
            inputGrad = new NativeFloats((long) capacity * inputDim);
            inputGradPtr = inputGrad.at(0);
            stage = new float[(int) n];
            grad = new float[(int) n];
            rowScratch = new float[maxWidth];
        }
    }

    /** What one member's forward pass keeps for its backward pass. */
    static final class Cache {
        final Workspace ws;
        final float[][] pre;      // activation input (or the output layer's z + b)
        final float[][] tanh;     // activation cache: GELU tanh(u), mish exp(x); null for ReLU
        final float[][] xhat;     // LayerNorm x̂, else null
        final float[][] rstd;     // LayerNorm 1/σ per row, else null
        final NativeFloats[] hidden; // layer outputs off-heap (inputs of the next layer), not for the last layer
        final FloatPointer[] hiddenPtr;
        final float[][] colAcc, lnScaleAcc, lnShiftAcc;
        final float[] output;     // batch × outputDim
        int batch = -1;

        Cache(MlpCore core, Workspace ws) {
            this.ws = ws;
            int n = core.layers, cap = ws.capacity;
            pre = new float[n][];
            tanh = new float[n][];
            xhat = new float[n][];
            rstd = new float[n][];
            hidden = new NativeFloats[n];
            hiddenPtr = new FloatPointer[n];
            colAcc = new float[n][];
            lnScaleAcc = new float[n][];
            lnShiftAcc = new float[n][];
            for (int l = 0; l < n; l++) {
                int w = core.width[l];
                pre[l] = new float[cap * w];
                colAcc[l] = new float[w];
                if (core.activated[l] && core.cfg.activation() != Activation.RELU) tanh[l] = new float[cap * w];
                if (core.ln[l] != LayerNormPlacement.NONE) {
                    xhat[l] = new float[cap * w];
                    rstd[l] = new float[cap];
                    lnScaleAcc[l] = new float[w];
                    lnShiftAcc[l] = new float[w];
                }
                if (l < n - 1) {
                    hidden[l] = new NativeFloats((long) cap * w);
                    hiddenPtr[l] = hidden[l].at(0);
                }
            }
            output = new float[cap * core.width[n - 1]];
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Rows per block of the elementwise work: ~64 KiB per array, so that copying a block in from the gemm output,
     * transforming it and copying it out happen while it sits in L1/L2, instead of streaming whole matrices
     * (512 KiB at batch 256 × width 512, over this machine's 1 MiB L2) through L3 three times.
     */
    static int blockRows(int width) {
        return Math.max(1, 16384 / width);
    }

    /** Forward pass on the input already in {@code c.ws.input}; the result lands in {@code c.output}. */
    void forward(Cache c, int batch) {
        params.syncNative();
        Workspace ws = c.ws;
        float[] p = params.data;
        Activation act = cfg.activation();
        FloatPointer in = ws.inputPtr;
        for (int l = 0; l < layers; l++) {
            int w = width[l];
            boolean last = l == layers - 1;
            Blas.gemm(false, false, batch, w, fanIn[l], in, fanIn[l], kernelPtr[l], w, 0f, ws.gemmOutPtr, w);
            float[] z = c.pre[l];
            float[] out = last ? c.output : ws.stage;
            int br = blockRows(w);
            for (int r0 = 0; r0 < batch; r0 += br) {
                int rows = Math.min(br, batch - r0), off = r0 * w, len = rows * w;
                ws.gemmOut.get(off, z, off, len);
                if (!activated[l]) {
                    Kernels.biasAct(z, p, biasOff[l], null, out, r0, rows, w, null);
                } else {
                    switch (ln[l]) {
                        case NONE -> Kernels.biasAct(z, p, biasOff[l], c.tanh[l], out, r0, rows, w, act);
                        case AFTER_ACTIVATION -> {
                            Kernels.biasAct(z, p, biasOff[l], c.tanh[l], out, r0, rows, w, act);
                            Kernels.layerNormForward(out, p, scaleOff[l], shiftOff[l], c.xhat[l], c.rstd[l], out, r0,
                                    rows, w, LN_EPS);
                        }
                        case BEFORE_ACTIVATION -> {
                            Kernels.biasAct(z, p, biasOff[l], null, z, r0, rows, w, null);
                            Kernels.layerNormForward(z, p, scaleOff[l], shiftOff[l], c.xhat[l], c.rstd[l], z, r0,
                                    rows, w, LN_EPS);
                            Kernels.activate(z, c.tanh[l], out, off, len, act);
                        }
                        default -> throw new IllegalStateException("unresolved placement " + ln[l]);
                    }
                }
                if (!last) c.hidden[l].put(off, out, off, len);
            }
            if (!last) in = c.hiddenPtr[l];
        }
        c.batch = batch;
    }

    /**
     * Backward pass for the cotangent already in {@code c.ws.grad} (batch × outputDim).
     *
     * @param grads          accumulate parameter gradients here, or null to skip them
     * @param wantInputGrad  compute dL/dx into {@code c.ws.inputGrad}
     * @param accumulateInputGrad add to {@code c.ws.inputGrad} instead of overwriting (ensembles sum over members)
     */
    void backward(Cache c, Gradients grads, boolean wantInputGrad, boolean accumulateInputGrad) {
        int batch = c.batch;
        if (batch < 0) throw new IllegalStateException("backward called before forward on this tape");
        if (grads != null && grads.parameters() != params) {
            throw new IllegalArgumentException("gradients belong to a different parameter block");
        }
        if (grads == null && !wantInputGrad) return;
        Workspace ws = c.ws;
        float[] p = params.data;
        float[] d = ws.grad;
        Activation act = cfg.activation();
        boolean paramGrads = grads != null;
        for (int l = layers - 1; l >= 0; l--) {
            int w = width[l];
            float[] colAcc = paramGrads ? c.colAcc[l] : null;
            if (paramGrads) Arrays.fill(colAcc, 0f);
            float[] dScale = null, dShift = null;
            if (paramGrads && ln[l] != LayerNormPlacement.NONE) {
                dScale = c.lnScaleAcc[l];
                dShift = c.lnShiftAcc[l];
                Arrays.fill(dScale, 0f);
                Arrays.fill(dShift, 0f);
            }
            // per row block: d = dL/d(layer output) (from the previous dh product, or dY for the last layer)
            // → dL/dz in place, then off-heap for the gemms. Blocks go in row order, so the column sums add up in
            // exactly the order of an unblocked pass.
            int br = blockRows(w);
            for (int r0 = 0; r0 < batch; r0 += br) {
                int rows = Math.min(br, batch - r0), off = r0 * w, len = rows * w;
                if (l < layers - 1) ws.gemmOut.get(off, d, off, len);
                if (!activated[l]) {
                    if (paramGrads) Kernels.colSumAdd(d, colAcc, r0, rows, w);
                } else {
                    switch (ln[l]) {
                        case NONE -> Kernels.activationBackward(d, c.pre[l], c.tanh[l], d, colAcc, r0, rows, w, act);
                        case AFTER_ACTIVATION -> {
                            Kernels.layerNormBackward(d, c.xhat[l], c.rstd[l], p, scaleOff[l], d, dScale, dShift,
                                    ws.rowScratch, r0, rows, w);
                            Kernels.activationBackward(d, c.pre[l], c.tanh[l], d, colAcc, r0, rows, w, act);
                        }
                        case BEFORE_ACTIVATION -> {
                            Kernels.activationBackward(d, c.pre[l], c.tanh[l], d, null, r0, rows, w, act);
                            Kernels.layerNormBackward(d, c.xhat[l], c.rstd[l], p, scaleOff[l], d, dScale, dShift,
                                    ws.rowScratch, r0, rows, w);
                            if (paramGrads) Kernels.colSumAdd(d, colAcc, r0, rows, w);
                        }
                        default -> throw new IllegalStateException("unresolved placement " + ln[l]);
                    }
                }
                ws.delta.put(off, d, off, len);
            }
            FloatPointer in = l == 0 ? ws.inputPtr : c.hiddenPtr[l - 1];
            if (paramGrads) {
                Blas.gemm(true, false, fanIn[l], w, batch, in, fanIn[l], ws.deltaPtr, w, 1f,
                        grads.nativeAt(kernelOff[l]), w);
                grads.addRegion(biasOff[l], colAcc, w);
                if (dScale != null) {
                    grads.addRegion(scaleOff[l], dScale, w);
                    grads.addRegion(shiftOff[l], dShift, w);
                }
                grads.markNativeModified();
            }
            if (l > 0) {
                Blas.gemm(false, true, batch, fanIn[l], w, ws.deltaPtr, w, kernelPtr[l], w, 0f, ws.gemmOutPtr, fanIn[l]);
            } else if (wantInputGrad) {
                Blas.gemm(false, true, batch, fanIn[0], w, ws.deltaPtr, w, kernelPtr[0], w,
                        accumulateInputGrad ? 1f : 0f, ws.inputGradPtr, fanIn[0]);
            }
        }
    }
}
