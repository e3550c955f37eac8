package io.regioncache.bench.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every get beside the physical limit measured in the same run ({@code MemoryLatencyBenchmark} over a buffer the
 * size of the table): each point get and each batched get (per key) as a multiple of one dependent random load
 * ({@code chase1}), with two dependent loads ({@code chase2}) and one of 16 overlapped loads
 * ({@code independent16 / 16}) for scale.
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
        md.append("| keys | pages | chase1 (1 miss) ns | chase2 (2 dependent) ns | independent16 ns per load |\n")
            .append("|---|---|---:|---:|---:|\n");
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
            md.append("| ").append(keys).append(" | ").append(pages).append(" | ")
                .append(ResultsRenderer.fmt(c1.primary.score)).append(" | ")
                .append(c2 == null ? "-" : ResultsRenderer.fmt(c2.primary.score)).append(" | ")
                .append(i16 == null ? "-" : ResultsRenderer.fmt(i16.primary.score / 16)).append(" |\n");
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
    }
}
