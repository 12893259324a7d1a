package flowbench.tasks.bandit;

import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.env.Task;
import flowbench.harness.spi.TaskProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Registers the one-step bandits ({@link BanditSpec}): one single-task name and one dataset generator each. */
public final class BanditTaskProvider implements TaskProvider {
    @Override
    public List<String> taskNames() {
        List<String> out = new ArrayList<>();
        for (BanditSpec s : BanditSpec.values()) out.add(s.taskName());
        return out;
    }

    @Override
    public Optional<Task> task(String name) {
        for (BanditSpec s : BanditSpec.values()) if (s.taskName().equals(name)) return Optional.of(new BanditTask(s));
        return Optional.empty();
    }

    @Override
    public List<String> datasetNames() {
        List<String> out = new ArrayList<>();
        for (BanditSpec s : BanditSpec.values()) out.add(s.datasetName());
        return out;
    }

    @Override
    public Optional<DatasetGenerator> generator(String datasetName) {
        for (BanditSpec s : BanditSpec.values()) {
            if (s.datasetName().equals(datasetName)) return Optional.of(new BanditDatasetGenerator(s));
        }
        return Optional.empty();
    }
}
