package flowbench.harness.protocol;

import flowbench.harness.agent.Algorithm;
import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.env.Task;
import flowbench.harness.spi.AlgorithmProvider;
import flowbench.harness.spi.BenchProvider;
import flowbench.harness.spi.TaskProvider;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Everything registered through {@link ServiceLoader}: tasks and dataset generators ({@link TaskProvider}),
 * algorithms ({@link AlgorithmProvider}) and micro-benchmarks ({@link BenchProvider}). The harness never depends on
 * the modules that implement them; the launcher puts those on the class path.
 *
 * <p>Two providers registering the same name is an error (which one wins would depend on class-path order).
 */
public final class Registry {
    private final Map<String, TaskProvider> taskOwners = new TreeMap<>();
    private final Map<String, TaskProvider> datasetOwners = new TreeMap<>();
    private final Map<String, Algorithm<?>> algorithms = new TreeMap<>();
    private final Map<String, BenchProvider> benches = new TreeMap<>();

    public Registry(List<TaskProvider> taskProviders, List<AlgorithmProvider> algorithmProviders, List<BenchProvider> benchProviders) {
        for (TaskProvider p : taskProviders) {
            for (String n : p.taskNames()) putUnique(taskOwners, "task", n, p, p);
            for (String n : p.datasetNames()) putUnique(datasetOwners, "dataset", n, p, p);
        }
        for (AlgorithmProvider p : algorithmProviders) {
            for (Algorithm<?> a : p.algorithms()) putUnique(algorithms, "algorithm", a.name(), a, p);
        }
        for (BenchProvider b : benchProviders) putUnique(benches, "bench", b.name(), b, b);
    }

    private Registry(Registry base) {
        taskOwners.putAll(base.taskOwners);
        datasetOwners.putAll(base.datasetOwners);
        algorithms.putAll(base.algorithms);
        benches.putAll(base.benches);
    }

    /** This registry plus {@code extra} (an external method for one invocation); a name already taken is refused. */
    public Registry withAlgorithm(Algorithm<?> extra) {
        if (algorithms.containsKey(extra.name())) {
            throw new IllegalArgumentException("algorithm '" + extra.name() + "' is already registered; an added method needs a name of its own");
        }
        Registry r = new Registry(this);
        r.algorithms.put(extra.name(), extra);
        return r;
    }

    /** Discovers every provider visible to {@code loader}. */
    public static Registry load(ClassLoader loader) {
        return new Registry(loadAll(TaskProvider.class, loader), loadAll(AlgorithmProvider.class, loader),
                loadAll(BenchProvider.class, loader));
    }

    /** Discovers every provider on the class path of the harness. */
    public static Registry load() {
        return load(Registry.class.getClassLoader());
    }

    private static <S> List<S> loadAll(Class<S> type, ClassLoader loader) {
        List<S> out = new ArrayList<>();
        try {
            for (S s : ServiceLoader.load(type, loader)) out.add(s);
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException("cannot load a " + type.getSimpleName() + " listed in META-INF/services/"
                    + type.getName() + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static <V> void putUnique(Map<String, V> map, String kind, String name, V value, Object provider) {
        V old = map.putIfAbsent(name, value);
        if (old != null && old != value) {
            throw new IllegalStateException(kind + " '" + name + "' is registered twice, by " + old.getClass().getName()
                    + " and by " + provider.getClass().getName());
        }
    }

    public List<String> taskNames() {
        return List.copyOf(taskOwners.keySet());
    }

    public List<String> datasetNames() {
        return List.copyOf(datasetOwners.keySet());
    }

    public List<String> algorithmNames() {
        return List.copyOf(algorithms.keySet());
    }

    public List<String> benchNames() {
        return List.copyOf(benches.keySet());
    }

    /** @throws IllegalArgumentException naming close matches when the task is unknown */
    public Task task(String name) {
        TaskProvider p = taskOwners.get(name);
        if (p == null) {
            refuseRenamed("task", name);
            throw Names.unknown("task", name, taskOwners.keySet(), "flowbench tasks");
        }
        return p.task(name).orElseThrow(() -> new IllegalStateException(
                p.getClass().getName() + " lists task '" + name + "' but does not create it"));
    }

    public DatasetGenerator generator(String datasetName) {
        TaskProvider p = datasetOwners.get(datasetName);
        if (p == null) {
            refuseRenamed("dataset", datasetName);
            throw Names.unknown("dataset", datasetName, datasetOwners.keySet(), "flowbench tasks");
        }
        return p.generator(datasetName).orElseThrow(() -> new IllegalStateException(
                p.getClass().getName() + " lists dataset '" + datasetName + "' but has no generator for it"));
    }

    /** A name a provider renamed: an error that gives the new name (and OGBench's own, where there is one). */
    private void refuseRenamed(String kind, String name) {
        for (TaskProvider p : new java.util.LinkedHashSet<>(taskOwners.values())) {
            Optional<String> now = p.renamedTo(name);
            if (now.isPresent()) {
                throw new IllegalArgumentException(kind + " '" + name + "' was renamed to '" + now.get() + "' (flowbench's own "
                        + "re-implementation; OGBench's environment of that name, where there is one, is 'ogbench:" + name
                        + "', served through the bridge); the data and the numbers are unchanged");
            }
        }
    }

    /** The current name of a renamed task or dataset (for migrating records), if any provider renamed it. */
    public Optional<String> renamedTo(String oldName) {
        for (TaskProvider p : new java.util.LinkedHashSet<>(taskOwners.values())) {
            Optional<String> now = p.renamedTo(oldName);
            if (now.isPresent()) return now;
        }
        return Optional.empty();
    }

    public Algorithm<?> algorithm(String name) {
        Algorithm<?> a = algorithms.get(name);
        if (a == null) throw Names.unknown("algorithm", name, algorithms.keySet(), "flowbench algorithms");
        return a;
    }

    public BenchProvider bench(String name) {
        BenchProvider b = benches.get(name);
        if (b == null) throw Names.unknown("bench", name, benches.keySet(), "flowbench bench");
        return b;
    }

    /** Every task, by name. */
    public Map<String, Task> tasks() {
        Map<String, Task> out = new LinkedHashMap<>();
        for (String n : taskOwners.keySet()) out.put(n, task(n));
        return Collections.unmodifiableMap(out);
    }

    public List<Algorithm<?>> algorithms() {
        return List.copyOf(algorithms.values());
    }

    public List<BenchProvider> benches() {
        return List.copyOf(benches.values());
    }
}
