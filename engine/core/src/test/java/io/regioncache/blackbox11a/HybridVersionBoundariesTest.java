package io.regioncache.blackbox11a;

import static io.regioncache.blackbox11a.B11.b;
import static io.regioncache.blackbox11a.B11.invoker;
import static io.regioncache.blackbox11a.B11.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import io.regioncache.Region;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.store.InMemoryBackingStore;

/**
 * The hybrid engine over the in-memory store with versions, read versions and GC safe points at the extremes: both
 * read paths (cache and store) give the same answer at every read version, and {@code gc} refuses a negative safe
 * point before sweeping.
 */
class HybridVersionBoundariesTest
{
    private static final long[] READS = {Long.MIN_VALUE, -1, 0, 1, 2, Long.MAX_VALUE - 2, Long.MAX_VALUE - 1,
        Long.MAX_VALUE};

    private static String[] readAll(final HybridReader r)
    {
        final String[] out = new String[READS.length];
        for (int i = 0; i < READS.length; i++)
        {
            try
            {
                out[i] = s(r.get(1, 1, READS[i], b("k")));
            }
            catch (final RuntimeException e)
            {
                out[i] = e.getClass().getSimpleName();
            }
        }
        return out;
    }

    @Test
    void bothPathsAgreeAtTheExtremes() throws Exception
    {
        try (HybridEngine engine = HybridEngine.owning(new InMemoryBackingStore(), invoker()))
        {
            final Region region = new Region(1, new byte[0], new byte[0], 1);
            assertEquals(ResultCode.OK, engine.await(engine.createRegion(region)).code());
            assertEquals(ResultCode.INVALID, engine.await(engine.write(new WriteBatch(1, 1, -1).put(b("k"), b("n"))))
                .code());
            assertEquals(ResultCode.OK, engine.await(engine.write(new WriteBatch(1, 1, 1).put(b("k"), b("one"))))
                .code());
            assertEquals(ResultCode.OK, engine.await(engine.write(new WriteBatch(1, 1, Long.MAX_VALUE - 1)
                .put(b("k"), b("max-1")))).code());
            assertEquals(ResultCode.OK, engine.await(engine.write(new WriteBatch(1, 1, Long.MAX_VALUE)
                .put(b("k"), b("max")))).code());
            assertEquals(0, CrossCheck.check(engine, 1).divergences().size());
            final String[] cached;
            try (HybridReader r = engine.newReader())
            {
                cached = readAll(r);
            }
            assertEquals(ResultCode.OK, engine.await(engine.evict(1, io.regioncache.EvictReason.MANUAL)).code());
            final String[] stored;
            try (HybridReader r = engine.newReader())
            {
                stored = readAll(r);
            }
            System.out.println("cached " + String.join(",", cached) + "\nstored " + String.join(",", stored));
            assertEquals(String.join(",", stored), String.join(",", cached));
            // Long.MIN_VALUE is below the fresh store's GC point (-1): refused on both paths; -1 and 0 see nothing.
            assertEquals("StoreException", cached[0]);
            assertNull(cached[1]);
            assertNull(cached[2]);
            assertEquals("one", cached[3]);
            assertEquals("max", cached[7]);
            assertThrows(IllegalArgumentException.class, () -> engine.gc(-1));
            assertThrows(IllegalArgumentException.class, () -> engine.gc(Long.MIN_VALUE));
            assertEquals(2, engine.gc(Long.MAX_VALUE), "the two older versions dropped");
            assertEquals(ResultCode.OK, engine.await(engine.loadRegion(region)).code());
            try (HybridReader r = engine.newReader())
            {
                // Below the top safe point every read is refused (the store's StoreException); a read at it is
                // refused by the cache (reads at or below its safe point) and served, exactly, by the store, which
                // kept the newest version at or below it.
                final String[] after = readAll(r);
                System.out.println("after gc " + String.join(",", after));
                assertEquals("StoreException", after[6]);
                assertEquals("max", after[7]);
            }
        }
    }
}
