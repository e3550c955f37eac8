package io.regioncache.bench.store;


import java.nio.ByteBuffer;

import org.agrona.concurrent.UnsafeBuffer;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import io.regioncache.bench.support.KeySpace;

/**
 * RocksDB for an in-memory read set: no compression, a 1 GiB LRU block cache, loaded without WAL, flushed, fully
 * compacted, then the block cache is warmed with one full scan. Readers reuse ReadOptions, one iterator and arrays
 * (the {@code get(ReadOptions, byte[], int, int, byte[], int, int)} and {@code key/value(byte[], int, int)} APIs copy
 * straight into a reused array; the direct-{@code ByteBuffer} variants cost more per call, see
 * {@code LoadBenchmark.rawScan}).
 * <p>
 * Two configurations ({@link #ROCKSDB} and {@link #ROCKSDB_TUNED}):
 * <ul>
 *   <li>{@code rocksdb}, general purpose, as a host that also writes would run it: Bloom filters (10 bits per key,
 *   whole keys), index and filter blocks in the block cache with level 0's pinned, binary search inside data
 *   blocks.</li>
 *   <li>{@code rocksdb-tuned}, tuned for point lookups of keys that exist, with RocksDB's own options for that
 *   (its tuning guide's "point lookup" advice): {@code optimizeFiltersForHits} (no filter on the last level, where
 *   every key of this compacted range is, so a get checks no filter), index and filter blocks held by the table
 *   readers instead of the block cache (a get takes no cache lookup for them), and a hash index inside each data
 *   block ({@code kDataBlockBinaryAndHash}, util ratio 0.75), so a get finds its key in the block without a binary
 *   search.</li>
 * </ul>
 */
final class RocksDbStore extends ReadStore
{
    static
    {
        RocksDB.loadLibrary();
    }

    private final KeySpace keys;
    private final SuiteRocksDb rocks;
    private final RocksDB db;

    /**
     * @param keys  the data.
     * @param tuned {@code rocksdb-tuned}'s options for point lookups instead of the general-purpose ones.
     * @throws Exception if the store cannot be built.
     */
    RocksDbStore(final KeySpace keys, final boolean tuned) throws Exception
    {
        this.keys = keys;
        this.rocks = SuiteRocksDb.open("rc-bench-rocksdb", tuned);
        this.db = rocks.db();
        final byte[] value = new byte[KeySpace.VALUE_LENGTH];
        try (WriteOptions wo = new WriteOptions().setDisableWAL(true))
        {
            for (int start = 0; start < keys.size(); start += 1000)
            {
                try (WriteBatch batch = new WriteBatch())
                {
                    final int end = Math.min(keys.size(), start + 1000);
                    for (int i = start; i < end; i++)
                    {
                        KeySpace.fillValue(i, value, 0);
                        batch.put(keys.key(i), value);
                    }
                    db.write(wo, batch);
                }
            }
        }
        rocks.compactAndWarm(keys.size());
    }

    @Override
    public Reader newReader()
    {
        return new Reader()
        {
            private final ReadOptions readOptions = new ReadOptions();
            private final RocksIterator iterator = db.newIterator(readOptions);
            // Arrays, not direct buffers: RocksJava's direct-buffer reads call JNI's GetDirectBufferAddress and
            // GetDirectBufferCapacity, which check the buffer's class on every call (see LoadBenchmark.rawScan).
            private final byte[] key = new byte[KeySpace.KEY_LENGTH];
            private final ByteBuffer keyView = ByteBuffer.wrap(key);
            private final byte[] value = new byte[128];
            private final ByteBuffer valueView = ByteBuffer.wrap(value);
            private final byte[] keyOut = new byte[KeySpace.KEY_LENGTH];
            private final ByteBuffer keyOutView = ByteBuffer.wrap(keyOut);
            /**
             * Where the seek key is written. {@code seek(byte[])} seeks to the whole array, so a present key (16 bytes,
             * one fewer than an absent one) is copied into {@code presentSeekKey} first.
             */
            private final byte[] seekKey = new byte[KeySpace.SEEK_KEY_LENGTH];
            private final UnsafeBuffer seekKeyView = new UnsafeBuffer(seekKey);
            private final byte[] presentSeekKey = new byte[KeySpace.KEY_LENGTH];

            private byte[] key(final int i)
            {
                keyView.putLong(0, keys.keyHi(i)).putLong(8, keys.keyLo(i));
                return key;
            }

            @Override
            public long get(final int i)
            {
                try
                {
                    final int len = db.get(readOptions, key(i), 0, KeySpace.KEY_LENGTH, value, 0, value.length);
                    return len < 0 ? -1 : len + valueView.getLong(0);
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
            }

            @Override
            public long scan(final int i, final int nexts)
            {
                long acc = 0;
                final RocksIterator it = iterator;
                final int seekLength = keys.writeSeekKey(i, absentSeeks, seekKeyView, 0);
                if (seekLength == KeySpace.KEY_LENGTH)
                {
                    System.arraycopy(seekKey, 0, presentSeekKey, 0, seekLength);
                    it.seek(presentSeekKey);
                }
                else
                {
                    it.seek(seekKey);
                }
                for (int step = 0; it.isValid(); step++)
                {
                    it.key(keyOut, 0, keyOut.length);
                    it.value(value, 0, value.length);
                    acc = KeySpace.fold(acc, keyOutView.getLong(8), valueView.getLong(0));
                    if (step == nexts)
                    {
                        break;
                    }
                    it.next();
                }
                return acc;
            }

            @Override
            public void close()
            {
                iterator.close();
                readOptions.close();
            }
        };
    }

    @Override
    public void close()
    {
        rocks.close();
    }
}
