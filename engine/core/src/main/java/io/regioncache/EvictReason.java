package io.regioncache;

/**
 * Why a region left the cache. Every eviction carries one, and each is counted.
 */
public enum EvictReason
{
    /** The host asked for it. */
    MANUAL,
    /** Prepare, commit or rollback of a merge touched the region. */
    MERGE,
    /** A delete-range covered part of the region. */
    DELETE_RANGE,
    /** An SST ingest covered part of the region. */
    INGEST,
    /** The host applied a Raft snapshot to the region. */
    APPLY_SNAPSHOT,
    /** The peer was destroyed. */
    DESTROY,
    /** The replica stopped leading its region and the host's policy drops the cache of followed regions. */
    BECOME_FOLLOWER,
    /** A command's epoch was newer than the record's: the cache missed an epoch change. */
    EPOCH_DRIFT,
    /** A write would have exceeded the memory capacity. */
    MEMORY_LIMIT,
    /** The load failed (store error or memory budget). */
    LOAD_FAILED,
    /** The background policy chose it as cold. */
    POLICY,
    /** A command met a state it could not reconcile; the region was made safe by evicting it. */
    STATE_CONFLICT,
    /** The engine closed. */
    SHUTDOWN,
    /** The host disabled the cache at run time ({@code RegionCache.setEnabled(false)}). */
    DISABLED
}
