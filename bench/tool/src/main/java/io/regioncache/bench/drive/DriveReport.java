package io.regioncache.bench.drive;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.HdrHistogram.Histogram;

import io.regioncache.MetricsSnapshot;
import io.regioncache.EvictReason;

/**
 * The outcome of one {@code drive} run: workload counts, read latency by source, region life cycle, GC, memory
 * and the final cross-check. Rendered as text ({@link #toText()}) or JSON ({@link #toJson()}).
 */
public final class DriveReport
{
    DriveSettings settings;
    double setupSeconds;
    double seconds;
    double crossCheckSeconds;
    long initialKeys;
    /** Resumed over an earlier run's --data-dir (then the ack fields below are set). */
    boolean resumed;
    long acksInLog;
    long acksVerified;
    long acksSuperseded;
    long acksMissing;
    long acksRecovered;
    /** Acknowledged writes an earlier resume on the directory found missing ({@link AckLog#LOST}): 0 if none did. */
    long acksLostEarlier;
    long acksLogged;
    double verifySeconds;
    final List<String> ackSamples = new ArrayList<>();
    long reads;
    long gets;
    long scans;
    long scannedKeys;
    long cacheReads;
    long storeReads;
    final Map<String, Long> fallbacks = new LinkedHashMap<>();
    long writeBatches;
    long keyWrites;
    long lastVersion;
    final Histogram cacheLatency = new Histogram(3);
    final Histogram storeLatency = new Histogram(3);
    long readErrors;
    long wrongValues;
    String firstReadProblem;
    int regionsAtStart;
    int regionsAtEnd;
    long splits;
    final Map<String, Long> splitResults = new LinkedHashMap<>();
    final Map<String, Long> writeResults = new LinkedHashMap<>();
    long storeWriteErrors;
    long reconciliations;
    MetricsSnapshot metrics;
    long gcRounds;
    long gcSafePoint;
    long storeEntriesDropped;
    long gcMillis;
    long gcCpuMillis;
    long memoryPeak;
    long memoryAtEnd;
    long memoryAfterClose;
    long capacity;
    long evictThreshold;
    long stopLoadThreshold;
    int regionsChecked;
    int regionsNotCompared;
    long keysCompared;
    long divergences;
    final List<String> divergenceSamples = new ArrayList<>();

    DriveReport()
    {
    }

    /** @return reads served by the cache / all reads (0 if none). */
    public double hitRatio()
    {
        final long all = cacheReads + storeReads;
        return all == 0 ? 0 : (double)cacheReads / all;
    }

    /** @return reads (gets and scans) issued. */
    public long reads()
    {
        return reads;
    }

    /** @return write batches applied. */
    public long writeBatches()
    {
        return writeBatches;
    }

    /** @return divergences found by the final cross-check. */
    public long divergences()
    {
        return divergences;
    }

    /** @return regions compared by the final cross-check. */
    public int regionsChecked()
    {
        return regionsChecked;
    }

    /** @return regions split by the driver. */
    public long splits()
    {
        return splits;
    }

    /** @return reads that returned a value for another key or from the future. */
    public long wrongValues()
    {
        return wrongValues;
    }

    /** @return off-heap bytes still in use after the engine closed (0 = no leaked segment). */
    public long memoryAfterClose()
    {
        return memoryAfterClose;
    }

    /** @return the most off-heap bytes in use at once since the engine opened (its {@code memory.peak} metric). */
    public long memoryPeak()
    {
        return memoryPeak;
    }

    /** @return the engine's final metrics (taken before close). */
    public MetricsSnapshot metrics()
    {
        return metrics;
    }

    /** @return apply errors: the engine's, plus writes that ended in an internal or store error. */
    public long applyErrors()
    {
        return metrics.get("apply.errors") + writeResults.getOrDefault("INTERNAL_ERROR", 0L) +
            writeResults.getOrDefault("STORE_ERROR", 0L) + storeWriteErrors;
    }

    /** @return regions loaded by the engine (loads finished). */
    public long regionsLoaded()
    {
        return metrics.get("loads.finished");
    }

    /**
     * @return true if the run passed: no divergence, no region left uncompared, no apply error, no wrong value read,
     * no acknowledged write missing (in this check or an earlier resume's, {@link AckLog#LOST}), and no byte of the
     * cache's memory in use after close (the README's "must be 0": it was printed and not checked until a black-box
     * audit noticed).
     */
    public boolean passed()
    {
        return divergences == 0 && regionsNotCompared == 0 && applyErrors() == 0 && wrongValues == 0 &&
            acksMissing == 0 && acksLostEarlier == 0 && memoryAfterClose == 0;
    }

