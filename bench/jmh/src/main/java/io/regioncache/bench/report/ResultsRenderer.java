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

import io.regioncache.bench.support.BarChart;

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

    static String svg(
        final String title, final String unit, final List<String> groups, final List<String> series,
        final Map<String, Map<String, Double>> values)
    {
        return BarChart.svg(title, unit, ", lower is better", groups, series, values, ResultsRenderer::fmt);
    }
}
