package io.regioncache.bench.support;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * The data set of every benchmark: {@code n} unique 16-byte keys and their 100-byte values, all generated up front.
 * <p>
 * Key {@code i} is big-endian {@code (i * step, mix64(i))} with {@code step = (2^64 - 1) / n}: keys are unique,
 * spread over the whole first 8 bytes (no long shared prefix) and sorted by index, so index order is key order
 * (LMDB and RocksDB can be loaded in order; a scan from index {@code i} meets {@code i+1, i+2, ...}). The value of
 * key {@code i} starts with the big-endian long {@code i}; its other 92 bytes are pseudo-random.
 * <p>
 * All keys live back to back in one array wrapped by {@link #keyPool()}: key {@code i} is at offset {@code 16 * i},
 * so a reader passes {@code (pool, i << 4, 16)} and allocates nothing.
 */
public final class KeySpace
{
    /** Key length in bytes. */
    public static final int KEY_LENGTH = 16;
    /** Value length in bytes. */
    public static final int VALUE_LENGTH = 100;

    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final int size;
    /** Key {@code i} starts with the big-endian long {@code i * step}: keys sort by index. */
    private final long step;
    private final byte[] keyBytes;
    private final UnsafeBuffer keyPool;
    private byte[][] keyArrays;

    private KeySpace(final int size)
    {
        if (size < 1 || size > (Integer.MAX_VALUE >> 4))
        {
            throw new IllegalArgumentException("key count out of range: " + size);
        }
        this.size = size;
        this.keyBytes = new byte[size * KEY_LENGTH];
        step = Long.divideUnsigned(-1L, size);
        for (int i = 0; i < size; i++)
        {
            LONG_BE.set(keyBytes, i * KEY_LENGTH, i * step);
            LONG_BE.set(keyBytes, i * KEY_LENGTH + 8, mix64(i));
        }
        this.keyPool = new UnsafeBuffer(keyBytes);
    }

    /**
     * @param size number of keys.
     * @return a generated key space.
     */
    public static KeySpace of(final int size)
    {
        return new KeySpace(size);
    }

    /** @return number of keys. */
    public int size()
    {
        return size;
    }

    /** @return every key back to back; key {@code i} at offset {@code i << 4}. Read-only. */
    public UnsafeBuffer keyPool()
    {
        return keyPool;
    }

    /**
     * @param i key index.
     * @return the first 8 bytes of key {@code i} as a big-endian long.
     */
    public long keyHi(final int i)
    {
        // Computed, not loaded: a reader building key i from a random index must not pay a cache miss on a
        // 16 MB key array before the store under test even starts (that miss would be measured as the store's).
        return i * step;
    }

    /**
     * @param i key index.
     * @return the last 8 bytes of key {@code i} as a big-endian long.
     */
    public long keyLo(final int i)
    {
        return mix64(i);
    }

    /**
     * Write key {@code i} (computed, see {@link #keyHi}) into a reader's reused buffer.
     *
     * @param i      key index.
     * @param dst    destination.
     * @param offset where (16 bytes).
     */
    public void writeKey(final int i, final org.agrona.MutableDirectBuffer dst, final int offset)
    {
        dst.putLong(offset, keyHi(i), java.nio.ByteOrder.BIG_ENDIAN);
        dst.putLong(offset + 8, keyLo(i), java.nio.ByteOrder.BIG_ENDIAN);
    }

    /** Bytes of an absent seek key ({@link #writeSeekKey}): a stored key and one zero byte. */
    public static final int SEEK_KEY_LENGTH = KEY_LENGTH + 1;

    /**
     * Write the key a scan from key {@code i} seeks: key {@code i} itself, or with {@code absent} (and {@code i > 0})
     * key {@code i - 1} followed by one zero byte, which no store holds and which sorts after key {@code i - 1} and
     * before key {@code i}. Either way the scan lands on key {@code i} and reads the same entries; the absent key
     * makes every store search its order instead of finding the key itself (RegionCache's seek finds a present key
     * through its hash index, a B-tree or LSM seek does not care).
     *
     * @param i      key index the scan starts at.
     * @param absent seek to the absent key just before it (ignored for key 0, which has none).
     * @param dst    destination.
     * @param offset where ({@link #SEEK_KEY_LENGTH} bytes at most).
     * @return the seek key's length.
     */
    public int writeSeekKey(final int i, final boolean absent, final org.agrona.MutableDirectBuffer dst,
        final int offset)
    {
        if (absent && i > 0)
        {
            writeKey(i - 1, dst, offset);
            dst.putByte(offset + KEY_LENGTH, (byte)0);
            return SEEK_KEY_LENGTH;
        }
        writeKey(i, dst, offset);
        return KEY_LENGTH;
    }

    /**
     * Write key {@code i} (computed, see {@link #keyHi}) into a reader's reused array.
     *
     * @param i   key index.
     * @param dst destination, at least 16 bytes.
     */
    public void writeKey(final int i, final byte[] dst)
    {
        LONG_BE.set(dst, 0, keyHi(i));
        LONG_BE.set(dst, 8, keyLo(i));
    }

    /**
     * @param i key index.
     * @return a fresh copy of key {@code i}.
     */
    public byte[] key(final int i)
    {
        final byte[] k = new byte[KEY_LENGTH];
        System.arraycopy(keyBytes, i * KEY_LENGTH, k, 0, KEY_LENGTH);
        return k;
    }

    /** @return one byte[] per key (built once, shared; do not modify): for the peers keyed by arrays. */
    public synchronized byte[][] keyArrays()
    {
        if (keyArrays == null)
        {
            final byte[][] a = new byte[size][];
            for (int i = 0; i < size; i++)
            {
                a[i] = key(i);
            }
            keyArrays = a;
        }
        return keyArrays;
    }

    /**
     * @param i key index.
     * @return a fresh copy of the value of key {@code i}.
     */
    public byte[] value(final int i)
    {
        final byte[] v = new byte[VALUE_LENGTH];
        fillValue(i, v, 0);
        return v;
    }

    /**
     * Write the value of key {@code i}.
     *
     * @param i      key index.
     * @param dst    destination.
     * @param offset where.
     */
    public static void fillValue(final long i, final byte[] dst, final int offset)
    {
        LONG_BE.set(dst, offset, i);
        long x = mix64(i ^ 0x5DEECE66DL);
        for (int b = 8; b < VALUE_LENGTH; b++)
        {
            if ((b & 7) == 0)
            {
                x = mix64(x);
            }
            dst[offset + b] = (byte)(x >>> ((b & 7) << 3));
        }
    }

    /**
     * The checksum a get of key {@code i} must return: value length plus the value's first long.
     *
     * @param i key index.
     * @return expected checksum.
     */
    public static long expectedGet(final int i)
    {
        return VALUE_LENGTH + i;
    }

    /**
     * Fold one scanned entry into a scan checksum; every store folds the same way.
     *
     * @param acc        checksum so far.
     * @param keyLo      last 8 bytes of the key (big-endian).
     * @param valueFirst first 8 bytes of the value (big-endian).
     * @return new checksum.
     */
    public static long fold(final long acc, final long keyLo, final long valueFirst)
    {
        return acc * 31 + (keyLo ^ valueFirst);
    }

    /**
     * @param start   first index scanned.
     * @param entries entries consumed.
     * @return the checksum a correct scan returns.
     */
    public long expectedScan(final int start, final int entries)
    {
        long acc = 0;
        for (int k = start; k < start + entries && k < size; k++)
        {
            acc = fold(acc, keyLo(k), k);
        }
        return acc;
    }

    /**
     * @param bytes a byte array.
     * @param at    offset.
     * @return the big-endian long there.
     */
    public static long longAt(final byte[] bytes, final int at)
    {
        return (long)LONG_BE.get(bytes, at);
    }

    /**
     * Stafford variant 13 of the SplitMix64 finaliser.
     *
     * @param z input.
     * @return mixed bits.
     */
    public static long mix64(final long z)
    {
        long x = z + 0x9E3779B97F4A7C15L;
        x = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
        x = (x ^ (x >>> 27)) * 0x94D049BB133111EBL;
        return x ^ (x >>> 31);
    }
}
