package flowbench.harness.io;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PortablePathsTest {
    @Test
    void insideTheWorkingFolderRelativeInsideHomeTildeElseAsIs() {
        Path cwd = Path.of("/work/clone"), home = Path.of("/home/alice");
        assertEquals("data/quickstart", PortablePaths.of(Path.of("/work/clone/data/quickstart"), cwd, home));
        assertEquals(".", PortablePaths.of(Path.of("/work/clone"), cwd, home));
        assertEquals("~/.ogbench/data", PortablePaths.of(Path.of("/home/alice/.ogbench/data"), cwd, home));
        assertEquals("/mnt/shared/data", PortablePaths.of(Path.of("/mnt/shared/data"), cwd, home));
        assertEquals("/srv/data", PortablePaths.of(Path.of("/srv/data"), cwd, Path.of("/")), "a root home is no home");
    }
}
