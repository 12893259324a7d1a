package flowbench.harness.cli;

import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.data.Npz;
import flowbench.harness.data.NpyHeader;
import flowbench.harness.data.Sha256;
import flowbench.harness.io.ProgressBar;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.protocol.DatasetGeneration;
import flowbench.harness.protocol.Registry;
import flowbench.harness.protocol.Runner;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Generates a dataset and its validation split: <out>/<dataset>.npz and <out>/<dataset>-val.npz "
                + "(max(1, episodes/10) episodes). Deterministic given the seed: same seed, same bytes, same SHA-256.", ""},
        footer = {"", "Example:", "  flowbench datasets generate --dataset pointmaze-medium-navigate-v0 \\",
                "      --episodes 100 --out data"})
final class GenerateCommand implements Callable<Integer> {
    @ParentCommand
    DatasetsCommand parent;

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    static final class Which {
        @Option(names = "--dataset", paramLabel = "NAME", required = true, description = "Dataset name, e.g. pointmaze-medium-navigate-v0.")
        String dataset;

        @Option(names = "--task", paramLabel = "NAME", required = true, description = "Generate the dataset this task trains on.")
        String task;
    }

    @Option(names = "--episodes", paramLabel = "N", description = "Training episodes (default: the generator's specification size).")
    Integer episodes;

    @Option(names = "--steps", paramLabel = "N", description = "Steps per episode (default: the generator's specification size).")
    Integer steps;

    @Option(names = "--seed", paramLabel = "N", description = "Generation seed (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("data");

    @Option(names = "--force", description = "Overwrite existing files.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        Registry registry = parent.main.context.registry().get();
        String name = which.dataset != null ? which.dataset : registry.task(which.task).datasetName();
        DatasetGenerator gen = registry.generator(name);
        int eps = episodes != null ? episodes : gen.defaultEpisodes();
        int st = steps != null ? steps : gen.defaultSteps();
        if (eps < 1) throw new ParameterException(spec.commandLine(), "--episodes must be >= 1, got " + eps);
        if (st < 1) throw new ParameterException(spec.commandLine(), "--steps must be >= 1, got " + st);
        Path train = Runner.datasetFile(out, name, false);
        Path val = Runner.datasetFile(out, name, true);
        if (!force && (Files.exists(train) || Files.exists(val))) {
            throw new IllegalStateException((Files.exists(train) ? train : val) + " already exists; pass --force to overwrite it");
        }
        ProgressListener progress = parent.main.context.progress().get();
        long t0 = System.nanoTime();
        DatasetGeneration.generate(gen, eps, st, seed, out, progress);
        if (progress instanceof ProgressBar bar) bar.finishLine();
        double seconds = (System.nanoTime() - t0) / 1e9;
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "dataset %s: %d episodes x %d steps, seed %d, generated in %.1fs%n", name, eps, st, seed, seconds);
        for (Path f : new Path[] {train, val}) {
            o.printf(Locale.ROOT, "  %s  rows %d  %d bytes  sha256 %s%n", f, rows(f), Files.size(f), Sha256.ofFile(f));
        }
        o.flush();
        return 0;
    }

    private static long rows(Path f) throws java.io.IOException {
        Map<String, NpyHeader> h = Npz.readHeaders(f);
        NpyHeader obs = h.get("observations");
        return obs == null || obs.ndim() == 0 ? -1 : obs.dim(0);
    }
}
