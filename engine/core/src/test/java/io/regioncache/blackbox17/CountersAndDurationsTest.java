package io.regioncache.blackbox17;

import static io.regioncache.blackbox17.B.b;
import static io.regioncache.blackbox17.B.cycle;
import static io.regioncache.blackbox17.B.metric;
import static io.regioncache.blackbox17.B.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.CountersFile;
import io.regioncache.EvictReason;
import io.regioncache.MetricsSnapshot;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/** README "stat" (the counters file) and "Observability" (durations). */
class CountersAndDurationsTest
{
    /**
     * README "stat": "A host that sets RegionCacheConfig.Builder.countersFile(path) gets its metrics (the names of
     * RegionCache.metrics(); counters are whole numbers, so the durations' fractional means and maxima,
     * <name>.duration.mean_ms and <name>.duration.max_ms, are held in microseconds as <name>.duration.mean_us and
     * <name>.duration.max_us ...)" and "publishCounters() ... completes when it holds everything applied before the
     * call". Checked for every metric, with a draining record and a peak in the file.
     */
    @Test
    void theFileHoldsEveryMetricAfterPublishCounters(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("rc.counters");
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("c"), 5, b("x"));
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store).countersFile(file).build()))
        {
            cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1)));
            until(cache, "loaded", () -> cache.stateOf(1) == RegionState.ACTIVE);
            cycle(cache, cache.createRegion(new Region(2, b("m"), b("z"), 1)));
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(2, 1, 10));
            cycle(cache, cache.evict(2, EvictReason.MANUAL));
            cycle(cache, cache.evict(1, EvictReason.MANUAL));
            cache.applyCycle();
            final MetricsSnapshot m = cache.metrics();
            cache.publishCounters().get(10, TimeUnit.SECONDS);
            final Map<String, Long> f = CountersFile.read(file);
            assertEquals(1, m.get("regions.draining"));
            for (final Map.Entry<String, Number> e : m.values().entrySet())
            {
                final String k = e.getKey();
                if (k.endsWith(".duration.mean_ms") || k.endsWith(".duration.max_ms"))
                {
                    final String us = k.substring(0, k.length() - 3) + "_us";
                    assertNotNull(f.get(us), us);
                    assertEquals(Math.round(e.getValue().doubleValue() * 1000.0), f.get(us).longValue(), us);
                    assertFalse(f.containsKey(k), "held under _us only: " + k);
                }
                else
                {
                    assertEquals(e.getValue().longValue(), f.get(k), k);
                }
            }
            assertTrue(f.get("load.duration.max_us") > 0, "a load takes at least a microsecond");
            s.close();
        }
    }

    /** README "stat": "copied every countersIntervalMillis (250 ms) by a daemon thread". */
    @Test
    void theCopyIsMadeByADaemonThreadEvery250msByDefault(@TempDir final Path dir) throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().countersFile(dir.resolve("c")).build()))
        {
            assertEquals(250, cache.config().countersIntervalMillis());
            cache.publishCounters().get(10, TimeUnit.SECONDS);
            final Thread[] publisher = new Thread[1];
            Thread.getAllStackTraces().keySet().forEach(t ->
            {
                if (t.getName().contains("regioncache-counters") && t.isAlive())
                {
                    publisher[0] = t;
                }
            });
            assertNotNull(publisher[0], "no counters thread");
            assertTrue(publisher[0].isDaemon());
        }
    }

    /**
     * README "Observability": "load / evict / compaction durations" and (Reliability) every eviction is timed once it
     * is done: an eviction of a PENDING region is done at once, timed by the time its future completes.
     */
    @Test
    void anEvictionOfAPendingRegionIsTimedAtOnce() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store).build()))
        {
            cache.pauseLoads(true);
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            assertEquals(1, metric(cache, "regions.PENDING"));
            assertEquals(ResultCode.OK, cycle(cache, cache.evict(1, EvictReason.MANUAL)).code());
            assertEquals(1, metric(cache, "evict.count"));
            assertEquals(1, metric(cache, "evictions.MANUAL"));
            assertEquals(1, metric(cache, "transitions.made.PENDING->GONE"));
            assertEquals(0, metric(cache, "regions.PENDING"));
            assertEquals(0, metric(cache, "regions.draining"));
            assertEquals(0, metric(cache, "load.count"));
        }
    }

    /**
     * README "Observability": "transitions (made: ... NEW for a record's first state)": the pieces of a split of a
     * PENDING region are new PENDING records.
     */
    @Test
    void aSplitOfAPendingRegionCountsNewToPending() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store).build()))
        {
            cache.pauseLoads(true);
            cycle(cache, cache.loadRegion(new Region(1, b("a"), b("z"), 1)));
            assertEquals(ResultCode.OK,
                cycle(cache, cache.split(1, 1, new byte[][] {b("g"), b("p")}, new long[] {2, 3}, 2)).code());
            cache.applyCycle();
            assertEquals(4, metric(cache, "transitions.made.NEW->PENDING"));
            assertEquals(1, metric(cache, "transitions.made.PENDING->RETIRED"));
            assertEquals(1, metric(cache, "transitions.made.RETIRED->GONE"));
            assertEquals(3, metric(cache, "regions.PENDING"));
            assertEquals(1, metric(cache, "splits"));
        }
    }
}
