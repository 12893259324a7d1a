package flowbench.harness.sweep;

import java.lang.management.ManagementFactory;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command that starts the flowbench CLI in a new process: by default this JVM again (same java binary, JVM
 * options and class path), so a worker runs exactly the code of the launcher; or a user-given launcher (e.g. the
 * repository's {@code flowbench} script on a shared filesystem) where the nodes see a different path to Java.
 */
public record WorkerCommand(List<String> prefix) {
    public WorkerCommand {
        if (prefix == null || prefix.isEmpty()) throw new IllegalArgumentException("empty worker command");
        prefix = List.copyOf(prefix);
    }

    /** This JVM: its java binary, its JVM arguments (debugger agents left out), its class path, the CLI's main class. */
    public static WorkerCommand thisJvm() {
        String javaBin = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin);
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-agentlib:jdwp") || a.startsWith("-Xrunjdwp") || a.startsWith("-javaagent:")) continue;
            cmd.add(a);
        }
        // workers train: give them the Vector API kernels even when this command was started without them
        boolean vector = cmd.stream().anyMatch(a -> a.contains("jdk.incubator.vector"));
        if (!vector && ModuleFinder.ofSystem().find("jdk.incubator.vector").isPresent()) {
            cmd.add("--add-modules");
            cmd.add("jdk.incubator.vector");
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("flowbench.harness.cli.Main");
        return new WorkerCommand(cmd);
    }

    /** A launcher given as a shell-like word list, e.g. {@code /shared/flowbench/flowbench}. */
    public static WorkerCommand parse(String launcher) {
        List<String> words = new ArrayList<>();
        for (String w : launcher.trim().split("\\s+")) if (!w.isEmpty()) words.add(w);
        return new WorkerCommand(words);
    }

    public List<String> with(String... args) {
        List<String> out = new ArrayList<>(prefix);
        out.addAll(List.of(args));
        return out;
    }

    /** The command with arguments, quoted for a POSIX shell. */
    public String shell(String... args) {
        StringBuilder b = new StringBuilder();
        for (String w : with(args)) {
            if (b.length() > 0) b.append(' ');
            b.append(quote(w));
        }
        return b.toString();
    }

    static String quote(String w) {
        if (w.matches("[A-Za-z0-9_./:=@%+,-]+")) return w;
        return "'" + w.replace("'", "'\\''") + "'";
    }

    @Override
    public String toString() {
        return String.join(" ", prefix);
    }
}
