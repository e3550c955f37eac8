package io.regioncache.internal.table;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Off-heap layout of a skiplist node, and encoding of node addresses.
 * <p>
 * The tower of next pointers is stored <em>before</em> the node address, as in RocksDB's InlineSkipList, so
 * that the header and the key sit at fixed offsets from the address whatever the node's height: a reader
 * never needs to load the height to find the key. The height itself is therefore not stored at all: a node is
 * only ever reached at level {@code i} through a level-{@code i} pointer, which implies it has that level.
 * <pre>
 *  allocation start                                  node address (addr)
 *  |                                                 |
 *  v                                                 v
 *  +-----------+-----+---------+---------+---------+-----------+-----------+---------+--------+----------+
 *  | next[h-1] | ... | next[1] | next[0] | version | keyLength | valueLen  | prev[0] | key    | value    |
 *  | long      |     | long    | long    | long    | int       | int, -1 = | long    | keyLen | valueLen |
 *  |           |     |         |         |         |           | tombstone | writer  | bytes  | bytes    |
 *  +-----------+-----+---------+---------+---------+-----------+-----------+---------+--------+----------+
 *  addr-8(h-1)       addr-8    addr+0    addr+8    addr+16     addr+20     addr+24   addr+32
 * </pre>
 * {@code prev[0]} is the node's predecessor at level 0. Only the writer reads or writes it, with plain accesses
 * (readers never follow it, so it needs no ordering): it lets a new newest version of a key that the hash index
 * already holds be linked in front of the key's newest node without a search from the head (see
 * {@code MvccTable.insert}). It is exact because the list is append-only: a node is never unlinked, so the only
 * change to a node's level-0 predecessor is an insert right before it, which rewrites it.
 * <p>
 * Allocations are 8-byte aligned so that every next pointer is 8-byte aligned (required for atomic
 * acquire/release access).
 * <p>
 * Node address (a {@code long}, only the low 48 bits used so that the hash index can keep a 16-bit tag next to it):
 * <pre>
 *  63          48 47           32 31                               0
 *  +-------------+---------------+----------------------------------+
 *  |  0 (unused) | segment index |    byte offset in that segment   |
 *  +-------------+---------------+----------------------------------+
 * </pre>
 * Address 0 (segment 0, offset 0) is reserved: the first 8 bytes of segment 0 are never allocated, so 0 is
 * {@link #NULL} everywhere (next pointers, hash slots, cursor positions).
 */
final class NodeLayout
{
    /** The null node address. */
    static final long NULL = 0L;

    /** Offset of next[0] from the node address; next[i] is at {@code NEXT_0 - 8 * i}. */
    static final int NEXT_0 = 0;
    /** Offset of the version. */
    static final int VERSION = 8;
    /** Offset of the key length. */
    static final int KEY_LENGTH = 16;
    /** Offset of the value length; {@link #TOMBSTONE} marks a delete. */
    static final int VALUE_LENGTH = 20;
    /** Offset of the level-0 predecessor (writer only). */
    static final int PREV_0 = 24;
    /** Offset of the first key byte; the value follows the key immediately. */
    static final int KEY = 32;

    /** Value length of a tombstone node. */
    static final int TOMBSTONE = -1;

    /** Header bytes after next[0]: version, key length, value length, level-0 predecessor. */
    static final int VERSION_TO_KEY = KEY - VERSION;
    /** Bytes reserved at the start of segment 0 so that address 0 is never a node. */
    static final int RESERVED_PREFIX = Long.BYTES;
    /** Mask of the 48 bits a node address may use. */
    static final long ADDRESS_MASK = (1L << 48) - 1;
    /** Number of addressable segments (16-bit index). */
    static final int MAX_SEGMENTS = 1 << 16;

    private NodeLayout()
    {
    }

    static long address(final int segmentIndex, final int offset)
    {
        return ((long)segmentIndex << 32) | (offset & 0xFFFF_FFFFL);
    }

    static int segmentIndex(final long address)
    {
        return (int)(address >>> 32);
    }

    static int offset(final long address)
    {
        return (int)address;
    }

    /**
     * @return bytes needed for a node, 8-byte aligned; may exceed {@code Integer.MAX_VALUE} (caller checks).
     */
    static long nodeSize(final int height, final int keyLength, final int valueLength)
    {
        final long raw = (long)Long.BYTES * height + VERSION_TO_KEY + keyLength + Math.max(0, valueLength);
        return (raw + 7) & ~7L;
    }

    /** Offset, within the segment, of next[level] of the node at {@code nodeOffset}. */
    static int nextOffset(final int nodeOffset, final int level)
    {
        return nodeOffset + NEXT_0 - (level << 3);
    }

    /** Node address given the address of the start of its allocation and its height. */
    static long nodeAddressFromStart(final long start, final int height)
    {
        return start + ((long)(height - 1) << 3);
    }

    /** Offset, within the segment, of prev[0] of the node at {@code nodeOffset}. */
    static int prevOffset(final int nodeOffset)
    {
        return nodeOffset + PREV_0;
    }

    static long version(final UnsafeBuffer segment, final int nodeOffset)
    {
        return segment.getLong(nodeOffset + VERSION);
    }

    static int keyLength(final UnsafeBuffer segment, final int nodeOffset)
    {
        return segment.getInt(nodeOffset + KEY_LENGTH);
    }

    static int valueLength(final UnsafeBuffer segment, final int nodeOffset)
    {
        return segment.getInt(nodeOffset + VALUE_LENGTH);
    }

    static int keyOffset(final int nodeOffset)
    {
        return nodeOffset + KEY;
    }

    static int valueOffset(final UnsafeBuffer segment, final int nodeOffset)
    {
        return nodeOffset + KEY + keyLength(segment, nodeOffset);
    }
}
