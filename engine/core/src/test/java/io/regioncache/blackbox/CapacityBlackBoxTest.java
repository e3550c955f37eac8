package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.b;
import static io.regioncache.blackbox.BB.expect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/** The hard cap and QUEUE_FULL back-pressure. */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CapacityBlackBoxTest
{
    /**
     * README: "capacityBytes(...) // hard cap: a write that would pass it evicts its region"; "MEMORY_LIMIT: the write
     * would have passed the hard cap; the region was evicted"; "Memory stays within the budget | hard cap by CAS".
     */
    @ParameterizedTest
    @ValueSource(ints = {100, 4_000, 40_000, 65_536})
    void writesNeverPassTheCapAndTheOneThatWouldIsMemoryLimit(final int valueSize) throws Exception
    {
        final long cap = 4L << 16; // four segments exactly
        try (RegionCache cache = RegionCache.create(BB.wide().capacityBytes(cap).build()))
        {
            expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            expect(cache, ResultCode.OK, cache.createRegion(new Region(2, b("m"), b("z"), 1)));
            final Random rnd = new Random(valueSize);
            CommandResult last = null;
            long v = 1;
            for (; v < 100_000; v++)
            {
                final byte[] value = new byte[valueSize];
                rnd.nextBytes(value);
                last = BB.await(cache, cache.write(new WriteBatch(1, 1, v).put(b("c" + (v % 50)), value)));
                assertTrue(cache.memoryInUse() <= cap, "in use " + cache.memoryInUse() + " > cap " + cap);
                if (last.code() != ResultCode.OK)
                {
                    break;
                }
            }
            assertEquals(ResultCode.MEMORY_LIMIT, last.code(), () -> "after many writes: " + cache.memoryInUse());
            assertNull(cache.stateOf(1), "the region was evicted");
            assertEquals(RegionStateOrNull.ACTIVE, RegionStateOrNull.of(cache, 2), "the other region stays");
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.NOT_CACHED, s.open(1, 1, Long.MAX_VALUE));
            assertEquals(ResultCode.NOT_CACHED, BB.await(cache,
                cache.write(new WriteBatch(1, 1, v + 1).put(b("c"), b("x")))).code());
            // room again: region 2 takes writes
            expect(cache, ResultCode.OK, cache.write(new WriteBatch(2, 1, 1).put(b("p"), b("after"))));
            assertEquals(SnapshotStatus.OK, s.open(2, 1, 10));
            assertArrayEquals(b("after"), s.get(b("p")));
            s.dispose();
        }
    }

    enum RegionStateOrNull
    {
        ACTIVE, OTHER, NULL;

        static RegionStateOrNull of(final RegionCache c, final long id)
        {
            final io.regioncache.RegionState s = c.stateOf(id);
            return s == null ? NULL : s == io.regioncache.RegionState.ACTIVE ? ACTIVE : OTHER;
        }
    }

    /** A single batch bigger than the whole cap: MEMORY_LIMIT, cap held, nothing of it readable. */
    @Test
    void aBatchBiggerThanTheCapIsMemoryLimit() throws Exception
    {
        final long cap = 2L << 16;
        try (RegionCache cache = RegionCache.create(BB.wide().capacityBytes(cap).build()))
        {
            expect(cache, ResultCode.OK, cache.createRegion(new Region(1, b("a"), b("m"), 1)));
            final WriteBatch batch = new WriteBatch(1, 1, 1);
            for (int i = 0; i < 10; i++)
            {
                batch.put(b("c" + i), new byte[60_000]);
            }
            expect(cache, ResultCode.MEMORY_LIMIT, cache.write(batch));
            assertTrue(cache.memoryInUse() <= cap);
            assertNull(cache.stateOf(1));
            for (int i = 0; i < 100; i++)
            {
                cache.applyCycle();
            }
            assertEquals(0, cache.memoryInUse());
        }
    }

    /**
     * README: "QUEUE_FULL (counted back-pressure)"; a refused batch "was never handed over and is not sealed"; the
     * refusal names its region.
     */
    @Test
    void queueFullAtTheCapacityIsCountedNamesTheRegionAndLeavesTheBatchOpen() throws Exception
    {
        try (RegionCache cache = RegionCache.create(BB.wide().commandQueueCapacity(4).build()))
        {
            expect(cache, ResultCode.OK, cache.createRegion(new Region(7, b("a"), b("m"), 1)));
            final List<CompletableFuture<CommandResult>> queued = new ArrayList<>();
            for (int v = 1; v <= 4; v++)
            {
                queued.add(cache.write(new WriteBatch(7, 1, v).put(b("c"), b("v" + v))));
            }
            for (final CompletableFuture<CommandResult> f : queued)
            {
                assertFalse(f.isDone(), "queued, not answered");
            }
            assertEquals(4, cache.queueDepth());
            final WriteBatch refused = new WriteBatch(7, 1, 5).put(b("c"), b("v5"));
            final CompletableFuture<CommandResult> full = cache.write(refused);
            assertTrue(full.isDone());
            assertEquals(ResultCode.QUEUE_FULL, full.join().code());
            assertEquals(7, full.join().regionId());
            assertEquals(1L, cache.metrics().get("queue.full"));
            assertEquals(1L, cache.metrics().get("results.QUEUE_FULL"));
            refused.put(b("d"), b("more")); // not sealed
            final CompletableFuture<CommandResult> otherKind = cache.evict(7, EvictReason.MANUAL);
            assertEquals(ResultCode.QUEUE_FULL, otherKind.join().code());
            for (final CompletableFuture<CommandResult> f : queued)
            {
                assertEquals(ResultCode.OK, BB.await(cache, f).code());
            }
            expect(cache, ResultCode.OK, cache.write(refused));
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(7, 1, 10));
            assertArrayEquals(b("v5"), s.get(b("c")));
            assertArrayEquals(b("more"), s.get(b("d")));
            s.dispose();
        }
    }
}
