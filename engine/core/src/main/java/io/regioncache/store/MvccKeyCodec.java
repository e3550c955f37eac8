package io.regioncache.store;

import java.nio.ByteOrder;
import java.util.Arrays;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.ArrayUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The stored-key format of the MVCC stores (RocksDB, LMDB), modelled on TiKV's write column family:
 * {@code memcomparable(userKey) ++ bigEndian(~version)}.
 * <p>
 * <b>Memcomparable encoding</b> (TiKV {@code codec::bytes::encode_bytes}). The user key is cut into groups of 8
 * bytes; the last group is padded with zero bytes. Each group is followed by one marker byte
 * {@code 0xFF - padding}, so a full group has marker {@code 0xFF} and the final group has a marker in
 * {@code [0xF7, 0xFE]}. A key whose length is a multiple of 8 (the empty key included) ends with an all-padding
 * group ({@code 8 x 0x00, 0xF7}). Encoded length is {@code (len / 8 + 1) * 9}.
 * <p>
 * <b>Why it preserves order.</b> Take user keys {@code a != b} and the first group {@code g} where their
 * encodings differ (all earlier groups are full and equal, so the keys agree on their first {@code 8g} bytes).
 * <ul>
 * <li>If the keys differ at some byte inside group {@code g}, the data bytes of the group differ first at that
 * byte with the raw values (padding only follows the last real byte), so the encodings compare as the keys.</li>
 * <li>Otherwise the shorter key, say {@code a}, ends inside group {@code g} and is a prefix of {@code b}; {@code a}
 * sorts first in raw order. In the group, {@code a} has zero padding where {@code b} has real bytes ({@code >= 0}):
 * either a real byte of {@code b} is non-zero and {@code b} is greater at that byte, or all are zero and the data
 * bytes tie; then the marker decides, and {@code a}, padded more, has the smaller marker.</li>
 * </ul>
 * The encoding is also <i>prefix-free</i>: a proper prefix of an encoding that ends at a group boundary ends with
 * a {@code 0xFF} marker, whereas every encoding ends with a marker below {@code 0xFF}. Hence for {@code a != b}
 * the comparison of {@code enc(a) ++ x} and {@code enc(b) ++ y} is decided inside the encoded keys whatever the
 * suffixes, and for {@code a == b} it is decided by the suffixes. With the suffix {@code ~version} (big-endian,
 * compared unsigned: a larger version gives a smaller suffix) the stored order is exactly (user key ascending,
 * version descending), the order {@link io.regioncache.BackingSnapshot} promises.
 * <p>
 * Versions must be {@code >= 0} (as in the engine's tables).
 */
public final class MvccKeyCodec
{
    /** Bytes of the version suffix. */
    public static final int VERSION_LENGTH = 8;
    /** Value flag: a put; the value bytes follow. */
    public static final byte FLAG_PUT = 'P';
    /** Value flag: a tombstone; nothing follows. */
    public static final byte FLAG_DELETE = 'D';

    private static final int GROUP = 8;
    private static final int MARKER_FULL = 0xFF;

    private MvccKeyCodec()
    {
    }

    /**
     * @param keyLength user key length.
     * @return length of its memcomparable encoding (without the version).
     */
    public static int encodedLength(final int keyLength)
    {
        return (keyLength / GROUP + 1) * (GROUP + 1);
    }

    /**
     * Memcomparable-encode a user key.
     *
     * @param key       key buffer.
     * @param keyOffset key offset.
     * @param keyLength key length.
     * @param dst       destination (at least {@link #encodedLength(int)} bytes from dstOffset, unless expandable).
     * @param dstOffset destination offset.
     * @return bytes written.
     * @throws IllegalArgumentException if the key's slice lies outside its buffer or the destination is too small.
     */
    public static int encodeKey(
        final DirectBuffer key, final int keyOffset, final int keyLength, final MutableDirectBuffer dst,
        final int dstOffset)
    {
        // Checked here, not left to Agrona's bounds checks (which a host may turn off): a bad slice would read or
        // write outside the buffers. Messages are built only on failure (this runs on the stores' read paths).
        if (keyOffset < 0 || keyLength < 0 || keyOffset > key.capacity() || keyLength > key.capacity() - keyOffset)
        {
            throw new IllegalArgumentException("key offset " + keyOffset + " and length " + keyLength +
                " outside a buffer of " + key.capacity());
        }
        checkRoom(dst, dstOffset, encodedLength(keyLength));
        int in = 0;
        int out = dstOffset;
        while (true)
        {
            final int remaining = keyLength - in;
            if (remaining >= GROUP)
            {
                dst.putBytes(out, key, keyOffset + in, GROUP);
                dst.putByte(out + GROUP, (byte)MARKER_FULL);
                in += GROUP;
                out += GROUP + 1;
            }
            else
            {
                if (remaining > 0)
                {
                    dst.putBytes(out, key, keyOffset + in, remaining);
                }
                dst.setMemory(out + remaining, GROUP - remaining, (byte)0);
                final int pad = GROUP - remaining;
                dst.putByte(out + GROUP, (byte)(MARKER_FULL - pad));
                out += GROUP + 1;
                return out - dstOffset;
            }
        }
    }

    /**
     * Write the version suffix.
     *
     * @param dst     destination.
     * @param offset  offset.
     * @param version version, {@code >= 0}.
     * @throws IllegalArgumentException if {@link #VERSION_LENGTH} bytes do not fit at {@code offset}, or the version
     *                                  is negative (its suffix would sort before {@code Long.MAX_VALUE}'s, breaking the
     *                                  version-descending order every store and cursor relies on).
     */
    public static void putVersion(final MutableDirectBuffer dst, final int offset, final long version)
    {
        if (version < 0)
        {
            throw new IllegalArgumentException("version " + version + " is negative");
        }
        checkRoom(dst, offset, VERSION_LENGTH);
        dst.putLong(offset, ~version, ByteOrder.BIG_ENDIAN);
    }

    /**
     * @param src    buffer holding a stored key.
     * @param offset offset of its version suffix.
     * @return the version.
     * @throws IllegalArgumentException if the buffer holds no {@link #VERSION_LENGTH} bytes at {@code offset}.
     */
    public static long getVersion(final DirectBuffer src, final int offset)
    {
        if (offset < 0 || offset > src.capacity() - VERSION_LENGTH)
        {
            throw new IllegalArgumentException("no version at " + offset + " in a buffer of " + src.capacity());
        }
        return ~src.getLong(offset, ByteOrder.BIG_ENDIAN);
    }

    /**
     * Decode a memcomparable-encoded key.
     *
     * @param src       encoded bytes.
     * @param srcOffset offset.
     * @param srcLength length of the encoded key (without the version).
     * @param dst       destination, with room for the user key from dstOffset ({@code srcLength} bytes always
     *                  suffice), unless expandable.
     * @param dstOffset destination offset.
     * @return the user key length.
     * @throws IllegalArgumentException if the bytes are not a valid encoding (a length that is not a positive multiple
     *                                  of 9, a bad marker, a final group before the end or none, padding that is not
     *                                  zero), the slice lies outside {@code src}, or {@code dst} is too small.
     */
    public static int decodeKey(
        final DirectBuffer src, final int srcOffset, final int srcLength, final MutableDirectBuffer dst,
        final int dstOffset)
    {
        if (srcLength <= 0 || srcLength % (GROUP + 1) != 0)
        {
            throw new IllegalArgumentException("encoded key length " + srcLength + " is not a multiple of 9");
        }
        if (srcOffset < 0 || srcOffset > src.capacity() || srcLength > src.capacity() - srcOffset)
        {
            throw new IllegalArgumentException("encoded key offset " + srcOffset + " and length " + srcLength +
                " outside a buffer of " + src.capacity());
        }
        int in = srcOffset;
        int out = dstOffset;
        final int limit = srcOffset + srcLength;
        while (in < limit)
        {
            final int marker = src.getByte(in + GROUP) & 0xFF;
            if (marker == MARKER_FULL)
            {
                checkRoom(dst, out, GROUP);
                dst.putBytes(out, src, in, GROUP);
                out += GROUP;
                in += GROUP + 1;
                continue;
            }
            final int pad = MARKER_FULL - marker;
            if (pad > GROUP || in + GROUP + 1 != limit)
            {
                throw new IllegalArgumentException("bad marker " + marker + " at " + (in - srcOffset));
            }
            final int real = GROUP - pad;
            for (int i = real; i < GROUP; i++)
            {
                // The encoding pads with zeros: anything else is not an encoding (it would decode to the same key as
                // the canonical one, so two stored keys would name one user key).
                if (src.getByte(in + i) != 0)
                {
                    throw new IllegalArgumentException("non-zero padding at " + (in + i - srcOffset));
                }
            }
            checkRoom(dst, out, real);
            dst.putBytes(out, src, in, real);
            return out + real - dstOffset;
        }
        throw new IllegalArgumentException("encoded key has no final group");
    }

    /**
     * Room for {@code length} bytes at {@code offset} of {@code dst}. An expandable buffer grows instead, up to
     * Agrona's largest array ({@link ArrayUtil#MAX_CAPACITY}): past that it refuses with its own
     * {@code IndexOutOfBoundsException}, which the Javadoc of the methods here does not name (audit 32's fuzzing).
     */
    private static void checkRoom(final MutableDirectBuffer dst, final int offset, final int length)
    {
        final long limit = dst.isExpandable() ? ArrayUtil.MAX_CAPACITY : dst.capacity();
        if (offset < 0 || (long)offset + length > limit)
        {
            throw new IllegalArgumentException(length + " bytes at " + offset + " do not fit a buffer of " +
                dst.capacity());
        }
    }

    /**
     * Convenience (tests, tools): encode a key without a version.
     *
     * @param key user key.
     * @return its memcomparable encoding.
     */
    public static byte[] encodeKey(final byte[] key)
    {
        final byte[] out = new byte[encodedLength(key.length)];
        encodeKey(new UnsafeBuffer(key), 0, key.length,
            new UnsafeBuffer(out), 0);
        return out;
    }

    /**
     * Convenience (tests, tools): encode a stored key.
     *
     * @param key     user key.
     * @param version version, {@code >= 0}.
     * @return {@code memcomparable(key) ++ bigEndian(~version)}.
     * @throws IllegalArgumentException if the version is negative.
     */
    public static byte[] encode(final byte[] key, final long version)
    {
        final int encoded = encodedLength(key.length);
        final byte[] out = new byte[encoded + VERSION_LENGTH];
        final UnsafeBuffer buffer = new UnsafeBuffer(out);
        encodeKey(new UnsafeBuffer(key), 0, key.length, buffer, 0);
        putVersion(buffer, encoded, version);
        return out;
    }

    /**
     * Convenience (tests, tools): decode a stored key's user key.
     *
     * @param stored a stored key.
     * @return the user key.
     * @throws IllegalArgumentException if {@code stored} is not an encoded key followed by a version.
     */
    public static byte[] decodeUserKey(final byte[] stored)
    {
        final UnsafeBuffer src = new UnsafeBuffer(stored);
        final byte[] tmp = new byte[stored.length];
        final int n = decodeKey(src, 0, stored.length - VERSION_LENGTH, new UnsafeBuffer(tmp), 0);
        return Arrays.copyOf(tmp, n);
    }

    /**
     * Convenience (tests, tools): a stored key's version.
     *
     * @param stored a stored key.
     * @return its version.
     * @throws IllegalArgumentException if {@code stored} is shorter than a version.
     */
    public static long decodeVersion(final byte[] stored)
    {
        return getVersion(new UnsafeBuffer(stored), stored.length - VERSION_LENGTH);
    }
}
