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
    private final MvccTable table;
    private final NodeArena arena;
    private final KeyBound lower;
    private final KeyBound upper;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[0]);
    private long readVersion;
    private long node = NodeLayout.NULL;
    /**
     * The segment and offset of {@link #node} (valid while it is not NULL), its raw base and address (checked once,
     * when the cursor moved onto it, see {@link #checkedNode}) and its key length: accessors decode nothing.
     */
    private UnsafeBuffer segment;
    private int offset;
    private byte[] base;
    private long address;
    private int keyLength;
    /** The last segment resolved and its index: a walk in key order stays in one segment for thousands of steps. */
    private UnsafeBuffer cachedSegment;
    private int cachedSegmentIndex = -1;

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
        clearPosition();
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
        // The older versions of the current key are skipped inside the step's one loop (see settleForward). The node's
        // HAS_OLDER bit is read after the acquire load of its link: a same-key successor is linked only after the bit
        // is set (NodeLayout), so with it clear the link names another key and the step compares no keys.
        final long successor = UnsafeApi.getLongAcquire(base, address + NodeLayout.NEXT_0);
        return settleForward(successor, NodeLayout.hasOlder(base, address));
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
        return settleBackward(table.findLastKeyBefore(segment, NodeLayout.keyOffset(offset), keyLength, false));
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
        return keyLength;
    }

    /**
     * @return the current value's length. Cursor must be valid.
     */
    public int valueLength()
    {
        validNode();
        return UnsafeApi.getInt(base, address + NodeLayout.VALUE_LENGTH);
    }

    /**
     * @return the version the cursor sees for the current key. Cursor must be valid.
     */
    public long version()
    {
        validNode();
        return UnsafeApi.getLong(base, address + NodeLayout.VERSION);
    }

    /**
     * Wrap {@code view} over the current key in place. Cursor must be valid.
     */
    public void keyView(final DirectBuffer view)
    {
        validNode();
        view.wrap(segment, NodeLayout.keyOffset(offset), keyLength);
    }

    /**
     * Wrap {@code view} over the current value in place. Cursor must be valid.
     */
    public void valueView(final DirectBuffer view)
    {
        validNode();
        // A visible node is never a tombstone, so its value length is >= 0.
        view.wrap(
            segment, NodeLayout.keyOffset(offset) + keyLength, UnsafeApi.getInt(base, address + NodeLayout.VALUE_LENGTH));
    }

    /**
     * Copy the current key. Cursor must be valid.
     *
     * @return the number of bytes copied.
     */
    public int copyKey(final MutableDirectBuffer dst, final int dstOffset)
    {
        validNode();
        dst.putBytes(dstOffset, segment, NodeLayout.keyOffset(offset), keyLength);
        return keyLength;
    }

    /**
     * Copy the current value. Cursor must be valid.
     *
     * @return the number of bytes copied.
     */
    public int copyValue(final MutableDirectBuffer dst, final int dstOffset)
    {
        validNode();
        final int length = UnsafeApi.getInt(base, address + NodeLayout.VALUE_LENGTH);
        dst.putBytes(dstOffset, segment, NodeLayout.keyOffset(offset) + keyLength, length);
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

    /** A seek's landing: settle forward from {@code start}, skipping no key first. */
    private boolean seekForward(final long start)
    {
        return settleForward(start, false);
    }

    /**
     * Move forward from {@code start} to the first visible key: skip, when {@code skipCurrent}, the older versions of
     * the key the cursor is on (a {@link #next()}); then versions newer than the read version, and whole keys whose
     * visible version is a tombstone. {@code start} is the first node at or after the wanted position.
     * <p>
     * This is a scan's step, in one loop that decodes and checks each node once: the segment comes from a one-entry
     * cache (no load of the arena's volatile array while a walk stays in one segment); the version skip compares keys
     * only when the node it leaves has {@link NodeLayout#HAS_OLDER} (a key of one version never does), and then by
     * equality (length first, then 8-byte words: cheaper than an ordered compare, and all a step needs); the bound, the
     * version and the value length are read at fixed offsets from the node; the node it stops on is kept with its raw
     * address and key length, so the accessors and the next step decode nothing again. A key with
     * {@link MvccTable#MAX_LINEAR_SKIP} or more older versions is left, at that many, with one O(log n) search instead,
     * and so is a run of that many nodes newer than the read version.
     * <p>
     * The step reads nodes raw ({@link UnsafeApi} with the segment's base and address), like the index lookup: every
     * offset it reads is in range by construction (a node address comes from the table's own links, and a node's
     * header and key are inside its segment), and with Agrona's bounds checks on (the default, and the tests)
     * {@link #checkedNode} still checks each node's header and key once, instead of Agrona checking each of the
     * dozen words a step reads (the bound compare, the header, the version skip's key equality).
     * <p>
     * The step reads nothing ahead of the walk. It used to load lines up to 2 KiB ahead in bursts (Java has no
     * prefetch instruction, so they were real loads); on a quiet host that measured slower than leaving the stream to
     * the hardware prefetcher (a JMH {@code scan100} over 1M keys 2.8-3.1 µs without, 3.3-4.2 µs with): a real load
     * that misses holds up retirement like the walk's own, and a walk over nodes that follow each other in memory
     * (a load, a compaction, batches in key order) is a stream the prefetcher already follows. What that shape costs at
     * best is measured beside the scan ({@code MemoryLatencyBenchmark.walk100} and {@code stream100}).
     */
    private boolean settleForward(final long start, final boolean skipCurrent)
    {
        final boolean bounded = upper.isPresent();
        final long readVersion = this.readVersion;
        // The key being skipped is always the one the position fields hold: the key the cursor is on (a next()), or
        // a deleted key's tombstone, moved onto below. The step stays small enough for the JIT to inline it into the
        // caller's loop (C2 inlines a hot method of up to 325 bytes of bytecode; with the skipped key in five more
        // locals this one had 333, and every step of a scan was a call).
        boolean skipping = skipCurrent;
        int skipped = 0;
        long n = start;
        while (NodeLayout.NULL != n)
        {
            final UnsafeBuffer s = segmentOf(n);
            final int o = NodeLayout.offset(n);
            final byte[] b = s.byteArray();
            final long a = checkedNode(s, o);
            final int kl = UnsafeApi.getInt(b, a + NodeLayout.KEY_LENGTH);
            if (skipping)
            {
                if (KeyCompare.equalsRaw(b, a + NodeLayout.KEY, kl, base, address + NodeLayout.KEY, keyLength))
                {
                    // an older version of the key being skipped; past the linear limit, one search to the next key
                    // (whose first node then fails this equality and ends the skip)
                    n = ++skipped < MvccTable.MAX_LINEAR_SKIP ? UnsafeApi.getLongAcquire(b, a + NodeLayout.NEXT_0) :
                        table.findGreaterOrEqual(
                            segment, NodeLayout.keyOffset(offset), keyLength, MvccTable.PAST_ALL_VERSIONS);
                    continue;
                }
                skipping = false;
            }
            if (bounded && upper.compareRaw(b, a + NodeLayout.KEY, kl) >= 0)
            {
                break;
            }
            if (UnsafeApi.getLong(b, a + NodeLayout.VERSION) > readVersion)
            {
                // a newer version of this key, or the first of the next key; past the linear limit, one search to
                // (this key, readVersion) (audit 10: a scan or seek at an old version of a hot key walked every newer
                // version, O(versions) per key). The count shares the older-version skip's local: the step must stay
                // under C2's 325-byte inlining limit, and a count carried over only brings one search forward.
                if (++skipped < MvccTable.MAX_LINEAR_SKIP)
                {
                    n = UnsafeApi.getLongAcquire(b, a + NodeLayout.NEXT_0);
                }
                else
                {
                    skipped = 0;
                    n = table.pastNewerVersions(s, o, kl, readVersion);
                }
                continue;
            }
            // the first version <= readVersion of its key: its visible version, or a tombstone whose older versions
            // are skipped (the position holds it meanwhile; only this thread uses the cursor)
            moveTo(n, s, o, b, a, kl);
            if (UnsafeApi.getInt(b, a + NodeLayout.VALUE_LENGTH) != NodeLayout.TOMBSTONE)
            {
                return true;
            }
            skipped = 0;
            n = UnsafeApi.getLongAcquire(b, a + NodeLayout.NEXT_0);
            skipping = NodeLayout.hasOlder(b, a); // after the acquire, as in next()
        }
        clearPosition();
        return false;
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
            // the header is in range now, so its key length can be read raw
            s.boundsCheck(
                NodeLayout.keyOffset(o), UnsafeApi.getInt(s.byteArray(), s.addressOffset() + o + NodeLayout.KEY_LENGTH));
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
                final UnsafeBuffer s = segmentOf(visible);
                final int o = NodeLayout.offset(visible);
                final byte[] b = s.byteArray();
                final long a = checkedNode(s, o);
                moveTo(visible, s, o, b, a, UnsafeApi.getInt(b, a + NodeLayout.KEY_LENGTH));
                return true;
            }
            final UnsafeBuffer s = segmentOf(n);
            final int o = NodeLayout.offset(n);
            n = table.findLastKeyBefore(s, NodeLayout.keyOffset(o), NodeLayout.keyLength(s, o), false);
        }
        clearPosition();
        return false;
    }

    /** Position the cursor on node {@code n}, already resolved and checked (see {@link #checkedNode}). */
    private void moveTo(final long n, final UnsafeBuffer s, final int o, final byte[] b, final long a, final int kl)
    {
        node = n;
        if (s != segment)
        {
            segment = s;
            base = b;
        }
        offset = o;
        address = a;
        keyLength = kl;
    }

    /** Invalidate the position (the buffers are dropped so that an idle cursor holds no segment). */
    private void clearPosition()
    {
        node = NodeLayout.NULL;
        segment = null;
        base = null;
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
