package io.regioncache.hybrid;

import java.nio.file.Path;

import io.regioncache.WritableStore;
import io.regioncache.lmdb.LmdbBackingStore;
import io.regioncache.rocksdb.RocksDbBackingStore;

/** The durable stores every hybrid test runs against (public: the {@code blackbox9} tests use it too). */
public enum Stores
{
    ROCKSDB
    {
        @Override
        public WritableStore open(final Path dir)
        {
            return RocksDbBackingStore.open(dir);
        }
    },
    LMDB
    {
        @Override
        public WritableStore open(final Path dir)
        {
            return LmdbBackingStore.open(dir, 1L << 30, false);
        }
    };

    /**
     * @param dir the store's directory.
     * @return the store, opened (created if missing) in it.
     */
    public abstract WritableStore open(Path dir);
}
