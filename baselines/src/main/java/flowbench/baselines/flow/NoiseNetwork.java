package flowbench.baselines.flow;

import flowbench.baselines.nn.Activation;
import flowbench.baselines.nn.FourierFeatures;
import flowbench.baselines.nn.Gradients;
import flowbench.baselines.nn.LayerNormPlacement;
import flowbench.baselines.nn.Mlp;
import flowbench.baselines.nn.MlpConfig;
import flowbench.baselines.nn.Module;
import flowbench.harness.rng.Rng;

import java.util.Arrays;
import java.util.List;

/**
 * DCGQL's DDPM noise-prediction network ε_θ(c, a_t, t) (docs/qam.md §2.9; reference {@code utils/diffusion.py DDPM} built by
 * {@code agents/dcgql.py create}), for integer diffusion steps t = 1..T:
 * <pre>
 *   t_ff = FourierFeatures(t)                      learnable, kernel (timeDim/2, 1) ~ N(0, 0.2²)   (64-d)
 *   e    = condMLP(t_ff)                           widths = hidden: Dense+act for all but the last, last Dense linear
 *   ε    = reverseMLP([a_t, c, e])                 hidden widths with the activation, then Dense → D, no final act
 * </pre>
 * The reference gives both MLPs the actor widths (4×512, mish): the cond encoder is {@code MLP(actor_hidden_dims,
 * activate_final=False)}, so its output is the last width (512); the reverse network is {@code MLP(actor_hidden_dims
 * + [D])}. The input order [a_t, c, e] is the reference's {@code concatenate([a, s, cond])}.
 *
 * <p>The cond encoder sees only t, and t takes T values: each pass evaluates it on the T (or, with one t for the whole
 * batch, one) distinct steps and gathers rows, and the backward pass sums the rows' cotangents per step before one
 * cond-encoder backward. Rows with equal t have identical activations, so this is the same function and gradient as
 * a per-row evaluation (up to float summation order), at T instead of B rows of cond-encoder work.
 *
 * <p>Parameters live in three modules ({@link #modules()}: time features, cond encoder, reverse network); give all three
 * to the optimiser and checkpoints. A {@link Tape} holds one pass's buffers: one tape per concurrent pass.
 */
public final class NoiseNetwork {
    /** Standard deviation of the Fourier kernel's normal init (reference {@code nn.initializers.normal(0.2)}). */
    public static final double TIME_INIT_STD = 0.2;

    private final int condDim;
    private final int actionDim;
    private final int steps;
    private final FourierFeatures time;
    private final Mlp condEncoder;
    private final Mlp reverse;
    private final int embedDim;
    private final int inputDim;

    /**
     * @param steps     T, the largest step index (rows of the cond table)
     * @param timeDim   Fourier feature count (even; 64 in the reference)
     * @param hidden    widths of both MLPs (the cond encoder's last width is its output)
     * @param reverseLn LayerNorm placement of the reverse network ({@code actor_layer_norm}: NONE in the reference)
     * @param rng       initialisation: time features, cond encoder, reverse network from {@code rng.split()} in order
     */
    public NoiseNetwork(int condDim, int actionDim, int steps, int timeDim, int[] hidden, Activation activation,
                        LayerNormPlacement reverseLn, Rng rng) {
        if (condDim < 1 || actionDim < 1) {
            throw new IllegalArgumentException("noise network condDim and actionDim must be >= 1, got " + condDim + ", "
                    + actionDim);
        }
        if (steps < 1) throw new IllegalArgumentException("noise network needs at least one diffusion step, got " + steps);
        if (hidden == null || hidden.length == 0) {
            throw new IllegalArgumentException("noise network hidden must list at least one width");
        }
        this.condDim = condDim;
        this.actionDim = actionDim;
        this.steps = steps;
        this.time = new FourierFeatures(1, timeDim, TIME_INIT_STD, rng.split());
        this.embedDim = hidden[hidden.length - 1];
        MlpConfig condCfg = new MlpConfig(timeDim, Arrays.copyOf(hidden, hidden.length - 1), embedDim, activation,
                LayerNormPlacement.NONE, false);
        this.condEncoder = new Mlp(condCfg, rng.split());
        this.inputDim = actionDim + condDim + embedDim;
        this.reverse = new Mlp(new MlpConfig(inputDim, hidden, actionDim, activation, reverseLn, false), rng.split());
    }

    /** Time features, cond encoder, reverse network (the order of {@link #newGradients()} and {@code backward}). */
    public List<Module> modules() {
        return List.of(time, condEncoder, reverse);
    }

    /** Fresh gradient holders in {@link #modules()} order. */
    public Gradients[] newGradients() {
        return new Gradients[] {time.newGradients(), condEncoder.newGradients(), reverse.newGradients()};
    }

    public long parameterCount() {
        return (long) time.parameterCount() + condEncoder.parameterCount() + reverse.parameterCount();
    }

    public int condDim() {
        return condDim;
    }

    public int actionDim() {
        return actionDim;
    }

    public int steps() {
        return steps;
    }

    public FourierFeatures timeFeatures() {
        return time;
    }

    public Mlp condEncoder() {
        return condEncoder;
    }

