package io.regioncache.ratis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.rocksdb.EnvOptions;
import org.rocksdb.IngestExternalFileOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.SstFileReader;
import org.rocksdb.SstFileWriter;
import org.rocksdb.WriteOptions;

import io.regioncache.store.MvccKeyCodec;

/**
 * A region's key range in the node's RocksDB as SST files: export every stored entry (every MVCC version, the
 * store's own key format) of {@code [start, end)} with {@link SstFileWriter}, and replace the range of another
 * node's RocksDB with them ({@code deleteRange} of the stored keys, then {@code ingestExternalFile}). The RocksDB
 * store's public {@link io.regioncache.rocksdb.RocksDbBackingStore#db()} and {@link MvccKeyCodec} are all
 * this needs, so the engine gains no method for it.
 */
final class RangeSst
{
    private RangeSst()
    {
    }

    /** Stored-key bounds of a user-key range: encoded start, encoded end (null = unbounded). */
    private static byte[] lower(final byte[] start)
    {
        return MvccKeyCodec.encodeKey(start);
    }

    private static byte[] upper(final byte[] end)
    {
        return end.length == 0 ? null : MvccKeyCodec.encodeKey(end);
    }

    /**
     * @param db    the database.
     * @param start inclusive user-key start.
     * @param end   exclusive user-key end (empty = +infinity).
     * @param file  SST file to write (not created when the range is empty).
     * @return entries written.
     * @throws RocksDBException on a RocksDB error.
     */
    static long export(final RocksDB db, final byte[] start, final byte[] end, final Path file) throws RocksDBException
    {
        final byte[] hi = upper(end);
        try (Slice lo = new Slice(lower(start));
             Slice up = hi == null ? null : new Slice(hi);
             ReadOptions ro = new ReadOptions().setFillCache(false).setIterateLowerBound(lo);
             RocksIterator it = db.newIterator(up == null ? ro : ro.setIterateUpperBound(up)))
        {
            it.seekToFirst();
            if (!it.isValid())
            {
                it.status();
                return 0;
            }
            long n = 0;
            try (EnvOptions env = new EnvOptions();
                 Options options = new Options();
                 SstFileWriter writer = new SstFileWriter(env, options))
            {
                writer.open(file.toString());
                for (; it.isValid(); it.next())
                {
                    writer.put(it.key(), it.value());
                    n++;
                }
                it.status();
                writer.finish();
            }
            return n;
        }
    }

    /**
     * Make {@code [start, end)} of {@code db} hold exactly what {@code sst} holds (nothing if it is null).
     *
     * @param db    the database.
     * @param start inclusive user-key start.
     * @param end   exclusive user-key end (empty = +infinity).
     * @param sst   an SST written by {@link #export}, or null for an empty range.
     * @throws RocksDBException on a RocksDB error.
     */
    static void replace(final RocksDB db, final byte[] start, final byte[] end, final Path sst)
        throws RocksDBException
    {
        if (sst != null && Files.exists(sst))
        {
            // Every block's checksum first: the range is deleted below before the ingest, and RocksDB's Java API
            // cannot ask the ingest to verify the blocks itself, so a damaged file would leave the range empty.
            try (Options options = new Options();
                 SstFileReader reader = new SstFileReader(options))
            {
                reader.open(sst.toString());
                reader.verifyChecksum();
            }
        }
        final byte[] lo = lower(start);
        byte[] hi = upper(end);
        if (hi == null)
        {
            // Unbounded: everything from lo up to just past the last stored key.
            try (RocksIterator it = db.newIterator())
            {
                it.seekToLast();
                if (it.isValid() && Arrays.compareUnsigned(it.key(), lo) >= 0)
                {
                    final byte[] last = it.key();
                    hi = Arrays.copyOf(last, last.length + 1);
                }
                it.status();
            }
        }
        try (WriteOptions wo = new WriteOptions().setSync(true))
        {
            if (hi != null && Arrays.compareUnsigned(lo, hi) < 0)
            {
                db.deleteRange(wo, lo, hi);
            }
        }
        if (sst != null && Files.exists(sst))
        {
            try (IngestExternalFileOptions io = new IngestExternalFileOptions().setMoveFiles(false))
            {
                db.ingestExternalFile(List.of(sst.toString()), io);
            }
        }
    }
}
