package flowbench.tasks.ogbench;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.data.NpyArray;
import flowbench.harness.data.Npz;
import flowbench.harness.data.Sha256;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.DatasetLoader;
import flowbench.harness.protocol.DatasetProvenance;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.Runner;
import flowbench.harness.protocol.Suite;
import flowbench.harness.protocol.SuiteRunner;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The bridge's generator against OGBench's raw schema: key set, dtypes, shapes, episode layout (steps + 1 rows, one
 * terminal at each episode's end), validation split size, agreement with the environment's declared spaces, the
 * provenance sidecar, and determinism (same seed => same bytes, whatever the number of worker processes).
 * Needs the bridge (ogbench-bridge/install); skipped without it.
 */
class OgbenchGeneratorTest {
    static final int EPISODES = 3;
    static final int STEPS = 100;

    /**
     * Sizes of the shared small datasets: puzzle 3 x 100 (MuJoCo manipulation, ~500 steps/s); pointmaze 10 x 300, cheap,
     * and long enough that the data pass through some evaluation task's goal (the relabelling check needs successes).
     */
    static int[] size(String dataset) {
        return dataset.startsWith("pointmaze") ? new int[] {10, 300} : new int[] {EPISODES, STEPS};
    }

    @TempDir
    Path tmp;

    @Test
    void javaTableEqualsTheBridgesTable() throws Exception {
        JsonNode list = Json.mapper().readTree(OgbenchBridge.run(120, "-m", "flowbench_ogbench.generate", "--list"));
        Set<String> bridge = new TreeSet<>();
        list.fieldNames().forEachRemaining(bridge::add);
        assertEquals(new TreeSet<>(OgbenchDatasets.SPECS.keySet()), bridge, "same dataset names in Java and in the bridge");
        for (OgbenchDatasets.Spec s : OgbenchDatasets.SPECS.values()) {
            JsonNode b = list.get(s.name());
            assertEquals(s.env(), b.get("env").asText(), s.name());
            assertEquals(s.episodes(), b.get("episodes").asInt(), s.name() + " default episodes");
            assertEquals(s.steps(), b.get("steps").asInt(), s.name() + " default steps");
        }
    }

    @Test
    void puzzleSchemaAndSidecar() throws IOException {
        checkSchema("puzzle-3x3-play-v0", OgbenchBridge.generated("puzzle-3x3-play-v0", EPISODES, STEPS, 0), 9, EPISODES, STEPS);
    }

    @Test
    void pointmazeSchemaAndSidecar() throws IOException {
        int[] n = size("pointmaze-medium-navigate-v0");
        Path dir = OgbenchBridge.generated("pointmaze-medium-navigate-v0", n[0], n[1], 0);
        checkSchema("pointmaze-medium-navigate-v0", dir, 0, n[0], n[1]);
        Map<String, NpyArray> m = Npz.read(Runner.datasetFile(dir, "ogbench:pointmaze-medium-navigate-v0", false));
        assertArrayEquals((float[]) m.get("qpos").data(), (float[]) m.get("observations").data(),
                "a point maze observation is its qpos (x, y)");
    }

    /** The determinism the suites' pinned SHA-256 relies on, and independence from the number of processes. */
    @Test
    void sameSeedSameBytesWhateverTheWorkers() throws Exception {
        Path viaJava = OgbenchBridge.generated("puzzle-3x3-play-v0", EPISODES, STEPS, 0);
        Path a = tmp.resolve("a");
        OgbenchBridge.run(600, "-m", "flowbench_ogbench.generate", "--dataset", "puzzle-3x3-play-v0", "--out", a.toString(),
                "--episodes", "" + EPISODES, "--steps", "" + STEPS, "--seed", "0", "--workers", "1");
        for (String f : List.of("puzzle-3x3-play-v0.npz", "puzzle-3x3-play-v0-val.npz")) {
            assertEquals(Sha256.ofFile(viaJava.resolve("ogbench").resolve(f)), Sha256.ofFile(a.resolve(f)),
                    f + ": Java path (" + OgbenchDatasetGenerator.workers() + " workers) vs python CLI (1 worker)");
        }
        // a cheap environment for the seed checks: 2 workers vs 1, and another seed
        List<String> sha = new ArrayList<>();
        for (String[] v : new String[][] {{"5", "1"}, {"5", "2"}, {"6", "1"}}) {
            Path out = tmp.resolve("s" + v[0] + "w" + v[1]);
            OgbenchBridge.run(600, "-m", "flowbench_ogbench.generate", "--dataset", "pointmaze-large-stitch-v0", "--out",
                    out.toString(), "--episodes", "4", "--steps", "50", "--seed", v[0], "--workers", v[1]);
            sha.add(Sha256.ofFile(out.resolve("pointmaze-large-stitch-v0.npz")));
        }
        assertEquals(sha.get(0), sha.get(1), "the output does not depend on the number of workers");
        assertNotEquals(sha.get(0), sha.get(2), "another seed gives other data");
    }

    /** A suite can list an ogbench: dataset: it is generated when missing and its SHA-256 pins are enforced. */
    @Test
    void suitesGenerateAndPinOgbenchDatasets() throws Exception {
        OgbenchBridge.python(); // the suite runner generates through the bridge
        String name = "ogbench:pointmaze-medium-stitch-v0";
        Suite.ProtocolEntry protocol = new Suite.ProtocolEntry(10, 5, true, 1, 5, 5, 0);
        Suite open = new Suite("og-test", 1, "", List.of(new Suite.DatasetEntry(name, 3, 20, 4, null, null)),
                List.of("unused"), List.of(new Suite.AlgorithmEntry("flow-bc", "cpu", Map.of())), List.of(1L), protocol);
        SuiteRunner runner = new SuiteRunner(Registry.load(), DatasetLoader.ogbench());
        Path data = tmp.resolve("suite-data");
        runner.prepareDatasets(open, data, null, null);
        Path train = data.resolve("ogbench/pointmaze-medium-stitch-v0.npz");
        Path val = data.resolve("ogbench/pointmaze-medium-stitch-v0-val.npz");
        String sha = Sha256.ofFile(train), valSha = Sha256.ofFile(val);
        assertEquals(sha, DatasetProvenance.read(data.resolve("ogbench/pointmaze-medium-stitch-v0.json")).train().sha256());
        assertEquals(3 * 21, Npz.readHeaders(train).get("observations").dim(0));

        Suite frozen = new Suite("og-test", 1, "", List.of(new Suite.DatasetEntry(name, 3, 20, 4, sha, valSha)),
                open.tasks(), open.algorithms(), open.seeds(), protocol);
        Path fresh = tmp.resolve("fresh");
        runner.prepareDatasets(frozen, fresh, null, null);
        assertEquals(sha, Sha256.ofFile(fresh.resolve("ogbench/pointmaze-medium-stitch-v0.npz")), "regenerated bit for bit");
        Suite wrong = new Suite("og-test", 1, "", List.of(new Suite.DatasetEntry(name, 3, 20, 4, valSha, valSha)),
                open.tasks(), open.algorithms(), open.seeds(), protocol);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> runner.prepareDatasets(wrong, fresh, null, null));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
    }

    /** Every supported dataset at a tiny size (about a minute per manipulation environment on 2 cores). */
    @Test
    @Tag("slow")
    void everyDatasetHasOgbenchsSchema() throws IOException {
        for (OgbenchDatasets.Spec s : OgbenchDatasets.SPECS.values()) {
            int buttons = s.name().startsWith("puzzle-3x3") ? 9 : s.name().startsWith("puzzle-4x4") ? 16
                    : s.name().startsWith("scene") ? 2 : 0;
            checkSchema(s.name(), OgbenchBridge.generated(s.name(), 2, 50, 1), buttons, 2, 50);
        }
    }

    private static void checkSchema(String name, Path dir, int buttons, int episodes, int steps) throws IOException {
        String ds = OgbenchDatasets.PREFIX + name;
        Path sidecar = Runner.provenanceFile(dir, ds);
        DatasetProvenance p = DatasetProvenance.read(sidecar);
        JsonNode g = p.generator();
        assertEquals("1.2.2", g.get("ogbench").asText(), "the pinned OGBench release (ogbench-bridge/pyproject.toml)");
        assertEquals(name, g.get("dataset").asText());
        assertEquals(steps + 1, g.get("maxEpisodeSteps").asInt());
        int obsDim = g.get("observationShape").get(0).asInt();
        int actDim = g.get("actionShape").get(0).asInt();
        assertEquals(1, g.get("observationShape").size(), "state observations");
        for (boolean val : new boolean[] {false, true}) {
            Path f = Runner.datasetFile(dir, ds, val);
            assertEquals(dir.resolve("ogbench").resolve(name + (val ? "-val" : "") + ".npz"), f);
            DatasetProvenance.FileEntry e = p.file(val ? "validation" : "train");
            assertEquals(Sha256.ofFile(f), e.sha256(), f + ": sidecar SHA-256");
            int eps = val ? Math.max(1, episodes / 10) : episodes;
            int rows = eps * (steps + 1);
            assertEquals(rows, e.rows());
            Map<String, NpyArray> m = Npz.read(f);
            List<String> expected = new ArrayList<>(List.of("observations", "actions", "terminals", "qpos", "qvel"));
            if (buttons > 0) expected.add("button_states");
            assertEquals(expected, new ArrayList<>(m.keySet()), f + ": OGBench's key set, in its order");
            check(m, "observations", "<f4", rows, obsDim);
            check(m, "actions", "<f4", rows, actDim);
            check(m, "terminals", "|b1", rows);
            int nq = m.get("qpos").shape()[1], nv = m.get("qvel").shape()[1];
            check(m, "qpos", "<f4", rows, nq);
            check(m, "qvel", "<f4", rows, nv);
            boolean[] term = (boolean[]) m.get("terminals").data();
            for (int r = 0; r < rows; r++) {
                assertEquals(r % (steps + 1) == steps, term[r], f + ": terminal only on each episode's last row, row " + r);
            }
            for (float a : (float[]) m.get("actions").data()) assertTrue(a >= -1f && a <= 1f, f + ": action " + a + " outside [-1, 1]");
            for (String k : List.of("observations", "qpos", "qvel")) {
                for (float v : (float[]) m.get(k).data()) assertTrue(Float.isFinite(v), f + ": non-finite " + k);
            }
            if (buttons > 0) {
                check(m, "button_states", "<i8", rows, buttons);
                for (long b : (long[]) m.get("button_states").data()) assertTrue(b == 0 || b == 1, f + ": button state " + b);
            }
            JsonNode arrays = g.get("files").get(val ? "val" : "train").get("arrays");
            for (Iterator<String> it = arrays.fieldNames(); it.hasNext(); ) assertTrue(m.containsKey(it.next()));
        }
    }

    private static void check(Map<String, NpyArray> m, String key, String dtype, int... shape) {
        NpyArray a = m.get(key);
        assertNotNull(a, key);
        assertEquals(dtype, a.dtype(), key + " dtype");
        assertArrayEquals(shape, a.shape(), key + " shape");
    }
}