    /** @return the process exit code: 0 if {@link #passed()}, else 1. */
    public int exitCode()
    {
        return passed() ? 0 : 1;
    }

    private Map<String, Long> prefixed(final String prefix, final boolean skipZero)
    {
        final Map<String, Long> out = new LinkedHashMap<>();
        for (final Map.Entry<String, Number> e : metrics.values().entrySet())
        {
            if (e.getKey().startsWith(prefix) && !(skipZero && e.getValue().longValue() == 0))
            {
                out.put(e.getKey().substring(prefix.length()), e.getValue().longValue());
            }
        }
        return out;
    }

    private Map<String, Long> evictions()
    {
        final Map<String, Long> out = new LinkedHashMap<>();
        for (final EvictReason r : EvictReason.values())
        {
            out.put(r.name(), metrics.get("evictions." + r));
        }
        return out;
    }

    private static String nonZero(final Map<String, Long> m)
    {
        final StringBuilder sb = new StringBuilder();
        m.forEach((k, v) ->
        {
            if (v != 0)
            {
                sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(Units.count(v));
            }
        });
        return sb.length() == 0 ? "none" : sb.toString();
    }

    private static String us(final Histogram h, final double percentile)
    {
        return h.getTotalCount() == 0 ? "-" :
            String.format(Locale.ROOT, "%.1f", h.getValueAtPercentile(percentile) / 1_000.0);
    }

    private static String latencyRow(final String name, final Histogram h)
    {
        return String.format(Locale.ROOT, "    %-8s %14s %9s %9s %9s %9s %10s%n", name, Units.count(h.getTotalCount()),
            us(h, 50), us(h, 90), us(h, 99), us(h, 99.9),
            h.getTotalCount() == 0 ? "-" : String.format(Locale.ROOT, "%.1f", h.getMaxValue() / 1_000.0));
    }

