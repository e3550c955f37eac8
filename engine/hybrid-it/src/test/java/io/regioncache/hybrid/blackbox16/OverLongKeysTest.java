package io.regioncache.hybrid.blackbox16;

import static io.regioncache.hybrid.blackbox16.Bb16.OPEN;
import static io.regioncache.hybrid.blackbox16.Bb16.b;
import static io.regioncache.hybrid.blackbox16.Bb16.filled;
import static io.regioncache.hybrid.blackbox16.Bb16.s;
import static io.regioncache.hybrid.blackbox16.Bb16.storeGet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.BackingSnapshot;
import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.ResultCode;
import io.regioncache.StoreException;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridView;

/** README, "The hybrid engine": keys past LMDB's 439 bytes, on both paths and both stores. */
class OverLongKeysTest
{
    @TempDir
    Path dir;

    private static final byte[] LONG = filled(440, 'k');
    private static final byte[] LONGEST = filled(439, 'k');

    /**
     * README l.1274: "LMDB keys are at most 439 bytes, and LMDB's store throws {@code StoreException} for a read of a
     * longer one (its own rule, as for a write), where the cache answers "absent" (that is the reader's {@code get}
     * and {@code multiGet}...)".
     */
    @Test
    void lmdbStorePathThrowsWhereTheCacheAnswersAbsent()
    {
        try (Bb16.Rig rig = new Bb16.Rig(Bb16.Kind.LMDB.open(dir.resolve("s"))))
        {
            final HybridEngine e = rig.engine;
            assertEquals(439, ((io.regioncache.lmdb.LmdbBackingStore)e.store()).maxKeyLength());
            assertEquals(ResultCode.NOT_CACHED, rig.await(e.write(new WriteBatch(1, 1, 10).put(LONGEST, b("v")))).code()); // region 1 not cached yet
            final CommandResult refused = rig.await(e.write(new WriteBatch(1, 1, 11).put(LONG, b("v"))));
            assertEquals(ResultCode.STORE_ERROR, refused.code(), "a write of 440 bytes on LMDB: " + refused);
            rig.load(new Region(1, OPEN, OPEN, 1));
            final UnsafeBuffer key = new UnsafeBuffer(LONG);
            final ExpandableArrayBuffer dst = new ExpandableArrayBuffer(64);
            final int[] offs = {0};
            final int[] lens = {LONG.length};
            try (HybridReader r = e.newReader())
            {
                // cache path: absent
                assertEquals(BackingSnapshot.NOT_FOUND, r.get(1, 1, 20, key, 0, LONG.length, dst, 0));
                final int[] vl = new int[1];
                r.multiGet(1, 1, 20, key, offs, lens, 1, dst, 0, new int[1], vl);
                assertEquals(BackingSnapshot.NOT_FOUND, vl[0]);
                assertEquals("v", s(r.get(1, 1, 20, LONGEST)));
                // store path (epoch mismatch): StoreException
                assertThrows(StoreException.class, () -> r.get(1, 2, 20, key, 0, LONG.length, dst, 0));
                assertThrows(StoreException.class,
                    () -> r.multiGet(1, 2, 20, key, offs, lens, 1, dst, 0, new int[1], new int[1]));
                assertEquals("v", s(r.get(1, 2, 20, LONGEST)));
            }
        }
    }

    /**
     * README l.1276: "a {@code HybridView} or {@code StoreView} map answers such a key as the cache's view does on every
     * store: {@code get} null, {@code containsKey} false, navigation around it".
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void viewsAnswerAnOverLongKeyAsAbsentOnEveryStore(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(dir.resolve("s"))))
        {
            final HybridEngine e = rig.engine;
            rig.await(e.write(new WriteBatch(1, 1, 10).put(b("a"), b("a")).put(b("z"), b("z"))));
            final Region region = new Region(1, OPEN, OPEN, 1);
            try (HybridReader r = e.newReader())
            {
                for (int pass = 0; pass < 2; pass++)
                {
                    try (HybridView v = r.view(region, 20))
                    {
                        assertEquals(pass == 1, v.servedByCache());
                        final java.util.NavigableMap<byte[], byte[]> m = v.asNavigableMap();
                        assertNull(m.get(LONG), kind + " pass " + pass);
                        assertFalse(m.containsKey(LONG), kind + " pass " + pass);
                        assertEquals("z", s(m.higherKey(LONG)), kind + " pass " + pass);
                        assertEquals("a", s(m.lowerKey(LONG)), kind + " pass " + pass);
                        assertEquals("z", s(m.ceilingKey(LONG)), kind + " pass " + pass);
                        assertEquals("a", s(m.floorKey(LONG)), kind + " pass " + pass);
                        assertEquals(1, m.tailMap(LONG, true).size(), kind + " pass " + pass);
                        assertEquals("z", s(m.tailMap(LONG, true).firstKey()), kind + " pass " + pass);
                        assertEquals(1, m.headMap(LONG, true).size(), kind + " pass " + pass);
                        assertEquals("a", s(m.headMap(LONG, false).lastKey()), kind + " pass " + pass);
                        assertEquals(2, m.subMap(b("a"), true, b("z"), true).size(), kind + " pass " + pass);
                        assertEquals(1, m.subMap(LONG, true, b("zz"), false).size(), kind + " pass " + pass);
                        assertNull(m.subMap(b("a"), false, LONG, true).get(LONG), kind + " pass " + pass);
                    }
                    if (pass == 0)
                    {
                        rig.load(region);
                    }
                }
            }
        }
    }

    /**
     * README l.1277: "a host on LMDB keeps its keys within 439 bytes ({@code maxKeyLength(439)} makes the cache refuse
     * longer ones at the write too)" - and README l.1253: refused at the call, "before RocksDB sees it".
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void maxKeyLength439RefusesLongerKeysAtTheWrite(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(dir.resolve("s")), true, Bb16.config().maxKeyLength(439)))
        {
            final HybridEngine e = rig.engine;
            final CommandResult r = rig.await(e.write(new WriteBatch(1, 1, 10).put(LONG, b("v"))));
            assertEquals(ResultCode.INVALID, r.code(), r::toString);
            assertEquals(0, e.metrics().storeWriteErrors());
            assertEquals(ResultCode.NOT_CACHED, rig.await(e.write(new WriteBatch(1, 1, 10).put(LONGEST, b("v")))).code()); // region 1 not cached yet
            assertEquals("v", s(storeGet(e.store(), LONGEST, 10)));
            if (kind == Bb16.Kind.ROCKSDB)
            {
                assertNull(storeGet(e.store(), LONG, 10), "RocksDB never saw the refused key");
            }
            assertTrue(e.metrics().reconciliations() == 0);
        }
    }
}
