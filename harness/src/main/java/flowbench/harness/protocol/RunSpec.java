package flowbench.harness.protocol;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything that defines a run. Serialised as {@code spec} inside run.json, which is how an interrupted run is
 * recognised and resumed, and how a finished one is recognised and not run again.
 *
 * @param algorithm  registered algorithm name, e.g. "flow-bc"
 * @param task       registered task name, e.g. "jpointmaze-medium-navigate-singletask-task1-v0"
 * @param datasetDir folder holding {@code <datasetName>.npz} and {@code <datasetName>-val.npz}
 * @param seed       run seed: network initialisation, batch sampling and policy noise derive from it
 * @param profile    configuration profile of the algorithm's defaults ("paper" or "cpu")
 * @param overrides  config overrides, key (dotted for nested records) to value as typed on the command line
 * @param protocol   training and evaluation protocol
 */
public record RunSpec(String algorithm, String task, String datasetDir, long seed, String profile,
                      Map<String, String> overrides, Protocol protocol) {
    public RunSpec {
        requireName("algorithm", algorithm);
        // a task may carry one namespace prefix, e.g. ogbench:puzzle-3x3-play-v0 (served by an outside program)
        if (task == null || !task.matches("([A-Za-z0-9][A-Za-z0-9._-]*:)?[A-Za-z0-9._()=,+-]+")) {
            throw new IllegalArgumentException("run spec field 'task' is '" + task
                    + "'; expected a non-empty name without spaces or slashes, optionally after one 'prefix:'");
        }
        requireName("profile", profile);
        if (datasetDir == null || datasetDir.isBlank()) {
            throw new IllegalArgumentException("run spec field 'datasetDir' is empty; expected the folder holding the .npz files");
        }
        if (protocol == null) throw new IllegalArgumentException("run spec field 'protocol' is missing");
        overrides = Collections.unmodifiableMap(new TreeMap<>(overrides == null ? Map.of() : overrides));
    }

    private static void requireName(String field, String value) {
        if (value == null || value.isBlank() || !value.matches("[A-Za-z0-9._()=,+-]+")) {
            throw new IllegalArgumentException("run spec field '" + field + "' is '" + value
                    + "'; expected a non-empty name without spaces or slashes");
        }
    }

    /**
     * The method choice (profile and overrides) as a short folder-safe label, {@code ""} for the default (profile
     * "cpu", no overrides): see {@link Configs#methodLabel}. Run folders and report method names carry it.
     */
    public String configLabel() {
        return Configs.methodLabel(profile, overrides);
    }

    public RunSpec withProtocol(Protocol p) {
        return new RunSpec(algorithm, task, datasetDir, seed, profile, overrides, p);
    }

    public RunSpec withOverrides(Map<String, String> o) {
        return new RunSpec(algorithm, task, datasetDir, seed, profile, o, protocol);
    }

    public RunSpec withDatasetDir(String dir) {
        return new RunSpec(algorithm, task, dir, seed, profile, overrides, protocol);
    }
}
