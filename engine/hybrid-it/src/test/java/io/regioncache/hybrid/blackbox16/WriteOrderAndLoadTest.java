package io.regioncache.hybrid.blackbox16;

import static io.regioncache.hybrid.blackbox16.Bb16.OPEN;
import static io.regioncache.hybrid.blackbox16.Bb16.b;
import static io.regioncache.hybrid.blackbox16.Bb16.s;
import static io.regioncache.hybrid.blackbox16.Bb16.storeGet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.CommandResult;
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

/** README, "The hybrid engine": write order, loads, GC through the engine, and closed handles. */
class WriteOrderAndLoadTest
{
    @TempDir
    Path dir;

    /**
     * README l.1209: "{@code engine.write(new WriteBatch(regionId, epoch, version).put(k, v)); // RocksDB first (sync),
     * then the cache}".
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void theStoreHasTheWriteWhenWriteReturns(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(dir.resolve("s"))))
        {
            final HybridEngine e = rig.engine;
            rig.await(e.write(new WriteBatch(1, 1, 10).put(b("k"), b("v10"))));
            rig.load(new Region(1, OPEN, OPEN, 1));
            final CompletableFuture<CommandResult> f = e.write(new WriteBatch(1, 1, 20).put(b("k"), b("v20")));
            // INVOKER: no apply cycle has run since, so the cache has not applied it; the store has it already
            assertFalse(f.isDone());
            assertEquals("v20", s(storeGet(e.store(), b("k"), 20)));
            assertEquals(ResultCode.OK, rig.await(f).code());
            try (HybridReader r = e.newReader())
            {
                assertEquals("v20", s(r.get(1, 1, 25, b("k"))));
                assertEquals(SnapshotStatus.OK, r.lastStatus());
            }
        }
    }

    /**
     * README l.1210: "{@code engine.loadRegion(region); // PENDING -> LOADING -> ACTIVE}"; README l.1264: "A load, whose
     * snapshot is opened on the apply thread, therefore never misses a write and never applies one twice".
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void aLoadNeitherMissesNorDoublesAWriteMadeWhileItRuns(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(dir.resolve("s"))))
        {
            final HybridEngine e = rig.engine;
            final Region region = new Region(1, OPEN, OPEN, 1);
            rig.await(e.write(new WriteBatch(1, 1, 10).put(b("a"), b("a10")).put(b("k"), b("k10"))));
            assertEquals(ResultCode.OK, rig.await(e.loadRegion(region)).code());
            final RegionState queued = e.cache().stateOf(1);
            assertTrue(queued == RegionState.PENDING || queued == RegionState.LOADING, "after loadRegion: " + queued);
            // written while the load waits: buffered, and in the store before the load's snapshot may be opened
            final CommandResult w = rig.await(e.write(new WriteBatch(1, 1, 20).put(b("k"), b("k20")).delete(b("a"))));
            assertTrue(w.code() == ResultCode.OK, w::toString);
            rig.finishLoad(region);
            assertEquals(RegionState.ACTIVE, e.cache().stateOf(1));
            rig.await(e.write(new WriteBatch(1, 1, 30).put(b("k"), b("k30"))));
            try (HybridReader r = e.newReader())
            {
                assertEquals("k10", s(r.get(1, 1, 15, b("k"))));
                assertEquals(SnapshotStatus.OK, r.lastStatus());
                assertEquals("k20", s(r.get(1, 1, 25, b("k"))));
                assertEquals("k30", s(r.get(1, 1, 35, b("k"))));
                assertNull(r.get(1, 1, 25, b("a")));
                assertEquals("a10", s(r.get(1, 1, 15, b("a"))));
            }
            final CrossCheck.Report report = CrossCheck.check(e, 1);
            assertTrue(report.ok(), report::toString);
            assertEquals(30, report.readVersion());
        }
    }

    /**
     * README l.1237: "Each store records the highest safe point it swept ... reads it back when it is opened again, and
     * reports it as {@code gcSafePoint()}."
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void theHighestSafePointIsKept(final Bb16.Kind kind)
    {
        final Path d = dir.resolve("s");
        try (WritableStore store = kind.open(d))
        {
            store.applyBatch(new WriteBatch(1, 1, 5).put(b("k"), b("v5")));
            store.gcBelow(20);
            store.gcBelow(10);
            assertEquals(20, store.gcSafePoint());
        }
        try (WritableStore store = kind.open(d))
        {
            assertEquals(20, store.gcSafePoint());
            store.gcBelow(7);
            assertEquals(20, store.gcSafePoint());
        }
        try (WritableStore store = kind.open(d))
        {
            assertEquals(20, store.gcSafePoint());
        }
    }

    /**
     * README l.1211: "{@code engine.gc(safePoint)}" (HybridEngine#gc: "first raise the cache's safe point ... then sweep
     * the store"; "IllegalArgumentException if the cache refuses the safe point (negative): the store is not swept").
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void engineGcRaisesTheCacheThenSweepsTheStore(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(dir.resolve("s"))))
        {
            final HybridEngine e = rig.engine;
            rig.await(e.write(new WriteBatch(1, 1, 10).put(b("k"), b("v10"))));
            rig.await(e.write(new WriteBatch(1, 1, 20).put(b("k"), b("v20"))));
            rig.load(new Region(1, OPEN, OPEN, 1));
            final long before = e.store().gcSafePoint();
            assertThrows(IllegalArgumentException.class, () -> e.gc(-1));
            assertEquals(before, e.store().gcSafePoint());
            assertEquals("v10", s(storeGet(e.store(), b("k"), 10)));
            assertTrue(e.gc(20) >= 1);
            assertEquals(20, e.store().gcSafePoint());
            try (HybridReader r = e.newReader())
            {
                assertEquals("v20", s(r.get(1, 1, 21, b("k"))));
                assertEquals(SnapshotStatus.OK, r.lastStatus());
                assertThrows(StoreException.class, () -> r.get(1, 1, 15, b("k")));
                assertEquals(SnapshotStatus.TOO_OLD_READ, r.lastStatus());
            }
        }
    }

    /**
     * HybridReader: "A reader of an engine that was closed is still usable: the cache answers CLOSED, so the store
     * serves (and throws StoreException if it was closed with the engine)"; "After close() every read ... throws
     * IllegalStateException". README l.1220: create's close leaves the store open.
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void readersOfAClosedEngine(final Bb16.Kind kind)
    {
        final WritableStore kept = kind.open(dir.resolve("kept"));
        try
        {
            final Bb16.Rig rig = new Bb16.Rig(kept, false, Bb16.config());
            rig.await(rig.engine.write(new WriteBatch(1, 1, 10).put(b("k"), b("v10"))));
            rig.load(new Region(1, OPEN, OPEN, 1));
            final HybridReader r = rig.engine.newReader();
            rig.close();
            assertEquals("v10", s(r.get(1, 1, 20, b("k"))));
            assertEquals(SnapshotStatus.CLOSED, r.lastStatus());
            r.close();
            assertThrows(IllegalStateException.class, () -> r.get(1, 1, 20, b("k")));
            r.close();
        }
        finally
        {
            kept.close();
        }
        final Bb16.Rig owning = new Bb16.Rig(kind.open(dir.resolve("owned")));
        owning.await(owning.engine.write(new WriteBatch(1, 1, 10).put(b("k"), b("v10"))));
        try (HybridReader r = owning.engine.newReader())
        {
            owning.close();
            assertThrows(StoreException.class, () -> r.get(1, 1, 20, b("k")));
        }
    }

    /**
     * HybridEngine#owning: "NullPointerException if an argument is null (a non-null store is closed then too)";
     * "IllegalArgumentException if cacheConfig does not build" (and an owned store is closed by a failure to start).
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void owningClosesTheStoreWhenTheEngineCannotStart(final Bb16.Kind kind)
    {
        assertThrows(NullPointerException.class, () -> HybridEngine.owning(null, Bb16.config()));
        final WritableStore a = kind.open(dir.resolve("a"));
        assertThrows(NullPointerException.class, () -> HybridEngine.owning(a, null));
        assertTrue(Bb16.isClosed(a));
        final WritableStore c = kind.open(dir.resolve("c"));
        assertThrows(IllegalArgumentException.class,
            () -> HybridEngine.owning(c, RegionCacheConfig.builder().segmentSize(3000)));
        assertTrue(Bb16.isClosed(c));
        final WritableStore kept = kind.open(dir.resolve("k"));
        try
        {
            assertThrows(NullPointerException.class, () -> HybridEngine.create(kept, null));
            assertThrows(IllegalArgumentException.class,
                () -> HybridEngine.create(kept, RegionCacheConfig.builder().segmentSize(3000)));
            assertFalse(Bb16.isClosed(kept));
        }
        finally
        {
            kept.close();
        }
    }
}
