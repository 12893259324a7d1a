package flowbench.tasks.ogbench;

import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.env.Task;
import flowbench.harness.spi.TaskProvider;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Registers the OGBench datasets that OGBench generates with scripted oracles, under the names
 * {@code ogbench:<OGBench dataset name>}, each generated through the Python bridge by {@link OgbenchDatasetGenerator}.
 * The files live in {@code <data>/ogbench/} (see {@code Runner.datasetFile}). This provider registers datasets only;
 * the {@code ogbench:} tasks that train on them are registered by the bridge's task provider.
 *
 * <p>Default sizes are OGBench's ({@code data_gen_scripts/commands.sh}; docs/benchmarks.md section 1.3): navigate 1000 x 1000
 * (giant 500 x 2000), stitch 5000 x 200, play 1000 x 1000. The table must equal the bridge's
 * ({@code python -m flowbench_ogbench.generate --list}); a test checks that.
 */
public final class OgbenchDatasets implements TaskProvider {
    public static final String PREFIX = "ogbench:";

    /**
     * @param name     OGBench's dataset name, e.g. {@code puzzle-3x3-play-v0}
     * @param env      the gymnasium environment id the data are collected in
     * @param episodes default training episodes
     * @param steps    default steps per episode (each episode has steps + 1 rows)
     */
    public record Spec(String name, String env, int episodes, int steps) {}

    public static final Map<String, Spec> SPECS;

    static {
        Map<String, Spec> m = new LinkedHashMap<>();
        for (String maze : List.of("medium", "large", "giant", "teleport")) {
            boolean giant = maze.equals("giant");
            add(m, new Spec("pointmaze-" + maze + "-navigate-v0", "pointmaze-" + maze + "-v0", giant ? 500 : 1000, giant ? 2000 : 1000));
            add(m, new Spec("pointmaze-" + maze + "-stitch-v0", "pointmaze-" + maze + "-v0", 5000, 200));
        }
        add(m, new Spec("cube-single-play-v0", "cube-single-v0", 1000, 1000));
        add(m, new Spec("cube-double-play-v0", "cube-double-v0", 1000, 1000));
        add(m, new Spec("scene-play-v0", "scene-v0", 1000, 1000));
        add(m, new Spec("puzzle-3x3-play-v0", "puzzle-3x3-v0", 1000, 1000));
        add(m, new Spec("puzzle-4x4-play-v0", "puzzle-4x4-v0", 1000, 1000));
        SPECS = Collections.unmodifiableMap(m);
    }

    private static void add(Map<String, Spec> m, Spec s) {
        m.put(s.name(), s);
    }

    @Override
    public List<String> taskNames() {
        return List.of();
    }

    @Override
    public Optional<Task> task(String name) {
        return Optional.empty();
    }

    @Override
    public List<String> datasetNames() {
        List<String> out = new ArrayList<>();
        for (String n : SPECS.keySet()) out.add(PREFIX + n);
        return out;
    }

    @Override
    public Optional<DatasetGenerator> generator(String datasetName) {
        if (datasetName == null || !datasetName.startsWith(PREFIX)) return Optional.empty();
        Spec s = SPECS.get(datasetName.substring(PREFIX.length()));
        return s == null ? Optional.empty() : Optional.of(new OgbenchDatasetGenerator(s));
    }
}
