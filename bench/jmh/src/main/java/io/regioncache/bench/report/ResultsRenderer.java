package io.regioncache.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Renders JMH JSON results ({@code -rf json}) as {@code summary.md} (one table per benchmark and mode; for the
 * benchmarks with a {@code store} parameter also RegionCache against each peer for the same parameters) and one
 * SVG bar chart per benchmark and mode.
 * <pre>
 * java -cp bench/target/benchmarks.jar io.regioncache.bench.report.ResultsRenderer \
 *     jmh-results/read.json ... --out jmh-results [--assert-zero-alloc]
 * </pre>
 * {@code --assert-zero-alloc}: exit 3 if any RegionCache read result (store parameter starting with
 * {@code regioncache}, or a SnapshotBenchmark result) measured with {@code -prof gc} allocated 1 B/op or more.
 */
public final class ResultsRenderer
{
    /** The store every peer is compared with. */
    static final String BASELINE = "regioncache";
    private static final double ALLOC_LIMIT = 1.0;

    private ResultsRenderer()
    {
    }

    /** One metric: score, error, unit and percentiles (SampleTime). */
    static final class Metric
    {
        double score;
        double error;
        String unit = "";
        final Map<String, Double> percentiles = new TreeMap<>((a, b) -> Double.compare(
            Double.parseDouble(a), Double.parseDouble(b)));

        double percentile(final String p)
        {
            final Double v = percentiles.get(p);
            return v == null ? Double.NaN : v;
        }
    }

    /** One JMH result. */
    static final class Result
    {
        String benchmark;
        String mode;
        int threads;
        final Map<String, String> params = new TreeMap<>();
        Metric primary;
        final Map<String, Metric> secondary = new LinkedHashMap<>();

        String shortName()
        {
            final String[] parts = benchmark.split("\\.");
            return parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : benchmark;
        }

        String key()
        {
            return shortName() + " (" + mode + ")";
        }

        String paramLabel(final String except)
        {
            final StringBuilder b = new StringBuilder();
            for (final Map.Entry<String, String> e : params.entrySet())
            {
                if (!e.getKey().equals(except))
                {
                    b.append(b.length() == 0 ? "" : ", ").append(e.getKey()).append('=').append(e.getValue());
                }
            }
            return b.length() == 0 ? "-" : b.toString();
        }

        double allocNorm()
        {
            final Metric m = secondary.get("gc.alloc.rate.norm");
            return m == null ? Double.NaN : m.score;
        }
    }

