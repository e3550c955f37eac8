package io.regioncache.rocksdb;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

import io.regioncache.BackingSnapshot;
import io.regioncache.StoreException;
import io.regioncache.store.MvccKeyCodec;

/**
 * One RocksDB iterator and the arrays a point read of the MVCC encoding needs: the seek key
 * ({@code memcomparable(key) ++ ~readVersion}), the key found and the value found. An MVCC get is a seek (the newest
 * version at or below the read version is the first entry at or after the seek key), not a RocksDB {@code get}.
 * <p>
 * Reads go through arrays: RocksJava's {@code key/value(byte[], int, int)} and a seek from a heap {@link ByteBuffer}
 * copy with {@code Get/SetByteArrayRegion}, where the direct-buffer variants check the buffer's class in JNI on every
 * call, and nothing is allocated per read once the arrays have grown to the longest key and value read.
 * <p>
 * Used by one thread at a time (a pooled reader is handed between threads by {@link PointReaders}' queue, which
 * orders its arrays' writes before the next owner's reads), always under the store's lifecycle read lock, so the
 * store's close never frees the iterator under a read.
 */
final class PointReader implements AutoCloseable
{
    private final RocksIterator iterator;
    private byte[] seekKey = new byte[64];
    private ByteBuffer seekView = ByteBuffer.wrap(seekKey);
    private UnsafeBuffer seekBuffer = new UnsafeBuffer(seekKey);
    private byte[] foundKey = new byte[64];
    private byte[] value = new byte[256];

    PointReader(final RocksIterator iterator)
    {
        this.iterator = iterator;
    }

    /** Make the iterator read the database's latest state (cheap while RocksDB's state has no new version). */
    void refresh() throws RocksDBException
    {
        iterator.refresh();
    }

    /**
     * The newest value of {@code key} at or below {@code readVersion}, copied into {@code dst}.
     *
     * @param growExpandable whether an expandable {@code dst} grows (else a value past its capacity answers
     *                       {@code -2 - length} with nothing copied).
     * @return the value length, {@link BackingSnapshot#NOT_FOUND} (absent, deleted, or a negative read version), or
     * {@code -2 - length}.
     * @throws StoreException if RocksDB fails or the entry found is malformed.
     */
    int get(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
        final MutableDirectBuffer dst, final int dstOffset, final boolean growExpandable)
    {
        if (readVersion < 0)
        {
            return BackingSnapshot.NOT_FOUND;
        }
        final int encodedLength = MvccKeyCodec.encodedLength(keyLength);
        final int seekLength = encodedLength + MvccKeyCodec.VERSION_LENGTH;
        if (seekLength > seekKey.length)
        {
            seekKey = new byte[Math.max(seekLength, seekKey.length * 2)];
            seekView = ByteBuffer.wrap(seekKey);
            seekBuffer = new UnsafeBuffer(seekKey);
        }
        MvccKeyCodec.encodeKey(key, keyOffset, keyLength, seekBuffer, 0);
        MvccKeyCodec.putVersion(seekBuffer, encodedLength, readVersion);
        try
        {
            // The first entry at or after (key, readVersion) is the newest version <= readVersion of the key, if the
            // key has one; otherwise it is a later key (encodings are prefix-free, so comparing the encoded part of
            // entries of the same length is enough).
            seekView.limit(seekLength).position(0);
            iterator.seek(seekView);
            if (!iterator.isValid())
            {
                iterator.status();
                return BackingSnapshot.NOT_FOUND;
            }
            int foundLength = iterator.key(foundKey, 0, foundKey.length);
            if (foundLength != seekLength)
            {
                return BackingSnapshot.NOT_FOUND; // another key: a different length says so without reading it
            }
            if (foundLength > foundKey.length)
            {
                foundKey = new byte[Math.max(foundLength, foundKey.length * 2)];
                foundLength = iterator.key(foundKey, 0, foundKey.length);
            }
            if (!Arrays.equals(foundKey, 0, encodedLength, seekKey, 0, encodedLength))
            {
                return BackingSnapshot.NOT_FOUND;
            }
            int storedLength = iterator.value(value, 0, value.length);
            if (storedLength > value.length)
            {
                value = new byte[Math.max(storedLength, value.length * 2)];
                storedLength = iterator.value(value, 0, value.length);
            }
            if (storedLength < 1)
            {
                throw new StoreException("stored value without a flag byte", null);
            }
            if (value[0] == MvccKeyCodec.FLAG_DELETE)
            {
                return BackingSnapshot.NOT_FOUND;
            }
            final int length = storedLength - 1;
            if (!(growExpandable && dst.isExpandable()) && dstOffset + length > dst.capacity())
            {
                return -2 - length;
            }
            dst.putBytes(dstOffset, value, 1, length);
            return length;
        }
        catch (final RocksDBException ex)
        {
            throw new StoreException("get failed: " + ex, ex);
        }
    }

    @Override
    public void close()
    {
        iterator.close();
    }
}
