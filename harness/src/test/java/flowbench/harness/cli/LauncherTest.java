package flowbench.harness.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code flowbench} launcher starts the JVM with the Vector API's incubator module (and so with Java 17's
 * "Using incubator modules" warning) only for the commands that train networks. The launcher is run from a copy in a
 * scratch root with empty module jars and a stand-in {@code java} on the PATH that prints its arguments, so the test
 * needs no build.
 */
class LauncherTest {
    @TempDir
    Path root;

    private List<String> javaArgs(String... args) throws IOException, InterruptedException {
        Path root = Files.createTempDirectory(this.root, "clone");
        Path script = Path.of("..", "flowbench").toAbsolutePath().normalize();
        Files.copy(script, root.resolve("flowbench"));
        root.resolve("flowbench").toFile().setExecutable(true);
        for (String m : List.of("harness", "tasks", "baselines")) {
            Path target = Files.createDirectories(root.resolve(m).resolve("target"));
            Files.writeString(target.resolve(m + "-0.jar"), "");
            Files.writeString(target.resolve("classpath.txt"), "");
        }
        Path bin = Files.createDirectories(root.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("flowbench").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("FLOWBENCH_NO_BUILD", "1");
        pb.environment().remove("FLOWBENCH_JAVA_OPTS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }

    @Test
    void commandsThatDoNotTrainStartWithoutTheIncubatorModule() throws Exception {
        for (String[] args : new String[][]{{"--help"}, {"tasks"}, {"suite", "list"}, {"sweep", "status", "runs/x"}, {"report", "--results", "r"},
                {"datasets", "inspect", "x.npz"}, {"algorithms", "--task", "t"}}) {
            List<String> a = javaArgs(args);
            assertFalse(a.contains("jdk.incubator.vector"), String.join(" ", args) + " -> " + a);
            assertTrue(a.contains("flowbench.harness.cli.Main"), a.toString());
        }
    }

    @Test
    void trainingCommandsGetTheVectorKernels() throws Exception {
        for (String[] args : new String[][]{{"run", "-a", "qam"}, {"suite", "run", "quickstart"}, {"bench"}, {"sweep", "quickstart"},
                {"sweep", "resubmit", "runs/x", "--failed"},
                {"suite", "--help", "run"}}) {
            List<String> a = javaArgs(args);
            int i = a.indexOf("--add-modules");
            assertTrue(i >= 0 && a.get(i + 1).equals("jdk.incubator.vector"), String.join(" ", args) + " -> " + a);
            assertTrue(i < a.indexOf("flowbench.harness.cli.Main"), "a JVM option, before the main class: " + a);
        }
    }
}
