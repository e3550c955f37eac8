package io.regioncache;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.regioncache.internal.table.MvccTable;

/**
 * One incarnation of a cached region: its immutable description, its table reference and its packed
 * {@link StateWord}.
 * <p>
 * <b>Threads.</b> Only the apply thread creates records, sets the table and moves the state (all through
 * {@link #casState}); readers of any thread {@link #tryPin} and {@link #unpin}; the unpin that drops the last pin
 * of a {@link RegionState#PENDING_EVICT} record moves it to {@link RegionState#EVICTING} in the same CAS.
 * <p>
 * <b>Memory order.</b> The table and the applied version are written by the apply thread before the CAS that
 * makes the record ACTIVE (a volatile write); a reader's pin CAS (a volatile read-modify-write) that observes
 * ACTIVE therefore also observes them. {@link #appliedVersionAcquire()} is re-read after pinning so each snapshot
 * sees only whole write batches: the apply thread inserts every entry of a batch, then publishes the batch's
 * version with a release store.
 */
final class RegionRecord
{
    private static final Logger LOG = LoggerFactory.getLogger(RegionRecord.class);

    private static final VarHandle STATE_WORD;
    private static final VarHandle APPLIED_VERSION;
    private static final VarHandle SAFE_POINT;

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
    /** Result of {@link #tryPin}: the pin count is saturated. */
    public static final int PIN_LIMIT = 6;

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
     * Any thread: pin the record for a snapshot if it is ACTIVE at {@code epochVersion} and {@code readVersion} is
     * above its safe point. The epoch is checked before the state, so a stale epoch is
     * {@link #PIN_EPOCH_MISMATCH} in every state. One CAS adds one pin; a CAS lost to another reader retries with the fresh word.
     *
     * @param epochVersion the epoch the reader expects.
     * @param readVersion  the version the reader reads at.
     * @return {@link #PIN_OK} or the reason it could not pin.
     */
    public int tryPin(final long epochVersion, final long readVersion)
    {
        while (true)
        {
            final long word = (long)STATE_WORD.getVolatile(this);
            final int stateCode = StateWord.stateCode(word);
            if (stateCode == RegionState.RETIRED.ordinal())
            {
                return PIN_RETIRED;
            }
            // Epoch before state: a router with a stale route must hear "refresh your route" whatever the state,
            // not "loading", or it waits for a load that will never serve its epoch.
            if (StateWord.epochVersion(word) != epochVersion)
            {
                return PIN_EPOCH_MISMATCH;
            }
            if (stateCode != RegionState.ACTIVE.ordinal())
            {
                return notActiveReason(stateCode);
            }
            // The safe point only moves forward and GC never mutates a pinned table (it swaps in a new record),
            // so a check against a value that is a moment stale can only admit a read the old table still serves.
            if (readVersion <= (long)SAFE_POINT.getAcquire(this))
            {
                return PIN_TOO_OLD;
            }
            if (StateWord.pins(word) == StateWord.MAX_PINS)
            {
                return PIN_LIMIT;
            }
            if (STATE_WORD.compareAndSet(this, word, word + StateWord.ONE_PIN))
            {
                return PIN_OK;
            }
        }
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
     * Any thread: drop one pin. The unpin that drops the last pin of a PENDING_EVICT record moves it to EVICTING in
     * the same CAS, so exactly one thread makes that move and the apply thread can then drop the table.
     *
     * @return false if the record had no pin to drop (a caller bug, counted by the caller; the word is unchanged).
     */
    public boolean unpin()
    {
        while (true)
        {
            final long word = (long)STATE_WORD.getVolatile(this);
            final int pins = StateWord.pins(word);
            if (pins == 0)
            {
                return false;
            }
            long next = word - StateWord.ONE_PIN;
            final boolean lastOfPendingEvict =
                pins == 1 && StateWord.stateCode(word) == RegionState.PENDING_EVICT.ordinal();
            if (lastOfPendingEvict)
            {
                next = StateWord.withState(next, RegionState.EVICTING);
            }
            if (STATE_WORD.compareAndSet(this, word, next))
            {
                if (lastOfPendingEvict)
                {
                    transitions.recordMade(RegionState.PENDING_EVICT, RegionState.EVICTING);
                    LOG.debug("region {} (record #{}): PENDING_EVICT -> EVICTING on last unpin", region.id(),
                        incarnation);
                }
                return true;
            }
        }
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
