package io.regioncache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.regioncache.store.InMemoryBackingStore;

/**
 * {@link RegionCacheConfig.Builder#onLoadInstalled}: the host is told once per region a load made ACTIVE, after it
 * is ACTIVE, and not for a region whose load never installed (a Ratis replica's waiters rely on it).
 */
class LoadInstalledListenerTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static CommandResult run(final RegionCache cache, final CompletableFuture<CommandResult> f)
    {
        while (!f.isDone())
        {
            cache.applyCycle();
        }
        return f.join();
    }

    @Test
    void eachInstalledLoadIsReportedOnceWithTheRegionActive()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < 100; i++)
        {
            store.put(b(String.format("k%03d", i)), 1, b("v" + i));
        }
        final List<String> told = new ArrayList<>();
        final RegionCache[] cacheRef = new RegionCache[1];
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER)
            .backingStore(store)
            .loaderExecutor(Runnable::run)
            .onLoadInstalled(id -> told.add(id + "=" + cacheRef[0].stateOf(id)))
            .build()))
        {
            cacheRef[0] = cache;
            final Region left = new Region(1, new byte[0], b("k050"), 1);
            final Region right = new Region(2, b("k050"), new byte[0], 1);
            assertEquals(ResultCode.OK, run(cache, cache.loadRegion(left)).code());
            assertEquals(ResultCode.OK, run(cache, cache.loadRegion(right)).code());
            for (int i = 0; i < 1_000 && told.size() < 2; i++)
            {
                cache.applyCycle();
            }
            assertEquals(List.of("1=ACTIVE", "2=ACTIVE"), told.stream().sorted().toList());

            // Evicted while its next load waits (loads paused): nothing installed, nothing told.
            assertEquals(ResultCode.OK, run(cache, cache.evict(1, EvictReason.MANUAL)).code());
            cache.pauseLoads(true);
            assertEquals(ResultCode.OK, run(cache, cache.loadRegion(left)).code());
            assertEquals(RegionState.PENDING, cache.stateOf(1));
            assertEquals(ResultCode.OK, run(cache, cache.evict(1, EvictReason.MANUAL)).code());
            cache.pauseLoads(false);
            for (int i = 0; i < 100; i++)
            {
                cache.applyCycle();
            }
            assertEquals(2, told.size(), told.toString());
            // Loaded again: told again.
            assertEquals(ResultCode.OK, run(cache, cache.loadRegion(left)).code());
            for (int i = 0; i < 1_000 && told.size() < 3; i++)
            {
                cache.applyCycle();
            }
            assertEquals(List.of("1=ACTIVE", "2=ACTIVE", "1=ACTIVE"), told);
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        }
    }
}
