package io.regioncache.ratis;

import java.util.List;

/**
 * What travels through a region's Raft log (the mutating kinds) or to a replica as a read (the query kinds). Every
 * entry names its region and the epoch version the sender routed at; a replica refuses an entry whose epoch is not
 * the region's current one ({@link Reply.Status#STALE_EPOCH}), deterministically, on every replica.
 * <p>
 * {@code version} is the MVCC version of a mutating entry: 0 from a client, assigned by the leader in
 * {@code startTransaction} from its hybrid logical clock, and raised at apply to {@code lastVersion + 1} of the
 * region when needed, so versions strictly increase in each region's log order whatever the proposal race.
 */
public sealed interface Entry
{
    /** @return region the entry belongs to. */
    long regionId();

    /** @return epoch version the sender saw. */
    long epochVersion();

    /** @return MVCC version (0 = not assigned yet, and for queries: read the latest applied). */
    long version();

    /**
     * One put or delete of a write batch.
     *
     * @param op    {@link io.regioncache.WriteBatch#PUT} or {@link io.regioncache.WriteBatch#DELETE}.
     * @param key   key.
     * @param value value (null for a delete).
     */
    record Op(byte op, byte[] key, byte[] value)
    {
    }

    /**
     * A write batch: every op of one region at one version, atomically.
     *
     * @param regionId     region.
     * @param epochVersion epoch.
     * @param version      version.
     * @param ops          ops in order.
     */
    record Write(long regionId, long epochVersion, long version, List<Op> ops) implements Entry
    {
    }

