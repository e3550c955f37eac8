package io.regioncache.blackbox4;

import static io.regioncache.blackbox4.H.b;
import static io.regioncache.blackbox4.H.expect;
import static io.regioncache.blackbox4.H.ok;
import static io.regioncache.blackbox4.H.read;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import io.regioncache.BackingSnapshot;
import io.regioncache.BackingStore;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.StoreException;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

class StoreRefusalTest
{
    @Test
    void storeRefusingTheSnapshotThenAcceptingAfterASplitOfTheHostRegion() throws Exception
    {
        final InMemoryBackingStore inner = new InMemoryBackingStore();
        inner.applyBatch(new WriteBatch(1, 1, 10).put(b("b"), b("b10")).put(b("p"), b("p10")));
        final AtomicBoolean refuse = new AtomicBoolean(true);
        final BackingStore store = new BackingStore()
        {
            @Override
            public BackingSnapshot openSnapshot()
            {
                if (refuse.get())
                {
                    throw new StoreException("refused", null);
                }
                return inner.openSnapshot();
            }

            @Override
            public void close()
            {
                inner.close();
            }
        };
        try (RegionCache c = RegionCache.create(H.invoker().backingStore(store).build()))
        {
            final long failed = c.metrics().get("loads.failed");
            final long evLoad = c.metrics().get("evictions.LOAD_FAILED");
            final long pg = c.metrics().get("transitions.made.PENDING->GONE");
            H.await(c, c.loadRegion(new Region(1, b("a"), b("z"), 1)));
            H.cycles(c, 20);
            // "a store that refuses the load's snapshot fails it before it starts, and the record goes from PENDING
            // straight to GONE, with the same counts" (evictions.LOAD_FAILED, loads.failed)
            assertEquals(failed + 1, c.metrics().get("loads.failed"));
            assertEquals(evLoad + 1, c.metrics().get("evictions.LOAD_FAILED"));
            assertEquals(pg + 1, c.metrics().get("transitions.made.PENDING->GONE"));
            assertEquals("NOT_CACHED", read(c, 1, 1, 100, "b"));
            // the host split meanwhile; its pieces load once the store answers
            refuse.set(false);
            expect(c, ResultCode.NOT_CACHED, c.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2), "split uncached");
            ok(c, c.loadRegion(new Region(2, b("a"), b("m"), 2)), "load left");
            ok(c, c.loadRegion(new Region(1, b("m"), b("z"), 2)), "load right");
            H.cycles(c, 20);
            assertEquals("b10", read(c, 2, 2, 100, "b"));
            assertEquals("p10", read(c, 1, 2, 100, "p"));
            assertEquals(failed + 1, c.metrics().get("loads.failed"));
        }
    }
}
