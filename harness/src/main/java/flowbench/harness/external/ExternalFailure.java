package flowbench.harness.external;

import flowbench.harness.protocol.NamedFailure;

/**
 * A named failure of an external learner (clients/PROTOCOL.md, Failure handling). The kind goes into the run record's
 * {@code failure} and onto the console.
 */
public final class ExternalFailure extends RuntimeException implements NamedFailure {
    public static final String START_FAILED = "start-failed";
    public static final String CRASHED = "crashed";
    public static final String TIMEOUT = "timeout";
    public static final String PROTOCOL = "protocol";
    public static final String AGENT_ERROR = "agent-error";
    public static final String BAD_NAME = "bad-name";
    public static final String SHAPE = "shape";
    public static final String NON_FINITE = "non-finite";
    public static final String OUT_OF_RANGE = "out-of-range";

    private final String kind;

    public ExternalFailure(String kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ExternalFailure(String kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public String kind() {
        return kind;
    }

    @Override
    public String getMessage() {
        return "external learner " + kind + ": " + super.getMessage();
    }
}
