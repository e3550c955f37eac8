package io.regioncache.blackbox15;

import static io.regioncache.blackbox15.B.b;
import static io.regioncache.blackbox15.B.cycle;
import static io.regioncache.blackbox15.B.cycles;
import static io.regioncache.blackbox15.B.metric;
import static io.regioncache.blackbox15.B.r;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.store.InMemoryBackingStore;

/** Boundary values, the sealed batch, leaked handles and a closed hybrid engine (README, "The engine alone"). */
class EdgesTest
{
    private static final long MAX_EPOCH = (1L << 32) - 1;

    /**
     * README: "reserved ids: region ids are `0..Long.MAX_VALUE`; negative ids are reserved"; "epochs outside
     * `0..2^32-1`"; "a new region's is 0, so its first write is at version 1 or later"; "a new epoch not above the
     * old" (split); bad input "is `INVALID` whether or not the region is cached".
     */
    @Test
    void idsEpochsAndVersionsAtTheirBounds() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(0, b("a"), b("c"), 0))).code());
            assertEquals(ResultCode.OK,
                cycle(cache, cache.createRegion(new Region(Long.MAX_VALUE, b("c"), b("e"), MAX_EPOCH))).code());
            assertEquals(ResultCode.INVALID,
                cycle(cache, cache.createRegion(new Region(7, b("e"), b("g"), MAX_EPOCH + 1))).code());
            assertEquals(ResultCode.INVALID,
                cycle(cache, cache.createRegion(new Region(Long.MIN_VALUE, b("e"), b("g"), 1))).code());
            assertEquals(ResultCode.INVALID,
                cycle(cache, cache.write(new WriteBatch(0, 0, 0).put(b("b"), b("1")))).code(), "version 0");
            assertEquals(ResultCode.OK, cycle(cache, cache.write(new WriteBatch(0, 0, 1).put(b("b"), b("1")))).code());
            assertEquals(ResultCode.OK,
                cycle(cache, cache.write(new WriteBatch(Long.MAX_VALUE, MAX_EPOCH, Long.MAX_VALUE)
                    .put(b("d"), b("1")))).code());
            assertEquals(ResultCode.INVALID,
                cycle(cache, cache.write(new WriteBatch(Long.MAX_VALUE, MAX_EPOCH + 1, 5).put(b("d"), b("1"))))
                    .code(), "an epoch a state word cannot hold is bad input, not a drift");
            assertEquals(ResultCode.INVALID, cycle(cache, cache.split(Long.MAX_VALUE, MAX_EPOCH,
                new byte[][] {b("d")}, new long[] {9}, MAX_EPOCH + 1)).code());
            assertEquals(ResultCode.INVALID, cycle(cache, cache.split(0, 0, new byte[][] {b("b")}, new long[] {9}, 0))
                .code(), "a new epoch not above the old");
            // bad input to regions the cache does not know is INVALID, not NOT_CACHED
            assertEquals(ResultCode.INVALID,
                cycle(cache, cache.write(new WriteBatch(99, 1, 1).put(new byte[0], b("1")))).code());
            assertEquals(ResultCode.INVALID,
                cycle(cache, cache.write(new WriteBatch(99, 1, 1).put(new byte[B.MAX_KEY + 1], b("1")))).code());
            assertEquals(ResultCode.INVALID,
                cycle(cache, cache.write(new WriteBatch(99, 1, 1).put(b("k"), new byte[B.MAX_VALUE + 1]))).code());
            assertEquals(ResultCode.INVALID,
                cycle(cache, cache.split(99, 1, new byte[][] {b("g"), b("c")}, new long[] {100, 101}, 2)).code());
            assertEquals(ResultCode.INVALID,
                cycle(cache, cache.split(99, 1, new byte[][] {b("g"), null}, new long[] {100, 101}, 2)).code());
            assertEquals(ResultCode.INVALID,
                cycle(cache, cache.split(99, 1, new byte[][] {b("c"), b("g")}, new long[] {100, 100}, 2)).code());
            assertEquals(ResultCode.INVALID,
                cycle(cache, cache.split(99, 1, new byte[][] {b("c"), b("g")}, new long[] {100}, 2)).code());
            assertEquals(ResultCode.INVALID,
                cycle(cache, cache.split(99, 1, new byte[][] {b("c")}, new long[] {-2}, 2)).code());
            assertEquals(ResultCode.INVALID, cycle(cache, cache.split(99, 1, null, new long[0], 2)).code());
            assertEquals(ResultCode.INVALID, cycle(cache, cache.split(99, 1, new byte[][] {b("c")}, null, 2)).code());
            assertEquals(ResultCode.INVALID, cycle(cache, cache.evictRange(null, new byte[0], EvictReason.MANUAL))
                .code());
            assertEquals(ResultCode.INVALID, cycle(cache, cache.ingest(b("c"), b("c"))).code());
            assertEquals(ResultCode.INVALID, cycle(cache, cache.advanceSafePoint(0, -1)).code());
            assertEquals(ResultCode.INVALID, cycle(cache, cache.advanceSafePoint(-1, 5)).code());
            // the safe point can go as high as a long
            assertEquals(ResultCode.OK, cycle(cache, cache.advanceSafePoint(0, Long.MAX_VALUE)).code());
            assertEquals(SnapshotStatus.TOO_OLD_READ, cache.newSnapshot().open(0, 0, Long.MAX_VALUE));
        }
    }

    /**
     * README: "A `WriteBatch` handed to `write` is **sealed**: `put` or `delete` on it afterwards throws
     * `IllegalStateException` ... Reading it stays allowed ...: `forEach` and `forEachLastFirst`" and "A batch
     * refused at the call (`INVALID` ...) ... is not sealed".
     */
    @Test
    void sealedBatch() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.cfg().build()))
        {
            r(cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            final WriteBatch refused = new WriteBatch(1, 1, 1).put(new byte[0], b("x"));
            assertEquals(ResultCode.INVALID, r(cache.write(refused)).code());
            refused.put(b("b"), b("ok")); // not sealed
            final WriteBatch batch = new WriteBatch(1, 1, 1).put(b("c"), b("1")).delete(b("d")).put(b("c"), b("2"));
            final CompletableFuture<CommandResult> f = cache.write(batch);
            assertThrows(IllegalStateException.class, () -> batch.put(b("e"), b("3")));
            assertThrows(IllegalStateException.class, () -> batch.delete(b("e")));
            assertThrows(IllegalStateException.class,
                () -> batch.put(new UnsafeBuffer(b("e")), 0, 1, new UnsafeBuffer(b("3")), 0, 1));
            final List<String> order = new ArrayList<>();
            batch.forEach((op, key, kl, value, vl) ->
            {
                order.add(op + ":" + key.getStringWithoutLengthAscii(0, kl));
                return 0;
            });
            batch.forEachLastFirst((op, key, kl, value, vl) ->
            {
                order.add(op + ":" + key.getStringWithoutLengthAscii(0, kl));
                return 0;
            });
            assertEquals(List.of("1:c", "2:d", "1:c", "1:c", "2:d", "1:c"), order);
            assertEquals(ResultCode.OK, r(f).code());
            assertEquals(3, batch.count());
            try (Snapshot s = cache.snapshot(1, 1, 1))
            {
                assertEquals("2", new String(s.get(b("c"))), "the later op on a key wins");
            }
        }
    }

    /**
     * README: "A snapshot handle dropped while open is found by a `Cleaner`: its pin is released, and the leak is
     * counted and logged."
     */
    @Test
    void droppedOpenSnapshotIsFoundAndItsPinReleased() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            cycle(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            cycle(cache, cache.write(new WriteBatch(1, 1, 1).put(b("c"), b("1"))));
            openAndDrop(cache);
            cycle(cache, cache.evict(1, EvictReason.MANUAL));
            cycles(cache, 2);
            assertEquals(1, metric(cache, "regions.draining"), "the dropped handle still pins the evicted region");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (metric(cache, "snapshots.leaked") == 0 && System.nanoTime() < deadline)
            {
                System.gc();
                Thread.onSpinWait();
            }
            assertEquals(1, metric(cache, "snapshots.leaked"));
            // The Cleaner's thread counts the leak and then releases the pin: apply cycles until the region drains
            // (bounded), not a fixed few, which raced that release once in a full run.
            final long drained = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (metric(cache, "regions.draining") != 0 && System.nanoTime() < drained)
            {
                cycles(cache, 1);
                Thread.onSpinWait();
            }
            assertEquals(0, metric(cache, "regions.draining"), "the pin was released: the region drained");
        }
    }

    private static void openAndDrop(final RegionCache cache)
    {
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
    }

    /**
     * README: "After `close()` every command completes `CLOSED` at the call (a `HybridEngine` answers before its store
     * sees the write or delete-range, and `gc` throws `IllegalStateException` without sweeping)" and "(a
     * `HybridEngine`'s second `close()` still returns at once)".
     */
    @Test
    void closedHybridEngine() throws Exception
    {
        try (InMemoryBackingStore store = new InMemoryBackingStore())
        {
            final HybridEngine engine = HybridEngine.create(store, B.cfg());
            r(engine.createRegion(new Region(1, b("a"), b("m"), 1)));
            assertEquals(ResultCode.OK, r(engine.write(new WriteBatch(1, 1, 1).put(b("c"), b("1")))).code());
            store.put(b("c"), 2, b("2"));
            engine.close();
            final int entries = store.entryCount();
            final CompletableFuture<CommandResult> w = engine.write(new WriteBatch(1, 1, 3).put(b("d"), b("3")));
            assertTrue(w.isDone());
            assertEquals(ResultCode.CLOSED, w.getNow(null).code());
            final CompletableFuture<CommandResult> d = engine.deleteRange(new byte[0], new byte[0], 4);
            assertTrue(d.isDone());
            assertEquals(ResultCode.CLOSED, d.getNow(null).code());
            assertEquals(entries, store.entryCount(), "the store saw neither");
            for (final CompletableFuture<CommandResult> f : List.of(
                engine.createRegion(new Region(2, b("m"), b("z"), 1)), engine.loadRegion(new Region(2, b("m"),
                    b("z"), 1)), engine.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2), engine.destroy(1),
                engine.advanceSafePoint(3), engine.evict(1, EvictReason.MANUAL)))
            {
                assertTrue(f.isDone());
                assertEquals(ResultCode.CLOSED, f.getNow(null).code());
            }
            assertThrows(IllegalStateException.class, () -> engine.gc(5));
            assertEquals(entries, store.entryCount(), "gc did not sweep");
            assertEquals(-1, store.gcSafePoint());
            assertTrue(engine.isClosed());
            engine.close();
            assertFalse(store.entryCount() == 0);
        }
    }
}
