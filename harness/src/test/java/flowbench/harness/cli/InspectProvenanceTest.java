package flowbench.harness.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import flowbench.harness.io.Json;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.protocol.DatasetGeneration;
import flowbench.harness.testing.FakeGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;

import static org.junit.jupiter.api.Assertions.*;

/** {@code datasets inspect} shows the provenance sidecar of a generated dataset and notices a replaced file. */
class InspectProvenanceTest {
    @TempDir
    Path tmp;

    @Test
    void inspectShowsTheSidecar() throws IOException {
        DatasetGenerator gen = new DatasetGenerator() {
            @Override public String datasetName() { return "ext:walk-v0"; }
            @Override public int defaultEpisodes() { return 3; }
            @Override public int defaultSteps() { return 4; }

            @Override
            public void generate(int episodes, int steps, long seed, Path trainFile, Path valFile, ProgressListener progress)
                    throws IOException {
                new FakeGenerator().generate(episodes, steps, seed, trainFile, valFile, progress);
            }

            @Override
            public ObjectNode generateWithProvenance(int episodes, int steps, long seed, Path trainFile, Path valFile,
                                                     ProgressListener progress) throws IOException {
                generate(episodes, steps, seed, trainFile, valFile, progress);
                ObjectNode n = Json.mapper().createObjectNode();
                n.put("generator", "walker").put("ogbench", "9.9.9").put("env", "walk-v0");
                n.putObject("oracle").put("noise", 0.5);
                return n;
            }
        };
        DatasetGeneration.generate(gen, 3, 4, 8, tmp, ProgressListener.NONE);
        for (String f : new String[] {"walk-v0.npz", "walk-v0-val.npz"}) {
            MainTest.Result r = MainTest.run("datasets", "inspect", tmp.resolve("ext").resolve(f).toString());
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().contains("provenance " + tmp.resolve("ext/walk-v0.json")), r.out());
            assertTrue(r.out().contains("dataset ext:walk-v0: 3 episodes x 4 steps, seed 8"), r.out());
            assertTrue(r.out().contains("generator walker, env walk-v0, ogbench 9.9.9"), r.out());
            assertTrue(r.out().contains("oracle {\"noise\":0.5}"), r.out());
            assertTrue(r.out().contains("sha256 matches this file"), r.out());
        }
        // a file replaced after generation (e.g. by OGBench's published one) is flagged
        LinkedHashMap<String, NpyArray> m = new LinkedHashMap<>(Npz.read(tmp.resolve("ext/walk-v0.npz")));
        m.put("terminals", NpyArray.of(new boolean[15], 15));
        Npz.write(tmp.resolve("ext/walk-v0.npz"), m);
        MainTest.Result r = MainTest.run("datasets", "inspect", tmp.resolve("ext/walk-v0.npz").toString());
        assertTrue(r.out().contains("does NOT match this file"), r.out());
        // no sidecar: said so
        FakeGenerator plain = new FakeGenerator();
        DatasetGeneration.generate(plain, 2, 3, 1, tmp.resolve("p"), ProgressListener.NONE);
        MainTest.Result q = MainTest.run("datasets", "inspect", tmp.resolve("p").resolve(plain.datasetName() + ".npz").toString());
        assertTrue(q.out().contains("provenance none"), q.out());
    }
}
