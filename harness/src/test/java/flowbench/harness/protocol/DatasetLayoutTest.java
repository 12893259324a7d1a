package flowbench.harness.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** --data may be OGBench's own download folder (~/.ogbench/data): flat <name>.npz / <name>-val.npz. */
class DatasetLayoutTest {
    @TempDir
    Path dir;

    @Test
    void ogbenchsDownloadLayoutIsFoundAndOursWinsWhereBothExist() throws Exception {
        String name = "ogbench:puzzle-3x3-play-v0";
        assertEquals(dir.resolve("ogbench/puzzle-3x3-play-v0.npz"), Runner.locateDataset(dir, name, false),
                "nothing there: the error names flowbench's own layout");
        Files.writeString(dir.resolve("puzzle-3x3-play-v0.npz"), "x");
        Files.writeString(dir.resolve("puzzle-3x3-play-v0-val.npz"), "x");
        assertEquals(dir.resolve("puzzle-3x3-play-v0.npz"), Runner.locateDataset(dir, name, false));
        assertEquals(dir.resolve("puzzle-3x3-play-v0-val.npz"), Runner.locateDataset(dir, name, true));
        Files.createDirectories(dir.resolve("ogbench"));
        Files.writeString(dir.resolve("ogbench/puzzle-3x3-play-v0.npz"), "x");
        assertEquals(dir.resolve("ogbench/puzzle-3x3-play-v0.npz"), Runner.locateDataset(dir, name, false));
        // flowbench's own datasets are never looked up under another name
        assertEquals(dir.resolve("puzzle-3x3-play-v0.npz"), Runner.locateDataset(dir, "puzzle-3x3-play-v0", false));
    }
}
