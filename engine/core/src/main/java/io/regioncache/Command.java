package io.regioncache;

import java.util.concurrent.CompletableFuture;


/**
 * A command for the apply thread. Each is created by a host thread, passed through the command queue, applied by
 * {@link ApplyAgent} (double dispatch through {@link #applyOn}), and completed exactly once with a
 * {@link CommandResult} through its future.
 * <p>
 * Commands are immutable after construction except for the future; arrays passed in are owned by the command.
 */
abstract class Command
{
    final CompletableFuture<CommandResult> future = new CompletableFuture<>();

    /** @return completes with the command's typed result. */
    public CompletableFuture<CommandResult> future()
    {
        return future;
    }

    abstract CommandResult applyOn(ApplyAgent agent);

    /** @return the region this command is about, -1 if none. */
    abstract long regionId();

    /** Create a brand-new, empty, ACTIVE region (the host bootstrapped it: nothing to load). */
    public static final class CreateRegion extends Command
    {
        final Region region;

        /** @param region the new region. */
        public CreateRegion(final Region region)
        {
            this.region = region;
        }

        @Override
        CommandResult applyOn(final ApplyAgent agent)
        {
            return agent.onCreateRegion(this);
        }

        @Override
        long regionId()
        {
            return region.id();
        }
    }

    /** Request that a region be loaded from the backing store (creates a PENDING record). */
    public static final class LoadRegion extends Command
    {
        final Region region;
        final boolean keepCached;

        /**
         * @param region the region to load.
         * @param keepCached true if the host keeps it cached (the policy will not evict it).
         */
        public LoadRegion(final Region region, final boolean keepCached)
        {
            this.region = region;
            this.keepCached = keepCached;
        }

        @Override
        CommandResult applyOn(final ApplyAgent agent)
        {
            return agent.onLoadRegion(this);
        }

        @Override
        long regionId()
        {
            return region.id();
        }
    }

    /** Apply one write batch. */
    public static final class Write extends Command
    {
        final WriteBatch batch;

        /** @param batch the batch; owned by the engine from now on. */
        public Write(final WriteBatch batch)
        {
            this.batch = batch;
        }

        @Override
        CommandResult applyOn(final ApplyAgent agent)
        {
            return agent.onWrite(this);
        }

        @Override
        long regionId()
        {
            return batch.regionId();
        }
    }

    /**
     * Split one region into several at once. With split keys {@code k1 < ... < kn} the range {@code [s, e)} becomes
     * {@code [s,k1) [k1,k2) ... [kn,e)}; the first n pieces take {@code newRegionIds} in order and the last piece
     * keeps the source id (TiKV's right-derive), all at {@code newEpochVersion}.
     */
    public static final class Split extends Command
    {
        final long regionId;
        final long epochVersion;
        final byte[][] splitKeys;
        final long[] newRegionIds;
        final long newEpochVersion;
        final RegionState expectedState;

        /**
         * @param regionId        the source region.
         * @param epochVersion    the source's epoch version the host split at.
         * @param splitKeys       split keys, strictly increasing, strictly inside the range.
         * @param newRegionIds    ids of the new left-hand regions, one per split key.
         * @param newEpochVersion epoch version of every piece after the split.
         * @param expectedState   the state the sender believed the region was in, or null for no expectation;
         *                        a mismatch is counted and logged as a conflict, and the split is decided on the
         *                        state actually found.
         */
        public Split(
            final long regionId,
            final long epochVersion,
            final byte[][] splitKeys,
            final long[] newRegionIds,
            final long newEpochVersion,
            final RegionState expectedState)
        {
            this.regionId = regionId;
            this.epochVersion = epochVersion;
            this.splitKeys = splitKeys;
            this.newRegionIds = newRegionIds;
            this.newEpochVersion = newEpochVersion;
            this.expectedState = expectedState;
        }

        @Override
        CommandResult applyOn(final ApplyAgent agent)
        {
            return agent.onSplit(this);
        }

        @Override
        long regionId()
        {
            return regionId;
        }
    }

    /** Evict regions, with a reason (also: prepare/commit/rollback merge, apply snapshot, destroy). */
    public static final class Evict extends Command
    {
        final long[] regionIds;
        final EvictReason reason;

        /**
         * @param reason    why.
         * @param regionIds the regions (a commit merge names both source and target).
         */
        public Evict(final EvictReason reason, final long... regionIds)
        {
            this.regionIds = regionIds.clone();
            this.reason = reason;
        }

