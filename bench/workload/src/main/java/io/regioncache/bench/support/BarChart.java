package io.regioncache.bench.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;

/**
 * Grouped bar charts as standalone SVG, shared by the JMH summary renderer and the YCSB report: groups along x, one
 * colored bar per series, values printed on the bars, a log scale when the values span more than a decade.
 */
public final class BarChart
{
    private static final String[] COLORS = {
        "#d62728", "#ff9896", "#e377c2", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf",
        "#bcbd22"};

    /**
     * @param title  the chart's title.
     * @param unit   the values' unit (shown under the title and in each bar's tooltip).
     * @param note   appended to the unit line (e.g. ", lower is better"), or "".
     * @param groups the groups along x, in order (a ", " in a label starts a new line).
     * @param series the bars of each group, in order (one color each, with a legend).
     * @param values group -> series -> value; missing, non-positive and NaN values draw no bar.
     * @param fmt    how a value is printed on its bar and on the axis.
     * @return the SVG document.
     */
    public static String svg(
        final String title, final String unit, final String note, final List<String> groups,
        final List<String> series, final Map<String, Map<String, Double>> values, final DoubleFunction<String> fmt)
    {
        double min = Double.MAX_VALUE;
        double max = 0;
        for (final Map<String, Double> m : values.values())
        {
            for (final double v : m.values())
            {
                if (v > 0 && !Double.isNaN(v) && !Double.isInfinite(v))
                {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (max == 0)
        {
            min = 1;
            max = 10;
        }
        final boolean log = max / min > 10;
        final double lo = log ? Math.pow(10, Math.floor(Math.log10(min))) : 0;
        final double hi = log ? Math.pow(10, Math.ceil(Math.log10(max))) : niceCeil(max);
        final int barW = 18;
        final int gap = 28;
        final int groupW = series.size() * barW + gap;
        final int left = 80;
        final int top = 50;
        final int plotH = 300;
        final int legendW = 200;
        final int width = Math.max(640, left + groups.size() * groupW + legendW + 20);
        final int height = top + plotH + 130;
        final StringBuilder b = new StringBuilder();
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
            .append(height).append("\" font-family=\"sans-serif\" font-size=\"11\">\n");
        b.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        b.append("<text x=\"").append(left).append("\" y=\"24\" font-size=\"15\" font-weight=\"bold\">")
            .append(esc(title)).append("</text>\n");
        b.append("<text x=\"").append(left).append("\" y=\"40\" fill=\"#555\">").append(esc(unit))
            .append(log ? ", log scale" : "").append(esc(note)).append("</text>\n");
        // axis and grid
        final List<Double> ticks = new ArrayList<>();
        if (log)
        {
            for (double t = lo; t <= hi * 1.0001; t *= 10)
            {
                ticks.add(t);
            }
        }
        else
        {
            for (int i = 0; i <= 5; i++)
            {
                ticks.add(hi * i / 5);
            }
        }
        final int plotRight = left + groups.size() * groupW;
        for (final double t : ticks)
        {
            final double y = y(t, lo, hi, log, top, plotH);
            b.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>" +
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#333\">%s</text>%n",
                left, plotRight, y, y, left - 6, y + 4, esc(fmt.apply(t))));
        }
        b.append(String.format(Locale.ROOT,
            "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n", left, left, top, top + plotH));
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
            left, plotRight, top + plotH, top + plotH));
        for (int g = 0; g < groups.size(); g++)
        {
            final int gx = left + g * groupW + gap / 2;
            final Map<String, Double> vs = values.getOrDefault(groups.get(g), Map.of());
            for (int s = 0; s < series.size(); s++)
            {
                final Double v = vs.get(series.get(s));
                if (v == null || Double.isNaN(v) || v <= 0)
                {
                    continue;
                }
                final double y = y(Math.max(v, lo), lo, hi, log, top, plotH);
                final int x = gx + s * barW;
                b.append(String.format(Locale.ROOT,
                    "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"><title>%s: %s %s</title></rect>%n",
                    x, y, barW - 2, top + plotH - y, COLORS[s % COLORS.length], esc(series.get(s)), esc(fmt.apply(v)),
                    esc(unit)));
                b.append(String.format(Locale.ROOT,
                    "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" font-size=\"9\" fill=\"#222\">%s</text>%n",
                    x + barW / 2.0 + 3, y - 3, esc(fmt.apply(v))));
            }
            // group label, split on ", " into lines
            final String[] lines = groups.get(g).split(", ");
            for (int l = 0; l < lines.length; l++)
            {
                b.append(String.format(Locale.ROOT,
                    "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#333\">%s</text>%n",
                    gx + series.size() * barW / 2, top + plotH + 16 + l * 13, esc(lines[l])));
            }
        }
        // legend
        final int lx = plotRight + 20;
        for (int s = 0; s < series.size(); s++)
        {
            final int ly = top + s * 18;
            b.append(String.format(Locale.ROOT,
                "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>" +
                "<text x=\"%d\" y=\"%d\">%s</text>%n",
                lx, ly, COLORS[s % COLORS.length], lx + 18, ly + 10, esc(series.get(s))));
        }
        b.append("</svg>\n");
        return b.toString();
    }

    private static double y(final double v, final double lo, final double hi, final boolean log, final int top,
        final int plotH)
    {
        final double f = log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) :
            (v - lo) / (hi - lo);
        return top + plotH - Math.max(0, Math.min(1, f)) * plotH;
    }

    private static double niceCeil(final double v)
    {
        final double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (final double m : new double[] {1, 2, 2.5, 5, 10})
        {
            if (m * p >= v)
            {
                return m * p;
            }
        }
        return 10 * p;
    }

    static String esc(final String s)
    {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private BarChart()
    {
    }
}
