package flowbench.baselines.nn;

/**
 * An {@link Mlp.Tape} for batches whose size varies between calls (acting: one row per lockstep episode): allocated at
 * the first call and regrown only when a larger batch comes. One per use site and thread.
 */
public final class GrowingTape {
    private final Mlp net;
    private Mlp.Tape tape;

    public GrowingTape(Mlp net) {
        this.net = net;
    }

    /** A tape of {@code net} with capacity at least {@code n}. */
    public Mlp.Tape forBatch(int n) {
        if (tape == null || tape.capacity() < n) tape = net.newTape(n);
        return tape;
    }
}
