package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.await;
import static io.regioncache.blackbox.BB.b;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.regioncache.Bytes;
import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/** Black-box (fourth audit, 2026-12-04) of README "Embedding" / map view edges: public API only. */
class EmbeddingEdgesBlackBoxTest
{
    static final int MAX_KEY = 16;

    private final List<RegionCache> caches = new ArrayList<>();


    static String s(final byte[] b)
    {
        return b == null ? null : new String(b, US_ASCII);
    }

    RegionCache cache()
    {
        final RegionCache c = RegionCache.create(BB.invokerDefaultLimits().maxKeyLength(MAX_KEY).maxValueLength(1024)
            .build());
        caches.add(c);
        return c;
    }

    @AfterEach
    void closeAll()
    {
        caches.forEach(RegionCache::close);
    }


    static void ok(final RegionCache cache, final CompletableFuture<CommandResult> f) throws Exception
    {
        final CommandResult r = await(cache, f);
        assertEquals(ResultCode.OK, r.code(), r::toString);
    }

    /** Region 1 over [start, end) with keys b..y (one letter), each written at version 10, x deleted at 11. */
    RegionCache letters(final String start, final String end) throws Exception
    {
        final RegionCache c = cache();
        ok(c, c.createRegion(new Region(1, b(start), b(end), 1)));
        final WriteBatch w = new WriteBatch(1, 1, 10);
        for (char ch = 'b'; ch <= 'y'; ch++)
        {
            w.put(b(String.valueOf(ch)), b("v" + ch));
        }
        ok(c, c.write(w));
        ok(c, c.write(new WriteBatch(1, 1, 11).delete(b("x"))));
        return c;
    }

    @Test
    void anInvertedIteratorRangeInsideTheRegionIsEmpty() throws Exception
    {
        final RegionCache c = letters("a", "z");
        try (Snapshot s = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
            final SnapshotIterator it = s.iterator(b("m"), b("d"));
            assertFalse(it.seekToFirst(), "seekToFirst of [m, d)");
            assertFalse(it.seekToLast(), () -> "seekToLast of [m, d) landed on " + s(it.key()));
            assertFalse(it.seek(b("e")), "seek(e) in [m, d)");
            assertFalse(it.seekForPrev(b("p")), () -> "seekForPrev(p) in [m, d)");
            assertFalse(it.seekForPrev(b("f")), () -> "seekForPrev(f) in [m, d)");
        }
    }

    @Test
    void iteratorLowerEqualUpperIsEmptyAndUpperAtRegionEndIsAllowed() throws Exception
    {
        final RegionCache c = letters("a", "z");
        try (Snapshot s = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
            SnapshotIterator it = s.iterator(b("f"), b("f"));
            assertFalse(it.seekToFirst());
            assertFalse(it.seekToLast());
            it = s.iterator(b("w"), b("z"));
            assertTrue(it.seekToLast());
            assertEquals("y", s(it.key()));
            assertTrue(it.prev());
            assertEquals("w", s(it.key()), "x is deleted");
            assertFalse(it.prev());
            assertFalse(it.prev(), "stays unpositioned");
            assertThrows(IllegalStateException.class, it::keyLength);
            assertThrows(IllegalArgumentException.class, () -> s.iterator(b("z"), null), "lower at region end");
            assertThrows(IllegalArgumentException.class, () -> s.iterator(null, b("zz")), "upper past region end");
        }
    }

