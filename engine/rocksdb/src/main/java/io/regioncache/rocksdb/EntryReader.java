package io.regioncache.rocksdb;

import io.regioncache.store.MvccKeyCodec;

import java.nio.ByteBuffer;

import org.agrona.concurrent.UnsafeBuffer;
import org.rocksdb.RocksIterator;

/**
 * Reads the entry under a RocksDB iterator into reusable direct buffers and decodes it: one object per scan or
 * cursor, no allocation per entry (the buffers only grow).
 * <p>
 * Direct buffers because {@code RocksIterator.key(ByteBuffer)} copies straight from the native slice into them
 * (one copy); the {@code byte[]}-returning variants allocate per call.
 */
final class EntryReader
{
    private ByteBuffer rawKey = ByteBuffer.allocateDirect(256);
    private ByteBuffer rawValue = ByteBuffer.allocateDirect(1024);
    /** The stored key (encoded user key + version). */
    final UnsafeBuffer rawKeyView = new UnsafeBuffer(0, 0);
    /** The decoded user key. */
    final UnsafeBuffer userKey = new UnsafeBuffer(new byte[256]);
    /** The value bytes after the flag (valid only when {@link #tombstone} is false). */
    final UnsafeBuffer valueView = new UnsafeBuffer(0, 0);
    int encodedKeyLength;
    int userKeyLength;
    long version;
    boolean tombstone;
    int valueLength;

    /**
     * Read and decode the iterator's current entry (the iterator must be valid).
     *
     * @param it a valid iterator.
     */
    void read(final RocksIterator it)
    {
        rawKey.clear();
        int n = it.key(rawKey);
        if (n > rawKey.capacity())
        {
            rawKey = ByteBuffer.allocateDirect(Math.max(n, rawKey.capacity() * 2));
            n = it.key(rawKey);
        }
        rawKeyView.wrap(rawKey, 0, n);
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

        rawValue.clear();
        int m = it.value(rawValue);
        if (m > rawValue.capacity())
        {
            rawValue = ByteBuffer.allocateDirect(Math.max(m, rawValue.capacity() * 2));
            m = it.value(rawValue);
        }
        if (m < 1)
        {
            throw new IllegalArgumentException("stored value without a flag byte");
        }
        final byte flag = rawValue.get(0);
        tombstone = flag == MvccKeyCodec.FLAG_DELETE;
        if (!tombstone && flag != MvccKeyCodec.FLAG_PUT)
        {
            throw new IllegalArgumentException("unknown value flag " + flag);
        }
        valueLength = tombstone ? 0 : m - 1;
        if (tombstone || valueLength == 0)
        {
            valueView.wrap(rawValue, 0, 0);
        }
        else
        {
            valueView.wrap(rawValue, 1, valueLength);
        }
    }

    /**
     * @param other a stored key's view.
     * @param otherEncodedLength its encoded-key length.
     * @return true if the current entry has the same user key (compares the encodings: they are prefix-free).
     */
    boolean sameUserKey(final UnsafeBuffer other, final int otherEncodedLength)
    {
        if (otherEncodedLength != encodedKeyLength)
        {
            return false;
        }
        for (int i = 0; i < encodedKeyLength; i++)
        {
            if (other.getByte(i) != rawKeyView.getByte(i))
            {
                return false;
            }
        }
        return true;
    }
}
