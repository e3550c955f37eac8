package io.regioncache.hybrid.blackbox;

import static io.regioncache.hybrid.blackbox.ProbeSupport.b;
import static io.regioncache.hybrid.blackbox.ProbeSupport.done;
import static io.regioncache.hybrid.blackbox.ProbeSupport.s;
import static io.regioncache.hybrid.blackbox.ProbeSupport.scan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.BackingSnapshot;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.StoreException;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridScan;
import io.regioncache.hybrid.Stores;

@ParameterizedClass
@EnumSource(Stores.class)
class HybridEdgesBlackBoxTest
{
    private static final byte[] OPEN = new byte[0];

    @Parameter
    Stores store;

    @TempDir
    Path dir;

    private HybridEngine engine()
    {
        return HybridEngine.owning(store.open(dir.resolve("s")), RegionCacheConfig.builder().capacityBytes(64L << 20));
    }

    @Test
    void crossCheckAfterSplitAndGc()
    {
        try (HybridEngine e = engine())
        {
            assertEquals(ResultCode.OK, done(e.createRegion(new Region(1, OPEN, OPEN, 1))).code());
            long v = 0;
            for (int round = 0; round < 3; round++)
            {
                for (char c = 'a'; c <= 'j'; c++)
                {
                    assertEquals(ResultCode.OK, done(e.write(new WriteBatch(1, 1, ++v).put(b("" + c), b(c + "-" + round)))).code());
                }
            }
            assertEquals(ResultCode.OK, done(e.write(new WriteBatch(1, 1, ++v).delete(b("c")))).code());
            assertEquals(ResultCode.OK, done(e.split(1, 1, new byte[][] {b("e")}, new long[] {2}, 2)).code());
            final CrossCheck.Report left = CrossCheck.check(e, 2);
            final CrossCheck.Report right = CrossCheck.check(e, 1);
            assertTrue(left.ok(), left.toString());
            assertTrue(right.ok(), right.toString());
            assertEquals(3, left.keysCompared(), left.toString()); // a b d
            assertEquals(6, right.keysCompared(), right.toString()); // e..j
            assertEquals(2, CrossCheck.checkAll(e).size());
            final long dropped = e.gc(v - 2);
            assertTrue(dropped > 0);
            for (final CrossCheck.Report r : CrossCheck.checkAll(e))
            {
                assertTrue(r.ok(), r.toString());
            }
        }
    }

    /** The same history on both stores drops the same number of entries. */
    @Test
    void gcDropsWhatIsShadowedAtTheSafePoint()
    {
        try (HybridEngine e = engine())
        {
            long v = 0;
            // x: 1,2,3 puts -> gc(3) keeps 3 drops 1,2 ; y: put 1, del 2 -> drops both ; z: put 4 only
            e.write(new WriteBatch(1, 1, ++v).put(b("x"), b("1")).put(b("y"), b("1")));
            e.write(new WriteBatch(1, 1, ++v).put(b("x"), b("2")).delete(b("y")));
            e.write(new WriteBatch(1, 1, ++v).put(b("x"), b("3")));
            e.write(new WriteBatch(1, 1, ++v).put(b("z"), b("4")));
            assertEquals(4, e.gc(3));
            try (HybridReader r = e.newReader())
            {
                assertEquals("3", s(r.get(1, 1, 3, b("x"))));
                assertNull(r.get(1, 1, 3, b("y")));
                assertNull(r.get(1, 1, 3, b("z")));
                assertEquals("4", s(r.get(1, 1, 4, b("z"))));
                assertThrows(StoreException.class, () -> r.get(1, 1, 2, b("x")));
            }
            assertEquals(0, e.gc(3));
            assertEquals(0, e.gc(1));
            assertEquals(0, e.gc(4), "z's only version is the newest");
        }
    }

    @Test
    void deleteRangeUnboundedEvictsAndWritesTombstones()
    {
        try (HybridEngine e = engine(); HybridReader r = e.newReader())
        {
            assertEquals(ResultCode.OK, done(e.createRegion(new Region(1, OPEN, b("m"), 1))).code());
            assertEquals(ResultCode.OK, done(e.createRegion(new Region(2, b("m"), OPEN, 1))).code());
            done(e.write(new WriteBatch(1, 1, 1).put(b("a"), b("1")).put(b("l"), b("1"))));
            done(e.write(new WriteBatch(2, 1, 2).put(b("m"), b("2")).put(b("z"), b("2"))));
            assertEquals(ResultCode.OK, done(e.deleteRange(b("l"), OPEN, 3)).code());
            assertNull(e.cache().stateOf(1) == RegionState.ACTIVE ? "region 1 overlapping still active" : null);
            assertNull(e.cache().stateOf(2) == RegionState.ACTIVE ? "region 2 overlapping still active" : null);
            assertEquals(List.of("a=1"), scan(r, 1, 1, 3, OPEN, b("m")));
            assertEquals(List.of(), scan(r, 2, 1, 3, b("m"), OPEN));
            assertEquals(List.of("m=2", "z=2"), scan(r, 2, 1, 2, b("m"), OPEN));
            assertEquals(ResultCode.OK.name(), done(e.loadRegion(new Region(1, OPEN, b("m"), 1))).code().name());
            ProbeSupport.awaitTrue("region 1 active", () -> e.cache().stateOf(1) == RegionState.ACTIVE);
            assertEquals(List.of("a=1"), scan(r, 1, 1, 3, OPEN, b("m")));
            assertTrue(CrossCheck.check(e, 1).ok());
        }
    }

