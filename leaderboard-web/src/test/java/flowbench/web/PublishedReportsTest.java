package flowbench.web;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every published report's raw runs ({@code reports/<suite>/<version>/runs}, what the quickstart serves beside its own
 * runs) import into a fresh leaderboard, records made by older harness versions included: a field the harness adds
 * must be optional to the reader, or the main job's site fails to start.
 */
class PublishedReportsTest {
    @TempDir
    Path tmp;

    @Test
    void everyPublishedRunFolderImports() throws Exception {
        Path reports = Path.of("..", "reports");
        Assumptions.assumeTrue(Files.isDirectory(reports), "no reports folder beside this module");
        List<Path> folders;
        try (var s = Files.walk(reports, 3)) {
            folders = s.filter(p -> p.getFileName().toString().equals("runs") && Files.isDirectory(p)).sorted().toList();
        }
        assertTrue(folders.size() >= 5, "published run folders: " + folders);
        Store store = Fixtures.store(tmp);
        for (Path runs : folders) {
            Importer.Report rep = Importer.importFolder(runs, store);
            assertTrue(rep.files() > 0, runs.toString());
            assertEquals(0, rep.skippedRunning(), runs + ": published runs are complete");
        }
    }
}
