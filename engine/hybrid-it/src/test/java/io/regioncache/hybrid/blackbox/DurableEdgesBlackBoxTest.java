package io.regioncache.hybrid.blackbox;

import static io.regioncache.hybrid.blackbox.ProbeSupport.b;
import static io.regioncache.hybrid.blackbox.ProbeSupport.done;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.BackingSnapshot;
import io.regioncache.Bytes;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.StoreCursor;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.hybrid.HybridView;
import io.regioncache.lmdb.LmdbBackingStore;
import io.regioncache.rocksdb.RocksDbBackingStore;

class DurableEdgesBlackBoxTest
{
    enum Kind
    {
        ROCKSDB, LMDB;

        WritableStore open(final Path dir)
        {
            return this == ROCKSDB ? RocksDbBackingStore.open(dir) : LmdbBackingStore.open(dir, 1L << 30, false);
        }
    }

    Kind kind;

    @TempDir
    Path dir;

    private List<String> scan(final HybridReader r, final long epoch, final byte[] lo, final byte[] hi)
    {
        final List<String> out = new ArrayList<>();
        try (HybridScan sc = r.scan(1, epoch, 100, lo, hi))
        {
            assertEquals(epoch == 5, sc.servedByCache());
            while (sc.next())
            {
                out.add(new String(sc.keyBytes(), StandardCharsets.US_ASCII));
            }
            assertFalse(sc.next());
        }
        return out;
    }

    @Test
    void rocksDbCacheAndStoreAnswerAlikeAtTheEdges() throws Exception
    {
        kind = Kind.ROCKSDB;
        cacheAndStoreAnswerAlikeAtTheEdges();
    }

    @Test
    void lmdbCacheAndStoreAnswerAlikeAtTheEdges() throws Exception
    {
        kind = Kind.LMDB;
        cacheAndStoreAnswerAlikeAtTheEdges();
    }

    @Test
    void rocksDbClosedSnapshotsAndCursorsThrowStoreException()
    {
        kind = Kind.ROCKSDB;
        closedSnapshotsAndCursorsThrowStoreException();
    }

    @Test
    void lmdbClosedSnapshotsAndCursorsThrowStoreException()
    {
        kind = Kind.LMDB;
        closedSnapshotsAndCursorsThrowStoreException();
    }

    void cacheAndStoreAnswerAlikeAtTheEdges() throws Exception
    {
        try (HybridEngine e = HybridEngine.owning(kind.open(dir.resolve("s")),
            RegionCacheConfig.builder().capacityBytes(64L << 20));
             HybridReader r = e.newReader())
        {
            assertEquals(ResultCode.OK, done(e.createRegion(new Region(1, b("b"), b("m"), 5))).code());
            final WriteBatch w = new WriteBatch(1, 5, 10);
            for (char ch = 'c'; ch <= 'l'; ch++)
            {
                final byte[] v = new byte[ch - 'a'];
                Arrays.fill(v, (byte)ch);
                w.put(b(String.valueOf(ch)), v);
            }
            assertEquals(ResultCode.OK, done(e.write(w)).code());
            assertEquals(ResultCode.OK, done(e.write(new WriteBatch(1, 5, 11).delete(b("e")))).code());
            for (final byte[][] bounds : new byte[][][] {{b("h"), b("d")}, {b("d"), b("d")}, {b("l"), b("m")},
                {b("b"), b("c")}})
            {
                assertEquals(scan(r, 5, bounds[0], bounds[1]), scan(r, 6, bounds[0], bounds[1]),
                    new String(bounds[0]) + ".." + new String(bounds[1]));
            }
            final UnsafeBuffer key = new UnsafeBuffer(b("h"));
            for (final long epoch : new long[] {5, 6})
            {
                final byte[] raw = new byte[10];
                Arrays.fill(raw, (byte)-1);
                assertEquals(-9, r.get(1, epoch, 100, key, 0, 1, new UnsafeBuffer(raw), 4), "epoch " + epoch);
                for (final byte x : raw)
                {
                    assertEquals(-1, x, "nothing copied, epoch " + epoch);
                }
                final ExpandableArrayBuffer small = new ExpandableArrayBuffer(4);
                final int cap = small.capacity();
                assertEquals(-9, r.get(1, epoch, 100, key, 0, 1, small, 0), "expandable, epoch " + epoch);
                assertEquals(cap, small.capacity());
                final int[] vo = new int[3];
                final int[] vl = new int[3];
                final int end = r.multiGet(1, epoch, 100, new UnsafeBuffer(b("hce")), new int[] {0, 1, 2},
                    new int[] {1, 1, 1}, 3, new ExpandableArrayBuffer(4), 0, vo, vl);
                assertArrayEquals(new int[] {-9, 2, -1}, vl, "epoch " + epoch);
                assertEquals(2, end);
            }
            try (HybridView c = r.view(new Region(1, b("b"), b("m"), 5), 100);
                 HybridView s = r.view(new Region(1, b("b"), b("m"), 6), 100))
            {
                final NavigableMap<Bytes, Bytes> cm = c.asBytesMap();
                final NavigableMap<Bytes, Bytes> sm = s.asBytesMap();
                assertEquals(cm, sm);
                for (final String k : new String[] {"", "a", "b", "e", "l", "l\0", "m", "z"})
                {
                    final Bytes key2 = Bytes.of(b(k));
                    assertEquals(cm.floorKey(key2), sm.floorKey(key2), k);
                    assertEquals(cm.higherKey(key2), sm.higherKey(key2), k);
                    assertEquals(cm.lowerKey(key2), sm.lowerKey(key2), k);
                    assertEquals(cm.ceilingKey(key2), sm.ceilingKey(key2), k);
                }
            }
        }
    }

    void closedSnapshotsAndCursorsThrowStoreException()
    {
        final WritableStore st = kind.open(dir.resolve("c"));
        final WriteBatch w = new WriteBatch(1, 1, 1).put(b("a"), b("va"));
        st.applyBatch(w);
        final BackingSnapshot snap = st.openSnapshot();
        snap.close();
        assertThrows(StoreException.class,
            () -> snap.get(new UnsafeBuffer(b("a")), 0, 1, 5, new UnsafeBuffer(new byte[8]), 0), "closed snapshot");
        final StoreCursor c = st.newCursor(b(""), b(""), 5);
        assertTrue(c.next());
        c.close();
        assertThrows(StoreException.class, c::seekToFirst, "closed cursor");
        final BackingSnapshot open = st.openSnapshot();
        st.close();
        assertThrows(StoreException.class,
            () -> open.get(new UnsafeBuffer(b("a")), 0, 1, 5, new UnsafeBuffer(new byte[8]), 0), "closed store");
    }
}