    @Test
    void scanKeepsReturningFalseOnBothPaths()
    {
        try (HybridEngine e = engine(); HybridReader r = e.newReader())
        {
            done(e.createRegion(new Region(1, OPEN, OPEN, 1)));
            done(e.write(new WriteBatch(1, 1, 1).put(b("a"), b("1"))));
            for (final long epoch : new long[] {1, 7})
            {
                final HybridScan sc = r.scan(1, epoch, 1, OPEN, OPEN);
                assertEquals(epoch == 1, sc.servedByCache());
                assertTrue(sc.next());
                assertFalse(sc.next());
                assertFalse(sc.next(), "keeps returning false, epoch " + epoch);
                assertFalse(sc.next());
                assertThrows(IllegalStateException.class, sc::keyBytes);
                sc.close();
            }
        }
    }

    @Test
    void keyOverLmdbLimit()
    {
        final byte[] big = new byte[440];
        Arrays.fill(big, (byte)'k');
        final byte[] ok = Arrays.copyOf(big, 439);
        try (HybridEngine e = engine(); HybridReader r = e.newReader())
        {
            done(e.createRegion(new Region(1, OPEN, OPEN, 1)));
            assertEquals(ResultCode.OK, done(e.write(new WriteBatch(1, 1, 1).put(ok, b("v")))).code());
            assertEquals("v", s(r.get(1, 1, 1, ok)));
            assertEquals("v", s(r.get(1, 9, 1, ok)));
            final ResultCode big1 = done(e.write(new WriteBatch(1, 1, 2).put(big, b("v")))).code();
            if (store == Stores.LMDB)
            {
                assertEquals(ResultCode.STORE_ERROR, big1);
                assertNull(r.get(1, 1, 2, big), "cache answers absent");
                assertThrows(StoreException.class, () -> r.get(1, 9, 2, big));
                assertEquals(1, e.metrics().storeWriteErrors());
            }
            else
            {
                assertEquals(ResultCode.OK, big1);
            }
        }
        try (HybridEngine e = HybridEngine.owning(store.open(dir.resolve("t")),
            RegionCacheConfig.builder().capacityBytes(64L << 20).maxKeyLength(439)))
        {
            done(e.createRegion(new Region(1, OPEN, OPEN, 1)));
            assertEquals(ResultCode.INVALID, done(e.write(new WriteBatch(1, 1, 1).put(big, b("v")))).code());
        }
    }

    @Test
    void splitKeyOnTheStoresSnapshot()
    {
        try (WritableStore st = store.open(dir.resolve("k")))
        {
            try (BackingSnapshot snap = st.openSnapshot())
            {
                assertNull(snap.splitKey(b("a"), OPEN), "empty");
            }
            st.applyBatch(new WriteBatch(0, 0, 1).put(b("a"), b("1")));
            try (BackingSnapshot snap = st.openSnapshot())
            {
                assertNull(snap.splitKey(b("a"), OPEN), "one key");
            }
            st.applyBatch(new WriteBatch(0, 0, 2).put(b("b"), b("1")));
            for (int i = 0; i < 100; i++)
            {
                st.applyBatch(new WriteBatch(0, 0, 3 + i).put(b(String.format("c%03d", i)), new byte[100]));
            }
            try (BackingSnapshot snap = st.openSnapshot())
            {
                final byte[] k = snap.splitKey(b("a"), OPEN);
                if (store == Stores.LMDB)
                {
                    assertNull(k, "LMDB offers none");
                }
                else
                {
                    assertNotNull(k, "RocksDB bisects a range of 102 keys");
                    assertTrue(Arrays.compareUnsigned(k, b("a")) > 0 && Arrays.compareUnsigned(k, b("c099")) <= 0,
                        s(k));
                }
                final BackingSnapshot closed = snap;
                closed.close();
                assertNull(closed.splitKey(b("a"), OPEN), "after close");
            }
        }
    }

    @Test
    void fallbacksCountedPerReason()
    {
        try (HybridEngine e = engine(); HybridReader r = e.newReader())
        {
            done(e.createRegion(new Region(1, OPEN, OPEN, 1)));
            done(e.write(new WriteBatch(1, 1, 1).put(b("a"), b("1"))));
            done(e.write(new WriteBatch(1, 1, 2).put(b("a"), b("2"))));
            e.gc(1);
            assertEquals("1", s(r.get(1, 1, 1, b("a"))));
            assertEquals(SnapshotStatus.TOO_OLD_READ, r.lastStatus());
            assertEquals(1, e.metrics().fallbacks(SnapshotStatus.TOO_OLD_READ));
            assertNull(r.get(5, 1, 2, b("zz")));
            assertEquals(1, e.metrics().fallbacks(SnapshotStatus.NOT_CACHED));
            assertEquals("2", s(r.get(1, 3, 2, b("a"))));
            assertEquals(1, e.metrics().fallbacks(SnapshotStatus.EPOCH_MISMATCH));
            assertEquals("2", s(r.get(1, 1, 2, b("a"))));
            assertEquals(1, e.metrics().cacheGets());
            assertEquals(3, e.metrics().storeGets());
        }
    }
}
