package io.regioncache;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The source of truth the cache loads regions from (TiKV: RocksDB). It keeps MVCC data: every version of every
 * key, with deletes as tombstones, until its own GC drops versions below the safe point.
 * <p>
 * Implementations must be thread-safe: the apply thread opens snapshots, loader threads scan them, and hybrid
 * readers read them.
 * <p>
 * <b>The host's writes.</b> A host writes each batch into the store before it submits the batch to the cache, in
 * version order, and whole: a snapshot holds all of one version or none of it. A load counts every version up to the
 * newest it copied as loaded and answers a later write at or below it {@link ResultCode#SKIPPED}, so a batch whose
 * keys reached the store one by one could lose, in the cache, the keys a snapshot opened between them missed.
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
     * The newest value of {@code key} at or below {@code readVersion} in the latest state of the store. The default
     * opens a snapshot per call; stores override it with a cheaper read.
     *
     * @param key         key buffer.
     * @param keyOffset   key offset.
     * @param keyLength   key length.
     * @param readVersion read version.
     * @param dst         where the value is copied.
     * @param dstOffset   offset in dst.
     * @return the value length, {@link BackingSnapshot#NOT_FOUND}, or {@code -2 - length} when {@code dst} has less
     * than {@code length} bytes from {@code dstOffset} (nothing copied, and an expandable {@code dst} is not grown: a
     * store whose snapshots grow one overrides this method, as the in-memory store does).
     * @throws StoreException if the store fails.
     */
    default int get(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        try (BackingSnapshot snapshot = openSnapshot())
        {
            return snapshot.get(key, keyOffset, keyLength, readVersion, dst, dstOffset);
        }
    }

    /**
     * {@link #get} of many keys in one call, each at {@code readVersion}, the values packed one after the other into
     * {@code dst} (the same contract as {@code Snapshot.multiGet}). The default calls {@link #get} per key; stores
     * override it with one batched read (RocksDB: one iterator, so one implicit snapshot, for the whole batch).
     *
     * @param keys         buffer holding the keys.
     * @param keyOffsets   offset of key {@code i} in {@code keys}.
     * @param keyLengths   length of key {@code i}.
     * @param from         first key to read.
     * @param count        number of keys to read, from {@code from}.
     * @param readVersion  read version.
     * @param dst          destination of the values.
     * @param dstOffset    where the first value found goes.
     * @param valueOffsets out: offset in {@code dst} of the value of key {@code i}.
     * @param valueLengths out: value length of key {@code i}, {@link BackingSnapshot#NOT_FOUND}, or
     *                     {@code -2 - length} if it did not fit in what was left of {@code dst}.
     * @return the offset in {@code dst} after the last value copied.
     * @throws StoreException if the store fails.
     */
    default int multiGet(
        final DirectBuffer keys, final int[] keyOffsets, final int[] keyLengths, final int from, final int count,
        final long readVersion, final MutableDirectBuffer dst, final int dstOffset,
        final int[] valueOffsets, final int[] valueLengths)
    {
        int at = dstOffset;
        for (int i = from, end = from + count; i < end; i++)
        {
            final int n = get(keys, keyOffsets[i], keyLengths[i], readVersion, dst, at);
            valueLengths[i] = n;
            if (n >= 0)
            {
                valueOffsets[i] = at;
                at += n;
            }
        }
        return at;
    }

    /**
     * A cursor over the keys of {@code [lower, upper)} visible at {@code readVersion}. The default scans a snapshot
     * into memory first ({@link SnapshotScanCursor}); stores override it with a streaming cursor.
     *
     * @param lower       inclusive lower bound (empty or null = -infinity).
     * @param upper       exclusive upper bound (empty or null = +infinity).
     * @param readVersion read version.
     * @return an open cursor; close it.
     * @throws StoreException if the store fails.
     */
    default StoreCursor newCursor(final byte[] lower, final byte[] upper, final long readVersion)
    {
        return SnapshotScanCursor.scan(this, lower, upper, readVersion);
    }

    /**
     * @return the highest safe point the store's own GC has swept at, or begun a round at (reads below it may miss
     * versions), or -1 if it never collected.
     */
    default long gcSafePoint()
    {
        return -1;
    }

    /**
     * Release the store's resources.
     */
    @Override
    void close();
}
