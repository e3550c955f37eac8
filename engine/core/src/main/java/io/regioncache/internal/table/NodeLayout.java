package io.regioncache.internal.table;

import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Off-heap layout of a skiplist node, and encoding of node addresses.
 * <p>
 * The tower of next pointers is stored <em>before</em> the node address, as in RocksDB's InlineSkipList, so
 * that the header and the key sit at fixed offsets from the address whatever the node's height: a reader
 * never needs to load the height to find the key. Readers never load the height (a node is only ever reached at
 * level {@code i} through a level-{@code i} pointer, which implies it has that level); only the writer keeps it, in
 * the writer word.
 * <pre>
 *  allocation start                                  node address (addr)
 *  |                                                 |
 *  v                                                 v
 *  +-----------+-----+---------+---------+---------+-----------+-----------+---------+--------+----------+
 *  | next[h-1] | ... | next[1] | next[0] | version | keyLength | valueLen  | writer  | key    | value    |
 *  | long      |     | long    | long    | long    | int       | int, -1 = | word    | keyLen | valueLen |
 *  |           |     |         |         |         |           | tombstone | (long)  | bytes  | bytes    |
 *  +-----------+-----+---------+---------+---------+-----------+-----------+---------+--------+----------+
 *  addr-8(h-1)       addr-8    addr+0    addr+8    addr+16     addr+20     addr+24   addr+32
 * </pre>
 * The writer word is written only by the writer, with plain stores; readers look only at its {@link #HAS_OLDER} bit:
 * <pre>
 *  63 62  61       53 52      48 47                                                0
 *  +--+---+----------+----------+--------------------------------------------------+
 *  |0 | O | 0 unused | height h | prev[0]: the node's predecessor at level 0       |
 *  +--+---+----------+----------+--------------------------------------------------+
 *  O = HAS_OLDER: the node's level-0 successor may be an older version of its key
 * </pre>
 * {@code O} is set before the node is linked when its successor is a version of its key, and on an existing node
 * before an older version of its key is linked right after it; it is never cleared, and every rewrite of the word
 * (a new {@code prev[0]}) keeps it. So a reader that loaded a node's level-0 link with acquire and then finds
 * {@code O} clear knows that the node the link names is another key (the store that set {@code O} happens-before the
 * release store that linked a same-key successor): a scan's step leaves a key of one version without comparing keys.
 * {@code O} set means only "maybe": a reader compares the keys. The word is 8-byte aligned, so a reader never sees
 * half of a rewrite.
 * With it a new newest version of a key that the hash index already holds is linked in front of the key's newest
 * node without a search from the head: its level-0 predecessor is that node's {@code prev[0]}, and its predecessor at
 * level {@code l} is the first node at or before that one, walking back, whose height is above {@code l} (see
 * {@code MvccTable.linkNewestInFront}). It is exact because the list is append-only: a node is never unlinked, so the
 * only change to a node's level-0 predecessor is an insert right before it, which rewrites it.
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
    /** Offset of the writer word: the node's height and its level-0 predecessor (writer only). */
    static final int WRITER = 24;
    /** Offset of the first key byte; the value follows the key immediately. */
    static final int KEY = 32;

    /** Value length of a tombstone node. */
    static final int TOMBSTONE = -1;

    /** Header bytes after next[0]: version, key length, value length, writer word. */
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

    /** Offset, within the segment, of the writer word of the node at {@code nodeOffset}. */
    static int writerOffset(final int nodeOffset)
    {
        return nodeOffset + WRITER;
    }

    /** Writer-word bit: the node's level-0 successor may be an older version of its key (see the class comment). */
    static final long HAS_OLDER = 1L << 62;
    /** Bits of the height in a writer word, after the shift by 48. */
    private static final int HEIGHT_MASK = 0x1F;

    /** @return the writer word of a node of {@code height} whose level-0 predecessor is {@code prev}. */
    static long writerWord(final int height, final long prev)
    {
        return ((long)height << 48) | prev;
    }

    /**
     * @return the writer word of a node of {@code height} whose level-0 predecessor is {@code prev}, with
     * {@link #HAS_OLDER} when {@code hasOlder}.
     */
    static long writerWord(final int height, final long prev, final boolean hasOlder)
    {
        return writerWord(height, prev) | (hasOlder ? HAS_OLDER : 0L);
    }

    /** @return the level-0 predecessor in a writer word. */
    static long prevOf(final long writerWord)
    {
        return writerWord & ADDRESS_MASK;
    }

    /** @return the node's height in a writer word. */
    static int heightOf(final long writerWord)
    {
        return (int)(writerWord >>> 48) & HEIGHT_MASK;
    }

    /**
     * Reader side of {@link #HAS_OLDER}: call it after the acquire load of the node's level-0 link.
     *
     * @return false if the node's level-0 successor, as loaded before this call, is another key; true if it may be a
     * version of the node's key.
     */
    static boolean hasOlder(final byte[] base, final long address)
    {
        return (UnsafeApi.getLong(base, address + WRITER) & HAS_OLDER) != 0;
    }

    /** @return the writer word with its predecessor replaced (the height and {@link #HAS_OLDER} kept). */
    static long withPrev(final long writerWord, final long prev)
    {
        return (writerWord & ~ADDRESS_MASK) | prev;
    }

    /**
     * Write a node's version, lengths, key and value with plain stores (nothing reaches the node before it is linked
     * with a release store); its next pointers and writer word are the linking writer's.
     *
     * @param valueLength the value's length, or {@link #TOMBSTONE} ({@code value} unused).
     */
    static void writeEntry(
        final UnsafeBuffer segment, final int nodeOffset, final DirectBuffer key, final int keyOffset,
        final int keyLength, final long version, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        segment.putLong(nodeOffset + VERSION, version);
        segment.putInt(nodeOffset + KEY_LENGTH, keyLength);
        segment.putInt(nodeOffset + VALUE_LENGTH, valueLength);
        segment.putBytes(keyOffset(nodeOffset), key, keyOffset, keyLength);
        if (valueLength > 0)
        {
            segment.putBytes(keyOffset(nodeOffset) + keyLength, value, valueOffset, valueLength);
        }
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
