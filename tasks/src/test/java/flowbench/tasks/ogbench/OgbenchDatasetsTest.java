package flowbench.tasks.ogbench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.io.Json;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.protocol.DatasetGeneration;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.Runner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The OGBench dataset registration and the Java side of the generator, without the bridge: a shell script plays the
 * bridge's Python (its command line, progress lines, JSON report, failures).
 */
class OgbenchDatasetsTest {
    @TempDir
    Path tmp;

    @Test
    void registersOgbenchsOracleDatasetsWithTheirSizes() {
        Registry r = Registry.load();
        List<String> expected = new ArrayList<>();
        for (String maze : List.of("medium", "large", "giant", "teleport")) {
            expected.add("ogbench:pointmaze-" + maze + "-navigate-v0");
            expected.add("ogbench:pointmaze-" + maze + "-stitch-v0");
        }
        expected.addAll(List.of("ogbench:cube-single-play-v0", "ogbench:cube-double-play-v0", "ogbench:scene-play-v0",
                "ogbench:puzzle-3x3-play-v0", "ogbench:puzzle-4x4-play-v0"));
        for (String name : expected) {
            assertTrue(r.datasetNames().contains(name), name);
            DatasetGenerator g = r.generator(name);
            assertEquals(name, g.datasetName());
            int[] size = name.contains("giant-navigate") ? new int[] {500, 2000} : name.contains("stitch") ? new int[] {5000, 200}
                    : new int[] {1000, 1000};
            assertEquals(size[0], g.defaultEpisodes(), name);
            assertEquals(size[1], g.defaultSteps(), name);
        }
        assertEquals(expected.size(), OgbenchDatasets.SPECS.size());
        assertTrue(r.datasetNames().contains("pointmaze-medium-navigate-v0"), "the Java-native datasets stay registered");
        assertTrue(new OgbenchDatasets().generator("ogbench:antmaze-large-navigate-v0").isEmpty(), "needs OGBench's SAC experts");
        assertTrue(new OgbenchDatasets().generator("puzzle-3x3-play-v0").isEmpty(), "the unprefixed name is the Java-native one");
        assertEquals(Path.of("data/ogbench/cube-double-play-v0-val.npz"),
                Runner.datasetFile(Path.of("data"), "ogbench:cube-double-play-v0", true));
    }

