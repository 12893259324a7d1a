package flowbench.harness.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 * @param algorithms  algorithms with profile and config overrides; one algorithm may appear several times with
 *                    different profiles or overrides (each runs in its own folder, {@link Runner#runDir}), never twice
 *                    with the same ones
 * @param seeds       run seeds; every (task, algorithm) pair runs with each; these are the REPORT seeds
 * @param protocol    training and evaluation protocol (suite name and version are filled in from this record)
 * @param selection   the declared rule that picks one candidate of every swept policy family (QGF's guidance weights,
 *                    best-of-N's N) on separate seeds, or null when the suite declares none; left out of the JSON
 *                    when null, so suites written before the field existed keep their canonical form
 */
public record Suite(String name, int version, String description, List<DatasetEntry> datasets, List<String> tasks,
                   List<AlgorithmEntry> algorithms, List<Long> seeds, ProtocolEntry protocol,
                   @JsonInclude(JsonInclude.Include.NON_NULL) Selection selection) {

    public Suite {
        if (name == null || !name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("suite field 'name' is '" + name + "'; expected letters, digits, '.', '_' or '-'");
        }
        if (version < 0) throw new IllegalArgumentException("suite field 'version' is " + version + "; expected >= 0");
        datasets = List.copyOf(datasets == null ? List.of() : datasets);
        tasks = List.copyOf(require(tasks, "tasks"));
        algorithms = List.copyOf(require(algorithms, "algorithms"));
        checkDistinct(algorithms);
        seeds = List.copyOf(require(seeds, "seeds"));
        if (protocol == null) throw new IllegalArgumentException("suite field 'protocol' is missing");
        description = description == null ? "" : description;
        if (selection != null) selection.checkAgainst(seeds, algorithms);
    }

    /** A suite without a selection rule. */
    public Suite(String name, int version, String description, List<DatasetEntry> datasets, List<String> tasks,
                 List<AlgorithmEntry> algorithms, List<Long> seeds, ProtocolEntry protocol) {
        this(name, version, description, datasets, tasks, algorithms, seeds, protocol, null);
    }

    /**
     * Refuses an entry equal to an earlier one (same name, profile and overrides), and two entries of one algorithm
     * whose method choices share a run folder label ({@link Configs#methodLabel}, e.g. overrides that differ only in
     * spaces): their runs would land in one folder.
     */
    private static void checkDistinct(List<AlgorithmEntry> algorithms) {
        for (int i = 0; i < algorithms.size(); i++) {
            AlgorithmEntry a = algorithms.get(i);
            if (a == null) throw new IllegalArgumentException("suite field 'algorithms[" + i + "]' is null; expected an algorithm entry");
            for (int j = 0; j < i; j++) {
                AlgorithmEntry b = algorithms.get(j);
                if (!java.util.Objects.equals(a.name(), b.name())) continue;
                if (a.equals(b)) {
                    throw new IllegalArgumentException("suite field 'algorithms[" + i + "]' repeats algorithms[" + j + "] ("
                            + a.describe() + "); expected each algorithm entry once: give a repeated algorithm another"
                            + " profile or other overrides, or drop the duplicate");
                }
                if (a.configLabel().equals(b.configLabel())) {
                    throw new IllegalArgumentException("suite field 'algorithms[" + i + "]' (" + a.describe() + ") and"
                            + " algorithms[" + j + "] (" + b.describe() + ") would share the run folder " + a.name()
                            + (a.configLabel().isEmpty() ? "" : "@" + a.configLabel()) + "; expected method choices that"
                            + " differ in more than spaces");
                }
            }
        }
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

        /** The entry's method choice as a label, "" for the default ({@link Configs#methodLabel}). */
        public String configLabel() {
            return Configs.methodLabel(profile, overrides);
        }

        /** "fql, profile cpu, overrides {alpha=3}" for messages. */
        String describe() {
            return name + ", profile " + profile + ", overrides " + new java.util.TreeMap<>(overrides);
        }
    }

    public record ProtocolEntry(long trainSteps, long evalEvery, boolean evalAtStart, int episodesPerTask,
                                long checkpointEvery, long logEvery, long evalSeed) {}

    /**
     * The declared rule for swept policy families ({@link PolicySelection}): a learner exposing policies
     * {@code family(param=value)} is reported as ONE method per family, the candidate with the best mean score over
     * the selection runs of its group, scored on the report seeds only. Selection runs are ordinary runs (same
     * protocol, same folders); only their seed tells their role, so a run record's suite version fixes it.
     *
     * @param selectionSeeds run seeds used only to choose; disjoint from the suite's {@code seeds}, never reported
     * @param score          per-run score the choice compares: FINAL (default; test-time methods are evaluated once,
     *                       on the final checkpoint) or LAST_N
     * @param group          runs sharing one choice: "dataset" (default: the environment, so the single tasks of one
     *                       OGBench environment share a weight, as docs/qgf.md section 7 suggests), "task" or "suite"
     * @param algorithms     algorithms the rule covers and that run the selection seeds; null: every algorithm of the
     *                       suite (a swept family of an algorithm not listed is shown as a sweep, not as a method)
     */
    public record Selection(List<Long> selectionSeeds, PolicySelection.Score score, String group,
                            @JsonInclude(JsonInclude.Include.NON_NULL) List<String> algorithms) {
        public static final String GROUP_DATASET = "dataset";
        public static final String GROUP_TASK = "task";
        public static final String GROUP_SUITE = "suite";
        public static final List<String> GROUPS = List.of(GROUP_DATASET, GROUP_TASK, GROUP_SUITE);

        public Selection {
            if (selectionSeeds == null || selectionSeeds.isEmpty()) {
                throw new IllegalArgumentException("suite field 'selection.selectionSeeds' is missing or empty; expected"
                        + " a non-empty list of run seeds disjoint from 'seeds'");
            }
            Set<Long> seen = new HashSet<>();
            for (Long s : selectionSeeds) {
                if (s == null) throw new IllegalArgumentException("suite field 'selection.selectionSeeds' holds null; expected seeds");
                if (!seen.add(s)) {
                    throw new IllegalArgumentException("suite field 'selection.selectionSeeds' lists seed " + s
                            + " twice; expected distinct seeds");
                }
            }
            selectionSeeds = List.copyOf(selectionSeeds);
            score = score == null ? PolicySelection.Score.FINAL : score;
            group = group == null ? GROUP_DATASET : group;
            if (!GROUPS.contains(group)) {
                throw new IllegalArgumentException("suite field 'selection.group' is '" + group + "'; expected one of "
                        + String.join(", ", GROUPS));
            }
            if (algorithms != null) {
                if (algorithms.isEmpty()) {
                    throw new IllegalArgumentException("suite field 'selection.algorithms' is empty; leave it out to"
                            + " cover every algorithm, or list at least one");
                }
                algorithms = List.copyOf(new LinkedHashSet<>(algorithms));
            }
        }

        public Selection(List<Long> selectionSeeds, PolicySelection.Score score, String group) {
            this(selectionSeeds, score, group, null);
        }

        void checkAgainst(List<Long> seeds, List<AlgorithmEntry> suiteAlgorithms) {
            for (Long s : selectionSeeds) {
                if (seeds.contains(s)) {
                    throw new IllegalArgumentException("suite field 'selection.selectionSeeds' shares seed " + s
                            + " with field 'seeds'; expected disjoint sets (selection runs are never reported)");
                }
            }
            if (algorithms != null) {
                List<String> names = suiteAlgorithms.stream().map(AlgorithmEntry::name).toList();
                for (String a : algorithms) {
                    if (!names.contains(a)) {
                        throw new IllegalArgumentException("suite field 'selection.algorithms' names '" + a
                                + "'; expected algorithms of the suite " + names);
                    }
                }
            }
        }

        /** Whether the rule covers {@code algorithm} (and the suite runs its selection seeds). */
        public boolean covers(String algorithm) {
            return algorithms == null || algorithms.contains(algorithm);
        }

        public boolean isSelectionSeed(long seed) {
            return selectionSeeds.contains(seed);
        }

        /** "100–101" for two or more consecutive seeds, else "100, 105". */
        public String seedText() {
            List<Long> s = new ArrayList<>(selectionSeeds);
            s.sort(null);
            boolean consecutive = s.size() >= 2;
            for (int i = 1; i < s.size(); i++) consecutive &= s.get(i) == s.get(i - 1) + 1;
            if (consecutive) return s.get(0) + "–" + s.get(s.size() - 1);
            StringBuilder b = new StringBuilder();
            for (Long v : s) b.append(b.length() == 0 ? "" : ", ").append(v);
            return b.toString();
        }

        /** One line for reports and pages. */
        public String describe() {
            return "each swept family (policies family(param=value) of one learner) is reported as the candidate with the"
                    + " highest mean " + score + " score over the selection runs (seeds " + seedText() + ") of its "
                    + group + (group.equals(GROUP_SUITE) ? "" : " (all its tasks)") + ", exact ties to the learner's"
                    + " first candidate; that candidate is then scored on the report seeds only"
                    + (algorithms == null ? "" : "; covers " + String.join(", ", algorithms));
        }
    }

    /** The protocol of every run of this suite. */
    public Protocol runProtocol() {
        return new Protocol(protocol.trainSteps(), protocol.evalEvery(), protocol.evalAtStart(), protocol.episodesPerTask(),
                protocol.checkpointEvery(), protocol.logEvery(), protocol.evalSeed(), name, version);
    }

    /** The seeds {@code algorithm} runs with: the report seeds, then the selection seeds when the rule covers it. */
    public List<Long> seedsOf(String algorithm) {
        if (selection == null || !selection.covers(algorithm)) return seeds;
        List<Long> out = new ArrayList<>(seeds);
        out.addAll(selection.selectionSeeds());
        return List.copyOf(out);
    }

    /** "selection" for a selection seed of a suite that declares a rule, else "report". */
    public String roleOf(long seed) {
        return selection != null && selection.isSelectionSeed(seed) ? ROLE_SELECTION : ROLE_REPORT;
    }

    public static final String ROLE_REPORT = "report";
    public static final String ROLE_SELECTION = "selection";

    /** Number of runs: tasks x (report seeds + selection seeds) per algorithm. */
    public int runCount() {
        int perTask = 0;
        for (AlgorithmEntry a : algorithms) perTask += seedsOf(a.name()).size();
        return tasks.size() * perTask;
    }
}
