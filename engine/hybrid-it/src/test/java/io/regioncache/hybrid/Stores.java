package io.regioncache.hybrid;

import java.nio.file.Path;

import io.regioncache.WritableStore;
import io.regioncache.lmdb.LmdbBackingStore;
import io.regioncache.rocksdb.RocksDbBackingStore;

/** The durable stores every hybrid test runs against. */
enum Stores
{
    ROCKSDB
    {
        @Override
        WritableStore open(final Path dir)
        {
            return RocksDbBackingStore.open(dir);
        }
    },
    LMDB
    {
        @Override
        WritableStore open(final Path dir)
        {
            return LmdbBackingStore.open(dir, 1L << 30, false);
        }
    };

    abstract WritableStore open(Path dir);
}
