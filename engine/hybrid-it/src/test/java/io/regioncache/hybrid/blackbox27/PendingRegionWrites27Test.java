package io.regioncache.hybrid.blackbox27;

import static io.regioncache.hybrid.blackbox27.Bb27.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.hybrid.HybridView;

/**
 * Directed cases the random history reaches only by timing: writes to a region whose load is still PENDING
 * ({@code pauseLoads(true)} holds it there). README: a write to a PENDING region is {@code SKIPPED}; the store has
 * every write the engine took, and a refused or unapplied write is reconciled so that "the two never disagree on what
 * a read returns" (HybridReader: "the answer does not depend on which one served").
 */
class PendingRegionWrites27Test
{
    @TempDir
    Path dir;

    private static HybridEngine open(final Bb27.Kind kind, final Path dir)
    {
        final WritableStore store = kind.open(dir);
        return kind.durable ? HybridEngine.owning(store, Bb27.config()) : HybridEngine.create(store, Bb27.config());
    }

    private static void awaitActive(final HybridEngine engine, final long id)
    {
        final long deadline = System.nanoTime() + 20_000_000_000L;
        while (engine.cache().stateOf(id) != RegionState.ACTIVE)
        {
            assertTrue(System.nanoTime() < deadline, "region " + id + " stuck at " + engine.cache().stateOf(id));
            engine.applyCycle();
            Thread.yield();
        }
    }

    /** A write to a PENDING region, in its own range: SKIPPED, and the load that follows has it. */
    @ParameterizedTest
    @EnumSource(Bb27.Kind.class)
    void writeToPendingRegionIsInTheLoad(final Bb27.Kind kind)
    {
        try (HybridEngine engine = open(kind, dir); HybridReader reader = engine.newReader())
        {
            final Region right = new Region(2, b("m"), new byte[0], 1);
            engine.await(engine.write(new WriteBatch(2, 1, 1).put(b("n"), b("old"))));
            engine.cache().pauseLoads(true);
            assertEquals(ResultCode.OK, engine.await(engine.loadRegion(right)).code());
            final CommandResult w = engine.await(engine.write(new WriteBatch(2, 1, 2).put(b("n"), b("new"))));
            assertTrue(EnumSet.of(ResultCode.SKIPPED, ResultCode.OK).contains(w.code()), w.toString());
            engine.cache().pauseLoads(false);
            awaitActive(engine, 2);
            assertArrayEquals(b("new"), reader.get(2, 1, 2, b("n")));
            assertArrayEquals(b("old"), reader.get(2, 1, 1, b("n")));
            try (HybridView view = reader.view(right, 2))
            {
                assertTrue(view.servedByCache());
                assertArrayEquals(b("new"), view.asNavigableMap().get(b("n")));
            }
        }
    }

    /**
     * A write routed to a PENDING region with one key that lies in another, ACTIVE region: whatever the code, the
     * store has the write, and a read of that key (cache or store) must see it.
     */
    @ParameterizedTest
    @EnumSource(Bb27.Kind.class)
    void misroutedWriteToPendingRegionIsNotMissedByTheCachedNeighbour(final Bb27.Kind kind)
    {
        try (HybridEngine engine = open(kind, dir); HybridReader reader = engine.newReader())
        {
            final Region left = new Region(1, new byte[0], b("m"), 1);
            final Region right = new Region(2, b("m"), new byte[0], 1);
            assertEquals(ResultCode.OK, engine.await(engine.createRegion(left)).code());
            assertEquals(ResultCode.OK, engine.await(engine.write(new WriteBatch(1, 1, 1).put(b("b"), b("old"))))
                .code());
            engine.cache().pauseLoads(true);
            assertEquals(ResultCode.OK, engine.await(engine.loadRegion(right)).code());
            assertEquals(RegionState.PENDING, engine.cache().stateOf(2));
            final CommandResult w = engine.await(engine.write(new WriteBatch(2, 1, 2).put(b("n"), b("x"))
                .put(b("b"), b("new"))));
            // the store has it (anything but INVALID at the call, CLOSED or STORE_ERROR)
            final byte[] got = reader.get(1, 1, 2, b("b"));
            assertArrayEquals(b("new"), got, "write to PENDING region 2 with key b of ACTIVE region 1 answered " + w
                + "; region 1 is " + engine.cache().stateOf(1) + ", the reader's source " + reader.lastStatus()
                + " read " + (got == null ? "null" : new String(got)));
            engine.cache().pauseLoads(false);
        }
    }
}
