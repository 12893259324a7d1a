package flowbench.harness.report;

import flowbench.harness.protocol.Evaluation;
import flowbench.harness.protocol.PolicyEvaluation;
import flowbench.harness.protocol.RunRecord;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * How one run becomes one score (docs/benchmarks.md 8.2: the headline policy is fixed in advance and stated with every
 * number). Both use the policy's {@code overallSuccess}: the mean over evaluation tasks of the per-task success.
 */
public enum ScoreKind {
    /** The final evaluation's overall success. */
    FINAL("final", "overall success at the final evaluation"),
    /**
     * Mean overall success of the last 3 evaluations (OGBench papers' convention); a run with fewer evaluations averages
     * all it has, and the report says how many were averaged.
     */
    LAST3("last3", "mean overall success of the last 3 evaluations (OGBench papers' convention)");

    /** Evaluations averaged by {@link #LAST3}. */
    public static final int LAST_N = 3;

    private final String id;
    private final String description;

    ScoreKind(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** Command-line and file name: "final" or "last3". */
    public String id() {
        return id;
    }

    public String description() {
        return description;
    }

    public static ScoreKind parse(String s) {
        for (ScoreKind k : values()) {
            if (k.id.equalsIgnoreCase(s) || k.name().equalsIgnoreCase(s)) return k;
        }
        throw new IllegalArgumentException("score kind '" + s + "' is unknown; expected 'final' or 'last3'");
    }

    /** Number of evaluations this kind averages for a run with {@code evaluations} evaluations. */
    public int evaluationsUsed(int evaluations) {
        return this == FINAL ? Math.min(1, evaluations) : Math.min(LAST_N, evaluations);
    }

    /**
     * The run's score for {@code policy}.
     *
     * @param file named in the error when the record lacks the policy or evaluations
     */
    public double score(RunRecord r, String policy, Path file) {
        List<Evaluation> evals = r.evaluations();
        int n = evaluationsUsed(evals == null ? 0 : evals.size());
        if (n == 0) throw new IllegalStateException(file + ": field 'evaluations' is empty; expected at least one evaluation in a complete run");
        double sum = 0;
        for (int i = evals.size() - n; i < evals.size(); i++) sum += success(evals.get(i), policy, file, i);
        return sum / n;
    }

    static double success(Evaluation e, String policy, Path file, int index) {
        PolicyEvaluation p = e.policy(policy).orElseThrow(() -> new IllegalStateException(String.format(Locale.ROOT,
                "%s: evaluations[%d] (step %d) has no policy '%s'; expected every evaluation to cover every policy",
                file, index, e.step(), policy)));
        if (!Double.isFinite(p.overallSuccess())) {
            throw new IllegalStateException(String.format(Locale.ROOT, "%s: evaluations[%d].policies['%s'].overallSuccess is %s; expected a number in [0, 1]",
                    file, index, policy, p.overallSuccess()));
        }
        return p.overallSuccess();
    }
}
