package io.regioncache.load;

/**
 * The source of truth the cache loads regions from (TiKV: RocksDB). It keeps MVCC data: every version of every
 * key, with deletes as tombstones, until its own GC drops versions below the safe point.
 * <p>
 * Implementations must be thread-safe: the apply thread opens snapshots, loader threads scan them, and hybrid
 * readers read them.
 */
public interface BackingStore extends AutoCloseable
{
    /**
     * Open a consistent point-in-time snapshot. Called on the apply thread when a load starts, so it must be cheap
     * (no copying).
     *
     * @return a snapshot the caller closes.
     * @throws StoreException if the store cannot give one.
     */
    BackingSnapshot openSnapshot();

    /**
     * Release the store's resources.
     */
    @Override
    void close();
}
