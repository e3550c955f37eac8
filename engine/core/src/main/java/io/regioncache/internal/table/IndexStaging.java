package io.regioncache.internal.table;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A windowed fill of a bulk-built hash index: the keys a load walks into its index are collected by the part of the
 * entry column they hash to, and written into the column one part at a time instead of one random entry at a time.
 * <p>
 * <b>Why.</b> A load copies keys in key order, and keys in key order hash to random slots: filling the index as the
 * keys come writes a random 128-byte entry per key into a column far larger than the caches (256 MB at 1M keys). Each
 * such write is a cache miss and, with 4 KiB pages, a TLB miss, which on a virtual machine costs a nested page walk;
 * the JFR profile of {@code LoadBenchmark} put 56% of the loader thread's samples there. Here the entry image is
 * copied out of the node while the node is still cached, into one of up to {@link #BUCKETS} buckets by the top bits
 * of its home slot (a bucket covers 1/512 of the column: 512 KB and 128 pages at 1M keys). When a bucket holds
 * {@link #BUCKET_RECORDS} records they are written into its part of the column together, about four to a page instead
 * of one, and the bucket is emptied; {@link #drain} writes what is left when the copy ends. Linear probing gives
 * a correct table for any insertion order (nothing is ever removed), so the order changes the speed only.
 * <p>
 * <b>Measured</b> ({@code IndexFillProbe} in bench/jmh: 1M keys of 16 + 100 bytes walked into a fresh index, direct
 * and windowed one after the other in one JVM, four rounds, the last two reported, two JVMs per setting): windowed /
 * direct = 0.74-0.87 with 256 records per bucket, 0.68-0.82 with 512 (0.50-0.88 in two later runs) and 0.71-0.78
 * with 1,024. The more records a bucket holds, the more writes share a page, but the more are left for the end (at
 * 512: 33-55 ms of the fill; at 1,024: 90-110 ms), which a load cannot hide in its waits on the scan. Holding every
 * key until the end and writing the buckets then (152 MB at 1M keys) filled fastest in isolation but left all of it,
 * 100-200 ms, for after the copy; sorting each bucket by home slot before writing it was slower (its records are then
 * read at random), and loading the home slots and entries of the next 16 records ahead while writing a bucket (as the
 * direct fill does) made no difference.
 * <p>
 * Record layout ({@link #RECORD_BYTES} each; bucket {@code b} holds records {@code [b * perBucket, (b + 1) *
 * perBucket)}):
 * <pre>
 *  +0   long  key hash
 *  +8   long  node address (the key's newest node, for the slot)
 *  +16  int   the entry's meta word ({@link HashIndex#format}), then 4 bytes of padding
 *  +24  entry image: 128 bytes as {@link HashIndex#format} writes them (version, key, value; the meta word unused)
 * </pre>
 * Memory: {@link #bytesFor}, 38 MB for an index of 2^19 slots or more (less for smaller ones; none below
 * {@link #MIN_CAPACITY}), taken from the pool only when the load's memory ceiling has room for it as well as for the
 * index, and held until the index is published or abandoned. Writer only (the load's loader thread), like the private
 * table it fills.
 */
final class IndexStaging
{
    /** Buckets, at most: an index of fewer slots has one per slot. */
    static final int BUCKETS = 512;
    /**
     * Records a bucket holds before it is written into the column (fewer for an index too small to hold that many
     * keys per bucket: see {@link #perBucket}).
     */
    static final int BUCKET_RECORDS = 512;
    /**
     * Smallest index capacity that is staged: below it (an entry column of 16 MB or less, half the last-level cache
     * here) the direct fill's writes mostly hit the cache anyway.
     */
    static final int MIN_CAPACITY = 1 << 18;
    /** Bytes per staged record: hash, node, meta (padded), entry image. */
    static final int RECORD_BYTES = 24 + HashIndex.ENTRY_BYTES;

    private static final int HASH = 0;
    private static final int NODE = 8;
    private static final int META = 16;
    private static final int IMAGE = 24;

    private final UnsafeBuffer records;
    private final HashIndex index;
    private final int capacityMask;
    private final int bucketShift;
    private final int[] staged;
    private final int perBucket;
    private long bucketsWritten;
    /** Where {@link #writeOneWhileWaiting} looks first. */
    private int waitingCursor;

    private IndexStaging(final UnsafeBuffer records, final HashIndex index, final int perBucket)
    {
        final int capacity = index.capacity();
        this.records = records;
        this.index = index;
        this.perBucket = perBucket;
        this.capacityMask = capacity - 1;
        final int buckets = buckets(capacity);
        this.bucketShift = Integer.numberOfTrailingZeros(capacity) - Integer.numberOfTrailingZeros(buckets);
        this.staged = new int[buckets];
    }

    private static int buckets(final int capacity)
    {
        return Math.min(BUCKETS, capacity);
    }

    /**
     * @return the pool bytes a staging for an index of {@code capacity} slots takes, or 0 if such an index is not
     * staged (below {@code minCapacity}).
     */
    static long bytesFor(final int capacity, final int minCapacity)
    {
        return capacity < minCapacity || capacity <= 0 ? 0 :
            (long)buckets(capacity) * perBucket(capacity) * RECORD_BYTES;
    }

    /**
     * @return records a bucket of an index of {@code capacity} slots holds before it is written: {@link
     * #BUCKET_RECORDS}, or the most keys such an index takes per bucket (half its slots), if fewer.
     */
    static int perBucket(final int capacity)
    {
        return Math.max(1, Math.min(BUCKET_RECORDS, capacity / 2 / buckets(capacity)));
    }

    /**
     * @return a staging that fills {@code index} (which must have entries), or null if an index of its capacity is
     * not staged (see {@link #bytesFor}) or the pool refused the memory.
     */
    static IndexStaging tryAllocate(final SegmentPool pool, final HashIndex index, final int minCapacity)
    {
        final long bytes = bytesFor(index.capacity(), minCapacity);
        if (0 == bytes)
        {
            return null;
        }
        final UnsafeBuffer records = pool.tryAcquireLarge((int)bytes);
        return null == records ? null : new IndexStaging(records, index, perBucket(index.capacity()));
    }

    /**
     * @return bytes held from the pool.
     */
    long bytes()
    {
        return records.capacity();
    }

    /**
     * @return buckets written into the index before {@link #drain} (tests).
     */
    long bucketsWritten()
    {
        return bucketsWritten;
    }

    /**
     * Stage a key's newest version; its bucket is written into the index if this fills it. The node must stay
     * unchanged until its bucket is written (a load's nodes do).
     *
     * @param valueLength the value's length, or {@link NodeLayout#TOMBSTONE}.
     */
    void stage(
        final long hash, final long node, final DirectBuffer key, final int keyOffset, final int keyLength,
        final long version, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        final int bucket = ((int)hash & capacityMask) >>> bucketShift;
        final int inBucket = staged[bucket];
        final int at = (bucket * perBucket + inBucket) * RECORD_BYTES;
        records.putLong(at + HASH, hash);
        records.putLong(at + NODE, node);
        records.putInt(at + META, HashIndex.format(records, at + IMAGE, hash, key, keyOffset, keyLength, version,
            value, valueOffset, valueLength));
        staged[bucket] = inBucket + 1;
        if (inBucket + 1 == perBucket)
        {
            write(bucket);
            bucketsWritten++;
        }
    }

    /**
     * While the load waits on its scan with nothing else to do: write the next bucket, round robin, that is at least
     * half full, so that less is left for {@link #drain} after the copy, where nothing hides it. A bucket written at
     * half full shares its pages among fewer writes, but that costs only time the loader would spend waiting.
     *
     * @return true if a bucket was written (the caller checks its queue, then may come back); false if none is half
     * full.
     */
    boolean writeOneWhileWaiting()
    {
        final int buckets = staged.length;
        final int half = Math.max(1, perBucket / 2);
        for (int i = 0; i < buckets; i++)
        {
            final int bucket = (waitingCursor + i) & (buckets - 1);
            if (staged[bucket] >= half)
            {
                write(bucket);
                bucketsWritten++;
                waitingCursor = bucket + 1;
                return true;
            }
        }
        return false;
    }

    /**
     * Write every key still staged into the index (the copy is done) and empty the staging.
     */
    void drain()
    {
        for (int bucket = 0; bucket < staged.length; bucket++)
        {
            write(bucket);
        }
    }

    /** Insert a bucket's records into the index in the order they were staged, and empty it. */
    private void write(final int bucket)
    {
        for (int at = bucket * perBucket * RECORD_BYTES, end = at + staged[bucket] * RECORD_BYTES; at < end;
            at += RECORD_BYTES)
        {
            index.insertImageRelease(records.getLong(at + HASH), records.getLong(at + NODE), records, at + IMAGE,
                records.getInt(at + META));
        }
        staged[bucket] = 0;
    }

    /**
     * Give the memory back. Writer only; the staging must not be used afterwards.
     */
    void release(final SegmentPool pool)
    {
        pool.release(records);
    }
}
