package io.regioncache;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BinaryOperator;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.regioncache.store.InMemoryBackingStore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A large load whose snapshot offers a split key ({@link BackingSnapshot#splitKey}) scans the rest of its range in two
 * halves at once, on the engine's two load-scan threads, and links the first half before the second: the table must
 * be the one a single scan makes, a failure in either half must fail the load with every segment back in the pool, a
 * split key the load cannot use must be ignored, and the second half's scan must never wait for a loader that is
 * still on the first half.
 */
class SplitLoadTest
{
    private static final int KEYS = 60_000; // x 3 versions: 180,000 entries, the hand-over after 65,536 inside a key
    private static final int VERSIONS = 3;
    private static final long WAIT_SECONDS = 30;

    private static byte[] key(final int i)
    {
        return ByteBuffer.allocate(12).putInt(0x6b657900).putLong(i).array();
    }

    private static byte[] value(final int i, final int v)
    {
        return ByteBuffer.allocate(16).putLong(i).putLong(v).array();
    }

    /** KEYS keys with VERSIONS versions each; every 7th key deleted at version 20. */
    private static InMemoryBackingStore store()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < KEYS; i++)
        {
            for (int v = 1; v <= VERSIONS; v++)
            {
                if (i % 7 == 0 && v == 2)
                {
                    store.delete(key(i), 10L * v);
                }
                else
                {
                    store.put(key(i), 10L * v, value(i, v));
                }
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
            .pipelinedLoads(true)
            .loadScanThreads(2);
    }

    @Test
    void aLargeLoadScansItsTwoHalvesAtOnceOnTwoThreads()
    {
        final RecordingStore store = new RecordingStore(store());
        try (RegionCache cache = RegionCache.create(config(store).build()))
        {
            assertEquals(ResultCode.OK, load(cache));
            checkEveryVersionOfEveryKey(cache);
            final List<Scan> scans = List.copyOf(store.scans);
            assertEquals(3, scans.size(), "the inline part, then the two halves: " + scans);
            final Scan inline = scans.stream().filter(s -> s.start.length == 0).findFirst().orElseThrow();
            final Scan first = scans.stream().filter(s -> s.start.length > 0 && s.end.length > 0).findFirst()
                .orElseThrow();
            final Scan second = scans.stream().filter(s -> s.start.length > 0 && s.end.length == 0).findFirst()
                .orElseThrow();
            assertFalse(inline.thread.startsWith("regioncache-load-scan"), "the inline part runs on the loader");
            assertArrayEquals(first.end, second.start, "the halves meet at the split key");
            assertTrue(first.thread.startsWith("regioncache-load-scan"), first.thread);
            assertTrue(second.thread.startsWith("regioncache-load-scan"), second.thread);
            assertNotEquals(first.thread, second.thread, "each half on its own scan thread");
        }
    }

    @Test
    void oneScanThreadTheDefaultScansTheRestInOnePart()
    {
        final RecordingStore store = new RecordingStore(store());
        assertEquals(1, RegionCacheConfig.builder().build().loadScanThreads(), "the default");
        try (RegionCache cache = RegionCache.create(config(store).loadScanThreads(1).build()))
        {
            assertEquals(ResultCode.OK, load(cache));
            checkEveryVersionOfEveryKey(cache);
            assertEquals(2, store.scans.size(), "the inline part, then the rest: " + store.scans);
            assertEquals(0, store.splitKeysAsked.get(), "one scan thread: no split asked for");
        }
    }

    @Test
    void theSecondHalfNeverWaitsForALoaderStillOnTheFirst()
    {
        // 64 KiB segments: the second half (~57,000 entries, ~3 MB of nodes) needs dozens of them, more than a bounded
        // queue of 8 holds. The first half's scan starts only after the second half's has visited every entry: if
        // the second half's scan waited for the loader (which consumes the first half first), it would never end.
        final RecordingStore store = new RecordingStore(store());
        store.firstHalfWaitsForTheSecond = true;
        try (RegionCache cache = RegionCache.create(config(store).segmentSize(64 << 10).build()))
        {
            assertEquals(ResultCode.OK, load(cache));
            assertFalse(store.firstHalfTimedOut.get(), "the second half's scan ended while the loader waited on the first");
            checkEveryVersionOfEveryKey(cache);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aStoreErrorInEitherHalfFailsTheLoadAndGivesEverySegmentBack(final boolean inTheSecondHalf)
    {
        final RecordingStore store = new RecordingStore(store());
        store.failHalfAfter(inTheSecondHalf ? 2 : 1, 20_000);
        try (RegionCache cache = RegionCache.create(config(store).segmentSize(64 << 10).build()))
        {
            load(cache);
            assertNull(cache.stateOf(1), "the failed load left nothing cached");
            assertEquals(1, cache.counters().loadsFailed());
            assertEquals(0, cache.counters().loadsFailedForMemory(), "a store error, not memory");
            assertEquals(0, cache.memoryInUse(), "every segment both scan threads took is back in the pool");

            store.failHalfAfter(0, 0);
            store.scans.clear();
            assertEquals(ResultCode.OK, load(cache));
            assertEquals(3, store.scans.size(), "split again: " + store.scans);
            checkEveryVersionOfEveryKey(cache);
        }
    }

    @Test
    void theCopyCeilingStopsTheSecondHalfToo()
    {
        // The inline part and the first half hold small values, the second half 400-byte ones: ~25 MB against a
        // copy ceiling of 10 MB (cap 16 MB).
        final InMemoryBackingStore big = new InMemoryBackingStore();
        for (int i = 0; i < KEYS; i++)
        {
            for (int v = 1; v <= VERSIONS; v++)
            {
                big.put(key(i), 10L * v, new byte[i < 40_000 ? 16 : 400]);
            }
        }
        final RecordingStore store = new RecordingStore(big);
        try (RegionCache cache = RegionCache.create(config(store)
            .segmentSize(64 << 10)
            .capacityBytes(16 << 20)
            .evictThresholdBytes(4 << 20)
            .stopLoadThresholdBytes(3 << 20)
            .build()))
        {
            load(cache);
            assertNull(cache.stateOf(1));
            assertEquals(1, cache.counters().loadsFailedForMemory());
            assertEquals(0, cache.memoryInUse(), "every segment both scan threads took is back in the pool");
        }
    }

    /** A split key the load cannot use: at or before the resume key, at or past the region's end, or a throw. */
    @ParameterizedTest
    @ValueSource(strings = {"resume", "before", "end", "after", "throws"})
    void aSplitKeyOutsideTheRestIsIgnored(final String which)
    {
        final byte[] regionEnd = key(KEYS - 5);
        final RecordingStore store = new RecordingStore(store());
        store.splitOverride = (resume, end) ->
        {
            switch (which)
            {
                case "resume":
                    return resume;
                case "before":
                    return key(3);
                case "end":
                    return end;
                case "after":
                    return key(KEYS + 3);
                default:
                    throw new IllegalStateException("a store's splitKey that throws");
            }
        };
        try (RegionCache cache = RegionCache.create(config(store).build()))
        {
            assertEquals(ResultCode.OK, load(cache, regionEnd));
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            assertEquals(1, store.splitKeysAsked.get());
            assertEquals(2, store.scans.size(), "the inline part, then the rest in one part: " + store.scans);
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, Long.MAX_VALUE));
            for (int i = 0; i < KEYS - 5; i++)
            {
                assertArrayEquals(value(i, VERSIONS), s.get(key(i)), "key " + i);
            }
            s.close();
            s.dispose();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, -1})
    void loadScanThreadsIsOneOrTwo(final int threads)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> RegionCacheConfig.builder().loadScanThreads(threads).build());
        assertEquals("loadScanThreads must be 1 or 2, was " + threads, e.getMessage());
    }

    private static ResultCode load(final RegionCache cache)
    {
        return load(cache, new byte[0]);
    }

    /** Load region 1, {@code ["", end)}, and run apply cycles until it has left LOADING. */
    private static ResultCode load(final RegionCache cache, final byte[] end)
    {
        final ResultCode code = await(cache, cache.loadRegion(new Region(1, new byte[0], end, 1)));
        for (int i = 0; i < 100 && cache.stateOf(1) == RegionState.LOADING; i++)
        {
            cache.applyCycle();
        }
        return code;
    }

    private static ResultCode await(final RegionCache cache, final CompletableFuture<CommandResult> f)
    {
        while (!f.isDone())
        {
            cache.applyCycle();
        }
        return f.join().code();
    }

    private static void checkEveryVersionOfEveryKey(final RegionCache cache)
    {
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        final Snapshot s = cache.newSnapshot();
        for (int v = 1; v <= VERSIONS; v++)
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 10L * v + 5));
            for (int i = 0; i < KEYS; i++)
            {
                final byte[] got = s.get(key(i));
                if (i % 7 == 0 && v == 2)
                {
                    assertNull(got, "key " + i + " deleted at version 20");
                }
                else
                {
                    assertArrayEquals(value(i, v), got, "key " + i + " at version " + (10 * v + 5));
                }
            }
            final SnapshotIterator it = s.iterator();
            int n = 0;
            byte[] previous = null;
            for (boolean ok = it.seekToFirst(); ok; ok = it.next())
            {
                final byte[] k = it.key();
                assertTrue(null == previous || java.util.Arrays.compareUnsigned(previous, k) < 0, "keys ascend");
                previous = k;
                n++;
            }
            assertEquals(v == 2 ? KEYS - (KEYS + 6) / 7 : KEYS, n, "visible keys at version " + (10 * v + 5));
            s.close();
        }
        s.dispose();
    }

    /** One scan of the store: its range and the thread that ran it. */
    private static final class Scan
    {
        final byte[] start;
        final byte[] end;
        final String thread;

        Scan(final byte[] start, final byte[] end)
        {
            this.start = start.clone();
            this.end = end.clone();
            this.thread = Thread.currentThread().getName();
        }

        @Override
        public String toString()
        {
            return "scan(" + start.length + " B.." + end.length + " B on " + thread + ")";
        }
    }

    /**
     * The in-memory store, its scans recorded; a split key that can be overridden; a failure injected into one half;
     * the first half held until the second has ended.
     */
    private static final class RecordingStore implements BackingStore
    {
        private final InMemoryBackingStore delegate;
        final ConcurrentLinkedQueue<Scan> scans = new ConcurrentLinkedQueue<>();
        volatile BinaryOperator<byte[]> splitOverride;
        final java.util.concurrent.atomic.AtomicInteger splitKeysAsked = new java.util.concurrent.atomic.AtomicInteger();
        volatile boolean firstHalfWaitsForTheSecond;
        final AtomicBoolean firstHalfTimedOut = new AtomicBoolean();
        private final CountDownLatch secondHalfEnded = new CountDownLatch(1);
        private volatile int failingHalf;
        private volatile long failAfter;

        RecordingStore(final InMemoryBackingStore delegate)
        {
            this.delegate = delegate;
        }

        /** @param half 1 or 2 to make that half's scan throw after {@code entries}; 0 for none. */
        void failHalfAfter(final int half, final long entries)
        {
            failingHalf = half;
            failAfter = entries;
        }

        @Override
        public BackingSnapshot openSnapshot()
        {
            final BackingSnapshot s = delegate.openSnapshot();
            return new BackingSnapshot()
            {
                @Override
                public void scan(final byte[] start, final byte[] end, final EntryVisitor visitor)
                {
                    scans.add(new Scan(start, end));
                    final boolean firstHalf = start.length > 0 && end.length > 0;
                    final boolean secondHalf = start.length > 0 && end.length == 0;
                    if (firstHalf && firstHalfWaitsForTheSecond)
                    {
                        try
                        {
                            firstHalfTimedOut.set(!secondHalfEnded.await(WAIT_SECONDS, TimeUnit.SECONDS));
                        }
                        catch (final InterruptedException ex)
                        {
                            Thread.currentThread().interrupt();
                            throw new StoreException("interrupted", ex);
                        }
                    }
                    final boolean failing = (failingHalf == 1 && firstHalf) || (failingHalf == 2 && secondHalf);
                    final long limit = failAfter;
                    final long[] n = {0};
                    try
                    {
                        s.scan(start, end, (k, ko, kl, v, val, vo, vl) ->
                        {
                            if (failing && n[0]++ >= limit)
                            {
                                throw new StoreException("injected failure after " + limit + " entries");
                            }
                            return visitor.onEntry(k, ko, kl, v, val, vo, vl);
                        });
                    }
                    finally
                    {
                        if (secondHalf)
                        {
                            secondHalfEnded.countDown();
                        }
                    }
                }

                @Override
                public long approximateSize(final byte[] start, final byte[] end)
                {
                    return s.approximateSize(start, end);
                }

                @Override
                public byte[] splitKey(final byte[] start, final byte[] end)
                {
                    splitKeysAsked.incrementAndGet();
                    final BinaryOperator<byte[]> override = splitOverride;
                    return null == override ? s.splitKey(start, end) : override.apply(start, end);
                }

                @Override
                public int get(
                    final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
                    final MutableDirectBuffer dst, final int dstOffset)
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
            delegate.close();
        }
    }
}
