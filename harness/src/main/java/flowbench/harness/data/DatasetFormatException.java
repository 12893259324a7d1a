package flowbench.harness.data;

import java.nio.file.Path;

/**
 * A dataset file (or in-memory raw dataset) does not have the expected content. The message always names the file, the
 * key (array name, when one is concerned) and what was expected, e.g.
 * {@code "data/pointmaze.npz: key 'observations': expected a 2-D float32 array (N, obs_dim), found <i4 shape (4,)"}.
 *
 * <p>Unchecked on purpose: it is a data error, not an I/O failure, and it is also raised by in-memory validation
 * ({@link Datasets#fromRaw}); genuine I/O failures stay {@link java.io.IOException}s.
 */
public class DatasetFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final String key;

    public DatasetFormatException(Path file, String key, String problem) {
        this(file, key, problem, null);
    }

    public DatasetFormatException(Path file, String key, String problem, Throwable cause) {
        super(format(describe(file), key, problem), cause);
        this.file = describe(file);
        this.key = key;
    }

    static String describe(Path file) {
        return file == null ? "<in-memory dataset>" : file.toString();
    }

    private static String format(String file, String key, String problem) {
        return key == null ? file + ": " + problem : file + ": key '" + key + "': " + problem;
    }

    /** The file concerned, or {@code "<in-memory dataset>"}. */
    public String file() { return file; }

    /** The array key concerned, or null when the problem is with the archive as a whole. */
    public String key() { return key; }
}
