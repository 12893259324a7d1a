package flowbench.harness.protocol;

import flowbench.harness.agent.AgentContext;
import flowbench.harness.agent.Algorithm;
import flowbench.harness.agent.Learner;
import flowbench.harness.domain.Domain;
import flowbench.harness.domain.DomainSetting;
import flowbench.harness.domain.Domains;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Reference-code key names, group aliases, domain layering and the task-to-column mapping. */
class ConfigVocabularyTest {
    record Cfg(List<Integer> actorHidden, List<Integer> criticHidden, double actorLearningRate, double criticLearningRate,
               int horizon, double discount, double invTemp, double rho) {}

    static final class Alg implements Algorithm<Cfg> {
        public String name() { return "vocab"; }
        public String paper() { return "none"; }
        public String family() { return "training-time"; }
        public String description() { return "test"; }
        public Class<Cfg> configType() { return Cfg.class; }
        public Cfg defaultConfig(String profile) {
            return new Cfg(List.of(8), List.of(8), 1e-3, 1e-3, 1, 0.99, 1, 0.5);
        }
        @Override
        public List<DomainSetting> domainSettings(String column) {
            return column.equals("puzzle-3x3-play-sparse") ? List.of(new DomainSetting("invTemp", "3", "test table")) : List.of();
        }
        public Learner create(Cfg config, AgentContext context) { throw new UnsupportedOperationException(); }
    }

    private final Alg alg = new Alg();

    @Test
    void referenceNamesAndGroupsReachEveryKeyTheyStandFor() {
        Domain none = Domains.of("bandit-1d-bimodal-v0");
        Cfg c = Configs.resolve(alg, "cpu", none, Map.of("lr", "3e-4", "hidden", "[32,32]", "horizon_length", "5",
                "inv_temp", "10")).config();
        assertEquals(3e-4, c.actorLearningRate());
        assertEquals(3e-4, c.criticLearningRate(), "lr sets every learning rate the config has");
        assertEquals(List.of(32, 32), c.actorHidden());
        assertEquals(List.of(32, 32), c.criticHidden());
        assertEquals(5, c.horizon());
        assertEquals(10, c.invTemp());
        c = Configs.resolve(alg, "cpu", none, Map.of("actor_hidden_dims", "[4]", "value_hidden_dims", "[6]")).config();
        assertEquals(List.of(4), c.actorHidden());
        assertEquals(List.of(6), c.criticHidden());
    }

    @Test
    void goalSamplingKeysWorkNestedOrFlat() {
        record Nested(double lr, flowbench.harness.data.GoalSampling goals) {}
        record Flat(double lr, double actorPTrajGoal) {}
        assertEquals(Map.of("goals.actorPTrajGoal", "0.5"), Configs.canonicalKeys("n", Nested.class, Map.of("actorPTrajGoal", "0.5")));
        assertEquals(Map.of("actorPTrajGoal", "0.5"), Configs.canonicalKeys("f", Flat.class, Map.of("goals.actorPTrajGoal", "0.5")));
    }

