package io.regioncache.rocksdb;

import java.nio.file.Path;

import io.regioncache.WritableStore;
import io.regioncache.store.WritableStoreContract;

/** The store contract on RocksDB. */
class RocksDbStoreContractTest extends WritableStoreContract
{
    @Override
    protected WritableStore open(final Path dir)
    {
        return RocksDbBackingStore.open(dir);
    }
}
