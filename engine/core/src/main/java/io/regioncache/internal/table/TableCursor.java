package io.regioncache.internal.table;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A reusable MVCC cursor over an {@link MvccTable} at a fixed read version, within bounds [lower, upper).
 * <p>
 * It stops only on <em>visible</em> keys: keys whose newest version {@code <= readVersion} exists and is not a
 * tombstone; it is then positioned on that version. Shadowed versions and deleted keys are skipped.
 * <p>
 * Lock-free and allocation-free after construction; safe to use concurrently with the table's writer. One
 * cursor must be used by one thread at a time. Forward steps are amortised O(1) per skipped node; backward
 * steps ({@link #prev()}, {@link #seekForPrev}) are O(log n) per key, like RocksDB's memtable iterator.
 * <p>
 * Views handed out ({@link #keyView}, {@link #valueView}) alias table memory; they remain memory-safe forever
 * but meaningful only while the table is not freed.
 */
public final class TableCursor
{
    private final MvccTable table;
    private final KeyBound lower;
    private final KeyBound upper;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[0]);
    private long readVersion;
    private long node = NodeLayout.NULL;

    TableCursor(final MvccTable table)
    {
        this.table = table;
        this.lower = new KeyBound(table.maxKeyLength());
        this.upper = new KeyBound(table.maxKeyLength());
    }

    /**
     * Set the read version and the bounds, and invalidate the cursor. Bounds are copied.
     *
     * @param readVersion versions newer than this are invisible.
     * @param lower       inclusive lower bound, or null for unbounded.
     * @param upper       exclusive upper bound, or null for unbounded.
     */
    public void reset(
        final long readVersion,
        final DirectBuffer lower, final int lowerOffset, final int lowerLength,
        final DirectBuffer upper, final int upperOffset, final int upperLength)
    {
        this.readVersion = readVersion;
        this.lower.set(lower, lowerOffset, lowerLength);
        this.upper.set(upper, upperOffset, upperLength);
        node = NodeLayout.NULL;
    }

    /**
     * Convenience for tests: {@link #reset(long, DirectBuffer, int, int, DirectBuffer, int, int)} on arrays.
     */
    public void reset(final long readVersion, final byte[] lower, final byte[] upper)
    {
        reset(
            readVersion,
            null == lower ? null : new UnsafeBuffer(lower), 0, null == lower ? 0 : lower.length,
            null == upper ? null : new UnsafeBuffer(upper), 0, null == upper ? 0 : upper.length);
    }

    /**
     * Position on the first visible key.
     *
     * @return {@link #isValid()}.
     */
    public boolean seekToFirst()
    {
        if (lower.isPresent())
        {
            return settleForward(table.findGreaterOrEqual(lower.buffer(), 0, lower.length(), readVersion));
        }
        return settleForward(table.first());
    }

    /**
     * Position on the last visible key.
     *
     * @return {@link #isValid()}.
     */
    public boolean seekToLast()
    {
        if (upper.isPresent())
        {
            return settleBackward(table.findLastKeyBefore(upper.buffer(), 0, upper.length(), false));
        }
        return settleBackward(table.findLast());
    }

    /**
     * Position on the first visible key {@code >= key} (and {@code >= lower}).
     *
     * @return {@link #isValid()}.
     */
    public boolean seek(final DirectBuffer key, final int offset, final int length)
    {
        if (lower.isPresent() && lower.compareKey(key, offset, length) < 0)
        {
            return seekToFirst();
        }
        return settleForward(table.seekStart(key, offset, length, readVersion));
    }

    /**
     * Convenience for tests: {@link #seek(DirectBuffer, int, int)} on an array.
     */
    public boolean seek(final byte[] key)
    {
        scratch.wrap(key);
        return seek(scratch, 0, key.length);
    }

    /**
     * Position on the last visible key {@code <= key} (and {@code < upper}).
     *
     * @return {@link #isValid()}.
     */
    public boolean seekForPrev(final DirectBuffer key, final int offset, final int length)
    {
        if (upper.isPresent() && upper.compareKey(key, offset, length) >= 0)
        {
            return seekToLast();
        }
        return settleBackward(table.findLastKeyBefore(key, offset, length, true));
    }

    /**
     * Convenience for tests: {@link #seekForPrev(DirectBuffer, int, int)} on an array.
     */
    public boolean seekForPrev(final byte[] key)
    {
        scratch.wrap(key);
        return seekForPrev(scratch, 0, key.length);
    }

    /**
     * Move to the next visible key.
     *
     * @return {@link #isValid()}; false (and invalid) if the cursor was not valid.
     */
    public boolean next()
    {
        if (NodeLayout.NULL == node)
        {
            return false;
        }
        return settleForward(table.skipKey(node));
    }

    /**
     * Move to the previous visible key.
     *
     * @return {@link #isValid()}; false (and invalid) if the cursor was not valid.
     */
    public boolean prev()
    {
        if (NodeLayout.NULL == node)
        {
            return false;
        }
        final UnsafeBuffer segment = table.arena().segment(node);
        final int nodeOffset = NodeLayout.offset(node);
        return settleBackward(table.findLastKeyBefore(
            segment, NodeLayout.keyOffset(nodeOffset), NodeLayout.keyLength(segment, nodeOffset), false));
    }

    /**
     * @return true if positioned on a visible key.
     */
    public boolean isValid()
    {
        return NodeLayout.NULL != node;
    }

    /**
     * @return the current key's length. Cursor must be valid.
     */
    public int keyLength()
    {
        final long n = validNode();
        return NodeLayout.keyLength(table.arena().segment(n), NodeLayout.offset(n));
    }

    /**
     * @return the current value's length. Cursor must be valid.
     */
    public int valueLength()
    {
        final long n = validNode();
        return NodeLayout.valueLength(table.arena().segment(n), NodeLayout.offset(n));
    }

    /**
     * @return the version the cursor sees for the current key. Cursor must be valid.
     */
    public long version()
    {
        return table.version(validNode());
    }

    /**
     * Wrap {@code view} over the current key in place. Cursor must be valid.
     */
    public void keyView(final DirectBuffer view)
    {
        table.wrapKey(validNode(), view);
    }

    /**
     * Wrap {@code view} over the current value in place. Cursor must be valid.
     */
    public void valueView(final DirectBuffer view)
    {
        table.wrapValue(validNode(), view);
    }

    /**
     * Copy the current key. Cursor must be valid.
     *
     * @return the number of bytes copied.
     */
    public int copyKey(final MutableDirectBuffer dst, final int dstOffset)
    {
        final long n = validNode();
        final UnsafeBuffer segment = table.arena().segment(n);
        final int nodeOffset = NodeLayout.offset(n);
        final int length = NodeLayout.keyLength(segment, nodeOffset);
        dst.putBytes(dstOffset, segment, NodeLayout.keyOffset(nodeOffset), length);
        return length;
    }

    /**
     * Copy the current value. Cursor must be valid.
     *
     * @return the number of bytes copied.
     */
    public int copyValue(final MutableDirectBuffer dst, final int dstOffset)
    {
        final long n = validNode();
        final UnsafeBuffer segment = table.arena().segment(n);
        final int nodeOffset = NodeLayout.offset(n);
        final int length = NodeLayout.valueLength(segment, nodeOffset);
        dst.putBytes(dstOffset, segment, NodeLayout.valueOffset(segment, nodeOffset), length);
        return length;
    }

    /**
     * Convenience for tests: a copy of the current key.
     */
    public byte[] key()
    {
        final byte[] key = new byte[keyLength()];
        copyKey(new UnsafeBuffer(key), 0);
        return key;
    }

    /**
     * Convenience for tests: a copy of the current value.
     */
    public byte[] value()
    {
        final byte[] value = new byte[valueLength()];
        copyValue(new UnsafeBuffer(value), 0);
        return value;
    }

    /**
     * From a node that is the first node at or after the wanted position, move forward to the first visible
     * key: skip versions newer than the read version, and whole keys whose visible version is a tombstone.
     */
    private boolean settleForward(final long start)
    {
        final NodeArena arena = table.arena();
        final boolean bounded = upper.isPresent();
        long n = start;
        while (NodeLayout.NULL != n)
        {
            if (bounded && upper.compareNode(table, n) >= 0)
            {
                break;
            }
            final UnsafeBuffer segment = arena.segment(n);
            final int nodeOffset = NodeLayout.offset(n);
            if (NodeLayout.version(segment, nodeOffset) > readVersion)
            {
                // a newer version of this key, or the first of the next key
                n = segment.getLongAcquire(NodeLayout.nextOffset(nodeOffset, 0));
            }
            else if (NodeLayout.valueLength(segment, nodeOffset) == NodeLayout.TOMBSTONE)
            {
                n = table.skipKey(n);
            }
            else
            {
                node = n; // the first version <= readVersion of its key: its visible version
                return true;
            }
        }
        node = NodeLayout.NULL;
        return false;
    }

    /**
     * From the last (oldest) node of some key, move backward to the last visible key, one key at a time.
     */
    private boolean settleBackward(final long start)
    {
        long n = start;
        while (NodeLayout.NULL != n)
        {
            if (lower.isPresent() && lower.compareNode(table, n) < 0)
            {
                break;
            }
            final long visible = table.visibleVersionOf(n, readVersion);
            if (NodeLayout.NULL != visible)
            {
                node = visible;
                return true;
            }
            final UnsafeBuffer segment = table.arena().segment(n);
            final int nodeOffset = NodeLayout.offset(n);
            n = table.findLastKeyBefore(
                segment, NodeLayout.keyOffset(nodeOffset), NodeLayout.keyLength(segment, nodeOffset), false);
        }
        node = NodeLayout.NULL;
        return false;
    }

    private long validNode()
    {
        if (NodeLayout.NULL == node)
        {
            throw new IllegalStateException("cursor is not positioned on a key");
        }
        return node;
    }
}
