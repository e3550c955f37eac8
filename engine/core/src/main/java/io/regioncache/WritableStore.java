package io.regioncache;

/**
 * A {@link BackingStore} the host also writes through: what {@code io.regioncache.hybrid.HybridEngine} needs to
 * keep a durable store and the cache in step (RocksDB in {@code regioncache-rocksdb}, LMDB in
 * {@code regioncache-lmdb}, or {@link io.regioncache.store.InMemoryBackingStore} for tests). Thread-safe.
 */
public interface WritableStore extends BackingStore
{
    /**
     * Write every operation of a batch at the batch's version, atomically. Region id and epoch are not stored: the
     * store is keyed by user key only, like TiKV's KV engine.
     *
     * @param batch the batch (only read).
     * @throws StoreException if the store refuses the write (nothing of the batch is visible then).
     */
    void applyBatch(WriteBatch batch);

    /**
     * Write a tombstone at {@code version} for every key of {@code [start, end)} visible at {@code version}, in one
     * atomic write; reads below {@code version} still see the old values.
     *
     * @param start   inclusive start (empty = -infinity).
     * @param end     exclusive end (empty = +infinity).
     * @param version the tombstones' version (above every version already written in the range).
     * @return the number of tombstones written.
     * @throws StoreException if the store refuses the write.
     */
    long deleteRange(byte[] start, byte[] end, long version);

    /**
     * Drop every version no read at or above {@code safePoint} can see (a negative safe point drops nothing: every
     * version is at or above it).
     *
     * @param safePoint the safe point.
     * @return the number of entries dropped.
     * @throws StoreException if the store fails.
     */
    long gcBelow(long safePoint);
}
