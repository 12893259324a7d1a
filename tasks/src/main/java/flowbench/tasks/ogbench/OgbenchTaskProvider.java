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
 * Registers OGBench's own environments, served through the Python bridge: per dataset of {@link OgbenchDataset#ALL}
 * the goal-conditioned task, single-task tasks 1..5 and the bare {@code -singletask-v0} name, each single-task name
 * also with the sparse reward ({@code -sparse-v0}, see {@link OgbenchTask}), all prefixed
 * {@code ogbench:}. Listing them needs no Python (dims come from the table; the bridge re-checks them at run time).
 * Only names with the prefix are served here, and only this provider serves such names.
 */
public final class OgbenchTaskProvider implements TaskProvider {
    private final Map<String, OgbenchTask> tasks = new LinkedHashMap<>();

    public OgbenchTaskProvider() {
        for (OgbenchDataset d : OgbenchDataset.ALL) {
            List<OgbenchTask> family = new ArrayList<>();
            family.add(OgbenchTask.goalConditioned(d));
            for (boolean sparse : new boolean[] {false, true}) {
                family.add(OgbenchTask.defaultSingleTask(d, sparse));
                for (int k = 1; k <= d.numTasks(); k++) family.add(OgbenchTask.singleTask(d, k, sparse));
            }
            for (OgbenchTask t : family) {
                if (tasks.put(t.name(), t) != null) throw new IllegalStateException("duplicate OGBench task " + t.name());
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

    /** Dataset generation for OGBench envs lives with the dataset generator (flowbench_ogbench.generate). */
    @Override
    public List<String> datasetNames() {
        return List.of();
    }

    @Override
    public Optional<DatasetGenerator> generator(String datasetName) {
        return Optional.empty();
    }
}
