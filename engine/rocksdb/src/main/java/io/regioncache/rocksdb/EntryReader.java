package io.regioncache.rocksdb;

import io.regioncache.store.MvccKeyCodec;

import org.agrona.concurrent.UnsafeBuffer;
import org.rocksdb.RocksIterator;

/**
 * Reads the entry under a RocksDB iterator into reusable arrays and decodes it: one object per scan, no allocation
 * per entry (the arrays only grow).
 * <p>
 * Heap arrays, through {@code RocksIterator.key(byte[], int, int)} and {@code value(byte[], int, int)}: one copy
 * from the native slice, like the {@code ByteBuffer} variants, but without their per-call cost. HotSpot's JNI
 * {@code GetDirectBufferAddress} and {@code GetDirectBufferCapacity}, which RocksJava calls for every direct-buffer
 * read, each check the buffer's class ({@code IsInstanceOf}): an async-profiler profile of a 1M-entry scan put 15% of
 * its samples there. A bare scan of 1M entries measured 205-212 ms with arrays against 235-245 with direct buffers, and
 * the load's store read ({@code LoadBenchmark.storeScan}) 239-246 against 274-289 (jmh-results/memlimit/scan-arrays/).
 * <p>
 * The views wrap whole arrays and are wrapped again only when an array grows (a wrap stores a reference, which
 * carries GC barriers): the key's length and the value's offset and length are fields.
 */
final class EntryReader
{
    /** Offset of the value in {@link #valueView}: the stored value starts with a flag byte. */
    static final int VALUE_OFFSET = 1;

    private byte[] rawKey = new byte[256];
    private byte[] rawValue = new byte[1024];
    /** The stored key (encoded user key + version) in its first {@link #encodedKeyLength} + 8 bytes. */
    private final UnsafeBuffer rawKeyView = new UnsafeBuffer(rawKey);
    /** The decoded user key, in its first {@link #userKeyLength} bytes. */
    final UnsafeBuffer userKey = new UnsafeBuffer(new byte[256]);
    /**
     * The stored value: the value bytes are at {@link #VALUE_OFFSET}, {@link #valueLength} of them (valid only when
     * {@link #tombstone} is false).
     */
    final UnsafeBuffer valueView = new UnsafeBuffer(rawValue);
    int encodedKeyLength;
    int userKeyLength;
    long version;
    boolean tombstone;
    int valueLength;

    /**
     * Read and decode the iterator's current entry (the iterator must be valid).
     *
     * @param it a valid iterator.
     * @throws IllegalArgumentException if the stored key or value is not one this store writes.
     */
    void read(final RocksIterator it)
    {
        int n = it.key(rawKey, 0, rawKey.length);
        if (n > rawKey.length)
        {
            rawKey = new byte[Math.max(n, rawKey.length * 2)];
            rawKeyView.wrap(rawKey);
            n = it.key(rawKey, 0, rawKey.length);
        }
        encodedKeyLength = n - MvccKeyCodec.VERSION_LENGTH;
        if (encodedKeyLength <= 0)
        {
            throw new IllegalArgumentException("stored key of " + n + " bytes is too short");
        }
        version = MvccKeyCodec.getVersion(rawKeyView, encodedKeyLength);
        if (userKey.capacity() < encodedKeyLength)
        {
            userKey.wrap(new byte[Math.max(encodedKeyLength, userKey.capacity() * 2)]);
        }
        userKeyLength = MvccKeyCodec.decodeKey(rawKeyView, 0, encodedKeyLength, userKey, 0);

        int m = it.value(rawValue, 0, rawValue.length);
        if (m > rawValue.length)
        {
            rawValue = new byte[Math.max(m, rawValue.length * 2)];
            valueView.wrap(rawValue);
            m = it.value(rawValue, 0, rawValue.length);
        }
        if (m < 1)
        {
            throw new IllegalArgumentException("stored value without a flag byte");
        }
        final byte flag = rawValue[0];
        tombstone = flag == MvccKeyCodec.FLAG_DELETE;
        if (!tombstone && flag != MvccKeyCodec.FLAG_PUT)
        {
            throw new IllegalArgumentException("unknown value flag " + flag);
        }
        valueLength = tombstone ? 0 : m - VALUE_OFFSET;
    }
}
