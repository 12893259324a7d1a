package flowbench.harness.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.ConfigDrift;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "check-configs", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Resolves every run record's config again (registry, profile, per-domain values, overrides) and "
                + "lists the configurations whose values differ from what was recorded: runs made before a change to the "
                + "defaults or the per-domain tables. Renamed keys with equal values do not count.",
                "With --superseded-reason, writes superseded.json next to the results folder (the report folder) when "
                + "something changed; the leaderboard shows it on the suite page.", ""},
        footer = {"", "Example: flowbench check-configs --results reports/ogbench-puzzle-3x3/0/runs"})
final class CheckConfigsCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = "--results", required = true, paramLabel = "DIR", description = "Folder searched for run.json files.")
    Path results;

    @Option(names = "--superseded-reason", paramLabel = "TEXT",
            description = "Write <DIR>/../superseded.json with this reason when any configuration changed.")
    String reason;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        if (!Files.isDirectory(results)) throw new IllegalArgumentException("--results " + results + " is not a folder");
        ConfigDrift.Result r = ConfigDrift.check(main.context.registry().get(), results);
        o.println(results + ": " + r.runs() + " runs, " + r.unchanged() + " unchanged, "
                + (r.runs() - r.unchanged()) + " made under configurations that differ today");
        for (ConfigDrift.Changed c : r.changed()) {
            o.println("  " + c.algorithm() + " on " + c.task() + " (" + c.profile() + (c.overrides().isEmpty() ? "" : ", " + c.overrides())
                    + "), " + c.runs() + " run(s):");
            for (Map.Entry<String, ConfigDrift.Change> e : c.changes().entrySet()) {
                o.println("    " + e.getKey() + ": was " + e.getValue().was() + ", now " + e.getValue().now());
            }
        }
        if (reason != null && !r.changed().isEmpty()) {
            Path out = results.toAbsolutePath().normalize().getParent().resolve("superseded.json");
            ObjectNode doc = Json.mapper().createObjectNode();
            doc.put("superseded", true);
            doc.put("since", LocalDate.now(ZoneOffset.UTC).toString());
            doc.put("reason", reason);
            doc.put("checkedWith", "flowbench check-configs: each run record's spec resolved again and its config compared"
                    + " value by value with the recorded one (renamed keys with equal values do not count)");
            ArrayNode list = doc.putArray("changedConfigs");
            for (ConfigDrift.Changed c : r.changed()) {
                ObjectNode e = list.addObject();
                e.put("algorithm", c.algorithm());
                e.put("task", c.task());
                e.put("profile", c.profile());
                e.put("runs", c.runs());
                ObjectNode ch = e.putObject("changes");
                c.changes().forEach((k, v) -> {
                    ObjectNode x = ch.putObject(k);
                    x.set("was", v.was());
                    x.set("now", v.now());
                });
            }
            Json.writeAtomically(out, doc);
            o.println("wrote " + out);
        }
        o.flush();
        return 0;
    }
}
