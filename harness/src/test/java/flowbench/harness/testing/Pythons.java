package flowbench.harness.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finding a Python interpreter for the tests that cross-check against Python code. */
public final class Pythons {
    private Pythons() {}

    /** The first of {@code candidates} (null or blank ones skipped) on which {@code python -c probe} exits 0, or null. */
    public static String find(List<String> candidates, String probe) {
        for (String c : candidates) {
            if (c == null || c.isBlank()) continue;
            try {
                Process p = new ProcessBuilder(c, "-c", probe).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) return c;
            } catch (IOException | InterruptedException e) {
                // not this one
            }
        }
        return null;
    }

    /** A Python with NumPy: {@code FLOWBENCH_PYTHON}, else {@code python3}, else {@code /usr/bin/python3}; or null. */
    public static String withNumpy() {
        List<String> candidates = new ArrayList<>();
        candidates.add(System.getenv("FLOWBENCH_PYTHON"));
        candidates.add("python3");
        candidates.add("/usr/bin/python3");
        return find(candidates, "import numpy");
    }
}
