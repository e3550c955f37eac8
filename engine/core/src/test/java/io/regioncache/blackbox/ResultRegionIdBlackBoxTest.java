package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;

/**
 * README "One rule for bad input": "-1 means ... 'no region' in a result". A command about region 5 that is answered
 * CLOSED or QUEUE_FULL at the call concerns region 5, as the same command answered on the apply thread (queued at
 * close: CLOSED(region 5)) or refused INVALID at the call does.
 */
class ResultRegionIdBlackBoxTest
{
    /** {@link BB#wide()} with the eviction policy kept from running during a test. */
    static RegionCacheConfig.Builder config()
    {
        return BB.wide().policyIntervalMillis(3_600_000);
    }

    @Test
    void aCommandRefusedClosedAtTheCallNamesItsRegionAsOneQueuedAtCloseDoes() throws Exception
    {
        final RegionCache cache = RegionCache.create(config().build());
        final CompletableFuture<CommandResult> queuedAtClose = cache.write(new WriteBatch(5, 1, 10).put(b("k"), b("v")));
        cache.close();
        final CommandResult queued = queuedAtClose.get(10, TimeUnit.SECONDS);
        assertEquals(ResultCode.CLOSED, queued.code());
        assertEquals(5, queued.regionId(), "queued at close: " + queued);

        final CommandResult afterClose = cache.write(new WriteBatch(5, 1, 11).put(b("k"), b("v"))).get(10, TimeUnit.SECONDS);
        assertEquals(ResultCode.CLOSED, afterClose.code());
        assertEquals(5, afterClose.regionId(), "made after close: " + afterClose);
        final CommandResult evict = cache.evict(7, EvictReason.MANUAL).get(10, TimeUnit.SECONDS);
        assertEquals(7, evict.regionId(), "evict after close: " + evict);
        final CommandResult create = cache.createRegion(new Region(8, b("a"), b("b"), 1)).get(10, TimeUnit.SECONDS);
        assertEquals(8, create.regionId(), "create after close: " + create);
    }

    @Test
    void aCommandRefusedQueueFullNamesItsRegion() throws Exception
    {
        try (RegionCache cache = RegionCache.create(config().commandQueueCapacity(2).build()))
        {
            final List<CompletableFuture<CommandResult>> queued = new ArrayList<>();
            queued.add(cache.evict(100, EvictReason.MANUAL));
            queued.add(cache.evict(101, EvictReason.MANUAL));
            final CompletableFuture<CommandResult> full = cache.write(new WriteBatch(5, 1, 10).put(b("k"), b("v")));
            assertTrue(full.isDone(), "QUEUE_FULL at the call");
            final CommandResult r = full.get(10, TimeUnit.SECONDS);
            assertEquals(ResultCode.QUEUE_FULL, r.code());
            assertEquals(5, r.regionId(), "QUEUE_FULL: " + r);
            // INVALID at the call names the region (for comparison): same command shape.
            final CommandResult invalid = cache.write(new WriteBatch(5, 1, -1)).get(10, TimeUnit.SECONDS);
            assertEquals(ResultCode.INVALID, invalid.code());
            assertEquals(5, invalid.regionId(), "INVALID at the call: " + invalid);
        }
    }
}
