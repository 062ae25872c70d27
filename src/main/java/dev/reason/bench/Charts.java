package dev.reason.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The accuracy-against-compute curves of a summary, as PNG and SVG: accuracy against samples per problem (log2
 * axis) and against tokens per problem, one curve per method, coverage dashed, greedy as a single point.
 */
public final class Charts {
    private Charts() {
    }

    /** Writes {@code accuracy_vs_samples[_group].png/.svg} and {@code accuracy_vs_tokens[_group].png/.svg}; returns the base names. */
    public static List<String> write(Summary summary, String title, Path dir) {
        List<String> names = new ArrayList<>();
        for (String group : groups(summary)) {
            String suffix = group.equals(Summary.ALL) ? "" : "_" + group.replaceAll("[^A-Za-z0-9]+", "_");
            String label = group.equals(Summary.ALL) ? title : title + " (" + group + ")";
            names.add(save(samplesChart(summary, group, label), dir, "accuracy_vs_samples" + suffix));
            names.add(save(tokensChart(summary, group, label), dir, "accuracy_vs_tokens" + suffix));
        }
        return names;
    }

    private static List<String> groups(Summary s) {
        List<String> out = new ArrayList<>();
        for (Summary.Row r : s.rows()) {
            if (!out.contains(r.group())) {
                out.add(r.group());
            }
        }
        return out;
    }

    private static Map<String, List<Summary.Row>> byMethod(Summary s, String group) {
        Map<String, List<Summary.Row>> m = new LinkedHashMap<>();
        for (Summary.Row r : s.rows()) {
            if (r.group().equals(group)) {
                m.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(r);
            }
        }
        return m;
    }

    private static XYChart base(String title, String xTitle) {
        XYChart chart = new XYChartBuilder().width(760).height(480).title(title).xAxisTitle(xTitle)
                .yAxisTitle("accuracy").build();
        Styler.LegendPosition legend = Styler.LegendPosition.InsideSE;
        chart.getStyler().setLegendPosition(legend);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(true);
        chart.getStyler().setMarkerSize(7);
        return chart;
    }

    /** x is log2(samples) with tick labels 1, 2, 4, ...: a log2 axis. */
    static XYChart samplesChart(Summary s, String group, String title) {
        XYChart chart = base(title, "samples per problem (log2 scale)");
        chart.getStyler().setxAxisTickLabelsFormattingFunction(x -> String.format(Locale.ROOT, "%d", Math.round(Math.pow(2, x))));
        chart.getStyler().setXAxisDecimalPattern("0");
        for (Map.Entry<String, List<Summary.Row>> e : byMethod(s, group).entrySet()) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (Summary.Row r : e.getValue()) {
                x.add(Math.log(r.k()) / Math.log(2));
                y.add(r.accuracy());
            }
            style(chart.addSeries(label(e.getKey()), x, y), e.getKey());
        }
        return chart;
    }

    static XYChart tokensChart(Summary s, String group, String title) {
        XYChart chart = base(title, "generated tokens per problem (log2 scale)");
        chart.getStyler().setxAxisTickLabelsFormattingFunction(x -> String.format(Locale.ROOT, "%,d", Math.round(Math.pow(2, x))));
        for (Map.Entry<String, List<Summary.Row>> e : byMethod(s, group).entrySet()) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (Summary.Row r : e.getValue()) {
                if (r.tokens() > 0) {
                    x.add(Math.log(r.tokens()) / Math.log(2));
                    y.add(r.accuracy());
                }
            }
            if (!x.isEmpty()) {
                style(chart.addSeries(label(e.getKey()), x, y), e.getKey());
            }
        }
        return chart;
    }

    /**
     * Named curves (or single points) of (x, y) pairs, on log2 axes where asked: throughput against parallel
     * chains, or accuracy against tokens per method in a replay.
     */
    public static String curves(String title, String xTitle, String yTitle, Map<String, double[][]> series, boolean log2X,
                                boolean log2Y, Path dir, String name) {
        XYChart chart = new XYChartBuilder().width(760).height(480).title(title)
                .xAxisTitle(xTitle + (log2X ? " (log2 scale)" : "")).yAxisTitle(yTitle + (log2Y ? " (log2 scale)" : "")).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setMarkerSize(9);
        if (log2X) {
            chart.getStyler().setxAxisTickLabelsFormattingFunction(x -> String.format(Locale.ROOT, "%,d", Math.round(Math.pow(2, x))));
        }
        if (log2Y) {
            chart.getStyler().setyAxisTickLabelsFormattingFunction(y -> String.format(Locale.ROOT, "%,d", Math.round(Math.pow(2, y))));
        }
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (double[] point : e.getValue()) {
                x.add(log2X ? Math.log(point[0]) / Math.log(2) : point[0]);
                y.add(log2Y ? Math.log(point[1]) / Math.log(2) : point[1]);
            }
            XYSeries s = chart.addSeries(e.getKey(), x, y);
            s.setMarker(SeriesMarkers.CIRCLE);
            if (x.size() == 1) {
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            }
        }
        return save(chart, dir, name);
    }

    private static String label(String method) {
        switch (method) {
            case "majority":
                return "majority of k";
            case "coverage":
                return "coverage (any of k right)";
            case "greedy":
                return "greedy";
            default:
                return method;
        }
    }

    private static void style(XYSeries series, String method) {
        series.setMarker(SeriesMarkers.CIRCLE);
        if (method.equals("coverage")) {
            series.setLineStyle(SeriesLines.DASH_DASH);
        } else {
            series.setLineStyle(new BasicStroke(2f));
        }
    }

    private static String save(XYChart chart, Path dir, String name) {
        try {
            BitmapEncoder.saveBitmap(chart, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
            VectorGraphicsEncoder.saveVectorGraphic(chart, dir.resolve(name).toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot write chart " + name + " (" + e.getMessage() + ")");
        }
        return name;
    }
}
