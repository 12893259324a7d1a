package flowbench.harness.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Which code produced a result.
 *
 * @param harnessVersion Maven project version, from a resource filtered at build time ("unknown" if missing)
 * @param gitRevision    {@code git rev-parse HEAD} of the checkout the harness classes were loaded from, or "unknown"
 * @param gitDirty       whether tracked files differed from that revision (null when unknown)
 */
public record SoftwareInfo(String harnessVersion, String gitRevision, Boolean gitDirty) {
    private static volatile SoftwareInfo cached;

    /** Looked up once per JVM (git is a subprocess). */
    public static SoftwareInfo current() {
        SoftwareInfo s = cached;
        if (s == null) {
            s = new SoftwareInfo(readHarnessVersion(), gitRevisionOrUnknown(), readGitDirty());
            cached = s;
        }
        return s;
    }

    public static String readHarnessVersion() {
        try (InputStream in = SoftwareInfo.class.getResourceAsStream("/flowbench/harness/version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "").trim();
                // an unfiltered resource (IDE build without Maven) still reads "${project.version}"
                if (!v.isEmpty() && !v.startsWith("${")) return v;
            }
        } catch (IOException e) {
            // fall through to the manifest
        }
        String v = SoftwareInfo.class.getPackage().getImplementationVersion();
        return v != null ? v : "unknown";
    }

    /** The folder the harness classes came from (a jar's folder or target/classes); git is asked there. */
    private static Path codeDir() {
        try {
            var src = SoftwareInfo.class.getProtectionDomain().getCodeSource();
            if (src == null) return null;
            Path p = Path.of(src.getLocation().toURI());
            return Files.isDirectory(p) ? p : p.getParent();
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    private static String gitRevisionOrUnknown() {
        String out = git("rev-parse", "HEAD");
        return out != null && out.matches("[0-9a-f]{40,64}") ? out : "unknown";
    }

    private static Boolean readGitDirty() {
        if (gitRevisionOrUnknown().equals("unknown")) return null;
        String out = git("status", "--porcelain", "--untracked-files=no");
        return out == null ? null : !out.isEmpty();
    }

    private static String git(String... args) {
        Path dir = codeDir();
        if (dir == null) return null;
        String[] cmd = new String[args.length + 3];
        cmd[0] = "git";
        cmd[1] = "-C";
        cmd[2] = dir.toString();
        System.arraycopy(args, 0, cmd, 3, args.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] bytes = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? new String(bytes, StandardCharsets.UTF_8).trim() : null;
        } catch (IOException e) {
            return null; // no git on this machine
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
