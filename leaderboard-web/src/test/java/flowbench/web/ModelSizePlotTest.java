package flowbench.web;

import com.fasterxml.jackson.databind.JsonNode;
import flowbench.harness.protocol.RunRecord;
import flowbench.harness.report.ScoreKind;
import flowbench.harness.stats.Interval;
import flowbench.harness.stats.Metric;
import flowbench.testkit.Requirement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model-size plot of a suite that lists one algorithm at several network sizes (as a suite may, with overrides
 * such as actorHidden): flow BC at hidden 64, 128 and 256 is three entries, drawn as ONE line over their parameter
 * counts with each entry's IQM interval as its band; FQL at one size is a point with its interval.
 */
class ModelSizePlotTest {
    /** hidden width to the parameter count its records state */
    static final Map<Integer, Long> PARAMS = new TreeMap<>(Map.of(64, 9_218L, 128, 34_306L, 256, 134_146L));
    /** hidden width to the success probability of its episodes: the score grows with size */
    static final Map<Integer, Double> SUCCESS = Map.of(64, 0.3, 128, 0.5, 256, 0.7);
    static final long FQL_PARAMS = 70_000;

    @TempDir
    Path tmp;
    Store store;

    @BeforeEach
    void importThreeSizes() throws Exception {
        store = Fixtures.store(tmp);
        for (Map.Entry<Integer, Long> size : PARAMS.entrySet()) {
            int h = size.getKey();
            List<RunRecord> records = new ArrayList<>();
            for (long seed = 0; seed < 3; seed++) {
                for (String task : List.of(Fixtures.SINGLE, Fixtures.GOAL)) {
                    RunRecord r = Fixtures.run("flow-bc", task, seed, Map.of("flow-bc", SUCCESS.get(h)),
                            Fixtures.config("flow-bc", h), size.getValue(), 20);
                    records.add(Fixtures.withOverrides(r, Map.of("hidden", h + "," + h)));
                }
            }
            // the harness lays runs out by task, algorithm and seed: each size comes from a folder of its own
            Importer.importFolder(Fixtures.writeResults(tmp.resolve("flow-bc-" + h), records), store);
        }
        List<RunRecord> fql = new ArrayList<>();
        for (long seed = 0; seed < 3; seed++) {
            for (String task : List.of(Fixtures.SINGLE, Fixtures.GOAL)) {
                fql.add(Fixtures.run("fql", task, seed, Map.of("fql", 0.6), Fixtures.config("fql", 128), FQL_PARAMS, 25));
            }
        }
        Importer.importFolder(Fixtures.writeResults(tmp.resolve("fql"), fql), store);
    }

    private Boards.Board board() throws Exception {
        return new Boards(store, 0, 2000, 200).board(store.suite(Fixtures.SUITE).orElseThrow(), ScoreKind.FINAL);
    }

    private static JsonNode scaling(Boards.Board b) {
        for (JsonNode p : b.plots().get("plots")) if (p.get("id").asText().equals("scaling")) return p;
        throw new AssertionError("no scaling plot in " + b.plots());
    }

    private static int seriesIndex(JsonNode plot, String label) {
        JsonNode series = plot.get("series");
        for (int i = 0; i < series.size(); i++) if (series.get(i).get("label").asText().equals(label)) return i;
        throw new AssertionError("no series '" + label + "' in " + series);
    }

    /** The series' values by x, nulls left out. */
    private static Map<Long, Double> values(JsonNode plot, int series) {
        Map<Long, Double> out = new TreeMap<>();
        JsonNode y = plot.get("series").get(series).get("y");
        assertEquals(plot.get("x").size(), y.size(), "one value (or null) per x");
        for (int i = 0; i < y.size(); i++) if (!y.get(i).isNull()) out.put(plot.get("x").get(i).asLong(), y.get(i).asDouble());
        return out;
    }

