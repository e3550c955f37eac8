package io.regioncache.internal.table;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A load's scan thread writes the entries it reads as finished node images into pool segments, which the loader
 * thread then takes into its private table as they are ({@link MvccTable#adoptNodeSegment}) and only links.
 * <p>
 * <b>Why.</b> Before, the scan thread copied each entry into a heap chunk and the loader copied it again into a node:
 * a JFR profile of a 1M-key load put 31% of the loader's time in that second copy (every chunk line read across
 * cores, every node line written), and the loader, not the store scan, was the longer side of the pipelined load.
 * Now each entry's bytes are written once, where they stay; the loader reads one line per node to link it.
 * <p>
 * <b>Threads.</b> One instance belongs to one scan thread. A filled segment is handed to the loader through the load's
 * SPSC queue, whose release/acquire hand-off makes the images visible; nothing in it is reachable by a reader before
 * the loader links it with release stores, as for any node. {@link SegmentPool} is thread-safe, so the scan thread
 * charges the segments it takes to the same cap as every other allocation.
 * <p>
 * Segment layout (offset 0 is never a node address in a segment other than segment 0, and an adopted segment is
 * never segment 0, so the header costs 8 bytes and no address):
 * <pre>
 *  0        4        8                                                      used
 *  +--------+--------+-------------------------+-------------------------+--+------------+
 *  | used   | nodes  | node image              | node image              |..| (unused)   |
 *  | (int)  | (int)  | see NodeLayout          |                         |  |            |
 *  +--------+--------+-------------------------+-------------------------+--+------------+
 * </pre>
 * A node image is the node's whole allocation ({@link NodeLayout}): its tower, header, key and value. The first word
 * of the allocation (next[h-1]) holds the node's height {@code h} until the loader links it, so that the loader can
 * find the node address from the allocation start; the loader writes every next pointer and the writer word itself.
 */
public final class NodeSegmentWriter
{
    /** The entry was written. */
    public static final int APPENDED = 0;
    /** The current segment has no room: {@link #takeFilled()}, hand it over, and append again. */
    public static final int FULL = 1;
    /** The entry's node is larger than a segment: send it another way. Nothing was written. */
    public static final int TOO_LARGE = 2;
    /** The pool refused a segment (its cap). Nothing was written. */
    public static final int NO_MEMORY = 3;

    /** Offset of the used length (an int) in a segment of node images. */
    static final int USED = 0;
    /** Offset of the number of node images (an int). */
    static final int NODES = 4;
    /** Offset of the first node image. */
    static final int FIRST_NODE = 8;

    private final SegmentPool pool;
    private final int segmentSize;
    private final int maxKeyLength;
    private long randomState;
    /** The height drawn for the entry not written yet (FULL), so a retry keeps it: 0 = none drawn. */
    private int pendingHeight;
    private UnsafeBuffer segment;
    private int at;
    private int nodes;

    NodeSegmentWriter(final SegmentPool pool, final int maxKeyLength, final long seed)
    {
        this.pool = pool;
        this.segmentSize = pool.segmentSize();
        this.maxKeyLength = maxKeyLength;
        this.randomState = 0 == seed ? 0x2545F4914F6CDD1DL : seed;
    }

    /**
     * Write one entry as a node image. Scan thread only.
     *
     * @param valueLength the value's length, or {@link NodeLayout#TOMBSTONE} (-1) for a delete ({@code value} null).
     * @return {@link #APPENDED}, {@link #FULL}, {@link #TOO_LARGE} or {@link #NO_MEMORY}.
     * @throws IllegalArgumentException for a key longer than the table's limit or a negative version, as the table's
     *                                  own insert does.
     */
    public int append(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long version,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        MvccTable.checkEntry(keyLength, maxKeyLength, version);
        if (0 == pendingHeight)
        {
            randomState = MvccTable.xorshift(randomState); // scan-thread state, no allocation, no contention
            pendingHeight = MvccTable.heightFrom(randomState);
        }
        final int height = pendingHeight;
        final long size = NodeLayout.nodeSize(height, keyLength, valueLength);
        if (size > segmentSize - FIRST_NODE)
        {
            return TOO_LARGE;
        }
        if (null == segment)
        {
            // Not zeroed: every byte of a node that is ever read is written here or, its next pointers and writer
            // word, by the loader before it links the node; padding and the unused tail are never read.
            final UnsafeBuffer fresh = pool.tryAcquireForOverwrite();
            if (null == fresh)
            {
                return NO_MEMORY;
            }
            segment = fresh;
            at = FIRST_NODE;
            nodes = 0;
        }
        else if (at + size > segmentSize)
        {
            return FULL;
        }
        final int start = at;
        final int nodeOffset = start + ((height - 1) << 3);
        segment.putLong(start, height); // read and overwritten by the loader (see the class comment)
        NodeLayout.writeEntry(segment, nodeOffset, key, keyOffset, keyLength, version, value, valueOffset, valueLength);
        at = start + (int)size;
        nodes++;
        pendingHeight = 0;
        return APPENDED;
    }

    /**
     * @return true if the next {@link #append} takes a segment from the pool (none is being filled): the scan thread
     * checks the load's memory ceiling first, as the loader does once per segment.
     */
    public boolean needsSegment()
    {
        return null == segment;
    }

    /**
     * @return the segment being filled, its used length and node count written into its header, or null if there is
     * none; the writer starts a new one at the next append. The caller hands it to the loader (or releases it).
     */
    public UnsafeBuffer takeFilled()
    {
        final UnsafeBuffer filled = segment;
        if (null != filled)
        {
            filled.putInt(USED, at);
            filled.putInt(NODES, nodes);
            segment = null;
        }
        return filled;
    }

    /**
     * Scan thread, when the scan ends without handing over what it holds (a failure): give the segment being filled
     * back to the pool.
     */
    public void discard()
    {
        final UnsafeBuffer held = segment;
        if (null != held)
        {
            segment = null;
            pool.release(held);
        }
    }
}
