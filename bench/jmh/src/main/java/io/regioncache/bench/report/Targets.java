package io.regioncache.bench.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The issue tracker's performance targets, checked against one set of JMH results: each row names the ratio or
 * figure, the target, what was measured and whether it passed. Rows whose results are missing say so.
 */
final class Targets
{
    private Targets()
    {
    }

    static void render(final StringBuilder md, final List<ResultsRenderer.Result> results)
    {
        md.append("## Targets (1M keys, uniform; ratios within one run)\n\n");
        md.append("| target | measured | goal | met |\n|---|---|---|---|\n");
        final Map<String, String> rc = Map.of("store", "regioncache", "keys", "1000000", "distribution", "uniform");
        final ResultsRenderer.Result chase1 = MissUnits.chase1(results, "1000000", "regioncache");
        final ResultsRenderer.Result get1m = find(results, "ReadBenchmark.get", rc);
        if (chase1 != null && get1m != null)
        {
            final double r = get1m.primary.score / chase1.primary.score;
            row(md, "get / one dependent miss (chase1)", r, "x", "<= 1.5", r <= 1.5);
        }
        else
        {
            missing(md, "get / one dependent miss (chase1)");
        }
        // Chronicle Map at its best: the faster of its two read paths for the same parameters.
        final double chronicleBest = best(results, "ReadBenchmark.get", "1000000", "uniform");
        if (get1m != null && !Double.isNaN(chronicleBest))
        {
            final double r = get1m.primary.score / chronicleBest;
            row(md, "get: regioncache / chronicle-map at its best", r, "x", "<= 0.5", r <= 0.5);
        }
        else
        {
            missing(md, "get: regioncache / chronicle-map at its best");
        }
        final ResultsRenderer.Result multi = find(results, "MultiGetBenchmark.multiGet16",
            Map.of("store", "regioncache-multiget", "keys", "1000000", "distribution", "uniform"));
        final double chronicleSingle = !Double.isNaN(chronicleBest) ? chronicleBest :
            best(results, "MultiGetBenchmark.multiGet16", "1000000", "uniform");
        if (multi != null && !Double.isNaN(chronicleSingle))
        {
            final double r = multi.primary.score / chronicleSingle;
            row(md, "multiGet16 per key / chronicle-map best single get", r, "x", "<= 0.1", r <= 0.1);
        }
        else
        {
            missing(md, "multiGet16 per key / chronicle-map best single get");
        }
        // The floors of the two get targets, measured in the same run: what the loads alone cost, in the targets'
        // own units, for any layout that keeps a key and its 100-byte value together (two lines per key).
        final Map<String, String> defaultPages = Map.of("keys", "1000000", "pages", MissUnits.DEFAULT_PAGES);
        final ResultsRenderer.Result chaseEntry = find(results, "MemoryLatencyBenchmark.chaseEntry", defaultPages);
        if (chase1 != null && chaseEntry != null)
        {
            floor(md, "floor of the get target: chaseEntry (one 2-line entry) / chase1",
                chaseEntry.primary.score / chase1.primary.score, "goal above: <= 1.5");
        }
        final ResultsRenderer.Result entries16 = find(results, "MemoryLatencyBenchmark.entries16", defaultPages);
        if (entries16 != null && !Double.isNaN(chronicleSingle))
        {
            floor(md, "floor of the multiGet target: entries16 per entry (2 lines per key) / chronicle-map best"
                + " single get", entries16.primary.score / 16 / chronicleSingle, "goal above: <= 0.1");
        }
        for (final String peer : new String[] {"chronicle-map", "lmdb", "rocksdb", "skiplist"})
        {
            final double goal = peer.equals("chronicle-map") ? 0.5 : peer.equals("lmdb") ? 0.25 : 0.1;
            ratio(md, "get: regioncache / " + peer, results, "ReadBenchmark.get", rc,
                Map.of("store", peer, "keys", "1000000", "distribution", "uniform"), goal);
        }
        for (final String peer : new String[] {"lmdb", "rocksdb"})
        {
            ratio(md, "scan100: regioncache / " + peer, results, "ScanBenchmark.scan100", rc,
                Map.of("store", peer, "keys", "1000000", "distribution", "uniform"), peer.equals("lmdb") ? 0.5 : 0.15);
        }
        final ResultsRenderer.Result pin = find(results, "SnapshotBenchmark.pinUnpin", Map.of());
        final ResultsRenderer.Result pin2 = find(results, "SnapshotBenchmark.pinUnpinTwoThreads", Map.of());
        row(md, "pinUnpin (1 thread)", pin == null ? Double.NaN : pin.primary.score, "ns", "<= 20",
            pin != null && pin.primary.score <= 20);
        if (pin != null && pin2 != null)
        {
            final double r = pin2.primary.score / pin.primary.score;
            row(md, "pinUnpin: 2 threads on one region / 1 thread", r, "x", "<= 1.5", r <= 1.5);
        }
        else
        {
            missing(md, "pinUnpin: 2 threads on one region / 1 thread");
        }
        final ResultsRenderer.Result put = find(results, "ApplyBenchmark.put", Map.of("batch", "64"),
            r -> !"spin".equals(r.params.get("idle")) && !"random".equals(r.params.get("order")));
        // ApplyBenchmark reports ns per put as the "puts" counter (the primary score is per submitted batch).
        final ResultsRenderer.Metric perPut = put == null ? null : put.secondary.getOrDefault("puts", put.primary);
        final double putsPerSec = perPut == null ? Double.NaN : 1e9 / perPut.score;
        row(md, "put, batch 64 (puts/s)", putsPerSec, "", ">= 1,000,000", putsPerSec >= 1_000_000);
        final ResultsRenderer.Result split1k = find(results, "SplitBenchmark.split", Map.of("keys", "1000"),
            r -> !"dedicated".equals(r.params.get("threading")));
        final ResultsRenderer.Result split1m = find(results, "SplitBenchmark.split", Map.of("keys", "1000000"),
            r -> !"dedicated".equals(r.params.get("threading")));
        if (split1k != null && split1m != null)
        {
            final double m1k = median(split1k);
            final double m1m = median(split1m);
            row(md, "split median: 1M keys / 1K keys", m1m / m1k, "x", "<= 2", m1m / m1k <= 2);
        }
        else
        {
            missing(md, "split median: 1M keys / 1K keys");
        }
        ratio(md, "load / rocksdbScan", results, "LoadBenchmark.load", Map.of(), "LoadBenchmark.rocksdbScan",
            Map.of(), 1.3);
        ratio(md, "scan100 after GC: 64 versions / 1 version", results, "MvccScanBenchmark.scan100",
            Map.of("versions", "64", "gc", "true"), "MvccScanBenchmark.scan100", Map.of("versions", "1", "gc", "true"),
            1.5);
        md.append('\n');
    }

