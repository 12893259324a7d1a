package flowbench.harness.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "datasets", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Generates and inspects OGBench-format .npz datasets.",
        subcommands = {GenerateCommand.class, InspectCommand.class})
final class DatasetsCommand implements Runnable {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
