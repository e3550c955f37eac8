package io.regioncache;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.store.InMemoryBackingStore;

/**
 * The public Javadoc of the core's store and hybrid types, checked against what the code does: each test names the
 * sentence it holds the code to. Written with the audit that found {@link InMemoryBackingStore#get} growing an
 * expandable destination that {@link BackingStore#get} promises to leave alone, so that a {@link HybridReader} gave
 * two answers for one read depending on whether the cache or the store served it.
 */
final class JavadocContractAuditTest
{
    private static final byte[] VALUE = b("a value of 27 bytes, exact.");

    private HybridEngine engine;

    @AfterEach
    void tearDown()
    {
        if (engine != null)
        {
            engine.close();
        }
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    private static UnsafeBuffer key(final String s)
    {
        return new UnsafeBuffer(b(s));
    }

    private static InMemoryBackingStore storeWithValue()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("k"), 5, VALUE);
        return store;
    }

    // ------------------------------------------------------------------ BackingStore.get: -2 - length, nothing grown

    /** BackingStore.get: "-2 - length when dst has less than length bytes from dstOffset (nothing copied ...)". */
    @Test
    void storeGetAnswersMinusTwoMinusLengthIntoATooSmallUnsafeBuffer()
    {
        final InMemoryBackingStore store = storeWithValue();
        final byte[] bytes = new byte[30];
        final UnsafeBuffer dst = new UnsafeBuffer(bytes);
        assertEquals(-2 - VALUE.length, store.get(key("k"), 0, 1, 10, dst, 4));
        assertArrayEquals(new byte[30], bytes, "nothing copied");
    }

    /** BackingStore.get: "... and an expandable dst is not grown" (the in-memory store used to grow it). */
    @Test
    void storeGetDoesNotGrowAnExpandableArrayBuffer()
    {
        final InMemoryBackingStore store = storeWithValue();
        final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(16);
        assertEquals(-2 - VALUE.length, store.get(key("k"), 0, 1, 10, dst, 0));
        assertEquals(16, dst.capacity(), "not grown");
        assertArrayEquals(new byte[16], dst.byteArray(), "nothing copied");
    }

    @Test
    void storeGetDoesNotGrowAnExpandableDirectByteBuffer()
    {
        final InMemoryBackingStore store = storeWithValue();
        final ExpandableDirectByteBuffer dst = new ExpandableDirectByteBuffer(20);
        assertEquals(-2 - VALUE.length, store.get(key("k"), 0, 1, 10, dst, 3));
        assertEquals(20, dst.capacity(), "not grown");
    }

    /** The room is counted from dstOffset: exactly enough fits, one byte less does not. */
    @Test
    void storeGetFitsExactlyTheRoomFromTheOffset()
    {
        final InMemoryBackingStore store = storeWithValue();
        final UnsafeBuffer exact = new UnsafeBuffer(new byte[VALUE.length + 3]);
        assertEquals(VALUE.length, store.get(key("k"), 0, 1, 10, exact, 3));
        final byte[] got = new byte[VALUE.length];
        exact.getBytes(3, got);
        assertArrayEquals(VALUE, got);
        assertEquals(-2 - VALUE.length, store.get(key("k"), 0, 1, 10, exact, 4));
    }

    /** BackingStore.get: NOT_FOUND for an absent key, a deleted one, and a read below its first version. */
    @Test
    void storeGetAnswersNotFoundForAbsentDeletedAndTooOldReads()
    {
        final InMemoryBackingStore store = storeWithValue();
        store.put(b("d"), 5, VALUE);
        store.delete(b("d"), 6);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
        assertEquals(BackingSnapshot.NOT_FOUND, store.get(key("x"), 0, 1, 10, dst, 0));
        assertEquals(BackingSnapshot.NOT_FOUND, store.get(key("d"), 0, 1, 10, dst, 0));
        assertEquals(VALUE.length, store.get(key("d"), 0, 1, 5, dst, 0), "below the tombstone");
        assertEquals(BackingSnapshot.NOT_FOUND, store.get(key("k"), 0, 1, 4, dst, 0));
    }

    /** The store-level get reads the latest published state, writes after any snapshot included. */
    @Test
    void storeGetReadsTheLatestState()
    {
        final InMemoryBackingStore store = storeWithValue();
        final BackingSnapshot before = store.openSnapshot();
        store.put(b("k"), 7, b("newer"));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[64]);
        assertEquals(5, store.get(key("k"), 0, 1, 10, dst, 0));
        assertEquals(VALUE.length, before.get(key("k"), 0, 1, 10, dst, 0), "the snapshot keeps its state");
        before.close();
    }

    /** BackingStore.get: "@throws StoreException if the store fails" (a closed store). */
    @Test
    void storeGetOnAClosedStoreThrowsStoreException()
    {
        final InMemoryBackingStore store = storeWithValue();
        store.close();
        assertThrows(StoreException.class,
            () -> store.get(key("k"), 0, 1, 10, new UnsafeBuffer(new byte[64]), 0));
    }

    // ------------------------------------------------------------------ BackingSnapshot.get

    /** BackingSnapshot.get: "-2 - length ... (nothing copied)" for a buffer that cannot grow. */
    @Test
    void snapshotGetAnswersMinusTwoMinusLengthIntoAFixedBuffer()
    {
        final InMemoryBackingStore store = storeWithValue();
        try (BackingSnapshot s = store.openSnapshot())
        {
            final byte[] bytes = new byte[10];
            assertEquals(-2 - VALUE.length, s.get(key("k"), 0, 1, 10, new UnsafeBuffer(bytes), 0));
            assertArrayEquals(new byte[10], bytes);
        }
    }

    /** BackingSnapshot.get: "An implementation may grow an expandable dst instead (the in-memory ... snapshots do". */
    @Test
    void inMemorySnapshotGetGrowsAnExpandableBuffer()
    {
        final InMemoryBackingStore store = storeWithValue();
        try (BackingSnapshot s = store.openSnapshot())
        {
            final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(4);
            assertEquals(VALUE.length, s.get(key("k"), 0, 1, 10, dst, 2));
            assertTrue(dst.capacity() >= VALUE.length + 2);
            final byte[] got = new byte[VALUE.length];
            dst.getBytes(2, got);
            assertArrayEquals(VALUE, got);
        }
    }

    /** BackingStore.multiGet: a value that does not fit gets -2 - length and the next one still lands. */
    @Test
    void storeMultiGetMarksTheValueThatDoesNotFitAndGoesOn()
    {
        final InMemoryBackingStore store = storeWithValue();
        store.put(b("s"), 5, b("ab"));
        final UnsafeBuffer keys = new UnsafeBuffer(b("ks"));
        final int[] vo = new int[2];
        final int[] vl = new int[2];
        final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(8);
        final int end = store.multiGet(keys, new int[] {0, 1}, new int[] {1, 1}, 0, 2, 10, dst, 1, vo, vl);
        assertArrayEquals(new int[] {-2 - VALUE.length, 2}, vl);
        assertEquals(1, vo[1]);
        assertEquals(3, end);
        assertEquals(8, dst.capacity(), "not grown");
    }

    // ------------------------------------------------------------------ HybridReader: one answer from either side

    /**
     * HybridReader.get: "-2 - length if dst has less than length bytes from dstOffset (nothing copied; expandable
     * buffers are not grown, as with Snapshot.get)", whether the cache or the store serves: the bug this audit fixed.
     */
    @Test
    void hybridGetGivesTheSameTooSmallAnswerFromCacheAndStore() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        engine = HybridEngine.create(store, InvokerCommands.config());
        assertEquals(ResultCode.OK, engine.await(engine.createRegion(new Region(1, b("a"), b("m"), 1))).code());
        assertEquals(ResultCode.OK, engine.await(engine.write(new WriteBatch(1, 1, 5).put(b("c"), VALUE))).code());
        // region 2 is not cached: its reads go to the store
        assertEquals(ResultCode.NOT_CACHED,
            engine.await(engine.write(new WriteBatch(2, 1, 6).put(b("p"), VALUE))).code());
        try (HybridReader reader = engine.newReader())
        {
            for (final MutableDirectBuffer dst : List.<MutableDirectBuffer>of(
                new ExpandableArrayBuffer(8), new ExpandableDirectByteBuffer(8), new UnsafeBuffer(new byte[8])))
            {
                final String what = dst.getClass().getSimpleName();
                final int fromCache = reader.get(1, 1, 10, key("c"), 0, 1, dst, 0);
                assertEquals(SnapshotStatus.OK, reader.lastStatus(), what);
                final int fromStore = reader.get(2, 1, 10, key("p"), 0, 1, dst, 0);
                assertTrue(reader.lastStatus() != SnapshotStatus.OK, what);
                assertEquals(-2 - VALUE.length, fromCache, what);
                assertEquals(fromCache, fromStore, what);
                assertEquals(8, dst.capacity(), what + ": not grown");
            }
        }
        assertEquals(3, engine.metrics().cacheGets());
        assertEquals(3, engine.metrics().storeGets());
    }

    /** HybridReader's convenience get still reads a value longer than its first buffer, from either side. */
    @Test
    void hybridConvenienceGetReadsLongValuesFromCacheAndStore() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        engine = HybridEngine.create(store, InvokerCommands.config().maxValueLength(400));
        final byte[] longValue = new byte[300];
        java.util.Arrays.fill(longValue, (byte)'v');
        assertEquals(ResultCode.OK, engine.await(engine.createRegion(new Region(1, b("a"), b("m"), 1))).code());
        assertEquals(ResultCode.OK, engine.await(engine.write(new WriteBatch(1, 1, 5).put(b("c"), longValue))).code());
        engine.await(engine.write(new WriteBatch(2, 1, 6).put(b("p"), longValue)));
        try (HybridReader reader = engine.newReader())
        {
            assertArrayEquals(longValue, reader.get(1, 1, 10, b("c")));
            assertArrayEquals(longValue, reader.get(2, 1, 10, b("p")));
        }
    }

    // ------------------------------------------------------------------ HybridMetrics.storeWriteErrors

    /** HybridMetrics.storeWriteErrors: "a refused write (nothing reached the cache)". */
    @Test
    void aRefusedWriteIsCountedAndNeverReachesTheCache() throws Exception
    {
        final RefusingStore store = new RefusingStore();
        engine = HybridEngine.create(store, InvokerCommands.config());
        assertEquals(ResultCode.OK, engine.await(engine.createRegion(new Region(1, b("a"), b("m"), 1))).code());
        store.refuse.set(true);
        final CommandResult r = engine.await(engine.write(new WriteBatch(1, 1, 5).put(b("c"), VALUE)));
        assertEquals(ResultCode.STORE_ERROR, r.code());
        assertEquals(1, engine.metrics().storeWriteErrors());
        try (HybridReader reader = engine.newReader())
        {
            assertEquals(null, reader.get(1, 1, 10, b("c")));
            assertEquals(SnapshotStatus.OK, reader.lastStatus(), "the cache served, and has nothing");
        }
    }

    /**
     * HybridMetrics.storeWriteErrors: "a refused deleteRange (whose overlapping cached regions are evicted anyway";
     * HybridEngine.deleteRange: "STORE_ERROR (the cache range is evicted anyway)".
     */
    @Test
    void aRefusedDeleteRangeIsCountedAndTheRegionIsStillEvicted() throws Exception
    {
        final RefusingStore store = new RefusingStore();
        engine = HybridEngine.create(store, InvokerCommands.config());
        assertEquals(ResultCode.OK, engine.await(engine.createRegion(new Region(1, b("a"), b("m"), 1))).code());
        assertEquals(ResultCode.OK, engine.await(engine.write(new WriteBatch(1, 1, 5).put(b("c"), VALUE))).code());
        store.refuse.set(true);
        final CommandResult r = engine.await(engine.deleteRange(b("b"), b("d"), 6));
        assertEquals(ResultCode.STORE_ERROR, r.code());
        assertEquals(1, engine.metrics().storeWriteErrors());
        store.refuse.set(false);
        // a barrier: a write to an uncached region goes through the apply queue after the eviction
        assertEquals(ResultCode.NOT_CACHED,
            engine.await(engine.write(new WriteBatch(9, 1, 7).put(b("q"), b("x")))).code());
        final List<RegionInfo> cached = engine.cache().regions();
        assertTrue(cached.stream().noneMatch(i -> i.region().id() == 1 && i.state() == RegionState.ACTIVE),
            cached::toString);
        try (HybridReader reader = engine.newReader())
        {
            assertArrayEquals(VALUE, reader.get(1, 1, 10, b("c")), "the store kept it and now serves it");
            assertTrue(reader.lastStatus() != SnapshotStatus.OK);
        }
    }

    /** HybridEngine.ingest: "overlapping cached regions are evicted and reload the ingested data". */
    @Test
    void ingestEvictsTheOverlappingRegionAndReadsGoToTheStore() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        engine = HybridEngine.create(store, InvokerCommands.config());
        assertEquals(ResultCode.OK, engine.await(engine.createRegion(new Region(1, b("a"), b("m"), 1))).code());
        assertEquals(ResultCode.OK, engine.await(engine.createRegion(new Region(2, b("m"), b("z"), 1))).code());
        store.put(b("c"), 5, VALUE); // "ingested" behind the cache's back
        assertEquals(ResultCode.OK, engine.await(engine.ingest(b("b"), b("d"))).code());
        final List<RegionInfo> cached = engine.cache().regions();
        assertTrue(cached.stream().anyMatch(i -> i.region().id() == 2 && i.state() == RegionState.ACTIVE),
            "a region outside the range stays: " + cached);
        try (HybridReader reader = engine.newReader())
        {
            assertArrayEquals(VALUE, reader.get(1, 1, 10, b("c")));
            assertTrue(reader.lastStatus() != SnapshotStatus.OK, "served by the store: " + reader.lastStatus());
        }
    }

    /** A store that refuses writes and delete-ranges on demand, reads always served. */
    private static final class RefusingStore implements WritableStore
    {
        final InMemoryBackingStore delegate = new InMemoryBackingStore();
        final AtomicBoolean refuse = new AtomicBoolean();

        @Override
        public void applyBatch(final WriteBatch batch)
        {
            if (refuse.get())
            {
                throw new StoreException("refused (test)");
            }
            delegate.applyBatch(batch);
        }

        @Override
        public long deleteRange(final byte[] start, final byte[] end, final long version)
        {
            if (refuse.get())
            {
                throw new StoreException("refused (test)");
            }
            return delegate.deleteRange(start, end, version);
        }

        @Override
        public long gcBelow(final long safePoint)
        {
            return delegate.gcBelow(safePoint);
        }

        @Override
        public BackingSnapshot openSnapshot()
        {
            return delegate.openSnapshot();
        }

        @Override
        public int get(
            final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
            final MutableDirectBuffer dst, final int dstOffset)
        {
            return delegate.get(key, keyOffset, keyLength, readVersion, dst, dstOffset);
        }

        @Override
        public long gcSafePoint()
        {
            return delegate.gcSafePoint();
        }

        @Override
        public void close()
        {
            delegate.close();
        }
    }
}
