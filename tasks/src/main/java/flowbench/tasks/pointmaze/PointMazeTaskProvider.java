package flowbench.tasks.pointmaze;

import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.env.Task;
import flowbench.harness.protocol.TaskRenames;
import flowbench.harness.spi.TaskProvider;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Registers the point mazes (medium, large, giant, teleport) x datasets (navigate, stitch): per pair the
 * goal-conditioned task, the single-task tasks task1..task5 and the bare single-task alias, and the dataset generator.
 */
public final class PointMazeTaskProvider implements TaskProvider {
    private final Map<String, PointMazeTask> tasks = new LinkedHashMap<>();
    private final Map<String, PointMazeDatasetGenerator> generators = new LinkedHashMap<>();

    public PointMazeTaskProvider() {
        for (MazeLayout layout : MazeLayout.all()) {
            for (PointMazeDatasetGenerator.Kind kind : PointMazeDatasetGenerator.Kind.values()) {
                List<PointMazeTask> family = new ArrayList<>();
                family.add(PointMazeTask.goalConditioned(layout, kind));
                family.add(PointMazeTask.defaultSingleTask(layout, kind));
                for (MazeLayout.EvalTask t : layout.evaluationTasks()) family.add(PointMazeTask.singleTask(layout, kind, t.id()));
                for (PointMazeTask t : family) tasks.put(t.name(), t);
                PointMazeDatasetGenerator g = new PointMazeDatasetGenerator(layout, kind);
                generators.put(g.datasetName(), g);
            }
        }
    }

    @Override
    public List<String> taskNames() {
        return Collections.unmodifiableList(new ArrayList<>(tasks.keySet()));
    }

    @Override
    public Optional<Task> task(String name) {
        return Optional.ofNullable(tasks.get(name));
    }

    @Override
    public List<String> datasetNames() {
        return Collections.unmodifiableList(new ArrayList<>(generators.keySet()));
    }

    @Override
    public Optional<DatasetGenerator> generator(String datasetName) {
        return Optional.ofNullable(generators.get(datasetName));
    }

    /** The 2026-12-07 rename ({@link TaskRenames}), for names this provider now serves. */
    @Override
    public Optional<String> renamedTo(String oldName) {
        return TaskRenames.of(oldName).filter(now -> taskNames().contains(now) || datasetNames().contains(now));
    }
}
