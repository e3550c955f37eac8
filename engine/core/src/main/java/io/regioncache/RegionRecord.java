package io.regioncache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.regioncache.internal.table.MvccTable;

/**
 * One incarnation of a cached region: its immutable description, its table reference and its packed {@link StateWord}.
 * <p>
 * <b>Threads.</b> Only the apply thread creates records, sets the table and moves the state (all through
 * {@link #casState}); readers of any thread {@link #tryPin} and {@link #unpin} or {@link #release}; the unpin that drops the
 * last pin of a {@link RegionState#PENDING_EVICT} record moves it to {@link RegionState#EVICTING} in the same CAS.
 * <p>
 * <b>Pins live off the state word</b>, in {@link #STRIPES} striped cells of 128 bytes each (two cache lines, so the
 * adjacent-line prefetcher does not pair two cells): a reader pins by adding one to the cell of its snapshot handle
 * and unpins by subtracting one, so readers of one hot region on different cores write different lines and only read
 * the state word (which then stays shared in every core's cache). This is the percpu-refcount / BRAVO pattern; state
 * transitions remain CASes on the packed word. The pin count is the sum of the cells. There are two ways to subtract:
 * {@link #unpin} (a load and a CAS, so an unpin with nothing to drop finds the cell at zero and changes nothing, for
 * callers that cannot know) and {@link #release} (one atomic add, for a {@link Snapshot} handle, which holds exactly
 * the pin it took and so never releases one it does not hold). A pin plus a release is two locked instructions and no
 * other write to a shared line.
 * <p>
 * <b>Why no pin is lost (the ordering argument).</b> A reader <em>announces</em> first (the cell's {@code getAndAdd},
 * a volatile read-modify-write) and <em>looks</em> second (a volatile read of the state word); the apply thread, to
 * close a record to pins, <em>publishes</em> first (a CAS on the word: {@link StateWord#FLAG_CLOSING} or a state other
 * than ACTIVE) and <em>counts</em> second (volatile reads of every cell). Volatile accesses are totally ordered (the
 * synchronization order, consistent with each thread's program order), so of a reader's announce and the apply
 * thread's publish one comes first: if the announce does, the count sees it (the apply thread then knows of the pin);
 * if the publish does, the reader's look sees the record closed and the reader withdraws its announcement without
 * reading the table. (A reader also looks once before announcing, to leave a closed record's cells alone; when the
 * look after the announce reads the very same word, it admits the pin without decoding it again. It is still that
 * second, volatile read that the argument is about.) So a count of zero after the publish means no reader holds a pin
 * or ever will, and the table can go (Dekker's argument; checked by {@code RegionRecordLincheckTest} on a model and by
 * the jcstress tests {@code PinVersusEvictTest}, {@code UnpinVersusEvictTest} and {@code ReleaseVersusEvictTest} on
 * the JIT).
 * <p>
 * <b>The last unpin of a PENDING_EVICT record.</b> Every unpin or release (and every withdrawn pin) subtracts first,
 * with a volatile read-modify-write (the CAS of {@link #unpin}, the atomic add of {@link #release}), and then looks at
 * the state word with a volatile read: the store-load order this handoff needs (a plain or release store for the
 * subtract would let the look pass it, and the last reader and the apply thread could then each miss the other); if it
 * sees PENDING_EVICT it counts, and at zero CASes PENDING_EVICT → EVICTING. The apply thread does the same once right
 * after it publishes PENDING_EVICT. The same argument shows that whoever subtracts last, or the apply thread if every
 * unpin came before its publish, sees both PENDING_EVICT and a zero count; the CAS makes the move happen exactly once.
 * <p>
 * <b>Memory order.</b> The table and the applied version are written by the apply thread before the CAS that makes the
 * record ACTIVE (a volatile write); a reader's volatile read of the word that observes ACTIVE therefore also observes
 * them. {@link #appliedVersionAcquire()} is re-read after pinning so each snapshot sees only whole write batches: the
 * apply thread inserts every entry of a batch, then publishes the batch's version with a release store.
 */
