package flowbench.tasks.puzzle;

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
 * Registers the puzzles (3x3, 4x4, 4x5, 4x6) x datasets (play, noisy): per pair the goal-conditioned task, the dense
 * and sparse single-task tasks task1..task5 and their bare default aliases (13 names), and the dataset generator.
 */
public final class PuzzleTaskProvider implements TaskProvider {
    private final Map<String, PuzzleTask> tasks = new LinkedHashMap<>();
    private final Map<String, PuzzleDatasetGenerator> generators = new LinkedHashMap<>();

    public PuzzleTaskProvider() {
        for (PuzzleSize size : PuzzleSize.values()) {
            for (PuzzleDatasetGenerator.Kind kind : PuzzleDatasetGenerator.Kind.values()) {
                List<PuzzleTask> family = new ArrayList<>();
                family.add(PuzzleTask.goalConditioned(size, kind));
                for (boolean sparse : new boolean[] {false, true}) {
                    family.add(PuzzleTask.defaultSingleTask(size, kind, sparse));
                    for (PuzzleSize.EvalTask t : size.evaluationTasks()) family.add(PuzzleTask.singleTask(size, kind, t.id(), sparse));
                }
                for (PuzzleTask t : family) tasks.put(t.name(), t);
                PuzzleDatasetGenerator g = new PuzzleDatasetGenerator(size, kind);
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
