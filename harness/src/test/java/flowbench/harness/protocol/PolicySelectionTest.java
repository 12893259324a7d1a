package flowbench.harness.protocol;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PolicySelectionTest {

    /** A complete run record with only the fields the selection reads; scores given as policy, final, lastN triples. */
    static RunRecord run(String dataset, String task, long seed, String status, String configHash, Object... scores) {
        List<RunRecord.PolicySummary> summary = new ArrayList<>();
        for (int i = 0; i < scores.length; i += 3) {
            summary.add(new RunRecord.PolicySummary((String) scores[i], 1000, (Double) scores[i + 1], -1, 3,
                    (Double) scores[i + 2], (Double) scores[i + 1], 1000));
        }
        RunRecord.Identity id = new RunRecord.Identity("qgf", "paper", "test-time", task, dataset, seed,
                task + "-" + seed);
        return new RunRecord(RunRecord.SCHEMA_VERSION, status, id, null, "cpu", null, configHash, 0, List.of(), null,
                List.of(), summary, null, null, null, null, null, 0, null);
    }

    static RunRecord run(String dataset, String task, long seed, Object... scores) {
        return run(dataset, task, seed, RunRecord.COMPLETE, "cfg", scores);
    }

    @Test
    void choosesByHeldOutSeedsAndReportsOnlyReportSeeds() {
        // selection seeds 1, 2 on two tasks of one environment: w=0.02 has the best mean (0.6) although w=0.04 wins
        // one selection run outright; on the report seeds w=0.04 would look better: the rule must not peek
        List<RunRecord> sel = List.of(
                run("maze-v0", "maze-task1", 1, "flow-bc", 0.5, 0.5, "qgf(w=0.02)", 0.7, 0.1, "qgf(w=0.04)", 0.9, 0.9,
                        "qgf-jacobian(w=0.02)", 1.0, 1.0),
                run("maze-v0", "maze-task1", 2, "flow-bc", 0.5, 0.5, "qgf(w=0.02)", 0.6, 0.1, "qgf(w=0.04)", 0.2, 0.9,
                        "qgf-jacobian(w=0.02)", 1.0, 1.0),
                run("maze-v0", "maze-task2", 1, "flow-bc", 0.5, 0.5, "qgf(w=0.02)", 0.5, 0.1, "qgf(w=0.04)", 0.4, 0.9,
                        "qgf-jacobian(w=0.02)", 1.0, 1.0),
                run("maze-v0", "maze-task2", 2, "flow-bc", 0.5, 0.5, "qgf(w=0.02)", 0.6, 0.1, "qgf(w=0.04)", 0.5, 0.9,
                        "qgf-jacobian(w=0.02)", 1.0, 1.0));
        List<RunRecord> rep = List.of(
                run("maze-v0", "maze-task2", 3, "flow-bc", 0.4, 0.4, "qgf(w=0.02)", 0.3, 0.3, "qgf(w=0.04)", 1.0, 1.0,
                        "qgf-jacobian(w=0.02)", 1.0, 1.0),
                run("maze-v0", "maze-task1", 3, "flow-bc", 0.4, 0.4, "qgf(w=0.02)", 0.5, 0.5, "qgf(w=0.04)", 1.0, 1.0,
                        "qgf-jacobian(w=0.02)", 1.0, 1.0));
        Map<String, PolicySelection.Choice> out = PolicySelection.select("qgf", sel, rep, PolicySelection.Score.FINAL);
        PolicySelection.Choice c = out.get("maze-v0");
        assertEquals("qgf(w=0.02)", c.policy());
        assertEquals(0.6, c.selectionMean(), 1e-12);
        assertEquals(List.of("qgf(w=0.02)", "qgf(w=0.04)"), c.candidates().stream().map(PolicySelection.Candidate::policy).toList(),
                "only the family's members compete; qgf-jacobian and flow-bc are other families");
        assertEquals(0.5, c.candidates().get(1).selectionMean(), 1e-12);
        assertEquals(List.of("maze-task1", "maze-task2"), c.report().stream().map(PolicySelection.RunScore::task).toList());
        assertEquals(0.5, c.report().get(0).score());
        assertEquals(0.3, c.report().get(1).score());
        assertEquals(0.4, c.reportMean(), 1e-12);

        // LAST_N scores pick the other weight (0.9 vs 0.1)
        PolicySelection.Choice last = PolicySelection.select("qgf", sel, rep, PolicySelection.Score.LAST_N).get("maze-v0");
        assertEquals("qgf(w=0.04)", last.policy());
        assertEquals(1.0, last.reportMean(), 1e-12);
    }

    @Test
    void groupsByEnvironmentAndBreaksTiesByLearnerOrder() {
        List<RunRecord> sel = List.of(
                run("a-v0", "a-task1", 1, "best-of-n(n=8)", 0.5, 0.5, "best-of-n(n=32)", 0.5, 0.5),
                run("b-v0", "b-task1", 1, "best-of-n(n=8)", 0.1, 0.1, "best-of-n(n=32)", 0.2, 0.2));
        List<RunRecord> rep = List.of(
                run("a-v0", "a-task1", 2, "best-of-n(n=8)", 0.7, 0.7, "best-of-n(n=32)", 0.9, 0.9),
                run("b-v0", "b-task1", 2, "best-of-n(n=8)", 0.3, 0.3, "best-of-n(n=32)", 0.4, 0.4));
        Map<String, PolicySelection.Choice> out = PolicySelection.select("best-of-n", sel, rep, PolicySelection.Score.FINAL);
        assertEquals(List.of("a-v0", "b-v0"), List.copyOf(out.keySet()));
        assertEquals("best-of-n(n=8)", out.get("a-v0").policy(), "exact tie: the first listed candidate");
        assertEquals(0.7, out.get("a-v0").reportMean(), 1e-12);
        assertEquals("best-of-n(n=32)", out.get("b-v0").policy());
        assertEquals(0.4, out.get("b-v0").reportMean(), 1e-12);
        assertEquals("qgf", PolicySelection.familyOf("qgf(w=0.01)"));
        assertEquals("flow-bc", PolicySelection.familyOf("flow-bc"));
    }

    @Test
    void rejectsBadInputWithMessagesNamingTheRun() {
        RunRecord s1 = run("m-v0", "m-task1", 1, "qgf(w=0.1)", 0.5, 0.5);
        RunRecord r2 = run("m-v0", "m-task1", 2, "qgf(w=0.1)", 0.5, 0.5);
        var e = assertThrows(IllegalArgumentException.class, () -> PolicySelection.select("qgf", List.of(s1),
                List.of(run("m-v0", "m-task2", 1, "qgf(w=0.1)", 0.5, 0.5)), PolicySelection.Score.FINAL));
        assertTrue(e.getMessage().contains("seed 1 is used for selection and for report"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PolicySelection.select("qgf",
                List.of(s1, run("m-v0", "m-task1", 1, "qgf(w=0.1)", 0.4, 0.4)), List.of(r2), PolicySelection.Score.FINAL));
        assertTrue(e.getMessage().contains("two runs for task m-task1 seed 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PolicySelection.select("qgf",
                List.of(run("m-v0", "m-task1", 1, RunRecord.RUNNING, "cfg", "qgf(w=0.1)", 0.5, 0.5)), List.of(r2),
                PolicySelection.Score.FINAL));
        assertTrue(e.getMessage().contains("field 'status' is 'running'") && e.getMessage().contains("m-task1-1"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PolicySelection.select("qgf",
                List.of(s1, run("m-v0", "m-task2", 3, "qgf(w=0.2)", 0.5, 0.5)), List.of(r2), PolicySelection.Score.FINAL));
        assertTrue(e.getMessage().contains("m-task2-3") && e.getMessage().contains("no summary for policy 'qgf(w=0.1)'"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PolicySelection.select("qgf", List.of(s1),
                List.of(run("m-v0", "m-task1", 2, RunRecord.COMPLETE, "other", "qgf(w=0.1)", 0.5, 0.5)),
                PolicySelection.Score.FINAL));
        assertTrue(e.getMessage().contains("mixes configurations"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PolicySelection.select("noisy-guidance", List.of(s1),
                List.of(r2), PolicySelection.Score.FINAL));
        assertTrue(e.getMessage().contains("no policy of family 'noisy-guidance'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PolicySelection.select("qgf", List.of(s1),
                List.of(run("other-v0", "o-task1", 2, "qgf(w=0.1)", 0.5, 0.5)), PolicySelection.Score.FINAL));
        assertTrue(e.getMessage().contains("group 'other-v0' has report runs but no selection run"), e.getMessage());
    }
}
