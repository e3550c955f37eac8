package io.regioncache.bench.store;

import java.nio.file.Path;

import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompressionType;
import org.rocksdb.DataBlockIndexType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

import io.regioncache.bench.support.TempDirs;

/**
 * A RocksDB database of this suite in a temporary directory, with its native options: the {@code rocksdb} and
 * {@code rocksdb-tuned} peers ({@link RocksDbStore}) and the hybrid engine's store ({@link HybridReadStore}) open it
 * the same way, so their figures compare one read path, not two configurations. {@link #close()} releases the
 * database, then its options, filter and cache, and deletes the directory.
 */
final class SuiteRocksDb implements AutoCloseable
{
    static
    {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final LRUCache blockCache;
    private final BloomFilter bloom;
    private final Options options;
    private final RocksDB db;

    private SuiteRocksDb(final Path dir, final LRUCache blockCache, final BloomFilter bloom, final Options options,
        final RocksDB db)
    {
        this.dir = dir;
        this.blockCache = blockCache;
        this.bloom = bloom;
        this.options = options;
        this.db = db;
    }

    /**
     * @param prefix the temporary directory's prefix.
     * @param tuned  the options tuned for point lookups instead of the general-purpose ones (see {@link RocksDbStore}).
     * @return the open database: a 1 GiB LRU block cache, 10-bit Bloom filters on whole keys, no compression.
     * @throws Exception if the directory or the database cannot be made.
     */
    static SuiteRocksDb open(final String prefix, final boolean tuned) throws Exception
    {
        final Path dir = TempDirs.create(prefix);
        final LRUCache blockCache = new LRUCache(1L << 30);
        final BloomFilter bloom = new BloomFilter(10, false);
        final Options options = options(blockCache, bloom, tuned);
        return new SuiteRocksDb(dir, blockCache, bloom, options, RocksDB.open(options, dir.toString()));
    }

    /** @return the database (closed by {@link #close()}). */
    RocksDB db()
    {
        return db;
    }

    /**
     * The suite's RocksDB options: no compression, {@code blockCache}, {@code bloom} on whole keys, and either the
     * general-purpose table ({@code tuned} false: index and filter blocks in the cache, level 0's pinned) or the one
     * tuned for point lookups (see the class comment). The caller closes the options before the cache and filter.
     */
    private static Options options(final LRUCache blockCache, final BloomFilter bloom, final boolean tuned)
    {
        final BlockBasedTableConfig table = new BlockBasedTableConfig()
            .setBlockCache(blockCache)
            .setFilterPolicy(bloom)
            .setWholeKeyFiltering(true);
        if (tuned)
        {
            table.setCacheIndexAndFilterBlocks(false)
                .setDataBlockIndexType(DataBlockIndexType.kDataBlockBinaryAndHash)
                .setDataBlockHashTableUtilRatio(0.75);
        }
        else
        {
            table.setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true);
        }
        return new Options()
            .setCreateIfMissing(true)
            .setCompressionType(CompressionType.NO_COMPRESSION)
            .setOptimizeFiltersForHits(tuned)
            .setTableFormatConfig(table);
    }

    /**
     * Flush, compact everything and read every entry once through the block cache (warm, as a read set in memory).
     *
     * @throws RocksDBException if RocksDB fails.
     * @throws IllegalStateException if the database does not hold {@code expected} entries.
     */
    void compactAndWarm(final long expected) throws RocksDBException
    {
        try (FlushOptions fo = new FlushOptions().setWaitForFlush(true))
        {
            db.flush(fo);
        }
        db.compactRange();
        try (ReadOptions ro = new ReadOptions().setFillCache(true); RocksIterator it = db.newIterator(ro))
        {
            long n = 0;
            for (it.seekToFirst(); it.isValid(); it.next())
            {
                n++;
            }
            it.status();
            if (n != expected)
            {
                throw new IllegalStateException("rocksdb holds " + n + " entries, expected " + expected);
            }
        }
    }

    @Override
    public void close()
    {
        db.close();
        options.close();
        bloom.close();
        blockCache.close();
        TempDirs.delete(dir);
    }
}
