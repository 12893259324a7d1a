package flowbench.harness.protocol;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Task names with one namespace prefix (OGBench's tasks through the bridge) are valid and map to sub-folders. */
class RunSpecNameTest {
    private static RunSpec spec(String task) {
        return new RunSpec("flow-bc", task, "data", 3, "cpu", Map.of(), Protocol.defaults());
    }

    @Test
    void namespacedTaskLivesInASubFolder() {
        RunSpec s = spec("ogbench:puzzle-3x3-play-singletask-task2-v0");
        assertEquals(Path.of("runs", "ogbench", "puzzle-3x3-play-singletask-task2-v0", "flow-bc", "seed3"),
                Runner.runDir(Path.of("runs"), s));
        assertEquals(Path.of("runs", "pointmaze-medium-navigate-v0", "flow-bc", "seed3"),
                Runner.runDir(Path.of("runs"), spec("pointmaze-medium-navigate-v0")));
        assertEquals(Path.of("d", "ogbench", "puzzle-3x3-play-v0-val.npz"),
                Runner.datasetFile(Path.of("d"), "ogbench:puzzle-3x3-play-v0", true));
    }

    @Test
    void malformedTaskNamesAreRefusedWithTheField() {
        for (String bad : new String[]{"a:b:c", ":x", "ogbench:", "../x", "a/b", "has space", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spec(bad), bad);
            assertTrue(e.getMessage().contains("'task'"), e.getMessage());
        }
    }
}