    /**
     * Split the region at {@code splitKeys}: the first pieces become new regions {@code newRegionIds} (each its own
     * Raft group on the same peers), the last piece keeps this region and its group (TiKV's right-derive).
     *
     * @param regionId     region.
     * @param epochVersion epoch.
     * @param version      version.
     * @param splitKeys    strictly increasing keys strictly inside the range.
     * @param newRegionIds one new id per split key: {@link #newRegionId newRegionId(regionId, epochVersion, i)} for
     *                     the i-th key (an entry naming any other id is malformed, see {@link EntryCodec}).
     */
    record Split(long regionId, long epochVersion, long version, byte[][] splitKeys, long[] newRegionIds)
        implements Entry
    {
        private static final long GOLDEN = 0x9E3779B97F4A7C15L;

        /**
         * The id of the i-th new region of the split of {@code parentId} at {@code parentEpoch}.
         * <p>
         * <b>Why derived, not chosen.</b> Each region is its own Raft group and the groups apply independently, so
         * no replica can decide at apply whether an id chosen by the sender is still free cluster-wide: two splits
         * led by two nodes could both take one id, and the second would leave a range to no group (TiKV asks PD for
         * ids; there is no PD here). A region splits at most once per epoch (a split bumps it) and region ids are
         * unique, so {@code (parentId, parentEpoch, index)} names each new region once in the cluster's history;
         * hashing it (three rounds of SplitMix64's finaliser) into 63 bits gives ids that two splits share only by a
         * 64-bit hash collision, the same odds as the random ids drawn before. Every replica checks the ids from the
         * entry alone, so the check is the same on all of them.
         *
         * @param parentId    the region being split.
         * @param parentEpoch its epoch before the split (the entry's {@code epochVersion}).
         * @param index       the split key's position in the entry, from 0.
         * @return the new region's id, at least 2 (0 is "no region", 1 the root region).
         */
        public static long newRegionId(final long parentId, final long parentEpoch, final int index)
        {
            long h = mix(parentId);
            h = mix(h + parentEpoch * GOLDEN);
            h = mix(h + (index + 1L) * GOLDEN);
            final long id = h >>> 1;
            return id < 2 ? id + 2 : id;
        }

        /**
         * @param parentId    the region being split.
         * @param parentEpoch its epoch before the split.
         * @param count       how many split keys.
         * @return {@link #newRegionId} for each position.
         */
        public static long[] newRegionIds(final long parentId, final long parentEpoch, final int count)
        {
            final long[] ids = new long[count];
            for (int i = 0; i < count; i++)
            {
                ids[i] = newRegionId(parentId, parentEpoch, i);
            }
            return ids;
        }

        /**
         * A split of a region as a route names it, with the derived new ids.
         *
         * @param parent    the region (its id and epoch).
         * @param splitKeys strictly increasing keys strictly inside its range.
         * @return the entry (version 0: the leader stamps it).
         */
        public static Split of(final RegionMeta parent, final byte[]... splitKeys)
        {
            return new Split(parent.id(), parent.epochVersion(), 0, splitKeys,
                newRegionIds(parent.id(), parent.epochVersion(), splitKeys.length));
        }

        private static long mix(final long x)
        {
            long z = x;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }

    /**
     * In the source's log: the source stops taking writes until a commit (in the target's log) or a rollback.
     *
     * @param regionId     source.
     * @param epochVersion epoch.
     * @param version      version.
     * @param targetId     region it merges into.
     */
    record PrepareMerge(long regionId, long epochVersion, long version, long targetId) implements Entry
    {
    }

    /**
     * In the target's log: absorb the prepared source (adjacent range); its group is removed afterwards. The entry
     * carries what the sender read from the prepared source, so every replica decides the same merged range and
     * version floor whatever its own source replica knows.
     *
     * @param regionId           target.
     * @param epochVersion       target's epoch.
     * @param version            version.
     * @param sourceId           source region.
     * @param sourceEpochVersion source epoch at prepare.
     * @param sourceStart        source range start.
     * @param sourceEnd          source range end.
     * @param sourceLastVersion  last version the source applied (its prepare): the merged region continues above.
     */
    record CommitMerge(long regionId, long epochVersion, long version, long sourceId, long sourceEpochVersion,
        byte[] sourceStart, byte[] sourceEnd, long sourceLastVersion)
        implements Entry
    {
    }

    /**
     * In the source's log: the merge is abandoned; the source takes writes again, at a new epoch (as TiKV). After a
     * {@link SealMerge}, applied only once the target moved past the sealed epoch without merging the source.
     *
     * @param regionId     source.
     * @param epochVersion epoch.
     * @param version      version.
     */
    record RollbackMerge(long regionId, long epochVersion, long version) implements Entry
    {
    }

    /**
     * In the source's log, between its prepare and the target's {@link CommitMerge}: from here on the merge can only
     * be committed, by the target at {@code targetEpoch}; a {@link RollbackMerge} is applied only once the target
     * has moved past that epoch without merging the source (so the commit can never apply). A target applies a
     * commit only for a source sealed at the epoch the commit names. The commit is in the target's log and the
     * rollback in the source's, so without this entry no replica could order the two alike.
     *
     * @param regionId     source, prepared ({@code MERGING}).
     * @param epochVersion epoch.
     * @param version      version.
     * @param targetId     the target it was prepared for.
     * @param targetEpoch  the target's epoch the commit will name.
     */
    record SealMerge(long regionId, long epochVersion, long version, long targetId, long targetEpoch) implements Entry
    {
    }

    /**
     * MVCC delete-range inside the region: tombstones at {@code version} for every visible key.
     *
     * @param regionId     region.
     * @param epochVersion epoch.
     * @param version      version.
     * @param start        inclusive start (inside the region).
     * @param end          exclusive end (inside the region; empty = the region's end, only if unbounded).
     */
    record DeleteRange(long regionId, long epochVersion, long version, byte[] start, byte[] end) implements Entry
    {
    }

    /**
     * Query: the newest value of {@code key} at or below {@code version} (0 = the latest the replica applied).
     *
     * @param regionId     region.
     * @param epochVersion epoch.
     * @param version      read version or 0.
     * @param key          key.
     */
    record Get(long regionId, long epochVersion, long version, byte[] key) implements Entry
    {
    }

    /**
     * Query: the newest value of every key of {@code [start, end)} at or below {@code version} (0 = the latest the
     * replica applied), in key order, at most {@code limit} pairs. {@code end} may reach past the region (empty =
     * +infinity); the replica stops at its region's end, and says in the reply whether it stopped early (limit or
     * reply size) so the client goes on from the last key.
     *
     * @param regionId     region.
     * @param epochVersion epoch.
     * @param version      read version or 0.
     * @param start        inclusive start, inside the region.
     * @param end          exclusive end (empty = +infinity).
     * @param limit        most pairs, 1 to {@link EntryCodec#MAX_SCAN_LIMIT}.
     */
    record Scan(long regionId, long epochVersion, long version, byte[] start, byte[] end, int limit) implements Entry
    {
    }

    /**
     * Query: the replica's view of the region (range, epoch, state). Epoch is ignored.
     *
     * @param regionId     region.
     * @param epochVersion ignored.
     * @param version      ignored.
     */
    record Describe(long regionId, long epochVersion, long version) implements Entry
    {
    }

    /** @return true for the kinds that go through the log. */
    default boolean mutates()
    {
        return !(this instanceof Get) && !(this instanceof Scan) && !(this instanceof Describe);
    }
}
