package flowbench.web;

/**
 * A server-side HTML page: fixed layout (navigation, assets served by the app itself) around a body assembled with
 * the escaping helpers. Text goes in through {@link #text}, {@link #h}, {@link #p} and the {@link Table} renderer,
 * all of which escape; {@link #raw} is only for markup written in this code.
 */
public final class Page {
    private final String title;
    private final StringBuilder body = new StringBuilder(8192);
    private boolean plots;
    private String lastHeading;

    public Page(String title) {
        this.title = title;
    }

    /** Markup from this code's own constants; never user data. */
    public Page raw(String html) {
        body.append(html);
        return this;
    }

    public Page text(String s) {
        body.append(Html.esc(s));
        return this;
    }

    public Page h(int level, String text) {
        lastHeading = text;
        body.append("<h").append(level).append('>').append(Html.esc(text)).append("</h").append(level).append('>');
        return this;
    }

    public Page h(int level, String text, String id) {
        lastHeading = text;
        body.append("<h").append(level).append(" id=\"").append(Html.esc(id)).append("\">").append(Html.esc(text))
                .append("</h").append(level).append('>');
        return this;
    }

    public Page p(String text) {
        body.append("<p>").append(Html.esc(text)).append("</p>");
        return this;
    }

    public Page note(String text) {
        body.append("<p class=\"note\">").append(Html.esc(text)).append("</p>");
        return this;
    }

    public Page link(String href, String text) {
        body.append(Html.link(href, text));
        return this;
    }

    public Page pre(String text) {
        body.append("<pre>").append(Html.esc(text)).append("</pre>");
        return this;
    }

    /** A table with its CSV and JSON download links ({@code downloadBase} + "/csv" or "/json"; null: none). */
    public Page table(Table t, String downloadBase) {
        body.append("<div class=\"table-wrap\">");
        // a title that only repeats the section heading above is left out
        if (t.title() != null && !t.title().equals(lastHeading)) body.append("<div class=\"table-title\">").append(Html.esc(t.title())).append("</div>");
        if (downloadBase != null) {
            body.append("<div class=\"downloads\">Download: ").append(Html.link(downloadBase + "/csv", "CSV"))
                    .append(" · ").append(Html.link(downloadBase + "/json", "JSON")).append("</div>");
        }
        if (t.size() == 0) body.append("<p class=\"empty\">(no rows)</p>");
        else t.html(body);
        body.append("</div>");
        return this;
    }

    /** Charts: one {@code div.plot} per spec in {@code plotsJson} (rendered by app.js with uPlot). */
    public Page plots(String blockId, Object plotsJson) {
        plots = true;
        body.append("<script type=\"application/json\" class=\"plot-data\" id=\"").append(Html.esc(blockId)).append("\">")
                .append(Html.jsonBlock(plotsJson)).append("</script>");
        body.append("<div class=\"plots\" data-plots=\"").append(Html.esc(blockId)).append("\"></div>");
        return this;
    }

    public String render() {
        StringBuilder out = new StringBuilder(body.length() + 2048);
        out.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(Html.esc(title)).append(" · flowbench leaderboard</title>")
                .append("<link rel=\"icon\" href=\"/assets/favicon.svg\" type=\"image/svg+xml\">")
                .append("<link rel=\"stylesheet\" href=\"/assets/style.css\">");
        if (plots) {
            out.append("<link rel=\"stylesheet\" href=\"/assets/uPlot.min.css\">")
                    .append("<script src=\"/assets/uPlot.iife.min.js\" defer></script>")
                    .append("<script src=\"/assets/app.js\" defer></script>");
        }
        out.append("</head><body><header><a class=\"brand\" href=\"/\">flowbench leaderboard</a><nav>")
                .append("<a href=\"/\">Suites</a><a href=\"/methods\">Methods</a><a href=\"/submit\">Submit</a>")
                .append("<a href=\"/api\">API</a></nav></header><main>")
                .append(body)
                .append("</main><footer>Scores are success rates in [0, 1]; intervals are 95% stratified-bootstrap"
                        + " percentile intervals (rliable). \"reproduced\" runs were produced by the flowbench harness;"
                        + " \"submitted\" runs were uploaded and validated but not yet re-run.</footer></body></html>");
        return out.toString();
    }
}
