package io.regioncache;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.regioncache.store.FailingStore;
import io.regioncache.store.InMemoryBackingStore;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pipelined part of a load (past its first 65,536 entries) travels as node images in pool segments that the scan
 * thread fills and the loader adopts ({@code ScanPipe}, {@code NodeSegmentWriter}). These are its edges: an entry
 * too large for a segment, a store error on the scan thread, and the pool's cap reached by the scan thread or the
 * loader. Every one must leave a right table or a failed load, and zero bytes in use once nothing is cached.
 */
class PipelinedLoadSegmentsTest
{
    private static final int KEYS = 100_000; // x 2 versions: the pipelined scan copies the last 134,464 entries
    private static final int VERSIONS = 2;

    private static byte[] key(final int i)
    {
        return ByteBuffer.allocate(12).putInt(0x6b657900).putLong(i).array();
    }

    private static byte[] value(final int i, final int v, final int large)
    {
        final int length = large > 0 && i % 97 == 0 ? large : 16;
        return ByteBuffer.allocate(length).putLong(i).putLong(v).array();
    }

    private static InMemoryBackingStore store(final int large)
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < KEYS; i++)
        {
            for (int v = 1; v <= VERSIONS; v++)
            {
                store.put(key(i), 10L * v, value(i, v, large));
            }
        }
        return store;
    }

    private static RegionCacheConfig.Builder config(final BackingStore store)
    {
        return RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER)
            .backingStore(store)
            .loaderExecutor(Runnable::run)
            .pipelinedLoads(true);
    }

    @Test
    void entriesLargerThanASegmentTravelAloneInOrder()
    {
        // 4 KiB segments; every 97th value is 5,000 bytes: its node fits in no segment.
        try (RegionCache cache = RegionCache.create(config(store(5_000)).segmentSize(4096).build()))
        {
            assertEquals(ResultCode.OK, load(cache));
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            checkEveryKey(cache, 5_000);
        }
    }

    @Test
    void aStoreErrorOnTheScanThreadGivesEverySegmentBack()
    {
        // The inline part stops at 65,536 entries of its own scan, before the failure; the scan thread's own scan
        // fails after 70,000 of its 134,464, with segments handed over, one being filled and more in the queue.
        final FailingStore store = new FailingStore(store(0)).failEveryScanAfter(70_000);
        try (RegionCache cache = RegionCache.create(config(store).build()))
        {
            load(cache);
            assertNull(cache.stateOf(1), "the failed load left nothing cached");
            assertEquals(1, cache.counters().loadsFailed());
            assertEquals(0, cache.counters().loadsFailedForMemory(), "a store error, not memory");
            assertEquals(1, store.injectedFailures());
            assertEquals(0, cache.memoryInUse(), "every segment the scan thread took is back in the pool");

            store.failEveryScanAfter(Long.MAX_VALUE);
            assertEquals(ResultCode.OK, load(cache));
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            checkEveryKey(cache, 0);
        }
    }

    @Test
    void theCapReachedDuringThePipelinedCopyFailsTheLoadForMemory()
    {
        // The inline part's 65,536 small entries (~5 MB) fit below the copy ceiling of a 16 MB cap (10 MB); the
        // pipelined part's 200-byte values (~32 MB) do not.
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < KEYS; i++)
        {
            for (int v = 1; v <= VERSIONS; v++)
            {
                store.put(key(i), 10L * v, new byte[i < 33_000 ? 16 : 200]);
            }
        }
        final AtomicReference<RegionCache> watching = new AtomicReference<>();
        final AtomicLong peak = new AtomicLong();
        final FailingStore watched = new FailingStore(store).onEachScannedEntry(() ->
        {
            final RegionCache c = watching.get();
            if (null != c)
            {
                peak.accumulateAndGet(c.memoryInUse(), Math::max); // the scan threads' view, at every entry
            }
        });
        try (RegionCache cache = RegionCache.create(config(watched)
            .capacityBytes(16 << 20)
            .evictThresholdBytes(4 << 20)
            .stopLoadThresholdBytes(3 << 20)
            .build()))
        {
            watching.set(cache);
            load(cache);
            assertNull(cache.stateOf(1));
            assertEquals(1, cache.counters().loadsFailedForMemory());
            assertEquals(0, cache.memoryInUse(), "every segment the scan thread took is back in the pool");
            // The scan thread stops at the copy ceiling (10 MB) before it takes another segment: it never runs the
            // pool up to its hard cap (16 MB), where a cached region's writes would be refused.
            final long ceiling = (4L << 20) + ((16L << 20) - (4L << 20)) / 2;
            assertTrue(peak.get() > (ceiling >> 1), "the load ran up to the ceiling: " + peak);
            assertTrue(peak.get() <= ceiling + (2 << 20), "peak " + peak + " against a ceiling of " + ceiling);
        }
    }

    private static ResultCode load(final RegionCache cache)
    {
        final CompletableFuture<CommandResult> f = cache.loadRegion(new Region(1, new byte[0], new byte[0], 1));
        while (!f.isDone())
        {
            cache.applyCycle();
        }
        for (int i = 0; i < 100 && cache.stateOf(1) == RegionState.LOADING; i++)
        {
            cache.applyCycle();
        }
        return f.join().code();
    }

    private static void checkEveryKey(final RegionCache cache, final int large)
    {
        final Snapshot s = cache.newSnapshot();
        for (int v = 1; v <= VERSIONS; v++)
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 10L * v + 5));
            for (int i = 0; i < KEYS; i++)
            {
                assertArrayEquals(value(i, v, large), s.get(key(i)), "key " + i + " at version " + (10 * v + 5));
            }
            final SnapshotIterator it = s.iterator();
            int n = 0;
            for (boolean ok = it.seekToFirst(); ok; ok = it.next())
            {
                assertArrayEquals(key(n), it.key());
                n++;
            }
            assertEquals(KEYS, n);
            s.close();
        }
        s.dispose();
    }
}
