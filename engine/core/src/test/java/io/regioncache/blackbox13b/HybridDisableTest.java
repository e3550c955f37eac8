package io.regioncache.blackbox13b;

import static io.regioncache.blackbox13b.HybridHowItWorksTest.b;
import static io.regioncache.blackbox13b.HybridHowItWorksTest.s;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.store.InMemoryBackingStore;

/** Audit 13b, table row #18101 through the hybrid engine: disable with a load in flight and a snapshot pinned. */
class HybridDisableTest
{
    @Test
    void disableWithALoadInFlightAndAPinnedSnapshotThenEnable()
    {
        final ArrayDeque<Runnable> held = new ArrayDeque<>();
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("p"), 1, b("p1"));
        try (HybridEngine e = HybridEngine.create(store, RegionCacheConfig.builder()
            .capacityBytes(64L << 20).segmentSize(1 << 16).threading(RegionCacheConfig.Threading.INVOKER)
            .loaderExecutor(held::add).gcExecutor(Runnable::run).pipelinedLoads(false)))
        {
            final Region a = new Region(1, b("a"), b("m"), 5);
            final Region z = new Region(2, b("m"), b("z"), 5);
            assertEquals(ResultCode.OK, e.await(e.createRegion(a)).code());
            assertEquals(ResultCode.OK, e.await(e.write(new WriteBatch(1, 5, 2).put(b("c"), b("c2")))).code());
            final CompletableFuture<CommandResult> load = e.loadRegion(z);
            for (int i = 0; i < 4; i++)
            {
                e.applyCycle();
            }
            assertEquals(RegionState.LOADING, e.cache().stateOf(2));
            final Snapshot pinned = e.cache().snapshot(1, 5, 2);
            final long disabledBefore = e.cache().metrics().get("evictions.DISABLED");
            e.await(e.cache().setEnabled(false));
            assertFalse(e.cache().isEnabled());
            assertEquals(disabledBefore + 2, e.cache().metrics().get("evictions.DISABLED"));
            final CommandResult w = e.await(e.write(new WriteBatch(1, 5, 3).put(b("c"), b("c3"))));
            assertNotEquals(ResultCode.OK, w.code(), w::toString);
            final CommandResult w2 = e.await(e.write(new WriteBatch(2, 5, 3).put(b("p"), b("p3"))));
            while (!held.isEmpty())
            {
                held.poll().run();
            }
            for (int i = 0; i < 16; i++)
            {
                e.applyCycle();
            }
            e.await(load);
            assertNotEquals(RegionState.ACTIVE, e.cache().stateOf(2), w2.toString());
            final CommandResult refused = e.await(e.loadRegion(a));
            assertNotEquals(ResultCode.OK, refused.code(), refused::toString);
            assertEquals("c2", s(pinned.get(b("c"))), "the pinned snapshot reads on");
            try (HybridReader rd = e.newReader())
            {
                assertEquals("c3", s(rd.get(1, 5, 3, b("c"))));
                assertEquals("p3", s(rd.get(2, 5, 3, b("p"))));
                assertNotEquals(SnapshotStatus.OK, rd.lastStatus());
            }
            pinned.close();
            e.await(e.cache().setEnabled(true));
            assertEquals(ResultCode.OK, e.await(e.loadRegion(a)).code());
            assertEquals(ResultCode.OK, e.await(e.loadRegion(z)).code());
            for (int i = 0; i < 100 && (e.cache().stateOf(1) != RegionState.ACTIVE || e.cache().stateOf(2) != RegionState.ACTIVE); i++)
            {
                while (!held.isEmpty())
                {
                    held.poll().run();
                }
                e.applyCycle();
            }
            assertEquals(RegionState.ACTIVE, e.cache().stateOf(1));
            assertEquals(RegionState.ACTIVE, e.cache().stateOf(2));
            try (HybridReader rd = e.newReader())
            {
                assertEquals("c3", s(rd.get(1, 5, 3, b("c"))));
                assertEquals(SnapshotStatus.OK, rd.lastStatus());
                assertEquals("p3", s(rd.get(2, 5, 3, b("p"))));
                assertEquals("p1", s(rd.get(2, 5, 2, b("p"))));
                assertEquals(SnapshotStatus.OK, rd.lastStatus());
            }
            assertTrue(CrossCheck.checkAll(e).stream().allMatch(CrossCheck.Report::ok));
        }
    }
}
