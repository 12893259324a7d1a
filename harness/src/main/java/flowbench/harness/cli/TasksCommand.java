package flowbench.harness.cli;

import flowbench.harness.env.EnvSpec;
import flowbench.harness.env.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "tasks", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Lists the registered tasks: mode, observation/action/goal dimensions, episode length, success "
                + "timing, evaluation task ids, dataset and reward convention.", ""})
final class TasksCommand implements Callable<Integer> {
    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        Map<String, Task> tasks = main.context.registry().get().tasks();
        if (tasks.isEmpty()) {
            o.println("no tasks registered (is the tasks module on the class path?)");
            o.flush();
            return 0;
        }
        int w = Math.max(4, tasks.keySet().stream().mapToInt(String::length).max().orElse(4));
        int dw = Math.max(7, tasks.values().stream().mapToInt(t -> t.datasetName().length()).max().orElse(7));
        String fmt = "%-" + w + "s  %-16s %4s %4s %4s %6s  %-6s %-11s %-" + dw + "s  %s%n";
        o.printf(Locale.ROOT, fmt, "task", "mode", "obs", "act", "goal", "length", "timing", "eval tasks", "dataset", "reward");
        for (Task t : tasks.values()) {
            EnvSpec s = t.spec();
            o.printf(Locale.ROOT, fmt, t.name(), t.mode().name().toLowerCase(Locale.ROOT).replace('_', '-'), s.obsDim(),
                    s.actionDim(), s.goalDim(), s.maxEpisodeSteps(), t.successTiming().name().toLowerCase(Locale.ROOT),
                    ids(t), t.datasetName(), t.rewardMode());
        }
        o.flush();
        return 0;
    }

    private static String ids(Task t) {
        var ids = t.evaluationTaskIds();
        if (ids.size() > 2) {
            boolean consecutive = true;
            for (int i = 1; i < ids.size(); i++) consecutive &= ids.get(i) == ids.get(i - 1) + 1;
            if (consecutive) return ids.get(0) + ".." + ids.get(ids.size() - 1);
        }
        return ids.toString().replace(" ", "");
    }
}
