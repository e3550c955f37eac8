package io.regioncache.blackbox22;

import static io.regioncache.blackbox22.B.b;
import static io.regioncache.blackbox22.B.cycle;
import static io.regioncache.blackbox22.B.metric;
import static io.regioncache.blackbox22.B.until;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;

import io.regioncache.BackingSnapshot;
import io.regioncache.BackingStore;
import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.StoreException;
import io.regioncache.store.InMemoryBackingStore;

/** README "How it works", "Loading" and "Policies". */
class LoadingTest
{
    private static boolean gone(final RegionCache cache, final long id)
    {
        final RegionState s = cache.stateOf(id);
        return s == null || s == RegionState.GONE;
    }

    /**
     * README: "a store that refuses the load's snapshot fails it before it starts, and the record goes from PENDING
     * straight to GONE, with the same counts" (evictions.LOAD_FAILED, loads.failed).
     */
    @Test
    void aStoreThatRefusesTheSnapshotSendsPendingStraightToGone() throws Exception
    {
        final BackingStore refusing = new BackingStore()
        {
            @Override
            public BackingSnapshot openSnapshot()
            {
                throw new StoreException("no snapshot today");
            }

            @Override
            public void close()
            {
            }
        };
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(refusing).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            until(cache, "failed load gone", () -> gone(cache, 1));
            B.cycles(cache, 5);
            assertEquals(1, metric(cache, "loads.failed"));
            assertEquals(1, metric(cache, "evictions.LOAD_FAILED"));
            assertEquals(1, metric(cache, "transitions.made.PENDING->GONE"));
            assertEquals(0, metric(cache, "transitions.made.PENDING->LOADING"));
            assertEquals(0, cache.memoryInUse());
        }
    }

    /**
     * README: "A failure ends in EVICTING with its reason counted (evictions.LOAD_FAILED, loads.failed)": a scan
     * that throws moves the record LOADING -> EVICTING, and it leaves the cache holding no memory.
     */
    @Test
    void aScanFailureEndsEvictingWithItsReason() throws Exception
    {
        final InMemoryBackingStore inner = new InMemoryBackingStore();
        inner.put(b("c"), 5, b("x"));
        final BackingStore failingScan = new BackingStore()
        {
            @Override
            public BackingSnapshot openSnapshot()
            {
                final BackingSnapshot s = inner.openSnapshot();
                return new BackingSnapshot()
                {
                    @Override
                    public void scan(final byte[] start, final byte[] end, final EntryVisitor visitor)
                    {
                        throw new StoreException("scan broke");
                    }

                    @Override
                    public int get(final DirectBuffer key, final int keyOffset, final int keyLength,
                        final long readVersion, final MutableDirectBuffer dst, final int dstOffset)
                    {
                        return s.get(key, keyOffset, keyLength, readVersion, dst, dstOffset);
                    }

                    @Override
                    public void close()
                    {
                        s.close();
                    }
                };
            }

            @Override
            public void close()
            {
            }
        };
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(failingScan).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(new Region(1, b("a"), b("m"), 1))).code());
            until(cache, "failed load gone", () -> gone(cache, 1));
            B.cycles(cache, 5);
            assertEquals(1, metric(cache, "loads.failed"));
            assertEquals(1, metric(cache, "evictions.LOAD_FAILED"));
            assertEquals(1, metric(cache, "transitions.made.LOADING->EVICTING"));
            assertEquals(0, cache.memoryInUse());
            try (Snapshot s = cache.newSnapshot())
            {
                assertEquals(SnapshotStatus.NOT_CACHED, s.open(1, 1, 10));
            }
        }
    }

    /**
     * README: "A load that failed because memory ran out backs off for loadBackoffMillis ... A load the host asks to
     * keep cached (loadRegionKeepCached) skips the back-off and the estimate, not the stop-load threshold."
     */
    @Test
    void aLoadThatRanOutOfMemoryBacksOffButAKeptCachedOneDoesNot() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final byte[] value = new byte[1000];
        for (int i = 0; i < 3000; i++)
        {
            store.put(b(String.format("k%06d", i)), 5, value);
        }
        // ~3 MB of data against a 1 MiB cap: the load passes the copy ceiling and fails for memory.
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store)
            .capacityBytes(1L << 20).segmentSize(1 << 14).loadBackoffMillis(3_600_000).build()))
        {
            final Region r = new Region(1, b("k"), b("l"), 1);
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegion(r)).code());
            until(cache, "load failed", () -> gone(cache, 1));
            B.cycles(cache, 5);
            assertEquals(1, metric(cache, "loads.failed_memory"));
            assertEquals(0, cache.memoryInUse());
            final CommandResult again = cycle(cache, cache.loadRegion(r));
            assertEquals(ResultCode.SKIPPED, again.code(), again.toString());
            assertTrue(again.detail().contains("back"), again.detail());
            final CommandResult kept = cycle(cache, cache.loadRegionKeepCached(r));
            assertEquals(ResultCode.OK, kept.code(), "keep-cached skips the back-off: " + kept);
        }
    }

    /**
     * README: "A load the host asks to keep cached (loadRegionKeepCached) skips the back-off and the estimate, not
     * the stop-load threshold": at the threshold both kinds of load are refused (SKIPPED).
     */
    @Test
    void aKeptCachedLoadIsStillRefusedAtTheStopLoadThreshold() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("q"), 5, b("x"));
        try (RegionCache cache = RegionCache.create(B.invoker().backingStore(store).build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1))).code());
            assertEquals(ResultCode.OK,
                cycle(cache, cache.write(new io.regioncache.WriteBatch(1, 1, 10).put(b("c"), b("v")))).code());
            final long used = cache.memoryInUse();
            assertTrue(used > 0);
            cache.updateMemoryLimits(64L << 20, 32L << 20, used);
            final Region r = new Region(2, b("m"), b("z"), 1);
            assertEquals(ResultCode.SKIPPED, cycle(cache, cache.loadRegion(r)).code());
            assertEquals(ResultCode.SKIPPED, cycle(cache, cache.loadRegionKeepCached(r)).code());
            cache.updateMemoryLimits(64L << 20, 32L << 20, used + 1);
            assertEquals(ResultCode.OK, cycle(cache, cache.loadRegionKeepCached(r)).code());
            until(cache, "loaded", () -> cache.stateOf(2) == RegionState.ACTIVE);
            try (Snapshot s = cache.newSnapshot())
            {
                assertEquals(SnapshotStatus.OK, s.open(2, 1, 10));
                assertArrayEquals(b("x"), s.get(b("q")));
            }
        }
    }
}
