package io.regioncache.lmdb;

import java.nio.file.Path;

import io.regioncache.WritableStore;
import io.regioncache.store.WritableStoreContract;

/** The store contract on LMDB. */
class LmdbStoreContractTest extends WritableStoreContract
{
    @Override
    protected WritableStore open(final Path dir)
    {
        return LmdbBackingStore.open(dir, 64L << 20, false);
    }
}