    /** @return the human-readable report. */
    public String toText()
    {
        final StringBuilder sb = new StringBuilder();
        final double secs = Math.max(seconds, 1e-9);
        sb.append(String.format(Locale.ROOT, "RegionCache drive: %.1f s workload (setup %.1f s, cross-check %.1f s), " +
            "%s keys, %d reader thread(s), seed %d%n", seconds, setupSeconds, crossCheckSeconds,
            Units.count(settings.keys()), settings.threads(), settings.seed()));
        sb.append(String.format(Locale.ROOT, "  reads         %s (%s/s): %s gets, %s scans (%s keys)%n",
            Units.count(reads), Units.rate(reads / secs), Units.count(gets), Units.count(scans),
            Units.count(scannedKeys)));
        sb.append(String.format(Locale.ROOT, "  writes        %s batches (%s/s), %s keys; versions 1..%s " +
            "(%s initial keys)%n", Units.count(writeBatches), Units.rate(writeBatches / secs), Units.count(keyWrites),
            Units.count(lastVersion), Units.count(initialKeys)));
        if (resumed)
        {
            sb.append(String.format(Locale.ROOT, "  resumed       acknowledged writes verified %d, missing %d " +
                "(%d in the log, %d superseded by a later write; %d recovered beyond the log; %.1f s)%n",
                acksVerified, acksMissing, acksInLog, acksSuperseded, acksRecovered, verifySeconds));
            for (final String a : ackSamples)
            {
                sb.append("                missing: ").append(a).append('\n');
            }
            if (acksLostEarlier > 0)
            {
                sb.append("                missing earlier: ").append(acksLostEarlier).append(" acknowledged " +
                    "write(s), found by an earlier resume on this directory (").append(AckLog.LOST).append(")\n");
            }
        }
        sb.append(String.format(Locale.ROOT, "  hit ratio     %.1f%% (cache %s, rocksdb %s; fallbacks: %s)%n",
            hitRatio() * 100, Units.count(cacheReads), Units.count(storeReads), nonZero(fallbacks)));
        sb.append(String.format(Locale.ROOT, "  read latency (us)  %12s %9s %9s %9s %9s %10s%n", "count", "p50", "p90",
            "p99", "p99.9", "max"));
        sb.append(latencyRow("cache", cacheLatency));
        sb.append(latencyRow("rocksdb", storeLatency));
        sb.append(String.format(Locale.ROOT, "  regions       %d at start, %d at end; split %s (%s); cached now: " +
            "PENDING %d, LOADING %d, ACTIVE %d%n", regionsAtStart, regionsAtEnd, Units.count(splits),
            nonZero(splitResults), metrics.get("regions.PENDING"), metrics.get("regions.LOADING"),
            metrics.get("regions.ACTIVE")));
        sb.append(String.format(Locale.ROOT, "  loads         finished %s (policy %s), failed %s (for memory %s), " +
            "canceled %s, refused %s; mean %.1f ms, max %.1f ms%n", Units.count(metrics.get("loads.finished")),
            Units.count(metrics.get("loads.policy")), Units.count(metrics.get("loads.failed")),
            Units.count(metrics.get("loads.failed_memory")),
            Units.count(metrics.get("loads.canceled")), Units.count(metrics.get("loads.refused")),
            metrics.values().getOrDefault("load.duration.mean_ms", 0).doubleValue(),
            metrics.values().getOrDefault("load.duration.max_ms", 0).doubleValue()));
        sb.append("  evicted       ").append(nonZero(evictions())).append('\n');
        sb.append("  transitions   made: ").append(nonZero(prefixed("transitions.made.", true))).append('\n');
        sb.append("                refused: ").append(nonZero(prefixed("transitions.refused.", true))).append('\n');
        sb.append(String.format(Locale.ROOT, "  conflicts     %s; write results: %s%n",
            Units.count(metrics.get("conflicts")), nonZero(writeResults)));
        sb.append(String.format(Locale.ROOT, "  gc            %s rounds, safe point %s, rocksdb entries dropped %s " +
            "(%s ms wall, %s ms CPU); cache: %s versions dropped, compactions %s/%s%n", Units.count(gcRounds),
            Units.count(gcSafePoint), Units.count(storeEntriesDropped), Units.count(gcMillis), Units.count(gcCpuMillis),
            Units.count(metrics.get("gc.versions_dropped")), Units.count(metrics.get("compactions.finished")),
            Units.count(metrics.get("compactions.started"))));
        sb.append(String.format(Locale.ROOT, "  memory        peak %s, at end %s of %s (evict at %s, stop loads at %s);" +
            " after close %s%n", Units.bytes(memoryPeak), Units.bytes(memoryAtEnd), Units.bytes(capacity),
            Units.bytes(evictThreshold), Units.bytes(stopLoadThreshold), Units.bytes(memoryAfterClose)));
        // Index generations (a table's first, each bulk build, each growth) built without the one-miss entries
        // because memory was short (the engine's EntryPressureGate): 0 when the budget never limited the cache.
        sb.append(String.format(Locale.ROOT, "  index         %s generation(s) built slots-only for memory%n",
            Units.count(metrics.get("index.slots_only_for_memory"))));
        sb.append(String.format(Locale.ROOT, "  errors        apply %s, read %s, wrong values %s, reconciliations %s%n",
            Units.count(applyErrors()), Units.count(readErrors), Units.count(wrongValues),
            Units.count(reconciliations)));
        if (firstReadProblem != null)
        {
            sb.append("                first: ").append(firstReadProblem).append('\n');
        }
        sb.append(String.format(Locale.ROOT, "  cross-check   %d cached region(s) vs RocksDB, %s keys compared, " +
            "%s divergence(s)%s%n", regionsChecked, Units.count(keysCompared), Units.count(divergences),
            regionsNotCompared == 0 ? "" : ", " + regionsNotCompared + " region(s) not compared"));
        for (final String d : divergenceSamples)
        {
            sb.append("                ").append(d).append('\n');
        }
        sb.append("  result        ").append(passed() ? "PASS" : "FAIL").append('\n');
        return sb.toString();
    }

    private static void latency(final JsonOut j, final String name, final Histogram h)
    {
        j.name(name).beginObject().field("count", h.getTotalCount());
        if (h.getTotalCount() > 0)
        {
            j.field("p50_us", h.getValueAtPercentile(50) / 1e3).field("p90_us", h.getValueAtPercentile(90) / 1e3)
                .field("p99_us", h.getValueAtPercentile(99) / 1e3)
                .field("p999_us", h.getValueAtPercentile(99.9) / 1e3).field("max_us", h.getMaxValue() / 1e3)
                .field("mean_us", h.getMean() / 1e3);
        }
        j.endObject();
    }

