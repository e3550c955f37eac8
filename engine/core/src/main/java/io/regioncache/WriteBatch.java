package io.regioncache;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One applied log entry for one region: puts and deletes at a single version.
 * <p>
 * Operations are encoded back to back in one on-heap buffer, so a batch of any size is a few objects (the batch, its
 * buffer and an array of operation offsets), not one per operation:
 * <pre>
 *  +--------+-----------------+-------------------+-------------+---------------+
 *  | op (1) | key length (4)  | value length (4)  | key bytes   | value bytes   |  ... next op
 *  +--------+-----------------+-------------------+-------------+---------------+
 *  op: 1 = put, 2 = delete (value length 0)
 * </pre>
 * A batch is built by one thread and handed to the engine. Once handed over ({@link RegionCache#write}) it is
 * <em>sealed</em>: {@code put} and {@code delete} then throw {@link IllegalStateException}, because the apply thread
 * reads it later and a batch that changed under it would be applied half old, half new. Reading a sealed batch
 * ({@link #forEach}, the accessors) stays allowed from any thread at any time: every visit wraps views of its own,
 * so a host that walks its batch after submitting it (to log what it wrote, say) cannot disturb the apply thread's
 * walk of the same batch.
 * <p>
 * Building is synchronous, so its argument errors throw at the call, before the batch changes: a null key or value
 * throws {@link NullPointerException}; an offset or length outside its buffer (negative, overflowing, or past the
 * capacity) throws {@link IllegalArgumentException}. Limits that depend on the engine (key and value lengths) are
 * checked when the batch is submitted, with {@link ResultCode#INVALID}.
 */
public final class WriteBatch
{
    /** Op code of a put. */
    public static final byte PUT = 1;
    /** Op code of a delete (tombstone). */
    public static final byte DELETE = 2;
    static final int HEADER = 9;
    /**
     * The most a batch may hold encoded: what one {@link ExpandableArrayBuffer} can grow to, with room to spare
     * (Agrona's limit is {@code Integer.MAX_VALUE - 8}, the JVM's array limit a few bytes under that).
     */
    static final int MAX_ENCODED_LENGTH = Integer.MAX_VALUE - 64;

    private final long regionId;
    private final long epochVersion;
    private final long version;
    private final ExpandableArrayBuffer buffer;
    private int limit;
    private int count;
    /** Extremes of the ops appended so far, so the engine checks a batch against its limits in O(1). */
    private int minKeyLength = Integer.MAX_VALUE;
    private int maxKeyLength;
    private int maxValueLength;
    /** Offset of each operation, so the apply thread can walk them last to first. */
    private int[] opOffsets = new int[8];
    /**
     * True while every key appended is strictly greater (unsigned, byte by byte: the table's order) than the one
     * before it. Such a batch touches no key twice, so the apply thread may insert it first to last, allocating its
     * nodes in key order (see {@link #forEachInApplyOrder}).
     */
    private boolean keysAscending = true;
    /**
     * Set by the thread that hands the batch to the engine, before the queue's release store publishes it; read by
     * that same thread's later appends, so a plain field is enough (another thread appending would be a data race
     * the batch never promised to survive: it is built by one thread).
     */
    private boolean sealed;

    /**
     * @param regionId     the region written.
     * @param epochVersion the region epoch the host applied it at.
     * @param version      the entry's version (commit timestamp or apply index), strictly increasing per region and
     *                     above 0 (a new region's last applied version is 0; {@code INVALID} otherwise).
     */
    public WriteBatch(final long regionId, final long epochVersion, final long version)
    {
        this(regionId, epochVersion, version, 256);
    }

    /**
     * @param regionId        the region written.
     * @param epochVersion    the region epoch.
     * @param version         the entry's version.
     * @param initialCapacity initial encoded size in bytes, a hint: the batch grows past it, and anything below 16
     *                        (a negative one too) means 16. At most {@code Integer.MAX_VALUE - 64}, the most a
     *                        batch may hold encoded.
     * @throws IllegalArgumentException if {@code initialCapacity} is above that limit.
     */
    public WriteBatch(final long regionId, final long epochVersion, final long version, final int initialCapacity)
    {
        // Checked here, not left to the allocation: Integer.MAX_VALUE threw OutOfMemoryError ("Requested array size
        // exceeds VM limit"), an Error that ended the test JVM, for a size no batch may reach anyway (audit 11a).
        if (initialCapacity > MAX_ENCODED_LENGTH)
        {
            throw new IllegalArgumentException("initialCapacity must be at most " + MAX_ENCODED_LENGTH + ", was " +
                initialCapacity);
        }
        this.regionId = regionId;
        this.epochVersion = epochVersion;
        this.version = version;
        this.buffer = new ExpandableArrayBuffer(Math.max(16, initialCapacity));
    }

    /**
     * Add a put.
     *
     * @param key   key bytes.
     * @param value value bytes.
     * @return this.
     */
    public WriteBatch put(final byte[] key, final byte[] value)
    {
        java.util.Objects.requireNonNull(key, "key");
        java.util.Objects.requireNonNull(value, "value");
        return append(PUT, new UnsafeBuffer(key), 0, key.length, new UnsafeBuffer(value), 0, value.length);
    }

    /**
     * Add a put from buffers.
     *
     * @param key       key buffer.
     * @param keyOffset key offset.
     * @param keyLength key length.
     * @param value     value buffer.
     * @param valueOffset value offset.
     * @param valueLength value length.
     * @return this.
     */
    public WriteBatch put(
        final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        return append(PUT, key, keyOffset, keyLength, value, valueOffset, valueLength);
    }

    /**
     * Add a delete.
     *
     * @param key key bytes.
     * @return this.
     */
    public WriteBatch delete(final byte[] key)
    {
        java.util.Objects.requireNonNull(key, "key");
        return append(DELETE, new UnsafeBuffer(key), 0, key.length, null, 0, 0);
    }

    /**
     * Add a delete from a buffer.
     *
     * @param key       key buffer.
     * @param keyOffset key offset.
     * @param keyLength key length.
     * @return this.
     */
    public WriteBatch delete(final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        return append(DELETE, key, keyOffset, keyLength, null, 0, 0);
    }

    private WriteBatch append(
        final byte op, final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        if (sealed)
        {
            throw new IllegalStateException("write batch already submitted: it cannot change any more");
        }
        java.util.Objects.requireNonNull(key, "key");
        checkSlice("key", key.capacity(), keyOffset, keyLength);
        if (op == PUT)
        {
            java.util.Objects.requireNonNull(value, "value");
            checkSlice("value", value.capacity(), valueOffset, valueLength);
        }
        if ((long)limit + HEADER + keyLength + valueLength > MAX_ENCODED_LENGTH)
        {
            throw new IllegalArgumentException("write batch would exceed 2 GiB encoded");
        }
        int at = limit;
        if (count == opOffsets.length)
        {
            opOffsets = java.util.Arrays.copyOf(opOffsets, count * 2);
        }
        opOffsets[count] = at;
        buffer.putByte(at, op);
        buffer.putInt(at + 1, keyLength);
        buffer.putInt(at + 5, valueLength);
        at += HEADER;
        buffer.putBytes(at, key, keyOffset, keyLength);
        if (keysAscending && count > 0)
        {
            keysAscending = keyAbove(count - 1, at, keyLength);
        }
        at += keyLength;
        if (valueLength > 0)
        {
            buffer.putBytes(at, value, valueOffset, valueLength);
            at += valueLength;
        }
        limit = at;
        count++;
        minKeyLength = Math.min(minKeyLength, keyLength);
        maxKeyLength = Math.max(maxKeyLength, keyLength);
        maxValueLength = Math.max(maxValueLength, valueLength);
        return this;
    }

    /** @return true if the key just written at {@code keyAt} is strictly greater than operation {@code prev}'s key. */
    private boolean keyAbove(final int prev, final int keyAt, final int keyLength)
    {
        final int prevAt = opOffsets[prev];
        final int prevKeyAt = prevAt + HEADER;
        final byte[] bytes = buffer.byteArray();
        return java.util.Arrays.compareUnsigned(
            bytes, prevKeyAt, prevKeyAt + buffer.getInt(prevAt + 1), bytes, keyAt, keyAt + keyLength) < 0;
    }

    private static void checkSlice(final String what, final int capacity, final int offset, final int length)
    {
        final String bad = CommandValidation.slice(what, capacity, offset, length);
        if (bad != null)
        {
            throw new IllegalArgumentException(bad);
        }
    }

    /** @return the shortest key appended (Integer.MAX_VALUE when empty). */
    int minKeyLength()
    {
        return minKeyLength;
    }

    /** @return the longest key appended. */
    int maxKeyLength()
    {
        return maxKeyLength;
    }

    /** @return the longest value appended. */
    int maxValueLength()
    {
        return maxValueLength;
    }

    /** @return region id. */
    public long regionId()
    {
        return regionId;
    }

    /** @return epoch version. */
    public long epochVersion()
    {
        return epochVersion;
    }

    /** @return entry version. */
    public long version()
    {
        return version;
    }

    /** @return number of operations. */
    public int count()
    {
        return count;
    }

    /** @return encoded bytes. */
    public int encodedLength()
    {
        return limit;
    }

    /**
     * Visit the operations in order. Any thread, also while the engine applies the batch; the views passed to the
     * visitor are this call's own and are rewrapped for each operation: copy what you keep.
     *
     * @param visitor receives each operation.
     * @return the first non-zero code the visitor returned, or 0.
     */
    public int forEach(final OpVisitor visitor)
    {
        return forEachFirstToLast(visitor, new UnsafeBuffer(0, 0), new UnsafeBuffer(0, 0));
    }

    private int forEachFirstToLast(final OpVisitor visitor, final UnsafeBuffer keyView, final UnsafeBuffer valueView)
    {
        for (int i = 0; i < count; i++)
        {
            final int rc = visit(i, visitor, keyView, valueView);
            if (rc != 0)
            {
                return rc;
            }
        }
        return 0;
    }

    /**
     * Visit the operations last to first. A batch may touch one key twice; like the host's storage engine, the
     * later operation wins. A table refuses a second entry at the same (key, version), so the apply thread inserts
     * last-first: the winning operation goes in, the earlier ones are the refused duplicates. Any thread, with
     * views of this call's own (see {@link #forEach}).
     *
     * @param visitor receives each operation.
     * @return the first non-zero code the visitor returned, or 0.
     */
    public int forEachLastFirst(final OpVisitor visitor)
    {
        return forEachLastFirst(visitor, new UnsafeBuffer(0, 0), new UnsafeBuffer(0, 0));
    }

    /**
     * {@link #forEachLastFirst(OpVisitor)} with views owned by the caller: the apply thread's allocation-free walk.
     * The views must not be shared with another thread.
     */
    int forEachLastFirst(final OpVisitor visitor, final UnsafeBuffer keyView, final UnsafeBuffer valueView)
    {
        for (int i = count - 1; i >= 0; i--)
        {
            final int rc = visit(i, visitor, keyView, valueView);
            if (rc != 0)
            {
                return rc;
            }
        }
        return 0;
    }

    /**
     * Visit the operations in the order the apply thread inserts them: first to last when the keys strictly ascend
     * (no key twice, so the order cannot change which operation wins, and the nodes are allocated in key order, so a
     * scan walks forward through memory), otherwise last to first ({@link #forEachLastFirst}: the later operation on
     * a key wins). Views as in {@link #forEachLastFirst(OpVisitor, UnsafeBuffer, UnsafeBuffer)}.
     */
    int forEachInApplyOrder(final OpVisitor visitor, final UnsafeBuffer keyView, final UnsafeBuffer valueView)
    {
        return keysAscending ?
            forEachFirstToLast(visitor, keyView, valueView) : forEachLastFirst(visitor, keyView, valueView);
    }

    /** @return true if every key is strictly greater than the one before it (so none appears twice). */
    boolean keysAscending()
    {
        return keysAscending;
    }

    /**
     * The checks a write makes at the call, before anything is queued, as {@link Region#validate()} does for a
     * region: the region id, the epoch, a negative version, key lengths outside {@code [1, maxKeyLength]} and values
     * over {@code maxValueLength} of {@code config}. What needs the region (its range, the version order) is checked
     * on the apply thread. A host that writes its own store before the cache (as the hybrid engine does) calls this
     * first, so that a batch the cache would refuse never reaches the store.
     *
     * @param config the engine's configuration (its key and value limits).
     * @return why the batch is bad input ({@link ResultCode#INVALID}'s reason), or null if it passes.
     */
    public String validate(final RegionCacheConfig config)
    {
        return CommandValidation.batch(this, config.maxKeyLength(), config.maxValueLength());
    }

    /**
     * The thread handing the batch to the engine: no operation may be added from now on.
     *
     * @return true if this call sealed it, false if it was handed over before (and must stay sealed).
     */
    boolean seal()
    {
        final boolean first = !sealed;
        sealed = true;
        return first;
    }

    /**
     * The engine refused the batch at the call ({@link ResultCode#QUEUE_FULL}, {@link ResultCode#CLOSED}) after the
     * call that sealed it: it was never queued, so the apply thread never reads it, and the host may change it again,
     * as a batch refused {@code INVALID} at the call (README, "Reliability": "a refused batch stays open").
     */
    void unseal()
    {
        sealed = false;
    }

    private int visit(final int index, final OpVisitor visitor, final UnsafeBuffer keyView, final UnsafeBuffer valueView)
    {
        int at = opOffsets[index];
        final byte op = buffer.getByte(at);
        final int keyLength = buffer.getInt(at + 1);
        final int valueLength = buffer.getInt(at + 5);
        at += HEADER;
        keyView.wrap(buffer.byteArray(), at, keyLength);
        valueView.wrap(buffer.byteArray(), at + keyLength, valueLength);
        return visitor.onOp(op, keyView, keyLength, valueView, valueLength);
    }

    /**
     * Receives the operations of a batch.
     */
    @FunctionalInterface
    public interface OpVisitor
    {
        /**
         * @param op          {@link #PUT} or {@link #DELETE}.
         * @param key         key view (offset 0).
         * @param keyLength   key length.
         * @param value       value view (offset 0; empty for deletes).
         * @param valueLength value length.
         * @return 0 to continue, anything else to stop with that code.
         */
        int onOp(byte op, DirectBuffer key, int keyLength, DirectBuffer value, int valueLength);
    }

    @Override
    public String toString()
    {
        return "WriteBatch{region=" + regionId + ", epoch=" + epochVersion + ", version=" + version +
            ", ops=" + count + "}";
    }
}
