package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.b;
import static io.regioncache.blackbox.EmbeddingEdgesBlackBoxTest.s;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.regioncache.Bytes;
import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.hybrid.HybridView;
import io.regioncache.store.InMemoryBackingStore;

/** Black-box (fourth audit, 2026-12-04) of the hybrid reader: the cache path (epoch 5) against the store path (epoch 6). */
class HybridInMemoryEdgesBlackBoxTest
{
    private HybridEngine engine;
    private HybridReader reader;

    @BeforeEach
    void setUp()
    {
        engine = HybridEngine.create(new InMemoryBackingStore(), RegionCacheConfig.builder()
            .capacityBytes(64L << 20)
            .segmentSize(1 << 16)
            .maxKeyLength(16)
            .maxValueLength(1024)
            .threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(Runnable::run)
            .gcExecutor(Runnable::run)
            .pipelinedLoads(false)
            .closeTimeoutMillis(2_000));
        ok(engine.createRegion(new Region(1, b("b"), b("m"), 5)));
        final WriteBatch w = new WriteBatch(1, 5, 10);
        for (char ch = 'c'; ch <= 'l'; ch++)
        {
            final byte[] v = new byte[ch - 'a'];
            Arrays.fill(v, (byte)ch);
            w.put(b(String.valueOf(ch)), v);
        }
        ok(engine.write(w));
        ok(engine.write(new WriteBatch(1, 5, 11).delete(b("e"))));
        reader = engine.newReader();
    }

    @AfterEach
    void tearDown()
    {
        reader.close();
        engine.close();
    }

    private void ok(final CompletableFuture<CommandResult> f)
    {
        final CommandResult r = engine.await(f);
        assertEquals(ResultCode.OK, r.code(), r::toString);
    }

    private List<String> scan(final long epoch, final byte[] lo, final byte[] hi)
    {
        return scan(epoch, 100, lo, hi);
    }

    private List<String> scan(final long epoch, final long readVersion, final byte[] lo, final byte[] hi)
    {
        final List<String> out = new ArrayList<>();
        try (HybridScan sc = reader.scan(1, epoch, readVersion, lo, hi))
        {
            assertEquals(reader.lastStatus() == SnapshotStatus.OK, sc.servedByCache());
            while (sc.next())
            {
                out.add(s(sc.keyBytes()));
            }
            assertFalse(sc.next(), "keeps returning false");
            assertThrows(IllegalStateException.class, sc::keyLength);
        }
        return out;
    }

    @Test
    void scansAnswerAlikeOnBothPaths()
    {
        for (final byte[][] bounds : new byte[][][] {{b("b"), b("m")}, {b("d"), b("d")}, {b("h"), b("d")},
            {b("e"), b("f")}, {b("d"), b("g")}, {b("l"), b("m")}})
        {
            final String ctx = s(bounds[0]) + ".." + s(bounds[1]);
            final List<String> cache = scan(5, bounds[0], bounds[1]);
            assertEquals(SnapshotStatus.OK, reader.lastStatus());
            final List<String> store = scan(6, bounds[0], bounds[1]);
            assertEquals(SnapshotStatus.EPOCH_MISMATCH, reader.lastStatus());
            assertEquals(cache, store, ctx);
        }
    }

    @Test
    void getsIntoTooSmallDestinationsAnswerAlikeOnBothPaths()
    {
        final UnsafeBuffer key = new UnsafeBuffer(b("h"));
        for (final long epoch : new long[] {5, 6})
        {
            final byte[] raw = new byte[10];
            Arrays.fill(raw, (byte)-1);
            assertEquals(-2 - 7, reader.get(1, epoch, 100, key, 0, 1, new UnsafeBuffer(raw), 4), "epoch " + epoch);
            for (final byte x : raw)
            {
                assertEquals(-1, x, "nothing copied, epoch " + epoch);
            }
            final ExpandableArrayBuffer e = new ExpandableArrayBuffer(4);
            final int cap = e.capacity();
            assertEquals(-2 - 7, reader.get(1, epoch, 100, key, 0, 1, e, 0), "expandable, epoch " + epoch);
            assertEquals(cap, e.capacity(), "not grown, epoch " + epoch);
            assertEquals(7, reader.get(1, epoch, 100, key, 0, 1, new UnsafeBuffer(new byte[7]), 0));
            assertEquals(-1, reader.get(1, epoch, 100, new UnsafeBuffer(b("e")), 0, 1, e, 0), "deleted");
            assertEquals(-6, reader.get(1, epoch, 10, new UnsafeBuffer(b("e")), 0, 1, new UnsafeBuffer(new byte[3]), 0),
                "the older version visible at 10: 'e' has 4 bytes");
        }
    }

    @Test
    void multiGetAnswersAlikeOnBothPaths()
    {
        final UnsafeBuffer keys = new UnsafeBuffer(b("ceghkzl"));
        final int n = 6;
        final int[] offs = {0, 1, 2, 3, 4, 6};
        final int[] lens = {1, 1, 1, 1, 1, 1};
        int[][] answers = new int[2][];
        int[] ends = new int[2];
        for (int p = 0; p < 2; p++)
        {
            final long epoch = 5 + p;
            final int[] vo = new int[n];
            final int[] vl = new int[n];
            ends[p] = reader.multiGet(1, epoch, 100, keys, offs, lens, n, new UnsafeBuffer(new byte[14]), 1, vo, vl);
            answers[p] = vl;
        }
        assertArrayEquals(answers[0], answers[1]);
        assertEquals(ends[0], ends[1]);
    }

