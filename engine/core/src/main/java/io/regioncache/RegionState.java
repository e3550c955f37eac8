package io.regioncache;

/**
 * The states of one region record, as stored in the low 4 bits of its {@link StateWord}.
 * <p>
 * A record is one incarnation of a cached region: a reload creates a new record and records are never reused,
 * so a state word can never go through an ABA cycle. The legal moves between these states are listed, as data,
 * in {@link Transitions}.
 */
public enum RegionState
{
    /** Load requested; no snapshot of the backing store taken yet. The only state whose epoch may lag the host. */
    PENDING,
    /** A loader is copying the region from a backing-store snapshot taken at the load version. */
    LOADING,
    /** Fully cached: readers may pin it. */
    ACTIVE,
    /** Evicted while loading: waits for the loader to finish or give up. */
    LOADING_CANCELED,
    /** Evict requested while readers still pin it: the last unpin moves it to {@link #EVICTING}. */
    PENDING_EVICT,
    /** No pins and none admitted: its table reference is dropped by the apply thread. */
    EVICTING,
    /** Replaced by newer records (split, compaction swap); kept only while snapshots still pin it. */
    RETIRED,
    /** Unlinked: its table reference has been dropped. Terminal. */
    GONE;

    private static final RegionState[] VALUES = values();

    /**
     * Decode a state from its 4-bit code.
     *
     * @param code ordinal stored in a state word.
     * @return the state.
     */
    public static RegionState fromCode(final int code)
    {
        return VALUES[code];
    }

    /**
     * @return the number of states.
     */
    public static int count()
    {
        return VALUES.length;
    }
}