    /**
     * @return the lower mean time of Chronicle Map's two read paths ({@code chronicle-map},
     * {@code chronicle-map-offheap}) in one benchmark, or NaN if neither is in the results.
     */
    static double best(
        final List<ResultsRenderer.Result> results, final String bench, final String keys, final String distribution)
    {
        double best = Double.NaN;
        for (final String store : new String[] {"chronicle-map", "chronicle-map-offheap"})
        {
            final ResultsRenderer.Result r =
                find(results, bench, Map.of("store", store, "keys", keys, "distribution", distribution));
            if (r != null && (Double.isNaN(best) || r.primary.score < best))
            {
                best = r.primary.score;
            }
        }
        return best;
    }

    private static double median(final ResultsRenderer.Result r)
    {
        final double p50 = r.primary.percentile("50.0");
        return Double.isNaN(p50) ? r.primary.score : p50;
    }

    private static void ratio(
        final StringBuilder md, final String name, final List<ResultsRenderer.Result> results, final String bench,
        final Map<String, String> mine, final Map<String, String> theirs, final double goal)
    {
        ratio(md, name, results, bench, mine, bench, theirs, goal);
    }

    private static void ratio(
        final StringBuilder md, final String name, final List<ResultsRenderer.Result> results,
        final String benchA, final Map<String, String> paramsA, final String benchB, final Map<String, String> paramsB,
        final double goal)
    {
        final ResultsRenderer.Result a = find(results, benchA, paramsA);
        final ResultsRenderer.Result b = find(results, benchB, paramsB);
        if (a == null || b == null)
        {
            missing(md, name);
            return;
        }
        final double r = a.primary.score / b.primary.score;
        row(md, name, r, "x", "<= " + goal, r <= goal);
    }

    /** A row that is not a target but the least its target's ratio can be: the loads alone, measured. */
    private static void floor(final StringBuilder md, final String name, final double value, final String goal)
    {
        md.append("| ").append(name).append(" | ").append(String.format(Locale.ROOT, "%.3f", value)).append(" x | ")
            .append(goal).append(" | floor |\n");
    }

    private static void missing(final StringBuilder md, final String name)
    {
        md.append("| ").append(name).append(" | not in these results | | |\n");
    }

    private static void row(
        final StringBuilder md, final String name, final double value, final String unit, final String goal,
        final boolean met)
    {
        md.append("| ").append(name).append(" | ")
            .append(Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, value >= 1000 ? "%,.0f" : "%.3f", value))
            .append(unit.isEmpty() ? "" : " " + unit).append(" | ").append(goal).append(" | ")
            .append(Double.isNaN(value) ? "" : met ? "yes" : "**no**").append(" |\n");
    }

    static ResultsRenderer.Result find(
        final List<ResultsRenderer.Result> results, final String bench, final Map<String, String> params)
    {
        return find(results, bench, params, r -> true);
    }

    private static ResultsRenderer.Result find(
        final List<ResultsRenderer.Result> results, final String bench, final Map<String, String> params,
        final Predicate<ResultsRenderer.Result> also)
    {
        ResultsRenderer.Result found = null;
        for (final ResultsRenderer.Result r : results)
        {
            if (!r.shortName().equals(bench) || !also.test(r))
            {
                continue;
            }
            boolean all = true;
            for (final Map.Entry<String, String> e : params.entrySet())
            {
                all &= e.getValue().equals(r.params.get(e.getKey()));
            }
            if (all && (found == null || "avgt".equals(r.mode) || "sample".equals(r.mode)))
            {
                found = r;
            }
        }
        return found;
    }
}
