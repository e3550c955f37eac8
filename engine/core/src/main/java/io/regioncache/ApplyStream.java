package io.regioncache;

import java.util.concurrent.CompletableFuture;

/**
 * The host's apply stream, declared once: every event of a region's Raft log that the cache must see, in log
 * order. {@link RegionCache} implements it for the cache alone; {@code io.regioncache.hybrid.HybridEngine}
 * implements it for a durable store plus the cache (store first, then cache), so a host codes against one
 * vocabulary whichever it embeds.
 * <p>
 * Every call returns at once with a future that always completes with a typed {@link CommandResult}; no call
 * throws for a state the region is in. What each {@link ResultCode} means is documented on the enum.
 */
public interface ApplyStream
{
    /**
     * Cache a brand-new, empty region (the host just created it; there is nothing to load).
     *
     * @param region the region.
     * @return the result.
     */
    CompletableFuture<CommandResult> createRegion(Region region);

    /**
     * Request a region be loaded from the backing store: PENDING now, ACTIVE once the load is installed.
     *
     * @param region the region.
     * @return the result of the request (not of the load).
     */
    CompletableFuture<CommandResult> loadRegion(Region region);

    /**
     * Load a region and keep it cached: the eviction policy never chooses it (hard memory limits still can).
     *
     * @param region the region.
     * @return the result of the request.
     */
    CompletableFuture<CommandResult> loadRegionKeepCached(Region region);

    /**
     * Apply one write batch of one region at one version.
     *
     * @param batch the batch (owned by the stream from now on).
     * @return the result.
     */
    CompletableFuture<CommandResult> write(WriteBatch batch);

    /**
     * Split a region at sorted keys strictly inside it: the rightmost child keeps {@code regionId}; the others take
     * {@code newRegionIds} left to right, all at {@code newEpochVersion}.
     *
     * @param regionId        the region.
     * @param epochVersion    the epoch the sender saw.
     * @param splitKeys       sorted split keys.
     * @param newRegionIds    ids of the new left children.
     * @param newEpochVersion the children's epoch.
     * @return the result.
     */
    CompletableFuture<CommandResult> split(
        long regionId, long epochVersion, byte[][] splitKeys, long[] newRegionIds, long newEpochVersion);

    /**
     * @param regionId the merge source being prepared (the cache evicts it).
     * @return the result.
     */
    CompletableFuture<CommandResult> prepareMerge(long regionId);

    /**
     * @param targetId the merge target.
     * @param sourceId the merge source.
     * @return the result (both evicted; the merged region is loaded again by policy).
     */
    CompletableFuture<CommandResult> commitMerge(long targetId, long sourceId);

    /**
     * @param regionId the source whose merge was rolled back.
     * @return the result.
     */
    CompletableFuture<CommandResult> rollbackMerge(long regionId);

    /**
     * Delete every key of {@code [start, end)} at {@code version}.
     *
     * @param start   inclusive start (empty = -infinity).
     * @param end     exclusive end (empty = +infinity).
     * @param version the version of the deletion (a durable store writes tombstones there; the cache evicts);
     *                negative is {@code INVALID}, refused before anything changes.
     * @return the result.
     */
    CompletableFuture<CommandResult> deleteRange(byte[] start, byte[] end, long version);

    /**
     * The host ingested external files covering {@code [start, end)} into its store.
     *
     * @param start inclusive start.
     * @param end   exclusive end.
     * @return the result (overlapping regions evicted).
     */
    CompletableFuture<CommandResult> ingest(byte[] start, byte[] end);

    /**
     * A Raft snapshot was applied to the region: its cached data is stale.
     *
     * @param regionId the region.
     * @return the result (evicted).
     */
    CompletableFuture<CommandResult> applySnapshot(long regionId);

    /**
     * The region's replica was destroyed on this node.
     *
     * @param regionId the region.
     * @return the result.
     */
    CompletableFuture<CommandResult> destroy(long regionId);

    /**
     * Evict a region for a reason of the host's.
     *
     * @param regionId the region.
     * @param reason   why (counted per reason).
     * @return the result.
     */
    CompletableFuture<CommandResult> evict(long regionId, EvictReason reason);

    /**
     * Move the safe point of every region: versions no read at or above it can see may be dropped.
     *
     * @param safePoint the new safe point (never moves back).
     * @return the result.
     */
    CompletableFuture<CommandResult> advanceSafePoint(long safePoint);

    /**
     * Move one region's safe point.
     *
     * @param regionId  the region.
     * @param safePoint its new safe point.
     * @return the result.
     */
    CompletableFuture<CommandResult> advanceSafePoint(long regionId, long safePoint);
}