    @Test
    void aKeySetTwiceWithDifferentValuesIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> Configs.resolve(alg, "cpu", Domains.of("x"),
                Map.of("hidden", "[32]", "actorHidden", "[64]")));
        assertTrue(e.getMessage().contains("'actorHidden'") && e.getMessage().contains("set twice"), e.getMessage());
    }

    @Test
    void unknownAndRemovedKeysAreRefusedWithTheValidOnes() {
        // the old spelling goals.discount now reaches the one discount (it used to be accepted and change nothing)
        assertEquals(0.9, Configs.resolve(alg, "cpu", Domains.of("x"), Map.of("goals.discount", "0.9")).config().discount());
        for (String k : List.of("nosuchkey", "goals.nosuch", "learning_rat")) {
            var e = assertThrows(IllegalArgumentException.class, () -> Configs.resolve(alg, "cpu", Domains.of("x"), Map.of(k, "1")));
            assertTrue(e.getMessage().contains("unknown config key '" + k + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("valid keys: actorHidden, criticHidden, actorLearningRate"), e.getMessage());
        }
    }

    @Test
    void goalSamplingKeysAreRefusedOnSingleTaskTasksOnly() {
        record G(double lr, flowbench.harness.data.GoalSampling goals, double actorPTrajGoal) {}
        assertTrue(Configs.goalSamplingKey("goals.valuePCurGoal"));
        assertTrue(Configs.goalSamplingKey("actorPTrajGoal"));
        assertTrue(Configs.goalSamplingKey("goalNegativeReward"));
        assertFalse(Configs.goalSamplingKey("lr"));
        var e = assertThrows(IllegalArgumentException.class, () -> Configs.refuseInert("g", G.class,
                flowbench.harness.env.TaskMode.SINGLE_TASK, Map.of("goals.actorGeomSample", "false", "lr", "1")));
        assertTrue(e.getMessage().contains("[goals.actorGeomSample]") && e.getMessage().contains("single-task"), e.getMessage());
        Configs.refuseInert("g", G.class, flowbench.harness.env.TaskMode.GOAL_CONDITIONED, Map.of("goals.actorGeomSample", "false"));
        Configs.refuseInert("g", G.class, flowbench.harness.env.TaskMode.SINGLE_TASK, Map.of("lr", "1"));
    }

    @Test
    void domainValuesLayerBetweenProfileAndUser() {
        Domain p3 = Domains.of("ogbench:puzzle-3x3-play-singletask-task2-sparse-v0");
        Configs.Resolved<Cfg> r = Configs.resolve(alg, "cpu", p3, Map.of());
        assertEquals(5, r.config().horizon(), "shared: H = 5 on manipulation");
        assertEquals(3, r.config().invTemp(), "the algorithm's own column value");
        assertEquals(List.of("horizon", "discount", "rho", "invTemp"), r.applied().stream().map(DomainSetting::key).toList(),
                "maskSource is not a key of this config, so it is not applied");
        r = Configs.resolve(alg, "cpu", p3, Map.of("inv_temp", "7"));
        assertEquals(7, r.config().invTemp(), "the user's value wins");
        assertTrue(r.applied().stream().noneMatch(s -> s.key().equals("invTemp")));
    }

    @Test
    void tasksFollowTheirColumns() {
        assertEquals("antmaze-large-navigate", Domains.of("jpointmaze-medium-navigate-singletask-task1-v0").column());
        assertEquals("antmaze-large-navigate", Domains.of("ogbench:pointmaze-teleport-stitch-v0").column());
        assertEquals("antmaze-giant-navigate", Domains.of("ogbench:pointmaze-giant-navigate-v0").column());
        assertEquals("antmaze-large-navigate", Domains.of("arm-8dof-reach-singletask-task1-v0").column());
        assertEquals("cube-double-play", Domains.of("ogbench:cube-single-play-singletask-v0").column());
        assertEquals("scene-play-sparse", Domains.of("ogbench:scene-play-singletask-task1-sparse-v0").column());
        assertEquals("puzzle-4x4-play-sparse", Domains.of("lightsout-4x6-play-singletask-task1-v0").column());
        assertEquals("humanoidmaze-large-navigate", Domains.of("humanoidmaze-giant-navigate-v0").column());
        assertEquals(Domains.NONE, Domains.of("bandit-2d-bimodal-v0").column());
        assertTrue(Domains.of("bandit-2d-bimodal-v0").shared().isEmpty());

        // mask source from the reward kind; a dense task on a sparse-tuned column is flagged
        Domain dense = Domains.of("ogbench:puzzle-3x3-play-singletask-task1-v0");
        assertEquals("TERMINALS", value(dense, "maskSource"));
        assertNotNull(dense.rewardMismatch());
        Domain sparse = Domains.of("ogbench:puzzle-3x3-play-singletask-task1-sparse-v0");
        assertEquals("DATASET", value(sparse, "maskSource"));
        assertNull(sparse.rewardMismatch());
        assertEquals("DATASET", value(Domains.of("jpointmaze-large-navigate-singletask-task1-v0"), "maskSource"));
        assertEquals("1", value(Domains.of("jpointmaze-large-navigate-v0"), "horizon"));
        assertEquals("0.995", value(Domains.of("ogbench:pointmaze-giant-stitch-v0"), "discount"));
        assertEquals("0", value(Domains.of("humanoidmaze-medium-navigate-v0"), "rho"));
    }

    private static String value(Domain d, String key) {
        return d.shared().stream().filter(s -> s.key().equals(key)).findFirst().orElseThrow().value();
    }
}
