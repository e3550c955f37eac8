package io.regioncache;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import io.regioncache.store.InMemoryBackingStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A load with a long history (pipelined past the inline threshold), writes buffered while it loads and replayed
 * before install, then writes far above every loaded version: the table stays ordered and indexed.
 */
class LoadThenNewerWritesTest
{
    private static final int KEYS = 2_000;
    private static final int VERSIONS = 40; // 80,000 entries: past the 65,536-entry inline part

    private static byte[] key(final int i)
    {
        return ByteBuffer.allocate(8).putInt(0x6b657900).putInt(i).array();
    }

    private static byte[] value(final int i, final long v)
    {
        return ByteBuffer.allocate(16).putLong(i).putLong(v).array();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void newerWritesAfterALongHistoryLoad(final boolean pipelined)
    {
        split = false;
        final InMemoryBackingStore store = new InMemoryBackingStore();
        final long[] newest = new long[KEYS];
        for (int i = 0; i < KEYS; i++)
        {
            for (int v = 1; v <= VERSIONS; v++)
            {
                store.put(key(i), v, value(i, v));
                newest[i] = v;
            }
        }
        final List<Runnable> deferred = new ArrayList<>();
        final Random random = new Random(42);
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER)
            .backingStore(store)
            .loaderExecutor(deferred::add)
            .gcExecutor(deferred::add)
            .pipelinedLoads(pipelined)
            .build()))
        {
            final Region region = new Region(1, new byte[0], new byte[0], 1);
            final CompletableFuture<CommandResult> loaded = cache.loadRegion(region);
            for (int i = 0; i < 100 && deferred.isEmpty(); i++)
            {
                cache.applyCycle();
            }
            assertEquals(1, deferred.size(), "load job handed to the loader");
            long version = VERSIONS + 4096;
            // Written to the store first (as the host does), then to the cache: buffered while LOADING.
            for (int n = 0; n < 300; n++)
            {
                version = write(cache, store, newest, random, version);
            }
            assertEquals(ResultCode.OK, run(cache, cache.split(1, 1, new byte[][]{key(KEYS / 2)}, new long[]{2}, 2))
                .code());
            split = true;
            for (int n = 0; n < 300; n++)
            {
                version = write(cache, store, newest, random, version);
            }
            deferred.remove(0).run();
            run(cache, loaded);
            for (int i = 0; i < 100 && cache.stateOf(1) != RegionState.ACTIVE; i++)
            {
                cache.applyCycle();
            }
            assertEquals(RegionState.ACTIVE, cache.stateOf(1));
            for (int n = 0; n < 500; n++)
            {
                version = write(cache, store, newest, random, version);
            }
            run(cache, cache.advanceSafePoint(version - 100));
            final CompletableFuture<CommandResult> compacted = cache.compact(1);
            final CompletableFuture<CommandResult> compacted2 = cache.compact(2);
            for (int i = 0; i < 100 && deferred.isEmpty(); i++)
            {
                cache.applyCycle();
            }
            for (int n = 0; n < 300; n++)
            {
                version = write(cache, store, newest, random, version);
            }
            if (!deferred.isEmpty())
            {
                deferred.remove(0).run();
            }
            while (!deferred.isEmpty())
            {
                deferred.remove(0).run();
            }
            run(cache, compacted);
            run(cache, compacted2);
            for (int i = 0; i < 20; i++)
            {
                cache.applyCycle();
            }
            for (int n = 0; n < 3_000; n++)
            {
                version = write(cache, store, newest, random, version);
            }
            assertEquals(RegionState.ACTIVE, cache.stateOf(2));
            for (final long id : new long[]{2, 1})
            {
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(id, 2, version));
            for (int i = id == 2 ? 0 : KEYS / 2; i < (id == 2 ? KEYS / 2 : KEYS); i++)
            {
                assertArrayEquals(value(i, newest[i]), s.get(key(i)), "key " + i);
            }
            final SnapshotIterator it = s.iterator();
            int n = 0;
            byte[] previous = null;
            for (boolean ok = it.seekToFirst(); ok; ok = it.next())
            {
                final byte[] k = it.key();
                if (previous != null)
                {
                    assertTrue(Arrays.compareUnsigned(previous, k) < 0, "order at entry " + n);
                }
                previous = k;
                n++;
            }
            assertEquals(KEYS / 2, n);
            s.close();
            s.dispose();
            }
        }
    }

    private static boolean split;

    private static long write(
        final RegionCache cache, final InMemoryBackingStore store, final long[] newest, final Random random,
        final long version)
    {
        final long v = version + 1;
        final int i = random.nextInt(KEYS);
        store.put(key(i), v, value(i, v));
        newest[i] = v;
        final CommandResult r = run(cache, cache.write(new WriteBatch(split && i < KEYS / 2 ? 2 : 1, split ? 2 : 1, v).put(key(i), value(i, v))));
        assertEquals(ResultCode.OK, r.code(), r.toString());
        return v;
    }

    private static CommandResult run(final RegionCache cache, final CompletableFuture<CommandResult> f)
    {
        while (!f.isDone())
        {
            cache.applyCycle();
        }
        return f.join();
    }
}
