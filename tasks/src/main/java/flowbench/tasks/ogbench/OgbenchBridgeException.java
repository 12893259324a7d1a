package flowbench.tasks.ogbench;

/**
 * The OGBench bridge failed or does not match what the task expects: not installed, crashed, hung, wrong protocol or
 * package version, wrong environment, or an error inside OGBench. Never recovered from silently: an environment whose
 * bridge failed while answering a request is unusable, so a run stops instead of recording a wrong result. (A bridge
 * process that exited while idle, with no request lost, is replaced once, with a message: {@link OgbenchEnvironment}.)
 */
public final class OgbenchBridgeException extends RuntimeException {
    public OgbenchBridgeException(String message) {
        super(message);
    }

    public OgbenchBridgeException(String message, Throwable cause) {
        super(message, cause);
    }
}