    public Mlp reverseNetwork() {
        return reverse;
    }

    /** This network as the sampler's ε(c, x, t), running on {@code tape}. */
    public DdpmSampler.Predictor predictor(Tape tape) {
        return (c, x, t, n) -> forward(tape, c, x, t, n);
    }

    public Tape newTape(int maxBatch) {
        return new Tape(maxBatch);
    }

    /** ε_θ(c, a_t, t) with a per-row step t_b ∈ [1, T]; batch × D in a tape buffer (overwritten by its next forward). */
    public float[] forward(Tape tape, float[] cond, float[] x, int[] t, int batch) {
        tape.check(this, batch);
        for (int b = 0; b < batch; b++) {
            if (t[b] < 1 || t[b] > steps) {
                throw new IllegalArgumentException("diffusion step of row " + b + " must be in [1, " + steps + "], got " + t[b]);
            }
            tape.row[b] = t[b] - 1;
        }
        for (int r = 0; r < steps; r++) tape.tIn[r] = r + 1;
        return run(tape, cond, x, steps, batch);
    }

    /** ε_θ(c, a_t, t) with the same step for every row (the sampler). */
    public float[] forward(Tape tape, float[] cond, float[] x, int t, int batch) {
        tape.check(this, batch);
        if (t < 1 || t > steps) throw new IllegalArgumentException("diffusion step must be in [1, " + steps + "], got " + t);
        Arrays.fill(tape.row, 0, batch, 0);
        tape.tIn[0] = t;
        return run(tape, cond, x, 1, batch);
    }

    private float[] run(Tape tape, float[] cond, float[] x, int rows, int batch) {
        if (cond.length < batch * condDim) {
            throw new IllegalArgumentException("noise network cond has " + cond.length + " values, expected batch " + batch
                    + " × " + condDim);
        }
        if (x.length < batch * actionDim) {
            throw new IllegalArgumentException("noise network x has " + x.length + " values, expected batch " + batch
                    + " × " + actionDim);
        }
        time.forward(tape.tIn, rows, tape.features);
        float[] e = condEncoder.forward(tape.condTape, tape.features, rows);
        for (int b = 0; b < batch; b++) {
            int o = b * inputDim;
            System.arraycopy(x, b * actionDim, tape.input, o, actionDim);
            System.arraycopy(cond, b * condDim, tape.input, o + actionDim, condDim);
            System.arraycopy(e, tape.row[b] * embedDim, tape.input, o + actionDim + condDim, embedDim);
        }
        tape.rows = rows;
        tape.batch = batch;
        return reverse.forward(tape.reverseTape, tape.input, batch);
    }

    /**
     * Parameter gradients of a loss with cotangent {@code dEps} = ∂L/∂ε (batch × D) through the last forward on
     * {@code tape}; accumulated (added) into {@code grads} in {@link #modules()} order.
     */
    public void backward(Tape tape, float[] dEps, Gradients[] grads) {
        if (tape.batch < 0) throw new IllegalStateException("noise network backward called before forward on this tape");
        if (grads == null || grads.length != 3) throw new IllegalArgumentException("noise network backward needs 3 gradient holders");
        int batch = tape.batch, rows = tape.rows;
        reverse.backward(tape.reverseTape, dEps, grads[2], tape.dInput);
        Arrays.fill(tape.dEmbed, 0, rows * embedDim, 0f);
        int off = actionDim + condDim;
        for (int b = 0; b < batch; b++) {
            int r = tape.row[b] * embedDim, o = b * inputDim + off;
            for (int j = 0; j < embedDim; j++) tape.dEmbed[r + j] += tape.dInput[o + j];
        }
        condEncoder.backward(tape.condTape, tape.dEmbed, grads[1], tape.dFeatures);
        time.backward(tape.tIn, rows, tape.dFeatures, grads[0], null);
    }

    /** Buffers of one pass. */
    public final class Tape {
        private final int capacity;
        private final Mlp.Tape condTape;
        private final Mlp.Tape reverseTape;
        private final float[] tIn;
        private final float[] features;
        private final float[] dFeatures;
        private final float[] dEmbed;
        private final float[] input;
        private final float[] dInput;
        private final int[] row;
        private int rows;
        private int batch = -1;

        private Tape(int capacity) {
            if (capacity < 1) throw new IllegalArgumentException("noise network tape capacity must be >= 1, got " + capacity);
            this.capacity = capacity;
            this.condTape = condEncoder.newTape(steps);
            this.reverseTape = reverse.newTape(capacity);
            this.tIn = new float[steps];
            this.features = new float[steps * time.outputDim()];
            this.dFeatures = new float[steps * time.outputDim()];
            this.dEmbed = new float[steps * embedDim];
            this.input = new float[capacity * inputDim];
            this.dInput = new float[capacity * inputDim];
            this.row = new int[capacity];
        }

        public int capacity() {
            return capacity;
        }

        private void check(NoiseNetwork net, int n) {
            if (net != NoiseNetwork.this) throw new IllegalArgumentException("this tape was made by a different noise network");
            if (n < 1 || n > capacity) {
                throw new IllegalArgumentException("batch must be in [1, " + capacity + "] (the tape's capacity), got " + n);
            }
        }
    }
}
