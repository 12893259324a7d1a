package flowbench.tasks.ogbench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import flowbench.harness.data.DatasetGenerator;
import flowbench.harness.io.ProgressListener;
import flowbench.harness.env.Task;
import flowbench.harness.spi.TaskProvider;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Registers every dataset of {@link OgbenchDataset#ALL} under the name {@code ogbench:<OGBench dataset name>}. Those of
 * {@link #SPECS} (OGBench's scripted-oracle datasets of pointmaze, cube single/double, scene and puzzle 3x3/4x4) are
 * generated through the Python bridge by {@link OgbenchDatasetGenerator}, into {@code <data>/ogbench/} (see
 * {@code Runner.datasetFile}). The others ({@link #DOWNLOAD_ONLY}: the ant, humanoid and antsoccer datasets, which
 * OGBench collected with trained SAC experts flowbench does not have, the play datasets of cube triple/quadruple and
 * puzzle 4x5/4x6, and every {@code noisy} dataset) are OGBench's downloaded files: their generator refuses, saying how to
 * download them ({@link #downloadHint}); {@code --data ~/.ogbench/data} then finds them in OGBench's own layout
 * ({@code Runner.locateDataset}). This provider registers datasets only; the {@code ogbench:} tasks that train on them
 * are registered by the bridge's task provider.
 *
 * <p>Default sizes are OGBench's ({@code data_gen_scripts/commands.sh}; docs/benchmarks.md section 1.3): navigate 1000 x 1000
 * (giant 500 x 2000), stitch 5000 x 200, play 1000 x 1000. The table must equal the bridge's
 * ({@code python -m flowbench_ogbench.generate --list}); a test checks that.
 */
public final class OgbenchDatasets implements TaskProvider {
    public static final String PREFIX = "ogbench:";

    /**
     * @param name     OGBench's dataset name, e.g. {@code puzzle-3x3-play-v0}
     * @param env      the gymnasium environment id the data are collected in
     * @param episodes default training episodes
     * @param steps    default steps per episode (each episode has steps + 1 rows)
     */
    public record Spec(String name, String env, int episodes, int steps) {}

    public static final Map<String, Spec> SPECS;

    static {
        Map<String, Spec> m = new LinkedHashMap<>();
        for (String maze : List.of("medium", "large", "giant", "teleport")) {
            boolean giant = maze.equals("giant");
            add(m, new Spec("pointmaze-" + maze + "-navigate-v0", "pointmaze-" + maze + "-v0", giant ? 500 : 1000, giant ? 2000 : 1000));
            add(m, new Spec("pointmaze-" + maze + "-stitch-v0", "pointmaze-" + maze + "-v0", 5000, 200));
        }
        add(m, new Spec("cube-single-play-v0", "cube-single-v0", 1000, 1000));
        add(m, new Spec("cube-double-play-v0", "cube-double-v0", 1000, 1000));
        add(m, new Spec("scene-play-v0", "scene-v0", 1000, 1000));
        add(m, new Spec("puzzle-3x3-play-v0", "puzzle-3x3-v0", 1000, 1000));
        add(m, new Spec("puzzle-4x4-play-v0", "puzzle-4x4-v0", 1000, 1000));
        SPECS = Collections.unmodifiableMap(m);
    }

    /**
     * Why a dataset of {@link #DOWNLOAD_ONLY} is not generated here.
     */
    public enum Source {
        /** OGBench collected it with its trained SAC ant/humanoid experts ({@code data_gen_scripts/generate_locomaze.py}). */
        EXPERT("OGBench collected it with trained SAC locomotion experts (data_gen_scripts/generate_locomaze.py with "
                + "expert checkpoints), which flowbench does not have"),
        /** OGBench's scripted oracles, but a dataset kind or env size flowbench's generator does not implement yet. */
        NOT_BUILT("flowbench's oracle generator covers the play datasets of cube single/double, scene and puzzle "
                + "3x3/4x4 only, not this one");

        private final String why;

        Source(String why) {
            this.why = why;
        }

        public String why() {
            return why;
        }
    }

    /**
     * A dataset that only OGBench's download provides, with OGBench's size (docs/benchmarks.md section 1.3).
     *
     * @param name     OGBench's dataset name
     * @param episodes OGBench's training episodes
     * @param steps    OGBench's steps per episode
     * @param source   why flowbench does not generate it
     */
    public record DownloadOnly(String name, int episodes, int steps, Source source) {}

    /** OGBench's state-based datasets that flowbench does not generate: every entry of {@link OgbenchDataset#ALL} not in {@link #SPECS}. */
    public static final Map<String, DownloadOnly> DOWNLOAD_ONLY;

    static {
        Map<String, DownloadOnly> m = new LinkedHashMap<>();
        for (String maze : List.of("medium", "large", "giant", "teleport")) {
            boolean giant = maze.equals("giant");
            put(m, new DownloadOnly("antmaze-" + maze + "-navigate-v0", giant ? 500 : 1000, giant ? 2000 : 1000, Source.EXPERT));
            put(m, new DownloadOnly("antmaze-" + maze + "-stitch-v0", 5000, 200, Source.EXPERT));
            if (!giant) put(m, new DownloadOnly("antmaze-" + maze + "-explore-v0", 10000, 500, Source.EXPERT));
        }
        for (String maze : List.of("medium", "large", "giant")) {
            boolean giant = maze.equals("giant");
            put(m, new DownloadOnly("humanoidmaze-" + maze + "-navigate-v0", 1000, giant ? 4000 : 2000, Source.EXPERT));
            put(m, new DownloadOnly("humanoidmaze-" + maze + "-stitch-v0", giant ? 10000 : 5000, 400, Source.EXPERT));
        }
        put(m, new DownloadOnly("antsoccer-arena-navigate-v0", 1000, 1000, Source.EXPERT));
        put(m, new DownloadOnly("antsoccer-arena-stitch-v0", 5000, 200, Source.EXPERT));
        put(m, new DownloadOnly("antsoccer-medium-navigate-v0", 4000, 1000, Source.EXPERT));
        put(m, new DownloadOnly("antsoccer-medium-stitch-v0", 8000, 500, Source.EXPERT));
        for (String kind : List.of("play", "noisy")) {
            if (kind.equals("noisy")) {
                put(m, new DownloadOnly("cube-single-noisy-v0", 1000, 1000, Source.NOT_BUILT));
                put(m, new DownloadOnly("cube-double-noisy-v0", 1000, 1000, Source.NOT_BUILT));
            }
            put(m, new DownloadOnly("cube-triple-" + kind + "-v0", 3000, 1000, Source.NOT_BUILT));
            put(m, new DownloadOnly("cube-quadruple-" + kind + "-v0", 5000, 1000, Source.NOT_BUILT));
            if (kind.equals("noisy")) {
                put(m, new DownloadOnly("scene-noisy-v0", 1000, 1000, Source.NOT_BUILT));
                put(m, new DownloadOnly("puzzle-3x3-noisy-v0", 1000, 1000, Source.NOT_BUILT));
                put(m, new DownloadOnly("puzzle-4x4-noisy-v0", 1000, 1000, Source.NOT_BUILT));
            }
            put(m, new DownloadOnly("puzzle-4x5-" + kind + "-v0", 3000, 1000, Source.NOT_BUILT));
            put(m, new DownloadOnly("puzzle-4x6-" + kind + "-v0", 5000, 1000, Source.NOT_BUILT));
        }
        DOWNLOAD_ONLY = Collections.unmodifiableMap(m);
    }

    private static void put(Map<String, DownloadOnly> m, DownloadOnly d) {
        if (SPECS.containsKey(d.name()) || m.put(d.name(), d) != null) throw new IllegalStateException("listed twice: " + d.name());
    }

    /**
     * How to get OGBench's files of {@code dataset} (OGBench's name, without the prefix) and point flowbench at them.
     */
    public static String downloadHint(String dataset) {
        return "Download OGBench's files instead, e.g. with the bridge's Python:\n"
                + "  " + OgbenchPython.find().map(Object::toString).orElse(".venv-ogbench/bin/python")
                + " -c \"import ogbench; ogbench.download_datasets(['" + dataset + "'])\"\n"
                + "which writes ~/.ogbench/data/" + dataset + ".npz and " + dataset + "-val.npz (from "
                + "https://rail.eecs.berkeley.edu/datasets/ogbench/" + dataset + ".npz and -val.npz; no checksum is "
                + "published), then run with --data ~/.ogbench/data (OGBench's layout), or put both files into "
                + "<data>/ogbench/.";
    }

    private static void add(Map<String, Spec> m, Spec s) {
        m.put(s.name(), s);
    }

    @Override
    public List<String> taskNames() {
        return List.of();
    }

    @Override
    public Optional<Task> task(String name) {
        return Optional.empty();
    }

    /** Every OGBench dataset: the generated ones ({@link #SPECS}), then the downloaded ones ({@link #DOWNLOAD_ONLY}). */
    @Override
    public List<String> datasetNames() {
        List<String> out = new ArrayList<>();
        for (String n : SPECS.keySet()) out.add(PREFIX + n);
        for (String n : DOWNLOAD_ONLY.keySet()) out.add(PREFIX + n);
        return out;
    }

    @Override
    public Optional<DatasetGenerator> generator(String datasetName) {
        if (datasetName == null || !datasetName.startsWith(PREFIX)) return Optional.empty();
        String name = datasetName.substring(PREFIX.length());
        Spec s = SPECS.get(name);
        if (s != null) return Optional.of(new OgbenchDatasetGenerator(s));
        DownloadOnly d = DOWNLOAD_ONLY.get(name);
        return d == null ? Optional.empty() : Optional.of(new Refusing(d));
    }

    /** The "generator" of a downloaded dataset: reports OGBench's size, and refuses to generate, saying how to download. */
    static final class Refusing implements DatasetGenerator {
        private final DownloadOnly d;

        Refusing(DownloadOnly d) {
            this.d = d;
        }

        @Override
        public String datasetName() {
            return PREFIX + d.name();
        }

        @Override
        public int defaultEpisodes() {
            return d.episodes();
        }

        @Override
        public int defaultSteps() {
            return d.steps();
        }

        /** The refusal, naming the dataset, why, and how to download it. */
        String message() {
            return "dataset '" + datasetName() + "' cannot be generated by flowbench: " + d.source().why() + ". "
                    + downloadHint(d.name());
        }

        @Override
        public void generate(int episodes, int steps, long seed, Path trainFile, Path valFile, ProgressListener progress) {
            throw new UnsupportedOperationException(message());
        }

        @Override
        public ObjectNode generateWithProvenance(int episodes, int steps, long seed, Path trainFile, Path valFile,
                                                 ProgressListener progress) {
            throw new UnsupportedOperationException(message());
        }
    }
}
