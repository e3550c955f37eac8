package io.regioncache.rocksdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.StoreException;

/**
 * A GC round is many writes: a process that dies part-way has swept some keys to the new safe point and not others.
 * The safe point is recorded before the sweep, so the reopened store knows a sweep at that point may have begun
 * (reads below it refused, a swept tombstone told from a lost one), never the previous point alone.
 */
class GcSafePointWriteAheadTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aRoundThatFailedPartWayIsKnownToTheReopenedStore(@TempDir final Path dir)
    {
        try (RocksDbBackingStore store = RocksDbBackingStore.open(dir))
        {
            for (int i = 0; i < 50; i++)
            {
                store.put(b("k" + i), 1, b("old"));
                store.put(b("k" + i), 2, b("new"));
            }
            assertEquals(-1, store.gcSafePoint());
            final int[] visits = {0};
            store.gcVisitHook(() ->
            {
                if (visits[0]++ == 10)
                {
                    throw new StoreException("killed part-way", null); // a kill, as the round sees it
                }
            });
            assertThrows(StoreException.class, () -> store.gcBelow(2));
        }
        try (RocksDbBackingStore reopened = RocksDbBackingStore.open(dir))
        {
            assertEquals(2, reopened.gcSafePoint(), "the reopened store forgot a round that had begun sweeping");
        }
    }
}
