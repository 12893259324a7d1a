package flowbench.harness.testing;

/** Thrown by test hooks to stop a run at a chosen point, as a kill would. */
public final class SimulatedCrash extends RuntimeException {
    public SimulatedCrash(String where) {
        super("simulated crash: " + where);
    }
}
