package flowbench.harness.cli;

import flowbench.harness.protocol.NameMigration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "migrate-names", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Brings a results or report folder up to renamed task families (e.g. pointmaze-... -> jpointmaze-..., "
                + "puzzle-... -> lightsout-...): run records get the new names and run ids, run folders move, summaries "
                + "and report files have the names replaced. Data, configs and numbers are unchanged; nothing is re-run. "
                + "OGBench's own names (ogbench:...) are never touched.", ""},
        footer = {"", "Example: flowbench migrate-names --results runs/quickstart --dry-run"})
final class MigrateNamesCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = "--results", required = true, paramLabel = "DIR", description = "Folder searched for run.json files.")
    Path results;

    @Option(names = "--dry-run", description = "Say what would change; change nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(results)) throw new IllegalArgumentException("--results " + results + " is not a folder");
        NameMigration.Result r = NameMigration.migrate(main.context.registry().get(), results, dryRun);
        PrintWriter o = spec.commandLine().getOut();
        r.renamed().forEach((a, b) -> { if (!a.equals(b)) o.println("  " + a + " -> " + b); });
        o.printf("%s%d run records, %d folders moved, %d text files%n", dryRun ? "would change: " : "changed: ", r.records(),
                r.moved(), r.textFiles());
        o.flush();
        return 0;
    }
}
