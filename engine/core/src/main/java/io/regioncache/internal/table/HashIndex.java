package io.regioncache.internal.table;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One generation of the off-heap open-addressing hash index: key -&gt; address of the newest node of the key.
 * <p>
 * Slot layout (one {@code long} per slot, linear probing, capacity a power of two):
 * <pre>
 *  63            48 47                                               0
 *  +---------------+--------------------------------------------------+
 *  | tag (16 bits) | node address (48 bits) = segment(16) | offset(32) |
 *  +---------------+--------------------------------------------------+
 *  slot == 0  : empty (a node address is never 0)
 *  tag        : top 16 bits of the key hash; slot index: low bits of the same hash
 * </pre>
 * The tag filters out almost all probe mismatches without touching the node; a tag match is confirmed with a
 * full key comparison.
 * <p>
 * Written by the single writer only, always with release stores and only after the node is fully linked, so
 * a reader's acquire load of a slot makes the whole node visible. Slots are never cleared (there is no
 * per-key delete: a delete is a tombstone node), so a probe sequence never breaks under a reader. Growing
 * builds a new generation and publishes it through a volatile field; a reader that still holds the old one
 * keeps a valid (if slightly stale) index, which is why old generations are released only when the table is
 * freed.
 */
final class HashIndex
{
    /** Initial number of slots. */
    static final int INITIAL_CAPACITY = 16;
    /** Largest number of slots (8 bytes each must fit one int-sized buffer). */
    static final int MAX_CAPACITY = 1 << 27;

    private static final int TAG_SHIFT = 48;

    private final UnsafeBuffer slots;
    private final int mask;

    private HashIndex(final UnsafeBuffer slots, final int capacity)
    {
        this.slots = slots;
        this.mask = capacity - 1;
    }

    /**
     * @return a new, empty index of {@code capacity} slots, or null if the pool refused the memory.
     */
    static HashIndex tryAllocate(final SegmentPool pool, final int capacity)
    {
        final UnsafeBuffer buffer = pool.tryAcquireLarge(capacity * Long.BYTES);
        return null == buffer ? null : new HashIndex(buffer, capacity);
    }

    int capacity()
    {
        return mask + 1;
    }

    UnsafeBuffer buffer()
    {
        return slots;
    }

    /**
     * Find the newest node of a key. Any thread.
     *
     * @return its address, or {@link NodeLayout#NULL}.
     */
    long findAcquire(
        final NodeArena arena, final long hash, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        final long tag = hash >>> TAG_SHIFT;
        int index = (int)hash & mask;
        while (true)
        {
            final long slot = slots.getLongAcquire(index << 3);
            if (0 == slot)
            {
                return NodeLayout.NULL;
            }
            if ((slot >>> TAG_SHIFT) == tag)
            {
                final long node = slot & NodeLayout.ADDRESS_MASK;
                final UnsafeBuffer segment = arena.segment(node);
                final int nodeOffset = NodeLayout.offset(node);
                if (KeyCompare.equals(
                    segment, NodeLayout.keyOffset(nodeOffset), NodeLayout.keyLength(segment, nodeOffset),
                    key, keyOffset, keyLength))
                {
                    return node;
                }
            }
            index = (index + 1) & mask;
        }
    }

    /**
     * The word in the home slot of {@code hash}, for a batched get that loads the home slots of all its keys
     * before it resolves any of them, so their cache misses overlap. A hint only: the caller resolves every key
     * through {@link #findAcquire} afterwards. Any thread.
     *
     * @return the slot word (0 if empty).
     */
    long homeSlotAcquire(final long hash)
    {
        return slots.getLongAcquire(((int)hash & mask) << 3);
    }

    /**
     * @return true if a slot word carries the tag of {@code hash} (the node it names is then probably the key's).
     */
    static boolean tagMatches(final long slot, final long hash)
    {
        return (slot >>> TAG_SHIFT) == (hash >>> TAG_SHIFT);
    }

    /**
     * Insert a key that is not present yet. Writer only; the node must already be linked.
     */
    void insertRelease(final long hash, final long node)
    {
        int index = (int)hash & mask;
        while (0 != slots.getLong(index << 3))
        {
            index = (index + 1) & mask;
        }
        slots.putLongRelease(index << 3, slot(hash, node));
    }

    /**
     * Point an existing key at its new newest node. Writer only; the node must already be linked.
     *
     * @return false if the key was not found (a bug in the caller).
     */
    boolean replaceRelease(
        final NodeArena arena, final long hash, final DirectBuffer key, final int keyOffset, final int keyLength,
        final long node)
    {
        final long tag = hash >>> TAG_SHIFT;
        int index = (int)hash & mask;
        while (true)
        {
            final long slot = slots.getLong(index << 3);
            if (0 == slot)
            {
                return false;
            }
            if ((slot >>> TAG_SHIFT) == tag)
            {
                final long old = slot & NodeLayout.ADDRESS_MASK;
                final UnsafeBuffer segment = arena.segment(old);
                final int nodeOffset = NodeLayout.offset(old);
                if (KeyCompare.equals(
                    segment, NodeLayout.keyOffset(nodeOffset), NodeLayout.keyLength(segment, nodeOffset),
                    key, keyOffset, keyLength))
                {
                    slots.putLongRelease(index << 3, slot(hash, node));
                    return true;
                }
            }
            index = (index + 1) & mask;
        }
    }

    /**
     * Copy every entry of this generation into a fresh, unpublished one. Writer only.
     */
    void copyInto(final NodeArena arena, final HashIndex target)
    {
        for (int i = 0, capacity = capacity(); i < capacity; i++)
        {
            final long slot = slots.getLong(i << 3);
            if (0 != slot)
            {
                final long node = slot & NodeLayout.ADDRESS_MASK;
                final UnsafeBuffer segment = arena.segment(node);
                final int nodeOffset = NodeLayout.offset(node);
                final long hash = KeyHash.hash(
                    segment, NodeLayout.keyOffset(nodeOffset), NodeLayout.keyLength(segment, nodeOffset));
                int index = (int)hash & target.mask;
                while (0 != target.slots.getLong(index << 3))
                {
                    index = (index + 1) & target.mask;
                }
                // Plain store: the generation is published later through a volatile field.
                target.slots.putLong(index << 3, slot(hash, node));
            }
        }
    }

    private static long slot(final long hash, final long node)
    {
        return (hash >>> TAG_SHIFT) << TAG_SHIFT | node;
    }
}
