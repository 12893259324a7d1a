package flowbench.harness.protocol;

import java.util.ArrayList;
import java.util.Collections;
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
 * oracle per run; docs/qgf.md section 7), but a choice made on held-out seeds.
 *
 * <p><b>Rule.</b> A learner exposes a policy family as policies named {@code family(param=value)}, e.g.
 * {@code qgf(w=0.01)}, {@code qgf(w=0.02)}. Runs are split by the caller into SELECTION runs and REPORT runs with
 * disjoint seeds. For each group (by default the environment, i.e. the run's dataset name, so the five single tasks of
 * an OGBench environment share one choice, as "choose w per environment on held-out seeds" in docs/qgf.md section 7/10):
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
 *
 * <p>The rule is applied to {@link Observation}s, so that run records ({@link #select}) and the leaderboard's
 * database rows ({@link #choose}) go through the same code. Where the rule is applied: {@code flowbench report}
 * ({@code flowbench.harness.report.Sweeps}) and the leaderboard, with the rule declared in the suite
 * ({@link Suite.Selection}).
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

    /**
     * A run as the rule reads it.
     *
     * @param ref        where the run comes from, named in errors (a run.json path, a leaderboard run); may be null
     * @param runId      the harness run id
     * @param configHash the config hash (null: not compared)
     * @param group      the run's group key
     * @param status     the record's status; anything but "complete" is an error
     * @param scores     policy to score, in the learner's order (the order breaks exact ties)
     */
    public record Observation(String ref, String runId, String algorithm, String configHash, String task, String group,
                              long seed, String status, Map<String, Double> scores) {
        public Observation {
            scores = scores == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(scores));
        }

        public String describe() {
            return "run " + runId + " (" + algorithm + ", task " + task + ", seed " + seed + ")" + (ref == null ? "" : " at " + ref);
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
     * Applies the rule to every group, reading each run's {@link RunRecord#summary()}.
     *
     * @param family  policy family whose members are compared ("qgf" compares "qgf(w=...)", not "qgf-jacobian(...)")
     * @param groupOf group key of a run
     * @return choices by group, in group-name order
     */
    public static Map<String, Choice> select(String family, List<RunRecord> selectionRuns, List<RunRecord> reportRuns,
                                             Score score, Function<RunRecord, String> groupOf) {
        return choose(family, observe(selectionRuns, "selection", score, groupOf), observe(reportRuns, "report", score, groupOf));
    }

    private static List<Observation> observe(List<RunRecord> runs, String role, Score score,
                                             Function<RunRecord, String> groupOf) {
        List<Observation> out = new ArrayList<>();
        for (RunRecord r : runs) {
            if (r == null) throw new IllegalArgumentException(role + " run list holds null");
            if (r.identity() == null) throw new IllegalArgumentException(role + " run record without field 'identity'");
            if (r.complete() && (r.summary() == null || r.summary().isEmpty())) {
                throw new IllegalArgumentException(describe(r) + " (" + role + "): field 'summary' is missing or empty");
            }
            Map<String, Double> scores = new LinkedHashMap<>();
            if (r.summary() != null) for (RunRecord.PolicySummary s : r.summary()) scores.put(s.policy(), score.of(s));
            RunRecord.Identity id = r.identity();
            String g = groupOf.apply(r);
            if (g == null) throw new IllegalArgumentException(describe(r) + ": group key is null");
            out.add(new Observation(null, id.runId(), id.algorithm(), r.configHash(), id.task(), g, id.seed(), r.status(), scores));
        }
        return out;
    }

    /**
     * The rule on observations: {@code selection} and {@code report} runs with disjoint seeds, every run complete.
     *
     * @return choices by group, in group-name order
     */
    public static Map<String, Choice> choose(String family, List<Observation> selectionRuns, List<Observation> reportRuns) {
        if (family == null || family.isEmpty()) throw new IllegalArgumentException("policy family must be non-empty");
        if (selectionRuns.isEmpty()) throw new IllegalArgumentException("no selection runs given");
        if (reportRuns.isEmpty()) throw new IllegalArgumentException("no report runs given");
        for (Observation r : selectionRuns) check(r, "selection");
        for (Observation r : reportRuns) check(r, "report");
        checkDisjointAndUnique(selectionRuns, reportRuns);

        Map<String, List<Observation>> sel = group(selectionRuns);
        Map<String, List<Observation>> rep = group(reportRuns);
        for (String g : rep.keySet()) {
            if (!sel.containsKey(g)) {
                throw new IllegalArgumentException("group '" + g + "' has report runs but no selection run");
            }
        }
        Map<String, Choice> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<Observation>> e : sel.entrySet()) {
            String g = e.getKey();
            List<Observation> reportGroup = rep.get(g);
            if (reportGroup == null) throw new IllegalArgumentException("group '" + g + "' has selection runs but no report run");
            out.put(g, choose(g, family, e.getValue(), reportGroup));
        }
        return out;
    }

    /** The candidates of {@code family} among a run's policies, in its order. */
    public static List<String> candidates(String family, Iterable<String> policies) {
        List<String> out = new ArrayList<>();
        for (String p : policies) if (p.equals(family) || familyOf(p).equals(family)) out.add(p);
        return out;
    }

    private static Choice choose(String group, String family, List<Observation> sel, List<Observation> rep) {
        checkSameConfiguration(group, sel, rep);
        List<String> candidates = candidates(family, sel.get(0).scores().keySet());
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException(sel.get(0).describe() + " has no policy of family '" + family + "'; it has "
                    + List.copyOf(sel.get(0).scores().keySet()));
        }
        List<Candidate> scored = new ArrayList<>();
        Candidate best = null;
        for (String c : candidates) {
            double sum = 0;
            for (Observation r : sel) sum += scoreOf(r, c);
            Candidate cand = new Candidate(c, sum / sel.size(), sel.size());
            scored.add(cand);
            // strict: an exact tie keeps the earlier candidate
            if (best == null || cand.selectionMean() > best.selectionMean()) best = cand;
        }
        List<Observation> ordered = new ArrayList<>(rep);
        ordered.sort((a, b) -> {
            int t = a.task().compareTo(b.task());
            return t != 0 ? t : Long.compare(a.seed(), b.seed());
        });
        List<RunScore> report = new ArrayList<>();
        double sum = 0;
        for (Observation r : ordered) {
            double s = scoreOf(r, best.policy());
            report.add(new RunScore(r.task(), r.seed(), r.runId(), s));
            sum += s;
        }
        return new Choice(group, family, best.policy(), best.selectionMean(), scored, report, sum / report.size());
    }

    private static double scoreOf(Observation r, String policy) {
        Double s = r.scores().get(policy);
        if (s == null) {
            throw new IllegalArgumentException(r.describe() + " has no summary for policy '" + policy
                    + "' (every run of a group must expose every candidate)");
        }
        if (!Double.isFinite(s)) throw new IllegalArgumentException(r.describe() + ": score of policy '" + policy + "' is " + s);
        return s;
    }

    private static void check(Observation r, String role) {
        if (r == null) throw new IllegalArgumentException(role + " run list holds null");
        if (!RunRecord.COMPLETE.equals(r.status())) {
            throw new IllegalArgumentException(r.describe() + " (" + role + "): field 'status' is '" + r.status()
                    + "'; expected '" + RunRecord.COMPLETE + "'");
        }
        if (r.scores().isEmpty()) {
            throw new IllegalArgumentException(r.describe() + " (" + role + "): field 'summary' is missing or empty");
        }
    }

    private static void checkDisjointAndUnique(List<Observation> sel, List<Observation> rep) {
        Set<Long> selSeeds = new HashSet<>();
        for (Observation r : sel) selSeeds.add(r.seed());
        for (Observation r : rep) {
            if (selSeeds.contains(r.seed())) {
                throw new IllegalArgumentException("seed " + r.seed() + " is used for selection and for report ("
                        + r.describe() + "); the two seed sets must be disjoint");
            }
        }
        Map<String, Observation> seen = new HashMap<>();
        for (List<Observation> list : List.of(sel, rep)) {
            for (Observation r : list) {
                Observation prev = seen.put(r.task() + "#" + r.seed(), r);
                if (prev != null) {
                    throw new IllegalArgumentException("two runs for task " + r.task() + " seed " + r.seed() + ": "
                            + prev.describe() + " and " + r.describe());
                }
            }
        }
    }

    private static void checkSameConfiguration(String group, List<Observation> sel, List<Observation> rep) {
        Observation first = sel.get(0);
        List<Observation> all = new ArrayList<>(sel);
        all.addAll(rep);
        for (Observation r : all) {
            if (!r.algorithm().equals(first.algorithm())
                    || (first.configHash() != null && !first.configHash().equals(r.configHash()))) {
                throw new IllegalArgumentException("group '" + group + "' mixes configurations: " + first.describe()
                        + " is " + first.algorithm() + " config " + first.configHash() + ", " + r.describe()
                        + " is " + r.algorithm() + " config " + r.configHash());
            }
        }
    }

    private static Map<String, List<Observation>> group(List<Observation> runs) {
        Map<String, List<Observation>> m = new TreeMap<>();
        for (Observation r : runs) {
            if (r.group() == null) throw new IllegalArgumentException(r.describe() + ": group key is null");
            m.computeIfAbsent(r.group(), k -> new ArrayList<>()).add(r);
        }
        return m;
    }

    private static String describe(RunRecord r) {
        RunRecord.Identity id = r.identity();
        return "run " + id.runId() + " (" + id.algorithm() + ", task " + id.task() + ", seed " + id.seed() + ")";
    }
}
