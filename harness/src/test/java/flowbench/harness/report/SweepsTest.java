package flowbench.harness.report;

import flowbench.harness.protocol.PolicySelection;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.Suite;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Sweeps} on hand-made runs: what is a swept family, grouping, coverage, names. */
class SweepsTest {
    /** A complete run; scores as policy, score pairs (final = last3). */
    static Sweeps.Run run(String alg, String task, String dataset, long seed, Object... scores) {
        List<Sweeps.PolicyScore> ps = new ArrayList<>();
        for (int i = 0; i < scores.length; i += 2) ps.add(new Sweeps.PolicyScore((String) scores[i], (Double) scores[i + 1], (Double) scores[i + 1]));
        return new Sweeps.Run(null, alg + "-" + task + "-" + seed, alg, "cfg", task, dataset, seed, RunRecord.COMPLETE, ps);
    }

    static List<Sweeps.Run> runs(String alg) {
        List<Sweeps.Run> out = new ArrayList<>();
        // task a: w=1 wins on selection seed 9; task b: w=2 wins there; on report seeds the other way round
        out.add(run(alg, "a", "env", 9, "g(w=1)", 0.9, "g(w=2)", 0.1, "best(n=4)", 0.5, "bc", 0.5, "gs(alpha=1,L=3)", 0.2, "gs(alpha=1,L=5)", 0.3));
        out.add(run(alg, "b", "env", 9, "g(w=1)", 0.2, "g(w=2)", 0.6, "best(n=4)", 0.5, "bc", 0.5, "gs(alpha=1,L=3)", 0.2, "gs(alpha=1,L=5)", 0.3));
        out.add(run(alg, "a", "env", 1, "g(w=1)", 0.1, "g(w=2)", 0.7, "best(n=4)", 0.5, "bc", 0.5, "gs(alpha=1,L=3)", 0.4, "gs(alpha=1,L=5)", 0.3));
        out.add(run(alg, "b", "env", 1, "g(w=1)", 0.8, "g(w=2)", 0.3, "best(n=4)", 0.5, "bc", 0.5, "gs(alpha=1,L=3)", 0.4, "gs(alpha=1,L=5)", 0.3));
        return out;
    }

    @Test
    void familiesNeedTwoCandidatesAndGroupsFollowTheRule() {
        Suite.Selection byDataset = new Suite.Selection(List.of(9L), PolicySelection.Score.FINAL, "dataset");
        Sweeps s = Sweeps.compute(byDataset, runs("q"), ScoreKind.FINAL).requireResolved();
        assertEquals(List.of("g", "gs"), s.families().stream().map(Sweeps.Family::family).toList(),
                "best(n=4) alone and bc are no sweep");
        assertEquals(List.of("q[g] [w by rule]", "q[gs] [alpha,L by rule]"), s.families().stream().map(Sweeps.Family::method).toList());
        assertTrue(s.isSwept("q", "cfg", "g(w=2)") && !s.isSwept("q", "cfg", "best(n=4)") && !s.isSwept("q", "cfg", "bc"));
        // one environment: w=1 has mean 0.55 on the selection seed over both tasks, w=2 0.35
        assertEquals("g(w=1)", s.choicesOf(s.families().get(0)).get("env").choice().policy());
        assertEquals("w=1 (chosen on seeds 9)", s.chosenText(s.families().get(0)));
        assertEquals(List.of(0.1, 0.8), s.selected().stream().filter(x -> x.family().family().equals("g")).map(Sweeps.Selected::score).toList());

        // one choice per task: a takes w=1, b takes w=2
        Sweeps t = Sweeps.compute(new Suite.Selection(List.of(9L), null, "task"), runs("q"), ScoreKind.FINAL).requireResolved();
        Sweeps.Family g = t.families().get(0);
        assertEquals("g(w=1)", t.choicesOf(g).get("a").choice().policy());
        assertEquals("g(w=2)", t.choicesOf(g).get("b").choice().policy());
        assertEquals("a: w=1; b: w=2 (chosen on seeds 9)", t.chosenText(g));
        assertEquals(List.of(0.1, 0.3), t.selected().stream().filter(x -> x.family() == g).map(Sweeps.Selected::score).toList());
        // the whole suite as one group
        Sweeps u = Sweeps.compute(new Suite.Selection(List.of(9L), null, "suite"), runs("q"), ScoreKind.FINAL).requireResolved();
        assertEquals(List.of("all tasks"), List.copyOf(u.choicesOf(u.families().get(0)).keySet()));
    }

    @Test
    void uncoveredAlgorithmsAndSuitesWithoutARuleOnlySweep() {
        Sweeps none = Sweeps.compute(null, runs("q"), ScoreKind.FINAL).requireResolved();
        assertTrue(none.families().stream().noneMatch(Sweeps.Family::resolved));
        assertTrue(none.selected().isEmpty() && none.choices().isEmpty());
        assertFalse(none.isSelectionSeed(9), "without a rule, seed 9 is an ordinary run");
        assertTrue(none.points().stream().allMatch(p -> p.role().equals(Sweeps.ROLE_NO_RULE)));

        Suite.Selection onlyOther = new Suite.Selection(List.of(9L), null, null, List.of("other"));
        Sweeps s = Sweeps.compute(onlyOther, runs("q"), ScoreKind.FINAL).requireResolved();
        assertTrue(s.families().stream().noneMatch(Sweeps.Family::ruled));
        assertTrue(s.isSelectionSeed(9), "a selection seed is never a result, whatever the algorithm");
        assertEquals("selection", s.points().stream().filter(p -> p.run().seed() == 9).findFirst().orElseThrow().role());
    }

    @Test
    void aMissingSelectionRunIsAnErrorNamingTaskAndSeed() {
        List<Sweeps.Run> rs = runs("q");
        rs.remove(1); // task b, seed 9
        Sweeps s = Sweeps.compute(new Suite.Selection(List.of(9L), null, null), rs, ScoreKind.FINAL);
        assertTrue(s.families().get(0).error().contains("no selection run of q (method config cfg) on task b with seed 9"),
                s.families().get(0).error());
        var e = assertThrows(IllegalStateException.class, s::requireResolved);
        assertTrue(e.getMessage().contains("q[g] [w by rule]") && e.getMessage().contains("task b"), e.getMessage());
        assertEquals("w=0.5", Sweeps.params("qgf(w=0.5)"));
        assertEquals("alpha,L", Sweeps.paramNames("gradstep(alpha=0.01,L=3)"));
        assertEquals("qgf [w by rule]", Sweeps.methodKey("qgf", "qgf", "w"));
    }
}
