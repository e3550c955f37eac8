package io.regioncache;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.regioncache.store.InMemoryBackingStore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A write batch that touches the same key twice must read the same whether the region was written live or loaded
 * from the backing store: the later operation of the batch wins (write-batch semantics of RocksDB, and what
 * {@link InMemoryBackingStore} keeps).
 */
class DuplicateKeyInBatchTest
{
    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static CommandResult run(final RegionCache cache, final CompletableFuture<CommandResult> f)
    {
        for (int i = 0; i < 8 && !f.isDone(); i++)
        {
            cache.applyCycle();
        }
        return f.join();
    }

    @Test
    void laterOperationOnTheSameKeyInOneBatchWinsOnTheLiveWritePath()
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final List<Runnable> loads = new ArrayList<>();
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER).segmentSize(64 * 1024)
            .backingStore(store).loaderExecutor(loads::add).build());
        final Region live = new Region(1, b("a"), b("m"), 1);
        final Region loaded = new Region(2, b("m"), b("z"), 1);
        assertEquals(ResultCode.OK, run(cache, cache.createRegion(live)).code());

        // The host applies "put k=first; put k=second" at version 5 to its store, then feeds the cache.
        store.put(b("k"), 5, b("first"));
        store.put(b("k"), 5, b("second"));
        store.put(b("q"), 5, b("first"));
        store.delete(b("q"), 5);
        assertEquals(ResultCode.OK, run(cache, cache.write(
            new WriteBatch(1, 1, 5).put(b("k"), b("first")).put(b("k"), b("second")))).code());

        // The same kind of batch on a region loaded from the store.
        assertEquals(ResultCode.OK, run(cache, cache.loadRegion(loaded)).code());
        loads.forEach(Runnable::run);
        cache.applyCycle();

        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(2, 1, 10));
        assertEquals(null, s.get(b("q")), "loaded region: the batch's later delete wins");
        s.close();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 10));
        final byte[] got = s.get(b("k"));
        s.close();
        assertArrayEquals(b("second"), got, "live write path kept " + (got == null ? null :
            new String(got, StandardCharsets.UTF_8)) + ": the batch's first put won, the store has 'second'");
        s.dispose();
        cache.close();
        assertEquals(0, cache.pool().bytesInUse());
    }
}
