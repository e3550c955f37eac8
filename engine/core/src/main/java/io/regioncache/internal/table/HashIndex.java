package io.regioncache.internal.table;

import java.lang.invoke.VarHandle;

import io.regioncache.internal.memory.SegmentPool;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One generation of the off-heap open-addressing hash index: for each key, the address of its newest node and, in
 * a 128-byte entry of its own, a copy of that newest version (key, version, value) so that a point get reads one
 * entry, not a slot and then a node.
 * <p>
 * <b>Why entries.</b> A get over a table much larger than the last-level cache used to be two dependent misses: the
 * 8-byte slot (an index of 16 MB at 1M keys is evicted by the node traffic long before a slot is reused), then the
 * node the slot names. Making the index smaller does not help while it still misses; what removes the second miss is
 * having nothing to follow. So each slot has a twin entry, at the same index, that holds what a get at the newest
 * version needs. An entry is two adjacent cache lines, 128-byte aligned: one miss (the second line's address is
 * known at the same time as the first, so the core fetches both at once, and on Intel the spatial prefetcher pairs
 * them anyway). The skiplist keeps every version as before: scans, reads below the newest version, zero-copy
 * {@code getView} (whose view must stay valid while the entry is rewritten) and entries too small for their key and
 * value all go through the slot's node, as before.
 * <p>
 * Slot column (one {@code long} per slot, linear probing, capacity a power of two):
 * <pre>
 *  63            48 47                                               0
 *  +---------------+--------------------------------------------------+
 *  | tag (16 bits) | node address (48 bits) = segment(16) | offset(32) |
 *  +---------------+--------------------------------------------------+
 *  slot == 0  : empty (a node address is never 0)
 * </pre>
 * Entry column (128 bytes per slot, same index; present while capacity &lt;= {@link #MAX_ENTRY_CAPACITY}, the
 * table's {@link EntryGate} allows it (not under memory pressure) and the pool grants the memory, see
 * {@link #tryAllocate}):
 * <pre>
 *  +0   long  newest version; bit 63 set while the writer rewrites the entry (the seqlock word)
 *  +8   int   meta: 1 (used) | tag (15 bits) | key code (8) | value code (8); 0 = empty entry
 *  +12  key bytes (key code of them), then value bytes (value code of them): at most INLINE_BYTES together
 *  key code  : the key's length, or KEY_OUT (the key is too long: compare it through the slot's node)
 *  value code: the value's length, VALUE_OUT (too long: read it through the slot's node) or TOMBSTONE_CODE
 * </pre>
 * The slot index is the low bits of the key hash; the slot tag its top 16 bits, the entry tag its top 15.
 * <p>
 * <b>Memory.</b> 136 bytes per slot, at a load factor kept between 1/4 and 1/2: 270-540 bytes per key for the
 * index, against ~150-200 bytes per node for a 16-byte key with a 100-byte value. That is the price of one miss per
 * get; it is charged to the same pool, so the budget and the eviction policy see it.
 * <p>
 * <b>Concurrency.</b> Written by the single writer only. Slots are written with release stores, after the node is
 * fully linked. A new entry is filled with plain stores and published by a release store of its meta word; the slot
 * is stored before it, so a reader that found the entry (acquire load of meta) also finds the slot. Slots and entries
 * are never cleared (a delete is a tombstone node), and an entry always belongs to the key it was created for, so a
 * probe sequence never breaks under a reader and the key bytes of an entry never change. What changes is the newest
 * version, value code and value bytes: the writer rewrites them in place under a seqlock whose sequence is the version
 * word itself. A key's newest version only ever grows (an older version inserted later does not touch the entry; an
 * equal one is a duplicate and is refused), so "the word changed" is the same as "a rewrite happened"; no separate
 * counter is needed. The argument is beside {@link #rewrite} and {@link #readInline}. A reader never waits: when it
 * sees a rewrite in progress or one that overlapped its reads, it reads through the node, which is always consistent.
 * <p>
 * Growing builds a new generation and publishes it through a volatile field; a reader that still holds the old one
 * keeps a valid (if slightly stale) index, which is why old generations are released only when the table is freed.
 * A stale generation's entry lacks only writes made after the reader loaded the generation, which were published
 * after its snapshot was opened and so are above its read version: exactly as with a stale slot.
 */
final class HashIndex
{
    /** Initial number of slots. */
    static final int INITIAL_CAPACITY = 16;
    /** Largest number of slots (8 bytes each must fit one int-sized buffer). */
    static final int MAX_CAPACITY = 1 << 27;
    /** Largest capacity that has entries (128 bytes each, plus alignment, must fit one int-sized buffer). */
    static final int MAX_ENTRY_CAPACITY = 1 << 23;
    /** Bytes per entry: two cache lines. */
    static final int ENTRY_BYTES = 128;
    /** Key plus value bytes an entry holds. */
    static final int INLINE_BYTES = ENTRY_BYTES - 12;
    /** {@link #readInline} could not answer from the entry: read through the slot's node. */
    static final int FALLBACK = Integer.MIN_VALUE;

    private static final int TAG_SHIFT = 48;
    private static final int ENTRY_SHIFT = 7;
    private static final int VERSION = 0;
    private static final int META = 8;
    private static final int KEY = 12;
    private static final int USED = 1 << 31;
    private static final int ENTRY_TAG_SHIFT = 49;
    private static final int KEY_OUT = 0xFF;
    private static final int VALUE_OUT = 0xFE;
    private static final int TOMBSTONE_CODE = 0xFF;
    private static final long WRITING = Long.MIN_VALUE;

    private final UnsafeBuffer slots;
    /** The entries buffer as acquired (released as is); null when this generation has no entries. */
    private final UnsafeBuffer entriesHeld;
    /** A view of {@link #entriesHeld} starting at a 128-byte-aligned address; null when there are no entries. */
    private final UnsafeBuffer entries;
    private final int mask;
    /**
     * The entry column as a base object (null: off-heap) and an address, for the lookup's raw reads (see
     * {@link #findEntry}); 0 when there are no entries.
     */
    private final byte[] entriesBase;
    private final long entriesAddress;

    private HashIndex(final UnsafeBuffer slots, final UnsafeBuffer entriesHeld, final int capacity)
    {
        this.slots = slots;
        this.entriesHeld = entriesHeld;
        if (null == entriesHeld)
        {
            this.entries = null;
        }
        else
        {
            // allocateDirect gives malloc's alignment (16 bytes); an entry straddling three lines would cost a
            // second miss, so the view starts at the first 128-byte boundary (128 spare bytes were acquired).
            final int skew = (int)(-entriesHeld.addressOffset() & (ENTRY_BYTES - 1));
            this.entries = new UnsafeBuffer(entriesHeld, skew, capacity * ENTRY_BYTES);
        }
        this.entriesBase = null == entries ? null : entries.byteArray();
        this.entriesAddress = null == entries ? 0 : entries.addressOffset();
        this.mask = capacity - 1;
    }

    /**
     * A generation with entries costs 17 times the memory of one without, so when the gate refuses them (memory
     * pressure: see {@link EntryGate}) or the pool does (the hard cap) the generation is made without them: gets then
     * take two misses instead of one, but a load, a compaction or a write does not fail for the sake of a speed-up,
     * and under pressure the memory holds more keys instead. The next generation asks again.
     *
     * @return a new, empty index of {@code capacity} slots (with entries if {@code capacity <= maxEntryCapacity},
     * the gate allows them and the pool grants them), or null if the pool refused the slots.
     */
    static HashIndex tryAllocate(
        final SegmentPool pool, final int maxEntryCapacity, final EntryGate gate, final int capacity)
    {
        final UnsafeBuffer buffer = pool.tryAcquireLarge(capacity * Long.BYTES);
        if (null == buffer)
        {
            return null;
        }
        UnsafeBuffer entries = null;
        if (capacity <= maxEntryCapacity)
        {
            final int entryBytes = entryColumnBytes(capacity);
            if (gate.allowEntries(entryBytes))
            {
                entries = pool.tryAcquireLarge(entryBytes);
                if (null == entries)
                {
                    gate.onPoolRefused(entryBytes);
                }
            }
        }
        return new HashIndex(buffer, entries, capacity);
    }

    /**
     * @return bytes the entry column of a generation of {@code capacity} slots takes from the pool (one spare entry
     * for the 128-byte alignment).
     */
    static int entryColumnBytes(final int capacity)
    {
        return capacity * ENTRY_BYTES + ENTRY_BYTES;
    }

    /**
     * @return the capacity a generation holding {@code keys} keys is built with (load factor at most 1/2), or -1 if
     * it would pass {@link #MAX_CAPACITY}.
     */
    static int capacityFor(final long keys)
    {
        int capacity = INITIAL_CAPACITY;
        while ((long)capacity < keys * 2 && capacity < MAX_CAPACITY)
        {
            capacity <<= 1;
        }
        return (long)capacity < keys * 2 ? -1 : capacity;
    }

    int capacity()
    {
        return mask + 1;
    }

    /**
     * @return true if this generation has entries (tests).
     */
    boolean hasEntries()
    {
        return null != entries;
    }

    /**
     * @return slots in use, counted one by one (tests: every key must be in the index exactly once).
     */
    int slotsInUse()
    {
        int used = 0;
        for (int i = 0; i <= mask; i++)
        {
            used += 0 == slots.getLong(i << 3) ? 0 : 1;
        }
        return used;
    }

    /**
     * @return bytes held from the pool by this generation.
     */
    long bytes()
    {
        return slots.capacity() + (null == entriesHeld ? 0 : entriesHeld.capacity());
    }

    /**
     * Give this generation's memory back. Writer only, when no reader can reach it.
     */
    void release(final SegmentPool pool)
    {
        pool.release(slots);
        if (null != entriesHeld)
        {
            pool.release(entriesHeld);
        }
    }

    /**
     * Find the slot of a key. Any thread.
     *
     * @return its index, or -1 if the key is not in the index.
     */
    int find(final NodeArena arena, final long hash, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        return null == entries ?
            findSlot(arena, hash, key, keyOffset, keyLength) : findEntry(arena, hash, key, keyOffset, keyLength);
    }

    /**
     * @return the node address in slot {@code index} (found by {@link #find}): the key's newest node. Any thread.
     */
    long nodeAcquire(final int index)
    {
        return slots.getLongAcquire(index << 3) & NodeLayout.ADDRESS_MASK;
    }

    /**
     * Find the newest node of a key. Any thread.
     *
     * @return its address, or {@link NodeLayout#NULL}.
     */
    long findAcquire(
        final NodeArena arena, final long hash, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        if (null == entries)
        {
            final int index = findSlot(arena, hash, key, keyOffset, keyLength);
            return index < 0 ? NodeLayout.NULL : nodeAcquire(index);
        }
        // With entries the key is matched in the entry and the node comes from the slot column: two arrays, so two
        // misses. The home slot is loaded first, before the entry's meta word, so that the core has both misses in
        // flight at once (neither address depends on the other). When the key turns out to be at home the slot
        // loaded then is its slot: a slot and an entry of one index always belong to one key (both are written for
        // it, the slot first, and neither is ever cleared or moved). It may name an older newest node than a reload
        // would, which a seek may use: anything published after the snapshot opened is above its read version, and
        // this load came after the open. Zero means the slot was loaded before the key was inserted: reload it.
        final long homeSlot = slots.getLongAcquire(((int)hash & mask) << 3);
        final int index = findEntry(arena, hash, key, keyOffset, keyLength);
        if (index < 0)
        {
            return NodeLayout.NULL;
        }
        if (index == ((int)hash & mask) && 0 != homeSlot)
        {
            return homeSlot & NodeLayout.ADDRESS_MASK;
        }
        return nodeAcquire(index);
    }

    /**
     * Answer a get at {@code readVersion} from the entry of slot {@code index} (found by {@link #find}), copying the
     * value into {@code dst}. Any thread; never waits.
     * <p>
     * Memory order (the reader half of the seqlock; the writer half is {@link #rewrite}). (r1) the version word is
     * loaded with acquire: if it is a version V (bit 63 clear), it was stored by the release store (w3) that ended
     * the rewrite publishing V, or by the fill publishing the entry, so every store of that write happens-before
     * the plain loads (r2) of the value code and value bytes, which therefore see V's data or data of a later
     * rewrite. (r3) an acquire fence keeps the loads (r2) before (r4), a second load of the version word. If any
     * load (r2) saw a store of a later rewrite, that rewrite's first store (w1, bit 63 set) is ordered before its
     * data stores by its store-store fence (w2), so (r4) sees w1 or a later store of the word: bit 63 set, or a
     * version &gt; V (a key's newest version only grows). Either way (r4) != V and the result is discarded. So a
     * result is returned only when every byte read belongs to version V: never a torn value. The same holds for a
     * {@code dst} the copy wrote garbage into: the caller then reads through the node and overwrites it, or reports
     * not-found; bytes of {@code dst} beyond a returned length are unspecified anyway. Every load stays inside the
     * entry, whatever it reads: the key and value codes come from one 4-byte load, and the writer never stores a
     * pair that sums beyond {@link #INLINE_BYTES}.
     *
     * @return the value length, {@link MvccTable#NOT_FOUND} (a tombstone), {@code -2 - length} if {@code dst} is too
     * small, or {@link #FALLBACK} if the entry cannot answer (no entries, the newest version is above
     * {@code readVersion}, the value is not inline, or a rewrite overlapped the read).
     */
    int readInline(final int index, final long readVersion, final MutableDirectBuffer dst, final int dstOffset)
    {
        final UnsafeBuffer entries = this.entries;
        if (null == entries)
        {
            return FALLBACK;
        }
        final int entry = index << ENTRY_SHIFT;
        final long address = entryAddress(entry);
        final long version = UnsafeApi.getLongAcquire(entriesBase, address + VERSION); // (r1); < 0 while rewritten
        if (version < 0 || version > readVersion)
        {
            return FALLBACK;
        }
        final int meta = UnsafeApi.getInt(entriesBase, address + META); // (r2)
        final int valueCode = meta & 0xFF;
        final int result;
        if (TOMBSTONE_CODE == valueCode)
        {
            result = MvccTable.NOT_FOUND;
        }
        else if (VALUE_OUT == valueCode)
        {
            return FALLBACK;
        }
        else if (dst.capacity() - dstOffset < valueCode)
        {
            result = -2 - valueCode;
        }
        else
        {
            dst.putBytes(dstOffset, entries, entry + KEY + ((meta >>> 8) & 0xFF), valueCode); // (r2)
            result = valueCode;
        }
        VarHandle.acquireFence(); // (r3)
        return UnsafeApi.getLong(entriesBase, address + VERSION) == version ? result : FALLBACK; // (r4)
    }

    /**
     * A whole get at the newest version answered from the key's entry: {@link #findEntry} and {@link #readInline}
     * fused into one loop of raw reads, for the common case (a key short enough for an entry, a value inline in it,
     * the newest version visible). Everything else answers {@link #FALLBACK}, and the caller takes the general path,
     * which gives the same answer. Any thread; never waits; allocates nothing.
     * <p>
     * <b>Why a second path.</b> A uniform get over a table much larger than the cache is one entry miss plus the
     * get's own instructions, and an out-of-order core starts the next get's miss while this one waits only if the
     * instructions between the two loads fit in its reorder window. Measured with {@code GetPathProbe} (1M keys,
     * independent gets, quiet host): the general path (find, then a second lookup of the entry's address and a
     * second check of every bound, then the copy through {@code putBytes}' two bounds checks and interface calls)
     * 387 ns per get, the same loads with nothing between them 208 ns, against one dependent miss at 304 ns. So
     * here each bound is checked once, before the loop: the key's slice once (Agrona's bounds checks on), every entry
     * address is inside the column by construction (index masked to the capacity, key and value codes within
     * {@link #INLINE_BYTES}), and {@code dst} is an {@link UnsafeBuffer} whose room is checked against the value's
     * length before the one raw copy. Any other {@code dst} type takes the general path ({@code putBytes}), so a
     * host's own buffer class is never written around its accessors.
     * <p>
     * Memory order: the reader half of the seqlock of {@link #readInline}, with the meta word loaded after (r1).
     * (r1) the version word, acquire; then the meta word, acquire: that pairs with the release store that published
     * the entry, so its key bytes (never changed afterwards) are visible, and, as a load after (r1), it is one of the
     * (r2) loads: if it or the value bytes saw a later rewrite, (r4) differs from (r1) and the answer is FALLBACK.
     * An entry published after (r1) loaded its version word (r1 saw 0, or an older word) fails (r4) the same way.
     *
     * @return the value length, {@link MvccTable#NOT_FOUND} (no entry for the key, or a tombstone), {@code -2 -
     * length} if {@code dst} is too small (nothing copied), or {@link #FALLBACK}.
     */
    int getInline(
        final long hash, final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        if (null == entries || keyLength > INLINE_BYTES || dstOffset < 0 || dst.getClass() != UnsafeBuffer.class)
        {
            return FALLBACK;
        }
        if (UnsafeBuffer.SHOULD_BOUNDS_CHECK)
        {
            key.boundsCheck(keyOffset, keyLength);
        }
        return getInline(hash, key.byteArray(), key.addressOffset() + keyOffset, keyLength, readVersion, dst, dstOffset);
    }

    /**
     * {@link #getInline(long, DirectBuffer, int, int, long, MutableDirectBuffer, int)} that hashes the key itself,
     * from the same raw reads as the lookup (its slice checked once), for a single get. On {@link #FALLBACK} the
     * caller hashes the key again for its general path: that path is the rare one.
     */
    int getInline(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long readVersion,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        if (null == entries || keyLength > INLINE_BYTES || dstOffset < 0 || dst.getClass() != UnsafeBuffer.class)
        {
            return FALLBACK;
        }
        if (UnsafeBuffer.SHOULD_BOUNDS_CHECK)
        {
            key.boundsCheck(keyOffset, keyLength);
        }
        final byte[] keyBase = key.byteArray();
        final long keyAddress = key.addressOffset() + keyOffset;
        return getInline(KeyHash.hashRaw(keyBase, keyAddress, keyLength), keyBase, keyAddress, keyLength, readVersion,
            dst, dstOffset);
    }

    /** The one-pass get's loop, over a key already checked and resolved to a base and an address. */
    private int getInline(
        final long hash, final byte[] keyBase, final long keyAddress, final int keyLength, final long readVersion,
        final MutableDirectBuffer dst, final int dstOffset)
    {
        final byte[] base = entriesBase;
        final long column = entriesAddress;
        final int tag = (int)(hash >>> ENTRY_TAG_SHIFT);
        int index = (int)hash & mask;
        while (true)
        {
            final long address = column + ((long)index << ENTRY_SHIFT);
            final long version = UnsafeApi.getLongAcquire(base, address + VERSION); // (r1)
            final int meta = UnsafeApi.getIntAcquire(base, address + META); // (r2), and the entry's publication
            if (0 == meta)
            {
                return MvccTable.NOT_FOUND;
            }
            // A key code equal to an inline length is never KEY_OUT (0xFF > INLINE_BYTES).
            if (entryTag(meta) == tag && ((meta >>> 8) & 0xFF) == keyLength &&
                KeyCompare.equalsRaw(base, address + KEY, keyLength, keyBase, keyAddress, keyLength))
            {
                if (version < 0 || version > readVersion)
                {
                    return FALLBACK;
                }
                final int valueCode = meta & 0xFF;
                final int result;
                if (TOMBSTONE_CODE == valueCode)
                {
                    result = MvccTable.NOT_FOUND;
                }
                else if (VALUE_OUT == valueCode)
                {
                    return FALLBACK;
                }
                else if (dst.capacity() - dstOffset < valueCode)
                {
                    result = -2 - valueCode;
                }
                else
                {
                    UnsafeApi.copyMemory(base, address + KEY + keyLength, dst.byteArray(),
                        dst.addressOffset() + dstOffset, valueCode); // (r2)
                    result = valueCode;
                }
                VarHandle.acquireFence(); // (r3)
                return UnsafeApi.getLong(base, address + VERSION) == version ? result : FALLBACK; // (r4)
            }
            index = (index + 1) & mask;
        }
    }

    /**
     * A hint for a batched get: load both lines of the home entry of {@code hash} (or its home slot when there are no
     * entries), so that the misses of many keys overlap before any is resolved. Any thread.
     *
     * @return a word read from each line (ignored by the caller apart from a sink).
     */
    long touchHome(final long hash)
    {
        return touch(home(hash));
    }

    /**
     * A hint for a bulk build: load the home slot of {@code hash} and both lines of its entry, which the insert of
     * that key will read and write, so that several inserts' misses overlap. Writer only.
     *
     * @return a word read from each line (ignored by the caller apart from a sink).
     */
    long touchForInsert(final long hash)
    {
        final int home = (int)hash & mask;
        final long slot = slots.getLong(home << 3);
        return null == entries ? slot : slot + touch(home);
    }

    /**
     * @return the home index of {@code hash}: where its lookup starts.
     */
    int home(final long hash)
    {
        return (int)hash & mask;
    }

    /**
     * A hint for a batched get: load both lines of entry {@code index} (or its slot when there are no entries).
     * Any thread.
     *
     * @return a word read from each line (ignored by the caller apart from a sink).
     */
    long touch(final int index)
    {
        if (null == entries)
        {
            return slots.getLong(index << 3);
        }
        final int entry = index << ENTRY_SHIFT;
        return entries.getLong(entry) + entries.getLong(entry + ENTRY_BYTES / 2);
    }

    /**
     * Entries after the home entry whose first line {@link #touchBatch} loads: one (two measured 20-25% slower per
     * key on the Intel host of 2026-12-07, and 4-10% faster on the AMD host of 2026-12-01; see
     * {@code MvccTable.multiGet}).
     */
    static final int BATCH_TOUCH_AHEAD = 1;

    /**
     * A hint for a batched get: load both lines of entry {@code home} and the first line (meta word and key) of the
     * {@link #BATCH_TOUCH_AHEAD} entries after it (or only the home slot when there are no entries), so that the
     * misses of many keys, displaced ones included, overlap before any is resolved. The reads are raw, unchecked even
     * with Agrona's bounds checks on: {@code home} is masked to the capacity by {@link #home} and every entry after it
     * is masked again, so each address is inside the column by construction (as in {@link #findEntry}). Any thread.
     *
     * @return the sum of a word read from each line (ignored by the caller apart from a sink).
     */
    long touchBatch(final int home)
    {
        if (null == entries)
        {
            return slots.getLong(home << 3);
        }
        final long address = entriesAddress + ((long)(home & mask) << ENTRY_SHIFT);
        long sum = UnsafeApi.getLong(entriesBase, address) + UnsafeApi.getLong(entriesBase, address + ENTRY_BYTES / 2);
        for (int k = 1; k <= BATCH_TOUCH_AHEAD; k++)
        {
            sum += UnsafeApi.getLong(entriesBase, entriesAddress + ((long)((home + k) & mask) << ENTRY_SHIFT));
        }
        return sum;
    }

    /**
     * For a batched get, after {@link #touchHome}: whether the key's lookup will probably read its node (no entries,
     * or a home entry with the key's tag that cannot answer at {@code readVersion}). A hint only: a wrong answer
     * costs a miss, never a wrong result. Any thread.
     */
    boolean homeNeedsNode(final long hash, final long readVersion)
    {
        final int home = (int)hash & mask;
        if (null == entries)
        {
            final long slot = slots.getLong(home << 3);
            return 0 != slot && (slot >>> TAG_SHIFT) == (hash >>> TAG_SHIFT);
        }
        final int entry = home << ENTRY_SHIFT;
        final int meta = entries.getInt(entry + META);
        if (0 == meta || entryTag(meta) != (int)(hash >>> ENTRY_TAG_SHIFT))
        {
            return false;
        }
        return VALUE_OUT == (meta & 0xFF) || entries.getLong(entry + VERSION) > readVersion;
    }

    /**
     * The node address in the home slot of {@code hash}, if its tag matches (else NULL), for a batched get that
     * loads the nodes of several keys before resolving any. A hint only. Any thread.
     */
    long homeNodeHint(final long hash)
    {
        final long slot = slots.getLongAcquire(((int)hash & mask) << 3);
        return 0 != slot && (slot >>> TAG_SHIFT) == (hash >>> TAG_SHIFT) ? slot & NodeLayout.ADDRESS_MASK :
            NodeLayout.NULL;
    }

    /**
     * Insert a key that is not present yet, with its newest version. Writer only; the node must already be linked.
     *
     * @param valueLength the value's length, or {@link NodeLayout#TOMBSTONE}.
     */
    void insertRelease(
        final long hash, final long node, final DirectBuffer key, final int keyOffset, final int keyLength,
        final long version, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        int index = (int)hash & mask;
        while (0 != slots.getLong(index << 3))
        {
            index = (index + 1) & mask;
        }
        slots.putLongRelease(index << 3, slot(hash, node));
        if (null != entries)
        {
            fill(index, hash, key, keyOffset, keyLength, version, value, valueOffset, valueLength);
        }
    }

    /**
     * Insert a key that is not present yet, copying the entry's contents from its newest node. Writer only.
     */
    void insertRelease(final NodeArena arena, final long hash, final long node)
    {
        final UnsafeBuffer segment = arena.segment(node);
        final int nodeOffset = NodeLayout.offset(node);
        final int keyLength = NodeLayout.keyLength(segment, nodeOffset);
        insertRelease(hash, node, segment, NodeLayout.keyOffset(nodeOffset), keyLength,
            NodeLayout.version(segment, nodeOffset), segment, NodeLayout.keyOffset(nodeOffset) + keyLength,
            NodeLayout.valueLength(segment, nodeOffset));
    }

    /**
     * Point an existing key at its new newest node and rewrite its entry. Writer only; the node must already be
     * linked, and {@code version} must be above the key's newest version so far.
     *
     * @return false if the key was not found (a bug in the caller).
     */
    boolean replaceRelease(
        final NodeArena arena, final long hash, final DirectBuffer key, final int keyOffset, final int keyLength,
        final long node, final long version, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        final int index = find(arena, hash, key, keyOffset, keyLength);
        if (index < 0)
        {
            return false;
        }
        replaceAtRelease(index, hash, node, keyLength, version, value, valueOffset, valueLength);
        return true;
    }

    /**
     * {@link #replaceRelease} for a key already found at {@code index} by {@link #find} in this generation. Writer
     * only; the node must already be linked, and {@code version} must be above the key's newest version so far.
     */
    void replaceAtRelease(
        final int index, final long hash, final long node, final int keyLength, final long version,
        final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        slots.putLongRelease(index << 3, slot(hash, node));
        if (null != entries)
        {
            rewrite(index, keyLength, version, value, valueOffset, valueLength);
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
                // Plain stores: the generation is published later through a volatile field.
                target.slots.putLong(index << 3, slot(hash, node));
                if (null != target.entries && null != entries)
                {
                    // The writer never leaves bit 63 of a version set between calls, so the copy is a settled entry.
                    target.entries.putBytes(index << ENTRY_SHIFT, entries, i << ENTRY_SHIFT, ENTRY_BYTES);
                }
                else if (null != target.entries)
                {
                    // This generation was made without entries (the pool refused them): fill from the newest node.
                    final int keyLength = NodeLayout.keyLength(segment, nodeOffset);
                    target.fill(index, hash, segment, NodeLayout.keyOffset(nodeOffset), keyLength,
                        NodeLayout.version(segment, nodeOffset), segment, NodeLayout.keyOffset(nodeOffset) + keyLength,
                        NodeLayout.valueLength(segment, nodeOffset));
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------

    private int findSlot(
        final NodeArena arena, final long hash, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        final long tag = hash >>> TAG_SHIFT;
        int index = (int)hash & mask;
        while (true)
        {
            final long slot = slots.getLongAcquire(index << 3);
            if (0 == slot)
            {
                return -1;
            }
            if ((slot >>> TAG_SHIFT) == tag && nodeKeyEquals(arena, slot & NodeLayout.ADDRESS_MASK, key, keyOffset,
                keyLength))
            {
                return index;
            }
            index = (index + 1) & mask;
        }
    }

    /**
     * The lookup of a key in the entry column. Its reads of the entries are raw (an address, not a checked buffer
     * access), like those of {@link #readInline}: every offset is in range by construction (an index is masked to
     * the capacity, an entry is {@link #ENTRY_BYTES} long and a key code is at most {@link #INLINE_BYTES}), and with
     * Agrona's bounds checks on (the default, and the tests) {@link #entryAddress} still checks each entry once, and
     * the caller's key is checked once, instead of every word read being checked: measured, those checks were a
     * third of a cached get's CPU time. The caller's key is read through its own base and address, so a key of any
     * {@link DirectBuffer} type costs no interface call per word.
     */
    private int findEntry(
        final NodeArena arena, final long hash, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        if (UnsafeBuffer.SHOULD_BOUNDS_CHECK)
        {
            key.boundsCheck(keyOffset, keyLength);
        }
        final byte[] keyBase = key.byteArray();
        final long keyAddress = key.addressOffset() + keyOffset;
        final int tag = (int)(hash >>> ENTRY_TAG_SHIFT);
        int index = (int)hash & mask;
        while (true)
        {
            final long address = entryAddress(index << ENTRY_SHIFT);
            // Acquire: pairs with the release store that published the entry, so its key bytes (never changed
            // afterwards) and its slot are visible below.
            final int meta = UnsafeApi.getIntAcquire(entriesBase, address + META);
            if (0 == meta)
            {
                return -1;
            }
            if (entryTag(meta) == tag)
            {
                final int keyCode = (meta >>> 8) & 0xFF;
                if (KEY_OUT == keyCode ?
                    nodeKeyEquals(arena, nodeAcquire(index), key, keyOffset, keyLength) :
                    KeyCompare.equalsRaw(entriesBase, address + KEY, keyCode, keyBase, keyAddress, keyLength))
                {
                    return index;
                }
            }
            index = (index + 1) & mask;
        }
    }

    /**
     * @return the address of the entry at byte offset {@code entry} of the column (for {@link UnsafeApi} reads with
     * {@link #entriesBase}), after checking that the whole entry is in the column when Agrona's bounds checks are on.
     */
    private long entryAddress(final int entry)
    {
        if (UnsafeBuffer.SHOULD_BOUNDS_CHECK)
        {
            entries.boundsCheck(entry, ENTRY_BYTES);
        }
        return entriesAddress + entry;
    }

    private static boolean nodeKeyEquals(
        final NodeArena arena, final long node, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        final UnsafeBuffer segment = arena.segment(node);
        final int nodeOffset = NodeLayout.offset(node);
        return KeyCompare.equals(segment, NodeLayout.keyOffset(nodeOffset), NodeLayout.keyLength(segment, nodeOffset),
            key, keyOffset, keyLength);
    }

    /**
     * Fill a new entry with a key's newest version. The meta word is stored last with release semantics: that store
     * publishes the entry (after the slot, which the caller stored first). Writer only.
     */
    private void fill(
        final int index, final long hash, final DirectBuffer key, final int keyOffset, final int keyLength,
        final long version, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        final int entry = index << ENTRY_SHIFT;
        final int meta = format(entries, entry, hash, key, keyOffset, keyLength, version, value, valueOffset,
            valueLength);
        entries.putIntRelease(entry + META, meta);
    }

    /**
     * Write the image of a new entry for a key's newest version at {@code at} in {@code dst} (an entry of the column,
     * or a staged copy of one: see {@link IndexStaging}): the version, the key and the value as they fit, everything
     * but the meta word, which is returned for the caller to store (with release semantics when it publishes).
     *
     * @param valueLength the value's length, or {@link NodeLayout#TOMBSTONE}.
     * @return the entry's meta word.
     */
    static int format(
        final MutableDirectBuffer dst, final int at, final long hash, final DirectBuffer key, final int keyOffset,
        final int keyLength, final long version, final DirectBuffer value, final int valueOffset, final int valueLength)
    {
        final boolean keyInline = keyLength <= INLINE_BYTES;
        if (keyInline)
        {
            dst.putBytes(at + KEY, key, keyOffset, keyLength);
        }
        final int valueCode = putValue(dst, at, keyInline ? keyLength : INLINE_BYTES + 1, value, valueOffset,
            valueLength);
        dst.putLong(at + VERSION, version);
        return USED | (int)(hash >>> ENTRY_TAG_SHIFT) << 16 | (keyInline ? keyLength : KEY_OUT) << 8 | valueCode;
    }

    /**
     * Insert a key that is not present yet from an entry image made by {@link #format} (a staged fill, see
     * {@link IndexStaging}): the slot, then the image's version, key and value bytes, then its meta word with release
     * semantics, exactly as {@link #insertRelease} publishes. Writer only; the node must already be linked.
     *
     * @param image   holds the image.
     * @param at      where the image starts in {@code image}.
     * @param meta    the meta word {@link #format} returned for it.
     */
    void insertImageRelease(final long hash, final long node, final DirectBuffer image, final int at, final int meta)
    {
        int index = (int)hash & mask;
        while (0 != slots.getLong(index << 3))
        {
            index = (index + 1) & mask;
        }
        slots.putLongRelease(index << 3, slot(hash, node));
        if (null != entries)
        {
            final int entry = index << ENTRY_SHIFT;
            final int keyCode = (meta >>> 8) & 0xFF;
            final int valueCode = meta & 0xFF;
            final int inline = (KEY_OUT == keyCode ? 0 : keyCode) +
                (KEY_OUT == keyCode || VALUE_OUT == valueCode || TOMBSTONE_CODE == valueCode ? 0 : valueCode);
            entries.putLong(entry + VERSION, image.getLong(at + VERSION));
            if (inline > 0)
            {
                entries.putBytes(entry + KEY, image, at + KEY, inline);
            }
            entries.putIntRelease(entry + META, meta);
        }
    }

    /**
     * Rewrite an entry's newest version in place: the writer half of the seqlock (the reader half and the argument
     * are at {@link #readInline}). (w1) the version word gets bit 63 set; (w2) a store-store fence keeps every store
     * below after it; the value code and bytes are then stored plainly; (w3) the new version, bit 63 clear, is
     * stored with release semantics, which keeps those stores before it. The entry's tag, key code and key bytes
     * are not touched, so a concurrent {@link #find} (which reads only those) is unaffected. Writer only.
     */
    private void rewrite(
        final int index, final int keyLength, final long version, final DirectBuffer value, final int valueOffset,
        final int valueLength)
    {
        final int entry = index << ENTRY_SHIFT;
        entries.putLongRelease(entry + VERSION, entries.getLong(entry + VERSION) | WRITING); // (w1)
        VarHandle.storeStoreFence(); // (w2)
        final int meta = entries.getInt(entry + META);
        final int keyCode = (meta >>> 8) & 0xFF;
        final int valueCode = putValue(entries, entry, KEY_OUT == keyCode ? INLINE_BYTES + 1 : keyLength, value,
            valueOffset, valueLength);
        // One 4-byte store: a reader's single load of meta sees the old code or the new, never a mix.
        entries.putInt(entry + META, (meta & ~0xFF) | valueCode);
        entries.putLongRelease(entry + VERSION, version); // (w3)
    }

    /**
     * Store a value's bytes after a key of {@code keyBytes} bytes in the entry at {@code entry} of {@code dst} if they
     * fit, and return its value code.
     */
    private static int putValue(
        final MutableDirectBuffer dst, final int entry, final int keyBytes, final DirectBuffer value,
        final int valueOffset, final int valueLength)
    {
        if (NodeLayout.TOMBSTONE == valueLength)
        {
            return TOMBSTONE_CODE;
        }
        if (keyBytes + valueLength > INLINE_BYTES)
        {
            return VALUE_OUT;
        }
        if (valueLength > 0)
        {
            dst.putBytes(entry + KEY + keyBytes, value, valueOffset, valueLength);
        }
        return valueLength;
    }

    private static int entryTag(final int meta)
    {
        return (meta >>> 16) & 0x7FFF;
    }

    private static long slot(final long hash, final long node)
    {
        return (hash >>> TAG_SHIFT) << TAG_SHIFT | node;
    }
}
