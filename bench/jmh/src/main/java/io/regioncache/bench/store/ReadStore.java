package io.regioncache.bench.store;

import io.regioncache.bench.support.KeySpace;

/**
 * One store under test, loaded with a {@link KeySpace}. Shared by every benchmark thread; each thread reads
 * through its own {@link Reader} (reused buffers, snapshot, transaction, cursor).
 */
public abstract class ReadStore implements AutoCloseable
{
    /** Store names accepted by {@link #open}. */
    public static final String REGIONCACHE = "regioncache";
    /** RegionCache, zero-copy {@code getView} instead of copying the value. */
    public static final String REGIONCACHE_VIEW = "regioncache-view";
    /** RegionCache, a snapshot opened and closed around every operation (the per-request pattern). */
    public static final String REGIONCACHE_OPEN_PER_OP = "regioncache-open-per-op";
    /**
     * RegionCache with {@code inlineNewestVersions(false)}: an index of 8-byte slots only, gets go slot then node
     * (the memory-lean configuration, measured beside the default one-miss index).
     */
    public static final String REGIONCACHE_SLOTS = "regioncache-slots";
    /**
     * RegionCache as {@link #REGIONCACHE} with {@code hugePages(true)}: the hash index on transparent huge pages
     * (needs JDK 22+ and a jar built on it; refuses to run otherwise rather than measure 4 KiB pages under this name).
     */
    public static final String REGIONCACHE_HUGE = "regioncache-huge";
    /** RegionCache, {@code Snapshot.multiGet} of a whole batch (gets only). */
    public static final String REGIONCACHE_MULTIGET = "regioncache-multiget";
    /**
     * {@link #REGIONCACHE_MULTIGET} with {@code hugePages(true)}, as {@link #REGIONCACHE_HUGE} (JDK 22+ and a jar built
     * on it; refuses to run otherwise).
     */
    public static final String REGIONCACHE_MULTIGET_HUGE = "regioncache-multiget-huge";
    /** Chronicle Map (gets only), {@code getUsing} into a reused {@code byte[]}. */
    public static final String CHRONICLE_MAP = "chronicle-map";
    /**
     * Chronicle Map at its zero-allocation best: the key written into a reused off-heap {@code BytesStore}, a query
     * context on it (reused per thread by Chronicle), the value read in place through its {@code Data} view; no
     * {@code byte[]} is wrapped or filled.
     */
    public static final String CHRONICLE_MAP_OFFHEAP = "chronicle-map-offheap";
    /** LMDB through lmdbjava. */
    public static final String LMDB = "lmdb";
    /** RocksDB through rocksdbjni, general-purpose options (Bloom filters, index and filter blocks in the cache). */
    public static final String ROCKSDB = "rocksdb";
    /**
     * RocksDB tuned for point lookups of keys that exist: no filters on the last level, index and filter blocks held
     * by the table readers, a hash index in each data block (see {@code RocksDbStore}).
     */
    public static final String ROCKSDB_TUNED = "rocksdb-tuned";
    /** The hybrid engine (RocksDB with the cache in front), the region cached: every read the cache's. */
    public static final String REGIONCACHE_HYBRID = "regioncache-hybrid";
    /** The hybrid engine with the region not cached: every read RocksDB's, through the MVCC encoding. */
    public static final String REGIONCACHE_HYBRID_STORE = "regioncache-hybrid-store";
    /** The hybrid engine on LMDB with the region not cached: every read LMDB's, through the MVCC encoding. */
    public static final String REGIONCACHE_HYBRID_LMDB_STORE = "regioncache-hybrid-lmdb-store";
    /** ConcurrentSkipListMap of byte[] with unsigned comparison. */
    public static final String SKIPLIST = "skiplist";

    /**
     * Build and load a store.
     *
     * @param name one of the names above.
     * @param keys the data.
     * @return the loaded store.
     * @throws Exception if the store cannot be built.
     */
    public static ReadStore open(final String name, final KeySpace keys) throws Exception
    {
        switch (name)
        {
            case REGIONCACHE:
                return new RegionCacheStore(keys, RegionCacheStore.Variant.COPY, true, false);
            case REGIONCACHE_HUGE:
                return new RegionCacheStore(keys, RegionCacheStore.Variant.COPY, true, true);
            case REGIONCACHE_SLOTS:
                return new RegionCacheStore(keys, RegionCacheStore.Variant.COPY, false, false);
            case REGIONCACHE_VIEW:
                return new RegionCacheStore(keys, RegionCacheStore.Variant.VIEW, true, false);
            case REGIONCACHE_OPEN_PER_OP:
                return new RegionCacheStore(keys, RegionCacheStore.Variant.OPEN_PER_OP, true, false);
            case REGIONCACHE_MULTIGET:
                return new RegionCacheStore(keys, RegionCacheStore.Variant.MULTI_GET, true, false);
            case REGIONCACHE_MULTIGET_HUGE:
                return new RegionCacheStore(keys, RegionCacheStore.Variant.MULTI_GET, true, true);
            case CHRONICLE_MAP:
                return new ChronicleMapStore(keys, false);
            case CHRONICLE_MAP_OFFHEAP:
                return new ChronicleMapStore(keys, true);
            case LMDB:
                return new LmdbStore(keys);
            case ROCKSDB:
                return new RocksDbStore(keys, false);
            case ROCKSDB_TUNED:
                return new RocksDbStore(keys, true);
            case REGIONCACHE_HYBRID:
                return new HybridReadStore(keys, true, HybridReadStore.Backend.ROCKSDB);
            case REGIONCACHE_HYBRID_STORE:
                return new HybridReadStore(keys, false, HybridReadStore.Backend.ROCKSDB);
            case REGIONCACHE_HYBRID_LMDB_STORE:
                return new HybridReadStore(keys, false, HybridReadStore.Backend.LMDB);
            case SKIPLIST:
                return new SkipListStore(keys);
            default:
                throw new IllegalArgumentException("unknown store " + name);
        }
    }

