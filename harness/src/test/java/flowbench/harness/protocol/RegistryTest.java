package flowbench.harness.protocol;

import flowbench.harness.spi.BenchProvider;
import flowbench.harness.testing.FakeProviders;
import flowbench.harness.testing.FakeTask;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistryTest {
    @Test
    void serviceLoaderFindsRegisteredProviders() {
        Registry r = Registry.load();
        assertTrue(r.taskNames().containsAll(List.of(FakeTask.GC, FakeTask.SINGLE)), r.taskNames().toString());
        assertTrue(r.algorithmNames().contains("fake-bc"));
        assertTrue(r.benchNames().contains("echo"));
        assertEquals(FakeTask.DATASET, r.generator(FakeTask.DATASET).datasetName());
        assertEquals(FakeTask.SINGLE, r.task(FakeTask.SINGLE).name());
    }

    @Test
    void unknownNamesSuggestCloseMatchesAndListKnownOnes() {
        Registry r = RunFixture.REGISTRY;
        var e = assertThrows(IllegalArgumentException.class, () -> r.task("fake-pint-v0"));
        assertTrue(e.getMessage().startsWith("unknown task 'fake-pint-v0'; did you mean fake-point-v0?"), e.getMessage());
        assertTrue(e.getMessage().contains("Known: fake-point-singletask-task2-v0, fake-point-singletask-task3-v0, fake-point-v0."),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> r.algorithm("bc"));
        assertTrue(e.getMessage().contains("did you mean fake-bc"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> r.algorithm("qgf"));
        assertEquals("unknown algorithm 'qgf'. Known: fake-bc.", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> r.generator("pointmaze-medium-navigate-v0"));
        assertTrue(e.getMessage().contains("unknown dataset"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Registry(List.of(), List.of(), List.of()).task("x"));
        assertTrue(e.getMessage().contains("no task is registered"), e.getMessage());
    }

    @Test
    void longListsPointToTheListingCommand() {
        List<String> many = new java.util.ArrayList<>();
        for (int i = 0; i < 30; i++) many.add("task-" + i);
        var e = Names.unknown("task", "tsk-3", many, "flowbench tasks");
        assertTrue(e.getMessage().contains("did you mean task-3"), e.getMessage());
        assertTrue(e.getMessage().contains("30 are known; list them with 'flowbench tasks'"), e.getMessage());
    }

    @Test
    void duplicateRegistrationsAreAnError() {
        var e = assertThrows(IllegalStateException.class, () -> new Registry(
                List.of(new FakeProviders.Tasks(), new FakeProviders.Tasks()), List.of(), List.of()));
        assertTrue(e.getMessage().matches("task '.*' is registered twice, by .*FakeProviders\\$Tasks and by .*"), e.getMessage());
        BenchProvider b = new FakeProviders.Bench();
        e = assertThrows(IllegalStateException.class, () -> new Registry(List.of(), List.of(), List.of(b, new FakeProviders.Bench())));
        assertTrue(e.getMessage().contains("bench 'echo'"), e.getMessage());
    }
}
