package flowbench.harness.protocol;

import java.util.List;
import java.util.Map;

/**
 * A versioned, frozen benchmark: datasets (with sizes, generation seeds and, once frozen, their SHA-256), tasks,
 * algorithms with their profile and overrides, seeds and one protocol. Results are comparable only within one suite
 * version, which every run record carries.
 *
 * @param name        suite name (letters, digits, '.', '_', '-')
 * @param version     bumped whenever anything that changes scores changes
 * @param description one paragraph for listings
 * @param datasets    datasets the tasks train on, generated when missing
 * @param tasks       task names
 * @param algorithms  algorithms with profile and config overrides
 * @param seeds       run seeds; every (task, algorithm) pair runs with each
 * @param protocol    training and evaluation protocol (suite name and version are filled in from this record)
 */
public record Suite(String name, int version, String description, List<DatasetEntry> datasets, List<String> tasks,
                   List<AlgorithmEntry> algorithms, List<Long> seeds, ProtocolEntry protocol) {

    public Suite {
        if (name == null || !name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("suite field 'name' is '" + name + "'; expected letters, digits, '.', '_' or '-'");
        }
        if (version < 0) throw new IllegalArgumentException("suite field 'version' is " + version + "; expected >= 0");
        datasets = List.copyOf(datasets == null ? List.of() : datasets);
        tasks = List.copyOf(require(tasks, "tasks"));
        algorithms = List.copyOf(require(algorithms, "algorithms"));
        seeds = List.copyOf(require(seeds, "seeds"));
        if (protocol == null) throw new IllegalArgumentException("suite field 'protocol' is missing");
        description = description == null ? "" : description;
    }

    private static <T> List<T> require(List<T> list, String field) {
        if (list == null || list.isEmpty()) {
            throw new IllegalArgumentException("suite field '" + field + "' is missing or empty; expected a non-empty list");
        }
        return list;
    }

    /**
     * @param sha256    expected SHA-256 of the training file (null until the suite is frozen)
     * @param valSha256 expected SHA-256 of the validation file (null until frozen)
     */
    public record DatasetEntry(String name, int episodes, int steps, long seed, String sha256, String valSha256) {}

    public record AlgorithmEntry(String name, String profile, Map<String, String> overrides) {
        public AlgorithmEntry {
            profile = profile == null ? "cpu" : profile;
            overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
        }
    }

    public record ProtocolEntry(long trainSteps, long evalEvery, boolean evalAtStart, int episodesPerTask,
                                long checkpointEvery, long logEvery, long evalSeed) {}

    /** The protocol of every run of this suite. */
    public Protocol runProtocol() {
        return new Protocol(protocol.trainSteps(), protocol.evalEvery(), protocol.evalAtStart(), protocol.episodesPerTask(),
                protocol.checkpointEvery(), protocol.logEvery(), protocol.evalSeed(), name, version);
    }

    /** Number of runs: tasks x algorithms x seeds. */
    public int runCount() {
        return tasks.size() * algorithms.size() * seeds.size();
    }
}
