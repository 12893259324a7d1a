package flowbench.harness.report;

import flowbench.harness.io.AtomicFiles;
import flowbench.harness.stats.Interval;
import flowbench.harness.stats.Metric;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTitleAnnotation;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.CombinedRangeXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Map;

/**
 * The report's plots, drawn headless with JFreeChart; each written as PNG and SVG. Layouts follow rliable's plots:
 * {@code plot_interval_estimates} (one panel per metric, a bar per method spanning its interval, a tick at the point),
 * {@code plot_performance_profiles} (curve with a shaded band) and {@code plot_sample_efficiency_curve}.
 */
final class Charts {
    static {
        // no display on servers and CI; must be set before the first AWT class initialises its toolkit
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    /** Matplotlib's "tab10", the palette of rliable's and most RL papers' plots. */
    private static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
            new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};
    private static final Font TITLE = new Font("SansSerif", Font.BOLD, 16);
    private static final Font SUBTITLE = new Font("SansSerif", Font.PLAIN, 11);
    private static final Font PANEL = new Font("SansSerif", Font.BOLD, 12);
    private static final Color GRID = new Color(0xdddddd);

    private Charts() {}

    static Color color(int i) {
        return PALETTE[i % PALETTE.length];
    }

    /** Interval estimates: one panel per metric side by side, methods on the shared vertical axis, top to bottom. */
    static JFreeChart aggregates(List<String> methods, Map<String, Map<Metric, Interval>> intervals, String title, String subtitle) {
        int m = methods.size();
        String[] symbols = new String[m];
        for (int i = 0; i < m; i++) symbols[m - 1 - i] = methods.get(i);
        SymbolAxis methodAxis = new SymbolAxis(null, symbols);
        methodAxis.setGridBandsVisible(false);
        methodAxis.setRange(-0.6, m - 0.4);
        methodAxis.setTickLabelFont(new Font("SansSerif", Font.PLAIN, 12));
        CombinedRangeXYPlot combined = new CombinedRangeXYPlot(methodAxis);
        combined.setGap(14);
        for (Metric metric : Metric.values()) {
            XYIntervalSeriesCollection bars = new XYIntervalSeriesCollection();
            XYSeriesCollection points = new XYSeriesCollection();
            for (int i = 0; i < m; i++) {
                Interval iv = intervals.get(methods.get(i)).get(metric);
                double y = m - 1 - i;
                XYIntervalSeries s = new XYIntervalSeries(methods.get(i));
                s.add(iv.point(), iv.lower(), iv.upper(), y, y, y);
                bars.addSeries(s);
                XYSeries p = new XYSeries(methods.get(i));
                p.add(iv.point(), y);
                points.addSeries(p);
            }
            NumberAxis x = new NumberAxis(metric.label() + (metric.higherIsBetter() ? "" : " (lower is better)"));
            x.setAutoRangeIncludesZero(false);
            x.setAutoRangeMinimumSize(0.05);
            x.setNumberFormatOverride(new DecimalFormat("0.00"));
            x.setLabelFont(PANEL);
            XYErrorRenderer r = new XYErrorRenderer();
            r.setDrawYError(false);
            r.setDrawXError(true);
            r.setCapLength(0);
            r.setErrorStroke(new BasicStroke(16f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER));
            r.setDefaultLinesVisible(false);
            r.setDefaultShapesVisible(false);
            for (int i = 0; i < m; i++) r.setSeriesPaint(i, translucent(color(i), 190));
            XYPlot plot = new XYPlot(bars, x, null, r);
            XYLineAndShapeRenderer ticks = new XYLineAndShapeRenderer(false, true);
            for (int i = 0; i < m; i++) {
                ticks.setSeriesPaint(i, Color.BLACK);
                ticks.setSeriesShape(i, new Rectangle2D.Double(-1.5, -11, 3, 22));
            }
            plot.setDataset(1, points);
            plot.setRenderer(1, ticks);
            style(plot);
            plot.setRangeGridlinesVisible(false);
            combined.add(plot, 1);
        }
        JFreeChart chart = new JFreeChart(title, TITLE, combined, false);
        finish(chart, subtitle);
        return chart;
    }

