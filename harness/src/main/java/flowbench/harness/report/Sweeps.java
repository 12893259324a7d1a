package flowbench.harness.report;

import flowbench.harness.protocol.PolicySelection;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.Suite;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Swept policy families of a suite's runs and the suite's declared selection rule applied to them: what
 * {@code flowbench report} and the leaderboard show instead of one row per swept candidate.
 *
 * <p>A <b>swept family</b> is two or more policies of one (algorithm, config) named {@code family(param=value)} with
 * the same family, e.g. QGF's {@code qgf(w=0.01)}, {@code qgf(w=0.02)}. Showing each as a method would let a reader (or
 * a ranking) take the maximum over the sweep, an optimistic oracle (docs/qgf.md section 7). So:
 * <ul>
 *   <li>with a rule ({@link Suite.Selection}) covering the algorithm, the family becomes ONE method
 *       ({@link #methodKey}, e.g. {@code qgf [w by rule]}): per group, {@link PolicySelection#choose} picks the
 *       candidate on the selection runs (scored by the rule's score kind), and the method's runs are the report runs
 *       with that candidate's score (under the report's score kind). Every selection run of every task of a group
 *       must be there and complete, or the family is unresolved with an error naming the run;</li>
 *   <li>without a rule the candidates appear only in the sweep, labelled {@link #NO_RULE}, never as methods;</li>
 *   <li>in a suite with a rule, a run with a selection seed is never a method result, whatever its policies.</li>
 * </ul>
 * Every candidate of every run goes to {@link #points()} (the sweep table and the guidance-weight plot), with its role.
 * Inputs are {@link Run}s, so run records and database rows go through the same code.
 */
public final class Sweeps {
    /** The label of a swept family that no declared rule covers. */
    public static final String NO_RULE = "sweep, no declared selection: not a method result";
    /** Role of the runs of a family that no rule covers. */
    public static final String ROLE_NO_RULE = "no rule";

    /** A policy's score in one run under both score kinds. */
    public record PolicyScore(String policy, double finalScore, double last3Score) {
        public double of(ScoreKind k) {
            return k == ScoreKind.FINAL ? finalScore : last3Score;
        }
    }

    /**
     * A run as sweeps read it.
     *
     * @param ref      where it comes from, named in errors (a run.json path, or a leaderboard run)
     * @param dataset  the environment (the task's dataset name)
     * @param status   the record's status; only complete runs are scored, incomplete selection runs are errors
     * @param policies the run's policies in the learner's order (the order breaks exact ties)
     */
    public record Run(String ref, String runId, String algorithm, String methodConfig, String task, String dataset,
                      long seed, String status, List<PolicyScore> policies) {
        public Run {
            policies = List.copyOf(policies);
        }

        public boolean complete() {
            return RunRecord.COMPLETE.equals(status);
        }

        public Optional<PolicyScore> policy(String name) {
            for (PolicyScore p : policies) if (p.policy().equals(name)) return Optional.of(p);
            return Optional.empty();
        }

        String describe() {
            return "run " + runId + " (" + algorithm + ", task " + task + ", seed " + seed + ")" + (ref == null ? "" : " at " + ref);
        }
    }

    /**
     * A swept family of one (algorithm, config).
     *
     * @param params     the swept parameter names, e.g. "w" or "alpha,L"
     * @param candidates its policies, in the learner's order
     * @param method     the method key of its selected row (see {@link #methodKey})
     * @param ruled      whether the suite's rule covers the algorithm
     * @param error      why the rule could not be applied (null when it was, or when there is no rule)
     */
    public record Family(String algorithm, String methodConfig, String family, String params, List<String> candidates,
                         String method, boolean ruled, String error) {
        public Family {
            candidates = List.copyOf(candidates);
        }

        /** Whether the family is reported as one method: a rule covers it and could be applied. */
        public boolean resolved() {
            return ruled && error == null;
        }
    }

    /** The rule's choice for one group of one family. */
    public record GroupChoice(Family family, String group, PolicySelection.Choice choice) {
        /** The chosen candidate's parameters, e.g. "w=0.3". */
        public String chosenParams() {
            return params(choice.policy());
        }
    }

    /**
     * One candidate in one run.
     *
     * @param role   "selection", "report", or {@link #ROLE_NO_RULE}
     * @param kind   the score kind of {@code score}: the rule's for selection runs, the report's otherwise
     * @param chosen whether the rule chose this candidate for the run's group
     */
    public record Point(Family family, String group, Run run, String role, String policy, ScoreKind kind, double score,
                        boolean chosen) {}

    /** A report run of a resolved family, scored with its group's chosen candidate under the report's kind. */
    public record Selected(Family family, String group, Run run, String policy, double score) {}

    private final Suite.Selection rule;
    private final ScoreKind kind;
    private final List<Family> families = new ArrayList<>();
    private final List<GroupChoice> choices = new ArrayList<>();
    private final List<Point> points = new ArrayList<>();
    private final List<Selected> selected = new ArrayList<>();
    /** algorithm \0 config \0 policy of every swept candidate */
    private final Set<String> swept = new LinkedHashSet<>();

    private Sweeps(Suite.Selection rule, ScoreKind kind) {
        this.rule = rule;
        this.kind = kind;
    }

    /** The report-side score kind of the rule's score. */
    public static ScoreKind kindOf(PolicySelection.Score score) {
        return score == PolicySelection.Score.FINAL ? ScoreKind.FINAL : ScoreKind.LAST3;
    }

    /** "qgf [w by rule]" when the family is named like its algorithm, else "qgf[best-of-n] [n by rule]". */
    public static String methodKey(String algorithm, String family, String params) {
        return (algorithm.equals(family) ? algorithm : algorithm + "[" + family + "]") + " [" + params + " by rule]";
    }

    /** The parameters of a policy name: "qgf(w=0.3)" → "w=0.3"; a name without parentheses gives itself. */
    public static String params(String policy) {
        int i = policy.indexOf('(');
        return i < 0 || !policy.endsWith(")") ? policy : policy.substring(i + 1, policy.length() - 1);
    }

    /** Parameter names of a candidate: "gradstep(alpha=0.01,L=3)" → "alpha,L"; "parameter" when none is named. */
    static String paramNames(String policy) {
        List<String> names = new ArrayList<>();
        for (String part : params(policy).split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) names.add(part.substring(0, eq).strip());
        }
        return names.isEmpty() ? "parameter" : String.join(",", names);
    }

    /**
     * Finds every swept family in {@code runs} and applies {@code rule} (null: none declared). Problems that stop the
     * rule for a family are kept in {@link Family#error()}; {@link #requireResolved()} turns them into an exception.
     *
     * @param kind the score kind of the reported numbers (the choice itself uses the rule's kind)
     */
    public static Sweeps compute(Suite.Selection rule, List<Run> runs, ScoreKind kind) {
        Sweeps s = new Sweeps(rule, kind);
        Map<String, List<Run>> byConfig = new LinkedHashMap<>();
        List<Run> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparing(Run::algorithm).thenComparing(r -> String.valueOf(r.methodConfig()))
                .thenComparing(Run::task).thenComparingLong(Run::seed).thenComparing(r -> String.valueOf(r.runId())));
        for (Run r : sorted) byConfig.computeIfAbsent(r.algorithm() + "\u0000" + r.methodConfig(), k -> new ArrayList<>()).add(r);
        for (List<Run> list : byConfig.values()) s.analyse(list);
        return s;
    }

    /** The group key of a run under the rule (the environment when there is no rule). */
    public String groupOf(Run r) {
        String g = rule == null ? Suite.Selection.GROUP_DATASET : rule.group();
        return switch (g) {
            case Suite.Selection.GROUP_TASK -> r.task();
            case Suite.Selection.GROUP_SUITE -> "all tasks";
            default -> r.dataset();
        };
    }

    /** Whether {@code seed} is a selection seed of the rule: such runs are never method results. */
    public boolean isSelectionSeed(long seed) {
        return rule != null && rule.isSelectionSeed(seed);
    }

    /** Whether {@code policy} of (algorithm, config) belongs to a swept family (it is then never its own method). */
    public boolean isSwept(String algorithm, String methodConfig, String policy) {
        return swept.contains(algorithm + "\u0000" + methodConfig + "\u0000" + policy);
    }

    private void analyse(List<Run> runs) {
        String algorithm = runs.get(0).algorithm();
        String config = runs.get(0).methodConfig();
        // families and their candidates, in first-seen order over the runs (task, seed order), complete runs only
        Map<String, List<String>> fams = new LinkedHashMap<>();
        for (Run r : runs) {
            if (!r.complete()) continue;
            for (PolicyScore p : r.policies()) {
                String name = p.policy();
                if (name.indexOf('(') < 0) continue;
                List<String> c = fams.computeIfAbsent(PolicySelection.familyOf(name), k -> new ArrayList<>());
                if (!c.contains(name)) c.add(name);
            }
        }
        for (Map.Entry<String, List<String>> f : fams.entrySet()) {
            if (f.getValue().size() < 2) continue; // one candidate: nothing was swept, the policy is a method of its own
            for (String c : f.getValue()) swept.add(algorithm + "\u0000" + config + "\u0000" + c);
            analyseFamily(algorithm, config, f.getKey(), f.getValue(), runs);
        }
    }

    private void analyseFamily(String algorithm, String config, String family, List<String> candidates, List<Run> runs) {
        String params = paramNames(candidates.get(0));
        boolean ruled = rule != null && rule.covers(algorithm);
        String method = methodKey(algorithm, family, params);
        String error = null;
        Map<String, PolicySelection.Choice> choice = Map.of();
        if (ruled) {
            try {
                choice = choose(family, runs);
            } catch (IllegalArgumentException e) {
                error = e.getMessage();
                choice = Map.of();
            }
        }
        Family fam = new Family(algorithm, config, family, params, candidates, method, ruled, error);
        families.add(fam);
        for (Map.Entry<String, PolicySelection.Choice> c : choice.entrySet()) choices.add(new GroupChoice(fam, c.getKey(), c.getValue()));
        Map<String, Run> byRunId = new HashMap<>();
        for (Run r : runs) byRunId.put(r.runId(), r);
        for (PolicySelection.Choice c : choice.values()) {
            for (PolicySelection.RunScore rs : c.report()) {
                selected.add(new Selected(fam, c.group(), byRunId.get(rs.runId()), c.policy(), rs.score()));
            }
        }
        ScoreKind selKind = rule == null ? kind : kindOf(rule.score());
        for (Run r : runs) {
            if (!r.complete()) continue;
            String group = groupOf(r);
            boolean sel = isSelectionSeed(r.seed());
            String role = sel ? Suite.ROLE_SELECTION : ruled ? Suite.ROLE_REPORT : ROLE_NO_RULE;
            ScoreKind k = sel ? selKind : kind;
            PolicySelection.Choice c = choice.get(group);
            for (String cand : candidates) {
                Optional<PolicyScore> p = r.policy(cand);
                if (p.isEmpty()) continue;
                points.add(new Point(fam, group, r, role, cand, k, p.get().of(k), c != null && c.policy().equals(cand)));
            }
        }
    }

    /** The rule on one family's runs; every selection run of every task of a report group must be there, complete. */
    private Map<String, PolicySelection.Choice> choose(String family, List<Run> runs) {
        ScoreKind selKind = kindOf(rule.score());
        List<PolicySelection.Observation> sel = new ArrayList<>();
        List<PolicySelection.Observation> rep = new ArrayList<>();
        Map<String, Set<String>> tasksOfGroup = new LinkedHashMap<>();
        Map<String, Run> selectionRun = new HashMap<>();
        for (Run r : runs) {
            String g = groupOf(r);
            tasksOfGroup.computeIfAbsent(g, k -> new TreeSet<>()).add(r.task());
            if (isSelectionSeed(r.seed())) {
                Run prev = selectionRun.put(r.task() + "\u0000" + r.seed(), r);
                if (prev != null) {
                    throw new IllegalArgumentException("two selection runs for task " + r.task() + " seed " + r.seed() + ": "
                            + prev.describe() + " and " + r.describe());
                }
                if (!r.complete()) {
                    throw new IllegalArgumentException("selection " + r.describe() + " has status '" + r.status()
                            + "'; expected '" + RunRecord.COMPLETE + "': the rule chooses on every selection run, so it must"
                            + " finish first");
                }
                sel.add(observation(r, g, selKind));
            } else if (r.complete()) {
                rep.add(observation(r, g, kind));
            }
        }
        if (rep.isEmpty()) return Map.of(); // selection runs only: nothing to report yet
        Set<String> reportGroups = new TreeSet<>();
        for (PolicySelection.Observation o : rep) reportGroups.add(o.group());
        for (String g : reportGroups) {
            for (String task : tasksOfGroup.get(g)) {
                for (long seed : rule.selectionSeeds()) {
                    if (!selectionRun.containsKey(task + "\u0000" + seed)) {
                        throw new IllegalArgumentException("no selection run of " + runs.get(0).algorithm() + " (method config "
                                + shortHash(runs.get(0).methodConfig()) + ") on task " + task + " with seed " + seed
                                + ": the suite's rule chooses family '" + family + "' on selection seeds "
                                + rule.selectionSeeds() + " of every task of group '" + g + "'");
                    }
                }
            }
        }
        // groups with selection runs but no report run are left out: nothing to report there
        sel.removeIf(o -> !reportGroups.contains(o.group()));
        return PolicySelection.choose(family, sel, rep);
    }

    private static String shortHash(String h) {
        return h == null ? "?" : h.substring(0, Math.min(12, h.length()));
    }

    private static PolicySelection.Observation observation(Run r, String group, ScoreKind k) {
        Map<String, Double> scores = new LinkedHashMap<>();
        for (PolicyScore p : r.policies()) scores.put(p.policy(), p.of(k));
        return new PolicySelection.Observation(r.ref(), r.runId(), r.algorithm(), r.methodConfig(), r.task(), group, r.seed(),
                r.status(), scores);
    }

    /** Throws when the rule could not be applied to some family, naming every such family and the reason. */
    public Sweeps requireResolved() {
        List<String> errors = new ArrayList<>();
        for (Family f : families) if (f.error() != null) errors.add(f.method() + ": " + f.error());
        if (!errors.isEmpty()) {
            throw new IllegalStateException("the suite's selection rule cannot be applied: " + String.join("; ", errors));
        }
        return this;
    }

    public Suite.Selection rule() {
        return rule;
    }

    public ScoreKind kind() {
        return kind;
    }

    public List<Family> families() {
        return families;
    }

    public List<GroupChoice> choices() {
        return choices;
    }

    /** The choices of one family, by group. */
    public Map<String, GroupChoice> choicesOf(Family f) {
        Map<String, GroupChoice> out = new LinkedHashMap<>();
        for (GroupChoice c : choices) if (c.family() == f) out.put(c.group(), c);
        return out;
    }

    public List<Point> points() {
        return points;
    }

    public List<Selected> selected() {
        return selected;
    }

    /**
     * What a family's method row reports, for tables: "w=0.3 (chosen on seeds 100–101)" with one choice, or
     * "env-a: w=0.3; env-b: w=1 (chosen on seeds 100–101)" with several groups.
     */
    public String chosenText(Family f) {
        Map<String, GroupChoice> c = choicesOf(f);
        if (c.isEmpty()) return "";
        StringBuilder b = new StringBuilder();
        if (c.size() == 1) {
            b.append(c.values().iterator().next().chosenParams());
        } else {
            for (GroupChoice g : c.values()) {
                if (b.length() > 0) b.append("; ");
                b.append(g.group()).append(": ").append(g.chosenParams());
            }
        }
        return b.append(" (chosen on seeds ").append(rule.seedText()).append(")").toString();
    }
}
