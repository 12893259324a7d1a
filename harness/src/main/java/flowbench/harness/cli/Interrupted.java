package flowbench.harness.cli;

/**
 * What a user reads after Ctrl-C: a JVM shutdown hook, installed for the length of a long command, that names what was
 * interrupted and how to continue. Runs and suites resume from their checkpoints, so the answer is always "run it
 * again"; the hook only has to say so, on stderr, without a stack trace.
 */
final class Interrupted {
    private Interrupted() {}

    static Thread hook(String what, String howToContinue) {
        Thread t = new Thread(() -> {
            System.err.println();
            System.err.println("flowbench: interrupted; " + what + " stopped. To continue, " + howToContinue + ".");
            System.err.flush();
        }, "flowbench-interrupted");
        Runtime.getRuntime().addShutdownHook(t);
        return t;
    }

    /** Removes the hook once the command has finished normally (or failed with its own message). */
    static void release(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is already exiting (Ctrl-C): the hook runs and says its piece
        }
    }
}
