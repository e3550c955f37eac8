package io.regioncache.rocksdb;

import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

import io.regioncache.store.MvccKeyCodec;

/**
 * The deletes of a GC round, encoded in Java in RocksDB's write batch format and handed to RocksDB once per
 * {@link #write}, instead of one JNI call per delete into a native {@link WriteBatch}.
 * <p>
 * The format (RocksDB's {@code WriteBatch} rep, which is also its WAL record, stable since its first release): a
 * 12-byte header (sequence number, fixed64 little-endian, set by the write; record count, fixed32 little-endian),
 * then one record per operation on the default column family: a type byte ({@code kTypeDeletion = 0x0},
 * {@code kTypeRangeDeletion = 0xF}) followed by each key as a varint32 length and its bytes. RocksDB checks the
 * count against the records when it applies the batch, so an encoding error fails the write rather than writing
 * something else ({@code GcWriteBatchTest} reads an encoded batch back through RocksDB's own iterator).
 * <p>
 * Not thread-safe: one round uses it.
 */
final class GcWriteBatch
{
    static final int HEADER = 12;
    private static final byte TYPE_DELETION = 0x0;
    private static final byte TYPE_RANGE_DELETION = 0xF;

    private byte[] rep = new byte[1 << 16];
    private int length = HEADER;
    private int count;

    /** @return the operations encoded since the last {@link #write}. */
    int count()
    {
        return count;
    }

    /** Delete the stored key {@code key[0, keyLength)}. */
    void delete(final byte[] key, final int keyLength)
    {
        record(TYPE_DELETION, keyLength + 5);
        putKey(key, keyLength);
    }

    /** Delete the stored key {@code key[0, keyLength)}. */
    void delete(final DirectBuffer key, final int keyLength)
    {
        record(TYPE_DELETION, keyLength + 5);
        putVarint(keyLength);
        key.getBytes(0, rep, length, keyLength);
        length += keyLength;
    }

    /** Delete the stored key of {@code encoded} (a user key, memcomparable-encoded) at {@code version}. */
    void deleteVersion(final byte[] encoded, final long version)
    {
        final int keyLength = encoded.length + MvccKeyCodec.VERSION_LENGTH;
        record(TYPE_DELETION, keyLength + 5);
        putVarint(keyLength);
        putStored(encoded, version);
    }

    /**
     * Delete the stored keys of {@code encoded} from version {@code newest} down to {@code oldest}, both included,
     * with one range tombstone.
     */
    void deleteVersions(final byte[] encoded, final long newest, final long oldest)
    {
        final int keyLength = encoded.length + MvccKeyCodec.VERSION_LENGTH;
        record(TYPE_RANGE_DELETION, 2 * keyLength + 11);
        putVarint(keyLength);
        putStored(encoded, newest);
        // Just past the oldest: its stored key plus a zero byte (one user key's stored keys all have the same
        // length and the encoding is prefix-free, so no other stored key sorts in between).
        putVarint(keyLength + 1);
        putStored(encoded, oldest);
        rep[length++] = 0;
    }

    /** Delete every stored key in {@code [begin, end)}. */
    void deleteRange(final byte[] begin, final byte[] end)
    {
        record(TYPE_RANGE_DELETION, begin.length + end.length + 10);
        putKey(begin, begin.length);
        putKey(end, end.length);
    }

    /** Apply what was encoded as one atomic write, then start empty again. */
    void write(final RocksDB db, final WriteOptions options) throws RocksDBException
    {
        if (count == 0)
        {
            return;
        }
        try (WriteBatch wb = new WriteBatch(encoded()))
        {
            db.write(options, wb);
        }
        clear();
    }

    /** @return the batch as RocksDB's {@code WriteBatch.data()} would return it (sequence number 0). */
    byte[] encoded()
    {
        rep[8] = (byte)count;
        rep[9] = (byte)(count >>> 8);
        rep[10] = (byte)(count >>> 16);
        rep[11] = (byte)(count >>> 24);
        return Arrays.copyOf(rep, length);
    }

    /** Forget what was encoded. */
    void clear()
    {
        Arrays.fill(rep, 0, HEADER, (byte)0);
        length = HEADER;
        count = 0;
    }

    private void record(final byte type, final int maxBytes)
    {
        if (length + 1 + maxBytes > rep.length)
        {
            rep = Arrays.copyOf(rep, Math.max(rep.length * 2, length + 1 + maxBytes));
        }
        rep[length++] = type;
        count++;
    }

    private void putStored(final byte[] encoded, final long version)
    {
        System.arraycopy(encoded, 0, rep, length, encoded.length);
        length += encoded.length;
        final long stored = ~version; // MvccKeyCodec.putVersion: big-endian, inverted so that newer sorts first
        for (int shift = 56; shift >= 0; shift -= 8)
        {
            rep[length++] = (byte)(stored >>> shift);
        }
    }

    private void putKey(final byte[] key, final int keyLength)
    {
        putVarint(keyLength);
        System.arraycopy(key, 0, rep, length, keyLength);
        length += keyLength;
    }

    private void putVarint(final int value)
    {
        int v = value;
        while ((v & ~0x7F) != 0)
        {
            rep[length++] = (byte)((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        rep[length++] = (byte)v;
    }
}
