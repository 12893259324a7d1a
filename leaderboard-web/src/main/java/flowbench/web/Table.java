package flowbench.web;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A table shown on a page and downloadable as CSV and JSON from the same data, so the three never disagree.
 * Cells are plain values (String, Number, Boolean or null); a cell may carry a site-relative link for the HTML view.
 */
public final class Table {
    /** One cell: the value, and optionally a link (HTML only) and a display text different from the value. */
    public record Cell(Object value, String href, String display) {}

    private final String id;
    private final String title;
    private final List<String> columns;
    private final List<List<Cell>> rows = new ArrayList<>();

    public Table(String id, String title, List<String> columns) {
        this.id = id;
        this.title = title;
        this.columns = List.copyOf(columns);
    }

    public String id() {
        return id;
    }

    public String title() {
        return title;
    }

    public List<String> columns() {
        return columns;
    }

    public int size() {
        return rows.size();
    }

    /** The rows as added (read-only). */
    public List<List<Cell>> rows() {
        return java.util.Collections.unmodifiableList(rows);
    }

    public static Cell cell(Object value) {
        return new Cell(value, null, null);
    }

    public static Cell link(Object value, String href) {
        return new Cell(value, href, null);
    }

    /** A value displayed differently in HTML (e.g. "0.52 [0.40, 0.61]") but exported as the raw value. */
    public static Cell shown(Object value, String display) {
        return new Cell(value, null, display);
    }

    /** Adds a row; plain objects are wrapped with {@link #cell}. */
    public Table row(Object... values) {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException("table " + id + " has " + columns.size() + " columns, row has " + values.length);
        }
        List<Cell> r = new ArrayList<>(values.length);
        for (Object v : values) r.add(v instanceof Cell c ? c : cell(v));
        rows.add(r);
        return this;
    }

    /** Writes the table as HTML, every cell escaped. */
    public void html(StringBuilder out) {
        out.append("<table class=\"data\" id=\"table-").append(Html.esc(id)).append("\"><thead><tr>");
        for (String c : columns) out.append("<th>").append(Html.esc(c)).append("</th>");
        out.append("</tr></thead><tbody>");
        for (List<Cell> r : rows) {
            out.append("<tr>");
            for (Cell c : r) {
                boolean num = c.value() instanceof Number;
                out.append(num ? "<td class=\"num\">" : "<td>");
                String text = c.display() != null ? c.display() : format(c.value());
                if (c.href() != null) out.append(Html.link(c.href(), text));
                else out.append(Html.esc(text));
                out.append("</td>");
            }
            out.append("</tr>");
        }
        out.append("</tbody></table>");
    }

    /**
     * RFC 4180 CSV with a header row. Text cells that a spreadsheet would run as a formula (leading {@code = + - @},
     * tab or carriage return) get a leading apostrophe (OWASP "CSV injection"); numbers are written as numbers.
     */
    public String csv() {
        StringWriter w = new StringWriter();
        try (CSVPrinter p = new CSVPrinter(w, CSVFormat.RFC4180.builder().setRecordSeparator("\n").get())) {
            p.printRecord(columns);
            for (List<Cell> r : rows) {
                List<String> out = new ArrayList<>(r.size());
                for (Cell c : r) {
                    Object v = c.value();
                    String s = v == null ? "" : v instanceof Number n ? numberText(n) : v.toString();
                    if (!(v instanceof Number) && !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0) s = "'" + s;
                    out.add(s);
                }
                p.printRecord(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /** JSON: {@code {"table": id, "columns": [...], "rows": [{column: value, ...}, ...]}}. */
    public ObjectNode json() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("table", id);
        root.put("title", title);
        ArrayNode cols = root.putArray("columns");
        columns.forEach(cols::add);
        ArrayNode arr = root.putArray("rows");
        for (List<Cell> r : rows) {
            ObjectNode o = arr.addObject();
            for (int i = 0; i < columns.size(); i++) {
                Object v = r.get(i).value();
                String k = columns.get(i);
                if (v == null) o.putNull(k);
                else if (v instanceof Integer n) o.put(k, n);
                else if (v instanceof Long n) o.put(k, n);
                else if (v instanceof Double n) {
                    if (Double.isFinite(n)) o.put(k, n);
                    else o.putNull(k);
                } else if (v instanceof Number n) o.put(k, n.doubleValue());
                else if (v instanceof Boolean bo) o.put(k, bo);
                else o.put(k, v.toString());
            }
        }
        return root;
    }

    private static String numberText(Number n) {
        if (n instanceof Double d) return Double.isFinite(d) ? Double.toString(d) : "";
        return n.toString();
    }

    /** Display form: doubles with 3 decimals, everything else as text. */
    static String format(Object v) {
        if (v == null) return "";
        if (v instanceof Double d) return Double.isFinite(d) ? String.format(Locale.ROOT, "%.3f", d) : "–";
        return v.toString();
    }
}
