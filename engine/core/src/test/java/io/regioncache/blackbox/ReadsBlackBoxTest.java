package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.b;
import static io.regioncache.blackbox.BB.expect;
import static io.regioncache.blackbox.BB.throwsExactly;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

class ReadsBlackBoxTest
{
    private RegionCache cache;

    @BeforeEach
    void setUp() throws Exception
    {
        cache = RegionCache.create(BB.invoker().commandQueueCapacity(4).build());
        expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("b"), b("m"), 5)));
        expect(cache, ResultCode.OK, cache.write(new WriteBatch(1, 5, 10)
            .put(b("b"), b("vb")).put(b("c"), b("vc")).put(b("d"), b("vd")).put(b("l"), b("vl"))));
    }

    @AfterEach
    void tearDown()
    {
        cache.close();
    }

    /** README 1040-1041: get throws NPE/IAE at the call, IAE outside the region (start inclusive, end exclusive). */
    @Test
    void getAtTheRegionsBoundsAndDstOffsets()
    {
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 5, 100));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[8]);
        assertEquals(2, s.get(new UnsafeBuffer(b("b")), 0, 1, dst, 0)); // == start: inside
        throwsExactly(IllegalArgumentException.class, () -> s.get(new UnsafeBuffer(b("m")), 0, 1, dst, 0));
        throwsExactly(IllegalArgumentException.class, () -> s.get(new UnsafeBuffer(b("a")), 0, 1, dst, 0));
        throwsExactly(IllegalArgumentException.class, () -> s.get(b("m")));
        throwsExactly(IllegalArgumentException.class, () -> s.getView(new UnsafeBuffer(b("m")), 0, 1, new UnsafeBuffer(0, 0)));
        // dstOffset == capacity is inside (nothing fits: -2 - length); past it throws
        assertEquals(-2 - 2, s.get(new UnsafeBuffer(b("c")), 0, 1, dst, 8));
        throwsExactly(IllegalArgumentException.class, () -> s.get(new UnsafeBuffer(b("c")), 0, 1, dst, 9));
        throwsExactly(IllegalArgumentException.class, () -> s.get(new UnsafeBuffer(b("c")), 0, 1, dst, -1));
        throwsExactly(IllegalArgumentException.class, () -> s.get(new UnsafeBuffer(b("c")), 1, 1, dst, 0));
        throwsExactly(IllegalArgumentException.class, () -> s.get(new UnsafeBuffer(b("c")), Integer.MAX_VALUE, 2, dst, 0));
        throwsExactly(IllegalArgumentException.class, () -> s.get(new UnsafeBuffer(b("c")), 0, -1, dst, 0));
        throwsExactly(NullPointerException.class, () -> s.get(null, 0, 1, dst, 0));
        throwsExactly(NullPointerException.class, () -> s.get(new UnsafeBuffer(b("c")), 0, 1, null, 0));
        throwsExactly(NullPointerException.class, () -> s.getView(new UnsafeBuffer(b("c")), 0, 1, null));
        throwsExactly(NullPointerException.class, () -> s.getView(null, 0, 1, new UnsafeBuffer(0, 0)));
        throwsExactly(NullPointerException.class, () -> s.get((byte[])null));
        // still usable
        assertArrayEquals(b("vc"), s.get(b("c")));
        assertEquals(-1, s.get(new UnsafeBuffer(b("e")), 0, 1, dst, 0));
        s.close();
        throwsExactly(IllegalStateException.class, () -> s.get(new UnsafeBuffer(b("c")), 0, 1, dst, 0));
        throwsExactly(IllegalStateException.class, () -> s.getView(new UnsafeBuffer(b("c")), 0, 1, new UnsafeBuffer(0, 0)));
        throwsExactly(IllegalStateException.class, () -> s.get(b("c")));
        throwsExactly(IllegalStateException.class, s::iterator);
        throwsExactly(IllegalStateException.class, () -> s.iterator(b("c"), b("d")));
        s.dispose();
        s.dispose(); // harmless
        throwsExactly(IllegalStateException.class, () -> s.open(1, 5, 100));
    }

    /** README 1040-1041: multiGet checks every key's slice, the arrays against count, dstOffset; handle usable. */
    @Test
    void multiGetEdges()
    {
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 5, 100));
        final UnsafeBuffer keys = new UnsafeBuffer(b("bcdlze"));
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[16]);
        final int[] offs = {0, 1, 2, 3};
        final int[] lens = {1, 1, 1, 1};
        final int[] vo = new int[4];
        final int[] vl = new int[4];
        assertEquals(3, s.multiGet(keys, offs, lens, 0, dst, 3, vo, vl)); // count 0
        assertEquals(8, s.multiGet(keys, offs, lens, 4, dst, 0, vo, vl));
        assertArrayEquals(new int[] {2, 2, 2, 2}, vl);
        assertArrayEquals(new int[] {0, 2, 4, 6}, vo);
        Arrays.fill(vl, 77);
        throwsExactly(IllegalArgumentException.class, () -> s.multiGet(keys, offs, lens, -1, dst, 0, vo, vl));
        throwsExactly(IllegalArgumentException.class, () -> s.multiGet(keys, offs, lens, 5, dst, 0, vo, vl));
        throwsExactly(IllegalArgumentException.class, () -> s.multiGet(keys, offs, lens, 4, dst, 17, vo, vl));
        throwsExactly(IllegalArgumentException.class, () -> s.multiGet(keys, offs, lens, 4, dst, -1, vo, vl));
        throwsExactly(IllegalArgumentException.class,
            () -> s.multiGet(keys, new int[] {0, 1, 2, 6}, lens, 4, dst, 0, vo, vl));
        throwsExactly(IllegalArgumentException.class,
            () -> s.multiGet(keys, offs, new int[] {1, 1, 1, -1}, 4, dst, 0, vo, vl));
        throwsExactly(IllegalArgumentException.class, // "z" outside [b, m)
            () -> s.multiGet(keys, new int[] {0, 4}, new int[] {1, 1}, 2, dst, 0, vo, vl));
        throwsExactly(NullPointerException.class, () -> s.multiGet(null, offs, lens, 1, dst, 0, vo, vl));
        throwsExactly(NullPointerException.class, () -> s.multiGet(keys, offs, lens, 1, null, 0, vo, vl));
        throwsExactly(NullPointerException.class, () -> s.multiGet(keys, null, lens, 1, dst, 0, vo, vl));
        throwsExactly(NullPointerException.class, () -> s.multiGet(keys, offs, lens, 1, dst, 0, null, vl));
        assertArrayEquals(new int[] {77, 77, 77, 77}, vl, "nothing read when refused");
        // dstOffset == capacity: nothing fits, -2 - length each
        assertEquals(16, s.multiGet(keys, offs, lens, 2, dst, 16, vo, vl));
        assertEquals(-4, vl[0]);
        assertEquals(-4, vl[1]);
        // absent key inside the region
        assertEquals(2, s.multiGet(keys, new int[] {5, 0}, new int[] {1, 1}, 2, dst, 0, vo, vl));
        assertEquals(-1, vl[0]);
        assertEquals(2, vl[1]);
        s.close();
        throwsExactly(IllegalStateException.class, () -> s.multiGet(keys, offs, lens, 1, dst, 0, vo, vl));
        s.dispose();
    }

    /** README 749-751 / 1040-1044: iterator bounds, seeks and accessors. */
    @Test
    void iteratorEdges()
    {
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 5, 100));
        // lower == region end is outside; upper == region start is inside (empty)
        throwsExactly(IllegalArgumentException.class, () -> s.iterator(b("m"), null));
        throwsExactly(IllegalArgumentException.class, () -> s.iterator(b("a"), null));
        throwsExactly(IllegalArgumentException.class, () -> s.iterator(null, b("m\0")));
        throwsExactly(IllegalArgumentException.class, () -> s.iterator(null, new byte[0]));
        SnapshotIterator it = s.iterator(null, b("b"));
        assertFalse(it.seekToFirst());
        it = s.iterator(b("b"), b("m"));
        // accessors before the first move
        final SnapshotIterator it0 = it;
        throwsExactly(IllegalStateException.class, it0::keyLength);
        throwsExactly(IllegalStateException.class, it0::key);
        throwsExactly(IllegalStateException.class, it0::value);
        throwsExactly(IllegalStateException.class, () -> it0.keyView(new UnsafeBuffer(0, 0)));
        throwsExactly(IllegalStateException.class, () -> it0.copyKey(new UnsafeBuffer(new byte[8]), 0));
        // seeks: key == region end outside, long keys inside are fine
        throwsExactly(IllegalArgumentException.class, () -> it0.seek(b("m")));
        throwsExactly(IllegalArgumentException.class, () -> it0.seekForPrev(b("m")));
        throwsExactly(IllegalArgumentException.class, () -> it0.seekForPrev(b("a")));
        throwsExactly(NullPointerException.class, () -> it0.seek((byte[])null));
        throwsExactly(NullPointerException.class, () -> it0.seekForPrev(null, 0, 0));
        throwsExactly(IllegalArgumentException.class, () -> it0.seek(new UnsafeBuffer(b("c")), 1, 1));
        throwsExactly(IllegalArgumentException.class, () -> it0.seekForPrev(new UnsafeBuffer(b("c")), -1, 1));
        final byte[] longKey = new byte[40];
        Arrays.fill(longKey, (byte)'c');
        assertTrue(it0.seek(longKey));
        assertArrayEquals(b("d"), it0.key());
        assertTrue(it0.seekForPrev(longKey));
        assertArrayEquals(b("c"), it0.key());
        assertTrue(it0.seekForPrev(b("l")));
        assertArrayEquals(b("l"), it0.key());
        // copy checks: null -> NPE, too small -> IAE, nothing copied
        final UnsafeBuffer small = new UnsafeBuffer(new byte[] {9, 9});
        throwsExactly(NullPointerException.class, () -> it0.copyValue(null, 0));
        throwsExactly(IllegalArgumentException.class, () -> it0.copyValue(small, 1));
        throwsExactly(IllegalArgumentException.class, () -> it0.copyKey(small, 2));
        throwsExactly(IllegalArgumentException.class, () -> it0.copyKey(small, -1));
        assertArrayEquals(new byte[] {9, 9}, small.byteArray());
        assertEquals(1, it0.copyKey(small, 1));
        assertEquals(2, it0.copyValue(new ExpandableArrayBuffer(1), 5));
        assertFalse(it0.next());
        throwsExactly(IllegalStateException.class, it0::value);
        throwsExactly(IllegalStateException.class, it0::version);
        assertTrue(it0.seekToFirst());
        // re-open: the old iterator throws
        assertEquals(SnapshotStatus.OK, s.open(1, 5, 100));
        throwsExactly(IllegalStateException.class, it0::next);
        throwsExactly(IllegalStateException.class, it0::key);
        throwsExactly(IllegalStateException.class, () -> it0.seek(b("c")));
        assertFalse(it0.isValid());
        s.close();
        throwsExactly(IllegalStateException.class, it0::seekToFirst);
        s.dispose();
    }

    /** README 1037-1039: batch building throws, nothing changes. */
    @Test
    void batchBuildingThrowsAndChangesNothing() throws Exception
    {
        final WriteBatch w = new WriteBatch(1, 5, 20);
        final UnsafeBuffer k = new UnsafeBuffer(b("cc"));
        final UnsafeBuffer v = new UnsafeBuffer(b("vv"));
        throwsExactly(IllegalArgumentException.class, () -> w.put(k, Integer.MAX_VALUE, 1, v, 0, 1));
        throwsExactly(IllegalArgumentException.class, () -> w.put(k, 1, Integer.MAX_VALUE, v, 0, 1));
        throwsExactly(IllegalArgumentException.class, () -> w.put(k, 0, 1, v, 1, 2));
        throwsExactly(IllegalArgumentException.class, () -> w.put(k, 0, 1, v, 0, -1));
        throwsExactly(IllegalArgumentException.class, () -> w.delete(k, -1, 1));
        throwsExactly(IllegalArgumentException.class, () -> w.delete(k, 0, 3));
        throwsExactly(NullPointerException.class, () -> w.put(null, 0, 0, v, 0, 1));
        throwsExactly(NullPointerException.class, () -> w.put(k, 0, 1, null, 0, 0));
        throwsExactly(NullPointerException.class, () -> w.delete(null, 0, 0));
        throwsExactly(NullPointerException.class, () -> w.put(b("c"), null));
        throwsExactly(NullPointerException.class, () -> w.put(null, b("c")));
        throwsExactly(NullPointerException.class, () -> w.delete((byte[])null));
        assertEquals(0, w.count());
        w.put(k, 0, 2, v, 0, 2).delete(k, 0, 1);
        assertEquals(2, w.count());
        expect(cache, ResultCode.OK, cache.write(w));
        throwsExactly(IllegalStateException.class, () -> w.put(b("x"), b("y")));
        throwsExactly(IllegalStateException.class, () -> w.put(k, 0, 1, v, 0, 1));
        throwsExactly(IllegalStateException.class, () -> w.delete(b("x")));
        throwsExactly(IllegalStateException.class, () -> w.delete(k, 0, 1));
        assertEquals(2, w.count());
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 5, 100));
        assertArrayEquals(b("vv"), s.get(b("cc")));
        assertEquals(null, s.get(b("c")));
        s.dispose();
    }

    /** README 1063-1065: refused at the call (INVALID, QUEUE_FULL, CLOSED): not sealed; refused on the apply thread: sealed. */
    @Test
    void sealedOnlyWhenHandedOver() throws Exception
    {
        // QUEUE_FULL (queue capacity 4, invoker: nothing drains until we cycle)
        WriteBatch full = null;
        long version = 100;
        final java.util.List<java.util.concurrent.CompletableFuture<CommandResult>> queued = new java.util.ArrayList<>();
        for (int i = 0; i < 64 && full == null; i++)
        {
            final WriteBatch w = new WriteBatch(1, 5, ++version).put(b("c"), b("x"));
            final java.util.concurrent.CompletableFuture<CommandResult> f = cache.write(w);
            if (f.isDone() && f.join().code() == ResultCode.QUEUE_FULL)
            {
                full = w;
            }
            else
            {
                queued.add(f);
            }
        }
        assertTrue(full != null, "the queue filled");
        full.put(b("d"), b("y")); // not sealed
        for (final java.util.concurrent.CompletableFuture<CommandResult> f : queued)
        {
            expect(cache, ResultCode.OK, f);
        }
        // INVALID at the call
        final WriteBatch bad = new WriteBatch(1, 5, -3).put(b("c"), b("x"));
        assertEquals(ResultCode.INVALID, cache.write(bad).join().code());
        bad.put(b("d"), b("y"));
        // INVALID on the apply thread (a key outside the region): it was handed over, so sealed
        final WriteBatch outside = new WriteBatch(1, 5, 1000).put(b("z"), b("x"));
        expect(cache, ResultCode.INVALID, cache.write(outside));
        throwsExactly(IllegalStateException.class, () -> outside.put(b("c"), b("y")));
        // CLOSED
        cache.close();
        final WriteBatch late = new WriteBatch(1, 5, 2000).put(b("c"), b("x"));
        assertEquals(ResultCode.CLOSED, cache.write(late).join().code());
        late.put(b("d"), b("y"));
        assertEquals(2, late.count());
    }

    /** README 750-751: a refused iterator(lower, upper) leaves the iterator handed out before as it was. */
    @Test
    void aRefusedIteratorCallKeepsThePositionAndBounds()
    {
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 5, 100));
        final SnapshotIterator it = s.iterator(b("c"), b("l"));
        assertTrue(it.seekToFirst());
        assertArrayEquals(b("c"), it.key());
        throwsExactly(IllegalArgumentException.class, () -> s.iterator(b("c"), b("n")));
        assertTrue(it.isValid());
        assertArrayEquals(b("c"), it.key());
        assertTrue(it.next());
        assertArrayEquals(b("d"), it.key());
        assertFalse(it.next()); // "l" excluded
        s.dispose();
    }
}
