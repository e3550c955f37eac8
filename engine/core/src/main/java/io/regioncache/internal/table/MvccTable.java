package io.regioncache.internal.table;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * An off-heap MVCC skiplist ordered by (key ascending in unsigned lexicographic byte order, version
 * descending), with an off-heap hash index from each key to its newest node for point gets.
 * <p>
 * <b>Threading.</b> Exactly one writer thread at a time calls {@link #put}, {@link #delete} and {@link #free};
 * any number of reader threads concurrently call {@link #get}, {@link #getView} and use cursors, without locks
 * and without allocating.
 * <p>
 * <b>Publication protocol.</b> The writer fully initialises a node (header, key, value and all its next
 * pointers) with plain stores, then links it bottom-up with a release store into each predecessor's next
 * pointer, and only then points the hash index at it with another release store. Readers follow next
 * pointers and hash slots with acquire loads, so any node they reach is completely written. A reader may
 * observe a node at level 0 before it is linked at higher levels; that only makes its search slightly longer.
 * <p>
 * <b>Memory.</b> Nodes are bump-allocated in segments taken from a {@link SegmentPool}; there is no per-entry
 * free. {@link #free()} returns every buffer to the pool at once. When the pool refuses memory a write returns
 * {@link #NO_MEMORY} and the table is left exactly as it was (apart from possibly some wasted, unreachable
 * space).
 * <p>
 * Versions must be {@code >= 0}; for one key they may be inserted in any order.
 */
public final class MvccTable
{
    /** Write succeeded. */
    public static final int OK = 0;
    /** The exact (key, version) is already present: nothing was written. */
    public static final int DUPLICATE = 1;
    /** The pool refused memory: nothing was linked, the table is consistent. */
    public static final int NO_MEMORY = 2;

    /** {@link #linkNewestInFront}: the insert needs a search (never returned by a public method). */
    private static final int NOT_LINKED = -1;

    /** Returned by {@link #get} when there is no visible value. */
    public static final int NOT_FOUND = -1;

    /** Tallest tower; with branching factor 4 this comfortably covers 4^16 nodes. */
    static final int MAX_HEIGHT = 16;

    /**
     * The head sentinel: a full-height tower placed right after the reserved prefix of segment 0. It has no
     * key and is never the target of a pointer.
     */
    static final long HEAD = NodeLayout.nodeAddressFromStart(
        NodeLayout.address(0, NodeLayout.RESERVED_PREFIX), MAX_HEIGHT);

    /** Version strictly older than any legal version: searching for (key, PAST_ALL_VERSIONS) skips the key. */
    static final long PAST_ALL_VERSIONS = -1L;
    /**
     * Older versions of one key a cursor's step meets before it falls back to a skiplist search: it steps over the
     * first {@code MAX_LINEAR_SKIP - 1} one by one and searches past the key when it meets this many. The same bound
     * holds for versions newer than the read version, which a get and a cursor's step skip before the visible one.
     */
    static final int MAX_LINEAR_SKIP = 8;

    private static final VarHandle NODE_COUNT;
    private static final VarHandle KEY_COUNT;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            NODE_COUNT = lookup.findVarHandle(MvccTable.class, "nodeCount", long.class);
            KEY_COUNT = lookup.findVarHandle(MvccTable.class, "keyCount", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final SegmentPool pool;
    private final int maxKeyLength;
    private final NodeArena arena;
    /** Index generations above this many slots have no entries (only slots). */
    private final int maxEntryCapacity;
    /** Asked before each generation's entries are allocated (memory pressure: slots only). */
    private final EntryGate entryGate;

    /** Current tower height in use; 0 while the table holds no memory (never initialised, or freed). */
    private volatile int maxHeight;
    /** Current hash-index generation; null while the table holds no memory. */
    private volatile HashIndex hashIndex;
    /**
     * Where a search for a key the index cannot find starts ({@link SeekFences}); null below
     * {@link SeekFences#MIN_KEYS} keys. Replaced (never changed) by the writer as the table grows.
     */
    private volatile SeekFences seekFences;
    /** Writer only: the key count at which {@link #seekFences} is built again if not complete (keys doubled). */
    private long fencesAtKeys = SeekFences.MIN_KEYS;
    /**
     * Writer only: {@link #seekFences} holds every node of the fences' level list (none was linked elsewhere than at
     * its end, or left out for leaving the fences' common prefix, since the build): no rebuild is needed.
     */
    private boolean fencesComplete;

    // Writer-only state.
    private final ArrayList<HashIndex> retiredIndexes = new ArrayList<>();
    /**
     * Writer only. During an insert: the predecessor at each level. After it: a finger, the last node at each
     * level that is not after the node just inserted ({@link #lastInserted}), so that an insert sorting after
     * it (loads and compactions insert in table order) searches from the fingers instead of from the head.
     */
    private final long[] preds = new long[MAX_HEIGHT];
    /** Writer only: the node of the previous insert, or NULL; the fingers in {@link #preds} are valid with it. */
    private long lastInserted = NodeLayout.NULL;
    /** Writer only: inserts that took {@link #linkNewestInFront}. */
    private long insertsLinkedInFront;
    /** Writer only: {@link #linkNewestInFront}'s predecessors, one per level. */
    private final long[] frontPreds = new long[MAX_HEIGHT];
    /**
     * Keys per batch when building a deferred hash index: small enough that the batch's nodes, just read in table
     * order to hash their keys, are still in the cache when their entries are filled (measured: 4,096 beat 1,024 and
     * 262,144).
     */
    private static final int BUILD_BATCH = 1 << 12;
    /** The build loads the home slot and entry of the key this many inserts ahead, so their misses overlap. */
    private static final int BUILD_LOOKAHEAD = 16;
    /** Writer only: the hash index is not maintained until {@link #buildHashIndex()} (private tables only). */
    private boolean hashDeferred;
    /**
     * Writer only: the index being filled while a load's copy waits on its scan ({@link #startIndexDuringCopy}), or
     * null. Private like the table: nothing reads it until {@link #buildHashIndex()} publishes it.
     */
    private HashIndex copyIndex;
    /**
     * Writer only: where the keys walked into {@link #copyIndex} are collected by the part of its entry column they
     * hash to and written in a part at a time ({@link IndexStaging}); null when they go into the index directly.
     */
    private IndexStaging copyStaging;
    /** Writer only: the smallest index capacity {@link #copyStaging} is used for (tests lower it). */
    private int minStagedCapacity = IndexStaging.MIN_CAPACITY;
    /** Writer only: the last node walked into {@link #copyIndex} (HEAD before the first). */
    private long copyIndexWalked;
    /** Writer only: keys inserted into {@link #copyIndex}. */
    private long copyIndexKeys;
    /**
     * Writer only: {@link #copyIndex} can no longer be completed (an insert that was not an append);
     * {@link #buildHashIndex()} then builds the index from scratch as before.
     */
    private boolean copyIndexBroken;
    /**
     * Writer only: the walk stopped at half of {@link #copyIndex}'s capacity (the estimate was too low): a larger
     * estimate ({@link #startIndexDuringCopy} again) starts a larger index, or the build starts over at the end.
     */
    private boolean copyIndexFull;
    /** Writer only: {@link #adoptedBytes()}. */
    private long adoptedBytes;
    /** Writer only: {@link #adoptedMaxVersion()}. */
    private long adoptedMaxVersion = Long.MIN_VALUE;
    /** Writer only: the published index is the one filled during the copy (statistics and tests). */
    private boolean indexFilledDuringCopy;
    private long[] buildHashes;
    private long[] buildNodes;
    private final UnsafeBuffer writerKey = new UnsafeBuffer(new byte[0]);
    private final UnsafeBuffer writerValue = new UnsafeBuffer(new byte[0]);
    private long randomState = 0x9E3779B97F4A7C15L;
    private volatile long hashBytes;

    // Written by the writer with release stores (VarHandle), read by statistics from any thread.
    private long nodeCount;
    private long keyCount;

    /**
     * Create an empty table. No memory is taken from the pool until the first write.
     *
     * @param pool         source of segments, large buffers and hash arrays.
     * @param maxKeyLength longest key accepted, in bytes (also the size of each cursor's bound buffers).
     */
    public MvccTable(final SegmentPool pool, final int maxKeyLength)
    {
        this(pool, maxKeyLength, HashIndex.MAX_ENTRY_CAPACITY);
    }

    /**
     * @param pool                 the pool.
     * @param maxKeyLength         longest key accepted.
     * @param inlineNewestVersions false for an index of slots only (no 128-byte entries: gets go slot, then node).
     */
    public MvccTable(final SegmentPool pool, final int maxKeyLength, final boolean inlineNewestVersions)
    {
        this(pool, maxKeyLength, inlineNewestVersions, EntryGate.ALWAYS);
    }

    /**
     * @param pool                 the pool.
     * @param maxKeyLength         longest key accepted.
     * @param inlineNewestVersions false for an index of slots only, always.
     * @param entryGate            asked before each index generation's entries are allocated; refusing builds that
     *                             generation slots-only (the engine refuses under memory pressure).
     */
    public MvccTable(
        final SegmentPool pool, final int maxKeyLength, final boolean inlineNewestVersions, final EntryGate entryGate)
    {
        this(pool, maxKeyLength, inlineNewestVersions ? HashIndex.MAX_ENTRY_CAPACITY : 0, entryGate);
    }

    /**
     * Tests: a table whose index drops its entries above {@code maxEntryCapacity} slots.
     */
    MvccTable(final SegmentPool pool, final int maxKeyLength, final int maxEntryCapacity)
    {
        this(pool, maxKeyLength, maxEntryCapacity, EntryGate.ALWAYS);
    }

    /**
     * The bytes a slots-only hash index of {@code keys} keys takes (what a load or compaction of them builds at
     * least; the entries, when the gate allows them, come on top): for size estimates before a load.
     *
     * @param keys distinct keys.
     * @return bytes of the slot column.
     */
    public static long slotIndexBytes(final long keys)
    {
        final int capacity = HashIndex.capacityFor(keys);
        return capacity < 0 ? Long.MAX_VALUE / 4 : (long)capacity * Long.BYTES;
    }

    /**
     * The bytes a full hash index of {@code keys} keys takes, slots and entries (the most a load builds for them): for
     * the budget check before a load takes the index's memory ahead of its data.
     *
     * @param keys distinct keys.
     * @return bytes of both columns.
     */
    public static long fullIndexBytes(final long keys)
    {
        final int capacity = HashIndex.capacityFor(keys);
        return capacity < 0 ? Long.MAX_VALUE / 4 : (long)capacity * Long.BYTES + HashIndex.entryColumnBytes(capacity);
    }

    /**
     * A table whose index drops its entries above {@code maxEntryCapacity} slots (the production limit is
     * {@link HashIndex#MAX_ENTRY_CAPACITY}, far too large for a test to cross) or when {@code entryGate} refuses.
     */
    MvccTable(final SegmentPool pool, final int maxKeyLength, final int maxEntryCapacity, final EntryGate entryGate)
    {
        if (maxKeyLength <= 0)
        {
            throw new IllegalArgumentException("maxKeyLength must be > 0, got " + maxKeyLength);
        }
        final long headBytes = NodeLayout.RESERVED_PREFIX + NodeLayout.nodeSize(MAX_HEIGHT, 0, 0);
        if (pool.segmentSize() < 2 * headBytes)
        {
            throw new IllegalArgumentException(
                "segmentSize " + pool.segmentSize() + " too small, need at least " + 2 * headBytes);
        }
        this.pool = pool;
        this.maxKeyLength = maxKeyLength;
        this.arena = new NodeArena(pool);
        this.maxEntryCapacity = Math.min(maxEntryCapacity, HashIndex.MAX_ENTRY_CAPACITY);
        this.entryGate = entryGate;
    }

    // ------------------------------------------------------------------------------------------------------
    // Writer API
    // ------------------------------------------------------------------------------------------------------

    /**
     * Insert a value at a version. Writer thread only.
     *
     * @return {@link #OK}, {@link #DUPLICATE} or {@link #NO_MEMORY}.
     */
    public int put(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long version,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        if (valueLength < 0)
        {
            throw new IllegalArgumentException("valueLength must be >= 0, got " + valueLength);
        }
        return insert(key, keyOffset, keyLength, version, value, valueOffset, valueLength);
    }

    /**
     * Insert a tombstone at a version. Writer thread only.
     *
     * @return {@link #OK}, {@link #DUPLICATE} or {@link #NO_MEMORY}.
     */
    public int delete(final DirectBuffer key, final int keyOffset, final int keyLength, final long version)
    {
        return insert(key, keyOffset, keyLength, version, null, 0, NodeLayout.TOMBSTONE);
    }

    /**
     * Convenience for tests: {@link #put(DirectBuffer, int, int, long, DirectBuffer, int, int)} on arrays.
     */
    public int put(final byte[] key, final long version, final byte[] value)
    {
        writerKey.wrap(key);
        writerValue.wrap(value);
        return put(writerKey, 0, key.length, version, writerValue, 0, value.length);
    }

    /**
     * Convenience for tests: {@link #delete(DirectBuffer, int, int, long)} on an array.
     */
    public int delete(final byte[] key, final long version)
    {
        writerKey.wrap(key);
        return delete(writerKey, 0, key.length, version);
    }

    /**
     * Writer, on a table no reader can reach yet (a load or a compaction building a private copy): stop maintaining
     * the hash index until {@link #buildHashIndex()}. Bulk copies then skip a random write per key and every
     * growth-and-rehash of the index; point gets find nothing until the index is built.
     */
    public void deferHashIndex()
    {
        hashDeferred = true;
        copyIndexBroken = false;
        copyIndexFull = false;
    }

    /**
     * Writer: build the hash index of a table whose index was deferred, in one pass over the keys in table order
     * (sequential reads, one insert per key into an index sized for all of them). Must complete before the table
     * is published to readers.
     *
     * @return false if the pool refused the index's memory (the table stays deferred; free it).
     */
    public boolean buildHashIndex()
    {
        if (!hashDeferred)
        {
            return true;
        }
        if (0 == maxHeight)
        {
            hashDeferred = false;
            return true;
        }
        final long keys = keyCount;
        final int capacity = HashIndex.capacityFor(keys);
        final HashIndex filled = copyIndex;
        if (null != filled)
        {
            // Filled during the copy: complete it with the keys copied since the last idle moment, if it is the
            // index this build would make (the same capacity: an estimate too high must not leave a table with twice
            // the index it needs, one too low would overfill it).
            if (!copyIndexBroken && !copyIndexFull && filled.capacity() == capacity)
            {
                walkInto(filled, Long.MAX_VALUE);
                if (!copyIndexFull)
                {
                    releaseStaging(true);
                    copyIndex = null;
                    publishBuilt(filled);
                    indexFilledDuringCopy = true;
                    return true;
                }
            }
            abandonIndexDuringCopy();
        }
        final HashIndex built = allocateIndexToWalk(capacity);
        if (null == built)
        {
            return false;
        }
        walkInto(built, Long.MAX_VALUE); // sized for every key: never full
        publishBuilt(built);
        return true;
    }

    /**
     * Writer, on a table whose index is deferred and which a load fills in table order, one append after another:
     * allocate the index for about {@code estimatedKeys} keys now, so that {@link #indexDuringCopy} can fill it while
     * the copy waits on its scan. Measured on a 1M-key load, the loader waited on the scan for 60-70% of the copy,
     * and the index build after it took 0.55-0.65 s of a 1.6 s load: this moves that build into the wait.
     * <p>
     * Called again with a better estimate (the load re-estimates as its sample grows), it starts over with an index
     * of the new capacity if that differs, and keeps the one it has otherwise.
     * <p>
     * Only appends keep the partial index right (every node walked into it stays the first node of its key, and every
     * later node lands after the last one walked): an insert anywhere else marks it broken for good, and
     * {@link #buildHashIndex()} then builds from scratch as before; so it does if the final capacity differs.
     *
     * @param estimatedKeys the keys the whole copy is expected to hold.
     * @return true if an index of the estimated capacity is being filled; false if the table is not deferred, the
     * walk is broken, the estimate is unusable or the pool refused the memory (then no index is being filled).
     */
    public boolean startIndexDuringCopy(final long estimatedKeys)
    {
        return startIndexDuringCopy(estimatedKeys, false);
    }

    /**
     * {@link #startIndexDuringCopy(long)}, staging the keys walked (see {@link IndexStaging}) if {@code staged}, the
     * index has entries and is large enough to be worth it, and the pool grants the staging's memory
     * ({@link #indexStagingBytes}): they then go into the index a bucket at a time, each bucket into its own 1/512 of
     * the entry column, instead of one random entry at a time, and the rest when {@link #buildHashIndex()} publishes
     * it.
     *
     * @param estimatedKeys the keys the whole copy is expected to hold.
     * @param staged        stage the keys (the caller has checked that the memory for it is there).
     * @return as {@link #startIndexDuringCopy(long)}.
     */
    public boolean startIndexDuringCopy(final long estimatedKeys, final boolean staged)
    {
        if (!hashDeferred || copyIndexBroken || 0 == maxHeight || estimatedKeys <= 0)
        {
            return false;
        }
        final int capacity = HashIndex.capacityFor(Math.max(estimatedKeys, keyCount));
        final HashIndex current = copyIndex;
        if (null != current && current.capacity() == capacity)
        {
            return true;
        }
        abandonIndexDuringCopy();
        copyIndex = allocateIndexToWalk(capacity);
        if (null != copyIndex && staged && copyIndex.hasEntries())
        {
            copyStaging = IndexStaging.tryAllocate(pool, copyIndex, minStagedCapacity);
            if (null != copyStaging)
            {
                hashBytes += copyStaging.bytes();
            }
        }
        return null != copyIndex;
    }

    /**
     * @return the pool bytes {@link #startIndexDuringCopy(long, boolean)} takes to stage about {@code keys} keys, on
     * top of {@link #fullIndexBytes}; 0 if an index for that many keys is not staged.
     */
    public static long indexStagingBytes(final long keys)
    {
        final int capacity = HashIndex.capacityFor(keys);
        return capacity < 0 ? 0 : IndexStaging.bytesFor(capacity, IndexStaging.MIN_CAPACITY);
    }

    /**
     * Stage indexes of at least {@code capacity} slots (tests: the production threshold keeps small tables out).
     */
    void stageIndexesFrom(final int capacity)
    {
        minStagedCapacity = capacity;
    }

    /**
     * @return true if there is an index being filled during the copy and it has entries (tests).
     */
    boolean copyIndexHasEntries()
    {
        final HashIndex index = copyIndex;
        return null != index && index.hasEntries();
    }

    /**
     * @return buckets the staging of the index being filled during the copy has written into it so far, or -1 if
     * there is no staging (tests).
     */
    long stagedBucketsWritten()
    {
        final IndexStaging staging = copyStaging;
        return null == staging ? -1 : staging.bucketsWritten();
    }

    /**
     * Writer: write the keys still staged into the index being filled during the copy (if {@code drain}) and give the
     * staging back.
     */
    private void releaseStaging(final boolean drain)
    {
        final IndexStaging staging = copyStaging;
        if (null != staging)
        {
            copyStaging = null;
            if (drain)
            {
                staging.drain();
            }
            hashBytes -= staging.bytes();
            staging.release(pool);
        }
    }

    /**
     * @return a new index of {@code capacity} slots from the pool, counted in {@link #hashBytes}, with the walk of
     * {@link #walkInto} reset to start from the head; null if the capacity is out of range or the pool refused it.
     */
    private HashIndex allocateIndexToWalk(final int capacity)
    {
        if (capacity < 0)
        {
            return null;
        }
        final HashIndex index = HashIndex.tryAllocate(pool, maxEntryCapacity, entryGate, capacity);
        if (null != index)
        {
            hashBytes += index.bytes();
            copyIndexWalked = HEAD;
            copyIndexKeys = 0;
            copyIndexFull = false;
        }
        return index;
    }

    /**
     * Writer: give back the index being filled during the copy, if any (the load needs the memory for its data);
     * {@link #buildHashIndex()} then builds the index after the copy.
     */
    public void abandonIndexDuringCopy()
    {
        releaseStaging(false);
        final HashIndex index = copyIndex;
        if (null != index)
        {
            copyIndex = null;
            hashBytes -= index.bytes();
            index.release(pool);
        }
    }

    /**
     * @return bytes held by the index being filled during the copy, 0 if none. Writer only.
     */
    public long copyIndexBytes()
    {
        final HashIndex index = copyIndex;
        final IndexStaging staging = copyStaging;
        return (null == index ? 0 : index.bytes()) + (null == staging ? 0 : staging.bytes());
    }

    /**
     * @return a writer of node images for a load's scan thread to fill segments this table can adopt
     * ({@link #adoptNodeSegment}); made by the writer, then owned by the scan thread (the hand-over of the scan task
     * publishes it).
     */
    public NodeSegmentWriter newNodeSegmentWriter()
    {
        return new NodeSegmentWriter(pool, maxKeyLength, randomHeightSeed());
    }

    /**
     * Writer, on a table whose hash index is deferred (a load's private table): take a segment of node images written
     * by a {@link NodeSegmentWriter} into this table's arena as it is, and link every node in it, in order, exactly as
     * {@link #put}/{@link #delete} would have inserted the same entries (sorted input lands after the previous insert
     * in O(1); anything else is searched for; a duplicate (key, version) is left unlinked). No byte of a key or value
     * is copied.
     *
     * @param segment a segment from {@link NodeSegmentWriter#takeFilled()} of a writer made by this table.
     * @return the nodes linked, or -1 if the table cannot take the segment (it holds the most segments an address
     * can name, or it could not be initialised): the caller then gives the segment back
     * ({@link #discardNodeSegment}). {@link #adoptedBytes()} and {@link #adoptedMaxVersion()} describe the entries
     * linked.
     * @throws IllegalStateException if the table's hash index is not deferred (a live table must index each insert).
     */
    public long adoptNodeSegment(final UnsafeBuffer segment)
    {
        if (!hashDeferred)
        {
            throw new IllegalStateException("node segments are adopted only by a private table with a deferred index");
        }
        adoptedBytes = 0;
        adoptedMaxVersion = Long.MIN_VALUE;
        if (0 == maxHeight && !initialise())
        {
            return -1;
        }
        final int used = segment.getInt(NodeSegmentWriter.USED);
        final int images = segment.getInt(NodeSegmentWriter.NODES);
        if (used < NodeSegmentWriter.FIRST_NODE || used > segment.capacity() || images < 0)
        {
            throw new IllegalStateException("not a segment of node images: used " + used + ", nodes " + images);
        }
        final int index = arena.adopt(segment, used);
        if (index < 0)
        {
            return -1;
        }
        long linked = 0;
        long bytes = 0;
        long newest = Long.MIN_VALUE;
        int start = NodeSegmentWriter.FIRST_NODE;
        for (int i = 0; i < images; i++)
        {
            final long height = segment.getLong(start); // the writer's mark, replaced by next[h-1] when linked
            if (height < 1 || height > MAX_HEIGHT || start + NodeLayout.nodeSize((int)height, 0, 0) > used)
            {
                throw new IllegalStateException("node image " + i + " at " + start + " is malformed");
            }
            final int nodeOffset = start + (((int)height - 1) << 3);
            final int keyLength = NodeLayout.keyLength(segment, nodeOffset);
            final int valueLength = NodeLayout.valueLength(segment, nodeOffset);
            final long version = NodeLayout.version(segment, nodeOffset);
            final long size = NodeLayout.nodeSize((int)height, keyLength, valueLength);
            if (keyLength < 0 || start + size > used)
            {
                throw new IllegalStateException("node image " + i + " at " + start + " is malformed");
            }
            final int rc = searchAndLink((int)height, segment, NodeLayout.keyOffset(nodeOffset), keyLength, version,
                null, 0, valueLength, NodeLayout.address(index, nodeOffset));
            if (OK == rc)
            {
                linked++;
                bytes += keyLength + Math.max(0, valueLength);
                newest = Math.max(newest, version);
            }
            start += (int)size;
        }
        adoptedBytes = bytes;
        adoptedMaxVersion = newest;
        return linked;
    }

    /** @return key and value bytes of the entries the last {@link #adoptNodeSegment} linked. Writer only. */
    public long adoptedBytes()
    {
        return adoptedBytes;
    }

    /** @return the highest version the last {@link #adoptNodeSegment} linked, Long.MIN_VALUE if none. Writer only. */
    public long adoptedMaxVersion()
    {
        return adoptedMaxVersion;
    }

    /**
     * Any thread: give back to the pool a segment of node images this table will not adopt (a load that stopped).
     */
    public void discardNodeSegment(final UnsafeBuffer segment)
    {
        pool.release(segment);
    }

    /**
     * For a loader whose {@link #adoptNodeSegment} threw: whether the table had already taken the segment (then it is
     * released with the table, and must not be discarded) or not (then the caller gives it back to the pool).
     * Valid right after the call that threw: nothing allocates inside it. Writer only.
     *
     * @param segment the segment passed to {@link #adoptNodeSegment}.
     * @return true if the table holds it.
     */
    public boolean holdsAdoptedSegment(final UnsafeBuffer segment)
    {
        return arena.isCurrent(segment);
    }

    /**
     * @return the key of the node inserted last, a copy (the end of what a load has copied so far, for its estimate);
     * null if there is none. Writer only.
     */
    public byte[] lastInsertedKey()
    {
        final long node = lastInserted;
        if (NodeLayout.NULL == node)
        {
            return null;
        }
        final UnsafeBuffer segment = arena.segment(node);
        final int nodeOffset = NodeLayout.offset(node);
        final byte[] key = new byte[NodeLayout.keyLength(segment, nodeOffset)];
        segment.getBytes(NodeLayout.keyOffset(nodeOffset), key);
        return key;
    }

    /**
     * Writer, while a copy waits for its next entries: walk up to {@code maxNodes} nodes copied since the last call
     * into the index of {@link #startIndexDuringCopy}, or, when every node copied so far is walked, write one staged
     * bucket that is at least half full into it ({@link IndexStaging}).
     *
     * @return true if there was anything to do (call again before waiting); false if there is no index to fill,
     * it is broken, or every node copied so far is in it and no staged bucket is half full.
     */
    public boolean indexDuringCopy(final int maxNodes)
    {
        final HashIndex index = copyIndex;
        if (null == index || copyIndexBroken || copyIndexFull)
        {
            return false;
        }
        if (walkInto(index, maxNodes) > 0)
        {
            return true;
        }
        // Every node copied so far is walked: write a staged bucket now rather than after the copy.
        final IndexStaging staging = copyStaging;
        return null != staging && staging.writeOneWhileWaiting();
    }

    /**
     * @return true if {@link #buildHashIndex()} published the index filled during the copy (statistics and tests);
     * writer thread, or after the table was handed over.
     */
    public boolean indexFilledDuringCopy()
    {
        return indexFilledDuringCopy;
    }

    private void publishBuilt(final HashIndex built)
    {
        retiredIndexes.add(hashIndex);
        hashIndex = built;
        hashDeferred = false;
        buildHashes = null; // a table builds once (a load or a compaction): keep no batch arrays on the heap
        buildNodes = null;
        if (keyCount >= SeekFences.MIN_KEYS && !fencesComplete)
        {
            rebuildSeekFences(); // the copy is complete: fences over all of it before readers come
        }
    }

    /**
     * Writer: build {@link #seekFences} over the table as it is (a walk of one node in 16, in list order). A table
     * filled in key order (a load) builds once, at {@link SeekFences#MIN_KEYS} keys, and then appends; one written
     * anywhere builds again when its keys have doubled, so the walks add up to about one node in 8 of its final size.
     */
    private void rebuildSeekFences()
    {
        seekFences = SeekFences.build(this);
        fencesComplete = null != seekFences;
    }

    /**
     * Writer, after linking {@code node} of a height above {@link SeekFences#LEVEL}: append it to the fences if it is
     * the last node of their level's list (its key after every entry's); otherwise the fences are no longer complete.
     */
    private void noteTallNode(final long node)
    {
        final SeekFences fences = seekFences;
        if (null == fences)
        {
            return;
        }
        if (NodeLayout.NULL != nextPlain(node, SeekFences.LEVEL))
        {
            fencesComplete = false;
            return;
        }
        final SeekFences appended = fences.append(this, node);
        if (null == appended)
        {
            fencesComplete = false;
        }
        else if (appended != fences)
        {
            seekFences = appended; // a larger copy: published after its new entry
        }
    }

    /** Writer, for {@link SeekFences#append}: whether a node's key starts with {@code prefix}. */
    boolean keyStartsWith(final long node, final byte[] prefix)
    {
        final UnsafeBuffer segment = arena.segment(node);
        final int nodeOffset = NodeLayout.offset(node);
        if (NodeLayout.keyLength(segment, nodeOffset) < prefix.length)
        {
            return false;
        }
        final int keyOffset = NodeLayout.keyOffset(nodeOffset);
        for (int i = 0; i < prefix.length; i++)
        {
            if (segment.getByte(keyOffset + i) != prefix[i])
            {
                return false;
            }
        }
        return true;
    }

    /** Writer, for {@link SeekFences#build}: a copy of a node's key. */
    byte[] keyOf(final long node)
    {
        final UnsafeBuffer segment = arena.segment(node);
        final int nodeOffset = NodeLayout.offset(node);
        final byte[] key = new byte[NodeLayout.keyLength(segment, nodeOffset)];
        segment.getBytes(NodeLayout.keyOffset(nodeOffset), key);
        return key;
    }

    /** Writer, for {@link SeekFences#build}: {@link SeekFences#prefix} of a node's key from byte {@code from}. */
    long keyPrefixForFences(final long node, final int from)
    {
        final UnsafeBuffer segment = arena.segment(node);
        final int nodeOffset = NodeLayout.offset(node);
        return SeekFences.prefix(
            segment, NodeLayout.keyOffset(nodeOffset) + from, NodeLayout.keyLength(segment, nodeOffset) - from);
    }

    /** @return the entries of the current seek fences, 0 if there are none (tests, statistics); any thread. */
    int seekFenceCount()
    {
        final SeekFences fences = seekFences;
        return null == fences ? 0 : fences.size();
    }

    /**
     * Walk up to {@code maxNodes} nodes after {@link #copyIndexWalked} in table order and insert the first node of
     * each key (its newest version: the one the index points at) into {@code index}, stopping (and marking the index
     * full) instead of passing half its capacity.
     * <p>
     * Keys in table order hash to random slots, so each insert reads a random slot and writes a random entry.
     * Batches of keys in table order (their nodes are read sequentially and stay cached) are inserted with the
     * slot and entry of the key BUILD_LOOKAHEAD inserts ahead loaded first: independent loads, so the core keeps
     * many of those misses in flight instead of stalling on each probe in turn. This replaced sorting each batch
     * by home slot (sequential index writes, but each entry fill then read a random node): the inserts of 1M keys
     * took 0.45 s instead of 0.65 s (timed around this loop; LoadBenchmark's A/B is in the README). On a virtual
     * machine a random miss costs a nested page walk too, which is why neither order comes near a sequential copy.
     *
     * @return the nodes walked.
     */
    private long walkInto(final HashIndex index, final long maxNodes)
    {
        if (null == buildHashes)
        {
            buildHashes = new long[BUILD_BATCH];
            buildNodes = new long[BUILD_BATCH];
        }
        final long[] hashes = buildHashes;
        final long[] nodes = buildNodes;
        final IndexStaging staging = index == copyIndex ? copyStaging : null;
        final long keyLimit = index.capacity() / 2;
        int batched = 0;
        long walked = 0;
        long previous = copyIndexWalked;
        for (long n = nextPlain(previous, 0); NodeLayout.NULL != n && walked < maxNodes; n = nextPlain(n, 0))
        {
            if (HEAD == previous || !sameKey(n, previous))
            {
                if (copyIndexKeys + batched >= keyLimit)
                {
                    copyIndexFull = true;
                    break;
                }
                final UnsafeBuffer segment = arena.segment(n);
                final int nodeOffset = NodeLayout.offset(n);
                final int keyLength = NodeLayout.keyLength(segment, nodeOffset);
                final int keyOffset = NodeLayout.keyOffset(nodeOffset);
                final long hash = KeyHash.hash(segment, keyOffset, keyLength);
                if (null != staging)
                {
                    staging.stage(hash, n, segment, keyOffset, keyLength, NodeLayout.version(segment, nodeOffset),
                        segment, keyOffset + keyLength, NodeLayout.valueLength(segment, nodeOffset));
                    copyIndexKeys++; // in the index when its bucket is written, at the latest when the build drains
                }
                else
                {
                    hashes[batched] = hash;
                    nodes[batched++] = n;
                    if (batched == hashes.length)
                    {
                        insertLookingAhead(arena, index, hashes, nodes, batched);
                        copyIndexKeys += batched;
                        batched = 0;
                    }
                }
            }
            previous = n;
            walked++;
        }
        insertLookingAhead(arena, index, hashes, nodes, batched);
        copyIndexKeys += batched;
        copyIndexWalked = previous;
        return walked;
    }

    /**
     * Insert a batch of (hash, node) pairs in their order, each after loading the home slot and entry of the pair
     * {@link #BUILD_LOOKAHEAD} inserts ahead (see {@link #buildHashIndex}). The loads are hints: the insert reads
     * everything again itself.
     */
    private static void insertLookingAhead(
        final NodeArena arena, final HashIndex index, final long[] hashes, final long[] nodes, final int count)
    {
        long touched = 0;
        for (int j = 0, ahead = Math.min(BUILD_LOOKAHEAD, count); j < ahead; j++)
        {
            touched += index.touchForInsert(hashes[j]);
        }
        for (int j = 0; j < count; j++)
        {
            if (j + BUILD_LOOKAHEAD < count)
            {
                touched += index.touchForInsert(hashes[j + BUILD_LOOKAHEAD]);
            }
            index.insertRelease(arena, hashes[j], nodes[j]);
        }
        if (touched == TOUCH_SENTINEL)
        {
            touchSink = touched;
        }
    }

    /**
     * Release every buffer (segments, large buffers, all hash generations) to the pool. Writer thread only;
     * the caller guarantees no reader can reach the table any more. The table is empty afterwards and may be
     * written again.
     */
    public void free()
    {
        hashDeferred = false;
        maxHeight = 0;
        seekFences = null;
        fencesAtKeys = SeekFences.MIN_KEYS;
        fencesComplete = false;
        lastInserted = NodeLayout.NULL;
        final HashIndex current = hashIndex;
        hashIndex = null;
        if (null != current)
        {
            current.release(pool);
        }
        abandonIndexDuringCopy();
        indexFilledDuringCopy = false;
        for (final HashIndex retired : retiredIndexes)
        {
            retired.release(pool);
        }
        retiredIndexes.clear();
        hashBytes = 0;
        arena.releaseAll();
        NODE_COUNT.setRelease(this, 0L);
        KEY_COUNT.setRelease(this, 0L);
    }

    // ------------------------------------------------------------------------------------------------------
    // Reader API
    // ------------------------------------------------------------------------------------------------------

    /**
     * Copy the value of the newest version {@code <= readVersion} of a key. Any thread.
     *
     * @return the value length; {@link #NOT_FOUND} if there is no such version or it is a tombstone; or, if
     * {@code dst} has fewer than the required bytes after {@code dstOffset}, {@code -2 - requiredLength} with
     * nothing copied (so {@code requiredLength = -2 - result}).
     */
    public int get(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        final int inline = getInline(key, keyOffset, keyLength, readVersion, dst, dstOffset);
        return FALLBACK != inline ? inline : getGeneral(key, keyOffset, keyLength, readVersion, dst, dstOffset);
    }

    /** {@link #getInline} could not answer: call {@link #getGeneral}. */
    public static final int FALLBACK = HashIndex.FALLBACK;

    /**
     * The first half of {@link #get}: the key's index entry answers in one pass when it can (see
     * {@code HashIndex.getInline}, which says why this is a path of its own), else {@link #FALLBACK}. A method of its
     * own so that a caller's get inlines it whole: the general half, compiled into the same method, made it too big
     * for the JIT to inline into {@code Snapshot.get}, and the call that took its place cost the overlap between
     * consecutive gets. Any thread.
     *
     * @return as {@link #get}, or {@link #FALLBACK}.
     */
    public int getInline(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        final HashIndex index = hashIndex;
        return null == index ? NOT_FOUND : index.getInline(key, keyOffset, keyLength, readVersion, dst, dstOffset);
    }

    /**
     * The second half of {@link #get}, after {@link #getInline} answered {@link #FALLBACK}: the slot's node and the
     * versions after it (the entry, read again, when it can answer after all). Any thread.
     *
     * @return as {@link #get}.
     */
    public int getGeneral(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        final HashIndex index = hashIndex;
        if (null == index)
        {
            return NOT_FOUND;
        }
        return get(index, KeyHash.hash(key, keyOffset, keyLength), key, keyOffset, keyLength, readVersion, dst,
            dstOffset);
    }

    /**
     * A get through one index generation: the key's entry answers when it can (one miss: the newest version is
     * visible and its value inline), else the slot's node and the versions after it (as before entries).
     */
    private int get(
        final HashIndex index, final long hash, final DirectBuffer key, final int keyOffset, final int keyLength,
        final long readVersion, final MutableDirectBuffer dst, final int dstOffset)
    {
        final int slot = index.find(arena, hash, key, keyOffset, keyLength);
        if (slot < 0)
        {
            return NOT_FOUND;
        }
        final int inline = index.readInline(slot, readVersion, dst, dstOffset);
        if (HashIndex.FALLBACK != inline)
        {
            return inline;
        }
        final long node = visibleFrom(index.nodeAcquire(slot), key, keyOffset, keyLength, readVersion);
        if (NodeLayout.NULL == node)
        {
            return NOT_FOUND;
        }
        final UnsafeBuffer segment = arena.segment(node);
        final int nodeOffset = NodeLayout.offset(node);
        final int length = NodeLayout.valueLength(segment, nodeOffset);
        if (dst.capacity() - dstOffset < length)
        {
            return -2 - length;
        }
        dst.putBytes(dstOffset, segment, NodeLayout.valueOffset(segment, nodeOffset), length);
        return length;
    }

    /**
     * Zero-copy variant of {@link #get}: wrap {@code view} over the value in place. The view keeps the
     * segment's memory alive, so it stays memory-safe even after {@link #free()}, but its contents are only
     * meaningful while the table is alive. Any thread.
     *
     * @return true if a visible value was found and wrapped; false (view untouched) otherwise.
     */
    public boolean getView(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
        final DirectBuffer view)
    {
        final long node = findVisible(key, keyOffset, keyLength, readVersion);
        if (NodeLayout.NULL == node)
        {
            return false;
        }
        wrapValue(node, view);
        return true;
    }

    /**
     * Batched {@link #get} of up to {@code hashes.length} keys, interleaved so that the cache misses of different
     * keys overlap (group prefetching): first every key is hashed, then every home entry is loaded with the first
     * line of the entry after it (where most keys displaced by linear probing are), and then each key is
     * resolved and copied, by the same code as {@link #get}, from lines that are in the cache or on their way. At the
     * first key whose entry cannot answer, the nodes of the keys from there on that will need theirs are loaded at
     * once ({@link #touchNodes}) before that key is resolved. Java has no prefetch instruction; the loads of one
     * phase do not depend on each other, so an out-of-order core keeps many of them in flight at once. The early
     * loads are hints only (a slot or node they read may be replaced before the resolving pass, which reads it again
     * with acquire semantics), so the result is exactly that of {@code count} single gets at {@code readVersion}.
     * Any thread; allocates nothing.
     *
     * @param keys         buffer holding the keys.
     * @param keyOffsets   offset of key {@code i} in {@code keys}, for {@code i} in {@code [from, from + count)}.
     * @param keyLengths   length of key {@code i}.
     * @param from         first key.
     * @param count        keys, at most {@code hashes.length}.
     * @param readVersion  read version.
     * @param dst          destination of the values, packed one after the other.
     * @param position     where in {@code dst} the first value found goes.
     * @param valueOffsets out: offset in {@code dst} of value {@code i} (when found and copied).
     * @param valueLengths out: length of value {@code i}, {@link #NOT_FOUND}, or {@code -2 - length} if it did not
     *                     fit in the rest of {@code dst} (nothing copied for that key).
     * @param hashes       scratch of the caller, one per key.
     * @param probes       scratch of the caller, one per key.
     * @return the position in {@code dst} after the last value copied.
     */
    public int multiGet(
        final DirectBuffer keys, final int[] keyOffsets, final int[] keyLengths, final int from, final int count,
        final long readVersion, final MutableDirectBuffer dst, final int position,
        final int[] valueOffsets, final int[] valueLengths, final long[] hashes, final long[] probes)
    {
        final HashIndex index = hashIndex;
        if (null == index)
        {
            for (int i = from, end = from + count; i < end; i++)
            {
                valueLengths[i] = NOT_FOUND;
            }
            return position;
        }
        // Phase 1: hash (no memory beyond the caller's keys).
        for (int i = 0; i < count; i++)
        {
            hashes[i] = KeyHash.hash(keys, keyOffsets[from + i], keyLengths[from + i]);
        }
        // Phase 2: for every key, both lines of its home entry and the first line (meta word and key) of the
        // HashIndex.BATCH_TOUCH_AHEAD entries after it; independent loads, issued back to back so that the core keeps
        // as many of them in flight as it can. A quarter of the keys sit past their home entry at the load factors
        // kept, most of them one entry on, so the resolving pass finds them without a miss of its own. How many
        // entries ahead pays depends on how many misses the core keeps in flight: on the AMD EPYC host of 2026-12-01
        // (MultiGetBenchmark, 1M uniform, variants alternating) two measured 112-117 ns per key, against 119-130 with
        // one, 125-147 with three, and 152-179 for the home entries followed by a round that waited for them to load
        // the next entry of only the displaced keys (each round costs a whole miss of its own); on the Intel Xeon
        // host of 2026-12-07, one measured 81-99 ns per key against 99-113 with two, five pairs alternating (zipf
        // 60-62 against 67-70; jmh-results/memlimit/multiget-ahead/), so one it is. Leaving out the home entry's
        // second line measured far slower there (159-164): it is read in the resolving pass anyway. Hashing inside
        // this loop instead of before it measured slower still (196-213, AMD): instructions between the loads keep
        // fewer of them in flight.
        long touched = 0;
        for (int i = 0; i < count; i++)
        {
            touched += index.touchBatch(index.home(hashes[i]));
        }
        if (touched == TOUCH_SENTINEL)
        {
            touchSink = touched; // practically never: keeps the JIT from dropping the loads above
        }
        // Phase 3: resolve and copy each key exactly as a single get does (the entry's one pass, else the general
        // path), from the lines phase 2 loaded. At the first key its entry cannot answer (read below the newest
        // version, a value too long for the entry), the nodes of that key and of every later key that will need one
        // are loaded at once (touchNodes), before that key is resolved through its node.
        int at = position;
        boolean nodesTouched = false;
        for (int i = 0; i < count; i++)
        {
            final int k = from + i;
            int length = index.getInline(hashes[i], keys, keyOffsets[k], keyLengths[k], readVersion, dst, at);
            if (HashIndex.FALLBACK == length)
            {
                if (!nodesTouched)
                {
                    nodesTouched = true;
                    touchNodes(index, hashes, i, count, readVersion, probes);
                }
                length = get(index, hashes[i], keys, keyOffsets[k], keyLengths[k], readVersion, dst, at);
            }
            valueLengths[k] = length;
            if (length >= 0)
            {
                valueOffsets[k] = at;
                at += length;
            }
        }
        return at;
    }

    /**
     * A batched get's second round of loads, taken only once some key's entry could not answer: for keys
     * {@code [first, count)} of the group, those whose home entry cannot answer at {@code readVersion}, the home slot
     * and then the node it names, each round's loads independent across keys. Not taken up front: with every value
     * in its entry (the common case) it only re-read the entries, and a loop of loads waiting on the misses of
     * phase 2 held back the resolving pass behind it: measured (MultiGetBenchmark.multiGet16, -f 1 -wi 3 -i 5,
     * alternating, 2026-12-04), 95-97 ns per key against 103-108 with this round up front at 1M uniform keys (4 pairs),
     * and 41 against 48 over 1,000 keys (2 pairs). A hint: a wrong guess costs a miss, never a wrong result.
     */
    private void touchNodes(
        final HashIndex index, final long[] hashes, final int first, final int count, final long readVersion,
        final long[] probes)
    {
        for (int i = first; i < count; i++)
        {
            probes[i] = index.homeNeedsNode(hashes[i], readVersion) ? index.homeNodeHint(hashes[i]) : NodeLayout.NULL;
        }
        long touched = 0;
        for (int i = first; i < count; i++)
        {
            if (NodeLayout.NULL != probes[i])
            {
                touched += touchNode(probes[i]);
            }
        }
        if (touched == TOUCH_SENTINEL)
        {
            touchSink = touched;
        }
    }

    /** An improbable sum of touched words; see {@link #touchSink}. */
    private static final long TOUCH_SENTINEL = 0x7A11_5EED_D00D_F00DL;
    /** Written only when the touched words sum to {@link #TOUCH_SENTINEL}: a sink the JIT cannot prove dead. */
    @SuppressWarnings("unused")
    private static long touchSink;

    /**
     * Load the lines of a node that a get reads: header and key, and the two lines after (the value of a small
     * entry). Reads stay inside the node's segment (clamped to its end), so they are always in bounds; what they
     * read is ignored apart from the sink.
     */
    private long touchNode(final long node)
    {
        final UnsafeBuffer segment = arena.segment(node);
        final int last = segment.capacity() - Long.BYTES;
        final int header = NodeLayout.offset(node) + NodeLayout.VERSION;
        return segment.getLong(header) + segment.getLong(Math.min(header + 64, last)) +
            segment.getLong(Math.min(header + 128, last));
    }

    /**
     * Convenience for tests: allocating variant of {@link #get}.
     *
     * @return a copy of the visible value, or null.
     */
    public byte[] get(final byte[] key, final long readVersion)
    {
        // The same path as the zero-allocation get (entry first), so the tests that use this convenience cover it.
        final UnsafeBuffer keyBuffer = new UnsafeBuffer(key);
        byte[] value = new byte[64];
        while (true)
        {
            final int length = get(keyBuffer, 0, key.length, readVersion, new UnsafeBuffer(value), 0);
            if (NOT_FOUND == length)
            {
                return null;
            }
            if (length >= 0)
            {
                return java.util.Arrays.copyOf(value, length);
            }
            value = new byte[-2 - length];
        }
    }

    /**
     * @return a new reusable MVCC cursor; call {@link TableCursor#reset} before use. Any thread, but each
     * cursor is used by one thread at a time.
     */
    public TableCursor newCursor()
    {
        return new TableCursor(this);
    }

    /**
     * @return a new reusable cursor over every node (all versions and tombstones).
     */
    public RawCursor newRawCursor()
    {
        return new RawCursor(this);
    }

    /**
     * @return the longest key accepted.
     */
    public int maxKeyLength()
    {
        return maxKeyLength;
    }

    /**
     * @return bytes of node segments and large-value buffers held from the pool (the data, without any index).
     */
    public long dataBytes()
    {
        return arena.bytesHeld();
    }

    /**
     * @return bytes held from the pool: segments, large-value buffers and every hash-index generation.
     */
    public long memoryBytes()
    {
        return arena.bytesHeld() + hashBytes;
    }

    /**
     * @return number of nodes (versions and tombstones).
     */
    public long nodeCount()
    {
        return (long)NODE_COUNT.getAcquire(this);
    }

    /**
     * @return slots in use in the published index, counted (tests); -1 if there is none.
     */
    long indexSlotsInUse()
    {
        final HashIndex index = hashIndex;
        return null == index ? -1 : index.slotsInUse();
    }

    /**
     * @return number of distinct keys (including keys whose newest version is a tombstone).
     */
    public long keyCount()
    {
        return (long)KEY_COUNT.getAcquire(this);
    }

    /**
     * How far the nodes are from key order in memory: the number of nodes whose successor in key order lies at a lower
     * address (earlier in the same segment, or in an earlier segment). Nodes are bump-allocated in insert order, so a
     * table filled in key order (a load, a compaction) has none and a forward scan reads memory sequentially; each
     * write landing between keys written before it adds one. O(n); any thread (a diagnostic and a test oracle).
     *
     * @return the number of backward links at level 0.
     */
    public long layoutBreaks()
    {
        long breaks = 0;
        long n = first();
        while (NodeLayout.NULL != n)
        {
            final long next = nextAcquire(n, 0);
            if (NodeLayout.NULL != next && next < n)
            {
                breaks++;
            }
            n = next;
        }
        return breaks;
    }

    /**
     * @return inserts linked in front of their key's newest node without a search ({@link #linkNewestInFront}).
     * Writer thread only (a plain counter; a test oracle).
     */
    long insertsLinkedInFront()
    {
        return insertsLinkedInFront;
    }

    /**
     * Test oracle for the writer words: the number of nodes whose {@code prev[0]} is not their predecessor at level 0
     * (the head for the first node), plus the number of links at a level to a node whose recorded height does not
     * reach it, plus the number of nodes followed by a version of their own key without {@link NodeLayout#HAS_OLDER}.
     * O(n); writer thread only (the writer words are plain writer fields).
     *
     * @return 0 when every back link is exact.
     */
    long backLinkErrors()
    {
        if (0 == maxHeight)
        {
            return 0;
        }
        long errors = 0;
        long pred = HEAD;
        long n = nextPlain(HEAD, 0);
        while (NodeLayout.NULL != n)
        {
            if (NodeLayout.prevOf(writerWord(n)) != pred)
            {
                errors++;
            }
            // A node followed by a version of its own key must say so (a scan's step trusts a clear HAS_OLDER).
            if (HEAD != pred && (writerWord(pred) & NodeLayout.HAS_OLDER) == 0 && sameKey(pred, n))
            {
                errors++;
            }
            pred = n;
            n = nextPlain(n, 0);
        }
        // Every node reached at a level must say it has that level.
        for (int level = 1; level < maxHeight; level++)
        {
            for (n = nextPlain(HEAD, level); NodeLayout.NULL != n; n = nextPlain(n, level))
            {
                if (NodeLayout.heightOf(writerWord(n)) <= level)
                {
                    errors++;
                }
            }
        }
        return errors;
    }

    // ------------------------------------------------------------------------------------------------------
    // Package-private skiplist primitives shared with the cursors (all reader-safe).
    // ------------------------------------------------------------------------------------------------------

    NodeArena arena()
    {
        return arena;
    }

    /**
     * @return true if the current index generation has entries (false: slots only, by configuration or because the
     * gate or the pool refused them when it was built).
     */
    public boolean indexHasEntries()
    {
        final HashIndex index = hashIndex;
        return null != index && index.hasEntries();
    }

    long nextAcquire(final long node, final int level)
    {
        return arena.segment(node).getLongAcquire(NodeLayout.nextOffset(NodeLayout.offset(node), level));
    }

    long version(final long node)
    {
        return NodeLayout.version(arena.segment(node), NodeLayout.offset(node));
    }

    boolean isTombstone(final long node)
    {
        return NodeLayout.valueLength(arena.segment(node), NodeLayout.offset(node)) == NodeLayout.TOMBSTONE;
    }

    int compareKey(final long node, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        final UnsafeBuffer segment = arena.segment(node);
        final int nodeOffset = NodeLayout.offset(node);
        return KeyCompare.compare(
            segment, NodeLayout.keyOffset(nodeOffset), NodeLayout.keyLength(segment, nodeOffset),
            key, keyOffset, keyLength);
    }

    boolean sameKey(final long a, final long b)
    {
        final UnsafeBuffer segment = arena.segment(b);
        final int offset = NodeLayout.offset(b);
        return 0 == compareKey(a, segment, NodeLayout.keyOffset(offset), NodeLayout.keyLength(segment, offset));
    }

    void wrapKey(final long node, final DirectBuffer view)
    {
        final UnsafeBuffer segment = arena.segment(node);
        final int nodeOffset = NodeLayout.offset(node);
        view.wrap(segment, NodeLayout.keyOffset(nodeOffset), NodeLayout.keyLength(segment, nodeOffset));
    }

    void wrapValue(final long node, final DirectBuffer view)
    {
        final UnsafeBuffer segment = arena.segment(node);
        final int nodeOffset = NodeLayout.offset(node);
        view.wrap(
            segment,
            NodeLayout.valueOffset(segment, nodeOffset),
            Math.max(0, NodeLayout.valueLength(segment, nodeOffset)));
    }

    /**
     * @return the first node of the table, or NULL.
     */
    long first()
    {
        return 0 == maxHeight ? NodeLayout.NULL : nextAcquire(HEAD, 0);
    }

    /**
     * Where a forward seek to {@code key} starts: the newest node of the key when the hash index knows it (one
     * probe and one node instead of a descent through the levels, each step a likely cache miss on a large table),
     * else the first node at or after {@code (key, version)}. Either way the caller skips versions newer than its
     * read version by walking forward, which gives the same position. A newest node published after a reader's
     * snapshot was opened carries a version above that snapshot's read version, so finding an older node of the
     * key through a slot not yet updated never hides a version the reader may see.
     */
    long seekStart(final DirectBuffer key, final int keyOffset, final int keyLength, final long version)
    {
        final HashIndex index = hashIndex;
        if (null != index)
        {
            final long newest = index.findAcquire(arena, KeyHash.hash(key, keyOffset, keyLength), key, keyOffset,
                keyLength);
            if (NodeLayout.NULL != newest)
            {
                return newest;
            }
        }
        return findGreaterOrEqual(key, keyOffset, keyLength, version);
    }

    /**
     * @return the first node ordered at or after (key, version), i.e. with a greater key, or the same key and a
     * version {@code <= version}; NULL if none.
     */
    long findGreaterOrEqual(final DirectBuffer key, final int keyOffset, final int keyLength, final long version)
    {
        int level = maxHeight - 1;
        if (level < 0)
        {
            return NodeLayout.NULL;
        }
        long x = HEAD;
        // The upper levels from the fences: their last node certainly before the key is in every list up to
        // SeekFences.LEVEL (nodes are never unlinked), so the search goes on from it there (SeekFences). Steps
        // along that level from it are counted (-1: the search did not start from a fence).
        int fenceSteps = -1;
        final SeekFences fences = seekFences;
        if (null != fences && level > SeekFences.LEVEL)
        {
            final long from = fences.floorBefore(key, keyOffset, keyLength);
            if (NodeLayout.NULL != from)
            {
                x = from;
                level = SeekFences.LEVEL;
                fenceSteps = 0;
            }
        }
        while (true)
        {
            final long next = nextAcquire(x, level);
            if (NodeLayout.NULL != next && isBefore(next, key, keyOffset, keyLength, version))
            {
                if (fenceSteps >= 0 && SeekFences.LEVEL == level && ++fenceSteps > SeekFences.MAX_STEPS)
                {
                    // many keys linked into this gap since the fences were built: the search from the head
                    fenceSteps = -1;
                    x = HEAD;
                    level = maxHeight - 1;
                    continue;
                }
                x = next;
            }
            else if (0 == level)
            {
                return next;
            }
            else
            {
                level--;
            }
        }
    }

    /**
     * @return the last node whose key is {@code < key} ({@code <= key} if inclusive), i.e. the oldest version of
     * the greatest such key; NULL if none.
     */
    long findLastKeyBefore(
        final DirectBuffer key, final int keyOffset, final int keyLength, final boolean inclusive)
    {
        int level = maxHeight - 1;
        if (level < 0)
        {
            return NodeLayout.NULL;
        }
        final int limit = inclusive ? 0 : -1;
        long x = HEAD;
        while (true)
        {
            final long next = nextAcquire(x, level);
            if (NodeLayout.NULL != next && compareKey(next, key, keyOffset, keyLength) <= limit)
            {
                x = next;
            }
            else if (0 == level)
            {
                return HEAD == x ? NodeLayout.NULL : x;
            }
            else
            {
                level--;
            }
        }
    }

    /**
     * @return the last node of the table, or NULL.
     */
    long findLast()
    {
        int level = maxHeight - 1;
        if (level < 0)
        {
            return NodeLayout.NULL;
        }
        long x = HEAD;
        while (true)
        {
            final long next = nextAcquire(x, level);
            if (NodeLayout.NULL != next)
            {
                x = next;
            }
            else if (0 == level)
            {
                return HEAD == x ? NodeLayout.NULL : x;
            }
            else
            {
                level--;
            }
        }
    }

    /**
     * @return the newest node of the key of {@code node} with a version {@code <= readVersion}, if it is not a
     * tombstone; NULL otherwise.
     */
    long visibleVersionOf(final long node, final long readVersion)
    {
        final UnsafeBuffer segment = arena.segment(node);
        final int nodeOffset = NodeLayout.offset(node);
        final int keyOffset = NodeLayout.keyOffset(nodeOffset);
        final int keyLength = NodeLayout.keyLength(segment, nodeOffset);
        final long candidate = findGreaterOrEqual(segment, keyOffset, keyLength, readVersion);
        if (NodeLayout.NULL == candidate || 0 != compareKey(candidate, segment, keyOffset, keyLength) ||
            isTombstone(candidate))
        {
            return NodeLayout.NULL;
        }
        return candidate;
    }

    /**
     * @return the newest node of {@code key} with a version {@code <= readVersion}, found by one skiplist search, if it
     * is not a tombstone; NULL otherwise.
     */
    private long visibleAt(final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion)
    {
        final long candidate = findGreaterOrEqual(key, keyOffset, keyLength, readVersion);
        if (NodeLayout.NULL == candidate || 0 != compareKey(candidate, key, keyOffset, keyLength) ||
            isTombstone(candidate))
        {
            return NodeLayout.NULL;
        }
        return candidate;
    }

    /**
     * A cursor's step has met {@link #MAX_LINEAR_SKIP} nodes in a row newer than its read version: the first node at
     * or after {@code (key of node, readVersion)}, by one search (the node's own versions newer than the read version
     * skipped at once). Any thread.
     */
    long pastNewerVersions(final UnsafeBuffer segment, final int nodeOffset, final int keyLength, final long readVersion)
    {
        return findGreaterOrEqual(segment, NodeLayout.keyOffset(nodeOffset), keyLength, readVersion);
    }

    // ------------------------------------------------------------------------------------------------------
    // Internals
    // ------------------------------------------------------------------------------------------------------

    private boolean isBefore(
        final long node, final DirectBuffer key, final int keyOffset, final int keyLength, final long version)
    {
        final int c = compareKey(node, key, keyOffset, keyLength);
        return c < 0 || (0 == c && version(node) > version);
    }

    private long findVisible(final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion)
    {
        final HashIndex index = hashIndex;
        if (null == index)
        {
            return NodeLayout.NULL;
        }
        return visibleFrom(index.findAcquire(arena, KeyHash.hash(key, keyOffset, keyLength), key, keyOffset, keyLength),
            key, keyOffset, keyLength, readVersion);
    }

    /**
     * @return the newest node at or below {@code readVersion} among {@code newest} (the key's newest node, or NULL)
     * and the key's older versions after it, if not a tombstone; NULL otherwise.
     * <p>
     * The versions newer than {@code readVersion} are stepped over one by one only up to {@link #MAX_LINEAR_SKIP};
     * past that, one O(log n) search for {@code (key, readVersion)} lands on the answer. Without the bound a read at an
     * old version of a hot key walked every newer version (audit 10: a get at version 1 of a key with 32,000 versions
     * took ~390 us, four times the cost at 8,000; {@code blackbox10.HotKeyVersionsTest}).
     */
    private long visibleFrom(
        final long newest, final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion)
    {
        long node = newest;
        int newer = 0;
        while (NodeLayout.NULL != node)
        {
            final UnsafeBuffer segment = arena.segment(node);
            final int nodeOffset = NodeLayout.offset(node);
            if (NodeLayout.version(segment, nodeOffset) <= readVersion)
            {
                return NodeLayout.valueLength(segment, nodeOffset) == NodeLayout.TOMBSTONE ? NodeLayout.NULL : node;
            }
            if (++newer >= MAX_LINEAR_SKIP)
            {
                return visibleAt(key, keyOffset, keyLength, readVersion);
            }
            node = segment.getLongAcquire(NodeLayout.nextOffset(nodeOffset, 0));
            if (NodeLayout.NULL != node && 0 != compareKey(node, key, keyOffset, keyLength))
            {
                return NodeLayout.NULL;
            }
        }
        return NodeLayout.NULL;
    }

    private int insert(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long version,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        checkEntry(keyLength, maxKeyLength, version);
        if (0 == maxHeight && !initialise())
        {
            return NO_MEMORY;
        }

        final int height = randomHeight();
        if (height <= maxHeight && !hashDeferred)
        {
            final int linked = linkNewestInFront(
                height, key, keyOffset, keyLength, version, value, valueOffset, valueLength);
            if (NOT_LINKED != linked)
            {
                return linked;
            }
        }
        return searchAndLink(
            height, key, keyOffset, keyLength, version, value, valueOffset, valueLength, NodeLayout.NULL);
    }

    /**
     * The insert's search and link: find the new entry's predecessors (from the fingers when it lands after the
     * previous insert), then link a node, allocated and written here, or {@code written} if not NULL: a node whose
     * header, key and value are already in the arena (an adopted node image, {@link #adoptNodeSegment}); such a
     * node is left unreachable, its bytes wasted, if the entry is a DUPLICATE.
     */
    private int searchAndLink(
        final int height, final DirectBuffer key, final int keyOffset, final int keyLength, final long version,
        final DirectBuffer value, final int valueOffset, final int valueLength, final long written)
    {
        final int top = maxHeight;
        // Sorted input (a load or a compaction copying in table order) lands right after the previous insert:
        // every finger is then before the new entry, and each level's search starts there, O(1) instead of
        // O(log n). Otherwise search from the head.
        final boolean afterLast = NodeLayout.NULL != lastInserted &&
            isBefore(lastInserted, key, keyOffset, keyLength, version);
        // The search below overwrites the fingers with this key's predecessors; they are fingers again only if the
        // insert succeeds, so a DUPLICATE or NO_MEMORY return leaves the fast path off until the next full search.
        lastInserted = NodeLayout.NULL;
        long x = HEAD;
        // Once the search has moved right of a finger at some level it is past the previous insert, so right of
        // every lower finger too: from then on it descends as usual. Until then each level starts at its finger
        // (never left of where the level above stopped), so the walk is O(log distance from the last insert).
        boolean moved = !afterLast;
        for (int level = top - 1; level >= 0; level--)
        {
            if (!moved)
            {
                x = preds[level];
            }
            long next = nextPlain(x, level);
            while (NodeLayout.NULL != next && isBefore(next, key, keyOffset, keyLength, version))
            {
                x = next;
                next = nextPlain(x, level);
                moved = true;
            }
            preds[level] = x;
        }

        final long pred = preds[0];
        final long succ = nextPlain(pred, 0);
        if (NodeLayout.NULL != succ && null != copyIndex)
        {
            copyIndexBroken = true; // not an append: nodes already walked may no longer be their keys' first
        }
        final boolean succSameKey = NodeLayout.NULL != succ && 0 == compareKey(succ, key, keyOffset, keyLength);
        if (succSameKey && version(succ) == version)
        {
            return DUPLICATE;
        }
        final boolean predSameKey = HEAD != pred && 0 == compareKey(pred, key, keyOffset, keyLength);
        final boolean newKey = !succSameKey && !predSameKey;
        final boolean newest = !predSameKey; // the predecessor of the same key would hold a newer version

        final long keys = keyCount;
        if (newKey && !hashDeferred && !ensureHashCapacity(keys + 1))
        {
            return NO_MEMORY;
        }

        final long node = NodeLayout.NULL != written ? written :
            allocateNode(height, key, keyOffset, keyLength, version, value, valueOffset, valueLength);
        if (NodeLayout.NULL == node)
        {
            return NO_MEMORY;
        }
        final UnsafeBuffer segment = arena.segment(node);
        final int nodeOffset = NodeLayout.offset(node);
        // Writer words (plain): this node's height and predecessor, and this node is its successor's predecessor.
        // HAS_OLDER: on this node when its successor is a version of its key, and on the predecessor when this node
        // is an older version of the predecessor's key; both before the release stores below link the node, so a
        // reader that acquires a link to a same-key successor sees the bit (NodeLayout's class comment).
        segment.putLong(NodeLayout.writerOffset(nodeOffset), NodeLayout.writerWord(height, pred, succSameKey));
        if (NodeLayout.NULL != succ)
        {
            setPrevPlain(succ, node);
        }
        if (predSameKey)
        {
            setHasOlderPlain(pred);
        }

        if (height > top)
        {
            for (int level = top; level < height; level++)
            {
                preds[level] = HEAD;
            }
            // Volatile store before linking: a reader that sees the taller height but not yet the links finds
            // NULL in the head at those levels and simply descends.
            maxHeight = height;
        }
        for (int level = 0; level < height; level++)
        {
            segment.putLong(NodeLayout.nextOffset(nodeOffset, level), nextPlain(preds[level], level));
        }
        // Bottom-up: once linked at level 0 the node is in the list; upper levels are only shortcuts. Each
        // release store makes the node's contents (and its own next pointers) visible to an acquiring reader.
        for (int level = 0; level < height; level++)
        {
            setNextRelease(preds[level], level, node);
            preds[level] = node; // the finger at this level for the next insert
        }
        lastInserted = node;
        if (height > SeekFences.LEVEL)
        {
            noteTallNode(node);
        }

        if (newKey)
        {
            if (!hashDeferred)
            {
                hashIndex.insertRelease(KeyHash.hash(key, keyOffset, keyLength), node, key, keyOffset, keyLength,
                    version, value, valueOffset, valueLength);
            }
            KEY_COUNT.setRelease(this, keys + 1);
            if (keys + 1 >= fencesAtKeys)
            {
                fencesAtKeys = Math.max(SeekFences.MIN_KEYS, (keys + 1) * 2);
                if (!fencesComplete)
                {
                    rebuildSeekFences();
                }
            }
        }
        else if (newest && !hashDeferred)
        {
            final boolean replaced = hashIndex.replaceRelease(arena, KeyHash.hash(key, keyOffset, keyLength), key,
                keyOffset, keyLength, node, version, value, valueOffset, valueLength);
            assert replaced : "hash index lost a key";
        }
        NODE_COUNT.setRelease(this, nodeCount + 1);
        return OK;
    }

    /**
     * The insert of a new newest version of a key the hash index holds, without a search from the head: the new node
     * belongs right in front of the key's newest node (versions descend within a key). Its predecessor at level 0 is
     * that node's {@code prev[0]}; its predecessor at level {@code l} is the first node at or before that one, walking
     * back along the {@code prev[0]} links, whose height is above {@code l} (the level-{@code l} list is the level-0
     * list restricted to the nodes that tall). Three nodes in four have height 1 and need no walk; a height-2 node
     * walks back about 4 nodes; the walk gives up after {@link #BACK_WALK_LIMIT} nodes (most height-3 nodes and up)
     * and the caller searches. Measured (ApplyBenchmark, 65,536 keys rewritten in batches of 64 into a table of
     * millions of nodes): the search's dependent misses down the lower levels were most of a put's cost.
     * <p>
     * The fingers of the sorted-insert path ({@link #lastInserted} and {@code preds}) stay valid: they are only
     * ever starting points of rightward walks, at their own levels, towards a key after {@link #lastInserted}, and
     * a node linked elsewhere only adds a node such a walk may pass.
     *
     * @param height the new node's height, at most {@link #maxHeight} (so the head is never a new predecessor).
     * @return {@link #OK}, {@link #DUPLICATE} (the key's newest version is this one) or {@link #NO_MEMORY};
     * {@link #NOT_LINKED} when the key is not in the index, the version is not above its newest, or the walk back
     * gave up (the caller then searches).
     */
    private int linkNewestInFront(
        final int height, final DirectBuffer key, final int keyOffset, final int keyLength, final long version,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        final HashIndex index = hashIndex;
        final long hash = KeyHash.hash(key, keyOffset, keyLength);
        final int slot = index.find(arena, hash, key, keyOffset, keyLength);
        if (slot < 0)
        {
            return NOT_LINKED;
        }
        final long newestNode = index.nodeAcquire(slot);
        final UnsafeBuffer newestSegment = arena.segment(newestNode);
        final int newestOffset = NodeLayout.offset(newestNode);
        final long newestVersion = NodeLayout.version(newestSegment, newestOffset);
        if (version == newestVersion)
        {
            return DUPLICATE;
        }
        if (version < newestVersion)
        {
            return NOT_LINKED;
        }
        final long newestWord = newestSegment.getLong(NodeLayout.writerOffset(newestOffset));
        final long[] walked = frontPreds;
        final long pred = NodeLayout.prevOf(newestWord);
        walked[0] = pred;
        int found = 1;
        long n = pred;
        for (int steps = 0; found < height; steps++)
        {
            final int nHeight = HEAD == n ? MAX_HEIGHT : NodeLayout.heightOf(writerWord(n));
            while (found < height && nHeight > found)
            {
                walked[found++] = n;
            }
            if (found < height)
            {
                if (steps == BACK_WALK_LIMIT)
                {
                    return NOT_LINKED;
                }
                n = NodeLayout.prevOf(writerWord(n));
            }
        }
        final long node = allocateNode(height, key, keyOffset, keyLength, version, value, valueOffset, valueLength);
        if (NodeLayout.NULL == node)
        {
            return NO_MEMORY;
        }
        if (null != copyIndex)
        {
            copyIndexBroken = true; // not an append (see insert)
        }
        final UnsafeBuffer segment = arena.segment(node);
        final int nodeOffset = NodeLayout.offset(node);
        for (int level = 0; level < height; level++)
        {
            segment.putLong(NodeLayout.nextOffset(nodeOffset, level), nextPlain(walked[level], level));
        }
        // HAS_OLDER: the new node's successor is the key's previous newest version.
        segment.putLong(NodeLayout.writerOffset(nodeOffset), NodeLayout.writerWord(height, pred, true));
        newestSegment.putLong(NodeLayout.writerOffset(newestOffset), NodeLayout.withPrev(newestWord, node));
        // Bottom-up release stores, as in insert: once linked at level 0 the node is in the list.
        for (int level = 0; level < height; level++)
        {
            setNextRelease(walked[level], level, node);
        }
        index.replaceAtRelease(slot, hash, node, keyLength, version, value, valueOffset, valueLength);
        if (height > SeekFences.LEVEL)
        {
            noteTallNode(node);
        }
        insertsLinkedInFront++;
        NODE_COUNT.setRelease(this, nodeCount + 1);
        return OK;
    }

    /** Nodes {@link #linkNewestInFront} walks back, past the first, looking for taller predecessors. */
    private static final int BACK_WALK_LIMIT = 16;

    /**
     * Allocate a node of {@code height} and write its header, key and value with plain stores (nothing can reach
     * it before the caller's release stores link it). Its next and prev pointers are the caller's to write.
     *
     * @return its address, or {@link NodeLayout#NULL} when the pool refuses memory.
     */
    private long allocateNode(
        final int height, final DirectBuffer key, final int keyOffset, final int keyLength, final long version,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        final long size = NodeLayout.nodeSize(height, keyLength, valueLength);
        if (size > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("entry too large: " + size + " bytes");
        }
        final long start = arena.allocate((int)size);
        if (NodeLayout.NULL == start)
        {
            return NodeLayout.NULL;
        }
        final long node = NodeLayout.nodeAddressFromStart(start, height);
        NodeLayout.writeEntry(arena.segment(node), NodeLayout.offset(node), key, keyOffset, keyLength, version, value,
            valueOffset, valueLength);
        return node;
    }

    private void setPrevPlain(final long node, final long prev)
    {
        final UnsafeBuffer segment = arena.segment(node);
        final int at = NodeLayout.writerOffset(NodeLayout.offset(node));
        segment.putLong(at, NodeLayout.withPrev(segment.getLong(at), prev));
    }

    /** Set {@link NodeLayout#HAS_OLDER} in a node's writer word (plain: the release store of a link publishes it). */
    private void setHasOlderPlain(final long node)
    {
        final UnsafeBuffer segment = arena.segment(node);
        final int at = NodeLayout.writerOffset(NodeLayout.offset(node));
        segment.putLong(at, segment.getLong(at) | NodeLayout.HAS_OLDER);
    }

    private long writerWord(final long node)
    {
        return arena.segment(node).getLong(NodeLayout.writerOffset(NodeLayout.offset(node)));
    }

    private boolean initialise()
    {
        final HashIndex index = HashIndex.tryAllocate(pool, maxEntryCapacity, entryGate, HashIndex.INITIAL_CAPACITY);
        if (null == index)
        {
            return false;
        }
        if (!arena.initialise())
        {
            index.release(pool);
            return false;
        }
        final long head = arena.allocate((int)NodeLayout.nodeSize(MAX_HEIGHT, 0, 0));
        assert NodeLayout.nodeAddressFromStart(head, MAX_HEIGHT) == HEAD;
        // The head's tower is already zero (fresh segments are zeroed), i.e. NULL at every level.
        hashBytes = index.bytes();
        hashIndex = index;
        maxHeight = 1; // published last: a reader seeing maxHeight > 0 finds segment 0 and the head
        return true;
    }

    private boolean ensureHashCapacity(final long keys)
    {
        HashIndex index = hashIndex;
        if (keys * 2 <= index.capacity())
        {
            return true;
        }
        final int capacity = index.capacity() * 2;
        if (capacity > HashIndex.MAX_CAPACITY)
        {
            return false;
        }
        final HashIndex grown = HashIndex.tryAllocate(pool, maxEntryCapacity, entryGate, capacity);
        if (null == grown)
        {
            return false;
        }
        index.copyInto(arena, grown);
        retiredIndexes.add(index);
        hashBytes += grown.bytes();
        // Volatile store: the new generation is complete before any reader can see it. Readers still holding
        // the old one keep using it; it is released only by free().
        hashIndex = grown;
        return true;
    }

    /** Writer (and {@link SeekFences#build}, on the writer's thread): a plain load of a link. */
    long nextPlain(final long node, final int level)
    {
        // Plain load is enough: only the writer stores next pointers and this is the writer.
        return arena.segment(node).getLong(NodeLayout.nextOffset(NodeLayout.offset(node), level));
    }

    private void setNextRelease(final long node, final int level, final long next)
    {
        arena.segment(node).putLongRelease(NodeLayout.nextOffset(NodeLayout.offset(node), level), next);
    }

    /** Writer: a seed for another thread's height draws, from this table's generator (no two writers alike). */
    private long randomHeightSeed()
    {
        randomHeight();
        return randomState * 0x9E3779B97F4A7C15L;
    }

    /**
     * @throws IllegalArgumentException for a key longer than {@code maxKeyLength} or a negative version: what an insert
     *                                  refuses (also the scan thread's {@link NodeSegmentWriter}).
     */
    static void checkEntry(final int keyLength, final int maxKeyLength, final long version)
    {
        if (keyLength < 0 || keyLength > maxKeyLength)
        {
            throw new IllegalArgumentException("keyLength must be in [0, " + maxKeyLength + "], got " + keyLength);
        }
        if (version < 0)
        {
            throw new IllegalArgumentException("version must be >= 0, got " + version);
        }
    }

    private int randomHeight()
    {
        // Writer-only state, no allocation, no contention.
        randomState = xorshift(randomState);
        return heightFrom(randomState);
    }

    /** @return the next state of a xorshift64 generator (the table's and the scan thread's height draws). */
    static long xorshift(final long state)
    {
        long r = state;
        r ^= r << 13;
        r ^= r >>> 7;
        r ^= r << 17;
        return r;
    }

    /** @return the node height drawn from a random word (also the scan thread's, {@link NodeSegmentWriter}). */
    static int heightFrom(final long random)
    {
        // Branching factor 4: each pair of trailing zero bits adds a level with probability 1/4.
        return Math.min(1 + (Long.numberOfTrailingZeros(random) >>> 1), MAX_HEIGHT);
    }
}
