package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.b;
import static io.regioncache.blackbox.BB.throwsExactly;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.store.InMemoryBackingStore;

class HybridBlackBoxTest
{
    private InMemoryBackingStore store;
    private HybridEngine engine;

    @BeforeEach
    void setUp() throws Exception
    {
        store = new InMemoryBackingStore();
        engine = HybridEngine.create(store, BB.invoker().maxValueLength(1024));
        ok(engine.createRegion(new Region(1, b("b"), b("m"), 5)));
        ok(engine.write(new WriteBatch(1, 5, 10).put(b("c"), b("vc")).put(b("d"), b("vd"))));
    }

    @AfterEach
    void tearDown()
    {
        engine.close();
        store.close();
    }

    private CommandResult await(final CompletableFuture<CommandResult> f)
    {
        return engine.await(f);
    }

    private void ok(final CompletableFuture<CommandResult> f)
    {
        final CommandResult r = await(f);
        assertEquals(ResultCode.OK, r.code(), r.toString());
    }

    /** README 1054-1055: after close, CLOSED at the call, before the store sees the write or delete-range; gc throws. */
    @Test
    void afterCloseNothingReachesTheStore()
    {
        engine.close();
        final int entries = store.entryCount();
        final CompletableFuture<CommandResult> w = engine.write(new WriteBatch(1, 5, 11).put(b("e"), b("ve")));
        assertTrue(w.isDone());
        assertEquals(ResultCode.CLOSED, w.join().code());
        final CompletableFuture<CommandResult> d = engine.deleteRange(b("a"), b("z"), 12);
        assertTrue(d.isDone());
        assertEquals(ResultCode.CLOSED, d.join().code());
        assertEquals(entries, store.entryCount());
        throwsExactly(IllegalStateException.class, () -> engine.gc(50));
        assertEquals(-1, store.gcSafePoint(), "gc after close must not sweep");
        assertEquals(ResultCode.CLOSED, engine.split(1, 5, new byte[][] {b("g")}, new long[] {2}, 6).join().code());
        assertEquals(ResultCode.CLOSED, engine.createRegion(new Region(3, b("m"), b("z"), 1)).join().code());
        assertEquals(ResultCode.CLOSED, engine.loadRegion(new Region(3, b("m"), b("z"), 1)).join().code());
        assertEquals(ResultCode.CLOSED, engine.evict(1, EvictReason.MANUAL).join().code());
        assertEquals(ResultCode.CLOSED, engine.advanceSafePoint(1, 3).join().code());
        assertEquals(ResultCode.CLOSED, engine.ingest(b("a"), b("b")).join().code());
        // bad input still INVALID
        assertEquals(ResultCode.INVALID, engine.write(new WriteBatch(1, 5, -1).put(b("e"), b("ve"))).join().code());
        assertEquals(ResultCode.INVALID, engine.deleteRange(b("z"), b("a"), 12).join().code());
        assertEquals(ResultCode.INVALID, engine.write(null).join().code());
        engine.close(); // twice: harmless
    }

    /** README 1057-1059: a closed HybridReader throws ISE; HybridScan accessors off a key throw ISE (both paths). */
    @Test
    void closedReaderAndScanAccessorsThrow() throws Exception
    {
        final HybridReader reader = engine.newReader();
        for (final long epoch : new long[] {5, 4}) // 5: cache path; 4: store path (epoch mismatch)
        {
            final HybridScan scan = reader.scan(1, epoch, 100, b("b"), b("m"));
            assertEquals(epoch == 5, scan.servedByCache(), "epoch " + epoch);
            throwsExactly(IllegalStateException.class, scan::key);
            throwsExactly(IllegalStateException.class, scan::valueLength);
            assertTrue(scan.next());
            assertArrayEquals(b("c"), scan.keyBytes());
            assertTrue(scan.next());
            assertArrayEquals(b("vd"), scan.valueBytes());
            assertFalse(scan.next());
            throwsExactly(IllegalStateException.class, scan::value);
            throwsExactly(IllegalStateException.class, scan::keyLength);
            scan.close();
            throwsExactly(IllegalStateException.class, scan::key);
            throwsExactly(IllegalStateException.class, scan::next);
        }
        reader.close();
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
        throwsExactly(IllegalStateException.class,
            () -> reader.get(1, 5, 100, new UnsafeBuffer(b("c")), 0, 1, dst, 0));
        throwsExactly(IllegalStateException.class, () -> reader.get(1, 5, 100, b("c")));
        throwsExactly(IllegalStateException.class, () -> reader.multiGet(1, 5, 100, new UnsafeBuffer(b("c")),
            new int[] {0}, new int[] {1}, 1, dst, 0, new int[1], new int[1]));
        throwsExactly(IllegalStateException.class, () -> reader.scan(1, 5, 100, b("b"), b("m")));
        throwsExactly(IllegalStateException.class, () -> reader.view(new Region(1, b("b"), b("m"), 5), 100));
        reader.close(); // harmless
    }

