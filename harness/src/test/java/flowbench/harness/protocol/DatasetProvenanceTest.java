package flowbench.harness.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.data.Sha256;
import flowbench.harness.io.Json;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.testing.FakeGenerator;
import flowbench.harness.testing.FakeTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Namespaced dataset paths, the provenance sidecar, and its way into the run record. */
class DatasetProvenanceTest {
    @TempDir
    Path dir;

    /** FakeGenerator's data under another name, reporting provenance like an outside generator does. */
    static final class Reporting implements DatasetGenerator {
        final String name;
        final boolean fail;

        Reporting(String name, boolean fail) {
            this.name = name;
            this.fail = fail;
        }

        @Override public String datasetName() { return name; }
        @Override public int defaultEpisodes() { return 4; }
        @Override public int defaultSteps() { return 5; }

        @Override
        public void generate(int episodes, int steps, long seed, Path trainFile, Path valFile, ProgressListener progress)
                throws IOException {
            new FakeGenerator().generate(episodes, steps, seed, trainFile, valFile, progress);
            if (fail) throw new IOException("simulated generator failure");
        }

        @Override
        public ObjectNode generateWithProvenance(int episodes, int steps, long seed, Path trainFile, Path valFile,
                                                 ProgressListener progress) throws IOException {
            generate(episodes, steps, seed, trainFile, valFile, progress);
            ObjectNode n = Json.mapper().createObjectNode();
            n.put("generator", "test").put("tool", "1.0").put("seedSeen", seed);
            return n;
        }
    }

