package io.regioncache.hybrid;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/**
 * README, "The hybrid engine": every write must go through the engine. A write made on the store directly, or by a
 * second engine over the same store, is not in this engine's cache: it answers the older value for a region it holds
 * until that region is evicted and loaded again, and {@code CrossCheck}, which compares at the version the cache
 * applied last, does not see it either. This pins down what
 * the README says the code does, so that a change to it is a change to the README.
 */
final class WritesAroundTheEngineTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static CommandResult await(final CompletableFuture<CommandResult> f) throws Exception
    {
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aSecondEngineOverTheSameStoreIsNotSeenByTheFirstsCacheUntilAReload() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final Region region = new Region(1, b("a"), b("z"), 1);
        try (HybridEngine first = HybridEngine.create(store, RegionCacheConfig.builder().capacityBytes(16L << 20));
             HybridEngine second = HybridEngine.create(store, RegionCacheConfig.builder().capacityBytes(16L << 20)))
        {
            assertEquals(ResultCode.OK, await(first.createRegion(region)).code());
            assertEquals(ResultCode.OK, await(first.write(new WriteBatch(1, 1, 1).put(b("k"), b("old")))).code());
            // the second engine does not cache region 1: its write reaches the store only
            assertEquals(ResultCode.NOT_CACHED,
                await(second.write(new WriteBatch(1, 1, 2).put(b("k"), b("new")))).code());
            assertArrayEquals(b("old"), first.newReader().get(1, 1, 2, b("k")), "the first cache answers");
            assertArrayEquals(b("new"), second.newReader().get(1, 1, 2, b("k")), "the store answers");
            // CrossCheck compares at the version the cache applied last (1), where the two agree: it cannot see a
            // write the cache never applied.
            final CrossCheck.Report report = CrossCheck.check(first, 1);
            assertTrue(report.ok(), report::toString);
            assertEquals(1, report.readVersion());

            // Evicted and loaded again, the region is the store's.
            assertEquals(ResultCode.OK, await(first.evict(1, EvictReason.MANUAL)).code());
            assertEquals(ResultCode.OK, await(first.loadRegion(region)).code());
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (first.cache().stateOf(1) != RegionState.ACTIVE && System.nanoTime() < deadline)
            {
                Thread.onSpinWait();
            }
            assertEquals(RegionState.ACTIVE, first.cache().stateOf(1));
            assertArrayEquals(b("new"), first.newReader().get(1, 1, 2, b("k")));
            assertTrue(CrossCheck.check(first, 1).ok());
        }
        finally
        {
            store.close();
        }
    }
}
