package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.await;
import static io.regioncache.blackbox.BB.b;
import static io.regioncache.blackbox.BB.cycles;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

/**
 * README "Reliability": evictions are "counted when asked, timed when the record reaches GONE (... LOADING when the
 * load lets go, ... close)", and "after close, timed evictions = counted evictions". Found by the fourth audit: a
 * region whose load a held loader executor had not started when {@code close()} began was counted but never timed
 * ({@code evictions.SHUTDOWN} 3, {@code evict.count} 2), and {@code close()} waited its whole timeout for that load.
 * Now close cancels a load no loader thread has started, and the job, run later, does nothing.
 */
class CloseAccountingBlackBoxTest
{
    private static long counted(final Map<String, Number> m)
    {
        long counted = 0;
        for (final EvictReason r : EvictReason.values())
        {
            counted += m.get("evictions." + r).longValue();
        }
        return counted;
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS) // the old code waited the whole 60 s closeTimeoutMillis
    void aLoadNoLoaderStartedIsCanceledAtCloseAndItsEvictionTimed() throws Exception
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        store.put(b("m1"), 1, b("v"));
        final BB.HeldExecutor loader = new BB.HeldExecutor();
        final RegionCache c = RegionCache.create(BB.invoker().backingStore(store).loaderExecutor(loader)
            .closeTimeoutMillis(60_000).build());
        await(c, c.createRegion(new Region(1, b("a"), b("f"), 1)));
        await(c, c.write(new WriteBatch(1, 1, 5).put(b("b"), b("x"))));
        await(c, c.loadRegion(new Region(2, b("m"), b("p"), 1)));
        cycles(c, 3);
        c.pauseLoads(true);
        await(c, c.loadRegion(new Region(3, b("q"), b("s"), 1)));
        cycles(c, 3);
        assertEquals(RegionState.LOADING, c.stateOf(2));
        assertEquals(RegionState.PENDING, c.stateOf(3));
        c.close();
        final Map<String, Number> m = c.metrics().values();
        assertEquals(3, m.get("evictions.SHUTDOWN").longValue(), m::toString);
        assertEquals(counted(m), m.get("evict.count").longValue(), m::toString);
        assertEquals(1, m.get("loads.canceled").longValue(), m::toString);
        assertEquals(0, m.get("loads.failed").longValue(), m::toString);
        assertEquals(0, c.memoryInUse());
        assertEquals(1, loader.runAll(), "the held job");
        assertEquals(m, c.metrics().values(), "the canceled job, run after close, does nothing");
        store.close();
    }
}
