package io.regioncache.bench.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.regioncache.bench.support.KeySpace;
import io.regioncache.internal.memory.SegmentPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code -huge} stores of the huge-page pass ({@code JAVA22=... bench/run-memlimit.sh}): where this JVM cannot
 * advise memory for huge pages (JDK 17, the README's test command) they refuse to open, so that a run never reports
 * 4 KiB pages under a huge-page name; where it can (a JDK 22+ build and run) they read what the default stores read.
 */
class HugeReadStoreTest
{
    private static final int KEYS = 20_000;

    @ParameterizedTest
    @ValueSource(strings = {ReadStore.REGIONCACHE_HUGE, ReadStore.REGIONCACHE_MULTIGET_HUGE})
    void refusesWithoutHugePagesElseReadsLikeTheDefaultStore(final String name) throws Exception
    {
        final KeySpace keys = KeySpace.of(KEYS);
        final String unavailable = SegmentPool.hugePagesStatus();
        if (null != unavailable)
        {
            final IllegalStateException e = assertThrows(IllegalStateException.class, () -> ReadStore.open(name, keys));
            assertTrue(e.getMessage().contains("huge pages"), e.getMessage());
            return;
        }
        try (ReadStore store = ReadStore.open(name, keys); ReadStore.Reader reader = store.newReader())
        {
            final int[] indices = new int[16];
            long expected = 0;
            for (int i = 0; i < indices.length; i++)
            {
                indices[i] = (int)((i * 7_919L) % KEYS);
                expected += KeySpace.expectedGet(indices[i]);
                assertEquals(KeySpace.expectedGet(indices[i]), reader.get(indices[i]), "get of key " + indices[i]);
            }
            assertEquals(expected, reader.multiGet(indices, 0, indices.length));
        }
    }
}