    @Test
    void oneAlgorithmAtThreeSizesIsOneLineWithItsIqmIntervalsAsBand() throws Exception {
        Boards.Board b = board();
        List<Boards.Entry> flowBc = b.ranked().stream().filter(e -> e.algorithm().equals("flow-bc")).toList();
        assertEquals(3, flowBc.size(), "three method configs, three entries: " + b.ranked());
        Map<Long, Interval> iqm = new TreeMap<>();
        for (Boards.Entry e : flowBc) iqm.put(e.parameterCount(), e.intervals().get(Metric.IQM));
        assertEquals(List.of(9_218L, 34_306L, 134_146L), List.copyOf(iqm.keySet()));

        JsonNode plot = scaling(b);
        assertEquals("Model size (IQM with 95% CI, final evaluation)", plot.get("title").asText());
        assertEquals("parameters", plot.get("xLabel").asText());
        assertTrue(plot.get("logX").asBoolean(), "every count is positive: a log axis");
        List<Long> xs = new ArrayList<>();
        plot.get("x").forEach(x -> xs.add(x.asLong()));
        assertEquals(List.of(9_218L, 34_306L, FQL_PARAMS, 134_146L), xs, "every size once, ascending");

        // one line for flow-bc, not one series per method config
        List<String> labels = new ArrayList<>();
        plot.get("series").forEach(s -> labels.add(s.get("label").asText()));
        assertEquals(1, labels.stream().filter(l -> l.startsWith("flow-bc") && !l.contains("95% CI")).count(), labels.toString());
        int line = seriesIndex(plot, "flow-bc");
        assertEquals("linepoints", plot.get("series").get(line).get("style").asText());
        Map<Long, Double> point = values(plot, line);
        assertEquals(iqm.keySet(), point.keySet(), "the line has a value at each of the three sizes, nothing else");
        int lo = seriesIndex(plot, "flow-bc (95% CI low)"), hi = seriesIndex(plot, "flow-bc (95% CI high)");
        for (int bound : List.of(lo, hi)) {
            assertEquals("bound", plot.get("series").get(bound).get("style").asText());
            assertEquals(line, plot.get("series").get(bound).get("of").asInt());
        }
        Map<Long, Double> lower = values(plot, lo), upper = values(plot, hi);
        for (Map.Entry<Long, Interval> e : iqm.entrySet()) {
            assertEquals(e.getValue().point(), point.get(e.getKey()), "IQM at " + e.getKey());
            assertEquals(e.getValue().lower(), lower.get(e.getKey()), "95% low at " + e.getKey());
            assertEquals(e.getValue().upper(), upper.get(e.getKey()), "95% high at " + e.getKey());
            assertTrue(e.getValue().lower() < e.getValue().upper(), "a real interval: " + e.getValue());
        }
        assertTrue(point.get(9_218L) < point.get(34_306L) && point.get(34_306L) < point.get(134_146L),
                "the fixtures' success grows with size, and so does the line");
        // the band fills between the bounds; uPlot numbers series from 1 (0 is x), a band is [upper, lower]
        assertTrue(bands(plot).contains(List.of(hi + 1, lo + 1)), plot.get("bands").toString());

        // FQL at one size: a point with its interval (whiskers in the browser), no band
        int fql = seriesIndex(plot, "fql");
        assertEquals("points", plot.get("series").get(fql).get("style").asText());
        Interval fqlIqm = b.ranked().stream().filter(e -> e.algorithm().equals("fql")).findFirst().orElseThrow()
                .intervals().get(Metric.IQM);
        assertEquals(Map.of(FQL_PARAMS, fqlIqm.point()), values(plot, fql));
        assertEquals(Map.of(FQL_PARAMS, fqlIqm.lower()), values(plot, seriesIndex(plot, "fql (95% CI low)")));
        assertEquals(Map.of(FQL_PARAMS, fqlIqm.upper()), values(plot, seriesIndex(plot, "fql (95% CI high)")));
        assertFalse(bands(plot).stream().anyMatch(band -> band.contains(fql + 2) || band.contains(fql + 3)),
                "a single point has nothing to fill along");
    }

    private static List<List<Integer>> bands(JsonNode plot) {
        List<List<Integer>> out = new ArrayList<>();
        for (JsonNode band : plot.get("bands")) out.add(List.of(band.get(0).asInt(), band.get(1).asInt()));
        return out;
    }

    @Test
    void theLineAndThePointDrawInABrowser() throws Exception {
        Optional<Path> bin = Chromium.find();
        Requirement.CHROMIUM.assume(bin.isPresent(), "headless Chromium");
        LeaderboardServer server = LeaderboardServer.start(store, LeaderboardServer.Config.defaults());
        try (Chromium browser = new Chromium(bin.get(), 1400, 1000)) {
            browser.navigate("http://127.0.0.1:" + server.port() + "/suites/quickstart/1");
            browser.waitFor("document.querySelector('div.plots[data-done], div.plots[data-error]')", 20);
            assertEquals(0, browser.eval("document.querySelectorAll('.plot-error, [data-error]').length").asInt());
            assertEquals("1", browser.eval("document.querySelector('#plot-scaling').getAttribute('data-rendered')").asText());
            JsonNode legend = browser.eval("Array.from(document.querySelectorAll('#plot-scaling .u-legend .u-series'))"
                    + ".filter(r => r.style.display !== 'none').map(r => r.querySelector('.u-label').textContent)");
            List<String> shown = new ArrayList<>();
            legend.forEach(l -> shown.add(l.asText()));
            assertEquals(List.of("parameters", "flow-bc", "fql"), shown, "the bounds are kept out of the legend");
            assertEquals(List.of(), browser.errors(), "browser errors");
            browser.screenshot(Path.of(System.getProperty("fb.screenshots", tmp.resolve("screenshots").toString()))
                    .resolve("model-size.png"));
        } finally {
            server.close();
        }
    }
}
