package flowbench.harness.protocol;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The declared rule for choosing a swept test-time hyperparameter (QGF's guidance weight, best-of-N's N, ...) without
 * optimism: never the maximum over the sweep within a run (the QGF reference logger's {@code evaluation/success}, an
 * oracle per run; qgf.md section 7), but a choice made on held-out seeds.
 *
 * <p><b>Rule.</b> A learner exposes a policy family as policies named {@code family(param=value)}, e.g.
 * {@code qgf(w=0.01)}, {@code qgf(w=0.02)}. Runs are split by the caller into SELECTION runs and REPORT runs with
 * disjoint seeds. For each group (by default the environment, i.e. the run's dataset name, so the five single tasks of
 * an OGBench environment share one choice, as "choose w per environment on held-out seeds" in qgf.md section 7/10):
 * <ol>
 *   <li>every selection run of the group must expose every candidate of the family (the candidates and their order are
 *       those of the group's first selection run);</li>
 *   <li>the candidate with the highest mean score over all selection runs of the group (all tasks, all selection
 *       seeds, equally weighted) is chosen; on an exact tie, the candidate listed first by the learner wins;</li>
 *   <li>the result is that candidate's score in every report run of the group; selection-run scores are never
 *       reported.</li>
 * </ol>
 * A run's score is its {@link RunRecord.PolicySummary#finalSuccess()} ({@link Score#FINAL}; test-time methods are
 * evaluated once on the final checkpoint) or {@link RunRecord.PolicySummary#lastNSuccess()} ({@link Score#LAST_N}).
 * Every input problem (incomplete run, seed in both splits, duplicate run, mixed configurations, missing policy) is an
 * error that names the run, never a silent skip.
 */
public final class PolicySelection {
    private PolicySelection() {}

    /** Which per-run number a candidate is scored by. */
    public enum Score {
        FINAL, LAST_N;

        double of(RunRecord.PolicySummary s) {
            return this == FINAL ? s.finalSuccess() : s.lastNSuccess();
        }
    }

    /** One run's score for the chosen policy. */
    public record RunScore(String task, long seed, String runId, double score) {}

    /** A candidate's mean over the selection runs of a group. */
    public record Candidate(String policy, double selectionMean, int selectionRuns) {}

    /**
     * The choice for one group.
     *
     * @param group         group key (the dataset name by default)
     * @param family        policy family, e.g. "qgf"
     * @param policy        the chosen policy, e.g. "qgf(w=0.02)"
     * @param selectionMean its mean score over the selection runs
     * @param candidates    every candidate with its selection mean, in the learner's order
     * @param report        the chosen policy's score in every report run (task, then seed order)
     * @param reportMean    mean of {@code report}
     */
    public record Choice(String group, String family, String policy, double selectionMean, List<Candidate> candidates,
                         List<RunScore> report, double reportMean) {
        public Choice {
            candidates = List.copyOf(candidates);
            report = List.copyOf(report);
        }
    }

    /** The family of a policy name: the part before "(", or the whole name ("qgf(w=0.01)" → "qgf"). */
    public static String familyOf(String policy) {
        int i = policy.indexOf('(');
        return i < 0 ? policy : policy.substring(0, i);
    }

    /** {@link #select(String, List, List, Score, Function)} grouped by environment (the run's dataset name). */
    public static Map<String, Choice> select(String family, List<RunRecord> selectionRuns, List<RunRecord> reportRuns,
                                             Score score) {
        return select(family, selectionRuns, reportRuns, score, r -> r.identity().datasetName());
    }

    /**
     * Applies the rule to every group.
     *
     * @param family  policy family whose members are compared ("qgf" compares "qgf(w=...)", not "qgf-jacobian(...)")
     * @param groupOf group key of a run
     * @return choices by group, in group-name order
     */
    public static Map<String, Choice> select(String family, List<RunRecord> selectionRuns, List<RunRecord> reportRuns,
                                             Score score, Function<RunRecord, String> groupOf) {
        if (family == null || family.isEmpty()) throw new IllegalArgumentException("policy family must be non-empty");
        if (selectionRuns.isEmpty()) throw new IllegalArgumentException("no selection runs given");
        if (reportRuns.isEmpty()) throw new IllegalArgumentException("no report runs given");
        for (RunRecord r : selectionRuns) check(r, "selection");
        for (RunRecord r : reportRuns) check(r, "report");
        checkDisjointAndUnique(selectionRuns, reportRuns);

        Map<String, List<RunRecord>> sel = group(selectionRuns, groupOf);
        Map<String, List<RunRecord>> rep = group(reportRuns, groupOf);
        for (String g : rep.keySet()) {
            if (!sel.containsKey(g)) {
                throw new IllegalArgumentException("group '" + g + "' has report runs but no selection run");
            }
        }
        Map<String, Choice> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<RunRecord>> e : sel.entrySet()) {
            String g = e.getKey();
            List<RunRecord> reportGroup = rep.get(g);
            if (reportGroup == null) throw new IllegalArgumentException("group '" + g + "' has selection runs but no report run");
            out.put(g, choose(g, family, e.getValue(), reportGroup, score));
        }
        return out;
    }

    private static Choice choose(String group, String family, List<RunRecord> sel, List<RunRecord> rep, Score score) {
        checkSameConfiguration(group, sel, rep);
        List<String> candidates = new ArrayList<>();
        for (RunRecord.PolicySummary s : sel.get(0).summary()) {
            if (s.policy().equals(family) || familyOf(s.policy()).equals(family)) candidates.add(s.policy());
        }
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException(describe(sel.get(0)) + " has no policy of family '" + family + "'; it has "
                    + sel.get(0).summary().stream().map(RunRecord.PolicySummary::policy).toList());
        }
        List<Candidate> scored = new ArrayList<>();
        Candidate best = null;
        for (String c : candidates) {
            double sum = 0;
            for (RunRecord r : sel) sum += score.of(summaryOf(r, c));
            Candidate cand = new Candidate(c, sum / sel.size(), sel.size());
            scored.add(cand);
            // strict: an exact tie keeps the earlier candidate
            if (best == null || cand.selectionMean() > best.selectionMean()) best = cand;
        }
        List<RunRecord> ordered = new ArrayList<>(rep);
        ordered.sort((a, b) -> {
            int t = a.identity().task().compareTo(b.identity().task());
            return t != 0 ? t : Long.compare(a.identity().seed(), b.identity().seed());
        });
        List<RunScore> report = new ArrayList<>();
        double sum = 0;
        for (RunRecord r : ordered) {
            double s = score.of(summaryOf(r, best.policy()));
            report.add(new RunScore(r.identity().task(), r.identity().seed(), r.identity().runId(), s));
            sum += s;
        }
        return new Choice(group, family, best.policy(), best.selectionMean(), scored, report, sum / report.size());
    }

    private static RunRecord.PolicySummary summaryOf(RunRecord r, String policy) {
        for (RunRecord.PolicySummary s : r.summary()) if (s.policy().equals(policy)) return s;
        throw new IllegalArgumentException(describe(r) + " has no summary for policy '" + policy
                + "' (every run of a group must expose every candidate)");
    }

    private static void check(RunRecord r, String role) {
        if (r == null) throw new IllegalArgumentException(role + " run list holds null");
        if (r.identity() == null) throw new IllegalArgumentException(role + " run record without field 'identity'");
        if (!r.complete()) {
            throw new IllegalArgumentException(describe(r) + " (" + role + "): field 'status' is '" + r.status()
                    + "'; expected '" + RunRecord.COMPLETE + "'");
        }
        if (r.summary() == null || r.summary().isEmpty()) {
            throw new IllegalArgumentException(describe(r) + " (" + role + "): field 'summary' is missing or empty");
        }
    }

    private static void checkDisjointAndUnique(List<RunRecord> sel, List<RunRecord> rep) {
        Set<Long> selSeeds = new HashSet<>();
        for (RunRecord r : sel) selSeeds.add(r.identity().seed());
        for (RunRecord r : rep) {
            if (selSeeds.contains(r.identity().seed())) {
                throw new IllegalArgumentException("seed " + r.identity().seed() + " is used for selection and for report ("
                        + describe(r) + "); the two seed sets must be disjoint");
            }
        }
        Map<String, RunRecord> seen = new HashMap<>();
        for (List<RunRecord> list : List.of(sel, rep)) {
            for (RunRecord r : list) {
                RunRecord prev = seen.put(r.identity().task() + "#" + r.identity().seed(), r);
                if (prev != null) {
                    throw new IllegalArgumentException("two runs for task " + r.identity().task() + " seed "
                            + r.identity().seed() + ": " + describe(prev) + " and " + describe(r));
                }
            }
        }
    }

    private static void checkSameConfiguration(String group, List<RunRecord> sel, List<RunRecord> rep) {
        RunRecord first = sel.get(0);
        List<RunRecord> all = new ArrayList<>(sel);
        all.addAll(rep);
        for (RunRecord r : all) {
            if (!r.identity().algorithm().equals(first.identity().algorithm())
                    || (first.configHash() != null && !first.configHash().equals(r.configHash()))) {
                throw new IllegalArgumentException("group '" + group + "' mixes configurations: " + describe(first)
                        + " is " + first.identity().algorithm() + " config " + first.configHash() + ", " + describe(r)
                        + " is " + r.identity().algorithm() + " config " + r.configHash());
            }
        }
    }

    private static Map<String, List<RunRecord>> group(List<RunRecord> runs, Function<RunRecord, String> groupOf) {
        Map<String, List<RunRecord>> m = new TreeMap<>();
        for (RunRecord r : runs) {
            String g = groupOf.apply(r);
            if (g == null) throw new IllegalArgumentException(describe(r) + ": group key is null");
            m.computeIfAbsent(g, k -> new ArrayList<>()).add(r);
        }
        return m;
    }

    private static String describe(RunRecord r) {
        RunRecord.Identity id = r.identity();
        return "run " + id.runId() + " (" + id.algorithm() + ", task " + id.task() + ", seed " + id.seed() + ")";
    }
}
