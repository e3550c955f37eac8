package io.regioncache.internal.table;

import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A reusable cursor over <em>every</em> node of an {@link MvccTable} in [lower, upper): all versions, newest
 * first within a key, tombstones included. Used to copy a region into another table (loading, compaction).
 * <p>
 * Lock-free and allocation-free after construction; safe to use concurrently with the table's writer (nodes
 * linked after the cursor passed their position are not seen).
 */
public final class RawCursor
{
    private final MvccTable table;
    private final KeyBound lower;
    private final KeyBound upper;
    private long node = NodeLayout.NULL;

    RawCursor(final MvccTable table)
    {
        this.table = table;
        this.lower = new KeyBound(table.maxKeyLength());
        this.upper = new KeyBound(table.maxKeyLength());
    }

    /**
     * Set the bounds (copied) and invalidate the cursor.
     *
     * @param lower inclusive lower bound, or null for unbounded.
     * @param upper exclusive upper bound, or null for unbounded.
     */
    public void reset(
        final DirectBuffer lower, final int lowerOffset, final int lowerLength,
        final DirectBuffer upper, final int upperOffset, final int upperLength)
    {
        this.lower.set(lower, lowerOffset, lowerLength);
        this.upper.set(upper, upperOffset, upperLength);
        node = NodeLayout.NULL;
    }

    /**
     * Convenience for tests: {@link #reset(DirectBuffer, int, int, DirectBuffer, int, int)} on arrays.
     */
    public void reset(final byte[] lower, final byte[] upper)
    {
        reset(
            null == lower ? null : new UnsafeBuffer(lower), 0, null == lower ? 0 : lower.length,
            null == upper ? null : new UnsafeBuffer(upper), 0, null == upper ? 0 : upper.length);
    }

    /**
     * Position on the first node {@code >= lower}.
     *
     * @return {@link #isValid()}.
     */
    public boolean seekToFirst()
    {
        final long first = lower.isPresent() ?
            table.findGreaterOrEqual(lower.buffer(), 0, lower.length(), Long.MAX_VALUE) : table.first();
        return settle(first);
    }

    /**
     * Move to the next node.
     *
     * @return {@link #isValid()}.
     */
    public boolean next()
    {
        if (NodeLayout.NULL == node)
        {
            return false;
        }
        return settle(table.nextAcquire(node, 0));
    }

    /**
     * @return true if positioned on a node.
     */
    public boolean isValid()
    {
        return NodeLayout.NULL != node;
    }

    /**
     * Wrap {@code view} over the current key.
     */
    public void keyView(final DirectBuffer view)
    {
        table.wrapKey(validNode(), view);
    }

    /**
     * Wrap {@code view} over the current value (empty for a tombstone).
     */
    public void valueView(final DirectBuffer view)
    {
        table.wrapValue(validNode(), view);
    }

    /**
     * @return the current node's version.
     */
    public long version()
    {
        return table.version(validNode());
    }

    /**
     * @return true if the current node is a delete marker.
     */
    public boolean isTombstone()
    {
        return table.isTombstone(validNode());
    }

    private boolean settle(final long n)
    {
        node = NodeLayout.NULL == n || (upper.isPresent() && upper.compareNode(table, n) >= 0) ? NodeLayout.NULL : n;
        return NodeLayout.NULL != node;
    }

    private long validNode()
    {
        if (NodeLayout.NULL == node)
        {
            throw new IllegalStateException("cursor is not positioned on a node");
        }
        return node;
    }
}
