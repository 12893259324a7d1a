package flowbench.testkit;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Something outside the JDK and Maven that a test needs: the README's test command must pass on a machine with only
 * those two, so such a test skips, with a reason that says how to get the tool, when the tool is absent. A machine
 * that is supposed to have it (CI) lists it in {@code FLOWBENCH_REQUIRE} (comma-separated names, or {@code all}),
 * and then a missing tool fails the test instead of hiding it behind a skip.
 */
public enum Requirement {
    /** The OGBench bridge: {@code .venv-ogbench} from {@code ogbench-bridge/install}, or FLOWBENCH_OGBENCH_PYTHON. */
    OGBENCH("ogbench", "run ogbench-bridge/install, or set FLOWBENCH_OGBENCH_PYTHON to a Python with the bridge"),
    /** A python3 with NumPy (the .npz reader/writer cross-checks). */
    NUMPY("numpy", "apt-get install python3-numpy, or set FLOWBENCH_PYTHON"),
    /** A Python with the rliable package (the statistics cross-check against rliable itself). */
    RLIABLE("rliable", "pip install rliable into a Python and set FLOWBENCH_RLIABLE_PYTHON"),
    /** Headless Chromium (the leaderboard's real-browser tests). */
    CHROMIUM("chromium", "apt-get install chromium, or set CHROME_BIN"),
    /** Any python3 (the fake-bridge protocol tests need the standard library only). */
    PYTHON("python", "install python3"),
    /** A single-node Slurm the tests start themselves (docs/slurm/single-node.sh): slurm-wlm, munge, root. */
    SLURM("slurm", "apt-get install -y slurm-wlm munge and run the tests as root (they start a one-node slurmctld/slurmd "
            + "with docs/slurm/single-node.sh)");

    /** The environment variable listing the requirements that must be met on this machine. */
    public static final String ENV = "FLOWBENCH_REQUIRE";

    private final String key;
    private final String howToGet;

    Requirement(String key, String howToGet) {
        this.key = key;
        this.howToGet = howToGet;
    }

    public String key() {
        return key;
    }

    /** Whether this machine declares that it has the tool (so a missing one is a failure). */
    public boolean required() {
        return required(System.getenv(ENV));
    }

    boolean required(String list) {
        Set<String> keys = parse(list);
        return keys.contains("all") || keys.contains(key);
    }

    /**
     * Skips the calling test when {@code present} is false, naming what is missing ({@code what}) and how to get it;
     * fails it instead when this requirement is listed in {@code FLOWBENCH_REQUIRE}.
     */
    public void assume(boolean present, String what) {
        if (present) return;
        String message = "needs " + what + " (" + howToGet + ")";
        if (required()) fail(message + ", and " + ENV + " lists '" + key + "', so a missing one is an error");
        assumeTrue(false, message);
    }

    static Set<String> parse(String list) {
        if (list == null || list.isBlank()) return Set.of();
        Set<String> keys = Arrays.stream(list.split(",")).map(s -> s.trim().toLowerCase(Locale.ROOT))
                .filter(s -> !s.isEmpty()).collect(Collectors.toCollection(TreeSet::new));
        Set<String> known = Arrays.stream(values()).map(Requirement::key).collect(Collectors.toCollection(TreeSet::new));
        known.add("all");
        for (String k : keys) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException(ENV + "=" + list + ": unknown requirement '" + k + "', expected a"
                        + " comma-separated list of " + known);
            }
        }
        return keys;
    }
}
