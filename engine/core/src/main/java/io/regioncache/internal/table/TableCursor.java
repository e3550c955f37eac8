package io.regioncache.internal.table;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.UnsafeApi;
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
    /**
     * How far ahead of the current node a forward walk reads, in bytes, while nodes follow each other in memory (in
     * either direction, see {@link #readAhead}). A dependent walk from node to node waits for each line in
     * turn; loads whose addresses are known up front overlap their misses instead (Java has no prefetch instruction).
     * 2 KiB is about 14 nodes of a 16-byte key and a 100-byte value, ahead by more than one memory miss at ~40 ns a
     * step, and 32 lines in flight at most. (4 KiB refilled 2 KiB at a time measured no better on this machine.)
     */
    static final int READ_AHEAD = 2048;
    /**
     * A walk refills its read-ahead only once this many bytes of it were consumed, then all at once. The loads are
     * real loads (there is no prefetch instruction), so each must complete before it retires: two or three loads a
     * step, each waiting at the head of the reorder buffer with only a step or two of work behind it, kept only a few
     * misses in flight. A burst of 16 independent loads issued together keeps all of them in flight, and the core
     * waits about one memory latency per burst instead of per step.
     */
    static final int READ_AHEAD_BURST = 1024;
    /** Read-ahead right after a seek, before a first step has shown that the nodes follow each other. */
    static final int SEEK_READ_AHEAD = 512;
    /** A step to a node at most this many bytes further in the same segment counts as sequential. */
    static final int SEQUENTIAL_GAP = 512;
    private static final int LINE = 64;

    private final MvccTable table;
    private final NodeArena arena;
    private final KeyBound lower;
    private final KeyBound upper;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[0]);
    private long readVersion;
    private long node = NodeLayout.NULL;
    /** The segment and offset of {@link #node} (valid while it is not NULL): accessors decode nothing. */
    private UnsafeBuffer segment;
    private int offset;
    /** The last segment resolved and its index: a walk in key order stays in one segment for thousands of steps. */
    private UnsafeBuffer cachedSegment;
    private int cachedSegmentIndex = -1;
    /** End (exclusive) of the lines of {@link #segment} read ahead above {@link #offset} so far. */
    private int readAheadHigh;
    /** Start of the lines of {@link #segment} read ahead below {@link #offset} so far. */
    private int readAheadLow;
    /** Sum of the words read ahead: a field the JIT cannot prove dead, so the loads stay. */
    private long readAheadSink;

    TableCursor(final MvccTable table)
    {
        this.table = table;
        this.arena = table.arena();
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
        segment = null;
        // A table freed and written again may put other buffers at the same segment indexes: resolve afresh.
        cachedSegment = null;
        cachedSegmentIndex = -1;
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
            return seekForward(table.findGreaterOrEqual(lower.buffer(), 0, lower.length(), readVersion));
        }
        return seekForward(table.first());
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
        return seekForward(table.seekStart(key, offset, length, readVersion));
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
        return settleForward(skipKey(segment, offset), false);
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
        return settleBackward(table.findLastKeyBefore(
            segment, NodeLayout.keyOffset(offset), NodeLayout.keyLength(segment, offset), false));
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
        validNode();
        return NodeLayout.keyLength(segment, offset);
    }

    /**
     * @return the current value's length. Cursor must be valid.
     */
    public int valueLength()
    {
        validNode();
        return NodeLayout.valueLength(segment, offset);
    }

    /**
     * @return the version the cursor sees for the current key. Cursor must be valid.
     */
    public long version()
    {
        validNode();
        return NodeLayout.version(segment, offset);
    }

    /**
     * Wrap {@code view} over the current key in place. Cursor must be valid.
     */
    public void keyView(final DirectBuffer view)
    {
        validNode();
        view.wrap(segment, NodeLayout.keyOffset(offset), NodeLayout.keyLength(segment, offset));
    }

    /**
     * Wrap {@code view} over the current value in place. Cursor must be valid.
     */
    public void valueView(final DirectBuffer view)
    {
        validNode();
        // A visible node is never a tombstone, so its value length is >= 0.
        final int keyLength = NodeLayout.keyLength(segment, offset);
        view.wrap(segment, NodeLayout.keyOffset(offset) + keyLength, NodeLayout.valueLength(segment, offset));
    }

    /**
     * Copy the current key. Cursor must be valid.
     *
     * @return the number of bytes copied.
     */
    public int copyKey(final MutableDirectBuffer dst, final int dstOffset)
    {
        validNode();
        final int length = NodeLayout.keyLength(segment, offset);
        dst.putBytes(dstOffset, segment, NodeLayout.keyOffset(offset), length);
        return length;
    }

    /**
     * Copy the current value. Cursor must be valid.
     *
     * @return the number of bytes copied.
     */
    public int copyValue(final MutableDirectBuffer dst, final int dstOffset)
    {
        validNode();
        final int length = NodeLayout.valueLength(segment, offset);
        dst.putBytes(dstOffset, segment, NodeLayout.valueOffset(segment, offset), length);
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

    /** A seek's landing: settle forward from {@code start}, reading ahead as after a jump. */
    private boolean seekForward(final long start)
    {
        return settleForward(start, true);
    }

    /**
     * From a node that is the first node at or after the wanted position, move forward to the first visible
     * key: skip versions newer than the read version, and whole keys whose visible version is a tombstone.
     * <p>
     * This is a scan's step, so it decodes each node once: the segment comes from a one-entry cache (no load of the
     * arena's volatile array while a walk stays in one segment), the version, the value length and the bound are read
     * at fixed offsets from the node, and the accessors then read the position kept here.
     * <p>
     * The step reads nodes raw ({@link UnsafeApi} with the segment's base and address), like the index lookup: every
     * offset it reads is in range by construction (a node address comes from the table's own links, and a node's
     * header and key are inside its segment), and with Agrona's bounds checks on (the default, and the tests)
     * {@link #checkedNode} still checks each node's header and key once, instead of Agrona checking each of the
     * dozen words a step reads (the bound compare, the header, the version skip's key equality, the read-ahead).
     */
    private boolean settleForward(final long start, final boolean seek)
    {
        final boolean bounded = upper.isPresent();
        final long readVersion = this.readVersion;
        long n = start;
        while (NodeLayout.NULL != n)
        {
            final UnsafeBuffer s = segmentOf(n);
            final int o = NodeLayout.offset(n);
            final byte[] base = s.byteArray();
            final long address = checkedNode(s, o);
            if (bounded && upper.compareRaw(
                base, address + NodeLayout.KEY, UnsafeApi.getInt(base, address + NodeLayout.KEY_LENGTH)) >= 0)
            {
                break;
            }
            if (UnsafeApi.getLong(base, address + NodeLayout.VERSION) > readVersion)
            {
                // a newer version of this key, or the first of the next key
                n = UnsafeApi.getLongAcquire(base, address + NodeLayout.NEXT_0);
            }
            else if (UnsafeApi.getInt(base, address + NodeLayout.VALUE_LENGTH) == NodeLayout.TOMBSTONE)
            {
                n = skipKey(s, o);
            }
            else
            {
                // the first version <= readVersion of its key: its visible version
                readAhead(s, o, seek);
                node = n;
                segment = s;
                offset = o;
                return true;
            }
        }
        node = NodeLayout.NULL;
        segment = null;
        return false;
    }

    /**
     * Read ahead of a walk that moves through memory in order, either way. A seek reads {@link #SEEK_READ_AHEAD} bytes
     * on both sides of the node it lands on (the direction is not known yet). A step that lands a little further on in
     * the same segment (a table written in key order: a load, a compaction, live batches whose keys ascend or descend)
     * keeps up to {@link #READ_AHEAD} bytes read ahead above it, each line once, refilled in bursts of
     * {@link #READ_AHEAD_BURST}; a step that lands a little before (a batch that touched a key twice goes in last
     * first, so that the later operation on a key wins, and a key-ordered one of those is allocated in descending key
     * order) keeps them read ahead below it. Any other step reads nothing ahead, so a table whose
     * nodes are scattered pays two compares per step, not wasted loads. Every load stays in the segment whatever the
     * layout: a wrong guess costs bandwidth, never a wrong result.
     */
    private void readAhead(final UnsafeBuffer s, final int o, final boolean seek)
    {
        // Raw loads: every offset read below is in [0, last], inside the segment by construction.
        final byte[] base = s.byteArray();
        final long address = s.addressOffset();
        final int last = s.capacity() - Long.BYTES;
        final int delta = o - offset;
        long sum = 0;
        if (seek)
        {
            final int end = Math.min(o + SEEK_READ_AHEAD, last);
            int at = Math.max(0, o - SEEK_READ_AHEAD) & -LINE;
            for (; at < end; at += LINE)
            {
                sum += UnsafeApi.getLong(base, address + at);
            }
            readAheadHigh = Math.max(at, o);
            readAheadLow = Math.max(0, o - SEEK_READ_AHEAD) & -LINE;
        }
        else if (s == segment && delta > 0 && delta <= SEQUENTIAL_GAP)
        {
            // Refill in bursts, not a line or two per step: see READ_AHEAD_BURST.
            if (o + READ_AHEAD - readAheadHigh >= READ_AHEAD_BURST)
            {
                final int end = Math.min(o + READ_AHEAD, last);
                int at = Math.max(readAheadHigh, o) & -LINE;
                for (; at < end; at += LINE)
                {
                    sum += UnsafeApi.getLong(base, address + at);
                }
                readAheadHigh = Math.max(at, o);
            }
            readAheadLow = o;
        }
        else if (s == segment && delta < 0 && delta >= -SEQUENTIAL_GAP)
        {
            if (readAheadLow - (o - READ_AHEAD) >= READ_AHEAD_BURST)
            {
                final int end = Math.max(0, o - READ_AHEAD);
                int at = (Math.min(readAheadLow, o) & -LINE) - LINE;
                for (; at >= end; at -= LINE)
                {
                    sum += UnsafeApi.getLong(base, address + Math.min(at, last));
                }
                readAheadLow = Math.max(0, at + LINE);
            }
            readAheadHigh = o;
        }
        else
        {
            readAheadHigh = o;
            readAheadLow = o;
        }
        readAheadSink += sum;
    }

    /**
     * @return the first node with a key greater than the key of the node at ({@code s}, {@code o}), or NULL. Walks a
     * few versions linearly (the common case: few versions per key) before an O(log n) search; each candidate is only
     * checked for equality (length first, then 8-byte words), which is cheaper than an ordered compare and is all a
     * step needs.
     */
    private long skipKey(final UnsafeBuffer s, final int o)
    {
        final byte[] base = s.byteArray();
        final long address = checkedNode(s, o);
        final int keyLength = UnsafeApi.getInt(base, address + NodeLayout.KEY_LENGTH);
        long next = UnsafeApi.getLongAcquire(base, address + NodeLayout.NEXT_0);
        for (int i = 0; i < MvccTable.MAX_LINEAR_SKIP; i++)
        {
            if (NodeLayout.NULL == next)
            {
                return next;
            }
            final UnsafeBuffer nextSegment = segmentOf(next);
            final byte[] nextBase = nextSegment.byteArray();
            final long nextAddress = checkedNode(nextSegment, NodeLayout.offset(next));
            if (!KeyCompare.equalsRaw(
                nextBase, nextAddress + NodeLayout.KEY, UnsafeApi.getInt(nextBase, nextAddress + NodeLayout.KEY_LENGTH),
                base, address + NodeLayout.KEY, keyLength))
            {
                return next;
            }
            next = UnsafeApi.getLongAcquire(nextBase, nextAddress + NodeLayout.NEXT_0);
        }
        return table.findGreaterOrEqual(s, NodeLayout.keyOffset(o), keyLength, MvccTable.PAST_ALL_VERSIONS);
    }

    /**
     * @return the raw address of the node at offset {@code o} of segment {@code s} (for {@link UnsafeApi} reads with
     * {@code s.byteArray()}), after checking, when Agrona's bounds checks are on, that its level-0 link, its header
     * and its key are inside the segment: once per node, for every raw read of the step.
     */
    private static long checkedNode(final UnsafeBuffer s, final int o)
    {
        if (UnsafeBuffer.SHOULD_BOUNDS_CHECK)
        {
            s.boundsCheck(o + NodeLayout.NEXT_0, NodeLayout.KEY);
            s.boundsCheck(NodeLayout.keyOffset(o), NodeLayout.keyLength(s, o));
        }
        return s.addressOffset() + o;
    }

    /**
     * The segment of node {@code n}: the cached one when {@code n} is in it. A segment index names the same buffer
     * for as long as the table holds memory (segments are only appended, and released all at once by
     * {@link MvccTable#free()}, after which {@link #reset} drops the cache), so the cache never goes stale for a
     * reader that may still read the table. A new index is resolved through the arena, after the acquire load that
     * produced {@code n}, as every reader does.
     */
    private UnsafeBuffer segmentOf(final long n)
    {
        final int index = NodeLayout.segmentIndex(n);
        if (index == cachedSegmentIndex)
        {
            return cachedSegment;
        }
        final UnsafeBuffer s = arena.segment(n);
        cachedSegment = s;
        cachedSegmentIndex = index;
        return s;
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
                segment = segmentOf(visible);
                offset = NodeLayout.offset(visible);
                readAheadHigh = offset; // a backward step (prev, seekForPrev) reads nothing ahead
                readAheadLow = offset;
                return true;
            }
            final UnsafeBuffer s = segmentOf(n);
            final int o = NodeLayout.offset(n);
            n = table.findLastKeyBefore(s, NodeLayout.keyOffset(o), NodeLayout.keyLength(s, o), false);
        }
        node = NodeLayout.NULL;
        segment = null;
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
