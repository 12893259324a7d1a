package flowbench.baselines.common;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.baselines.algorithms.BaselinesAlgorithms;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.domain.Domain;
import flowbench.harness.domain.DomainSetting;
import flowbench.harness.domain.Domains;
import flowbench.harness.protocol.Configs;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/** The per-domain table against the reference scripts' own values, and every entry landing in the config. */
class DomainSettingsTest {
    private static final Map<String, Algorithm<?>> REGISTRY = new BaselinesAlgorithms().algorithms().stream()
            .collect(Collectors.toMap(Algorithm::name, a -> a, (a, b) -> a, TreeMap::new));

    /** A representative task of each reference column (the table is keyed by column). */
    private static final Map<String, String> TASK_OF_COLUMN = Map.ofEntries(
            Map.entry("puzzle-3x3-play-sparse", "ogbench:puzzle-3x3-play-singletask-task1-sparse-v0"),
            Map.entry("puzzle-4x4-play-sparse", "ogbench:puzzle-4x4-play-singletask-task1-sparse-v0"),
            Map.entry("scene-play-sparse", "ogbench:scene-play-singletask-task1-sparse-v0"),
            Map.entry("cube-double-play", "ogbench:cube-double-play-singletask-task1-v0"),
            Map.entry("cube-triple-play", "ogbench:cube-triple-play-singletask-task1-v0"),
            Map.entry("cube-quadruple-play", "ogbench:cube-quadruple-play-singletask-task1-v0"),
            Map.entry("antmaze-large-navigate", "ogbench:pointmaze-large-navigate-singletask-task1-v0"),
            Map.entry("antmaze-giant-navigate", "ogbench:pointmaze-giant-navigate-singletask-task1-v0"),
            Map.entry("humanoidmaze-medium-navigate", "humanoidmaze-medium-navigate-singletask-task1-v0"),
            Map.entry("humanoidmaze-large-navigate", "humanoidmaze-large-navigate-singletask-task1-v0"));

    private static double resolved(String algorithm, String task, String profile, String key) {
        Algorithm<?> a = REGISTRY.get(algorithm);
        JsonNode c = Configs.toJson(Configs.resolve(a, profile, Domains.of(task), Map.of()).config());
        JsonNode v = c.get(key);
        assertNotNull(v, algorithm + " has no key " + key);
        return v.asDouble();
    }

    /** Known values (ColinQiyangLi/qam@f93efd2 experiments/reproduce.py), as the CLI resolves them, in both profiles. */
    @Test
    void referenceValuesResolveForTheirTasks() {
        String p3 = "ogbench:puzzle-3x3-play-singletask-task1-sparse-v0";
        for (String profile : List.of("paper", "cpu")) {
            assertEquals(3, resolved("qam", p3, profile, "invTemp"));
            assertEquals(1, resolved("qam-e", p3, profile, "invTemp"));
            assertEquals(0.1, resolved("qam-e", p3, profile, "editScale"));
            assertEquals(300, resolved("fql", p3, profile, "alpha"));
            assertEquals(0.1, resolved("rebrac", p3, profile, "alphaActor"));
            assertEquals(5, resolved("fql", p3, profile, "horizon"), "H = 5 on manipulation");
            for (String t : List.of("ogbench:cube-triple-play-singletask-task1-v0", "ogbench:cube-quadruple-play-singletask-task1-v0",
                    "ogbench:puzzle-4x4-play-singletask-task1-sparse-v0")) {
                assertEquals(0.2, resolved("rebrac", t, profile, "actorNoise"), t);
            }
            String maze = "ogbench:pointmaze-large-navigate-singletask-task1-v0";
            assertEquals(3, resolved("fql", maze, profile, "alpha"));
            assertEquals(0.01, resolved("rebrac", maze, profile, "alphaActor"));
            assertEquals(10, resolved("qam", maze, profile, "invTemp"));
            assertEquals(1, resolved("qam", maze, profile, "horizon"), "H = 1 on mazes");
            assertEquals(0.99, resolved("qam", maze, profile, "discount"));
            assertEquals(0.995, resolved("qam", "ogbench:pointmaze-giant-stitch-singletask-task1-v0", profile, "discount"));
            assertEquals(0.0, resolved("fql", "humanoidmaze-medium-navigate-v0", profile, "rho"), "ρ = 0 on humanoid mazes");
            assertEquals(0.999, resolved("qgf", "ogbench:scene-play-singletask-task1-v0", profile, "discount"),
                    "QGF's own columns keep its γ 0.999 (zhouzypaul/qgf scripts/bc_iql_train.py)");
        }
        // FQL in its own paper's setup (seohongpark/fql README.md): 2 critics, min target on antmaze, no chunks
        String maze = "ogbench:pointmaze-large-navigate-singletask-task1-v0";
        for (String profile : List.of("paper", "cpu")) {
            assertEquals(2, resolved("fql-paper", p3, profile, "numQs"));
            assertEquals(1000, resolved("fql-paper", "ogbench:puzzle-3x3-play-singletask-task1-v0", profile, "alpha"));
            assertEquals(1, resolved("fql-paper", p3, profile, "horizon"));
            assertEquals(0, resolved("fql-paper", p3, profile, "rho"), "mean target");
            assertEquals(1, resolved("fql-paper", maze, profile, "rho"), "q_agg=min on antmaze");
            assertEquals(10, resolved("fql-paper", maze, profile, "alpha"));
        }
        // the profiles still differ in size only
        assertEquals(10, resolved("fql", p3, "paper", "numQs"));
        assertEquals(4, resolved("fql", p3, "cpu", "numQs"));
    }

