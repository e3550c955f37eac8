package io.regioncache.bench.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every get beside the physical limit measured in the same run ({@code MemoryLatencyBenchmark} over a buffer the
 * size of the table): each point get and each batched get (per key) as a multiple of one dependent random load
 * ({@code chase1}), with two dependent loads ({@code chase2}) and one of 16 overlapped loads
 * ({@code independent16 / 16}) for scale; and each {@code scan100} beside a linked walk over 101 nodes laid out one
 * after the other ({@code walk100}) and a stream over their bytes ({@code stream100}).
 */
final class MissUnits
{
    private static final String[] GETS = {"ReadBenchmark.get", "MultiGetBenchmark.multiGet16"};

    /** The {@code pages} parameter of the chase allocated as the engine allocates by default. */
    static final String DEFAULT_PAGES = "default";

    private MissUnits()
    {
    }

    /**
     * @return the one-miss chase to divide a get of {@code store} by: at the same key count, on huge pages for a
     * {@code -huge} store and on default pages otherwise (any chase at that count for results older than the
     * {@code pages} parameter); null if there is none.
     */
    static ResultsRenderer.Result chase1(
        final List<ResultsRenderer.Result> results, final String keys, final String store)
    {
        final String pages = store.endsWith("-huge") ? "huge" : DEFAULT_PAGES;
        final ResultsRenderer.Result same =
            Targets.find(results, "MemoryLatencyBenchmark.chase1", Map.of("keys", keys, "pages", pages));
        return null != same ? same : Targets.find(results, "MemoryLatencyBenchmark.chase1", Map.of("keys", keys));
    }

    static void render(final StringBuilder md, final List<ResultsRenderer.Result> results)
    {
        boolean any = false;
        for (final ResultsRenderer.Result r : results)
        {
            any |= r.shortName().startsWith("MemoryLatencyBenchmark.");
        }
        if (!any)
        {
            return;
        }
        md.append("## Reads in units of one memory miss\n\n");
        md.append("The limit, measured in the same run over direct memory the size of the table (`keys * 192` bytes")
            .append(" rounded up to a power of two): one dependent random load, two dependent loads, and one of 16")
            .append(" independent loads (overlapped by the core).\n\n");
        md.append("| keys | pages | chase1 (1 miss) ns | chase2 (2 dependent) ns | independent16 ns per load |")
            .append(" walk100 (101 nodes, linked) ns | stream100 (their bytes) ns |\n")
            .append("|---|---|---:|---:|---:|---:|---:|\n");
        for (final ResultsRenderer.Result c1 : results)
        {
            if (!c1.shortName().equals("MemoryLatencyBenchmark.chase1"))
            {
                continue;
            }
            final String keys = c1.params.get("keys");
            final String pages = c1.params.getOrDefault("pages", DEFAULT_PAGES);
            final Map<String, String> same = c1.params.containsKey("pages") ?
                Map.of("keys", keys, "pages", pages) : Map.of("keys", keys);
            final ResultsRenderer.Result c2 = Targets.find(results, "MemoryLatencyBenchmark.chase2", same);
            final ResultsRenderer.Result i16 = Targets.find(results, "MemoryLatencyBenchmark.independent16", same);
            final ResultsRenderer.Result walk = Targets.find(results, "MemoryLatencyBenchmark.walk100", same);
            final ResultsRenderer.Result stream = Targets.find(results, "MemoryLatencyBenchmark.stream100", same);
            md.append("| ").append(keys).append(" | ").append(pages).append(" | ")
                .append(ResultsRenderer.fmt(c1.primary.score)).append(" | ")
                .append(c2 == null ? "-" : ResultsRenderer.fmt(c2.primary.score)).append(" | ")
                .append(i16 == null ? "-" : ResultsRenderer.fmt(i16.primary.score / 16)).append(" | ")
                .append(walk == null ? "-" : ResultsRenderer.fmt(walk.primary.score)).append(" | ")
                .append(stream == null ? "-" : ResultsRenderer.fmt(stream.primary.score)).append(" |\n");
        }
        md.append('\n');
        md.append("Each get as a multiple of `chase1` at the same key count and page backing (a `-huge` store")
            .append(" against the chase on huge pages; batched gets: per key):\n\n");
        md.append("| benchmark | params | ns/op | x one miss |\n|---|---|---:|---:|\n");
        for (final String bench : GETS)
        {
            for (final ResultsRenderer.Result r : results)
            {
                if (!r.shortName().equals(bench) || !"avgt".equals(r.mode))
                {
                    continue;
                }
                final ResultsRenderer.Result c1 = chase1(results, r.params.getOrDefault("keys", ""),
                    r.params.getOrDefault("store", ""));
                final double x = c1 == null ? Double.NaN : r.primary.score / c1.primary.score;
                md.append("| ").append(bench).append(" | ").append(r.paramLabel(null)).append(" | ")
                    .append(ResultsRenderer.fmt(r.primary.score)).append(" | ")
                    .append(Double.isNaN(x) ? "no chase at this size" : String.format(Locale.ROOT, "%.2f", x))
                    .append(" |\n");
            }
        }
        md.append('\n');
        renderScans(md, results);
    }

    /** Each {@code scan100} beside {@code walk100} and {@code stream100} at the same key count on default pages. */
    private static void renderScans(final StringBuilder md, final List<ResultsRenderer.Result> results)
    {
        final StringBuilder rows = new StringBuilder();
        for (final ResultsRenderer.Result r : results)
        {
            if (!r.shortName().equals("ScanBenchmark.scan100") || !"avgt".equals(r.mode))
            {
                continue;
            }
            final Map<String, String> at = Map.of("keys", r.params.getOrDefault("keys", ""), "pages", DEFAULT_PAGES);
            final ResultsRenderer.Result walk = Targets.find(results, "MemoryLatencyBenchmark.walk100", at);
            final ResultsRenderer.Result stream = Targets.find(results, "MemoryLatencyBenchmark.stream100", at);
            if (walk == null || stream == null)
            {
                continue;
            }
            rows.append("| ").append(r.paramLabel(null)).append(" | ").append(ResultsRenderer.fmt(r.primary.score))
                .append(" | ").append(String.format(Locale.ROOT, "%.2f", r.primary.score / walk.primary.score))
                .append(" | ").append(String.format(Locale.ROOT, "%.2f", r.primary.score / stream.primary.score))
                .append(" |\n");
        }
        if (rows.length() == 0)
        {
            return;
        }
        md.append("Each `scan100` (a seek, then 100 steps) beside what its bytes cost at best in the same run: a linked")
            .append(" walk over 101 nodes that follow each other in memory (`walk100`) and a stream over the same")
            .append(" bytes (`stream100`):\n\n");
        md.append("| params | ns/op | x walk100 | x stream100 |\n|---|---:|---:|---:|\n").append(rows).append('\n');
    }
}
