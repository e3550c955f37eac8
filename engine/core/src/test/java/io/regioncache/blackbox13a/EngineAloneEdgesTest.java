package io.regioncache.blackbox13a;

import static io.regioncache.blackbox13a.K.b;
import static io.regioncache.blackbox13a.K.r;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionInfo;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.SnapshotUnavailableException;
import io.regioncache.WriteBatch;

class EngineAloneEdgesTest
{
    private static List<String> scan(final SnapshotIterator it, final byte[] from)
    {
        final List<String> out = new ArrayList<>();
        for (boolean ok = from == null ? it.seekToFirst() : it.seek(from); ok; ok = it.next())
        {
            out.add(new String(it.key()));
        }
        return out;
    }

    @Test
    void emptyValueIsPresentNotAbsent() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            assertEquals(ResultCode.OK, r(cache.createRegion(new Region(1, b("a"), b("m"), 1))).code());
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, 1).put(b("k"), new byte[0]))).code());
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[8]);
            assertEquals(0, s.get(new UnsafeBuffer(b("k")), 0, 1, dst, 0), "empty value: length 0, not -1");
            assertEquals(0, s.get(new UnsafeBuffer(b("k")), 0, 1, new UnsafeBuffer(new byte[0]), 0),
                "empty value fits an empty dst at its end");
            final byte[] v = s.get(b("k"));
            assertNotNull(v);
            assertEquals(0, v.length);
            final UnsafeBuffer view = new UnsafeBuffer(new byte[4]);
            assertTrue(s.getView(new UnsafeBuffer(b("k")), 0, 1, view));
            assertEquals(0, view.capacity());
            final SnapshotIterator it = s.iterator();
            assertTrue(it.seekToFirst());
            assertEquals("k", new String(it.key()));
            assertEquals(0, it.valueLength());
            assertEquals(0, it.value().length);
            assertEquals(1, it.version());
            final int[] offs = {0};
            final int[] lens = {1};
            final int[] vo = new int[1];
            final int[] vl = new int[1];
            assertEquals(3, s.multiGet(new UnsafeBuffer(b("k")), offs, lens, 1, dst, 3, vo, vl));
            assertEquals(0, vl[0]);
            s.close();
        }
    }

    @Test
    void readsAtOldVersionsAndEffectiveReadVersion() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, 1).put(b("x"), b("1")))).code());
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, 2).put(b("x"), b("2")))).code());
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, 3).delete(b("x")))).code());
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, 7).put(b("x"), b("7")))).code());
            final Snapshot s = cache.newSnapshot();
            final String[] expect = {null, "1", "2", null, null, null, null, "7", "7"};
            assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 0), "safe point 0: a read at 0 is at it");
            for (int rv = 1; rv < expect.length; rv++)
            {
                assertEquals(SnapshotStatus.OK, s.open(1, 1, rv));
                assertEquals(Math.min(rv, 7), s.readVersion());
                final byte[] v = s.get(b("x"));
                assertEquals(expect[rv], v == null ? null : new String(v), "read version " + rv);
                final int len = s.get(new UnsafeBuffer(b("x")), 0, 1, new UnsafeBuffer(new byte[4]), 0);
                assertEquals(expect[rv] == null ? -1 : 1, len, "read version " + rv);
                final SnapshotIterator it = s.iterator();
                assertEquals(expect[rv] != null, it.seekToFirst(), "scan at " + rv);
            }
            assertEquals(SnapshotStatus.OK, s.open(1, 1, Long.MAX_VALUE));
            assertEquals(7, s.readVersion());
            s.dispose();
        }
    }

    private static long safePoint(final RegionCache cache, final long id)
    {
        for (final RegionInfo i : cache.regions())
        {
            if (i.region().id() == id)
            {
                return i.safePoint();
            }
        }
        throw new AssertionError("region " + id + " not listed");
    }

    @Test
    void safePointsRegionAndEngineWide() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            r(cache.write(new WriteBatch(1, 1, 10).put(b("b"), b("1"))));
            assertEquals(ResultCode.OK, r(cache.advanceSafePoint(1, 4)).code());
            assertEquals(4, safePoint(cache, 1));
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 4), "a read at the safe point is refused");
            assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 0));
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 5));
            s.close();
            assertEquals(ResultCode.SKIPPED, r(cache.advanceSafePoint(1, 4)).code(), "equal: SKIPPED");
            assertEquals(ResultCode.SKIPPED, r(cache.advanceSafePoint(1, 3)).code(), "below: SKIPPED");
            assertEquals(4, safePoint(cache, 1));
            assertEquals(ResultCode.OK, r(cache.advanceSafePoint(2)).code(), "engine-wide lower: OK, ignored");
            assertEquals(4, safePoint(cache, 1));
            assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 4));
            assertEquals(ResultCode.OK, r(cache.advanceSafePoint(6)).code());
            assertEquals(6, safePoint(cache, 1));
            assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 1, 6));
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 7));
            s.close();
            // a region created after the engine-wide safe point
            r(cache.createRegion(new Region(2, b("m"), b("z"), 1)));
            assertEquals(ResultCode.OK, r(cache.advanceSafePoint(0)).code(), "engine-wide 0 (lower): OK");
            assertEquals(ResultCode.INVALID, r(cache.advanceSafePoint(-1)).code());
            assertEquals(ResultCode.INVALID, r(cache.advanceSafePoint(1, -1)).code());
            assertEquals(ResultCode.INVALID, r(cache.advanceSafePoint(-1, 5)).code());
            assertEquals(ResultCode.NOT_CACHED, r(cache.advanceSafePoint(99, 5)).code());
            s.dispose();
        }
    }

    @Test
    void wholeKeySpaceRegionAndKeySpaceEnds() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            assertEquals(ResultCode.OK, r(cache.createRegion(new Region(0, new byte[0], new byte[0], 0))).code());
            final byte[] top = new byte[K.MAX_KEY];
            Arrays.fill(top, (byte)0xFF);
            final byte[] bottom = {0};
            assertEquals(ResultCode.OK,
                r(cache.write(new WriteBatch(0, 0, 1).put(top, b("top")).put(bottom, b("bot")))).code());
            assertEquals(ResultCode.INVALID, r(cache.write(new WriteBatch(0, 0, 2).put(new byte[0], b("e")))).code(),
                "empty key");
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(0, 0, 5));
            assertNull(s.get(new byte[0]), "empty key is inside an unbounded region and absent");
            assertEquals("top", new String(s.get(top)));
            assertEquals("bot", new String(s.get(bottom)));
            final SnapshotIterator it = s.iterator(new byte[0], new byte[0]);
            assertTrue(it.seek(new byte[0]));
            assertArrayEquals(bottom, it.key());
            assertTrue(it.seekToLast());
            assertArrayEquals(top, it.key());
            assertFalse(it.next());
            final byte[] longer = Arrays.copyOf(top, K.MAX_KEY + 5);
            assertFalse(it.seek(longer), "nothing above the longest all-FF key");
            assertTrue(it.seekForPrev(longer));
            assertArrayEquals(top, it.key());
            assertEquals(SnapshotStatus.OK, s.open(0, 0, 5));
            final SnapshotIterator it2 = s.iterator(bottom, top);
            assertEquals(List.of("\0"), scan(it2, null), "upper bound exclusive");
            s.close();
            assertEquals(new Region(0, new byte[0], new byte[0], 0), cache.regionFor(new byte[0]));
            assertEquals(0, cache.regionFor(top).id());
        }
    }

    @Test
    void boundsAndSeeksLongerThanMaxKeyLength() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("a"), b("z"), 1)));
            final WriteBatch w = new WriteBatch(1, 1, 1);
            for (final String k : new String[] {"b", "bbbbbbbbbbbbbbbb", "c", "cccccccccccccccc", "d"})
            {
                w.put(b(k), b(k));
            }
            assertEquals(ResultCode.OK, r(cache.write(w)).code());
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
            final byte[] lower = b("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"); // 40 bytes, between b*16 and c
            final byte[] upper = b("ccccccccccccccccccccccccccccccc");
            final SnapshotIterator it = s.iterator(lower, upper);
            assertEquals(List.of("c", "cccccccccccccccc"), scan(it, null));
            assertEquals(List.of("c", "cccccccccccccccc"), scan(it, lower));
            assertTrue(it.seekToLast());
            assertEquals("cccccccccccccccc", new String(it.key()));
            assertTrue(it.seekForPrev(upper));
            assertEquals("cccccccccccccccc", new String(it.key()));
            final SnapshotIterator all = s.iterator();
            assertTrue(all.seek(lower));
            assertEquals("c", new String(all.key()));
            assertTrue(all.seekForPrev(lower));
            assertEquals("bbbbbbbbbbbbbbbb", new String(all.key()));
            assertNull(s.get(lower), "a long key is just absent");
            assertEquals(-1, s.get(new UnsafeBuffer(lower), 0, lower.length, new UnsafeBuffer(new byte[64]), 0));
            s.close();
        }
    }

    @Test
    void refusedIteratorLeavesPreviousOneAsItWas() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("b"), b("m"), 1)));
            r(cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("1")).put(b("d"), b("2")).put(b("e"), b("3"))));
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
            final SnapshotIterator it = s.iterator(b("c"), b("e"));
            assertTrue(it.seek(b("c")));
            assertThrows(IllegalArgumentException.class, () -> s.iterator(b("a"), null));
            assertThrows(IllegalArgumentException.class, () -> s.iterator(null, b("n")));
            assertThrows(IllegalArgumentException.class, () -> s.iterator(null, new byte[0]), "empty upper = +inf");
            assertThrows(IllegalArgumentException.class, () -> s.iterator(b("m"), null), "lower at the end");
            assertTrue(it.isValid());
            assertEquals("c", new String(it.key()));
            assertTrue(it.next());
            assertEquals("d", new String(it.key()));
            assertFalse(it.next(), "old upper bound e still applies");
            // an empty range at the region's start and end is legal
            assertFalse(s.iterator(null, b("b")).seekToFirst());
            assertEquals(List.of("c", "d", "e"), scan(s.iterator(b("b"), b("m")), null));
            // obtaining it again resets it
            final SnapshotIterator again = s.iterator();
            assertFalse(again.isValid());
            assertThrows(IllegalStateException.class, again::key);
            assertFalse(again.next(), "next before the first move");
            s.close();
        }
    }

    @Test
    void getAndMultiGetDestinationEdges() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, 1).put(b("big"), b("0123456789"))
                .put(b("f"), b("xy")).put(b("e"), new byte[0]))).code());
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
            final byte[] raw = new byte[6];
            Arrays.fill(raw, (byte)'#');
            final UnsafeBuffer dst = new UnsafeBuffer(raw);
            assertEquals(-2 - 10, s.get(new UnsafeBuffer(b("big")), 0, 3, dst, 0));
            assertEquals("######", new String(raw), "nothing copied");
            assertEquals(-2 - 2, s.get(new UnsafeBuffer(b("f")), 0, 1, dst, 5));
            assertEquals(2, s.get(new UnsafeBuffer(b("f")), 0, 1, dst, 4));
            assertEquals(0, s.get(new UnsafeBuffer(b("e")), 0, 1, dst, 6), "dstOffset == capacity is legal");
                        assertThrows(IllegalArgumentException.class, () -> s.get(new UnsafeBuffer(b("e")), 0, 1, dst, 7));
            assertThrows(IllegalArgumentException.class, () -> s.get(new UnsafeBuffer(b("e")), 0, 1, dst, -1));

            final UnsafeBuffer keys = new UnsafeBuffer(b("bigfxeabe"));
            final int[] ko = {0, 3, 5, 6, 3, 8};
            final int[] kl = {3, 1, 1, 2, 1, 1};
            final int[] vo = new int[6];
            final int[] vl = new int[6];
            Arrays.fill(raw, (byte)'#');
            final int end = s.multiGet(keys, ko, kl, 6, dst, 1, vo, vl);
            assertEquals(-2 - 10, vl[0], "big does not fit");
            assertEquals(2, vl[1]);
            assertEquals(1, vo[1]);
            assertEquals(0, vl[2]);
            assertEquals(-1, vl[3], "absent");
            assertEquals(2, vl[4], "duplicate key answered again");
            assertEquals(3, vo[4]);
            assertEquals(0, vl[5]);
            assertEquals(5, end);
            assertEquals("#xyxy#", new String(raw));
            assertEquals(4, s.multiGet(keys, ko, kl, 0, dst, 4, vo, vl), "count 0: dstOffset back");
            assertThrows(IllegalArgumentException.class, () -> s.multiGet(keys, ko, kl, 7, dst, 0, vo, vl));
            assertThrows(IllegalArgumentException.class, () -> s.multiGet(keys, ko, kl, -1, dst, 0, vo, vl));
            assertThrows(IllegalArgumentException.class,
                () -> s.multiGet(keys, new int[] {0}, new int[] {0}, 1, dst, 0, vo, vl), "empty key outside [a, m)");
            s.close();
            assertThrows(IllegalStateException.class, () -> s.multiGet(keys, ko, kl, 1, dst, 0, vo, vl));
        }
    }

    @Test
    void splitAtTheRegionsOwnBoundsIsRefusedAndChangesNothing() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            r(cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1"))));
            assertEquals(ResultCode.INVALID, r(cache.split(1, 1, new byte[][] {b("a")}, new long[] {2}, 2)).code());
            assertEquals(ResultCode.INVALID, r(cache.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2)).code());
            assertEquals(ResultCode.INVALID, r(cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 1)).code(),
                "new epoch not above the old");
            assertEquals(ResultCode.INVALID, r(cache.split(1, 1, new byte[][] {b("g")}, new long[] {1}, 2)).code(),
                "new id equal to the source's");
            assertEquals(ResultCode.INVALID,
                r(cache.split(1, 1, new byte[][] {b("g"), b("h")}, new long[] {2, 2}, 2)).code());
            assertEquals(ResultCode.INVALID,
                r(cache.split(1, 1, new byte[][] {b("g"), b("h")}, new long[] {2}, 2)).code(), "one id per key");
            assertEquals(ResultCode.INVALID, r(cache.split(1, 1, new byte[][] {b("g")}, new long[] {-2}, 2)).code());
            assertEquals(ResultCode.INVALID, r(cache.split(1, 1, new byte[][] {}, new long[] {}, 2)).code(),
                "no split key at all");
            assertEquals(new Region(1, b("a"), b("m"), 1), cache.region(1));
            assertNull(cache.region(2));
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
            assertEquals("1", new String(s.get(b("b"))));
            s.close();
            // NOT_CACHED for a split of an unknown id, STALE_EPOCH before the key check
            assertEquals(ResultCode.NOT_CACHED, r(cache.split(7, 1, new byte[][] {b("g")}, new long[] {8}, 2)).code());
            assertEquals(ResultCode.OK, r(cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 3)).code());
            assertEquals(ResultCode.STALE_EPOCH,
                r(cache.split(1, 1, new byte[][] {b("zz")}, new long[] {5}, 2)).code());
        }
    }

    @Test
    void snapshotOpenedBeforeSplitAndEvictReadsItsOldView() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            r(cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1")).put(b("h"), b("2"))));
            final Snapshot before = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, before.open(1, 1, 10));
            final SnapshotIterator it = before.iterator();
            assertTrue(it.seekToFirst());
            assertEquals(ResultCode.OK, r(cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2)).code());
            r(cache.write(new WriteBatch(2, 2, 2).put(b("c"), b("3"))));
            // the old snapshot: whole old range, old contents
            assertEquals("1", new String(before.get(b("b"))));
            assertEquals("2", new String(before.get(b("h"))));
            assertNull(before.get(b("c")));
            assertEquals(new Region(1, b("a"), b("m"), 1), before.region());
            assertTrue(it.next());
            assertEquals("h", new String(it.key()));
            assertFalse(it.next());
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 1, 10));
            assertEquals(SnapshotStatus.OK, s.open(1, 2, 10));
            assertEquals(new Region(1, b("g"), b("m"), 2), s.region());
            assertThrows(IllegalArgumentException.class, () -> s.get(b("b")));
            assertEquals(List.of("h"), scan(s.iterator(), null));
            assertEquals(SnapshotStatus.OK, s.open(2, 2, 10));
            assertEquals(List.of("b", "c"), scan(s.iterator(), null));
            s.close();
            // evict with the old snapshot still open
            assertEquals(ResultCode.OK, r(cache.evict(1, EvictReason.MANUAL)).code());
            assertEquals(SnapshotStatus.NOT_CACHED, s.open(1, 2, 10));
            assertEquals("2", new String(before.get(b("h"))), "pinned memory still readable");
            before.close();
            assertThrows(IllegalStateException.class, it::next, "iterator of a closed snapshot");
            assertFalse(it.isValid());
            assertEquals(ResultCode.NOT_CACHED, r(cache.evict(1, EvictReason.MANUAL)).code());
            assertEquals(ResultCode.NOT_CACHED, r(cache.write(new WriteBatch(1, 2, 5).put(b("h"), b("x")))).code());
        }
    }

    @Test
    void closedEngineAnswers() throws Exception
    {
        final RegionCache cache = K.cache();
        r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
        final Snapshot s = cache.newSnapshot();
        cache.close();
        assertTrue(cache.isClosed());
        assertFalse(cache.isEnabled());
        final WriteBatch w = new WriteBatch(1, 1, 1).put(b("b"), b("1"));
        assertEquals(ResultCode.CLOSED, r(cache.write(w)).code());
        w.put(b("c"), b("2")); // not sealed: refused at the call
        assertEquals(2, w.count());
        assertEquals(ResultCode.INVALID, r(cache.write(new WriteBatch(1, 1, 1).put(new byte[0], b("x")))).code());
        assertEquals(ResultCode.INVALID, r(cache.createRegion(new Region(1, null, b("m"), 1))).code());
        assertEquals(ResultCode.INVALID, r(cache.createRegion(new Region(1, b("a"), b("m"), 1L << 32))).code());
        assertEquals(ResultCode.CLOSED, r(cache.createRegion(new Region(1, b("a"), b("m"), (1L << 32) - 1))).code());
        assertEquals(ResultCode.CLOSED, r(cache.setEnabled(true)).code());
        assertEquals(ResultCode.CLOSED, r(cache.advanceSafePoint(3)).code());
        assertEquals(ResultCode.CLOSED, r(cache.evict(1, EvictReason.MANUAL)).code());
        assertEquals(ResultCode.CLOSED, r(cache.deleteRange(b("a"), b("b"), 0)).code());
        assertEquals(ResultCode.INVALID, r(cache.deleteRange(b("b"), b("a"), 0)).code());
        assertEquals(ResultCode.INVALID, r(cache.deleteRange(b("a"), b("a"))).code(), "empty range");
        assertEquals(SnapshotStatus.CLOSED, s.open(1, 1, 1));
        assertEquals(SnapshotStatus.CLOSED, cache.newSnapshot().open(1, 1, 1));
        final SnapshotUnavailableException e =
            assertThrows(SnapshotUnavailableException.class, () -> cache.snapshot(1, 1, 1));
        assertEquals(SnapshotStatus.CLOSED, e.status());
        assertFalse(s.isOpen());
        assertThrows(IllegalStateException.class, s::iterator);
        assertThrows(IllegalStateException.class, s::readVersion);
        cache.close(); // second close harmless
        assertTrue(cache.metrics().get("results.CLOSED") >= 5);
    }

    @Test
    void disposedAndClosedHandles() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            final Snapshot s = cache.newSnapshot();
            s.close(); // close before any open: harmless
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1), "re-open closes the previous open");
            assertEquals(1, cache.regions().get(0).pins());
            s.dispose();
            assertEquals(0, cache.regions().get(0).pins());
            assertThrows(IllegalStateException.class, () -> s.open(1, 1, 0));
            s.dispose();
            s.close();
            assertThrows(IllegalStateException.class, () -> s.get(b("b")));
            // a failed open leaves the handle closed
            final Snapshot t = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, t.open(1, 1, 1));
            assertEquals(SnapshotStatus.NOT_CACHED, t.open(9, 1, 0));
            assertFalse(t.isOpen());
            assertEquals(0, cache.regions().get(0).pins());
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, t.open(1, 2, 0), "newer epoch than cached");
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, t.open(1, 0, 0));
            t.dispose();
        }
    }

    @Test
    void writeVersionsAndEpochOrder() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(Long.MAX_VALUE, b("a"), b("m"), (1L << 32) - 1)));
            final long id = Long.MAX_VALUE;
            final long ep = (1L << 32) - 1;
            assertEquals(ResultCode.INVALID, r(cache.write(new WriteBatch(id, ep, 0).put(b("b"), b("0")))).code(),
                "a new region's first write is at version 1 or later");
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(id, ep, 1).put(b("b"), b("1")))).code());
            assertEquals(ResultCode.INVALID, r(cache.write(new WriteBatch(id, ep, 1).put(b("b"), b("x")))).code());
            assertEquals(ResultCode.STALE_EPOCH,
                r(cache.write(new WriteBatch(id, ep - 1, 5).put(b("zz"), b("x")))).code(), "stale before bad key");
            assertEquals(ResultCode.INVALID, r(cache.write(new WriteBatch(id, ep, 5).put(b("zz"), b("x")))).code());
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(id, ep, Long.MAX_VALUE).delete(b("b")))).code());
            assertEquals(ResultCode.INVALID,
                r(cache.write(new WriteBatch(id, ep, Long.MAX_VALUE).put(b("b"), b("y")))).code());
            // an empty batch
            final CommandResult empty = r(cache.write(new WriteBatch(id, ep, Long.MAX_VALUE)));
            assertTrue(empty.code() == ResultCode.INVALID || empty.code() == ResultCode.OK, empty.toString());
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(id, ep, Long.MAX_VALUE));
            assertNull(s.get(b("b")));
            assertEquals(SnapshotStatus.OK, s.open(id, ep, Long.MAX_VALUE - 1));
            assertEquals("1", new String(s.get(b("b"))));
            s.dispose();
            // create naming the id at an older epoch: STALE_EPOCH before range/id checks
            assertEquals(ResultCode.STALE_EPOCH, r(cache.createRegion(new Region(id, b("x"), b("z"), 3))).code());
            r(cache.createRegion(new Region(5, b("m"), b("q"), 1)));
            assertEquals(ResultCode.STALE_EPOCH, r(cache.createRegion(new Region(5, b("a"), b("z"), 0))).code());
            assertEquals(ResultCode.INVALID, r(cache.createRegion(new Region(6, b("p"), b("r"), 1))).code(),
                "overlap");
        }
    }

    @Test
    void batchCapacityHintAndRecordStoreRead() throws Exception
    {
        assertThrows(IllegalArgumentException.class, () -> new WriteBatch(1, 1, 1, Integer.MAX_VALUE - 63));
        assertThrows(IllegalArgumentException.class, () -> new WriteBatch(1, 1, 1, Integer.MAX_VALUE));
        assertEquals(0, new WriteBatch(1, 1, 1, -7).count());
        assertEquals(1, new WriteBatch(1, 1, 1, 0).put(b("k"), b("v")).count());
        try (RegionCache cache = K.cache())
        {
            assertThrows(IllegalArgumentException.class, () -> cache.recordStoreRead(new Region(1, b("a"), b("b"), 1), -1, 0));
            assertThrows(IllegalArgumentException.class, () -> cache.recordStoreRead(new Region(1, b("a"), b("b"), 1), 0, -1));
            assertThrows(IllegalArgumentException.class, () -> cache.recordStoreRead(new Region(-1, b("a"), b("b"), 1), 0, 0));
            assertThrows(IllegalArgumentException.class, () -> cache.recordStoreRead(new Region(1, b("a"), b("b"), 1L << 32), 0, 0));
            assertThrows(IllegalArgumentException.class, () -> cache.recordStoreRead(new Region(1, b("b"), b("a"), 1), 0, 0));
            assertThrows(IllegalArgumentException.class, () -> cache.recordStoreRead(new Region(1, b("a"), b("a"), 1), 0, 0));
            assertThrows(IllegalArgumentException.class, () -> cache.recordStoreRead(new Region(1, null, b("a"), 1), 0, 0));
            assertThrows(IllegalArgumentException.class,
                () -> cache.recordStoreRead(new Region(1, b("a"), new byte[K.MAX_KEY + 1], 1), 0, 0));
            assertThrows(NullPointerException.class, () -> cache.recordStoreRead(null, 0, 0));
            cache.recordStoreRead(new Region(1, new byte[0], new byte[0], 0), Long.MAX_VALUE, Long.MAX_VALUE);
            cache.recordStoreRead(new Region(1, new byte[0], new byte[0], 0), Long.MAX_VALUE, Long.MAX_VALUE);
        }
    }

    @Test
    void setEnabledAnswers() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            r(cache.createRegion(new Region(2, b("m"), b("z"), 1)));
            assertEquals(ResultCode.SKIPPED, r(cache.setEnabled(true)).code(), "already enabled");
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
            assertEquals(ResultCode.OK, r(cache.setEnabled(false)).code());
            assertFalse(cache.isEnabled());
            assertEquals(2, cache.metrics().get("evictions.DISABLED"));
            assertEquals(ResultCode.SKIPPED, r(cache.setEnabled(false)).code());
            assertEquals(ResultCode.SKIPPED, r(cache.createRegion(new Region(3, b("a"), b("c"), 1))).code());
            assertEquals(ResultCode.NOT_CACHED, r(cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1")))).code());
            assertEquals(ResultCode.INVALID, r(cache.write(new WriteBatch(1, 1, 1).put(new byte[0], b("1")))).code());
            assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(1, 1, 0));
            assertTrue(s.isOpen(), "a snapshot opened before stays open");
            s.close();
            assertEquals(ResultCode.OK, r(cache.setEnabled(true)).code());
            assertTrue(cache.isEnabled());
            assertEquals(ResultCode.OK, r(cache.createRegion(new Region(3, b("a"), b("c"), 1))).code());
            assertEquals(io.regioncache.RegionState.ACTIVE, cache.stateOf(3));
        }
    }

    @Test
    void handlesStayUsableAfterARefusedCall() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("b"), b("m"), 1)));
            r(cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("1")).put(b("d"), b("2"))));
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
            final SnapshotIterator it = s.iterator();
            assertTrue(it.seek(b("c")));
            assertThrows(IllegalArgumentException.class, () -> it.seek(b("a")));
            assertThrows(IllegalArgumentException.class, () -> it.seekForPrev(b("m")));
            assertThrows(NullPointerException.class, () -> it.seek((byte[])null));
            assertThrows(IllegalArgumentException.class, () -> it.seek(new UnsafeBuffer(b("c")), 0, 2));
            assertTrue(it.isValid(), "a refused seek leaves the position");
            assertEquals("c", new String(it.key()));
            assertThrows(IllegalArgumentException.class, () -> s.get(b("z")));
            assertThrows(IllegalArgumentException.class, () -> s.multiGet(new UnsafeBuffer(b("cz")),
                new int[] {0, 1}, new int[] {1, 1}, 2, new UnsafeBuffer(new byte[8]), 0, new int[2], new int[2]));
            assertTrue(s.isOpen());
            assertTrue(it.isValid(), "a refused read leaves the iterator");
            assertTrue(it.next());
            assertEquals("d", new String(it.key()));
            assertEquals("2", new String(s.get(b("d"))));
            // re-open: the old iterator object throws until handed out again
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
            assertFalse(it.isValid());
            assertThrows(IllegalStateException.class, it::seekToFirst);
            assertThrows(IllegalStateException.class, () -> it.seek(b("c")));
            final SnapshotIterator again = s.iterator();
            assertTrue(again.seekToFirst());
            assertEquals("c", new String(again.key()));
            s.dispose();
            assertThrows(IllegalStateException.class, again::next);
            assertFalse(again.isValid());
            assertEquals(K.MAX_KEY, again.maxKeyLength(), "maxKeyLength answers after close");
        }
    }

    @Test
    void recreateWhileTheDisabledRecordIsStillPinned() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            r(cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("old"))));
            final Snapshot old = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, old.open(1, 1, 1));
            assertEquals(ResultCode.OK, r(cache.setEnabled(false)).code());
            assertEquals(1, cache.metrics().get("evictions.DISABLED"));
            assertEquals(ResultCode.OK, r(cache.setEnabled(true)).code());
            assertEquals(ResultCode.OK, r(cache.createRegion(new Region(1, b("a"), b("m"), 1))).code());
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("new")))).code(),
                "a new record's stream starts again at version 1");
            assertEquals("old", new String(old.get(b("b"))), "the old snapshot reads the evicted record");
            try (Snapshot s = cache.snapshot(1, 1, 5))
            {
                assertEquals("new", new String(s.get(b("b"))));
            }
            old.close();
        }
    }

    @Test
    void lookupsOfNothing() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            assertNull(cache.regionFor(null));
            assertNull(cache.regionFor(new byte[0]));
            r(cache.createRegion(new Region(1, new byte[0], b("m"), 1)));
            assertNull(cache.regionFor(null), "a null key is in no region");
            assertEquals(1, cache.regionFor(new byte[0]).id());
            assertNull(cache.regionFor(b("m")));
            assertNull(cache.stateOf(-1));
            assertNull(cache.region(-1));
            assertEquals(1, cache.regions().size());
            cache.regions().clear(); // a copy
            assertEquals(1, cache.regions().size());
        }
    }

}
