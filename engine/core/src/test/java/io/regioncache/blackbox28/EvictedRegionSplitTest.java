package io.regioncache.blackbox28;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

import org.junit.jupiter.api.Test;

/**
 * Audit 28, directed checks written while chasing a model-test failure (README: NOT_CACHED "the region is not cached";
 * SKIPPED "a split of a region being evicted"): once an evicted region has no pin left and a duty cycle ran, a split
 * of its id answers NOT_CACHED, whether it left by a failed load, {@code evict} or {@code setEnabled(false)}.
 */
class EvictedRegionSplitTest
{
    /** Loads of every size around the budget (some fail for memory), then a split of a region not cached. */
    @Test
    void splitAfterALoadFailedForMemoryAnswersNotCached() throws Exception
    {
        for (int n = 5; n <= 120; n += 3)
        {
            final InMemoryBackingStore store = new InMemoryBackingStore();
            final WriteBatch b = new WriteBatch(0, 0, 1);
            for (int i = 0; i < n; i++)
            {
                b.put(new byte[] {'k', (byte)i}, new byte[300]);
            }
            store.applyBatch(b);
            try (RegionCache cache = RegionCache.create(K28.invoker(40 << 10).backingStore(store).build()))
            {
                final Region r = new Region(7, new byte[] {'k'}, new byte[] {'l'}, 1);
                final CommandResult load = K28.run(cache, cache.loadRegion(r));
                K28.until(cache, () -> cache.stateOf(7) != io.regioncache.RegionState.PENDING &&
                    cache.stateOf(7) != io.regioncache.RegionState.LOADING);
                final io.regioncache.RegionState st = cache.stateOf(7);
                final CommandResult split = K28.run(cache,
                    cache.split(7, 1, new byte[][] {{'k', 2}}, new long[] {8}, 2));
                final String label = n + " keys: load " + load + ", state " + st + ", memory " + cache.memoryInUse() +
                    ", split " + split;
                if (st == null)
                {
                    assertEquals(ResultCode.NOT_CACHED, split.code(), label);
                }
            }
        }
    }

    /** Variants: a pinned region evicted (by setEnabled(false) or evict), its snapshot closed, then a split. */
    @Test
    void splitAfterAPinnedEvictedRegionDrainedAnswersNotCached() throws Exception
    {
        for (int variant = 0; variant < 16; variant++)
        {
            final InMemoryBackingStore store = new InMemoryBackingStore();
            if ((variant & 4) != 0)
            {
                store.applyBatch(new WriteBatch(0, 0, 1).put(new byte[] {'k', 1}, new byte[] {1}));
            }
            try (RegionCache cache = RegionCache.create(K28.invoker(64 << 20).backingStore(store).build()))
            {
                final Region r = (variant & 8) != 0 ? new Region(7, new byte[0], new byte[] {0}, 1) :
                    new Region(7, new byte[] {'k'}, new byte[] {'l'}, 1);
                if ((variant & 2) != 0)
                {
                    assertEquals(ResultCode.OK, K28.run(cache, cache.loadRegion(r)).code());
                    K28.until(cache, () -> cache.stateOf(7) == io.regioncache.RegionState.ACTIVE);
                }
                else
                {
                    assertEquals(ResultCode.OK, K28.run(cache, cache.createRegion(r)).code());
                }
                final io.regioncache.Snapshot s = cache.newSnapshot();
                assertEquals(io.regioncache.SnapshotStatus.OK, s.open(7, 1, 5), "variant " + variant);
                if ((variant & 1) != 0)
                {
                    assertEquals(ResultCode.OK, K28.run(cache, cache.setEnabled(false)).code());
                    assertEquals(ResultCode.OK, K28.run(cache, cache.setEnabled(true)).code());
                }
                else
                {
                    assertEquals(ResultCode.OK, K28.run(cache, cache.evict(7, io.regioncache.EvictReason.MANUAL)).code());
                }
                s.close();
                s.dispose();
                K28.until(cache, () -> false);
                final CommandResult split = K28.run(cache,
                    cache.split(7, 1, new byte[][] {(variant & 8) != 0 ? new byte[] {0, 0} : new byte[] {'k', 5}},
                        new long[] {8}, 2));
                assertEquals(ResultCode.NOT_CACHED, split.code(), "variant " + variant + ": " + split);
            }
        }
    }
}
