package io.regioncache.blackbox4c;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.util.concurrent.atomic.AtomicIntegerArray;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The host's history of every key (one writer, any number of readers): which version each key holds at any read
 * version. A version is appended before the batch reaches the store or the cache, so every version a cache read can
 * see is already here.
 */
final class Truth
{
    final int keys;
    private final long[][] versions; // +v put, -v delete, ascending |v|
    private final AtomicIntegerArray sizes;

    Truth(final int keys, final int maxVersionsPerKey)
    {
        this.keys = keys;
        versions = new long[keys][maxVersionsPerKey];
        sizes = new AtomicIntegerArray(keys);
    }

    static byte[] key(final int i)
    {
        return String.format("k%02d", i).getBytes(US_ASCII);
    }

    static int keyIndex(final byte[] key)
    {
        return Integer.parseInt(new String(key, 1, key.length - 1, US_ASCII));
    }

    /** Region bound for key index i: "k" at 0, "l" at the end. */
    static byte[] bound(final int i, final int keys)
    {
        if (i == 0)
        {
            return "k".getBytes(US_ASCII);
        }
        if (i == keys)
        {
            return "l".getBytes(US_ASCII);
        }
        return key(i);
    }

    static int valueLength(final long version)
    {
        return version % 7 == 0 ? 170 : 12 + (int)(version % 3) * 10;
    }

    static byte[] value(final long version, final int keyIndex)
    {
        final byte[] v = new byte[valueLength(version)];
        final UnsafeBuffer b = new UnsafeBuffer(v);
        b.putLong(0, version);
        b.putInt(8, keyIndex);
        for (int i = 12; i < v.length; i++)
        {
            v[i] = (byte)(version * 31 + i);
        }
        return v;
    }

    /** Writer only. */
    void append(final int key, final long version, final boolean delete)
    {
        final int n = sizes.get(key);
        versions[key][n] = delete ? -version : version;
        sizes.set(key, n + 1); // release
    }

    /** @return the version of the put visible at {@code readVersion}, or -1 if absent or deleted. */
    long expected(final int key, final long readVersion)
    {
        final int n = sizes.get(key); // acquire
        final long[] vs = versions[key];
        int lo = 0;
        int hi = n - 1;
        int found = -1;
        while (lo <= hi)
        {
            final int mid = (lo + hi) >>> 1;
            if (Math.abs(vs[mid]) <= readVersion)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        if (found < 0 || vs[found] < 0)
        {
            return -1;
        }
        return vs[found];
    }

    /** Describe a value read for key {@code key}, or null if it is exactly the value of {@code version}. */
    static String checkValue(final DirectBuffer buf, final int offset, final int length, final int key,
        final long version)
    {
        if (length != valueLength(version))
        {
            return "length " + length + " != " + valueLength(version) + " of version " + version + " (read version " +
                (length >= 12 ? buf.getLong(offset) : -1) + ")";
        }
        final long v = buf.getLong(offset);
        final int k = buf.getInt(offset + 8);
        if (v != version || k != key)
        {
            return "value names version " + v + " key " + k + ", expected version " + version + " key " + key;
        }
        for (int i = 12; i < length; i++)
        {
            if (buf.getByte(offset + i) != (byte)(version * 31 + i))
            {
                return "torn value at byte " + i + " of version " + version;
            }
        }
        return null;
    }
}
