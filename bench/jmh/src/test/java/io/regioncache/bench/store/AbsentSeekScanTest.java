package io.regioncache.bench.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.regioncache.bench.support.KeySpace;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code ScanBenchmark -p seek=absent}: every ordered store, seeking to the absent key just before a scan's first key,
 * reads exactly the entries the seek to that key reads, so the two settings time the same work but the search.
 */
class AbsentSeekScanTest
{
    private static final int KEYS = 5_000;

    @ParameterizedTest
    @ValueSource(strings = {ReadStore.REGIONCACHE, ReadStore.REGIONCACHE_OPEN_PER_OP, ReadStore.LMDB,
        ReadStore.ROCKSDB, ReadStore.ROCKSDB_TUNED, ReadStore.SKIPLIST})
    void anAbsentSeekReadsWhatThePresentSeekReads(final String name) throws Exception
    {
        final KeySpace keys = KeySpace.of(KEYS);
        try (ReadStore store = ReadStore.open(name, keys); ReadStore.Reader present = store.newReader();
            ReadStore.Reader absent = store.newReader())
        {
            absent.seekAbsentKeys(true);
            for (int i = 0; i < KEYS - 101; i += 97)
            {
                final long want = keys.expectedScan(i, 101);
                assertEquals(want, present.scan(i, 100), name + ": present seek at " + i);
                assertEquals(want, absent.scan(i, 100), name + ": absent seek at " + i);
            }
            // the last keys: fewer than 101 entries after the seek, the same either way
            assertEquals(keys.expectedScan(KEYS - 3, 3), absent.scan(KEYS - 3, 100), name + ": the tail");
            absent.verify(keys, true);
        }
    }

    @Test
    void theAbsentKeySortsBetweenTheKeyBeforeAndTheKey()
    {
        final KeySpace keys = KeySpace.of(KEYS);
        final UnsafeBuffer b = new UnsafeBuffer(new byte[KeySpace.SEEK_KEY_LENGTH]);
        for (int i = 1; i < KEYS; i += 13)
        {
            assertEquals(KeySpace.SEEK_KEY_LENGTH, keys.writeSeekKey(i, true, b, 0));
            final byte[] seek = new byte[KeySpace.SEEK_KEY_LENGTH];
            b.getBytes(0, seek);
            assertTrue(java.util.Arrays.compareUnsigned(keys.key(i - 1), seek) < 0, "after key " + (i - 1));
            assertTrue(java.util.Arrays.compareUnsigned(seek, keys.key(i)) < 0, "before key " + i);
        }
        // key 0 has no key before it: the present key
        assertEquals(KeySpace.KEY_LENGTH, keys.writeSeekKey(0, true, b, 0));
        assertEquals(KeySpace.KEY_LENGTH, keys.writeSeekKey(7, false, b, 0));
    }
}
