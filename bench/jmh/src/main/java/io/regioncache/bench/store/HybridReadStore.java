package io.regioncache.bench.store;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.CommandResult;
import io.regioncache.Region;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.bench.RegionCaches;
import io.regioncache.bench.support.KeySpace;
import io.regioncache.bench.support.TempDirs;
import io.regioncache.hybrid.HybridEngine;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.lmdb.LmdbBackingStore;
import io.regioncache.rocksdb.RocksDbBackingStore;

/**
 * The hybrid engine as a host embeds it: RocksDB (or LMDB) with the cache in front, every read through a
 * {@link HybridReader}. Three names:
 * <ul>
 *   <li>{@code regioncache-hybrid}: the one region holding every key is loaded (ACTIVE), so every read is the
 *   cache's;</li>
 *   <li>{@code regioncache-hybrid-store}: the region is not cached, so every read is RocksDB's, through the MVCC
 *   encoding (a seek to the newest version at or below the read version) and the store's reused iterators;</li>
 *   <li>{@code regioncache-hybrid-lmdb-store}: the same on {@code LmdbBackingStore} (no sync per commit, as the
 *   {@code lmdb} peer), every read LMDB's through the MVCC encoding and the store's reused read transactions.</li>
 * </ul>
 * The RocksDB under the first two has the options of the {@code rocksdb} peer ({@link RocksDbStore}: no compression, a
 * 1 GiB LRU block cache, Bloom filters, index and filter blocks in the cache), is written through the engine at
 * version 1, flushed, fully compacted and read once in full to warm the block cache, as the peer is. So the store
 * path's figure beside the peer's {@code db.get} is what the MVCC layer costs over a plain RocksDB read of the same
 * data. LMDB's pages are the page cache's (the data is read at once after the writes), as the {@code lmdb} peer's;
 * that peer reads through one read transaction held for the reader's life and zero-copy views, LMDB's best case.
 */
final class HybridReadStore extends ReadStore
{
    private static final long REGION_ID = 1;
    private static final long EPOCH = 1;
    /** The data's version; reads are at {@link #READ_VERSION}, above it. */
    private static final long WRITE_VERSION = 1;
    private static final long READ_VERSION = 2;
    private static final int WRITE_CHUNK = 1_000;

    /** The store under the engine. */
    enum Backend
    {
        ROCKSDB, LMDB
    }

    private final KeySpace keys;
    /** The RocksDB of {@link Backend#ROCKSDB}, else null. */
    private final SuiteRocksDb rocks;
    /** The LMDB directory of {@link Backend#LMDB}, else null. */
    private final Path lmdbDir;
    private final HybridEngine engine;