    /** @return true if readers support {@link Reader#scan} (every ordered store; a hash map overrides it). */
    public boolean supportsScan()
    {
        return true;
    }

    /**
     * @return a reader for the calling thread (call from the thread that will use it).
     * @throws Exception if it cannot be opened.
     */
    public abstract Reader newReader() throws Exception;

    @Override
    public abstract void close();

    /**
     * One thread's reusable read handle. Nothing it does per operation may allocate (where the store allows).
     */
    public abstract static class Reader implements AutoCloseable
    {
        /**
         * Whether {@link #scan} seeks to the absent key just before its first key ({@link KeySpace#writeSeekKey})
         * instead of the key itself; set once, before the reader is used.
         */
        protected boolean absentSeeks;

        /**
         * @param absent whether scans seek to an absent key (see {@link #absentSeeks}); the entries read are the same.
         */
        public final void seekAbsentKeys(final boolean absent)
        {
            this.absentSeeks = absent;
        }

        /**
         * Point get of key {@code i}: the value lands where the store's best API puts it, and its first 8 bytes
         * are read.
         *
         * @param i key index.
         * @return {@code value length + first long of the value} (see {@link KeySpace#expectedGet}).
         */
        public abstract long get(int i);

        /**
         * Get {@code count} keys: the store's batched read where it has one, else one {@link #get} per key.
         *
         * @param indices key indices.
         * @param from    first index used.
         * @param count   keys read.
         * @return the sum of the {@link #get} checksums of the keys.
         */
        public long multiGet(final int[] indices, final int from, final int count)
        {
            long sum = 0;
            for (int i = from, end = from + count; i < end; i++)
            {
                sum += get(indices[i]);
            }
            return sum;
        }

        /**
         * Write the keys of a batch into {@code scratch}, key {@code k} at {@code 16 * k}, with their offsets and
         * lengths (the layout every batched reader here passes to its store).
         */
        protected static void writeBatchKeys(
            final KeySpace keys, final int[] indices, final int from, final int count,
            final org.agrona.MutableDirectBuffer scratch, final int[] keyOffsets, final int[] keyLengths)
        {
            for (int k = 0; k < count; k++)
            {
                keys.writeKey(indices[from + k], scratch, k << 4);
                keyOffsets[k] = k << 4;
                keyLengths[k] = KeySpace.KEY_LENGTH;
            }
        }

        /**
         * @return the {@link #get} checksums of a batch's answers summed: -1 for a key not found, else its length
         * plus the first long of its value at its offset in {@code values}.
         */
        protected static long batchChecksum(
            final org.agrona.DirectBuffer values, final int[] valueOffsets, final int[] valueLengths, final int count)
        {
            long sum = 0;
            for (int k = 0; k < count; k++)
            {
                final int len = valueLengths[k];
                sum += len < 0 ? -1 : len + values.getLong(valueOffsets[k], java.nio.ByteOrder.BIG_ENDIAN);
            }
            return sum;
        }

        /**
         * Seek to key {@code i} (or, with {@link #absentSeeks}, to the absent key just before it: the same entries),
         * then step {@code nexts} times, consuming key and value of every entry reached.
         *
         * @param i     key index sought.
         * @param nexts next() calls after the seek.
         * @return checksum (see {@link KeySpace#fold}).
         */
        public abstract long scan(int i, int nexts);

        @Override
        public abstract void close();

        /**
         * Check a few gets (and scans if supported) against the generated data; throws if wrong.
         *
         * @param keys  the data.
         * @param scans whether to check scans too.
         */
        public void verify(final KeySpace keys, final boolean scans)
        {
            final int n = keys.size();
            for (final int i : new int[] {0, 1, n / 2, n - 1})
            {
                final long got = get(i);
                if (got != KeySpace.expectedGet(i))
                {
                    throw new IllegalStateException(getClass().getSimpleName() + ": get(" + i + ") = " + got +
                        ", expected " + KeySpace.expectedGet(i));
                }
            }
            final int[] batch = {0, 1, n / 2, n - 1, 1};
            final long batchWant = 5 * KeySpace.VALUE_LENGTH + 0 + 1 + n / 2 + n - 1 + 1;
            final long batchGot = multiGet(batch, 0, batch.length);
            if (batchGot != batchWant)
            {
                throw new IllegalStateException(getClass().getSimpleName() + ": multiGet = " + batchGot +
                    ", expected " + batchWant);
            }
            if (scans)
            {
                for (final int i : new int[] {0, n / 3, Math.max(0, n - 5)})
                {
                    final long got = scan(i, 3);
                    final long want = keys.expectedScan(i, 4);
                    if (got != want)
                    {
                        throw new IllegalStateException(getClass().getSimpleName() + ": scan(" + i + ") = " + got +
                            ", expected " + want);
                    }
                }
            }
        }
    }
}