    /** Every value of the table is a key of its algorithm and lands in the merged config, for every column. */
    @Test
    void everyTableEntryIsAKeyAndTakesEffect() {
        for (String name : DomainTable.algorithms()) {
            Algorithm<?> a = REGISTRY.get(name);
            assertNotNull(a, "domain-settings.json names '" + name + "', which is not registered");
            for (String column : DomainTable.columns(name)) {
                String task = TASK_OF_COLUMN.get(column);
                assertNotNull(task, "no task follows column " + column);
                Domain d = Domains.of(task);
                assertEquals(column, d.column(), task);
                for (String profile : List.of("paper", "cpu")) {
                    Configs.Resolved<?> r = Configs.resolve(a, profile, d, Map.of());
                    JsonNode c = Configs.toJson(r.config());
                    for (DomainSetting s : DomainTable.settings(name, column)) {
                        assertEquals(Double.parseDouble(s.value()), c.get(s.key()).asDouble(), name + " " + column + " " + s.key());
                        assertTrue(r.applied().contains(s), name + " " + column + ": " + s + " recorded as applied");
                        assertTrue(s.source().contains("@") && s.source().contains(column), s.source());
                    }
                }
            }
        }
    }

    /** docs/domains.md prints the table; it must say what the file says. */
    @Test
    void theDocsPageAgreesWithTheTable() throws java.io.IOException {
        java.nio.file.Path page = java.nio.file.Path.of("..", "docs", "domains.md");
        assertTrue(java.nio.file.Files.isRegularFile(page), "docs/domains.md is missing (run from the baselines module)");
        String doc = java.nio.file.Files.readString(page);
        for (String name : DomainTable.algorithms()) {
            int at = doc.indexOf("\n### " + name + "\n");
            assertTrue(at >= 0, "docs/domains.md has no section for " + name);
            int end = doc.indexOf("\n### ", at + 5);
            String section = doc.substring(at, end < 0 ? doc.length() : end);
            for (String column : DomainTable.columns(name)) {
                int row = section.indexOf("| `" + column + "` |");
                assertTrue(row >= 0, name + ": no row for " + column + " in docs/domains.md");
                String line = section.substring(row, section.indexOf('\n', row));
                for (DomainSetting x : DomainTable.settings(name, column)) {
                    assertTrue(line.contains("`" + x.key() + "` = " + x.value()), name + " " + column + ": docs say " + line
                            + ", the table " + x.key() + " = " + x.value());
                }
            }
        }
    }

    /** The user's --set wins over the domain value, and the record no longer lists the overridden value as applied. */
    @Test
    void userOverridesWinAndAreNotReportedAsDomainValues() {
        Algorithm<?> fql = REGISTRY.get("fql");
        Domain d = Domains.of("ogbench:puzzle-3x3-play-singletask-task1-sparse-v0");
        Configs.Resolved<?> r = Configs.resolve(fql, "cpu", d, Map.of("alpha", "7", "horizon_length", "2"));
        JsonNode c = Configs.toJson(r.config());
        assertEquals(7, c.get("alpha").asDouble());
        assertEquals(2, c.get("horizon").asInt());
        assertTrue(r.applied().stream().noneMatch(s -> s.key().equals("alpha") || s.key().equals("horizon")), r.applied().toString());
        assertTrue(r.applied().stream().anyMatch(s -> s.key().equals("discount")));
    }
}
