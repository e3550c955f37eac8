package io.regioncache;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A consistent point-in-time view of a {@link BackingStore}. Scans see every version of every key in range, in
 * (key ascending, version descending) order.
 */
public interface BackingSnapshot extends AutoCloseable
{
    /** Returned by {@link #get} when no visible value exists. */
    int NOT_FOUND = -1;

    /**
     * Visit every version of every key in {@code [start, end)}, tombstones included.
     *
     * @param start   inclusive start (empty = -infinity).
     * @param end     exclusive end (empty = +infinity).
     * @param visitor receives each entry; return false to stop.
     * @throws StoreException if the store fails mid-scan.
     */
    void scan(byte[] start, byte[] end, EntryVisitor visitor);

    /**
     * The newest value of {@code key} with version {@code <= readVersion}.
     *
     * @param key         key buffer.
     * @param keyOffset   key offset.
     * @param keyLength   key length.
     * @param readVersion read version.
     * @param dst         where the value is copied.
     * @param dstOffset   offset in dst.
     * @return the value length, {@link #NOT_FOUND} (absent or deleted), or {@code -2 - length} when {@code dst} has
     * less than {@code length} bytes from {@code dstOffset} (nothing copied). An implementation may grow an expandable
     * {@code dst} instead (the in-memory and RocksDB snapshots do; LMDB's does not); {@link BackingStore#get} never
     * does.
     */
    int get(DirectBuffer key, int keyOffset, int keyLength, long readVersion, MutableDirectBuffer dst, int dstOffset);

    /**
     * An estimate of how much the store holds for the keys of {@code [start, end)}, in any unit proportional to the
     * data (RocksDB: its approximate size of the range, files and write buffers), or {@code -1} if the store cannot
     * tell (the default). A load asks for two ranges and uses only their ratio: after copying the first part of a
     * region on its own it sizes the region's hash index from it, so that the index can be filled while the copy
     * waits on the scan (see the README, "How it works"). A wrong estimate costs time, never a wrong answer: the load
     * builds the index again at the end if the estimate was wrong. Cheap, and callable on any thread. The stores of
     * this project answer {@code -1} on a closed snapshot too: an estimate never throws.
     *
     * @param start inclusive start (empty = -infinity).
     * @param end   exclusive end (empty = +infinity).
     * @return the estimate, or -1.
     */
    default long approximateSize(byte[] start, byte[] end)
    {
        return -1;
    }

    /**
     * A key that cuts {@code [start, end)} into two parts holding about the same amount of data, for a load to scan
     * both parts at once, on two threads ({@code RegionCacheConfig.Builder#loadScanThreads}); or {@code null} (the
     * default): the store cannot tell, or this snapshot must not be scanned by two threads at once. A store that
     * answers a key promises that two {@link #scan} calls of this snapshot may run concurrently.
     * <p>
     * The key is a hint, never a source of wrong answers: the load scans {@code [start, key)} and {@code [key, end)}
     * and links the first part's entries before the second's, so an unbalanced key costs time only, and a key outside
     * {@code (start, end)} is ignored (the load then scans the range in one part). Called once per load that has
     * copied its first 65,536 entries, on the loader thread; it should cost well under a millisecond. The stores of
     * this project answer {@code null} on a closed snapshot.
     *
     * @param start inclusive start of the part still to scan (never empty: the first key not yet copied).
     * @param end   exclusive end (empty = +infinity).
     * @return a key strictly between {@code start} and {@code end}, or null.
     */
    default byte[] splitKey(byte[] start, byte[] end)
    {
        return null;
    }

    /**
     * Release the snapshot.
     */
    @Override
    void close();

    /**
     * Receives one stored MVCC entry.
     */
    @FunctionalInterface
    interface EntryVisitor
    {
        /**
         * @param key         key view (valid only during the call).
         * @param keyOffset   key offset.
         * @param keyLength   key length.
         * @param version     entry version.
         * @param value       value view, or null for a tombstone.
         * @param valueOffset value offset.
         * @param valueLength value length (0 for a tombstone).
         * @return true to continue.
         */
        boolean onEntry(
            DirectBuffer key, int keyOffset, int keyLength, long version,
            DirectBuffer value, int valueOffset, int valueLength);
    }
}
