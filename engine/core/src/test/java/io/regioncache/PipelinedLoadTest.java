package io.regioncache;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

import io.regioncache.store.InMemoryBackingStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A load larger than the inline threshold hands the rest of its scan to the scan thread mid-key: every version of
 * every key must arrive exactly once, whether the load is pipelined or not.
 */
class PipelinedLoadTest
{
    private static final int KEYS = 30_000; // x 3 versions: the 65,536-entry hand-over falls inside a key
    private static final int VERSIONS = 3;

    private static byte[] key(final int i)
    {
        return ByteBuffer.allocate(12).putInt(0x6b657900).putLong(i).array();
    }

    private static byte[] value(final int i, final int v)
    {
        return ByteBuffer.allocate(16).putLong(i).putLong(v).array();
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void everyVersionOfEveryKeyArrives(final boolean pipelined)
    {
        final InMemoryBackingStore store = store(true);
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER)
            .backingStore(store)
            .loaderExecutor(Runnable::run)
            .pipelinedLoads(pipelined)
            .build()))
        {
            loadUntilActive(cache);
            assertEquals(1, cache.counters().loadsFinished());
            // The in-memory store estimates sizes, so a pipelined load sizes its hash index at the hand-over and
            // fills it while waiting on the scan; the reads below then go through that index.
            assertEquals(pipelined ? 1 : 0, cache.counters().indexesFilledDuringCopy());
            final Snapshot s = cache.newSnapshot();
            for (int v = 1; v <= VERSIONS; v++)
            {
                assertEquals(SnapshotStatus.OK, s.open(1, 1, 10L * v + 5));
                for (int i = 0; i < KEYS; i++)
                {
                    final byte[] got = s.get(key(i));
                    if (i % 7 == 0 && v == 2)
                    {
                        assertNull(got, "key " + i + " deleted at version 20");
                    }
                    else
                    {
                        assertArrayEquals(value(i, v), got, "key " + i + " at version " + (10 * v + 5));
                    }
                }
                final SnapshotIterator it = s.iterator();
                int n = 0;
                for (boolean ok = it.seekToFirst(); ok; ok = it.next())
                {
                    n++;
                }
                assertEquals(v == 2 ? KEYS - (KEYS + 6) / 7 : KEYS, n, "visible keys at version " + (10 * v + 5));
                s.close();
            }
            s.dispose();
        }
    }

    /** KEYS keys with VERSIONS versions each; with {@code deletes}, every 7th key is deleted at version 20. */
    private static InMemoryBackingStore store(final boolean deletes)
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < KEYS; i++)
        {
            for (int v = 1; v <= VERSIONS; v++)
            {
                if (deletes && i % 7 == 0 && v == 2)
                {
                    store.delete(key(i), 10L * v);
                }
                else
                {
                    store.put(key(i), 10L * v, value(i, v));
                }
            }
        }
        return store;
    }

    private static CommandResult run(final RegionCache cache, final CompletableFuture<CommandResult> f)
    {
        while (!f.isDone())
        {
            cache.applyCycle();
        }
        return f.join();
    }

    /**
     * Under memory pressure the index is not taken ahead of the data: the data still to copy and the whole index
     * would not fit below the copy ceiling, so the load copies first and builds its index afterwards, as a load
     * without a size estimate does, and finishes; every key reads back.
     */
    @Test
    void underMemoryPressureTheIndexIsBuiltAfterTheCopy()
    {
        final InMemoryBackingStore store = store(false);
        // ~5 MB of nodes; a full index for 30,000 keys is ~9 MB; the copy ceiling is 4 + (16 - 4) / 2 = 10 MB.
        try (RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER)
            .backingStore(store)
            .loaderExecutor(Runnable::run)
            .pipelinedLoads(true)
            .capacityBytes(16 << 20)
            .evictThresholdBytes(4 << 20)
            .stopLoadThresholdBytes(3 << 20)
            .build()))
        {
            loadUntilActive(cache);
            assertEquals(0, cache.counters().indexesFilledDuringCopy(), "no room to take the index ahead of the data");
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, Long.MAX_VALUE));
            for (int i = 0; i < KEYS; i++)
            {
                assertArrayEquals(value(i, VERSIONS), s.get(key(i)), "key " + i);
            }
            s.close();
            s.dispose();
        }
    }

    /** Load region 1 (the whole key space) and run apply cycles until it is ACTIVE. */
    private static void loadUntilActive(final RegionCache cache)
    {
        assertEquals(ResultCode.OK, run(cache, cache.loadRegion(new Region(1, new byte[0], new byte[0], 1))).code());
        for (int i = 0; i < 100 && cache.stateOf(1) != RegionState.ACTIVE; i++)
        {
            cache.applyCycle();
        }
        assertEquals(RegionState.ACTIVE, cache.stateOf(1));
    }

    @Test
    void theHandOverFallsInsideAKey()
    {
        assertEquals(1, (KEYS * VERSIONS > 65_536 ? 65_536 % VERSIONS : -1), "test premise");
    }
}
