package flowbench.harness.io;

import java.nio.file.Path;

/**
 * Paths as they may appear in files meant to be shared (run records, reports, bundles): relative to the working folder
 * when inside it, {@code ~/...} when inside the user's home, else as they are. A record says where its data was
 * relative to where the command ran, not whose machine it was.
 */
public final class PortablePaths {
    private PortablePaths() {}

    public static String of(Path p) {
        return of(p, Path.of("").toAbsolutePath(), Path.of(System.getProperty("user.home", "/")).toAbsolutePath());
    }

    static String of(Path p, Path cwd, Path home) {
        Path abs = p.toAbsolutePath().normalize();
        Path c = cwd.toAbsolutePath().normalize();
        Path h = home.toAbsolutePath().normalize();
        if (abs.startsWith(c)) {
            String rel = c.relativize(abs).toString().replace('\\', '/');
            return rel.isEmpty() ? "." : rel;
        }
        if (h.getNameCount() > 0 && abs.startsWith(h)) return "~/" + h.relativize(abs).toString().replace('\\', '/');
        return abs.toString().replace('\\', '/');
    }
}