    /** One curve with a shaded band per series on a single plot. */
    static JFreeChart bands(List<String> series, Map<String, double[]> xs, Map<String, Interval[]> ys, ValueAxis xAxis,
                            String yLabel, boolean unitRange, boolean shapes, String title, String subtitle) {
        XYPlot plot = bandPlot(series, xs, ys, xAxis, yLabel, unitRange, shapes);
        JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
        finish(chart, subtitle);
        return chart;
    }

    /** Stacked panels sharing the x axis (training step); one legend for all. */
    static JFreeChart panels(List<String> series, List<String> panelNames, List<Map<String, double[]>> xs,
                             List<Map<String, Interval[]>> ys, String xLabel, String yLabel, String title, String subtitle) {
        NumberAxis x = new NumberAxis(xLabel);
        x.setAutoRangeIncludesZero(false);
        x.setLabelFont(PANEL);
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(x);
        combined.setGap(12);
        XYPlot first = null;
        for (int k = 0; k < panelNames.size(); k++) {
            XYPlot p = bandPlot(series, xs.get(k), ys.get(k), null, yLabel, true, true);
            TextTitle t = new TextTitle(panelNames.get(k), PANEL);
            t.setBackgroundPaint(new Color(255, 255, 255, 200));
            p.addAnnotation(new XYTitleAnnotation(0.01, 0.98, t, RectangleAnchor.TOP_LEFT));
            combined.add(p, 1);
            if (first == null) first = p;
        }
        JFreeChart chart = new JFreeChart(title, TITLE, combined, false);
        if (first != null) {
            LegendTitle legend = new LegendTitle(first);
            legend.setPosition(RectangleEdge.BOTTOM);
            legend.setFrame(BlockBorder.NONE);
            chart.addSubtitle(legend);
        }
        finish(chart, subtitle);
        return chart;
    }

    private static XYPlot bandPlot(List<String> series, Map<String, double[]> xs, Map<String, Interval[]> ys, ValueAxis xAxis,
                                   String yLabel, boolean unitRange, boolean shapes) {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        DeviationRenderer r = new DeviationRenderer(true, shapes);
        r.setAlpha(0.22f);
        int k = 0;
        for (int i = 0; i < series.size(); i++) {
            String name = series.get(i);
            if (!xs.containsKey(name)) continue; // a method without data in this panel keeps its colour elsewhere
            YIntervalSeries s = new YIntervalSeries(name);
            double[] x = xs.get(name);
            Interval[] y = ys.get(name);
            for (int j = 0; j < x.length; j++) s.add(x[j], y[j].point(), y[j].lower(), y[j].upper());
            data.addSeries(s);
            r.setSeriesPaint(k, color(i));
            r.setSeriesFillPaint(k, color(i));
            r.setSeriesStroke(k, new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            r.setSeriesShape(k, new Ellipse2D.Double(-3, -3, 6, 6));
            k++;
        }
        NumberAxis yAxis = new NumberAxis(yLabel);
        if (unitRange) {
            yAxis.setRange(-0.02, 1.02);
            yAxis.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(0.2));
        }
        yAxis.setLabelFont(PANEL);
        if (xAxis != null) xAxis.setLabelFont(PANEL);
        XYPlot plot = new XYPlot(data, xAxis, yAxis, r);
        style(plot);
        return plot;
    }

    /** An x axis for guidance weights and where each weight goes on it. */
    record WeightScale(ValueAxis axis, Map<Double, Double> position) {
        double[] map(double[] w) {
            double[] out = new double[w.length];
            for (int i = 0; i < w.length; i++) out[i] = position.get(w[i]);
            return out;
        }
    }

