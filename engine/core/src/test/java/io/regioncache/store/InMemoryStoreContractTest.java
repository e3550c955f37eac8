package io.regioncache.store;

import java.nio.file.Path;

import io.regioncache.WritableStore;

/** The {@link WritableStoreContract} on {@link InMemoryBackingStore} (the directory is not used). */
class InMemoryStoreContractTest extends WritableStoreContract
{
    @Override
    protected WritableStore open(final Path dir)
    {
        return new InMemoryBackingStore();
    }
}
