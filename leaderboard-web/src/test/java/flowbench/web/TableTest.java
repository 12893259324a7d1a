package flowbench.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TableTest {
    private static Table sample() {
        Table t = new Table("demo", "Demo", List.of("name", "score", "n", "note"));
        t.row(Table.link("flow-bc", "/methods/flow-bc"), Table.shown(0.25, "0.250 [0.1, 0.4]"), 3, "a, \"quoted\" value");
        t.row("=HYPERLINK(\"http://evil\")", -0.5, 7L, "+1");
        t.row("@SUM(A1)", Double.NaN, null, "-2");
        return t;
    }

    @Test
    void csvQuotesAndDefusesFormulasButKeepsNumbers() throws Exception {
        List<CSVRecord> rows;
        try (CSVParser p = CSVParser.parse(new StringReader(sample().csv()), CSVFormat.RFC4180)) {
            rows = p.getRecords();
        }
        assertEquals(List.of("name", "score", "n", "note"), rows.get(0).toList());
        assertEquals(List.of("flow-bc", "0.25", "3", "a, \"quoted\" value"), rows.get(1).toList());
        // text that a spreadsheet would evaluate gets a leading apostrophe; a negative number stays a number
        assertEquals(List.of("'=HYPERLINK(\"http://evil\")", "-0.5", "7", "'+1"), rows.get(2).toList());
        assertEquals(List.of("'@SUM(A1)", "", "", "'-2"), rows.get(3).toList());
    }

    @Test
    void jsonKeepsTypesAndRawValues() {
        ObjectNode j = sample().json();
        assertEquals("demo", j.get("table").textValue());
        assertEquals(3, j.get("rows").size());
        assertEquals(0.25, j.get("rows").get(0).get("score").doubleValue());
        assertTrue(j.get("rows").get(0).get("n").isInt());
        assertEquals("=HYPERLINK(\"http://evil\")", j.get("rows").get(1).get("name").textValue());
        assertTrue(j.get("rows").get(2).get("score").isNull(), "NaN is not JSON: written as null");
    }

    @Test
    void rowWidthIsChecked() {
        Table t = new Table("x", "X", List.of("a", "b"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> t.row(1));
        assertTrue(e.getMessage().contains("2 columns"), e.getMessage());
    }
}