final class RegionRecord
{
    private static final Logger LOG = LoggerFactory.getLogger(RegionRecord.class);

    private static final VarHandle STATE_WORD;
    private static final VarHandle APPLIED_VERSION;
    private static final VarHandle SAFE_POINT;
    private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(long[].class);

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE_WORD = lookup.findVarHandle(RegionRecord.class, "stateWord", long.class);
            APPLIED_VERSION = lookup.findVarHandle(RegionRecord.class, "appliedVersion", long.class);
            SAFE_POINT = lookup.findVarHandle(RegionRecord.class, "safePoint", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** Result of {@link #tryPin}: pinned. */
    public static final int PIN_OK = 0;
    /** Result of {@link #tryPin}: the record is retired; re-read the region index and retry. */
    public static final int PIN_RETIRED = 1;
    /** Result of {@link #tryPin}: not ACTIVE (PENDING or LOADING). */
    public static final int PIN_LOADING = 2;
    /** Result of {@link #tryPin}: being evicted or gone. */
    public static final int PIN_EVICTING = 3;
    /** Result of {@link #tryPin}: epoch differs. */
    public static final int PIN_EPOCH_MISMATCH = 4;
    /** Result of {@link #tryPin}: read version at or below the safe point. */
    public static final int PIN_TOO_OLD = 5;
    /** Result of {@link #tryPin}: the pin count is saturated (no longer returned: cells are 64-bit). */
    public static final int PIN_LIMIT = 6;

    /** Longs per pin cell: 128 bytes. */
    static final int CELL_LONGS = 16;
    /** Pin cells per record: a power of two, twice the processors (few collisions between handles), 4..32. */
    static final int STRIPES = stripes(Runtime.getRuntime().availableProcessors());
    /** Hands out stripes to snapshot handles round-robin. */
    private static final java.util.concurrent.atomic.AtomicInteger NEXT_STRIPE =
        new java.util.concurrent.atomic.AtomicInteger();

    static int stripes(final int processors)
    {
        final int want = Math.max(4, Math.min(32, 2 * processors));
        return Integer.highestOneBit(want - 1) << 1;
    }

    /**
     * @return the stripe of a new snapshot handle (round-robin, so the handles of different threads use different
     * cells while there are fewer handles than stripes).
     */
    static int nextStripe()
    {
        return NEXT_STRIPE.getAndIncrement() & (STRIPES - 1);
    }

    /** Index of the first long of the cell of {@code stripe}; cell 0 starts one cell in, away from the header. */
    private static int cell(final int stripe)
    {
        return ((stripe & (STRIPES - 1)) + 1) * CELL_LONGS;
    }

    private final Region region;
    private final long incarnation;
    private final Transitions transitions;

    @SuppressWarnings("unused") // accessed through STATE_WORD
    private volatile long stateWord;
    @SuppressWarnings("unused") // accessed through APPLIED_VERSION
    private volatile long appliedVersion;
    @SuppressWarnings("unused") // accessed through SAFE_POINT
    private volatile long safePoint;

    /** Written by the apply thread before the record becomes ACTIVE; never changed after (README, "How it works": records are never reused). */
    private MvccTable table;
    /** Apply thread only: the shared reference count behind {@link #table}. */
    private TableRef tableRef;
    /** Apply thread only: version of the last write batch accepted for this region (applied or buffered). */
    private long lastWriteVersion;
    /** Apply thread only: when the region entered the cache (nanoTime), for minimum-residency decisions. */
    private long createdNanos;
    /** Apply thread only: when an eviction was requested (nanoTime), for eviction-duration metrics. */
    private long evictRequestedNanos;
    /** Apply thread only: the safe point of the compaction that produced this record's table. */
    private long compactedAtSafePoint;
    /** The pin cells: cell {@code s} is the long at {@link #cell(int)}; the rest is padding. */
    private final long[] pinCells = new long[(STRIPES + 2) * CELL_LONGS];
    /** Read statistics, bumped by readers with plain racy increments (approximate by design, off the hot path). */
    private final RegionStats stats = new RegionStats();

    /**
     * Create a record; the caller counts the creation in {@link Transitions}.
     *
     * @param region       the region it caches.
     * @param incarnation  engine-unique sequence number of this record (records are never reused).
     * @param state        initial state.
     * @param flags        initial flags.
     * @param safePoint    initial safe point.
     * @param transitions  the engine's transition counters.
     */
    public RegionRecord(
        final Region region,
        final long incarnation,
        final RegionState state,
        final int flags,
        final long safePoint,
        final Transitions transitions)
    {
        this.region = region;
        this.incarnation = incarnation;
        this.transitions = transitions;
        SAFE_POINT.setRelease(this, safePoint);
        STATE_WORD.setRelease(this, StateWord.pack(state, flags, region.epochVersion(), 0));
        transitions.recordCreated(state);
        LOG.debug("region {} (record #{}): created {}", region.id(), incarnation, state);
    }

    /** @return the region this record caches. */
    public Region region()
    {
        return region;
    }

    /** @return region id. */
    public long id()
    {
        return region.id();
    }

    /** @return engine-unique sequence number of this record. */
    public long incarnation()
    {
        return incarnation;
    }

    /**
     * Apply thread only: when the region entered the cache, on the engine's clock.
     *
     * @param nanos the engine clock's time.
     */
    public void createdNanos(final long nanos)
    {
        createdNanos = nanos;
    }

    /** @return when the apply thread created the record, on the engine's clock. */
    public long createdNanos()
    {
        return createdNanos;
    }

    /**
     * Apply thread: a successor (split child, compacted record) keeps its predecessor's residency age and heat, so
     * a region does not look new or cold just because it got a new record.
     *
     * @param predecessor the record it replaces.
     */
    public void inheritHistory(final RegionRecord predecessor)
    {
        createdNanos = predecessor.createdNanos;
        compactedAtSafePoint = predecessor.compactedAtSafePoint;
        stats.inherit(predecessor.stats);
    }

    /** @return apply thread only: when an eviction was requested. */
    public long evictRequestedNanos()
    {
        return evictRequestedNanos;
    }

    /**
     * Apply thread only.
     *
     * @param nanos when an eviction was requested.
     */
    public void evictRequestedNanos(final long nanos)
    {
        evictRequestedNanos = nanos;
    }

    /** @return apply thread only: safe point of the compaction that produced this record's table. */
    public long compactedAtSafePoint()
    {
        return compactedAtSafePoint;
    }

    /**
     * Apply thread only.
     *
     * @param safePoint safe point of the compaction that produced this record's table.
     */
    public void compactedAtSafePoint(final long safePoint)
    {
        compactedAtSafePoint = safePoint;
    }

    /** @return the record's read statistics. */
    public RegionStats stats()
    {
        return stats;
    }

    /** @return the current state word (volatile read). */
    public long stateWordVolatile()
    {
        return (long)STATE_WORD.getVolatile(this);
    }

    /** @return the current state (volatile read). */
    public RegionState state()
    {
        return StateWord.state(stateWordVolatile());
    }

    /**
     * The only way the apply thread moves a record: one CAS from the exact word it read to the same word with
     * state {@code to}. An illegal move is refused (and counted) without touching the word; a failed CAS (a
     * reader pinned or unpinned meanwhile) returns false and the caller re-reads and re-decides.
     *
     * @param expectedWord the exact word the caller read.
     * @param to           the wanted state.
     * @return true if the word moved.
     */
    public boolean casState(final long expectedWord, final RegionState to)
    {
        final RegionState from = StateWord.state(expectedWord);
        if (!Transitions.isLegal(from, to))
        {
            transitions.recordRefused(from, to);
            LOG.warn("region {} (record #{}): refused illegal move {} -> {} ({})", region.id(), incarnation, from, to,
                region);
            return false;
        }
        if (STATE_WORD.compareAndSet(this, expectedWord, StateWord.withState(expectedWord, to)))
        {
            transitions.recordMade(from, to);
            LOG.debug("region {} (record #{}): {} -> {}", region.id(), incarnation, from, to);
            return true;
        }
        return false;
    }

    /**
     * Apply thread: set or clear flag bits with one CAS (retried while readers move the pin count).
     *
     * @param set   bits to set.
     * @param clear bits to clear.
     */
    public void updateFlags(final int set, final int clear)
    {
        long word;
        do
        {
            word = stateWordVolatile();
        }
        while (!STATE_WORD.compareAndSet(this, word, StateWord.withFlags(StateWord.withoutFlags(word, clear), set)));
    }

    /**
     * Any thread: pin the record for a snapshot if it is ACTIVE (and not closing) at {@code epochVersion} and
     * {@code readVersion} is above its safe point. Announces the pin in the handle's cell, then looks at the state
     * word; a record found closed gets the announcement withdrawn (see the class comment for why this never loses a
     * pin). No CAS, and no write to the state word's line.
     *
     * @param epochVersion the epoch the reader expects.
     * @param readVersion  the version the reader reads at.
     * @param stripe       the handle's stripe ({@link #nextStripe()}).
     * @return {@link #PIN_OK} or the reason it could not pin.
     */
    public int tryPin(final long epochVersion, final long readVersion, final int stripe)
    {
        // A first look, before announcing: a record already closed (or at another epoch) is refused without
        // touching a cell, so readers hammering an evicted or retired record never delay its reclamation.
        final long early = (long)STATE_WORD.getVolatile(this);
        final int refused = admit(early, epochVersion, readVersion);
        if (refused != PIN_OK)
        {
            return refused;
        }
        CELLS.getAndAdd(pinCells, cell(stripe), 1L); // announce ...
        final long word = (long)STATE_WORD.getVolatile(this); // ... then look (the look that counts)
        if (word == early)
        {
            // The word the first look admitted, so the same answer: its state, flags and epoch are all in the word,
            // and the safe point need not be read again (admit: a moment-stale safe point is safe).
            return PIN_OK;
        }
        final int rc = admit(word, epochVersion, readVersion);
        if (rc != PIN_OK)
        {
            release(stripe); // withdraw our own announcement; may be the last "unpin" of a PENDING_EVICT record
        }
        return rc;
    }

    /**
     * {@link #tryPin(long, long, int)} on stripe 0 (tests).
     *
     * @param epochVersion the epoch the reader expects.
     * @param readVersion  the version the reader reads at.
     * @return {@link #PIN_OK} or the reason it could not pin.
     */
    public int tryPin(final long epochVersion, final long readVersion)
    {
        return tryPin(epochVersion, readVersion, 0);
    }

    private int admit(final long word, final long epochVersion, final long readVersion)
    {
        final int stateCode = StateWord.stateCode(word);
        if (stateCode == RegionState.RETIRED.ordinal())
        {
            return PIN_RETIRED;
        }
        // Epoch before state: a router with a stale route must hear "refresh your route" whatever the state, not
        // "loading", or it waits for a load that will never serve its epoch.
        if (StateWord.epochVersion(word) != epochVersion)
        {
            return PIN_EPOCH_MISMATCH;
        }
        if (stateCode != RegionState.ACTIVE.ordinal())
        {
            return notActiveReason(stateCode);
        }
        if ((StateWord.flags(word) & StateWord.FLAG_CLOSING) != 0)
        {
            return PIN_EVICTING;
        }
        // The safe point only moves forward and GC never mutates a pinned table (it swaps in a new record), so a
        // check against a value that is a moment stale can only admit a read the old table still serves.
        if (readVersion <= (long)SAFE_POINT.getAcquire(this))
        {
            return PIN_TOO_OLD;
        }
        return PIN_OK;
    }

    private static int notActiveReason(final int stateCode)
    {
        if (stateCode == RegionState.RETIRED.ordinal())
        {
            return PIN_RETIRED;
        }
        if (stateCode == RegionState.PENDING.ordinal() || stateCode == RegionState.LOADING.ordinal())
        {
            return PIN_LOADING;
        }
        return PIN_EVICTING;
    }

    /**
     * Any thread: drop one pin from the handle's cell. Then, if the record is PENDING_EVICT and no pin is left, move
     * it to EVICTING (one CAS: exactly one thread makes the move; see the class comment).
     *
     * @param stripe the stripe the pin was taken on.
     * @return false if that cell had no pin to drop (a caller bug, counted by the caller; nothing changed).
     */
    public boolean unpin(final int stripe)
    {
        final int cell = cell(stripe);
        // A CAS rather than an add: a buggy extra unpin must find the cell at zero and change nothing, never take it
        // below zero for a moment (a count made meanwhile could then miss another reader's pin). The cell is shared
        // only by the handles of one stripe, so the CAS rarely retries.
        long pins;
        do
        {
            pins = (long)CELLS.getVolatile(pinCells, cell);
            if (pins <= 0)
            {
                return false;
            }
        }
        while (!CELLS.compareAndSet(pinCells, cell, pins, pins - 1)); // subtract ...
        drainPendingEvict(); // ... then look
        return true;
    }

    /**
     * Any thread, for a caller that knows it holds a pin on {@code stripe} (a {@link Snapshot} handle counts its own
     * pin, so it never releases one it does not hold): {@link #unpin(int)} with one atomic add instead of a load
     * and a CAS. The subtract is the same volatile read-modify-write, and the look at the state word after it is the
     * same volatile read, so the class comment's argument (and the PENDING_EVICT handoff) holds unchanged. An extra
     * release is a caller bug this method does not detect: the cell would go below zero.
     *
     * @param stripe the stripe the pin was taken on.
     */
    void release(final int stripe)
    {
        CELLS.getAndAdd(pinCells, cell(stripe), -1L); // subtract ...
        drainPendingEvict(); // ... then look
    }

    /**
     * {@link #unpin(int)} on stripe 0 (tests).
     *
     * @return false if there was no pin to drop.
     */
    public boolean unpin()
    {
        return unpin(0);
    }

    /** If the record is PENDING_EVICT and its pins have drained, move it to EVICTING (at most once overall). */
    private void drainPendingEvict()
    {
        long word = (long)STATE_WORD.getVolatile(this);
        while (StateWord.stateCode(word) == RegionState.PENDING_EVICT.ordinal() && cellSum() == 0)
        {
            if (STATE_WORD.compareAndSet(this, word, StateWord.withState(word, RegionState.EVICTING)))
            {
                transitions.recordMade(RegionState.PENDING_EVICT, RegionState.EVICTING);
                LOG.debug("region {} (record #{}): PENDING_EVICT -> EVICTING on last unpin", region.id(),
                    incarnation);
                return;
            }
            word = (long)STATE_WORD.getVolatile(this);
        }
    }

    private long cellSum()
    {
        long sum = 0;
        for (int s = 0; s < STRIPES; s++)
        {
            sum += (long)CELLS.getVolatile(pinCells, cell(s));
        }
        return sum;
    }

    /**
     * @return the pins held now (the sum of the cells; exact only once the record is closed to pins, else a
     * moment's estimate). Any thread.
     */
    public long pinCount()
    {
        return cellSum();
    }

    /**
     * Apply thread, ACTIVE record: close it to new pins, count the pins, and move it to PENDING_EVICT (pins held)
     * or EVICTING (none), clearing the closing flag in the same CAS. After PENDING_EVICT it counts once more and
     * moves to EVICTING itself if every pin went meanwhile (an unpin that ran before PENDING_EVICT was published
     * did not see it).
     *
     * @param word the exact word the caller read (ACTIVE).
     * @return the state moved to, or null if the word changed under the caller (re-read and decide again).
     */
    public RegionState closeAndEvict(final long word)
    {
        if (StateWord.stateCode(word) != RegionState.ACTIVE.ordinal())
        {
            return null;
        }
        final long closed = StateWord.withFlags(word, StateWord.FLAG_CLOSING);
        if (closed != word && !STATE_WORD.compareAndSet(this, word, closed)) // publish ...
        {
            return null;
        }
        final RegionState to = cellSum() > 0 ? RegionState.PENDING_EVICT : RegionState.EVICTING; // ... then count
        final long moved = StateWord.withState(StateWord.withoutFlags(closed, StateWord.FLAG_CLOSING), to);
        if (!STATE_WORD.compareAndSet(this, closed, moved))
        {
            return null; // nothing else writes an ACTIVE word now; defensive
        }
        transitions.recordMade(RegionState.ACTIVE, to);
        LOG.debug("region {} (record #{}): ACTIVE -> {}", region.id(), incarnation, to);
        if (to == RegionState.PENDING_EVICT)
        {
            drainPendingEvict();
        }
        return to;
    }

    /**
     * Apply thread: whether an EVICTING or RETIRED record (closed to pins) holds no pin any more; it then never will.
     *
     * @return true if no pin is held.
     */
    public boolean pinsDrained()
    {
        return cellSum() == 0;
    }

    /**
     * @return the table, or null before a loading record is installed or after it is gone. Readers call it only
     * while pinned.
     */
    public MvccTable table()
    {
        return table;
    }

    /**
     * Apply thread: give the record its table, before the CAS that makes it ACTIVE publishes it. Takes one
     * reference on {@code ref} for this record.
     *
     * @param ref the table reference.
     */
    public void attachTable(final TableRef ref)
    {
        ref.retain();
        this.tableRef = ref;
        this.table = ref.table();
    }

    /**
     * Apply thread: drop this record's table reference (when it is GONE), freeing the table if it was the last.
     *
     * @return true if the table was freed.
     */
    public boolean detachTable()
    {
        final TableRef ref = tableRef;
        if (ref == null)
        {
            return false;
        }
        tableRef = null;
        return ref.release();
    }

    /** @return apply thread only: the table reference, or null. */
    public TableRef tableRef()
    {
        return tableRef;
    }

    /** @return apply thread only: version of the last write batch accepted. */
    public long lastWriteVersion()
    {
        return lastWriteVersion;
    }

    /**
     * Apply thread only.
     *
     * @param version version of the write batch just accepted.
     */
    public void lastWriteVersion(final long version)
    {
        this.lastWriteVersion = version;
    }

    /** @return the version of the newest whole write batch applied (acquire load). */
    public long appliedVersionAcquire()
    {
        return (long)APPLIED_VERSION.getAcquire(this);
    }

    /**
     * Apply thread: publish that every entry of the batch at {@code version} is in the table (ignored if not above
     * the version already published).
     *
     * @param version the batch's version.
     */
    public void appliedVersionRelease(final long version)
    {
        // Never backwards: a snapshot opened later must never see less than one opened earlier.
        if (version > (long)APPLIED_VERSION.getAcquire(this))
        {
            APPLIED_VERSION.setRelease(this, version);
        }
    }

    /** @return the record's safe point (acquire load). */
    public long safePointAcquire()
    {
        return (long)SAFE_POINT.getAcquire(this);
    }

    /**
     * Apply thread: move the safe point forward (never back).
     *
     * @param safePoint the new safe point.
     * @return true if it moved.
     */
    public boolean advanceSafePoint(final long safePoint)
    {
        if (safePoint > (long)SAFE_POINT.getAcquire(this))
        {
            SAFE_POINT.setRelease(this, safePoint);
            return true;
        }
        return false;
    }

    @Override
    public String toString()
    {
        return "RegionRecord{" + region + ", #" + incarnation + ", " + StateWord.toString(stateWordVolatile()) + "}";
    }
}