    private Path fakePython(String body) throws IOException {
        Path f = tmp.resolve("fake-python-" + Math.abs(body.hashCode()));
        Files.writeString(f, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwx------"));
        return f;
    }

    private OgbenchDatasetGenerator gen(Path python) {
        return new OgbenchDatasetGenerator(OgbenchDatasets.SPECS.get("puzzle-3x3-play-v0"), () -> python);
    }

    /** The bridge's command line, progress lines turned into progress events, and the report without staging paths. */
    @Test
    void runsTheBridgeAndStreamsItsProgress() throws IOException {
        // $1..$N: -m flowbench_ogbench.generate --dataset D --out DIR --episodes E --steps S --seed X --workers W
        // ($4 = D, $6 = DIR)
        Path py = fakePython(String.join("\n",
                "echo \"$@\" > \"$6/args.txt\"",
                "echo 'progress: 1/3 episodes, 11 env steps, 5 steps/s' >&2",
                "echo 'some warning' >&2",
                "echo 'progress: 3/3 episodes, 33 env steps, 6 steps/s' >&2",
                "cp '" + tmp.resolve("seed.npz") + "' \"$6/$4.npz\"",
                "cp '" + tmp.resolve("seed.npz") + "' \"$6/$4-val.npz\"",
                "echo 'not the report'",
                "echo '{\"ogbench\": \"1.2.2\", \"files\": {\"train\": {\"file\": \"/staging/x.npz\", \"rows\": 3}}}'"));
        // any valid npz will do as the "generated" file
        flowbench.harness.data.Npz.write(tmp.resolve("seed.npz"), new java.util.LinkedHashMap<>(java.util.Map.of(
                "observations", flowbench.harness.data.NpyArray.of(new float[] {1, 2, 3}, 3, 1))));
        List<String> events = new ArrayList<>();
        ProgressListener progress = (done, total, label) -> events.add(done + "/" + total + " " + label);
        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        ObjectNode report = gen(py).generateWithProvenance(3, 10, 42, out.resolve("puzzle-3x3-play-v0.npz"),
                out.resolve("puzzle-3x3-play-v0-val.npz"), progress);
        assertEquals(List.of("1/3 episodes (11 env steps, 5 steps/s)", "3/3 episodes (33 env steps, 6 steps/s)"), events);
        String args = Files.readString(out.resolve("args.txt")).strip();
        assertTrue(args.matches("-m flowbench_ogbench\\.generate --dataset puzzle-3x3-play-v0 --out \\S+ --episodes 3 "
                + "--steps 10 --seed 42 --workers \\d+"), args);
        assertEquals("1.2.2", report.get("ogbench").asText());
        assertFalse(report.get("files").get("train").has("file"), "staging paths are not provenance");
        assertEquals(3, report.get("files").get("train").get("rows").asInt());
        assertEquals(py.toString(), report.get("interpreter").asText());
        assertEquals("-m flowbench_ogbench.generate --dataset puzzle-3x3-play-v0 --out <staging folder> --episodes 3 --steps 10 "
                + "--seed 42 --workers " + OgbenchDatasetGenerator.workers(),
                String.join(" ", Json.mapper().convertValue(report.get("arguments"), String[].class)), "the generator's arguments");

        // the same through DatasetGeneration: files in <data>/ogbench/, sidecar written
        Path data = tmp.resolve("data");
        var p = DatasetGeneration.generate(gen(py), 3, 10, 42, data, ProgressListener.NONE);
        assertNotNull(p);
        assertTrue(Files.isRegularFile(data.resolve("ogbench/puzzle-3x3-play-v0.npz")));
        assertTrue(Files.isRegularFile(data.resolve("ogbench/puzzle-3x3-play-v0.json")));
        assertEquals("1.2.2", p.generator().get("ogbench").asText());
    }

    @Test
    void aFailingBridgeFailsWithItsExitCodeAndStderr() throws IOException {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 100; i++) body.append("echo 'noise line ").append(i).append("' >&2\n");
        body.append("echo 'ModuleNotFoundError: No module named ogbench' >&2\nexit 3");
        Path py = fakePython(body.toString());
        Path data = tmp.resolve("data");
        IOException e = assertThrows(IOException.class,
                () -> DatasetGeneration.generate(gen(py), 2, 5, 0, data, ProgressListener.NONE));
        String m = e.getMessage();
        assertTrue(m.contains("exit code 3"), m);
        assertTrue(m.contains("ogbench:puzzle-3x3-play-v0"), m);
        assertTrue(m.contains("No module named ogbench"), "the stderr tail: " + m);
        assertTrue(m.contains("noise line 99") && !m.contains("noise line 10\n"), "only the tail of stderr: " + m);
        assertTrue(m.contains("--dataset puzzle-3x3-play-v0"), "the command: " + m);
        assertTrue(m.contains("ogbench-bridge/install"), "a missing module gets the install hint: " + m);
        assertFalse(Files.exists(data.resolve("ogbench/puzzle-3x3-play-v0.npz")), "nothing half-done is left");
        try (var s = Files.list(data.resolve("ogbench"))) {
            assertEquals(0, s.count(), "no staging folder left behind");
        }
    }

    @Test
    void aMissingInterpreterSaysHowToInstallTheBridge() {
        Path missing = tmp.resolve("no-such-python");
        IOException e = assertThrows(IOException.class, () -> DatasetGeneration.generate(gen(missing), 2, 5, 0,
                tmp.resolve("d"), ProgressListener.NONE));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("ogbench-bridge/install"), e.getMessage());
    }

    @Test
    void aBridgeWithoutItsReportFails() throws IOException {
        Path py = fakePython("touch \"$6/$4.npz\" \"$6/$4-val.npz\"\necho 'hello'");
        Path out = tmp.resolve("o");
        Files.createDirectories(out);
        IOException e = assertThrows(IOException.class, () -> gen(py).generateWithProvenance(2, 5, 0,
                out.resolve("puzzle-3x3-play-v0.npz"), out.resolve("puzzle-3x3-play-v0-val.npz"), ProgressListener.NONE));
        assertTrue(e.getMessage().contains("not its JSON report") && e.getMessage().contains("'hello'"), e.getMessage());
    }

    @Test
    void workersComeFromTheMachineOrTheEnvironment() {
        String env = System.getenv(OgbenchDatasetGenerator.WORKERS_ENV);
        int w = OgbenchDatasetGenerator.workers();
        if (env == null || env.isBlank()) {
            assertEquals(Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors())), w);
        } else {
            assertEquals(Integer.parseInt(env.strip()), w);
        }
    }
}
