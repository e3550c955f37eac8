package io.regioncache.hybrid.blackbox16;

import static io.regioncache.hybrid.blackbox16.Bb16.OPEN;
import static io.regioncache.hybrid.blackbox16.Bb16.b;
import static io.regioncache.hybrid.blackbox16.Bb16.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.SnapshotStatus;
import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;

/** README, "The hybrid engine": split, delete-range and a second engine over one store. */
class RegionEventsTest
{
    @TempDir
    Path dir;

    /**
     * README l.1211: "{@code engine.split(...); engine.commitMerge(...); engine.deleteRange(start, end, version);}"
     * (HybridEngine#deleteRange: tombstones at {@code version} for every key visible, "history below version stays
     * readable", "then every cached region overlapping the range is evicted"; "end ... empty = +infinity").
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void splitThenDeleteRange(final Bb16.Kind kind)
    {
        try (Bb16.Rig rig = new Bb16.Rig(kind.open(dir.resolve("s"))))
        {
            final HybridEngine e = rig.engine;
            rig.await(e.write(new WriteBatch(1, 1, 10).put(b("b"), b("b10")).put(b("n"), b("n10")).put(b("x"), b("x10"))));
            rig.load(new Region(1, OPEN, OPEN, 1));
            final CommandResult split = rig.await(e.split(1, 1, new byte[][] {b("m")}, new long[] {5}, 2));
            assertEquals(ResultCode.OK, split.code(), split::toString);
            try (HybridReader r = e.newReader())
            {
                assertEquals("b10", s(r.get(5, 2, 20, b("b"))));
                assertEquals(SnapshotStatus.OK, r.lastStatus());
                assertEquals("n10", s(r.get(1, 2, 20, b("n"))));
                assertEquals(SnapshotStatus.OK, r.lastStatus());
                for (final CrossCheck.Report rep : CrossCheck.checkAll(e))
                {
                    assertTrue(rep.ok(), rep::toString);
                }
                // delete [n, +inf) at 30: region 1 (the right piece) overlaps and is evicted, region 5 stays
                final CommandResult dr = rig.await(e.deleteRange(b("n"), OPEN, 30));
                assertEquals(ResultCode.OK, dr.code(), dr::toString);
                assertNull(e.cache().stateOf(1), "overlapping region still " + e.cache().stateOf(1));
                assertEquals(RegionState.ACTIVE, e.cache().stateOf(5));
                assertNull(r.get(1, 2, 35, b("n")));
                assertNull(r.get(1, 2, 35, b("x")));
                assertEquals("x10", s(r.get(1, 2, 25, b("x"))), "history below the delete's version");
                assertEquals("b10", s(r.get(5, 2, 35, b("b"))));
                assertEquals(SnapshotStatus.OK, r.lastStatus());
            }
        }
    }

    /**
     * README l.1225: "every write must go through the engine: one made ... by a second engine over the same store, is
     * not in this engine's cache, which for a region it holds goes on answering the older value, at any version, until
     * that region is evicted and loaded again".
     */
    @ParameterizedTest
    @EnumSource(Bb16.Kind.class)
    void aSecondEnginesWriteIsNotInTheFirstEnginesCache(final Bb16.Kind kind)
    {
        final WritableStore store = kind.open(dir.resolve("s"));
        try (Bb16.Rig one = new Bb16.Rig(store, false, Bb16.config());
            Bb16.Rig two = new Bb16.Rig(store, false, Bb16.config()))
        {
            final Region region = new Region(1, OPEN, OPEN, 1);
            one.await(one.engine.write(new WriteBatch(1, 1, 10).put(b("k"), b("v10"))));
            one.load(region);
            assertEquals(ResultCode.NOT_CACHED,
                two.await(two.engine.write(new WriteBatch(1, 1, 20).put(b("k"), b("v20")))).code());
            try (HybridReader r = one.engine.newReader(); HybridReader r2 = two.engine.newReader())
            {
                assertEquals("v10", s(r.get(1, 1, 30, b("k"))));
                assertEquals("v10", s(r.get(1, 1, Long.MAX_VALUE, b("k"))));
                assertEquals("v20", s(r2.get(1, 1, 30, b("k"))));
                assertTrue(CrossCheck.check(one.engine, 1).ok());
                one.await(one.engine.evict(1, io.regioncache.EvictReason.MANUAL));
                one.runLoads();
                one.load(region);
                assertEquals("v20", s(r.get(1, 1, 30, b("k"))));
                assertEquals(SnapshotStatus.OK, r.lastStatus());
            }
        }
        finally
        {
            store.close();
        }
    }
}
