package flowbench.harness.report;

import flowbench.harness.protocol.RunRecord;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What must be equal across the runs of one report for its numbers to be comparable: the budget (train steps), the
 * evaluation schedule and episodes, the evaluation seed (every method faces the same start states and goals) and, per
 * dataset name, the dataset file itself. A report over runs that differ in any of these is refused, naming the field,
 * the values and a run of each, rather than averaged into one number.
 */
final class ProtocolCheck {
    private ProtocolCheck() {}

    /** The protocol the runs share, in words, for the top of the report. */
    record Shared(long trainSteps, long evalEvery, boolean evalAtStart, int episodesPerTask, long evalSeed,
                  Map<String, String> datasets, Map<String, String> taskModes) {}

    static Shared check(String suite, List<ResultSet.Entry> entries) {
        List<String> problems = new ArrayList<>();
        long steps = same(entries, "train steps", r -> r.protocol().trainSteps(), problems);
        long every = same(entries, "evaluation interval", r -> r.protocol().evalEvery(), problems);
        boolean atStart = same(entries, "evaluation at step 0", r -> r.protocol().evalAtStart(), problems);
        int episodes = same(entries, "episodes per evaluation task", r -> r.protocol().episodesPerTask(), problems);
        long seed = same(entries, "evaluation seed", r -> r.protocol().evalSeed(), problems);
        Map<String, String> datasets = new TreeMap<>();
        Map<String, List<ResultSet.Entry>> byDataset = new TreeMap<>();
        for (ResultSet.Entry e : entries) {
            byDataset.computeIfAbsent(e.record().identity().datasetName(), k -> new ArrayList<>()).add(e);
        }
        byDataset.forEach((name, es) -> datasets.put(name,
                same(es, "SHA-256 of the training file of dataset " + name, ProtocolCheck::trainSha, problems)));
        Map<String, String> modes = new TreeMap<>();
        for (ResultSet.Entry e : entries) modes.put(e.record().identity().task(), e.record().protocol().taskMode());
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("suite " + suite + ": its runs were not made under one protocol, so their "
                    + "numbers are not comparable; point --results at runs that agree:\n  " + String.join("\n  ", problems));
        }
        return new Shared(steps, every, atStart, episodes, seed, datasets, modes);
    }

    private static String trainSha(RunRecord r) {
        return r.datasets().stream().filter(d -> d.role().equals("train")).map(RunRecord.DatasetFile::sha256)
                .findFirst().orElse("(none recorded)");
    }

    private static <T> T same(List<ResultSet.Entry> entries, String field, Function<RunRecord, T> get, List<String> problems) {
        Map<T, Path> seen = new LinkedHashMap<>();
        for (ResultSet.Entry e : entries) seen.putIfAbsent(get.apply(e.record()), e.file());
        if (seen.size() > 1) {
            StringBuilder b = new StringBuilder(field + " differs: ");
            TreeSet<String> parts = new TreeSet<>();
            seen.forEach((v, f) -> parts.add(v + " (e.g. " + f + ")"));
            problems.add(b.append(String.join("; ", parts)).toString());
        }
        return seen.keySet().iterator().next();
    }
}