    @Test
    void aSplitPiecesMapViewAndIteratorNeverShowTheSibling() throws Exception
    {
        final RegionCache c = letters("", "");
        ok(c, c.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2));
        try (Snapshot left = c.newSnapshot(); Snapshot right = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.OK, left.open(2, 2, 100));
            assertEquals(SnapshotStatus.OK, right.open(1, 2, 100));
            final NavigableMap<byte[], byte[]> l = left.asNavigableMap();
            final NavigableMap<byte[], byte[]> r = right.asNavigableMap();
            assertEquals(11, l.size());
            assertEquals(12, r.size(), "m..y without x");
            assertEquals("l", s(l.lastKey()));
            assertEquals("l", s(l.floorKey(b("zz"))));
            assertEquals("l", s(l.lowerKey(b("m"))));
            assertNull(l.higherKey(b("l")));
            assertNull(l.ceilingKey(b("m")));
            assertNull(l.get(b("n")));
            assertEquals("l", s(l.descendingMap().firstKey()));
            assertEquals(0, l.tailMap(b("m"), true).size());
            assertEquals("m", s(r.firstKey()));
            assertNull(r.lowerKey(b("m")));
            assertNull(r.floorKey(b("b")));
            assertNull(r.lowerKey(b("a")));
            assertEquals("m", s(r.ceilingKey(b("a"))));
            assertEquals("m", s(r.descendingMap().lastKey()));
            assertEquals(3, r.headMap(b("p")).size());
            assertNull(r.get(b("c")));
            assertEquals(0, r.headMap(b("m")).size());
            final SnapshotIterator li = left.iterator();
            assertTrue(li.seekToLast());
            assertEquals("l", s(li.key()));
            assertFalse(li.next());
            final SnapshotIterator ri = right.iterator();
            assertTrue(ri.seekToFirst());
            assertEquals("m", s(ri.key()));
            assertFalse(ri.prev());
            assertTrue(ri.seekForPrev(b("m")));
            assertEquals("m", s(ri.key()));
            assertFalse(ri.prev());
        }
    }

    @Test
    void mapNavigationWithKeysLongerThanMaxKeyLength() throws Exception
    {
        final RegionCache c = letters("a", "z");
        final byte[] longK = new byte[MAX_KEY + 5];
        Arrays.fill(longK, (byte)'k');
        final TreeMap<String, String> model = new TreeMap<>();
        for (char ch = 'b'; ch <= 'y'; ch++)
        {
            if (ch != 'x')
            {
                model.put(String.valueOf(ch), "v" + ch);
            }
        }
        final String lk = s(longK);
        try (Snapshot s = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
            final NavigableMap<byte[], byte[]> m = s.asNavigableMap();
            assertEquals(model.ceilingKey(lk), s(m.ceilingKey(longK)));
            assertEquals(model.floorKey(lk), s(m.floorKey(longK)));
            assertEquals(model.higherKey(lk), s(m.higherKey(longK)));
            assertEquals(model.lowerKey(lk), s(m.lowerKey(longK)));
            assertNull(m.get(longK));
            assertFalse(m.containsKey(longK));
            assertEquals(model.tailMap(lk, true).size(), m.tailMap(longK, true).size());
            assertEquals(model.headMap(lk, true).size(), m.headMap(longK, true).size());
            final SnapshotIterator it = s.iterator();
            assertTrue(it.seek(longK));
            assertEquals("l", s(it.key()));
            assertTrue(it.seekForPrev(longK));
            assertEquals("k", s(it.key()));
            final UnsafeBuffer dst = new UnsafeBuffer(new byte[8]);
            assertEquals(-1, s.get(new UnsafeBuffer(longK), 0, longK.length, dst, 0));
            assertNull(s.get(longK));
        }
    }

    @Test
    void iteratorCopiesIntoAnExpandableBufferGrow() throws Exception
    {
        final RegionCache c = letters("a", "z");
        try (Snapshot s = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
            final SnapshotIterator it = s.iterator();
            assertTrue(it.seek(b("c")));
            final ExpandableArrayBuffer e = new ExpandableArrayBuffer(1);
            assertEquals(2, it.copyValue(e, 5));
            assertEquals("vc", e.getStringWithoutLengthAscii(5, 2));
            assertEquals(1, it.copyKey(e, 40));
            assertEquals("c", e.getStringWithoutLengthAscii(40, 1));
            assertThrows(IllegalArgumentException.class, () -> it.copyKey(e, -1));
            final UnsafeBuffer small = new UnsafeBuffer(new byte[2]);
            assertThrows(IllegalArgumentException.class, () -> it.copyValue(small, 1));
            assertEquals(0, small.getByte(1), "nothing copied");
            assertEquals(2, it.copyValue(small, 0));
            assertEquals(1, it.copyKey(new UnsafeBuffer(new byte[1]), 0));
        }
    }

    @Test
    void getIntoATooSmallDestinationCopiesNothingAtTheInlineBoundary() throws Exception
    {
        final RegionCache c = cache();
        ok(c, c.createRegion(new Region(1, b(""), b(""), 1)));
        final byte[] k16 = b("kkkkkkkkkkkkkkkk");
        final byte[] k15 = b("kkkkkkkkkkkkkkk");
        final byte[] v100 = new byte[100];
        Arrays.fill(v100, (byte)7);
        final byte[] v101 = new byte[101];
        Arrays.fill(v101, (byte)9);
        ok(c, c.write(new WriteBatch(1, 1, 1).put(k16, v100).put(k15, v101)));
        try (Snapshot s = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 5));
            for (final byte[] k : new byte[][] {k16, k15})
            {
                final int len = k == k16 ? 100 : 101;
                for (final int cap : new int[] {0, 1, len - 1})
                {
                    final byte[] raw = new byte[cap + 3];
                    Arrays.fill(raw, (byte)-1);
                    final UnsafeBuffer dst = new UnsafeBuffer(raw);
                    assertEquals(-2 - len, s.get(new UnsafeBuffer(k), 0, k.length, dst, 3), "cap " + cap);
                    for (final byte x : raw)
                    {
                        assertEquals(-1, x, "nothing copied, cap " + cap);
                    }
                }
                final UnsafeBuffer exact = new UnsafeBuffer(new byte[len + 2]);
                assertEquals(len, s.get(new UnsafeBuffer(k), 0, k.length, exact, 2));
                assertEquals(k == k16 ? 7 : 9, exact.getByte(len + 1));
                // reused buffer: a shorter value after a longer one
                final int[] offs = new int[2];
                final int[] lens = new int[2];
                final UnsafeBuffer keys = new UnsafeBuffer(new byte[31]);
                keys.putBytes(0, k16);
                keys.putBytes(16, k15);
                final UnsafeBuffer dst = new UnsafeBuffer(new byte[150]);
                final int end = s.multiGet(keys, new int[] {0, 16}, new int[] {16, 15}, 2, dst, 0, offs, lens);
                assertEquals(100, lens[0]);
                assertEquals(-2 - 101, lens[1]);
                assertEquals(100, end);
            }
            assertEquals(0, s.multiGet(new UnsafeBuffer(new byte[0]), new int[0], new int[0], 0,
                new UnsafeBuffer(new byte[0]), 0, new int[0], new int[0]));
        }
    }

    @Test
    void aMapViewOfAnEmptyRegionBehavesAsAnEmptyTreeMap() throws Exception
    {
        final RegionCache c = cache();
        ok(c, c.createRegion(new Region(1, b("a"), b("m"), 1)));
        ok(c, c.write(new WriteBatch(1, 1, 5).put(b("c"), b("x"))));
        ok(c, c.write(new WriteBatch(1, 1, 6).delete(b("c"))));
        try (Snapshot s = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
            final NavigableMap<Bytes, Bytes> m = s.asBytesMap();
            final TreeMap<Bytes, Bytes> t = new TreeMap<>();
            assertEquals(t, m);
            assertEquals(m, t);
            assertEquals(0, m.hashCode());
            assertEquals("{}", m.toString());
            assertEquals("{}", m.descendingMap().toString());
            assertEquals("[]", m.keySet().toString());
            assertTrue(m.isEmpty());
            assertThrows(NoSuchElementException.class, m::firstKey);
            assertThrows(NoSuchElementException.class, m::lastKey);
            assertThrows(NoSuchElementException.class, () -> m.descendingMap().firstKey());
            assertNull(m.firstEntry());
            assertNull(m.ceilingKey(Bytes.of(b("a"))));
            assertNull(m.floorKey(Bytes.of(b("zz"))));
            final Iterator<Bytes> it = m.keySet().iterator();
            assertFalse(it.hasNext());
            assertThrows(NoSuchElementException.class, it::next);
            assertThrows(UnsupportedOperationException.class, () -> m.navigableKeySet().pollFirst());
            assertThrows(UnsupportedOperationException.class, m::pollFirstEntry);
            assertThrows(UnsupportedOperationException.class, () -> m.put(Bytes.of(b("c")), Bytes.of(b("c"))));
            assertEquals(Collections.emptyList(), new ArrayList<>(m.values()));
            assertEquals(0, s.asNavigableMap().size());
        }
    }

    @Test
    void bytesMapToStringEqualsAndHashCodeMatchTreeMap() throws Exception
    {
        final RegionCache c = letters("a", "z");
        final TreeMap<Bytes, Bytes> t = new TreeMap<>();
        for (char ch = 'b'; ch <= 'y'; ch++)
        {
            if (ch != 'x')
            {
                t.put(Bytes.of(b(String.valueOf(ch))), Bytes.of(b("v" + ch)));
            }
        }
        try (Snapshot s = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
            final NavigableMap<Bytes, Bytes> m = s.asBytesMap();
            assertEquals(t.toString(), m.toString());
            assertEquals(t.hashCode(), m.hashCode());
            assertEquals(t, m);
            assertEquals(m, t);
            assertEquals(t.descendingMap().toString(), m.descendingMap().toString());
            assertEquals(t.entrySet(), m.entrySet());
            assertEquals(m.entrySet(), t.entrySet());
            assertEquals(t.keySet(), m.keySet());
            assertEquals(t.navigableKeySet().descendingSet().toString(), m.descendingKeySet().toString());
            final Bytes f = Bytes.of(b("f"));
            final Bytes p = Bytes.of(b("p"));
            assertEquals(t.subMap(f, false, p, true), m.subMap(f, false, p, true));
            assertEquals(t.subMap(f, false, p, true).descendingMap().toString(),
                m.subMap(f, false, p, true).descendingMap().toString());
            assertEquals(t.descendingMap().subMap(p, true, f, false).toString(),
                m.descendingMap().subMap(p, true, f, false).toString());
            assertEquals(t.descendingMap().headMap(p, false).toString(), m.descendingMap().headMap(p, false).toString());
            assertEquals(t.descendingMap().tailMap(p, false).toString(), m.descendingMap().tailMap(p, false).toString());
            final Map.Entry<Bytes, Bytes> e = m.firstEntry();
            assertThrows(UnsupportedOperationException.class, () -> e.setValue(Bytes.of(b("q"))));
            assertEquals(t.firstEntry(), e);
            assertEquals(t.firstEntry().hashCode(), e.hashCode());
            assertThrows(UnsupportedOperationException.class, () -> m.values().iterator().remove());
            final Iterator<Map.Entry<Bytes, Bytes>> ei = m.entrySet().iterator();
            ei.next();
            assertThrows(UnsupportedOperationException.class, ei::remove);
            assertTrue(m.entrySet().contains(Map.entry(Bytes.of(b("c")), Bytes.of(b("vc")))));
            assertFalse(m.entrySet().contains(Map.entry(Bytes.of(b("x")), Bytes.of(b("vx")))));
            assertTrue(m.values().contains(Bytes.of(b("vy"))));
            assertFalse(m.values().contains(Bytes.of(b("vx"))));
        }
    }

    @Test
    void anIteratorHandedOutBeforeAReopenStaysRefusedUntilHandedOutAgain() throws Exception
    {
        final RegionCache c = letters("a", "z");
        try (Snapshot s = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
            final SnapshotIterator it = s.iterator();
            assertTrue(it.seekToFirst());
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
            assertFalse(it.isValid());
            assertThrows(IllegalStateException.class, it::seekToFirst);
            assertThrows(IllegalStateException.class, it::next);
            assertThrows(IllegalStateException.class, () -> it.seek(b("c")));
            assertSame(it, s.iterator());
            assertTrue(it.seekToFirst());
            assertEquals("b", s(it.key()));
            s.close();
            assertFalse(it.isValid());
            assertThrows(IllegalStateException.class, it::key);
            assertThrows(IllegalStateException.class, s::iterator);
        }
    }

    @Test
    void aMapViewOpenedBeforeASplitKeepsShowingTheParentAtItsVersion() throws Exception
    {
        final RegionCache c = letters("", "");
        try (Snapshot parent = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.OK, parent.open(1, 1, Long.MAX_VALUE));
            final NavigableMap<Bytes, Bytes> before = parent.asBytesMap();
            final TreeMap<Bytes, Bytes> expected = new TreeMap<>(before);
            assertEquals(23, expected.size());
            ok(c, c.split(1, 1, new byte[][] {b("g"), b("p")}, new long[] {2, 3}, 2));
            ok(c, c.write(new WriteBatch(2, 2, 12).put(b("c"), b("new")).delete(b("d")).put(b("cc"), b("x"))));
            ok(c, c.write(new WriteBatch(1, 2, 12).put(b("z"), b("new")).delete(b("y"))));
            ok(c, c.write(new WriteBatch(3, 2, 13).put(b("h"), b("new")).delete(b("o"))));
            ok(c, c.compact(2));
            assertEquals(expected, before);
            assertEquals(expected.descendingMap().toString(), before.descendingMap().toString());
            assertEquals(Bytes.of(b("vd")), before.get(Bytes.of(b("d"))));
            assertNull(before.get(Bytes.of(b("cc"))));
            assertEquals(Bytes.of(b("y")), before.lastKey());
            final SnapshotIterator it = parent.iterator(b("f"), b("i"));
            final List<String> keys = new ArrayList<>();
            for (boolean okk = it.seekToFirst(); okk; okk = it.next())
            {
                keys.add(s(it.key()) + "=" + s(it.value()));
            }
            assertEquals(List.of("f=vf", "g=vg", "h=vh"), keys);
            try (Snapshot child = c.newSnapshot())
            {
                assertEquals(SnapshotStatus.OK, child.open(2, 2, 100));
                assertEquals("[0x62, 0x63, 0x6363, 0x65, 0x66]", child.asBytesMap().keySet().toString());
                assertEquals(SnapshotStatus.OK, child.open(3, 2, 100));
                assertEquals(8, child.asBytesMap().size(), "g..o without o");
                assertEquals(SnapshotStatus.OK, child.open(1, 2, 100));
                assertEquals("[0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x7a]",
                    child.asBytesMap().keySet().toString());
            }
        }
    }

    @Test
    void aFreshIteratorIsUnpositionedUntilASeek() throws Exception
    {
        final RegionCache c = letters("a", "z");
        try (Snapshot s = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 100));
            final SnapshotIterator it = s.iterator(b("c"), b("f"));
            assertFalse(it.isValid());
            assertFalse(it.next(), "next before the first move");
            assertFalse(it.prev(), "prev before the first move");
            assertThrows(IllegalStateException.class, it::version);
            assertTrue(it.seekForPrev(b("y")), "a key above the upper bound inside the region");
            assertEquals("e", s(it.key()));
            assertEquals(10, it.version());
            assertFalse(it.seek(b("f")));
            assertFalse(it.next());
            assertFalse(it.prev());
            assertTrue(it.seek(b("a")), "a key below the lower bound");
            assertEquals("c", s(it.key()));
            assertFalse(it.seekForPrev(b("b")));
            final SnapshotIterator again = s.iterator();
            assertSame(it, again);
            assertFalse(again.isValid(), "obtaining it again resets it");
            assertTrue(again.seekToLast());
            assertEquals("y", s(again.key()));
            assertTrue(again.prev());
            assertEquals("w", s(again.key()), "x deleted at 11");
        }
        try (Snapshot s = c.newSnapshot())
        {
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
            final SnapshotIterator it = s.iterator();
            assertTrue(it.seek(b("x")));
            assertEquals("x", s(it.key()), "visible at 10, deleted at 11");
            assertEquals(10, it.version());
        }
    }
}
