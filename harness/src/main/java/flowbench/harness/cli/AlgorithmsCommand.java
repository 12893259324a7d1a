package flowbench.harness.cli;

import flowbench.harness.agent.Algorithm;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.Configs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "algorithms", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Lists the registered algorithms: name, family, paper, description and the default config of "
                + "each profile (any field can be overridden with 'flowbench run --set key=value').", ""})
final class AlgorithmsCommand implements Callable<Integer> {
    static final List<String> PROFILES = List.of("paper", "cpu");

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = "--brief", description = "Names, families and papers only.")
    boolean brief;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        List<Algorithm<?>> algorithms = main.context.registry().get().algorithms();
        if (algorithms.isEmpty()) {
            o.println("no algorithms registered (is the baselines module on the class path?)");
        }
        for (Algorithm<?> a : algorithms) {
            o.println(a.name() + "  [" + a.family() + "]  " + a.paper());
            if (brief) continue;
            o.println("  " + a.description());
            for (String p : PROFILES) {
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