    @Test
    void namespacedNamesLiveInASubfolder() {
        assertEquals(dir.resolve("ogbench/puzzle-3x3-play-v0.npz"), Runner.datasetFile(dir, "ogbench:puzzle-3x3-play-v0", false));
        assertEquals(dir.resolve("ogbench/puzzle-3x3-play-v0-val.npz"), Runner.datasetFile(dir, "ogbench:puzzle-3x3-play-v0", true));
        assertEquals(dir.resolve("ogbench/puzzle-3x3-play-v0.json"), Runner.provenanceFile(dir, "ogbench:puzzle-3x3-play-v0"));
        assertEquals(dir.resolve("pointmaze-medium-navigate-v0.npz"), Runner.datasetFile(dir, "pointmaze-medium-navigate-v0", false));
        for (String bad : new String[] {"../x", "a/b", "a:b:c", ":x", "x:", "-x", ".hidden", "", "og:../x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Runner.datasetFile(dir, bad, false), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void sidecarDescribesTheFilesNextToIt() throws IOException {
        String name = "ext:fake-v0";
        DatasetProvenance p = DatasetGeneration.generate(new Reporting(name, false), 4, 5, 11, dir, ProgressListener.NONE);
        Path train = dir.resolve("ext/fake-v0.npz");
        Path val = dir.resolve("ext/fake-v0-val.npz");
        Path sidecar = dir.resolve("ext/fake-v0.json");
        assertTrue(Files.isRegularFile(train) && Files.isRegularFile(val) && Files.isRegularFile(sidecar));
        DatasetProvenance read = DatasetProvenance.read(sidecar);
        assertEquals(Json.canonical(p), Json.canonical(read), "what was returned is what was written");
        assertEquals(name, read.dataset());
        assertEquals(4, read.episodes());
        assertEquals(5, read.steps());
        assertEquals(11, read.seed());
        assertEquals(Sha256.ofFile(train), read.train().sha256());
        assertEquals(Sha256.ofFile(val), read.validation().sha256());
        assertEquals("fake-v0.npz", read.train().file());
        assertEquals(Files.size(val), read.validation().bytes());
        assertEquals(4 * 6, read.train().rows(), "episodes x (steps + 1) rows");
        assertEquals(6, read.validation().rows(), "max(1, 4 / 10) = 1 validation episode");
        assertEquals(11, read.generator().get("seedSeen").asLong());
        assertTrue(read.generationSeconds() >= 0);
        try (var s = Files.list(dir.resolve("ext"))) {
            assertEquals(3, s.count(), "no staging folder left behind");
        }

        JsonNode forTrain = DatasetProvenance.forRecord(sidecar, "train", read.train().sha256());
        assertEquals("test", forTrain.get("generator").get("generator").asText());
        assertEquals(sidecar.toString(), forTrain.get("sidecar").asText());
        assertFalse(forTrain.has("train") || forTrain.has("validation"), "the record has the per-file hashes already");
        assertNull(DatasetProvenance.forRecord(sidecar, "train", read.validation().sha256()),
                "a sidecar that names other bytes says nothing about the file read");
        assertNull(DatasetProvenance.forRecord(dir.resolve("nothing.json"), "train", "00"));

        // a failing regeneration leaves the complete old generation (files and sidecar) untouched
        assertThrows(IOException.class, () -> DatasetGeneration.generate(new Reporting(name, true), 4, 5, 12, dir, ProgressListener.NONE));
        assertEquals(Json.canonical(read), Json.canonical(DatasetProvenance.read(sidecar)));
        assertEquals(read.train().sha256(), Sha256.ofFile(train));

        // a successful one replaces both
        DatasetProvenance again = DatasetGeneration.generate(new Reporting(name, false), 4, 5, 13, dir, ProgressListener.NONE);
        assertNotEquals(read.train().sha256(), again.train().sha256());
        assertEquals(Sha256.ofFile(train), DatasetProvenance.read(sidecar).train().sha256());

        Files.writeString(sidecar, "{\"schemaVersion\": 1}");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DatasetProvenance.forRecord(sidecar, "train", again.train().sha256()));
        assertTrue(e.getMessage().contains(sidecar.toString()), e.getMessage());
    }

    @Test
    void javaNativeGeneratorsWriteNoSidecar() throws IOException {
        assertNull(DatasetGeneration.generate(new FakeGenerator(), 3, 4, 1, dir, ProgressListener.NONE));
        assertFalse(Files.exists(Runner.provenanceFile(dir, FakeTask.DATASET)));
        assertTrue(Files.isRegularFile(Runner.datasetFile(dir, FakeTask.DATASET, false)));
    }

    @Test
    void runRecordCarriesTheProvenanceOfTheFilesItRead() throws IOException {
        Path data = dir.resolve("data");
        DatasetGeneration.generate(new Reporting(FakeTask.DATASET, false), 20, 20, 3, data, ProgressListener.NONE);
        Runner runner = new Runner(RunFixture.REGISTRY);
        RunOutcome o = runner.run(RunFixture.spec(data), dir.resolve("runs"), RunOptions.defaults());
        JsonNode ds = Json.mapper().readTree(o.runDir().resolve(Runner.RUN_JSON).toFile()).get("datasets");
        for (int i = 0; i < 2; i++) {
            JsonNode prov = ds.get(i).get("provenance");
            assertNotNull(prov, "dataset entry " + i + " has the sidecar's provenance");
            assertEquals("test", prov.get("generator").get("generator").asText());
            assertEquals(3, prov.get("seed").asLong());
        }
        RunRecord rec = Json.read(o.runDir().resolve(Runner.RUN_JSON), RunRecord.class);
        assertEquals(20, rec.datasets().get(0).provenance().get("episodes").asInt());
    }

    @Test
    void recordsWithoutProvenanceKeepTheirForm() throws IOException {
        RunRecord.DatasetFile f = new RunRecord.DatasetFile("train", "x.npz", "ab", 10, "REGULAR");
        String json = Json.pretty(f);
        assertFalse(json.contains("provenance"), "no null field in records of datasets without a sidecar: " + json);
        RunRecord.DatasetFile back = Json.mapper().readValue(
                "{\"role\":\"train\",\"file\":\"x.npz\",\"sha256\":\"ab\",\"transitions\":10,\"mode\":\"REGULAR\"}",
                RunRecord.DatasetFile.class);
        assertEquals(f, back, "records written before the field existed still read");
    }
}
