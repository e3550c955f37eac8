package io.regioncache.blackbox13a;

import static io.regioncache.blackbox13a.K.b;
import static io.regioncache.blackbox13a.K.r;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.store.InMemoryBackingStore;

class CommandAnswersTest
{
    @SuppressWarnings("unchecked")
    private static Supplier<CompletableFuture<CommandResult>>[] malformed(final RegionCache cache)
    {
        return new Supplier[] {
            () -> cache.commitMerge(1, -1),
            () -> cache.commitMerge(-1, 1),
            () -> cache.prepareMerge(-2),
            () -> cache.rollbackMerge(Long.MIN_VALUE),
            () -> cache.evict(1, null),
            () -> cache.destroy(-1),
            () -> cache.applySnapshot(-1),
            () -> cache.setKeepCached(-1, true),
            () -> cache.compact(-1),
            () -> cache.write(new WriteBatch(1, 1, -1).put(b("b"), b("v"))),
            () -> cache.write(new WriteBatch(1, -1, 1).put(b("b"), b("v"))),
            () -> cache.write(new WriteBatch(1, 1L << 32, 1).put(b("b"), b("v"))),
            () -> cache.write(new WriteBatch(1, 1, 1).put(b("b"), new byte[K.MAX_VALUE + 1])),
            () -> cache.write(new WriteBatch(1, 1, 1).put(new byte[K.MAX_KEY + 1], b("v"))),
            () -> cache.write(new WriteBatch(1, 1, 1).delete(new byte[0])),
            () -> cache.write(null),
            () -> cache.createRegion(null),
            () -> cache.createRegion(new Region(1, b("a"), null, 1)),
            () -> cache.createRegion(new Region(1, b("a"), new byte[K.MAX_KEY + 1], 1)),
            () -> cache.createRegion(new Region(1, b("m"), b("a"), 1)),
            () -> cache.split(1, 1, null, new long[] {2}, 2),
            () -> cache.split(1, 1, new byte[][] {null}, new long[] {2}, 2),
            () -> cache.split(1, 1, new byte[][] {b("g")}, null, 2),
            () -> cache.split(1, 1, new byte[][] {new byte[0]}, new long[] {2}, 2),
            () -> cache.split(1, 1, new byte[][] {b("h"), b("g")}, new long[] {2, 3}, 2),
            () -> cache.split(1, 1, new byte[][] {b("g"), b("g")}, new long[] {2, 3}, 2),
            () -> cache.split(1, (1L << 32) - 1, new byte[][] {b("g")}, new long[] {2}, 1L << 32),
            () -> cache.deleteRange(b("a"), null),
            () -> cache.deleteRange(b("a"), b("b"), -1),
            () -> cache.ingest(b("b"), b("a")),
            () -> cache.evictRange(b("a"), b("b"), null),
            () -> cache.advanceSafePoint(Long.MIN_VALUE),
        };
    }

    @Test
    void malformedCommandsAreInvalidBeforeAndAfterCloseAndChangeNothing() throws Exception
    {
        final RegionCache cache = RegionCache.create(K.cfg().backingStore(new InMemoryBackingStore()).build());
        assertEquals(ResultCode.OK, r(cache.createRegion(new Region(1, b("a"), b("m"), 1))).code());
        final Supplier<CompletableFuture<CommandResult>>[] calls = malformed(cache);
        for (int i = 0; i < calls.length; i++)
        {
            final CommandResult res = r(calls[i].get());
            assertEquals(ResultCode.INVALID, res.code(), "call " + i + ": " + res);
            assertTrue(res.regionId() >= -1, "call " + i + ": " + res);
            assertTrue(!res.detail().isEmpty(), "call " + i + " has a reason");
        }
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
        assertEquals(new Region(1, b("a"), b("m"), 1), cache.region(1));
        assertEquals(1, cache.regions().size());
        assertEquals(calls.length, cache.metrics().get("results.INVALID"));
        cache.close();
        for (int i = 0; i < calls.length; i++)
        {
            assertEquals(ResultCode.INVALID, r(calls[i].get()).code(), "after close, call " + i);
        }
    }

    @Test
    void wellFormedCommandsOnUnknownIds() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            assertEquals(ResultCode.NOT_CACHED, r(cache.setKeepCached(5, true)).code());
            assertEquals(ResultCode.NOT_CACHED, r(cache.evict(5, EvictReason.MANUAL)).code());
            assertEquals(ResultCode.NOT_CACHED, r(cache.advanceSafePoint(5, 3)).code());
            assertEquals(ResultCode.NOT_CACHED, r(cache.write(new WriteBatch(5, 1, 1).put(b("b"), b("v")))).code());
            final CommandResult c = r(cache.compact(5));
            assertTrue(c.code() == ResultCode.NOT_CACHED || c.code() == ResultCode.SKIPPED, c.toString());
            assertEquals(5, c.regionId());
            final CommandResult w = r(cache.write(new WriteBatch(5, 1, 1).put(b("b"), b("v"))));
            assertEquals(5, w.regionId());
            assertEquals(-1, r(cache.advanceSafePoint(3)).regionId(), "the engine-wide safe point names no region");
            assertEquals(ResultCode.OK, r(cache.createRegion(new Region(Long.MAX_VALUE, new byte[0], new byte[0],
                0))).code());
            assertEquals(ResultCode.OK, r(cache.split(Long.MAX_VALUE, 0, new byte[][] {b("g")}, new long[] {0}, 1))
                .code(), "id 0 is a legal new id");
            assertEquals(new Region(0, new byte[0], b("g"), 1), cache.region(0));
            assertEquals(new Region(Long.MAX_VALUE, b("g"), new byte[0], 1), cache.region(Long.MAX_VALUE));
            assertEquals(ResultCode.OK, r(cache.setKeepCached(0, true)).code());
            assertEquals(ResultCode.OK, r(cache.evict(0, EvictReason.MANUAL)).code(), "host commands still evict");
        }
    }
}