    /** @return the report as one JSON object. */
    public String toJson()
    {
        final JsonOut j = new JsonOut().beginObject();
        j.name("settings").beginObject()
            .field("duration_s", settings.ops() > 0 ? 0 : settings.duration().toMillis() / 1e3)
            .field("ops", settings.ops()).field("keys", settings.keys()).field("regions", settings.regions())
            .field("threads", settings.threads()).field("skew", settings.skew())
            .field("scan_ratio", settings.scanRatio()).field("read_ratio", settings.readRatio())
            .field("scan_length", settings.scanLength()).field("value_size", settings.valueSize())
            .field("batch_size", settings.batchSize()).field("split_keys", settings.splitKeys())
            .field("budget_bytes", settings.budgetBytes()).field("auto_load_top_n", settings.autoLoadTopN())
            .field("min_amplification", settings.minAmplification()).field("seed", settings.seed())
            .field("eager_routing", settings.eagerRouting()).field("inline_entries", settings.inlineEntries())
            .endObject();
        j.field("setup_s", setupSeconds).field("duration_s", seconds).field("cross_check_s", crossCheckSeconds);
        j.name("reads").beginObject().field("total", reads).field("gets", gets).field("scans", scans)
            .field("scanned_keys", scannedKeys).field("per_second", reads / Math.max(seconds, 1e-9))
            .field("cache", cacheReads).field("rocksdb", storeReads).field("hit_ratio", hitRatio())
            .object("fallbacks", fallbacks).field("errors", readErrors).field("wrong_values", wrongValues)
            .endObject();
        j.name("writes").beginObject().field("batches", writeBatches).field("keys", keyWrites)
            .field("per_second", writeBatches / Math.max(seconds, 1e-9)).field("last_version", lastVersion)
            .field("initial_keys", initialKeys).object("results", writeResults)
            .field("store_errors", storeWriteErrors).field("reconciliations", reconciliations).endObject();
        j.name("latency").beginObject();
        latency(j, "cache", cacheLatency);
        latency(j, "rocksdb", storeLatency);
        j.endObject();
        j.name("regions").beginObject().field("at_start", regionsAtStart).field("at_end", regionsAtEnd)
            .field("split", splits).object("split_results", splitResults)
            .field("loaded", metrics.get("loads.finished")).field("loaded_by_policy", metrics.get("loads.policy"))
            .object("evicted", evictions())
            .object("transitions_made", prefixed("transitions.made.", false))
            .object("transitions_refused", prefixed("transitions.refused.", false))
            .field("conflicts", metrics.get("conflicts")).endObject();
        j.name("gc").beginObject().field("rounds", gcRounds).field("safe_point", gcSafePoint)
            .field("rocksdb_entries_dropped", storeEntriesDropped).field("millis", gcMillis).field("cpu_millis", gcCpuMillis)
            .field("cache_versions_dropped", metrics.get("gc.versions_dropped"))
            .field("compactions_started", metrics.get("compactions.started"))
            .field("compactions_finished", metrics.get("compactions.finished")).endObject();
        j.name("memory").beginObject().field("peak_bytes", memoryPeak).field("at_end_bytes", memoryAtEnd)
            .field("after_close_bytes", memoryAfterClose).field("capacity_bytes", capacity)
            .field("evict_threshold_bytes", evictThreshold).field("stop_load_threshold_bytes", stopLoadThreshold)
            .field("index_slots_only_for_memory", metrics.get("index.slots_only_for_memory")).endObject();
        j.name("cross_check").beginObject().field("regions", regionsChecked)
            .field("regions_not_compared", regionsNotCompared).field("keys", keysCompared)
            .field("divergences", divergences).name("samples").beginArray();
        for (final String d : divergenceSamples)
        {
            j.value(d);
        }
        j.endArray().endObject();
        j.name("acknowledged").beginObject().field("resumed", resumed).field("in_log", acksInLog)
            .field("verified", acksVerified).field("superseded", acksSuperseded).field("missing", acksMissing)
            .field("missing_earlier", acksLostEarlier).field("recovered", acksRecovered)
            .field("logged_at_end", acksLogged).endObject();
        j.field("apply_errors", applyErrors()).field("passed", passed()).field("exit_code", exitCode());
        j.object("metrics", metrics.values());
        return j.endObject().toString() + "\n";
    }
}
