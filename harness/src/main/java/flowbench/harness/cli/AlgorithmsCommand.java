package flowbench.harness.cli;

import flowbench.harness.agent.Algorithm;
import flowbench.harness.domain.Domain;
import flowbench.harness.domain.DomainSetting;
import flowbench.harness.domain.Domains;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.Configs;
import flowbench.harness.protocol.Registry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "algorithms", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Lists the registered algorithms: name, family, paper, description and the default config of "
                + "each profile (any field can be overridden with 'flowbench run --set key=value').",
                "With --task, shows the config each algorithm runs with on that task: the profile's defaults, then the "
                + "per-domain values of the reference column the task follows (each with its source), as 'flowbench run' "
                + "resolves them.", ""},
        footer = {"", "Example: flowbench algorithms --task ogbench:puzzle-3x3-play-singletask-task1-sparse-v0 --profile paper fql qam"})
final class AlgorithmsCommand implements Callable<Integer> {
    static final List<String> PROFILES = List.of("paper", "cpu");

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = "--brief", description = "Names, families and papers only.")
    boolean brief;

    @Option(names = "--task", paramLabel = "TASK", description = "Resolve each config for this task's domain column.")
    String task;

    @Option(names = "--profile", paramLabel = "PROFILE", description = "Only this profile (paper or cpu); default: both.")
    String profile;

    @Parameters(paramLabel = "ALGORITHM", arity = "0..*", description = "Only these algorithms (default: all).")
    List<String> only = new ArrayList<>();

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        Registry registry = main.context.registry().get();
        List<Algorithm<?>> algorithms = new ArrayList<>();
        if (only.isEmpty()) algorithms.addAll(registry.algorithms());
        for (String name : only) algorithms.add(registry.algorithm(name));
        List<String> profiles = profile == null ? PROFILES : List.of(profile);
        if (profile != null && !PROFILES.contains(profile)) {
            throw new IllegalArgumentException("--profile is '" + profile + "'; expected one of " + PROFILES);
        }
        if (task != null) {
            registry.task(task);
            return resolved(o, algorithms, profiles, Domains.of(task));
        }
        if (algorithms.isEmpty()) {
            o.println("no algorithms registered (is the baselines module on the class path?)");
        }
        for (Algorithm<?> a : algorithms) {
            o.println(a.name() + "  [" + a.family() + "]  " + a.paper());
            if (brief) continue;
            o.println("  " + a.description());
            for (String p : profiles) {
                String cfg;
                try {
                    Record r = a.defaultConfig(p);
                    cfg = r == null ? "(no such profile)" : Json.canonical(Configs.toJson(r)).equals("{}") ? "{}" : compact(r);
                } catch (RuntimeException e) {
                    cfg = "(no such profile: " + e.getMessage() + ")";
                }
                o.println("  " + p + ": " + cfg);
            }
            o.println();
        }
        o.flush();
        return 0;
    }

    private int resolved(PrintWriter o, List<Algorithm<?>> algorithms, List<String> profiles, Domain d) {
        o.println("task " + task + " follows column " + d.column() + ": " + d.why());
        if (d.rewardMismatch() != null) o.println("warning: " + d.rewardMismatch());
        o.println();
        for (Algorithm<?> a : algorithms) {
            o.println(a.name() + "  [" + a.family() + "]  " + a.paper());
            for (String p : profiles) {
                Configs.Resolved<?> r = Configs.resolve(a, p, d, Map.of());
                o.println("  " + p + ": " + compact(r.config()));
                int w = r.applied().stream().mapToInt(s -> s.key().length() + s.value().length()).max().orElse(0) + 3;
                for (DomainSetting s : r.applied()) {
                    String kv = s.key() + " = " + s.value();
                    o.println("    " + kv + " ".repeat(Math.max(1, w + 1 - kv.length())) + s.source());
                }
            }
            o.println();
        }
        o.flush();
        return 0;
    }

    /** Fields in declaration order, one line. */
    private static String compact(Record r) {
        try {
            return Json.mapper().writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(r);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
