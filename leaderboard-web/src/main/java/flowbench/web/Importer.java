package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.io.Json;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.protocol.Suite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Imports a harness results folder (what {@code flowbench suite run} writes): every {@code summary.json} registers its
 * suite (unless a shipped or file definition is already known), every complete {@code run.json} is stored as
 * "reproduced" (a submitted run of the same key only when the harness's record reproduces it, {@link Reproduction};
 * else it stays "submitted" with the note, counted and listed in the report). A {@code superseded.json} beside the folder (a published report's {@code reports/<suite>/<version>/},
 * see {@link Superseded}) marks the suite version of the folder's runs as superseded; importing the folder again
 * without it clears the mark. Every file is read and checked before anything is stored: one that cannot be read stops
 * the import with its file and reason (and field), and nothing is stored. All runs and the note land in one
 * transaction. Runs still in progress (status "running") are skipped and counted.
 *
 * <p>Runs whose suite no definition registers (ad-hoc runs, {@code adhoc/0}, or a folder without its
 * {@code summary.json}) are stored apart as unregistered ({@link Store#importResults}): served on their own page, per
 * task, never ranked and never on a registered suite's board. Every check above applies to them as well.
 *
 * <p>The folder is the operator's own (a command-line argument), never a request parameter. Symbolic links are not
 * followed.
 */
public final class Importer {
    /** Deep enough for results/<task>/<algorithm>/seed<k>/run.json plus an enclosing folder or two. */
    static final int MAX_DEPTH = 8;

    private Importer() {}

    /**
     * @param superseded   the suite version the folder's superseded note marks, or null
     * @param unregistered suites of stored runs that no definition registers (stored as unregistered, not ranked)
     */
    public record Report(int files, int skippedRunning, List<String> warnings, Store.WriteReport written,
                         String superseded, List<String> unregistered) {
        /**
         * One line of counts, then one indented line per submitted run the harness did not reproduce (its id, key,
         * the harness record and the note).
         */
        public String describe(Path root) {
            StringBuilder b = new StringBuilder(String.format(java.util.Locale.ROOT, "%s: %d run records (%d new, %d"
                            + " reproduced submissions, %d updated, %d unchanged, %d submissions not reproduced, %d still"
                            + " running and skipped)%s%s", root, files, written.inserted(), written.reproduced(),
                    written.updated(), written.unchanged(), written.notReproduced(), skippedRunning,
                    superseded == null ? "" : "; suite " + superseded + " marked superseded (" + Superseded.FILE + ")",
                    unregistered.isEmpty() ? "" : "; unregistered (no suite definition, not ranked): "
                            + String.join(", ", unregistered)));
            for (String n : written.notReproducedNotes()) b.append(System.lineSeparator()).append("  ").append(n);
            return b.toString();
        }
    }

    public static Report importFolder(Path root, Store store) throws IOException, SQLException {
        if (!Files.isDirectory(root)) throw new IOException(root + ": not a folder (--results expects a harness results folder)");
        List<Path> summaries = new ArrayList<>();
        List<Path> records = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root, MAX_DEPTH)) {
            s.filter(Files::isRegularFile).sorted().forEach(p -> {
                String n = p.getFileName().toString();
                if (n.equals("summary.json")) summaries.add(p);
                else if (n.equals("run.json")) records.add(p);
            });
        }
        List<String> warnings = new ArrayList<>();
        Path noteFile = Superseded.fileFor(root);
        Superseded.Notice note = noteFile == null ? null : Superseded.read(noteFile, warnings).orElse(null);
        // suites are registered only once every file has been checked, so a bad file leaves nothing behind
        List<Suite> defs = new ArrayList<>();
        Set<String> suites = new TreeSet<>();
        for (Path p : summaries) {
            JsonNode tree;
            try {
                tree = Json.mapper().readTree(p.toFile());
            } catch (IOException e) {
                throw new IOException(p + ": not valid JSON: " + BundleValidator.rootMessage(e), e);
            }
            JsonNode suite = tree.get("suite");
            if (suite == null || !suite.isObject()) {
                warnings.add(p + ": no 'suite' object; not a suite summary, ignored");
                continue;
            }
            Suite def;
            try {
                def = Json.mapper().treeToValue(suite, Suite.class);
            } catch (IOException | RuntimeException e) {
                throw new IOException(p + ": field 'suite' is not a valid suite: " + BundleValidator.rootMessage(e), e);
            }
            defs.add(def);
            suites.add(def.name() + "/" + def.version());
        }
        List<Store.ParsedRun> runs = new ArrayList<>();
        int running = 0;
        for (Path p : records) {
            String text = Files.readString(p, StandardCharsets.UTF_8);
            JsonNode tree;
            try {
                tree = Json.mapper().readTree(text);
            } catch (IOException e) {
                throw new IOException(p + ": not valid JSON: " + BundleValidator.rootMessage(e), e);
            }
            List<RecordSchema.Problem> problems = RecordSchema.check(tree, RunRecord.class, "run");
            if (!problems.isEmpty()) {
                throw new IOException(p + ": not a run record this leaderboard reads: " + problems.get(0)
                        + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
            }
            RunRecord r;
            try {
                r = Json.mapper().treeToValue(tree, RunRecord.class);
            } catch (IOException | RuntimeException e) {
                throw new IOException(p + ": not a valid run record: " + BundleValidator.rootMessage(e), e);
            }
            if (r.schemaVersion() != RunRecord.SCHEMA_VERSION) {
                throw new IOException(p + ": field 'schemaVersion' is " + r.schemaVersion() + "; expected "
                        + RunRecord.SCHEMA_VERSION);
            }
            suites.add(r.protocol().suite());
            if (!r.complete()) {
                running++;
                continue;
            }
            runs.add(new Store.ParsedRun(r, text, p.toString()));
        }
        String marked = null;
        if (note != null && note.superseded()) {
            if (suites.size() > 1) {
                throw new IOException(noteFile + ": a superseded note marks one suite version, but " + root + " holds runs"
                        + " of " + suites.size() + " suites (" + String.join(", ", suites) + "); give each report its own"
                        + " folder");
            }
            if (suites.isEmpty()) warnings.add(noteFile + ": " + root + " holds no run records, so no suite is marked superseded");
            else marked = suites.iterator().next();
        }
        for (Suite def : defs) {
            String w = store.putSuite(def, "results");
            if (w != null) warnings.add(w);
        }
        Store.SupersededMark mark = noteFile == null ? null
                : new Store.SupersededMark(noteFile.toString(), marked, marked == null ? null : note);
        Store.WriteReport w = store.importResults(runs, mark);
        Set<String> unregistered = new TreeSet<>();
        for (Store.ParsedRun r : runs) {
            String suite = r.record().protocol().suite();
            if (!unregistered.contains(suite) && store.suite(suite).isEmpty()) unregistered.add(suite);
        }
        for (String u : unregistered) {
            warnings.add(root + ": runs of suite " + u + " are stored as unregistered: no shipped suite, --suite FILE or"
                    + " summary.json defines " + u + ", so they are shown per task and never ranked");
        }
        return new Report(runs.size(), running, warnings, w, marked, List.copyOf(unregistered));
    }
}
