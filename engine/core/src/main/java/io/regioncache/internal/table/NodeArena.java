package io.regioncache.internal.table;

import java.util.Arrays;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Bump allocator over the segments of one table, and resolution of node addresses to segment buffers.
 * <p>
 * Writer-side methods ({@link #allocate(int)}, {@link #releaseAll()}) are called by the single writer only;
 * {@link #segment(long)} is called by any thread.
 * <p>
 * Publication: the writer stores a new segment into the segments array and then (re)publishes the array
 * through the volatile field <em>before</em> any node in that segment is linked. A reader resolves an address
 * only after it obtained that address with an acquire load (a next pointer or a hash slot) which was written
 * with a release store after the publication, so its subsequent volatile read of the field is guaranteed to
 * see an array that contains the segment.
 * <p>
 * A node that does not fit in a pooled segment (a large value) gets a dedicated buffer from
 * {@link SegmentPool#tryAcquireLarge(int)} which takes a slot in the same segments array: its nodes are
 * addressed, linked and read exactly like all others.
 */
final class NodeArena
{
    private static final UnsafeBuffer[] NO_SEGMENTS = new UnsafeBuffer[0];

    private final SegmentPool pool;
    private final int segmentSize;
    private volatile UnsafeBuffer[] segments = NO_SEGMENTS;

    // Writer-only state.
    private int segmentCount;
    private int currentSegment = -1;
    private int currentOffset;
    private volatile long bytesHeld; // written by the writer only, read by statistics from any thread

    NodeArena(final SegmentPool pool)
    {
        this.pool = pool;
        this.segmentSize = pool.segmentSize();
    }

    /**
     * Resolve the segment holding a node. Reads the volatile array on every call (a plain load on x86/ARM
     * with acquire semantics) so a freshly published segment is always found.
     */
    UnsafeBuffer segment(final long address)
    {
        return segments[NodeLayout.segmentIndex(address)];
    }

    /**
     * Reserve the first {@link NodeLayout#RESERVED_PREFIX} bytes of a fresh segment 0 so that address 0 is never
     * allocated. Writer only.
     *
     * @return false if the pool refused the segment.
     */
    boolean initialise()
    {
        if (!addPooledSegment())
        {
            return false;
        }
        currentOffset = NodeLayout.RESERVED_PREFIX;
        return true;
    }

    /**
     * Bump-allocate {@code size} bytes (a multiple of 8). Writer only.
     *
     * @return the address of the start of the allocation, or {@link NodeLayout#NULL} if out of memory.
     */
    long allocate(final int size)
    {
        if (size > segmentSize)
        {
            return allocateDedicated(size);
        }
        if (currentSegment < 0 || currentOffset + size > segmentSize)
        {
            // The tail of the current segment is wasted: nodes are never split across segments.
            if (!addPooledSegment())
            {
                return NodeLayout.NULL;
            }
        }
        final long start = NodeLayout.address(currentSegment, currentOffset);
        currentOffset += size;
        return start;
    }

    /**
     * Take a pooled segment filled elsewhere (a load's node images, {@link NodeSegmentWriter}) as this arena's current
     * segment, its first {@code used} bytes allocated. Writer only. Published, like any new segment, before any of
     * its nodes is linked.
     *
     * @return the segment's index, or -1 if the arena holds {@link NodeLayout#MAX_SEGMENTS} already or was never
     * initialised (segment 0 must be the arena's own).
     */
    int adopt(final UnsafeBuffer segment, final int used)
    {
        if (segmentCount == NodeLayout.MAX_SEGMENTS || 0 == segmentCount || segment.capacity() != segmentSize)
        {
            return -1;
        }
        currentSegment = publish(segment);
        currentOffset = (used + 7) & ~7;
        return currentSegment;
    }

    /**
     * @return true if {@code segment} is the arena's current segment (the one {@link #adopt} took last, until another
     * is taken). Writer only.
     */
    boolean isCurrent(final UnsafeBuffer segment)
    {
        return currentSegment >= 0 && currentSegment < segmentCount && segments[currentSegment] == segment;
    }

    /**
     * @return bytes of all segments and dedicated buffers held.
     */
    long bytesHeld()
    {
        return bytesHeld;
    }

    /**
     * Give every segment back to the pool and return to the uninitialised state. Writer only; no reader may
     * reach the table any more.
     */
    void releaseAll()
    {
        final UnsafeBuffer[] held = segments;
        segments = NO_SEGMENTS;
        for (int i = 0; i < segmentCount; i++)
        {
            pool.release(held[i]);
        }
        // The old array is not cleared: a (buggy) stale reader then reads recycled memory instead of
        // failing with a NullPointerException; either way it cannot crash the JVM.
        segmentCount = 0;
        currentSegment = -1;
        currentOffset = 0;
        bytesHeld = 0;
    }

    private boolean addPooledSegment()
    {
        if (segmentCount == NodeLayout.MAX_SEGMENTS)
        {
            return false;
        }
        final UnsafeBuffer segment = pool.tryAcquire();
        if (null == segment)
        {
            return false;
        }
        currentSegment = publish(segment);
        currentOffset = 0;
        return true;
    }

    private long allocateDedicated(final int size)
    {
        if (segmentCount == NodeLayout.MAX_SEGMENTS)
        {
            return NodeLayout.NULL;
        }
        final UnsafeBuffer buffer = pool.tryAcquireLarge(size);
        if (null == buffer)
        {
            return NodeLayout.NULL;
        }
        return NodeLayout.address(publish(buffer), 0);
    }

    private int publish(final UnsafeBuffer segment)
    {
        UnsafeBuffer[] array = segments;
        if (segmentCount == array.length)
        {
            array = Arrays.copyOf(array, Math.max(8, array.length * 2));
        }
        array[segmentCount] = segment;
        // Volatile store after the element store: publishes the element (and a grown array) before any node
        // in the segment can be linked. Readers that still hold the old array never need the new slot.
        segments = array;
        bytesHeld += segment.capacity();
        return segmentCount++;
    }
}
