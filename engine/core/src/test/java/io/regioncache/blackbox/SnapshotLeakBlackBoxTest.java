package io.regioncache.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * README: "A snapshot handle dropped while open is found by a Cleaner: its pin is released, and the leak is counted
 * and logged." Handles closed before being dropped are no leak; each leaked handle is counted once.
 */
class SnapshotLeakBlackBoxTest
{
    private static void ok(final RegionCache cache, final CompletableFuture<CommandResult> f)
    {
        while (!f.isDone())
        {
            cache.applyCycle();
        }
        assertEquals(ResultCode.OK, f.join().code(), () -> f.join().toString());
    }

    private static void openAndDrop(final RegionCache cache, final boolean closeFirst)
    {
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
        if (closeFirst)
        {
            s.close();
        }
    }

    @Test
    void droppedOpenHandlesAreCountedOnceEachAndTheirPinsReleased()
    {
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER).capacityBytes(16L << 20).segmentSize(1 << 16).build()))
        {
            ok(cache, cache.createRegion(new Region(1, new byte[0], new byte[0], 1)));
            ok(cache, cache.write(new WriteBatch(1, 1, 5).put(new byte[] {1}, new byte[] {2})));
            for (int i = 0; i < 20; i++)
            {
                openAndDrop(cache, true);
            }
            for (int i = 0; i < 3; i++)
            {
                openAndDrop(cache, false);
            }
            ok(cache, cache.evict(1, EvictReason.MANUAL));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (cache.metrics().get("snapshots.leaked") < 3 || cache.memoryInUse() != 0)
            {
                if (System.nanoTime() > deadline)
                {
                    fail("leaked " + cache.metrics().get("snapshots.leaked") + ", memory " + cache.memoryInUse() +
                        ", draining " + cache.metrics().get("regions.draining"));
                }
                System.gc();
                cache.applyCycle();
                LockSupport.parkNanos(1_000_000);
            }
            for (int i = 0; i < 5; i++)
            {
                System.gc();
                cache.applyCycle();
            }
            assertEquals(3, cache.metrics().get("snapshots.leaked"), "each leaked handle counted once");
            assertEquals(0, cache.metrics().get("regions.draining"));
        }
    }
}
