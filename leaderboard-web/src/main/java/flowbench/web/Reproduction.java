package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.protocol.EpisodeOutcome;
import flowbench.harness.protocol.Evaluation;
import flowbench.harness.protocol.PolicyEvaluation;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.TaskEvaluation;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * The reproduction check: does the harness's own run of a submitted run's key (suite, task, algorithm, seed, config
 * hash) give the results that were submitted? Only the evaluations are compared (timing, machine, software and paths
 * legitimately differ). Both records must have the same evaluation steps and, at each, the same policies in the same
 * order. Then:
 * <ul>
 *   <li>a submitted record without an {@code external} block (one of flowbench's own algorithms, deterministic on a
 *       machine) or whose {@code external.agent.deterministic} is {@code true}: every per-episode outcome (success,
 *       return, length, terminated, truncated) of every task, policy and evaluation must be equal, and the task ids and
 *       episode counts with them: {@value #EXACT};</li>
 *   <li>an external method that declares {@code deterministic: false} or nothing: each policy's overall success at
 *       every evaluation may differ by at most {@code external.agent.tolerance} (in [0, 1]; absent or unreadable: 0):
 *       {@code within tolerance <t>}.</li>
 * </ul>
 * Otherwise the run is not reproduced, and the verdict names the first difference (evaluation order: step, then
 * policy, task and episode). The declarations are read from the submitted record, never from the harness's.
 */
public final class Reproduction {
    /** The stored reproduction of a run whose every per-episode outcome the harness repeated. */
    public static final String EXACT = "exact";
    /** Prefix of the stored reproduction of a non-deterministic external method within its tolerance. */
    public static final String WITHIN_TOLERANCE = "within tolerance ";
    /** Prefix of the note stored on a submitted run the harness did not reproduce. */
    public static final String NOT_REPRODUCED = "not reproduced: ";
    /** Rounding slack of the tolerance comparison (overall successes are means of means). */
    private static final double SLACK = 1e-9;

    private Reproduction() {}

    /**
     * The outcome of a check.
     *
     * @param text what is stored in {@code runs.reproduction}: {@value #EXACT} or {@code within tolerance <t>} when
     *             reproduced, else the note {@code not reproduced: <first difference>}
     */
    public record Verdict(boolean reproduced, String text) {}

    /** Checks the harness's record {@code harness} against the {@code submitted} record of the same run key. */
    public static Verdict check(RunRecord submitted, RunRecord harness) {
        List<Evaluation> se = submitted.evaluations(), he = harness.evaluations();
        List<Long> ss = se.stream().map(Evaluation::step).toList(), hs = he.stream().map(Evaluation::step).toList();
        if (!ss.equals(hs)) return not("evaluation steps " + ss + " submitted, " + hs + " by the harness");
        boolean exact = deterministic(submitted);
        double tolerance = exact ? 0 : tolerance(submitted);
        for (int e = 0; e < se.size(); e++) {
            Evaluation a = se.get(e), b = he.get(e);
            List<String> ap = a.policies().stream().map(PolicyEvaluation::policy).toList();
            List<String> bp = b.policies().stream().map(PolicyEvaluation::policy).toList();
            if (!ap.equals(bp)) return not("step " + a.step() + ": policies " + ap + " submitted, " + bp + " by the harness");
            for (int q = 0; q < ap.size(); q++) {
                PolicyEvaluation pa = a.policies().get(q), pb = b.policies().get(q);
                String where = "policy " + pa.policy() + ", step " + a.step();
                String diff = exact ? episodes(pa, pb, where)
                        : Math.abs(pa.overallSuccess() - pb.overallSuccess()) > tolerance + SLACK
                        ? where + ": overall success " + number(pa.overallSuccess()) + " submitted vs "
                                + number(pb.overallSuccess()) + " by the harness, tolerance " + plain(tolerance)
                        : null;
                if (diff != null) return not(diff);
            }
        }
        return new Verdict(true, exact ? EXACT : WITHIN_TOLERANCE + plain(tolerance));
    }

    /** The first difference between two policies' per-episode outcomes at one evaluation, or null. */
    private static String episodes(PolicyEvaluation a, PolicyEvaluation b, String where) {
        List<Integer> at = a.tasks().stream().map(TaskEvaluation::taskId).toList();
        List<Integer> bt = b.tasks().stream().map(TaskEvaluation::taskId).toList();
        if (!at.equals(bt)) return where + ": evaluation tasks " + at + " submitted, " + bt + " by the harness";
        for (int k = 0; k < at.size(); k++) {
            TaskEvaluation ta = a.tasks().get(k), tb = b.tasks().get(k);
            String w = where + ", task " + ta.taskId();
            if (ta.episodes().size() != tb.episodes().size()) {
                return w + ": " + ta.episodes().size() + " episodes submitted, " + tb.episodes().size() + " by the harness";
            }
            for (int i = 0; i < ta.episodes().size(); i++) {
                EpisodeOutcome x = ta.episodes().get(i), y = tb.episodes().get(i);
                String d = x.success() != y.success() ? field("success", x.success(), y.success())
                        : !sameNumber(x.episodeReturn(), y.episodeReturn()) ? field("return", x.episodeReturn(), y.episodeReturn())
                        : x.length() != y.length() ? field("length", x.length(), y.length())
                        : x.terminated() != y.terminated() ? field("terminated", x.terminated(), y.terminated())
                        : x.truncated() != y.truncated() ? field("truncated", x.truncated(), y.truncated())
                        : null;
                if (d != null) return w + ", episode " + x.episode() + ": " + d;
            }
        }
        return null;
    }

    private static String field(String name, Object submitted, Object harness) {
        return "submitted " + name + " " + submitted + ", harness " + harness;
    }

    /** Equal doubles as read from JSON (0.0 and -0.0 are one number; the validator refuses non-finite returns). */
    private static boolean sameNumber(double a, double b) {
        return a == b || (Double.isNaN(a) && Double.isNaN(b));
    }

    private static Verdict not(String what) {
        return new Verdict(false, NOT_REPRODUCED + what);
    }

    /**
     * Whether the record's method is held to exact reproduction: flowbench's own algorithms (no {@code external}
     * block) always, an external method when its agent declares {@code deterministic: true}.
     */
    public static boolean deterministic(RunRecord r) {
        if (r.external() == null) return true;
        JsonNode d = r.external().agent() == null ? null : r.external().agent().path("deterministic");
        return d != null && d.isBoolean() && d.booleanValue();
    }

    /** {@code external.agent.tolerance} of a non-deterministic external method; 0 when absent or not in [0, 1]. */
    public static double tolerance(RunRecord r) {
        if (r.external() == null || r.external().agent() == null) return 0;
        JsonNode t = r.external().agent().path("tolerance");
        if (!t.isNumber()) return 0;
        double v = t.doubleValue();
        return v >= 0 && v <= 1 ? v : 0;
    }

    /**
     * A stored reproduction in words, for a run of {@code status} ({@link Store#REPRODUCED} or
     * {@link Store#SUBMITTED}) whose {@code runs.reproduction} is {@code reproduction}.
     */
    public static String describe(String status, String reproduction) {
        if (Store.REPRODUCED.equals(status)) {
            if (reproduction == null) return "run by the harness (not a submission)";
            if (reproduction.equals(EXACT)) {
                return "submitted, and reproduced exactly by the harness (every per-episode outcome equal)";
            }
            if (reproduction.startsWith(WITHIN_TOLERANCE)) {
                return "submitted, and reproduced by the harness " + reproduction + " (each policy's overall success at"
                        + " every evaluation)";
            }
            return reproduction;
        }
        return reproduction == null ? "submitted, not reproduced by the harness yet" : reproduction;
    }

    /** A success rate for a note: at most 4 decimals, no trailing zeros (0.4, 0.6167). */
    private static String number(double v) {
        if (!Double.isFinite(v)) return Double.toString(v);
        return new BigDecimal(v).setScale(4, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
    }

    /** A declared tolerance as written (0.05, 0). */
    private static String plain(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
