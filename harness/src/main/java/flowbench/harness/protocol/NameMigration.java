package flowbench.harness.protocol;

import flowbench.harness.io.AtomicFiles;
import flowbench.harness.io.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Brings a results or report folder up to renamed task families ({@link Registry#renamedTo}): every run record gets
 * the new task and dataset names and the run id they imply (the data, configs and numbers are unchanged, so nothing
 * is re-run), run folders move to where the runner would put them, and the folder's text files (summaries, reports,
 * CSV) have the old names replaced. OGBench's own names ({@code ogbench:...}, {@code ogbench/...}) are never touched.
 */
public final class NameMigration {
    private NameMigration() {}

    /** What changed: old name to new name, records rewritten, folders moved, text files rewritten. */
    public record Result(Map<String, String> renamed, int records, int moved, int textFiles) {}

    private static final Set<String> TEXT = Set.of("md", "csv", "json", "txt", "svg");

    public static Result migrate(Registry registry, Path root, boolean dryRun) throws IOException {
        List<Path> records;
        try (Stream<Path> s = Files.walk(root)) {
            records = s.filter(p -> p.getFileName().toString().equals(Runner.RUN_JSON)).sorted().toList();
        }
        Map<String, String> renamed = new TreeMap<>();
        int rewritten = 0, moved = 0;
        List<Path[]> moves = new ArrayList<>();
        for (Path f : records) {
            RunRecord r = Json.read(f, RunRecord.class);
            String task = r.identity().task(), dataset = r.identity().datasetName();
            String newTask = registry.renamedTo(task).orElse(task);
            String newDataset = registry.renamedTo(dataset).orElse(dataset);
            if (newTask.equals(task) && newDataset.equals(dataset)) continue;
            renamed.put(task, newTask);
            renamed.put(dataset, newDataset);
            RunRecord out = renamed(r, newTask, newDataset);
            if (!dryRun) Json.writeAtomically(f, out);
            rewritten++;
            // <root>/<task>/<algorithm>/seed<k>: the run folder follows its task's name
            Path runDir = f.getParent();
            Path oldTaskDir = runDir.getParent() == null ? null : runDir.getParent().getParent();
            if (oldTaskDir != null && oldTaskDir.getFileName().toString().equals(task)) {
                moves.add(new Path[] {oldTaskDir, oldTaskDir.resolveSibling(newTask)});
            }
        }
        for (Path[] m : moves.stream().distinct().toList()) {
            if (!Files.exists(m[0])) continue; // several runs share one task folder
            if (Files.exists(m[1])) {
                throw new IllegalStateException("cannot move " + m[0] + " to " + m[1] + ": the target exists (merge by hand)");
            }
            if (!dryRun) Files.move(m[0], m[1]);
            moved++;
        }
        int texts = 0;
        if (!renamed.isEmpty()) {
            List<Path> textFiles;
            try (Stream<Path> s = Files.walk(root)) {
                textFiles = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals(Runner.RUN_JSON))
                        .filter(p -> TEXT.contains(extension(p))).sorted().toList();
            }
            for (Path t : textFiles) {
                String before = Files.readString(t, StandardCharsets.UTF_8);
                String after = replaceNames(before, renamed);
                if (!after.equals(before)) {
                    if (!dryRun) AtomicFiles.writeString(t, after);
                    texts++;
                }
            }
        }
        return new Result(renamed, rewritten, moved, texts);
    }

    /**
     * The record under its new task and dataset names, with the run id those imply (everything else as it was: the
     * data, config and numbers do not change with a name).
     */
    public static RunRecord renamed(RunRecord r, String newTask, String newDataset) {
        String dataset = r.identity().datasetName();
        RunSpec spec = r.spec();
        RunSpec newSpec = new RunSpec(spec.algorithm(), newTask, spec.datasetDir(), spec.seed(), spec.profile(),
                spec.overrides(), spec.protocol());
        List<RunRecord.DatasetFile> files = new ArrayList<>();
        for (RunRecord.DatasetFile d : r.datasets()) {
            files.add(new RunRecord.DatasetFile(d.role(), renameFile(d.file(), dataset, newDataset), d.sha256(),
                    d.transitions(), d.mode(), d.provenance()));
        }
        String runId = Runner.runId(newSpec, r.configHash(), files.stream().map(RunRecord.DatasetFile::sha256).toList());
        RunRecord.Identity id = r.identity();
        return new RunRecord(r.schemaVersion(), r.status(), new RunRecord.Identity(id.algorithm(), id.algorithmPaper(),
                id.algorithmFamily(), newTask, newDataset, id.seed(), runId), newSpec, r.profile(), r.config(),
                r.configHash(), r.parameterCount(), files, r.protocol(), r.evaluations(), r.summary(), r.timing(),
                r.machine(), r.software(), r.startedAt(), r.finishedAt(), r.resumes(), r.domain(), r.external(), r.failure());
    }

    /** Each old name where it stands as a name: not inside a longer name, not after OGBench's prefix. */
    public static String replaceNames(String text, Map<String, String> renamed) {
        List<String> olds = new ArrayList<>(renamed.keySet());
        olds.sort(Comparator.comparingInt(String::length).reversed());
        String out = text;
        for (String old : olds) {
            if (old.equals(renamed.get(old))) continue;
            Matcher m = Pattern.compile("(?<![\\w.:/-])" + Pattern.quote(old) + "(?![\\w])").matcher(out);
            out = m.replaceAll(Matcher.quoteReplacement(renamed.get(old)));
            // file and folder names: .../<old>.npz, .../<old>-val.npz, <root>/<old>/..., except under ogbench/
            m = Pattern.compile("(?<!ogbench)/" + Pattern.quote(old) + "(?=[-./])").matcher(out);
            out = m.replaceAll(Matcher.quoteReplacement("/" + renamed.get(old)));
        }
        return out;
    }

    private static String renameFile(String file, String oldDataset, String newDataset) {
        int slash = file.lastIndexOf('/');
        String dir = file.substring(0, slash + 1), base = file.substring(slash + 1);
        if (dir.endsWith("ogbench/") || !base.startsWith(oldDataset.replace(".npz", "").replaceAll("-v0$", ""))) return file;
        String stem = oldDataset.replaceAll("-v0$", "");
        String newStem = newDataset.replaceAll("-v0$", "");
        return dir + newStem + base.substring(stem.length());
    }

    private static String extension(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1);
    }
}
