package io.regioncache.hybrid.blackbox4;

import static io.regioncache.hybrid.blackbox4.Bb4.b;
import static io.regioncache.hybrid.blackbox4.Bb4.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.Region;
import io.regioncache.StoreException;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridView;

/**
 * README ("Tests", HybridViewTest): "a read version below the store's GC safe point is refused"; "Embedding": "a
 * store's gcSafePoint() ... return their values" (even closed); engine.gc(safePoint) "first the cache's safe point,
 * then a RocksDB sweep". A durable store swept at 20, closed and opened again, must still refuse a store-served read
 * at 15 (the versions it would need are gone) instead of answering from the swept data.
 */
class ReadsBelowGcPointTest
{
    @TempDir
    Path dir;

    /** gc while the region's load is under way: the loaded region must take the safe point too. */
    @ParameterizedTest
    @EnumSource(Bb4.Kind.class)
    void gcDuringALoadLeavesNoCachedReadBelowTheSweep(final Bb4.Kind kind)
    {
        final Region region = new Region(1, new byte[0], new byte[0], 1);
        final Bb4.Rig rig = new Bb4.Rig(kind.open(dir.resolve("g")));
        try
        {
            final HybridEngine e = rig.engine;
            e.await(e.write(new WriteBatch(1, 1, 10).put(b("k"), b("v10"))));
            e.await(e.write(new WriteBatch(1, 1, 20).put(b("k"), b("v20"))));
            assertEquals(io.regioncache.ResultCode.OK, e.await(e.loadRegion(region)).code());
            final io.regioncache.RegionState during = e.cache().stateOf(1);
            e.gc(20);
            rig.runLoads();
            assertEquals(io.regioncache.RegionState.ACTIVE, e.cache().stateOf(1));
            try (HybridReader r = e.newReader())
            {
                assertEquals("v20", s(r.get(1, 1, 21, b("k"))));
                // README: "reads at or below the safe point are refused" (cache), and the store below its sweep
                assertThrows(StoreException.class, () -> r.get(1, 1, 15, b("k")),
                    kind + " gc while " + during + ": read at 15 answered by " + r.lastStatus());
            }
        }
        finally
        {
            rig.engine.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Bb4.Kind.class)
    void aReopenedStoreStillRefusesReadsBelowItsSweep(final Bb4.Kind kind)
    {
        final Region region = new Region(1, new byte[0], new byte[0], 1);
        Bb4.Rig rig = new Bb4.Rig(kind.open(dir.resolve("s")));
        try
        {
            final HybridEngine e = rig.engine;
            e.await(e.write(new WriteBatch(1, 1, 10).put(b("k"), b("v10")).put(b("j"), b("j10"))));
            e.await(e.write(new WriteBatch(1, 1, 20).put(b("k"), b("v20")).delete(b("j"))));
            e.gc(20);
            assertEquals(20, e.store().gcSafePoint());
            try (HybridReader r = e.newReader())
            {
                // before the reopen: refused on the store path
                assertThrows(StoreException.class, () -> r.get(1, 1, 15, b("k")));
                assertThrows(StoreException.class, () -> r.view(region, 15));
                // at the safe point itself: the values of version 20
                assertEquals("v20", s(r.get(1, 1, 20, b("k"))));
                assertEquals(null, r.get(1, 1, 20, b("j")));
            }
        }
        finally
        {
            rig.engine.close();
        }
        rig = new Bb4.Rig(kind.open(dir.resolve("s")));
        try
        {
            final HybridEngine e = rig.engine;
            try (HybridReader r = e.newReader())
            {
                assertEquals("v20", s(r.get(1, 1, 20, b("k"))));
                // k at 15 was "v10" and j "j10"; the sweep dropped both: a read there must be refused, not answered
                final long gcPoint = e.store().gcSafePoint();
                byte[] k15 = null;
                byte[] j15 = null;
                String threw = null;
                try
                {
                    k15 = r.get(1, 1, 15, b("k"));
                    j15 = r.get(1, 1, 15, b("j"));
                }
                catch (final StoreException ex)
                {
                    threw = ex.toString();
                }
                assertEquals("refused", null == threw ? "answered k=" + (k15 == null ? null : s(k15)) + " j=" +
                    (j15 == null ? null : s(j15)) + " (history says v10, j10), store gcSafePoint()=" + gcPoint :
                    "refused", kind + " reopened: a read at 15 after a sweep at 20");
                assertThrows(StoreException.class, () ->
                {
                    try (HybridView v = r.view(region, 15))
                    {
                        v.asNavigableMap().size();
                    }
                }, kind + " reopened view at 15");
                // loaded into the new engine's cache: README "HybridEngine.gc: first the cache's safe point, then a
                // RocksDB sweep" and "reads at or below the safe point are refused" - the cache must not answer at 15
                // from the swept data either
                assertEquals(io.regioncache.ResultCode.OK, e.await(e.loadRegion(region)).code());
                rig.runLoads();
                assertEquals("v20", s(r.get(1, 1, 25, b("k"))));
                assertEquals(io.regioncache.SnapshotStatus.OK, r.lastStatus());
                String cacheThrew = null;
                byte[] c15 = null;
                try
                {
                    c15 = r.get(1, 1, 15, b("k"));
                }
                catch (final StoreException ex)
                {
                    cacheThrew = ex.toString();
                }
                assertEquals("refused", cacheThrew != null ? "refused" : "answered " +
                    (c15 == null ? null : s(c15)) + " by " + r.lastStatus() + " (history says v10)",
                    kind + " reopened, loaded: a read at 15 after a sweep at 20");
            }
        }
        finally
        {
            rig.engine.close();
        }
    }
}
