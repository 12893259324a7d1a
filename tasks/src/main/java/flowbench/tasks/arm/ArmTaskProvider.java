package flowbench.tasks.arm;

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
 * Registers the arm variants ({@code arm}, {@code armobstacles}) x N in {2, 8, 16, 32}: per variant the
 * goal-conditioned task, the single-task tasks task1..task5 and the bare single-task alias, and the reach dataset
 * generator.
 */
public final class ArmTaskProvider implements TaskProvider {
    private final Map<String, ArmTask> tasks = new LinkedHashMap<>();
    private final Map<String, ArmDatasetGenerator> generators = new LinkedHashMap<>();

    public ArmTaskProvider() {
        for (ArmLayout layout : ArmLayout.all()) {
            List<ArmTask> family = new ArrayList<>();
            family.add(ArmTask.goalConditioned(layout));
            family.add(ArmTask.defaultSingleTask(layout));
            for (ArmLayout.EvalTask t : layout.evaluationTasks()) family.add(ArmTask.singleTask(layout, t.id()));
            for (ArmTask t : family) tasks.put(t.name(), t);
            ArmDatasetGenerator g = new ArmDatasetGenerator(layout);
            generators.put(g.datasetName(), g);
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
}
