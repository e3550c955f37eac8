package io.regioncache;

/**
 * How a command ended. Every command completes with exactly one of these; none of them is an exception and none
 * stops the apply thread.
 */
public enum ResultCode
{
    /** Applied. */
    OK,
    /**
     * Nothing to do: the region is not cached (the normal case for writes to cold regions; also the answer for an id
     * the cache does not know, which is not bad input: the cache holds only some of the host's regions).
     */
    NOT_CACHED,
    /** Accepted but deliberately not applied (e.g. a write to a PENDING region, a split of an evicting one). */
    SKIPPED,
    /** The command's epoch is older than the record's: refused, the region is unchanged. */
    STALE_EPOCH,
    /** The command's epoch is newer than a non-PENDING record's: the cache missed an epoch change; evicted. */
    EPOCH_DRIFT,
    /**
     * The command met a state its sender did not expect; the engine decided from the state it found, made the
     * region safe, counted the conflict and logged it (see the detail).
     */
    STATE_CONFLICT,
    /**
     * Bad input (reserved or already used ids, bad ranges, oversize keys, keys outside the region, versions not
     * above the last applied...), with the reason: nothing applied. An unknown id is {@link #NOT_CACHED}.
     */
    INVALID,
    /** The write would have exceeded the memory capacity: the region was evicted. */
    MEMORY_LIMIT,
    /** The command queue was full: nothing applied; counted as back-pressure. */
    QUEUE_FULL,
    /** The engine is closed. */
    CLOSED,
    /** The backing store failed. */
    STORE_ERROR,
    /** An unexpected internal error was caught on the apply thread; the region involved was evicted. */
    INTERNAL_ERROR
}
