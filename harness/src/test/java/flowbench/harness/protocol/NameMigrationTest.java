package flowbench.harness.protocol;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NameMigrationTest {
    private static final Map<String, String> RENAMED = Map.of(
            "pointmaze-medium-navigate-v0", "jpointmaze-medium-navigate-v0",
            "pointmaze-medium-navigate-singletask-task1-v0", "jpointmaze-medium-navigate-singletask-task1-v0");

    @Test
    void namesAreReplacedWhereTheyStandAsNamesAndNeverUnderOgbenchsPrefix() {
        String in = String.join("\n",
                "| pointmaze-medium-navigate-singletask-task1-v0 | 0.5 |",
                "dataset pointmaze-medium-navigate-v0 (SHA-256 abc)",
                "file /data/quickstart/pointmaze-medium-navigate-v0-val.npz and runs/pointmaze-medium-navigate-v0/flow-bc",
                "OGBench's ogbench:pointmaze-medium-navigate-v0 and data/ogbench/pointmaze-medium-navigate-v0.npz stay",
                "xpointmaze-medium-navigate-v0 and pointmaze-medium-navigate-v0b are other names");
        String want = String.join("\n",
                "| jpointmaze-medium-navigate-singletask-task1-v0 | 0.5 |",
                "dataset jpointmaze-medium-navigate-v0 (SHA-256 abc)",
                "file /data/quickstart/jpointmaze-medium-navigate-v0-val.npz and runs/jpointmaze-medium-navigate-v0/flow-bc",
                "OGBench's ogbench:pointmaze-medium-navigate-v0 and data/ogbench/pointmaze-medium-navigate-v0.npz stay",
                "xpointmaze-medium-navigate-v0 and pointmaze-medium-navigate-v0b are other names");
        assertEquals(want, NameMigration.replaceNames(in, RENAMED));
    }
}
