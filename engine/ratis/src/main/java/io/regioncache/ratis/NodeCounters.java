package io.regioncache.ratis;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.regioncache.ResultCode;

/**
 * What a node counts about replication: every engine result its state machines saw, every reply status, snapshots,
 * leadership, and the errors that must stay at zero ({@link #rejectedInLog}, {@link #uninitializedApplies},
 * {@link #mergeSourceMissing}, engine {@code INTERNAL_ERROR} and {@code STORE_ERROR}). Thread-safe.
 */
public final class NodeCounters
{
    private final AtomicLongArray engineResults = new AtomicLongArray(ResultCode.values().length);
    private final AtomicLongArray replies = new AtomicLongArray(Reply.Status.values().length);
    final AtomicLong snapshotsTaken = new AtomicLong();
    final AtomicLong snapshotsInstalled = new AtomicLong();
    final AtomicLong becameLeader = new AtomicLong();
    final AtomicLong leaderChanges = new AtomicLong();
    final AtomicLong warmLoads = new AtomicLong();
    final AtomicLong followerEvictions = new AtomicLong();
    final AtomicLong rejectedRequests = new AtomicLong();
    final AtomicLong rejectedInLog = new AtomicLong();
    final AtomicLong uninitializedApplies = new AtomicLong();
    final AtomicLong mergeSourceMissing = new AtomicLong();
    final AtomicLong groupsCreated = new AtomicLong();
    final AtomicLong groupsRemoved = new AtomicLong();
    final AtomicLong groupOpFailures = new AtomicLong();
    final AtomicLong groupCreateRetries = new AtomicLong();
    final AtomicLong groupStartRetries = new AtomicLong();
    final AtomicLong snapshotStallNudges = new AtomicLong();
    final AtomicLong replicaRestarts = new AtomicLong();
    final AtomicLong cacheReads = new AtomicLong();
    final AtomicLong storeReads = new AtomicLong();

    void onEngineResult(final ResultCode code)
    {
        engineResults.incrementAndGet(code.ordinal());
    }

    void onReply(final Reply.Status status)
    {
        replies.incrementAndGet(status.ordinal());
    }

    /**
     * @param code an engine result code.
     * @return how many commands of this node's state machines ended with it.
     */
    public long engineResults(final ResultCode code)
    {
        return engineResults.get(code.ordinal());
    }

    /**
     * @param status a reply status.
     * @return how many replies this node gave with it.
     */
    public long replies(final Reply.Status status)
    {
        return replies.get(status.ordinal());
    }

    /** @return snapshots this node's replicas wrote. */
    public long snapshotsTaken()
    {
        return snapshotsTaken.get();
    }

    /** @return snapshots this node's replicas installed from a leader. */
    public long snapshotsInstalled()
    {
        return snapshotsInstalled.get();
    }

    /** @return times a replica of this node became leader. */
    public long becameLeader()
    {
        return becameLeader.get();
    }

    /** @return leader changes this node's replicas saw. */
    public long leaderChanges()
    {
        return leaderChanges.get();
    }

    /** @return cache loads requested by a new leader (warm-up). */
    public long warmLoads()
    {
        return warmLoads.get();
    }

    /** @return cache evictions because a replica stopped leading ({@code BECOME_FOLLOWER}). */
    public long followerEvictions()
    {
        return followerEvictions.get();
    }

    /**
     * @return client requests refused before the log: malformed, over the entry limits, a read sent as a write, or
     * sent to another region's group. A wrong epoch or a key outside the range is refused at apply instead, on every
     * replica alike, and counted in {@link #replies} ({@code STALE_EPOCH}, {@code KEY_NOT_IN_REGION}).
     */
    public long rejectedRequests()
    {
        return rejectedRequests.get();
    }

    /** @return entries in a log that did not decode (must stay 0). */
    public long rejectedInLog()
    {
        return rejectedInLog.get();
    }

    /** @return entries applied by a replica with no data yet (must stay 0). */
    public long uninitializedApplies()
    {
        return uninitializedApplies.get();
    }

    /** @return commit-merges whose source replica was not ready on this node (must stay 0). */
    public long mergeSourceMissing()
    {
        return mergeSourceMissing.get();
    }

    /** @return reads served from this node's cache. */
    public long cacheReads()
    {
        return cacheReads.get();
    }

    /** @return reads served from this node's RocksDB. */
    public long storeReads()
    {
        return storeReads.get();
    }

    /** @return groups created on this node after start (split children, lagging replicas). */
    public long groupsCreated()
    {
        return groupsCreated.get();
    }

    /** @return groups removed on this node (merge sources). */
    public long groupsRemoved()
    {
        return groupsRemoved.get();
    }

    /** @return group management calls that failed (logged). */
    public long groupOpFailures()
    {
        return groupOpFailures.get();
    }

    /** @return group creations a snapshot's children needed again after a failed one. */
    public long groupCreateRetries()
    {
        return groupCreateRetries.get();
    }

    /**
     * @return group starts tried again after Ratis failed one (its start race with the leader's first append: the
     *         failed division is closed and the group added again from its directory).
     */
    public long groupStartRetries()
    {
        return groupStartRetries.get();
    }

    /**
     * @return times a replica of this node waited too long for its first snapshot and the node asked the region's
     *         leader to step down (Ratis' lost-appender workaround, {@code ReplicaNode#checkReplicas}).
     */
    public long snapshotStallNudges()
    {
        return snapshotStallNudges.get();
    }

    /** @return replicas of this node that Ratis closed on an error and the node restarted from their directory. */
    public long replicaRestarts()
    {
        return replicaRestarts.get();
    }

    /** @return every counter by name, for reports. */
    public Map<String, Long> toMap()
    {
        final Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("snapshots_taken", snapshotsTaken.get());
        m.put("snapshots_installed", snapshotsInstalled.get());
        m.put("became_leader", becameLeader.get());
        m.put("leader_changes", leaderChanges.get());
        m.put("warm_loads", warmLoads.get());
        m.put("follower_evictions", followerEvictions.get());
        m.put("rejected_requests", rejectedRequests.get());
        m.put("rejected_in_log", rejectedInLog.get());
        m.put("uninitialized_applies", uninitializedApplies.get());
        m.put("merge_source_missing", mergeSourceMissing.get());
        // not "groups_created": Prometheus' naming strips a "_created" suffix (OpenMetrics' created timestamps), so
        // /metrics showed it as regioncache_node_groups_total instead of regioncache_node_<name>_total
        m.put("groups_added", groupsCreated.get());
        m.put("groups_removed", groupsRemoved.get());
        m.put("group_op_failures", groupOpFailures.get());
        m.put("group_create_retries", groupCreateRetries.get());
        m.put("group_start_retries", groupStartRetries.get());
        m.put("snapshot_stall_nudges", snapshotStallNudges.get());
        m.put("replica_restarts", replicaRestarts.get());
        m.put("cache_reads", cacheReads.get());
        m.put("store_reads", storeReads.get());
        for (final ResultCode c : ResultCode.values())
        {
            m.put("engine_" + c.name().toLowerCase(java.util.Locale.ROOT), engineResults(c));
        }
        for (final Reply.Status s : Reply.Status.values())
        {
            m.put("reply_" + s.name().toLowerCase(java.util.Locale.ROOT), replies(s));
        }
        return m;
    }
}
