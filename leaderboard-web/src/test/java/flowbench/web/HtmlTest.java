package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HtmlTest {
    @Test
    void escapesEveryCharacterThatCanEndTextOrAnAttribute() {
        assertEquals("&lt;script&gt;alert(1)&lt;&#47;script&gt;", Html.esc("<script>alert(1)</script>"));
        assertEquals("&quot; onmouseover=&#39;x&#39; &amp; &#96;", Html.esc("\" onmouseover='x' & `"));
        assertEquals("", Html.esc(null));
        assertEquals("plain text stays", Html.esc("plain text stays"));
        // control characters cannot appear in HTML text; tab and newline stay
        assertEquals("ab\tc\n", Html.esc("a\u0000b\tc\n"));
    }

    @Test
    void linkEscapesHrefAndText() {
        assertEquals("<a href=\"&#47;methods&#47;a&quot;b\">&lt;b&gt;</a>", Html.link("/methods/a\"b", "<b>"));
    }

    @Test
    void pathSegmentsArePercentEncoded() {
        assertEquals("qgf%28w%3D0.01%29", Html.seg("qgf(w=0.01)"));
        assertEquals("..%2F..%2Fetc", Html.seg("../../etc"));
        assertEquals("a%20b", Html.seg("a b"));
    }

    @Test
    void jsonBlockCannotCloseItsScriptTagAndParsesBack() throws Exception {
        String hostile = "</script><script>alert(1)</script><!-- \u2028 & done";
        String block = Html.jsonBlock(Map.of("label", hostile, "x", List.of(1, 2)));
        assertFalse(block.contains("<"), block);
        assertFalse(block.contains(">"), block);
        assertFalse(block.contains("&"), block);
        assertFalse(block.contains("\u2028"), block);
        JsonNode back = new ObjectMapper().readTree(block);
        assertEquals(hostile, back.get("label").textValue());
        assertTrue(back.get("x").isArray());
    }

    @Test
    void tableHtmlEscapesCellsAndLinks() {
        Table t = new Table("t", "<title>", List.of("<col>", "b"));
        t.row(Table.link("<img src=x onerror=alert(1)>", "/methods/" + Html.seg("<x>")), 0.5);
        StringBuilder sb = new StringBuilder();
        t.html(sb);
        String html = sb.toString();
        assertFalse(html.contains("<img"), html);
        assertFalse(html.contains("<col>"), html);
        assertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;"), html);
        assertTrue(html.contains("href=\"&#47;methods&#47;%3Cx%3E\""), html);
        assertTrue(html.contains("<td class=\"num\">0.500</td>"), html);
    }
}
