package flowbench.harness.protocol;

/** An error that names its kind (e.g. {@code timeout}, {@code non-finite}); the run record's failure carries it. */
public interface NamedFailure {
    String kind();
}
