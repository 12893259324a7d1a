package flowbench.baselines.flow;

import flowbench.baselines.nn.GrowingTape;
import flowbench.baselines.nn.Mlp;
import flowbench.harness.rng.Rng;

/**
 * The clipped Euler ODE ({@link EulerSampler}) of one velocity field with a tape of its own, allocated at first use and
 * regrown only for a larger batch. Make one per use site (acting, TD next actions, ...), so that training and
 * evaluation never share buffers; one thread.
 */
public final class OdeSampler {
    private final VelocityField field;
    private final int steps;
    private final GrowingTape tape;

    /** @param steps Euler steps N */
    public OdeSampler(VelocityField field, int steps) {
        this.field = field;
        this.steps = steps;
        this.tape = new GrowingTape(field.network());
    }

    public VelocityField field() {
        return field;
    }

    /** The tape, grown to at least {@code n} rows. */
    public Mlp.Tape tape(int n) {
        return tape.forBatch(n);
    }

    /** x_0 ~ N(0, I) from {@code rng}, then the clipped ODE: n × actionDim actions (a new array). */
    public float[] sample(float[] cond, int n, Rng rng) {
        return EulerSampler.sample(field, tape(n), cond, n, steps, rng);
    }

    /** The clipped ODE from the given x_0, integrated in place and returned. */
    public float[] integrate(float[] cond, float[] noise, int n) {
        return EulerSampler.integrate(field, tape(n), cond, noise, n, steps, true);
    }
}
