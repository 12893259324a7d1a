package flowbench.harness.sweep;

import flowbench.harness.protocol.Protocol;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.RunSpec;
import flowbench.harness.testing.FakeAlgorithm;
import flowbench.harness.testing.FakeProviders;
import flowbench.harness.testing.FakeTask;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SweepGridTest {
    static final Registry REGISTRY = new Registry(List.of(new FakeProviders.Tasks()), List.of(new FakeProviders.Algorithms()), List.of());
    static final Protocol P = new Protocol(20, 10, false, 2, 0, 5, 0, "adhoc", 0);

    static RunSpec spec(long seed, Map<String, String> overrides) {
        return new RunSpec(FakeAlgorithm.NAME, FakeTask.GC, "/data", seed, "cpu", overrides, P);
    }

    private static Map<String, String> sets(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void aListOfScalarsIsAGridAxisCrossedWithEveryOtherAxis() {
        List<RunSpec> out = SweepGrid.expand(REGISTRY, List.of(spec(0, Map.of()), spec(1, Map.of())),
                sets("lr", "[0.1,0.3,1e-3]", "batch", "[4,8]"));
        assertEquals(12, out.size());
        assertEquals(Map.of("lr", "0.1", "batch", "4"), out.get(0).overrides());
        assertEquals(Map.of("lr", "0.1", "batch", "8"), out.get(1).overrides());
        assertEquals(Map.of("lr", "0.001", "batch", "8"), out.get(5).overrides(), "values keep their JSON form");
        assertEquals(1, out.get(6).seed());
        assertEquals(12, out.stream().map(s -> SweepGrid.relative(s).toString()).distinct().count(), "one folder each");
    }

    @Test
    void aListFieldTakesAListAsOneValueAndAListOfListsAsAGrid() {
        assertEquals(1, SweepGrid.expand(REGISTRY, List.of(spec(0, Map.of())), sets("layers", "[32,32]")).size());
        List<RunSpec> g = SweepGrid.expand(REGISTRY, List.of(spec(0, Map.of())), sets("layers", "[[32,32],[64]]"));
        assertEquals(List.of("[32,32]", "[64]"), g.stream().map(s -> s.overrides().get("layers")).toList());
        assertEquals(1, SweepGrid.expand(REGISTRY, List.of(spec(0, Map.of())), sets("tag", "x")).size(), "a scalar is one value");
    }

    @Test
    void aKeyNoAlgorithmHasIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SweepGrid.expand(REGISTRY, List.of(spec(0, Map.of())), sets("alpha", "[1,3]")));
        assertTrue(e.getMessage().contains("alpha") && e.getMessage().contains(FakeAlgorithm.NAME), e.getMessage());
    }

    @Test
    void onlyMatchesWholePathsOrSinglePartsAndShardsSplitWithoutOverlap() {
        List<RunSpec> all = SweepGrid.expand(REGISTRY, List.of(spec(0, Map.of()), spec(1, Map.of())), sets("lr", "[0.1,0.3]"));
        assertEquals(2, SweepGrid.only(all, List.of("seed1")).size());
        assertEquals(2, SweepGrid.only(all, List.of("*@lr=0.3")).size());
        assertEquals(1, SweepGrid.only(all, List.of(FakeTask.GC + "/*@lr=0.3/seed0")).size());
        assertThrows(IllegalArgumentException.class, () -> SweepGrid.only(all, List.of("nothing*")));
        List<RunSpec> a = SweepGrid.shard(all, "1/3"), b = SweepGrid.shard(all, "2/3"), c = SweepGrid.shard(all, "3/3");
        assertEquals(List.of(2, 1, 1), List.of(a.size(), b.size(), c.size()));
        assertEquals(all.get(0), a.get(0));
        assertEquals(all.get(3), a.get(1));
        assertEquals(all.get(1), b.get(0));
        for (String bad : List.of("0/3", "4/3", "1", "a/b", "1/0")) {
            assertThrows(IllegalArgumentException.class, () -> SweepGrid.shard(all, bad), bad);
        }
    }
}
