package flowbench.harness.protocol;

import flowbench.harness.io.AtomicFiles;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The rows of {@code train.csv}, kept in memory and written whole (atomically), so the file on disk is always a
 * complete table. A checkpoint stores a copy; resuming restores the rows from it, so rows written after the checkpoint
 * by the interrupted session are replaced, never duplicated.
 *
 * <p>Columns: {@code step}, {@code wall_s} (run wall-clock so far), the update metrics, then the validation metrics
 * prefixed {@code val/}, both sorted by name. The header is fixed by the first row (as OGBench's CsvLogger does);
 * a metric that first appears later is dropped with one warning, a missing one is left empty.
 */
final class TrainLog {
    static final String STEP = "step";
    static final String WALL = "wall_s";

    private List<String> header;
    private final List<List<String>> rows = new ArrayList<>();
    private final TreeSet<String> warned = new TreeSet<>();

    void add(long step, double wallSeconds, Map<String, Double> metrics, Map<String, Double> validation, PrintStream log) {
        if (header == null) {
            header = new ArrayList<>(List.of(STEP, WALL));
            header.addAll(new TreeSet<>(metrics.keySet()));
            for (String k : new TreeSet<>(validation.keySet())) header.add("val/" + k);
        }
        String[] row = new String[header.size()];
        java.util.Arrays.fill(row, "");
        row[0] = Long.toString(step);
        row[1] = Double.toString(Math.round(wallSeconds * 1000) / 1000.0);
        put(row, "", metrics, log);
        put(row, "val/", validation, log);
        rows.add(List.of(row));
    }

    private void put(String[] row, String prefix, Map<String, Double> values, PrintStream log) {
        for (Map.Entry<String, Double> e : values.entrySet()) {
            int col = header.indexOf(prefix + e.getKey());
            if (col < 0) {
                if (warned.add(prefix + e.getKey()) && log != null) {
                    log.println("warning: metric '" + prefix + e.getKey() + "' was not in the first train.csv row; it is not logged");
                }
                continue;
            }
            Double v = e.getValue();
            row[col] = v == null ? "" : Double.toString(v);
        }
    }

    int size() {
        return rows.size();
    }

    List<String> header() {
        return header == null ? List.of() : List.copyOf(header);
    }

    List<List<String>> rows() {
        return List.copyOf(rows);
    }

    /** Last logged step, or -1. */
    long lastStep() {
        return rows.isEmpty() ? -1 : Long.parseLong(rows.get(rows.size() - 1).get(0));
    }

    void write(Path file) throws IOException {
        AtomicFiles.write(file, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            try (CSVPrinter p = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setRecordSeparator('\n').get())) {
                if (header != null) {
                    p.printRecord(header);
                    for (List<String> r : rows) p.printRecord(r);
                }
                p.flush();
            }
        });
    }

    /** Reads a train.csv written by {@link #write}, keeping the rows with step &lt;= {@code maxStep}. */
    static TrainLog read(Path file, long maxStep) throws IOException {
        TrainLog log = new TrainLog();
        if (!Files.exists(file) || Files.size(file) == 0) return log;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser parser = CSVFormat.DEFAULT.parse(r)) {
            List<CSVRecord> records = parser.getRecords();
            if (records.isEmpty()) return log;
            log.header = new ArrayList<>(records.get(0).toList());
            if (log.header.size() < 2 || !log.header.get(0).equals(STEP)) {
                throw new IOException(file + ": first column must be '" + STEP + "', found " + log.header);
            }
            for (int i = 1; i < records.size(); i++) {
                List<String> row = records.get(i).toList();
                if (row.size() != log.header.size()) {
                    throw new IOException(file + ": row " + i + " has " + row.size() + " fields, expected " + log.header.size());
                }
                long step;
                try {
                    step = Long.parseLong(row.get(0));
                } catch (NumberFormatException e) {
                    throw new IOException(file + ": row " + i + " has step '" + row.get(0) + "', expected an integer");
                }
                if (step <= maxStep) log.rows.add(List.copyOf(row));
            }
        }
        return log;
    }

    /** eval.csv: one row per (evaluation, policy, task) with the task's mean outcomes. */
    static void writeEvalCsv(Path file, List<Evaluation> evaluations) throws IOException {
        AtomicFiles.write(file, out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            try (CSVPrinter p = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setRecordSeparator('\n').get())) {
                p.printRecord("step", "policy", "task", "success", "return", "length");
                for (Evaluation ev : evaluations) {
                    for (PolicyEvaluation pe : ev.policies()) {
                        for (TaskEvaluation te : pe.tasks()) {
                            p.printRecord(ev.step(), pe.policy(), te.taskId(), te.success(), te.meanReturn(), te.meanLength());
                        }
                    }
                }
                p.flush();
            }
        });
    }
}