    /**
     * @param args JSON files, then {@code --out DIR}, optionally {@code --assert-zero-alloc}.
     * @throws IOException on I/O failure.
     */
    public static void main(final String[] args) throws IOException
    {
        final List<Path> inputs = new ArrayList<>();
        Path out = Paths.get("jmh-results");
        boolean assertAlloc = false;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--out":
                    out = Paths.get(args[++i]);
                    break;
                case "--assert-zero-alloc":
                    assertAlloc = true;
                    break;
                default:
                    inputs.add(Paths.get(args[i]));
            }
        }
        if (inputs.isEmpty())
        {
            System.err.println("usage: ResultsRenderer FILE.json... --out DIR [--assert-zero-alloc]");
            System.exit(2);
        }
        final List<Result> results = new ArrayList<>();
        for (final Path p : inputs)
        {
            results.addAll(read(p));
        }
        Files.createDirectories(out);
        final Map<String, List<Result>> byKey = new LinkedHashMap<>();
        for (final Result r : results)
        {
            byKey.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
        }
        final StringBuilder md = new StringBuilder();
        md.append("# RegionCache benchmark results\n\n");
        md.append("Generated ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
            .append(" from ").append(inputs).append(".\n\n");
        md.append("Lower is better everywhere (times). `alloc` is `gc.alloc.rate.norm` (B/op, only with `-prof gc`).")
            .append(" In the comparison tables, `x` = peer time / regioncache time (above 1: regioncache faster).\n\n");
        Targets.render(md, results);
        MissUnits.render(md, results);
        for (final Map.Entry<String, List<Result>> e : byKey.entrySet())
        {
            final List<Result> rs = e.getValue();
            renderTable(md, e.getKey(), rs);
            final String svgName = e.getKey().replaceAll("[^A-Za-z0-9.]+", "-").replaceAll("-+$", "") + ".svg";
            final String svg = chart(e.getKey(), rs);
            if (svg != null)
            {
                Files.write(out.resolve(svgName), svg.getBytes(StandardCharsets.UTF_8));
                md.append("![").append(e.getKey()).append("](").append(svgName).append(")\n\n");
            }
        }
        Files.write(out.resolve("summary.md"), md.toString().getBytes(StandardCharsets.UTF_8));
        System.out.println("wrote " + out.resolve("summary.md") + " and " + byKey.size() + " chart(s) for " +
            results.size() + " result(s)");
        if (assertAlloc && !checkAlloc(results))
        {
            System.exit(3);
        }
    }

    static boolean checkAlloc(final List<Result> results)
    {
        boolean ok = true;
        int checked = 0;
        for (final Result r : results)
        {
            final String store = r.params.getOrDefault("store", "");
            final boolean rc = store.startsWith(BASELINE) || r.benchmark.contains("SnapshotBenchmark");
            final double a = r.allocNorm();
            if (rc && !Double.isNaN(a))
            {
                checked++;
                if (a >= ALLOC_LIMIT)
                {
                    ok = false;
                    System.err.println("ALLOCATION: " + r.key() + " [" + r.paramLabel(null) + "] allocates " +
                        fmt(a) + " B/op");
                }
            }
        }
        if (checked == 0)
        {
            System.err.println("ALLOCATION: no RegionCache read result carries gc.alloc.rate.norm (run with -prof gc)");
            return false;
        }
        System.out.println("allocation check: " + checked + " RegionCache read result(s), " +
            (ok ? "all below " + ALLOC_LIMIT + " B/op" : "FAILED"));
        return ok;
    }

    // ---------------------------------------------------------------- reading

    @SuppressWarnings("unchecked")
    static List<Result> read(final Path file) throws IOException
    {
        final Object root = Json.parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
        final List<Result> out = new ArrayList<>();
        if (!(root instanceof List))
        {
            throw new IllegalArgumentException(file + ": not a JMH JSON result array");
        }
        for (final Object o : (List<Object>)root)
        {
            final Map<String, Object> m = (Map<String, Object>)o;
            final Result r = new Result();
            r.benchmark = String.valueOf(m.get("benchmark"));
            r.mode = String.valueOf(m.get("mode"));
            r.threads = (int)Json.num(m.get("threads"));
            final Object params = m.get("params");
            if (params instanceof Map)
            {
                for (final Map.Entry<String, Object> p : ((Map<String, Object>)params).entrySet())
                {
                    r.params.put(p.getKey(), String.valueOf(p.getValue()));
                }
            }
            r.primary = metric((Map<String, Object>)m.get("primaryMetric"));
            final Object sec = m.get("secondaryMetrics");
            if (sec instanceof Map)
            {
                for (final Map.Entry<String, Object> s : ((Map<String, Object>)sec).entrySet())
                {
                    String name = s.getKey();
                    while (!name.isEmpty() && !Character.isLetterOrDigit(name.charAt(0)))
                    {
                        name = name.substring(1); // older JMH prefixes profiler metrics with a middle dot
                    }
                    r.secondary.put(name, metric((Map<String, Object>)s.getValue()));
                }
            }
            out.add(r);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Metric metric(final Map<String, Object> m)
    {
        final Metric x = new Metric();
        if (m == null)
        {
            x.score = Double.NaN;
            x.error = Double.NaN;
            return x;
        }
        x.score = Json.num(m.get("score"));
        x.error = Json.num(m.get("scoreError"));
        x.unit = String.valueOf(m.get("scoreUnit"));
        final Object p = m.get("scorePercentiles");
        if (p instanceof Map)
        {
            for (final Map.Entry<String, Object> e : ((Map<String, Object>)p).entrySet())
            {
                x.percentiles.put(e.getKey(), Json.num(e.getValue()));
            }
        }
        return x;
    }

    // ---------------------------------------------------------------- markdown

    private static boolean sampled(final List<Result> rs)
    {
        return "sample".equals(rs.get(0).mode);
    }

    static void renderTable(final StringBuilder md, final String title, final List<Result> rs)
    {
        md.append("## ").append(title).append("\n\n");
        final boolean sample = sampled(rs);
        final boolean alloc = rs.stream().anyMatch(r -> !Double.isNaN(r.allocNorm()));
        md.append("| params | metric | threads | score | error | unit |");
        if (sample)
        {
            md.append(" p50 | p90 | p99 | p99.9 | max |");
        }
        if (alloc)
        {
            md.append(" alloc B/op |");
        }
        md.append('\n');
        md.append("|---|---|---|---:|---:|---|");
        if (sample)
        {
            md.append("---:|---:|---:|---:|---:|");
        }
        if (alloc)
        {
            md.append("---:|");
        }
        md.append('\n');
        for (final Result r : rs)
        {
            row(md, r, "primary", r.primary, sample, alloc ? r.allocNorm() : Double.NaN, alloc);
            for (final Map.Entry<String, Metric> s : r.secondary.entrySet())
            {
                if (!s.getKey().startsWith("gc."))
                {
                    row(md, r, s.getKey(), s.getValue(), sample, Double.NaN, alloc);
                }
            }
        }
        md.append('\n');
        if (rs.stream().anyMatch(r -> BASELINE.equals(r.params.get("store"))) &&
            rs.stream().anyMatch(r -> r.params.containsKey("store") && !BASELINE.equals(r.params.get("store"))))
        {
            comparison(md, rs);
        }
    }

    private static void row(
        final StringBuilder md, final Result r, final String metric, final Metric m, final boolean sample,
        final double alloc, final boolean allocColumn)
    {
        md.append("| ").append(r.paramLabel(null)).append(" | ").append(metric).append(" | ").append(r.threads)
            .append(" | ").append(fmt(m.score)).append(" | ").append(fmt(m.error)).append(" | ").append(m.unit)
            .append(" |");
        if (sample)
        {
            for (final String p : new String[] {"50.0", "90.0", "99.0", "99.9", "100.0"})
            {
                md.append(' ').append(fmt(m.percentile(p))).append(" |");
            }
        }
        if (allocColumn)
        {
            md.append(' ').append(Double.isNaN(alloc) ? "" : fmt(alloc)).append(" |");
        }
        md.append('\n');
    }

    private static void comparison(final StringBuilder md, final List<Result> rs)
    {
        final boolean sample = sampled(rs);
        final Set<String> stores = new LinkedHashSet<>();
        final Map<String, Map<String, Result>> byParams = new LinkedHashMap<>();
        for (final Result r : rs)
        {
            final String store = r.params.get("store");
            if (store == null)
            {
                continue;
            }
            stores.add(store);
            byParams.computeIfAbsent(r.paramLabel("store"), k -> new LinkedHashMap<>()).put(store, r);
        }
        stores.remove(BASELINE);
        md.append("### regioncache against each peer (same parameters; ").append(sample ? "p50" : "mean")
            .append(", x = peer / regioncache)\n\n");
        md.append("| params | regioncache |");
        for (final String s : stores)
        {
            md.append(' ').append(s).append(" |");
        }
        md.append("\n|---|---:|");
        for (int i = 0; i < stores.size(); i++)
        {
            md.append("---:|");
        }
        md.append('\n');
        for (final Map.Entry<String, Map<String, Result>> e : byParams.entrySet())
        {
            final Result base = e.getValue().get(BASELINE);
            final double b = base == null ? Double.NaN : value(base, sample);
            md.append("| ").append(e.getKey()).append(" | ").append(fmt(b)).append(" |");
            for (final String s : stores)
            {
                final Result peer = e.getValue().get(s);
                if (peer == null)
                {
                    md.append(" - |");
                    continue;
                }
                final double v = value(peer, sample);
                md.append(' ').append(fmt(v)).append(" (").append(fmt(v / b)).append("x) |");
            }
            md.append('\n');
        }
        md.append('\n');
    }

    private static double value(final Result r, final boolean sample)
    {
        return sample ? r.primary.percentile("50.0") : r.primary.score;
    }

    static String fmt(final double v)
    {
        if (Double.isNaN(v))
        {
            return "NaN";
        }
        final double a = Math.abs(v);
        if (a == 0)
        {
            return "0";
        }
        if (a >= 1e6)
        {
            return String.format(Locale.ROOT, "%.4g", v);
        }
        if (a >= 100)
        {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1)
        {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    // ---------------------------------------------------------------- SVG

    /** Build the chart of one benchmark: groups along x, one bar per series. */
    static String chart(final String title, final List<Result> rs)
    {
        final List<String> groups = new ArrayList<>();
        final List<String> series = new ArrayList<>();
        final Map<String, Map<String, Double>> values = new LinkedHashMap<>();
        final boolean sample = sampled(rs);
        final boolean byStore = rs.stream().allMatch(r -> r.params.containsKey("store"));
        String unit = rs.get(0).primary.unit;
        for (final Result r : rs)
        {
            if (byStore)
            {
                final String g = r.paramLabel("store");
                put(groups, series, values, g, r.params.get("store"), value(r, sample));
            }
            else
            {
                final String g = r.paramLabel(null);
                Metric m = r.primary;
                String prefix = "";
                if (r.secondary.containsKey("get"))
                {
                    m = r.secondary.get("get"); // group benchmarks: the reader's latency
                    prefix = "get ";
                }
                if (r.secondary.containsKey("puts"))
                {
                    m = r.secondary.get("puts"); // per-put cost
                    prefix = "per put ";
                }
                unit = m.unit;
                if (sample)
                {
                    put(groups, series, values, g, prefix + "p50", m.percentile("50.0"));
                    put(groups, series, values, g, prefix + "p99", m.percentile("99.0"));
                    put(groups, series, values, g, prefix + "mean", m.score);
                }
                else
                {
                    put(groups, series, values, g, prefix + "mean", m.score);
                }
            }
        }
        if (groups.isEmpty())
        {
            return null;
        }
        return svg(title + (byStore && sample ? " - p50" : ""), unit, groups, series, values);
    }

    private static void put(
        final List<String> groups, final List<String> series, final Map<String, Map<String, Double>> values,
        final String g, final String s, final double v)
    {
        if (!groups.contains(g))
        {
            groups.add(g);
        }
        if (!series.contains(s))
        {
            series.add(s);
        }
        values.computeIfAbsent(g, k -> new LinkedHashMap<>()).put(s, v);
    }

    private static final String[] COLORS = {
        "#d62728", "#ff9896", "#e377c2", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf",
        "#bcbd22"};

    static String svg(
        final String title, final String unit, final List<String> groups, final List<String> series,
        final Map<String, Map<String, Double>> values)
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
            .append(log ? ", log scale" : "").append(", lower is better</text>\n");
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
                left, plotRight, y, y, left - 6, y + 4, esc(fmt(t))));
        }
        b.append(String.format(Locale.ROOT,
            "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n", left, left, top, top + plotH));
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#333\"/>%n",
            left, plotRight, top + plotH, top + plotH));
        for (int g = 0; g < groups.size(); g++)
        {
            final int gx = left + g * groupW + gap / 2;
            final Map<String, Double> vs = values.get(groups.get(g));
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
                    x, y, barW - 2, top + plotH - y, COLORS[s % COLORS.length], esc(series.get(s)), esc(fmt(v)),
                    esc(unit)));
                b.append(String.format(Locale.ROOT,
                    "<text transform=\"translate(%.1f,%.1f) rotate(-90)\" font-size=\"9\" fill=\"#222\">%s</text>%n",
                    x + barW / 2.0 + 3, y - 3, esc(fmt(v))));
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

    private static String esc(final String s)
    {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
