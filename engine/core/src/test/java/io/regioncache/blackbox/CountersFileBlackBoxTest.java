package io.regioncache.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.CommandResult;
import io.regioncache.CountersFile;
import io.regioncache.EvictReason;
import io.regioncache.MetricsSnapshot;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;

/**
 * README "stat": a host with countersFile(path) gets the metrics copied into a memory-mapped file; publishCounters()
 * "completes when it holds everything applied before the call"; after the host closes the file keeps its final values.
 */
class CountersFileBlackBoxTest
{
    private static void ok(final RegionCache cache, final CompletableFuture<CommandResult> f)
    {
        while (!f.isDone())
        {
            cache.applyCycle();
        }
        assertEquals(ResultCode.OK, f.join().code(), () -> f.join().toString());
    }

    private static RegionCache cacheWith(final Path file)
    {
        return RegionCache.create(RegionCacheConfig.builder().threading(RegionCacheConfig.Threading.INVOKER)
            .capacityBytes(16L << 20).segmentSize(1 << 16).countersFile(file).build());
    }

    /**
     * Every metric is in the file under its name with its value, except the fractional {@code _ms} durations, which
     * the file holds in whole microseconds under the name ending {@code _us} (README "stat").
     */
    private static void assertSameValues(final MetricsSnapshot m, final Map<String, Long> file)
    {
        for (final Map.Entry<String, Number> e : m.values().entrySet())
        {
            final boolean fractional = e.getValue() instanceof Double;
            final String name = fractional ?
                e.getKey().substring(0, e.getKey().length() - "_ms".length()) + "_us" : e.getKey();
            assertTrue(file.containsKey(name), "missing in the counters file: " + name);
            assertEquals(fractional ? Math.round(e.getValue().doubleValue() * 1000) : e.getValue().longValue(),
                file.get(name), name);
        }
    }

    @Test
    void theDefaultIntervalIs250Ms()
    {
        assertEquals(250, RegionCacheConfig.builder().build().countersIntervalMillis());
    }

    @Test
    void theFileHoldsEveryMetricNameWithItsValueAfterPublishCounters(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("rc.counters");
        try (RegionCache cache = cacheWith(file))
        {
            ok(cache, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)));
            for (int v = 1; v <= 50; v++)
            {
                ok(cache, cache.write(new WriteBatch(1, 1, v).put(new byte[] {(byte)v}, new byte[] {1})));
            }
            ok(cache, cache.evict(1, EvictReason.MANUAL));
            for (int i = 0; i < 100_000 && cache.metrics().values().get("evict.count").longValue() == 0; i++)
            {
                cache.applyCycle();
            }
            cache.publishCounters().get(10, TimeUnit.SECONDS);
            final MetricsSnapshot m = cache.metrics();
            final Map<String, Long> file1 = CountersFile.read(file);
            assertSameValues(m, file1);
            assertEquals(50, file1.get("apply.puts"));
            // a sub-millisecond eviction read 0 when the file held the _ms value truncated
            final double maxMs = m.values().get("evict.duration.max_ms").doubleValue();
            assertTrue(maxMs > 0, m::toString);
            assertEquals(Math.round(maxMs * 1000), file1.get("evict.duration.max_us"));
            assertTrue(file1.get("evict.duration.max_us") > 0);
            assertEquals(ProcessHandle.current().pid(), file1.get("file.pid"));
        }
    }

    @Test
    void afterCloseTheFileKeepsTheFinalValues(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("rc.counters");
        final RegionCache cache = cacheWith(file);
        ok(cache, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)));
        ok(cache, cache.write(new WriteBatch(1, 1, 1).put(new byte[] {1}, new byte[] {1})));
        cache.close();
        final MetricsSnapshot m = cache.metrics();
        final Map<String, Long> f = CountersFile.read(file);
        assertSameValues(m, f);
        assertEquals(0, f.get("regions.ACTIVE"));
        assertEquals(1, f.get("evictions.SHUTDOWN"), "evictions.SHUTDOWN");
    }

    @Test
    void readRefusesADirectoryAMissingFileAndOtherFormats(@TempDir final Path dir) throws Exception
    {
        assertThrows(IllegalArgumentException.class, () -> CountersFile.read(dir));
        assertThrows(IllegalArgumentException.class, () -> CountersFile.read(dir.resolve("missing")));
        final Path empty = Files.createFile(dir.resolve("empty"));
        assertThrows(IllegalArgumentException.class, () -> CountersFile.read(empty));
        final Path text = Files.writeString(dir.resolve("text"), "x".repeat(10_000));
        assertThrows(IllegalArgumentException.class, () -> CountersFile.read(text));
        // a header exactly, magic right, lengths zero: a valid, empty file; lengths too long: truncated
        final byte[] hdr = new byte[64];
        java.nio.ByteBuffer.wrap(hdr).order(java.nio.ByteOrder.nativeOrder()).putInt(0, 0x52435354).putInt(4, 1)
            .putInt(8, 1 << 20).putInt(12, 1 << 20);
        final Path trunc = Files.write(dir.resolve("trunc"), hdr);
        assertThrows(IllegalArgumentException.class, () -> CountersFile.read(trunc));
    }

    @Test
    void theFileIsRewrittenPeriodicallyWithoutBeingAsked(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("rc.counters");
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER).capacityBytes(16L << 20).segmentSize(1 << 16)
            .countersFile(file).countersIntervalMillis(5).build()))
        {
            ok(cache, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (CountersFile.read(file).getOrDefault("regions.ACTIVE", -1L) != 1)
            {
                if (System.nanoTime() > deadline)
                {
                    fail("the counters file never showed the ACTIVE region");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
        }
    }
}