    /**
     * Weights usually span decades (0.001 ... 1): a log axis when all are positive, evenly spaced labelled positions when
     * 0 (unguided) is among them (a log axis cannot show 0, a linear one squeezes the small weights together), a linear
     * axis when they span less than a factor 20.
     */
    static WeightScale weightScale(double[] weights) {
        double[] w = java.util.Arrays.stream(weights).distinct().sorted().toArray();
        double minPos = java.util.Arrays.stream(w).filter(v -> v > 0).min().orElse(Double.NaN);
        double max = w[w.length - 1];
        boolean wide = minPos > 0 && max / minPos >= 20;
        Map<Double, Double> pos = new java.util.LinkedHashMap<>();
        if (wide && w[0] > 0) {
            LogAxis a = new LogAxis("guidance weight w (log scale)");
            a.setSmallestValue(w[0] / 2);
            for (double v : w) pos.put(v, v);
            return new WeightScale(a, pos);
        }
        if (wide) {
            String[] labels = new String[w.length];
            for (int i = 0; i < w.length; i++) {
                labels[i] = "w=" + Report.fmtWeight(w[i]);
                pos.put(w[i], (double) i);
            }
            SymbolAxis a = new SymbolAxis("guidance weight (evenly spaced)", labels);
            a.setGridBandsVisible(false);
            a.setRange(-0.3, w.length - 0.7);
            return new WeightScale(a, pos);
        }
        NumberAxis a = new NumberAxis("guidance weight w");
        a.setAutoRangeIncludesZero(false);
        for (double v : w) pos.put(v, v);
        return new WeightScale(a, pos);
    }

    /** A dashed vertical line at {@code x} with a label: the weight the selection rule chose. */
    static void markChosen(JFreeChart chart, double x, String label) {
        org.jfree.chart.plot.ValueMarker m = new org.jfree.chart.plot.ValueMarker(x, Color.DARK_GRAY,
                new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        m.setLabel(label);
        m.setLabelFont(SUBTITLE);
        m.setLabelBackgroundColor(new Color(255, 255, 255, 210));
        m.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
        m.setLabelTextAnchor(org.jfree.chart.ui.TextAnchor.TOP_LEFT);
        ((XYPlot) chart.getPlot()).addDomainMarker(m);
    }

    private static void style(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setDomainGridlineStroke(new BasicStroke(0.8f));
        plot.setRangeGridlineStroke(new BasicStroke(0.8f));
        plot.setOutlinePaint(Color.GRAY);
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
    }

    private static void finish(JFreeChart chart, String subtitle) {
        chart.setBackgroundPaint(Color.WHITE);
        if (chart.getLegend() != null) {
            chart.getLegend().setFrame(BlockBorder.NONE);
            chart.getLegend().setPosition(RectangleEdge.BOTTOM);
        }
        if (subtitle != null && !subtitle.isEmpty()) {
            TextTitle s = new TextTitle(subtitle, SUBTITLE);
            s.setPaint(Color.DARK_GRAY);
            chart.addSubtitle(0, s);
        }
        chart.setPadding(new RectangleInsets(6, 6, 6, 12));
    }

    private static Color translucent(Color c, int alpha) {
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), alpha);
    }

    /** Writes {@code <base>.png} and {@code <base>.svg} atomically; appends both paths to {@code written}. */
    static void write(JFreeChart chart, int width, int height, Path dir, String base, List<Path> written) throws IOException {
        Path png = dir.resolve(base + ".png");
        AtomicFiles.write(png, out -> ChartUtils.writeChartAsPNG(out, chart, width, height));
        SVGGraphics2D g = new SVGGraphics2D(width, height);
        // the default prefix contains System.nanoTime(); a fixed one keeps the SVG identical across runs
        g.setDefsKeyPrefix("fb");
        chart.draw(g, new Rectangle2D.Double(0, 0, width, height));
        Path svg = dir.resolve(base + ".svg");
        AtomicFiles.writeString(svg, g.getSVGDocument() + "\n");
        written.add(png);
        written.add(svg);
    }
}
