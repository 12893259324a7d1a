package flowbench.harness.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.testing.FakeAlgorithm;
import flowbench.harness.testing.FakeGenerator;
import flowbench.harness.testing.FakeProviders;
import flowbench.harness.testing.FakeTask;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Shared set-up for runner tests: fake registry, generated .npz files, comparison modulo timing fields. */
public final class RunFixture {
    public static final Registry REGISTRY = new Registry(List.of(new FakeProviders.Tasks()), List.of(new FakeProviders.Algorithms()),
            List.of(new FakeProviders.Bench()));

    private RunFixture() {}

    public static Path generateData(Path dir, long seed) throws IOException {
        Files.createDirectories(dir);
        new FakeGenerator().generate(20, 20, seed, Runner.datasetFile(dir, FakeTask.DATASET, false),
                Runner.datasetFile(dir, FakeTask.DATASET, true), ProgressListener.NONE);
        return dir;
    }

    /** 60 steps; evaluations at 0, 20, 40, 60; checkpoints also at 15, 30, 45; a log row every 5 steps. */
    static RunSpec spec(Path data) {
        Protocol p = new Protocol(60, 20, true, 4, 15, 5, 3, "adhoc", 0);
        return new RunSpec(FakeAlgorithm.NAME, FakeTask.GC, data.toString(), 7, "cpu", Map.of("lr", "0.05"), p);
    }

    /** run.json without the fields that may differ between an uninterrupted and a resumed run. */
    public static JsonNode comparable(Path runDir) throws IOException {
        ObjectNode n = (ObjectNode) Json.mapper().readTree(runDir.resolve(Runner.RUN_JSON).toFile());
        n.remove(List.of("timing", "startedAt", "finishedAt", "resumes"));
        return n;
    }

    /** Paths where two JSON trees differ (readable failure messages instead of two huge trees). */
    public static List<String> differences(JsonNode a, JsonNode b) {
        List<String> out = new ArrayList<>();
        diff("", a, b, out);
        return out;
    }

    private static void diff(String path, JsonNode a, JsonNode b, List<String> out) {
        if (a == null || b == null) {
            out.add(path + ": " + a + " vs " + b);
        } else if (a.isObject() && b.isObject()) {
            java.util.TreeSet<String> names = new java.util.TreeSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String n : names) diff(path + "." + n, a.get(n), b.get(n), out);
        } else if (a.isArray() && b.isArray() && a.size() == b.size()) {
            for (int i = 0; i < a.size(); i++) diff(path + "[" + i + "]", a.get(i), b.get(i), out);
        } else if (!a.equals(b)) {
            out.add(path + ": " + a + " vs " + b);
        }
    }

    /** train.csv without its wall-clock column. */
    public static List<String> trainRows(Path runDir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve(Runner.TRAIN_CSV))) {
            String[] f = line.split(",", -1);
            List<String> keep = new ArrayList<>();
            for (int i = 0; i < f.length; i++) if (i != 1) keep.add(f[i]);
            out.add(String.join(",", keep));
        }
        return out;
    }

    public static List<String> checkpointNames(Path runDir) throws IOException {
        try (var s = Files.list(runDir.resolve(Runner.CHECKPOINTS))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
