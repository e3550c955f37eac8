package io.regioncache.store;

import java.util.ArrayList;
import java.util.List;

import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.regioncache.WritableStore;
import io.regioncache.WriteBatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Long and short keys and values, mixed, read back whole through a store's point reads of the latest state (for
 * stores that reuse what a read needs between reads, and grow it: RocksDB's pooled iterators and arrays, LMDB's
 * pooled transactions and seek arrays). Each key is read twice into a 64-byte destination (a value that does not fit
 * answers {@code -2 - length}, and the resource goes back after that read too) and then into one large enough, and
 * all of them once more in one {@code multiGet} into one destination.
 */
public final class MixedLengthReads
{
    private static final long VERSION = 5;

    private MixedLengthReads()
    {
    }

    /**
     * Write one key of each length (its value 11 times as long, plus one byte) at one version, then read them back.
     *
     * @param store   the store, open.
     * @param lengths the keys' lengths, long and short mixed; equal lengths give different keys.
     * @throws AssertionError if a read answers anything but the value written.
     */
    public static void check(final WritableStore store, final int... lengths)
    {
        final List<byte[]> keys = new ArrayList<>();
        final List<byte[]> values = new ArrayList<>();
        for (final int length : lengths)
        {
            final byte[] key = new byte[length];
            final byte[] value = new byte[length * 11 + 1];
            for (int i = 0; i < length; i++)
            {
                key[i] = (byte)('a' + (i * 7 + length + keys.size()) % 26);
            }
            for (int i = 0; i < value.length; i++)
            {
                value[i] = (byte)(i * 31 + length);
            }
            store.applyBatch(new WriteBatch(0, 0, VERSION).put(key, value));
            keys.add(key);
            values.add(value);
        }
        final UnsafeBuffer small = new UnsafeBuffer(new byte[64]);
        final UnsafeBuffer large = new UnsafeBuffer(new byte[1 << 16]);
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < keys.size(); i++)
            {
                final byte[] key = keys.get(i);
                final byte[] value = values.get(i);
                final UnsafeBuffer keyBuffer = new UnsafeBuffer(key);
                final int n = store.get(keyBuffer, 0, key.length, VERSION, small, 0);
                assertEquals(value.length > small.capacity() ? -2 - value.length : value.length, n,
                    "key of " + key.length + " into 64 bytes");
                assertEquals(value.length, store.get(keyBuffer, 0, key.length, VERSION, large, 0),
                    "key of " + key.length);
                final byte[] got = new byte[value.length];
                large.getBytes(0, got);
                assertArrayEquals(value, got, "key of " + key.length);
            }
        }
        // A batch through one reused resource, long and short keys mixed, into one destination.
        final ExpandableArrayBuffer packed = new ExpandableArrayBuffer(1 << 16);
        final ExpandableArrayBuffer keyBuffer = new ExpandableArrayBuffer(4_096);
        final int[] offsets = new int[keys.size()];
        final int[] keyLengths = new int[keys.size()];
        int at = 0;
        for (int i = 0; i < keys.size(); i++)
        {
            keyBuffer.putBytes(at, keys.get(i));
            offsets[i] = at;
            keyLengths[i] = keys.get(i).length;
            at += keyLengths[i];
        }
        final int[] valueOffsets = new int[keys.size()];
        final int[] valueLengths = new int[keys.size()];
        store.multiGet(keyBuffer, offsets, keyLengths, 0, keys.size(), VERSION, packed, 0, valueOffsets, valueLengths);
        for (int i = 0; i < keys.size(); i++)
        {
            final byte[] got = new byte[valueLengths[i]];
            packed.getBytes(valueOffsets[i], got);
            assertArrayEquals(values.get(i), got);
        }
    }
}
