package io.regioncache;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * What a core-only host relies on: the engine runs with Agrona's one flag and none of Chronicle's, and the
 * configuration builder can be reused.
 */
class CoreRuntimeTest
{
    @Test
    void coreRunsWithoutChronicleFlags() throws Exception
    {
        // ProcessHandle (java.base) rather than the management API: the core module reads nothing else.
        final List<String> args = List.of(ProcessHandle.current().info().arguments().orElse(new String[0]));
        assertFalse(args.isEmpty(), "the JVM's arguments must be readable for this check to mean anything");
        for (final String a : args)
        {
            assertFalse(a.contains("--add-opens"), "core tests must run without Chronicle's --add-opens: " + a);
            assertFalse(a.contains("chronicle"), "core tests must run without Chronicle's settings: " + a);
            assertFalse(a.contains("sun.nio.ch"), "core tests must run without Chronicle's exports: " + a);
        }
        final byte[] k = "k".getBytes(StandardCharsets.UTF_8);
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .capacityBytes(8L << 20).segmentSize(1 << 16).threading(RegionCacheConfig.Threading.DEDICATED_THREAD).build()))
        {
            assertEquals(ResultCode.OK, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)).get().code());
            assertEquals(ResultCode.OK, cache.write(new WriteBatch(1, 1, 10).put(k, k)).get().code());
            try (Snapshot s = cache.snapshot(1, 1, 10))
            {
                assertEquals(1, s.get(k).length);
            }
        }
    }

    @Test
    void reusedBuilderDerivesThresholdsAgain()
    {
        final RegionCacheConfig.Builder b = RegionCacheConfig.builder().segmentSize(1 << 16);
        final RegionCacheConfig small = b.capacityBytes(64L << 20).build();
        final RegionCacheConfig big = b.capacityBytes(4L << 30).build();
        assertNotEquals(small.evictThresholdBytes(), big.evictThresholdBytes(),
            "a reused builder must not keep the thresholds derived for the first capacity");
        assertEquals(RegionCacheConfig.builder().segmentSize(1 << 16).capacityBytes(4L << 30).build()
            .evictThresholdBytes(), big.evictThresholdBytes());
    }

    @Test
    void closeTwiceFromTwoThreadsRunsShutdownOnce() throws Exception
    {
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .capacityBytes(8L << 20).segmentSize(1 << 16).threading(RegionCacheConfig.Threading.DEDICATED_THREAD).build());
        final Thread t = new Thread(cache::close);
        t.start();
        cache.close();
        t.join();
        assertEquals(ResultCode.CLOSED, cache.createRegion(new Region(2, new byte[0], new byte[0], 1)).get().code());
        assertEquals(0, cache.memoryInUse());
        assertNull(cache.region(2));
        assertSame(Boolean.TRUE, cache.isClosed());
    }
}
