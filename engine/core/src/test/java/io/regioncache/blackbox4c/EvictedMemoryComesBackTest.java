package io.regioncache.blackbox4c;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * A host creating, writing and evicting small regions one after another, with or without a snapshot pinning each
 * region across its eviction (closed right after). "Memory is only ever released when no region and no pinned
 * snapshot can reach it" and "MEMORY_LIMIT: the write would have passed the hard cap": the memory of regions that
 * nothing reaches any more must come back, so a 1-key write into a 16 MiB cache holding one live region must never
 * answer MEMORY_LIMIT.
 */
class EvictedMemoryComesBackTest
{
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    @Timeout(30)
    void evictedRegionsGiveTheirMemoryBack(final boolean pin) throws Exception
    {
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .capacityBytes(16L << 20)
            .threading(RegionCacheConfig.Threading.DEDICATED_THREAD)
            .closeTimeoutMillis(2_000)
            .build());
        long maxMem = 0;
        long maxBehind = 0;
        try
        {
            final Snapshot s = cache.newSnapshot();
            for (int round = 0; round < 400; round++)
            {
                final long id = 1 + round % 3;
                final Region r = new Region(id, ("r" + id).getBytes(US_ASCII), ("r" + id + "z").getBytes(US_ASCII), 1);
                final byte[] key = ("r" + id + "k").getBytes(US_ASCII);
                final long before = cache.memoryInUse();
                assertEquals(ResultCode.OK, cache.createRegion(r).get(5, TimeUnit.SECONDS).code());
                final long afterCreate = cache.memoryInUse();
                final int rnd = round;
                final var w = cache.write(new WriteBatch(id, 1, 1).put(key, new byte[] {1})).get(5, TimeUnit.SECONDS);
                assertEquals(ResultCode.OK, w.code(), () -> "round " + rnd + ": " + w + " (memoryInUse " + before +
                    " before the create, " + afterCreate + " after it) with memoryInUse " + cache.memoryInUse() +
                    ", regions " + cache.regions() + ", regions.draining " + cache.metrics().get("regions.draining") + " " +
                    new java.util.TreeMap<>(cache.metrics().values()).entrySet().stream().filter(e ->
                    !(e.getValue() instanceof Double) && e.getValue().longValue() != 0 && !e.getKey().contains("duration")).toList());
                if (pin)
                {
                    assertEquals(SnapshotStatus.OK, s.open(id, 1, 10));
                }
                assertEquals(ResultCode.OK, cache.evict(id, EvictReason.MANUAL).get(5, TimeUnit.SECONDS).code());
                s.close();
                maxMem = Math.max(maxMem, cache.memoryInUse());
                maxBehind = Math.max(maxBehind, cache.metrics().get("evictions.MANUAL") -
                    cache.metrics().get("transitions.made.EVICTING->GONE"));
            }
            System.out.println("pin " + pin + ": max memoryInUse " + maxMem + ", max evictions not GONE " + maxBehind);
        }
        finally
        {
            cache.close();
        }
        assertTrue(ChurnConcurrencyTest.poll(20_000, () -> cache.memoryInUse() == 0), "0 B after close");
    }
}
