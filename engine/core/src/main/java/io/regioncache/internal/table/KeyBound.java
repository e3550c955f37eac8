package io.regioncache.internal.table;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A cursor bound: a private copy of a key, so that the caller may reuse its own buffer immediately. The copy's buffer
 * is allocated once (maxKeyLength bytes), so that resetting a cursor never allocates for a bound as long as a key the
 * table can hold; a longer bound (any key is a valid bound: it lies between the table's keys like any other) grows
 * it once, to that length.
 */
final class KeyBound
{
    private final UnsafeBuffer buffer;
    private int length;
    private boolean present;

    KeyBound(final int maxKeyLength)
    {
        buffer = new UnsafeBuffer(new byte[maxKeyLength]);
    }

    void set(final DirectBuffer key, final int offset, final int length)
    {
        if (null == key)
        {
            present = false;
            this.length = 0;
            return;
        }
        if (length < 0)
        {
            throw new IllegalArgumentException("bound length must be >= 0, got " + length);
        }
        if (length > buffer.capacity())
        {
            // Before anything of the bound changes: a set either completes or leaves the bound as it was.
            buffer.wrap(new byte[length]);
        }
        buffer.putBytes(0, key, offset, length);
        this.length = length;
        present = true;
    }

    boolean isPresent()
    {
        return present;
    }

    UnsafeBuffer buffer()
    {
        return buffer;
    }

    int length()
    {
        return length;
    }

    /**
     * @return the comparison of the node's key with this bound (only meaningful when present).
     */
    int compareNode(final MvccTable table, final long node)
    {
        return table.compareKey(node, buffer, 0, length);
    }

    /**
     * @return the order of the key at raw {@code address} of {@code base} (null: off-heap) against this bound: a
     * scan's step, which has checked the key's range once (see {@code TableCursor#checkedNode}).
     */
    int compareRaw(final byte[] base, final long address, final int keyLength)
    {
        return KeyCompare.compareRaw(base, address, keyLength, buffer.byteArray(), buffer.addressOffset(), length);
    }

    /**
     * @return the comparison of a key with this bound (only meaningful when present).
     */
    int compareKey(final DirectBuffer key, final int offset, final int keyLength)
    {
        return KeyCompare.compare(key, offset, keyLength, buffer, 0, length);
    }
}
