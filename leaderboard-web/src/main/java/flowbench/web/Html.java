package flowbench.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The one escaping helper of the site. Every string that did not come from this code's own constants (method names,
 * descriptions, papers, task and policy names, run JSON, error messages that echo input) reaches HTML only through
 * {@link #esc}, a URL path only through {@link #seg}, and an embedded JSON block only through {@link #jsonBlock}.
 */
public final class Html {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Html() {}

    /**
     * Escapes text for HTML element content and double- or single-quoted attribute values (OWASP rule #1/#2 set:
     * {@code & < > " '}, plus {@code /} and {@code `} so no value can close a tag or start an unquoted attribute).
     * Null becomes the empty string.
     */
    public static String esc(String s) {
        if (s == null) return "";
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                case '/' -> "&#47;";
                case '`' -> "&#96;";
                default -> null;
            };
            // control characters other than tab/newline cannot appear in valid HTML text: dropped
            if (r == null && c < 0x20 && c != '\n' && c != '\r' && c != '\t') r = "";
            if (r != null) {
                if (b == null) {
                    b = new StringBuilder(s.length() + 16);
                    b.append(s, 0, i);
                }
                b.append(r);
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    /** One URL path segment (percent-encoded; spaces as %20), still to be passed through {@link #esc} in an attribute. */
    public static String seg(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A site-relative link: {@code <a href="href">text</a>}, both escaped. */
    public static String link(String href, String text) {
        return "<a href=\"" + esc(href) + "\">" + esc(text) + "</a>";
    }

    /**
     * JSON for a {@code <script type="application/json">} block: serialized by Jackson, then every {@code <}, {@code >},
     * {@code &} and the JavaScript line separators U+2028/U+2029 are written as unicode escapes, so no string inside
     * can end the block ({@code </script>}) or open a comment; {@code JSON.parse} restores them unchanged.
     */
    public static String jsonBlock(Object value) {
        String json;
        try {
            json = JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise plot data: " + e.getOriginalMessage(), e);
        }
        StringBuilder b = new StringBuilder(json.length() + 32);
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            switch (c) {
                case '<' -> b.append("\\u003c");
                case '>' -> b.append("\\u003e");
                case '&' -> b.append("\\u0026");
                case '\u2028' -> b.append("\\u2028");
                case '\u2029' -> b.append("\\u2029");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
