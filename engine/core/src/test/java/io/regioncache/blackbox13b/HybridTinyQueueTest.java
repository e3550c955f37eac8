package io.regioncache.blackbox13b;

import static io.regioncache.blackbox13b.HybridHowItWorksTest.b;
import static io.regioncache.blackbox13b.HybridHowItWorksTest.s;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.store.InMemoryBackingStore;

/**
 * Audit 13b: a command queue of 2 slots, writes not awaited, some at an old epoch (STALE_EPOCH: the store has them,
 * the cache's range is evicted before the answer, README 1131-1136, the eviction retried off the apply thread when the
 * queue is full), reloads interleaved. Back-pressure: no command is dropped (HybridEngine Javadoc).
 */
class HybridTinyQueueTest
{
    @ParameterizedTest
    @EnumSource(RegionCacheConfig.Threading.class)
    void staleWritesAndReloadsThroughATwoSlotQueue(final RegionCacheConfig.Threading threading)
    {
        final long seed = System.nanoTime();
        System.out.println("HybridTinyQueueTest " + threading + " seed=" + seed);
        final Random rnd = new Random(seed);
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final Map<String, String> model = new HashMap<>();
        final Region r1 = new Region(1, b("a"), b("m"), 5);
        final Region r2 = new Region(2, b("m"), b("z"), 5);
        try (HybridEngine e = HybridEngine.create(store, RegionCacheConfig.builder()
            .capacityBytes(64L << 20).segmentSize(1 << 16).commandQueueCapacity(2).commandDrainLimit(1)
            .threading(threading).pipelinedLoads(false).closeTimeoutMillis(5_000)))
        {
            assertEquals(ResultCode.OK, e.await(e.createRegion(r1)).code());
            assertEquals(ResultCode.OK, e.await(e.createRegion(r2)).code());
            final List<CompletableFuture<CommandResult>> pending = new ArrayList<>();
            final List<String> what = new ArrayList<>();
            int stale = 0;
            for (long v = 1; v <= 2_000; v++)
            {
                final int op = rnd.nextInt(10);
                final boolean left = rnd.nextBoolean();
                final String k = String.valueOf((char)((left ? 'b' : 'n') + rnd.nextInt(10)));
                final String val = k + v;
                if (op == 0)
                {
                    pending.add(e.loadRegion(left ? r1 : r2));
                    what.add("load");
                    continue;
                }
                final long epoch = op == 1 ? 4 : 5;
                stale += op == 1 ? 1 : 0;
                pending.add(e.write(new WriteBatch(left ? 1 : 2, epoch, v).put(b(k), b(val))));
                what.add("write " + k + "@" + v + " epoch " + epoch);
                model.put(k, val);
            }
            for (int i = 0; i < pending.size(); i++)
            {
                final CommandResult r = e.await(pending.get(i).orTimeout(60, TimeUnit.SECONDS));
                assertNotEquals(ResultCode.QUEUE_FULL, r.code(), what.get(i));
                assertNotEquals(ResultCode.STORE_ERROR, r.code(), what.get(i));
            }
            assertTrue(stale > 0);
            try (HybridReader rd = e.newReader())
            {
                for (final Map.Entry<String, String> en : model.entrySet())
                {
                    final long id = en.getKey().charAt(0) < 'm' ? 1 : 2;
                    assertEquals(en.getValue(), s(rd.get(id, 5, 10_000, b(en.getKey()))), "seed " + seed + " key " + en.getKey());
                }
            }
            for (final CrossCheck.Report r : CrossCheck.checkAll(e))
            {
                assertTrue(r.ok(), "seed " + seed + ": " + r);
            }
            assertTrue(e.metrics().reconciliations() > 0);
        }
    }
}