    /**
     * @param keys    the data.
     * @param cached  whether the region is loaded ({@code regioncache-hybrid}) or left to the store.
     * @param backend the store under the engine.
     * @throws Exception if the store cannot be built or the load fails.
     */
    HybridReadStore(final KeySpace keys, final boolean cached, final Backend backend) throws Exception
    {
        this.keys = keys;
        final RegionCacheConfig.Builder config = RegionCacheConfig.builder().capacityBytes(RegionCaches.READ_CAPACITY);
        if (backend == Backend.ROCKSDB)
        {
            this.rocks = SuiteRocksDb.open("rc-bench-hybrid", false); // the rocksdb peer's options
            this.lmdbDir = null;
            this.engine = HybridEngine.owning(RocksDbBackingStore.wrap(rocks.db()), config);
        }
        else
        {
            this.rocks = null;
            this.lmdbDir = TempDirs.create("rc-bench-hybrid-lmdb");
            // The lmdb peer's map size rule, with room for the MVCC encoding (+ 17 bytes of key, 1 of value).
            this.engine = HybridEngine.owning(
                LmdbBackingStore.open(lmdbDir, (long)keys.size() * 500 + (64L << 20), false), config);
        }
        final byte[] value = new byte[KeySpace.VALUE_LENGTH];
        for (int start = 0; start < keys.size(); start += WRITE_CHUNK)
        {
            final WriteBatch batch = new WriteBatch(REGION_ID, EPOCH, WRITE_VERSION);
            for (int i = start, end = Math.min(keys.size(), start + WRITE_CHUNK); i < end; i++)
            {
                KeySpace.fillValue(i, value, 0);
                batch.put(keys.key(i), value);
            }
            final CommandResult r = engine.await(engine.write(batch));
            if (r.code() != ResultCode.OK && r.code() != ResultCode.NOT_CACHED)
            {
                throw new IllegalStateException("write refused: " + r);
            }
        }
        if (null != rocks)
        {
            rocks.compactAndWarm(keys.size()); // one version per key: one entry each
        }
        if (!cached && null != engine.cache().stateOf(REGION_ID))
        {
            throw new IllegalStateException("the region of the store-only variant is cached");
        }
        if (cached)
        {
            final Region region = new Region(REGION_ID, new byte[0], new byte[0], EPOCH);
            final CommandResult r = engine.await(engine.loadRegion(region));
            if (r.code() != ResultCode.OK)
            {
                throw new IllegalStateException("load refused: " + r);
            }
            final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (engine.cache().stateOf(REGION_ID) != RegionState.ACTIVE)
            {
                if (System.nanoTime() > deadline)
                {
                    throw new IllegalStateException("region not ACTIVE after 5 minutes: " +
                        engine.cache().stateOf(REGION_ID));
                }
                Thread.sleep(10);
            }
        }
    }

    @Override
    public boolean supportsScan()
    {
        return false; // gets and batches: the hybrid's scans are the cache's or RocksDB's iterators, measured there
    }

    @Override
    public Reader newReader()
    {
        return new HybridStoreReader();
    }

    @Override
    public void close()
    {
        engine.close(); // the cache, then the store (which leaves a wrapped database open)
        if (null != rocks)
        {
            rocks.close();
        }
        else
        {
            TempDirs.delete(lmdbDir);
        }
    }

    private final class HybridStoreReader extends Reader
    {
        private final HybridReader reader = engine.newReader();
        private final UnsafeBuffer keyScratch =
            new UnsafeBuffer(new byte[RegionCacheStore.MAX_BATCH * KeySpace.KEY_LENGTH]);
        private final UnsafeBuffer dst = new UnsafeBuffer(BufferUtil.allocateDirectAligned(128, 64));
        private final int[] keyOffsets = new int[RegionCacheStore.MAX_BATCH];
        private final int[] keyLengths = new int[RegionCacheStore.MAX_BATCH];
        private final int[] valueOffsets = new int[RegionCacheStore.MAX_BATCH];
        private final int[] valueLengths = new int[RegionCacheStore.MAX_BATCH];
        private final UnsafeBuffer values = new UnsafeBuffer(
            BufferUtil.allocateDirectAligned(RegionCacheStore.MAX_BATCH * KeySpace.VALUE_LENGTH, 64));

        @Override
        public long get(final int i)
        {
            keys.writeKey(i, keyScratch, 0);
            final int len = reader.get(REGION_ID, EPOCH, READ_VERSION, keyScratch, 0, KeySpace.KEY_LENGTH, dst, 0);
            return len + dst.getLong(0, ByteOrder.BIG_ENDIAN);
        }

        @Override
        public long multiGet(final int[] indices, final int from, final int count)
        {
            writeBatchKeys(keys, indices, from, count, keyScratch, keyOffsets, keyLengths);
            reader.multiGet(REGION_ID, EPOCH, READ_VERSION, keyScratch, keyOffsets, keyLengths, count, values, 0,
                valueOffsets, valueLengths);
            return batchChecksum(values, valueOffsets, valueLengths, count);
        }

        @Override
        public long scan(final int i, final int nexts)
        {
            throw new UnsupportedOperationException("the hybrid store is measured on gets");
        }

        @Override
        public void close()
        {
            reader.close();
        }
    }
}