        @Override
        CommandResult applyOn(final ApplyAgent agent)
        {
            return agent.onEvict(this);
        }

        @Override
        long regionId()
        {
            return regionIds.length == 0 ? -1 : regionIds[0];
        }
    }

    /** Evict every region overlapping a key range (delete-range, ingest SST, unsafe destroy range). */
    public static final class EvictRange extends Command
    {
        final byte[] start;
        final byte[] end;
        final EvictReason reason;

        /**
         * @param start  inclusive start.
         * @param end    exclusive end (empty = +infinity).
         * @param reason why.
         */
        public EvictRange(final byte[] start, final byte[] end, final EvictReason reason)
        {
            this.start = start;
            this.end = end;
            this.reason = reason;
        }

        @Override
        CommandResult applyOn(final ApplyAgent agent)
        {
            return agent.onEvictRange(this);
        }

        @Override
        long regionId()
        {
            return -1;
        }
    }

    /** Advance the safe point of one region, or of every region. */
    public static final class AdvanceSafePoint extends Command
    {
        /** Pass as region id to advance every region (reserved: no region has a negative id). */
        public static final long ALL_REGIONS = CommandValidation.ALL_REGIONS;
        final long regionId;
        final long safePoint;

        /**
         * @param regionId  the region, or {@link #ALL_REGIONS}.
         * @param safePoint the new safe point.
         */
        public AdvanceSafePoint(final long regionId, final long safePoint)
        {
            this.regionId = regionId;
            this.safePoint = safePoint;
        }

        @Override
        CommandResult applyOn(final ApplyAgent agent)
        {
            return agent.onAdvanceSafePoint(this);
        }

        @Override
        long regionId()
        {
            return regionId;
        }
    }

    /** Internal: a loader finished (successfully or not); sent through the internal queue. */
    static final class LoadFinished extends Command
    {
        final LoadJob job;

        LoadFinished(final LoadJob job)
        {
            this.job = job;
        }

        @Override
        CommandResult applyOn(final ApplyAgent agent)
        {
            return agent.onLoadFinished(this);
        }

        @Override
        long regionId()
        {
            return -1;
        }
    }

    /** Pin a cached region (the eviction policy skips it) or release that pin. */
    public static final class SetKeepCached extends Command
    {
        final long regionId;
        final boolean keepCached;

        /**
         * @param regionId   the region.
         * @param keepCached true to keep it cached (the policy skips it), false to release it to the policy.
         */
        public SetKeepCached(final long regionId, final boolean keepCached)
        {
            this.regionId = regionId;
            this.keepCached = keepCached;
        }

        @Override
        CommandResult applyOn(final ApplyAgent agent)
        {
            return agent.onSetKeepCached(this);
        }

        @Override
        long regionId()
        {
            return regionId;
        }
    }

    /** Compact one region now: MVCC GC at its safe point, and its own table if it shared one. */
    public static final class Compact extends Command
    {
        final long regionId;

        /** @param regionId the region. */
        public Compact(final long regionId)
        {
            this.regionId = regionId;
        }

        @Override
        CommandResult applyOn(final ApplyAgent agent)
        {
            return agent.onCompact(this);
        }

        @Override
        long regionId()
        {
            return regionId;
        }
    }

    /** Disable the cache (evict everything, refuse loads) or enable it again. */
    static final class SetEnabled extends Command
    {
        final boolean enabled;

        SetEnabled(final boolean enabled)
        {
            this.enabled = enabled;
        }

        @Override
        CommandResult applyOn(final ApplyAgent agent)
        {
            return agent.onSetEnabled(this);
        }

        @Override
        long regionId()
        {
            return -1;
        }
    }

    /** Internal: a compaction finished; sent through the internal queue. */
    static final class CompactionFinished extends Command
    {
        final CompactionJob job;

        CompactionFinished(final CompactionJob job)
        {
            this.job = job;
        }

        @Override
        CommandResult applyOn(final ApplyAgent agent)
        {
            return agent.onCompactionFinished(this);
        }

        @Override
        long regionId()
        {
            return job.source.id();
        }
    }

    /** Test seam, package-private: run a task on the apply thread, ordered with the commands around it. */
    public static final class RunOnApplyThread extends Command
    {
        final Runnable task;

        /** @param task what to run. */
        public RunOnApplyThread(final Runnable task)
        {
            this.task = task;
        }

        @Override
        CommandResult applyOn(final ApplyAgent agent)
        {
            task.run();
            return CommandResult.OK;
        }

        @Override
        long regionId()
        {
            return -1;
        }
    }
}
