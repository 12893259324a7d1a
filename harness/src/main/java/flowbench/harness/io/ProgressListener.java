package flowbench.harness.io;

/** Receives progress of long work (dataset generation, training, evaluation). */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, total, label) -> {};

    void progress(long done, long total, String label);
}
