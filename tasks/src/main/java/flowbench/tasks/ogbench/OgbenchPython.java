package flowbench.tasks.ogbench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the Python interpreter that has the OGBench bridge ({@code ogbench-bridge/}, package {@code flowbench_ogbench})
 * installed. Order: the environment variable {@code FLOWBENCH_OGBENCH_PYTHON}; then {@code .venv-ogbench/bin/python}
 * under the system property {@code flowbench.home} (set by the {@code flowbench} launcher); then the same folder in the
 * working directory or any parent (so Maven tests, which run in a module folder, find the checkout's environment).
 * There is no fallback to a bare {@code python3}: a system Python without the pinned OGBench would give results that
 * cannot be attributed to a known OGBench release.
 */
public final class OgbenchPython {
    public static final String ENV = "FLOWBENCH_OGBENCH_PYTHON";
    public static final String VENV = ".venv-ogbench";
    /** How to install the bridge, appended to every "not installed" error. */
    public static final String INSTALL_HINT = "Install the OGBench bridge with 'ogbench-bridge/install' (creates " + VENV
            + " in the checkout; needs python3-venv and PyPI access), or set " + ENV + " to a Python that has "
            + "'pip install ./ogbench-bridge' done.";

    private OgbenchPython() {}

    /** The interpreter, if one is configured or installed. */
    public static Optional<Path> find() {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) return Optional.of(Path.of(env));
        for (Path root : roots()) {
            Path py = root.resolve(VENV).resolve("bin").resolve("python");
            if (Files.isExecutable(py)) return Optional.of(py);
        }
        return Optional.empty();
    }

    /** The interpreter, or an error that says how to install the bridge. */
    public static Path require() {
        return find().orElseThrow(() -> new IllegalStateException(
                "OGBench bridge not installed: no " + VENV + "/bin/python found (searched " + roots()
                        + ") and " + ENV + " is not set. " + INSTALL_HINT));
    }

    private static List<Path> roots() {
        List<Path> out = new ArrayList<>();
        String home = System.getProperty("flowbench.home");
        if (home != null && !home.isBlank()) out.add(Path.of(home).toAbsolutePath());
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) out.add(p);
        return out;
    }
}