    @Test
    void aReadAtVersionZeroOrBelowTheFirstWriteSeesNothingOnBothPaths()
    {
        for (final long epoch : new long[] {5, 6})
        {
            assertNull(reader.get(1, epoch, 9, b("c")), "epoch " + epoch);
            assertEquals(List.of(), scan(epoch, 9, b("b"), b("m")));
        }
    }

    @Test
    void viewsAtTheRegionsEdgesAgreeOnBothPaths()
    {
        try (HybridView cache = reader.view(new Region(1, b("b"), b("m"), 5), 100);
             HybridView store = reader.view(new Region(1, b("b"), b("m"), 6), 100))
        {
            assertTrue(cache.servedByCache());
            assertFalse(store.servedByCache());
            final NavigableMap<Bytes, Bytes> c = cache.asBytesMap();
            final NavigableMap<Bytes, Bytes> st = store.asBytesMap();
            assertEquals(c, st);
            assertEquals(c.toString(), st.toString());
            for (final String k : new String[] {"", "a", "b", "c", "e", "l", "l\0", "m", "m\0", "z"})
            {
                final Bytes key = Bytes.of(b(k));
                assertEquals(c.get(key), st.get(key), k);
                assertEquals(c.ceilingKey(key), st.ceilingKey(key), k);
                assertEquals(c.floorKey(key), st.floorKey(key), k);
                assertEquals(c.higherKey(key), st.higherKey(key), k);
                assertEquals(c.lowerKey(key), st.lowerKey(key), k);
                assertEquals(c.tailMap(key, false), st.tailMap(key, false), k);
                assertEquals(c.headMap(key, true), st.headMap(key, true), k);
                assertEquals(c.descendingMap().headMap(key, false), st.descendingMap().headMap(key, false), k);
            }
        }
    }

    @Test
    void aViewWithTheCachedIdAndEpochButOtherBoundsIsTheStoresAndOutlivesItsReader()
    {
        final long fallbacks = engine.metrics().fallbacks(SnapshotStatus.EPOCH_MISMATCH);
        final long storeScans = engine.metrics().storeScans();
        final HybridView other = reader.view(new Region(1, b("d"), b("h"), 5), 100);
        assertFalse(other.servedByCache());
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, reader.lastStatus());
        assertEquals(fallbacks + 1, engine.metrics().fallbacks(SnapshotStatus.EPOCH_MISMATCH));
        assertEquals(storeScans + 1, engine.metrics().storeScans());
        assertEquals("[0x64, 0x66, 0x67]", other.asBytesMap().keySet().toString());
        final HybridView cached = reader.view(new Region(1, b("b"), b("m"), 5), 100);
        assertTrue(cached.servedByCache());
        reader.close();
        assertEquals(9, cached.asBytesMap().size(), "independent of the reader");
        assertEquals(3, other.asNavigableMap().size());
        cached.close();
        cached.close();
        other.close();
        assertThrows(IllegalStateException.class, cached::asBytesMap);
        assertThrows(IllegalStateException.class, other::asNavigableMap);
        reader = engine.newReader();
    }

    @Test
    void writesRefusedOnTheApplyThreadAreReconciledBeforeTheyAnswer()
    {
        final long rec = engine.metrics().reconciliations();
        final CommandResult stale = engine.await(engine.write(new WriteBatch(1, 4, 20).put(b("c"), b("stale"))));
        assertEquals(ResultCode.STALE_EPOCH, stale.code(), stale::toString);
        assertNull(engine.cache().stateOf(1), "the cached range the batch touched is evicted");
        assertEquals(rec + 1, engine.metrics().reconciliations());
        assertArrayEquals(b("stale"), reader.get(1, 5, 100, b("c")), "the store serves what it has");
        ok(engine.createRegion(new Region(2, b("x"), b("z"), 1)));
        ok(engine.write(new WriteBatch(2, 1, 10).put(b("y"), b("one"))));
        final CommandResult again = engine.await(engine.write(new WriteBatch(2, 1, 10).put(b("y"), b("two"))));
        assertEquals(ResultCode.INVALID, again.code(), again::toString);
        assertNull(engine.cache().stateOf(2), "a repeated version: the store has it, the cache must not serve");
        final byte[] got = reader.get(2, 1, 100, b("y"));
        assertEquals(SnapshotStatus.NOT_CACHED, reader.lastStatus());
        assertNotNull(got);
    }

    @Test
    void readsAtAndAroundTheGcSafePoint()
    {
        ok(engine.write(new WriteBatch(1, 5, 20).put(b("c"), b("v20"))));
        ok(engine.write(new WriteBatch(1, 5, 30).put(b("c"), b("v30"))));
        engine.gc(20);
        assertArrayEquals(b("v20"), reader.get(1, 5, 20, b("c")), "at the safe point");
        assertArrayEquals(b("v20"), reader.get(1, 5, 25, b("c")));
        assertEquals(SnapshotStatus.OK, reader.lastStatus());
        assertArrayEquals(b("v30"), reader.get(1, 5, 30, b("c")));
        assertThrows(io.regioncache.StoreException.class, () -> reader.get(1, 5, 19, b("c")));
        try (HybridView v = reader.view(new Region(1, b("b"), b("m"), 5), 20))
        {
            assertArrayEquals(b("v20"), v.asNavigableMap().get(b("c")));
            assertEquals(9, v.asNavigableMap().size());
        }
        assertEquals(List.of("c", "d", "f", "g", "h", "i", "j", "k", "l"), scan(5, 20, b("b"), b("m")));
        assertThrows(io.regioncache.StoreException.class, () -> reader.view(new Region(1, b("b"), b("m"), 5), 19));
    }
}
