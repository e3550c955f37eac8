package io.regioncache;

/**
 * The outcome of asking for a snapshot.
 */
public enum SnapshotStatus
{
    /** The snapshot is open. */
    OK,
    /** The region is not in the cache. */
    NOT_CACHED,
    /** The region is cached at another epoch. */
    EPOCH_MISMATCH,
    /** The read version is at or below the region's safe point. */
    TOO_OLD_READ,
    /** The region is PENDING or LOADING. */
    LOADING,
    /** The region is being evicted. */
    EVICTING,
    /**
     * Never returned: pins are counted in 64-bit cells, so no count of open snapshots saturates them. Kept so that
     * code switching over the statuses keeps compiling.
     */
    PIN_LIMIT,
    /** The engine is closed. */
    CLOSED
}
