package io.regioncache.bench.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every get beside the physical limit measured in the same run ({@code MemoryLatencyBenchmark} over a buffer the
 * size of the table): each point get and each batched get (per key) as a multiple of one dependent random load
 * ({@code chase1}), with two dependent loads ({@code chase2}) and one of 16 overlapped loads
 * ({@code independent16 / 16}) for scale, and as a multiple of what its own loads cost with nothing else done: a
 * point get beside {@code chaseEntry} (one random two-line index entry per step), a batched get beside
 * {@code touch16 / 16} (the lines {@code multiGet} loads per key); and each {@code scan100} beside a linked walk over
 * 101 nodes laid out one after the other ({@code walk100}) and a stream over their bytes ({@code stream100}).
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
            .append(" walk100 (101 nodes, linked) ns | stream100 (their bytes) ns |")
            .append(" chaseEntry (1 entry: 2 lines) ns | entries16 ns per entry |")
            .append(" touch16 (multiGet's lines) ns per key |\n")
            .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
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
            final ResultsRenderer.Result entry = Targets.find(results, "MemoryLatencyBenchmark.chaseEntry", same);
            final ResultsRenderer.Result e16 = Targets.find(results, "MemoryLatencyBenchmark.entries16", same);
            final ResultsRenderer.Result t16 = Targets.find(results, "MemoryLatencyBenchmark.touch16", same);
            md.append("| ").append(keys).append(" | ").append(pages).append(" | ")
                .append(ResultsRenderer.fmt(c1.primary.score)).append(" | ")
                .append(c2 == null ? "-" : ResultsRenderer.fmt(c2.primary.score)).append(" | ")
                .append(i16 == null ? "-" : ResultsRenderer.fmt(i16.primary.score / 16)).append(" | ")
                .append(walk == null ? "-" : ResultsRenderer.fmt(walk.primary.score)).append(" | ")
                .append(stream == null ? "-" : ResultsRenderer.fmt(stream.primary.score)).append(" | ")
                .append(entry == null ? "-" : ResultsRenderer.fmt(entry.primary.score)).append(" | ")
                .append(e16 == null ? "-" : ResultsRenderer.fmt(e16.primary.score / 16)).append(" | ")
                .append(t16 == null ? "-" : ResultsRenderer.fmt(t16.primary.score / 16)).append(" |\n");
        }
        md.append('\n');
        md.append("Each get as a multiple of `chase1` at the same key count and page backing (a `-huge` store")
            .append(" against the chase on huge pages; batched gets: per key), and as a multiple of its own loads")
            .append(" with nothing else done (a point get: `chaseEntry`; a batched get: `touch16` per key):\n\n");
        md.append("| benchmark | params | ns/op | x one miss | x its own loads |\n|---|---|---:|---:|---:|\n");
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
                final double own = ownLoads(results, bench, r);
                md.append("| ").append(bench).append(" | ").append(r.paramLabel(null)).append(" | ")
                    .append(ResultsRenderer.fmt(r.primary.score)).append(" | ")
                    .append(Double.isNaN(x) ? "no chase at this size" : String.format(Locale.ROOT, "%.2f", x))
                    .append(" | ").append(Double.isNaN(own) ? "-" : String.format(Locale.ROOT, "%.2f", own))
                    .append(" |\n");
            }
        }
        md.append('\n');
        renderScans(md, results);
    }

    /**
     * @return a get's time as a multiple of what its own loads cost alone at the same key count and page backing: a
     * point get over {@code chaseEntry}, a batched get (per key) over {@code touch16 / 16}; NaN without that figure.
     */
    static double ownLoads(
        final List<ResultsRenderer.Result> results, final String bench, final ResultsRenderer.Result r)
    {
        final String pages = r.params.getOrDefault("store", "").endsWith("-huge") ? "huge" : DEFAULT_PAGES;
        final Map<String, String> at = Map.of("keys", r.params.getOrDefault("keys", ""), "pages", pages);
        final boolean batched = bench.startsWith("MultiGetBenchmark.");
        final ResultsRenderer.Result floor = Targets.find(results,
            batched ? "MemoryLatencyBenchmark.touch16" : "MemoryLatencyBenchmark.chaseEntry", at);
        return null == floor ? Double.NaN : r.primary.score / (batched ? floor.primary.score / 16 : floor.primary.score);
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
