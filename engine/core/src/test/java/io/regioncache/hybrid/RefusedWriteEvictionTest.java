package io.regioncache.hybrid;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A write the cache refuses on its apply thread (a key outside the cached range) that the store took is answered
 * only once the cached range it touched is evicted, also when the command queue is full at that moment: another
 * thread keeps a two-slot queue full, so the eviction is refused {@code QUEUE_FULL} and retried from the timer
 * thread. Each answer is followed at once by a read that must be the store's.
 */
class RefusedWriteEvictionTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theAnswerComesAfterTheEvictionEvenWithTheQueueFull() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        try (HybridEngine engine = HybridEngine.create(store, RegionCacheConfig.builder().segmentSize(64 * 1024)
            .commandQueueCapacity(2).threading(RegionCacheConfig.Threading.DEDICATED_THREAD)))
        {
            final AtomicBoolean stop = new AtomicBoolean();
            final Thread filler = new Thread(() ->
            {
                while (!stop.get())
                {
                    engine.cache().setKeepCached(99, true); // NOT_CACHED, or QUEUE_FULL: keeps the queue full
                }
            }, "queue-filler");
            filler.start();
            try
            {
                long version = 0;
                final HybridReader reader = engine.newReader();
                for (int round = 0; round < 50; round++)
                {
                    final Region region = new Region(1, b("a"), b("m"), 1);
                    version++;
                    final ResultCode first = engine.write(new WriteBatch(1, 1, version).put(b("c"), b("old")))
                        .get(30, TimeUnit.SECONDS).code();
                    assertTrue(first == ResultCode.NOT_CACHED, "region 1 was evicted: " + first);
                    engine.loadRegion(region).get(30, TimeUnit.SECONDS);
                    final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (engine.cache().stateOf(1) != io.regioncache.RegionState.ACTIVE)
                    {
                        assertTrue(System.nanoTime() < deadline, "region 1 never became ACTIVE");
                        Thread.onSpinWait();
                    }
                    version++;
                    // "c" is inside the region, "z" is not: the store takes the batch, the cache refuses it.
                    final CommandResult r = engine.write(new WriteBatch(1, 1, version).put(b("c"), b("new"))
                        .put(b("z"), b("z"))).get(30, TimeUnit.SECONDS);
                    assertEquals(ResultCode.INVALID, r.code(), r.toString());
                    assertNull(engine.cache().stateOf(1), "answered before the refused range was evicted");
                    assertArrayEquals(b("new"), reader.get(1, 1, version, b("c")));
                }
                assertTrue(engine.cache().metrics().get("queue.full") > 0, "the queue never pushed back");
            }
            finally
            {
                stop.set(true);
                filler.join();
            }
        }
    }
}
