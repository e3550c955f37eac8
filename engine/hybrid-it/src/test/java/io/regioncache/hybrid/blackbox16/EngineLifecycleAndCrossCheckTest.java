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
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.Region;
import io.regioncache.ResultCode;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;

/** README, "The hybrid engine": owning vs create, close, writes around the engine and CrossCheck. */
class EngineLifecycleAndCrossCheckTest
{
    @TempDir
    Path dir;

    /**
     * README l.1224: "{@code HybridEngine.create(store, config)} is the same over a store the caller keeps
     * ({@code close()} leaves it open)"; README l.1221: "{@code engine.close(); // cache, then RocksDB}" for
     * {@code HybridEngine.owning}.
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void createLeavesTheStoreOpenAndOwningClosesIt(final Bb16.Kind kind)
    {
        final WritableStore kept = kind.open(dir.resolve("kept"));
        try
        {
            try (Bb16.Rig rig = new Bb16.Rig(kept, false, Bb16.config()))
            {
                assertEquals(ResultCode.NOT_CACHED, rig.await(rig.engine.write(new WriteBatch(1, 1, 10).put(b("k"), b("v")))).code());
            }
            assertFalse(Bb16.isClosed(kept));
            assertEquals("v", s(storeGet(kept, b("k"), 10)));
            kept.applyBatch(new WriteBatch(1, 1, 11).put(b("k"), b("v11")));
            assertEquals("v11", s(storeGet(kept, b("k"), 11)));
        }
        finally
        {
            kept.close();
        }
        final WritableStore owned = kind.open(dir.resolve("owned"));
        final Bb16.Rig rig = new Bb16.Rig(owned);
        rig.close();
        assertTrue(rig.engine.isClosed());
        assertTrue(Bb16.isClosed(owned));
    }

    /**
     * HybridEngine#write: "{@code CLOSED} at once once close() has begun (the store never saw it)"; #deleteRange
     * likewise; #gc: "IllegalStateException if the engine is closed". (README l.1218: close is "cache, then RocksDB".)
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void aClosedEngineRefusesWritesBeforeTheStore(final Bb16.Kind kind)
    {
        final WritableStore kept = kind.open(dir.resolve("kept"));
        try
        {
            final Bb16.Rig rig = new Bb16.Rig(kept, false, Bb16.config());
            final HybridEngine e = rig.engine;
            rig.await(e.write(new WriteBatch(1, 1, 10).put(b("a"), b("a10"))));
            rig.close();
            assertEquals(ResultCode.CLOSED, e.write(new WriteBatch(1, 1, 20).put(b("k"), b("v"))).join().code());
            assertNull(storeGet(kept, b("k"), 30), "a write answered CLOSED reached the store");
            assertEquals(ResultCode.CLOSED, e.deleteRange(b("a"), b("b"), 20).join().code());
            assertEquals("a10", s(storeGet(kept, b("a"), 30)), "a delete-range answered CLOSED reached the store");
            assertThrows(IllegalStateException.class, () -> e.gc(5));
            assertEquals(-1, kept.gcSafePoint() < 0 ? -1 : kept.gcSafePoint(), "gc after close swept the store");
        }
        finally
        {
            kept.close();
        }
    }

    /**
     * README l.1225: "every write must go through the engine: one made on the store directly ... is not in this
     * engine's cache, which for a region it holds goes on answering the older value, at any version, until that region
     * is evicted and loaded again; {@code CrossCheck}, which compares at the version the cache applied last, does not
     * see it either".
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void aWriteAroundTheEngineIsInvisibleUntilTheRegionReloads(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(dir.resolve("s"))))
        {
            final HybridEngine e = rig.engine;
            final Region region = new Region(1, OPEN, OPEN, 1);
            rig.await(e.write(new WriteBatch(1, 1, 10).put(b("k"), b("v10"))));
            rig.load(region);
            e.store().applyBatch(new WriteBatch(1, 1, 20).put(b("k"), b("v20")));
            try (HybridReader r = e.newReader())
            {
                assertEquals("v10", s(r.get(1, 1, 30, b("k"))));
                assertTrue(CrossCheck.check(e, 1).ok(), CrossCheck.check(e, 1)::toString);
                assertEquals(ResultCode.OK, rig.await(e.evict(1, io.regioncache.EvictReason.MANUAL)).code());
                rig.runLoads();
                rig.load(region);
                assertEquals("v20", s(r.get(1, 1, 30, b("k"))));
                assertTrue(CrossCheck.check(e, 1).ok());
            }
        }
    }

    /**
     * README l.1280: "{@code CrossCheck} compares every visible key of a cached region with RocksDB at the same version
     * and lists each divergence." README l.1228: "{@code CrossCheck.checkAll} checks each ACTIVE region once".
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void crossCheckListsDivergencesAndCheckAllEachActiveRegionOnce(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(dir.resolve("s"))))
        {
            final HybridEngine e = rig.engine;
            rig.await(e.write(new WriteBatch(1, 1, 10).put(b("b"), b("b10")).put(b("c"), b("c10"))));
            rig.await(e.write(new WriteBatch(2, 1, 10).put(b("n"), b("n10"))));
            rig.await(e.write(new WriteBatch(3, 1, 10).put(b("x"), b("x10"))));
            rig.load(new Region(1, b("a"), b("m"), 1));
            rig.load(new Region(2, b("m"), b("w"), 1));
            rig.load(new Region(3, b("w"), OPEN, 1));
            // a fourth region whose load waits in the queue (PENDING or LOADING) is not checked
            assertEquals(ResultCode.OK, rig.await(e.loadRegion(new Region(4, b("$"), b("%"), 1))).code());
            assertTrue(e.cache().stateOf(4) != io.regioncache.RegionState.ACTIVE);
            final List<CrossCheck.Report> all = CrossCheck.checkAll(e);
            assertEquals(3, all.size(), all::toString);
            final Set<Long> ids = new HashSet<>();
            for (final CrossCheck.Report r : all)
            {
                assertTrue(r.ok(), r::toString);
                ids.add(r.regionId());
            }
            assertEquals(Set.of(1L, 2L, 3L), ids);
            // around the engine, at versions at or below the one the cache applied (10): divergences
            e.store().applyBatch(new WriteBatch(1, 1, 5).put(b("a"), b("a5")));
            e.store().applyBatch(new WriteBatch(1, 1, 10).put(b("c"), b("cX")).delete(b("b")));
            final CrossCheck.Report r = CrossCheck.check(e, 1);
            assertFalse(r.ok());
            assertEquals(10, r.readVersion());
            assertEquals(3, r.divergences().size(), r.divergences()::toString);
            assertEquals(CrossCheck.Kind.MISSING_IN_CACHE, r.divergences().get(0).kind());
            assertEquals("a", s(r.divergences().get(0).key()));
            assertEquals(CrossCheck.Kind.MISSING_IN_STORE, r.divergences().get(1).kind());
            assertEquals("b", s(r.divergences().get(1).key()));
            assertEquals(CrossCheck.Kind.DIFFERENT, r.divergences().get(2).kind());
            assertEquals("cX", s(r.divergences().get(2).storeValue()));
            assertEquals("c10", s(r.divergences().get(2).cacheValue()));
        }
    }
}