    /** README 1111-1115: the same exceptions on both paths; a key outside the region refused only by the cache. */
    @Test
    void readerArgumentsAreCheckedAlikeOnBothPaths()
    {
        final HybridReader reader = engine.newReader();
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[4]);
        final UnsafeBuffer key = new UnsafeBuffer(b("c"));
        for (final long epoch : new long[] {5, 6})
        {
            throwsExactly(NullPointerException.class, () -> reader.get(1, epoch, 100, null, 0, 1, dst, 0));
            throwsExactly(NullPointerException.class, () -> reader.get(1, epoch, 100, key, 0, 1, null, 0));
            throwsExactly(NullPointerException.class, () -> reader.get(1, epoch, 100, (byte[])null));
            throwsExactly(IllegalArgumentException.class, () -> reader.get(1, epoch, 100, key, 0, 2, dst, 0));
            throwsExactly(IllegalArgumentException.class, () -> reader.get(1, epoch, 100, key, 0, 1, dst, 5));
            throwsExactly(IllegalArgumentException.class, () -> reader.multiGet(1, epoch, 100, key,
                new int[] {0}, new int[] {1}, 2, dst, 0, new int[2], new int[2]));
            throwsExactly(IllegalArgumentException.class, () -> reader.multiGet(1, epoch, 100, key,
                new int[] {0}, new int[] {2}, 1, dst, 0, new int[1], new int[1]));
            throwsExactly(NullPointerException.class, () -> reader.scan(1, epoch, 100, null, b("m")));
            throwsExactly(NullPointerException.class, () -> reader.scan(1, epoch, 100, b("b"), null));
            assertEquals(2, reader.get(1, epoch, 100, key, 0, 1, dst, 0), "epoch " + epoch);
            assertEquals(-4, reader.get(1, epoch, 100, key, 0, 1, dst, 4), "epoch " + epoch);
        }
        ok(engine.write(new WriteBatch(1, 5, 11).put(b("e"), b("ve"))));
        // store.put directly, outside region 1 (a neighbour's key)
        store.put(b("x"), 3, b("vx"));
        throwsExactly(IllegalArgumentException.class, () -> reader.get(1, 5, 100, b("x")));
        assertArrayEquals(b("vx"), reader.get(1, 6, 100, b("x")));
        reader.close();
    }

    /** README 1097-1101: a write the cache refuses on the apply thread evicts the touched cached range. */
    @Test
    void aWriteRefusedOnTheApplyThreadIsReconciled()
    {
        final HybridReader reader = engine.newReader();
        final CommandResult r = await(engine.write(new WriteBatch(1, 5, 20).put(b("c"), b("new")).put(b("z"), b("vz"))));
        assertEquals(ResultCode.INVALID, r.code());
        for (int i = 0; i < 100; i++)
        {
            engine.applyCycle();
        }
        assertEquals(1, engine.metrics().reconciliations());
        assertNull(engine.cache().stateOf(1));
        assertArrayEquals(b("new"), reader.get(1, 5, 100, b("c")));
        assertEquals(SnapshotStatus.NOT_CACHED, reader.lastStatus());
        // STALE_EPOCH likewise
        ok(engine.createRegion(new Region(7, b("m"), b("q"), 3)));
        final CommandResult s = await(engine.write(new WriteBatch(7, 2, 5).put(b("n"), b("vn"))));
        assertEquals(ResultCode.STALE_EPOCH, s.code());
        for (int i = 0; i < 100; i++)
        {
            engine.applyCycle();
        }
        assertEquals(2, engine.metrics().reconciliations());
        assertNull(engine.cache().stateOf(7));
        assertArrayEquals(b("vn"), reader.get(7, 3, 100, b("n")));
        reader.close();
    }

    /** README 1119-1121: the convenience get that reads again into a grown buffer counts once, on either path. */
    @Test
    void aGrownConvenienceGetCountsOnce()
    {
        final byte[] big = new byte[600];
        java.util.Arrays.fill(big, (byte)7);
        ok(engine.write(new WriteBatch(1, 5, 11).put(b("e"), big)));
        final HybridReader reader = engine.newReader();
        assertArrayEquals(big, reader.get(1, 5, 100, b("e")));
        assertEquals(1, engine.metrics().cacheGets());
        assertEquals(0, engine.metrics().storeGets());
        assertArrayEquals(big, reader.get(1, 6, 100, b("e")));
        assertEquals(1, engine.metrics().storeGets());
        assertEquals(1, engine.metrics().fallbacks(SnapshotStatus.EPOCH_MISMATCH));
        assertEquals(1, engine.metrics().cacheGets());
        reader.close();
    }

    /** README 1086-1090: a batch refused at the call is INVALID before the store sees it (key over max, empty key). */
    @Test
    void writesRefusedAtTheCallNeverReachTheStore()
    {
        final int entries = store.entryCount();
        assertEquals(ResultCode.INVALID, engine.write(new WriteBatch(1, 5, 30).put(new byte[0], b("v"))).join().code());
        assertEquals(ResultCode.INVALID,
            engine.write(new WriteBatch(1, 5, 30).put(new byte[BB.MAX_KEY + 1], b("v"))).join().code());
        assertEquals(ResultCode.INVALID, engine.write(new WriteBatch(-1, 5, 30).put(b("c"), b("v"))).join().code());
        assertEquals(ResultCode.INVALID,
            engine.write(new WriteBatch(1, 1L << 32, 30).put(b("c"), b("v"))).join().code());
        assertEquals(ResultCode.INVALID,
            engine.write(new WriteBatch(1, 5, 30).put(b("c"), new byte[1025])).join().code());
        assertEquals(ResultCode.INVALID, engine.deleteRange(null, b("z"), 30).join().code());
        assertEquals(ResultCode.INVALID, engine.deleteRange(b("c"), b("c"), 30).join().code());
        assertEquals(ResultCode.INVALID, engine.deleteRange(b("c"), b("d"), -1).join().code());
        assertEquals(entries, store.entryCount());
        assertEquals(RegionState.ACTIVE, engine.cache().stateOf(1));
    }
}
