package flowbench.harness.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import flowbench.harness.agent.ComputeThreads;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a run ran: wall-clock numbers mean little without it.
 *
 * @param cores          processors available to the JVM
 * @param cpuModel       "model name" of /proc/cpuinfo ("unknown" elsewhere)
 * @param memoryBytes    MemTotal of /proc/meminfo (-1 when unknown)
 * @param maxHeapBytes   the JVM's maximum heap
 * @param threadsPerRun  threads the run's numerics could use ({@link ComputeThreads}): the cores when the run had the
 *                       process to itself, 1 when it shared it with other runs; absent (null) in records made before
 *                       it existed. Matrix products' bits depend on it.
 */
public record MachineInfo(int cores, String cpuModel, long memoryBytes, long maxHeapBytes, String os, String osVersion,
                          String arch, String javaVersion, String javaVendor, String javaVm,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Integer threadsPerRun) {

    /** A record made before {@code threadsPerRun} existed. */
    public MachineInfo(int cores, String cpuModel, long memoryBytes, long maxHeapBytes, String os, String osVersion,
                       String arch, String javaVersion, String javaVendor, String javaVm) {
        this(cores, cpuModel, memoryBytes, maxHeapBytes, os, osVersion, arch, javaVersion, javaVendor, javaVm, null);
    }

    public static MachineInfo current() {
        return new MachineInfo(Runtime.getRuntime().availableProcessors(), readCpuModel(), memTotal(),
                Runtime.getRuntime().maxMemory(), System.getProperty("os.name"), System.getProperty("os.version"),
                System.getProperty("os.arch"), System.getProperty("java.version"), System.getProperty("java.vendor"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"), ComputeThreads.perRun());
    }

    private static List<String> lines(String file) {
        try {
            return Files.readAllLines(Path.of(file));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    static String readCpuModel() {
        for (String l : lines("/proc/cpuinfo")) {
            if (l.startsWith("model name")) {
                int c = l.indexOf(':');
                if (c >= 0) return l.substring(c + 1).trim();
            }
        }
        return "unknown";
    }

    static long memTotal() {
        for (String l : lines("/proc/meminfo")) {
            if (l.startsWith("MemTotal:")) {
                String[] parts = l.substring(9).trim().split("\\s+");
                try {
                    long v = Long.parseLong(parts[0]);
                    return parts.length > 1 && parts[1].equalsIgnoreCase("kB") ? v * 1024 : v;
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }
}
