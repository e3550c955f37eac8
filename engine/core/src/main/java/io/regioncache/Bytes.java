package io.regioncache;

import java.util.Arrays;

/**
 * An immutable byte string with value semantics: {@link #equals}/{@link #hashCode} by content and
 * {@link #compareTo} in unsigned lexicographic order (the engine's key order).
 * <p>
 * {@code byte[]} has identity equality, so a {@code Map<byte[], byte[]>} can never equal another map, contain an
 * entry built from copies, or hash like one: every {@link java.util.Map} contract that goes through
 * {@code equals} fails for it by construction. {@link Snapshot#asBytesMap()} keys and values its view with this type
 * so the map honours those contracts (and passes guava-testlib's conformance suite); {@link Snapshot#asNavigableMap()}
 * is the same view over raw arrays for callers who only navigate and read.
 */
public final class Bytes implements Comparable<Bytes>
{
    private static final Bytes EMPTY = new Bytes(new byte[0]);

    private final byte[] bytes;

    private Bytes(final byte[] bytes)
    {
        this.bytes = bytes;
    }

    /**
     * @param bytes contents (copied).
     * @return a byte string.
     */
    public static Bytes of(final byte[] bytes)
    {
        return bytes.length == 0 ? EMPTY : new Bytes(bytes.clone());
    }

    /** Takes ownership of {@code bytes}: for arrays nobody else holds. */
    static Bytes wrap(final byte[] bytes)
    {
        return bytes.length == 0 ? EMPTY : new Bytes(bytes);
    }

    /** The backing array, never to be modified or handed out. */
    byte[] array()
    {
        return bytes;
    }

    /** @return a copy of the contents. */
    public byte[] toByteArray()
    {
        return bytes.clone();
    }

    /** @return the number of bytes. */
    public int length()
    {
        return bytes.length;
    }

    @Override
    public int compareTo(final Bytes other)
    {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(final Object o)
    {
        return this == o || o instanceof Bytes && Arrays.equals(bytes, ((Bytes)o).bytes);
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(bytes);
    }

    /** @return the contents in hex, e.g. {@code 0x6b31}; {@code 0x} when empty. */
    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder(2 + 2 * bytes.length).append("0x");
        for (final byte b : bytes)
        {
            sb.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }
}
