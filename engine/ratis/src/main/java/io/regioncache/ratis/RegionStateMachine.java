package io.regioncache.ratis;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.regioncache.CommandResult;
import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;
import io.regioncache.hybrid.HybridReader;
import io.regioncache.ratis.EntryFormatException.Reason;
import io.regioncache.EvictReason;

/**
 * One region replica: applies the region's Raft log, in log order, to the node's hybrid engine (RocksDB first,
 * then the cache), serves its reads, and turns Raft snapshots into region snapshots (SST files).
 * <p>
 * <b>Threads.</b> Ratis calls {@link #applyTransaction}, {@link #takeSnapshot}, {@link #notifyLeaderReady} and the
 * snapshot lifecycle on the division's single updater thread; {@link #startTransaction} on the leader's RPC threads;
 * {@link #query} on read threads. {@link #meta} is an immutable record published by a volatile write on the updater
 * thread, so a read sees one whole region view.
 * <p>
 * <b>Determinism.</b> Every decision of {@link #applyTransaction} depends only on the entry and the replica's
 * {@link RegionMeta}, which every replica derives from the same log: epoch and range checks, the applied version
 * ({@code max(proposed, lastVersion + 1)}), the split pieces. A refused entry is refused on every replica.
 * <p>
 * <b>Snapshots.</b> A replica created by applying a split (or at bootstrap) writes a snapshot at index 0 before it
 * applies anything: its log then starts at 1, so a replica created anywhere else (a node that missed the split and
 * learned the child from a parent snapshot) has nothing at index 0 and Ratis must send it a snapshot — TiKV's
 * uninitialized peer, which also always starts from a snapshot.
 */
final class RegionStateMachine extends BaseStateMachine
{
    private static final Logger LOG = LoggerFactory.getLogger(RegionStateMachine.class);
    private static final long MERGE_SOURCE_WAIT_MS = 10_000;

    private final ReplicaNode node;
    private final long regionId;
    private final RegionMeta initial;
    private final RegionSnapshotStore snapshots = new RegionSnapshotStore();
    private volatile RegionMeta meta;
    private volatile boolean leader;
    /**
     * The Ratis division this machine serves, taken when Ratis initializes it (the thread starting the division; read
     * by the group-operations thread after a failed start, see {@code ReplicaNode#addGroup}). Null before that.
     */
    private volatile RaftServer.Division division;

    /**
     * Tests only: run at the start of {@link #initialize}, on the thread starting the division, with this machine and
     * its division; a test holds the start there until the leader's first append has reached the division, which
     * makes Ratis 3.2.2's start race ({@code ReplicaNode#addGroup}) happen every time. Null outside tests.
     */
    static volatile java.util.function.BiConsumer<RegionStateMachine, RaftServer.Division> initializeHookForTests;

    /**
     * @param node     the node.
     * @param regionId the region.
     * @param initial  the region as created by a split or bootstrap on this node (data already in RocksDB), or null
     *                 for a replica that must receive its data as a snapshot.
     */
    RegionStateMachine(final ReplicaNode node, final long regionId, final RegionMeta initial)
    {
        this.node = node;
        this.regionId = regionId;
        this.initial = initial;
    }

    /** @return the replica's region view, or null before its first snapshot. */
    RegionMeta meta()
    {
        return meta;
    }

    long regionId()
    {
        return regionId;
    }

    /** @return the region this machine was created to start with (a split child, the root), or null. */
    RegionMeta initialMeta()
    {
        return initial;
    }

    /** @return the division Ratis initialized this machine for, or null if it has not yet. */
    RaftServer.Division division()
    {
        return division;
    }

    boolean isLeader()
    {
        return leader;
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void initialize(final RaftServer server, final RaftGroupId groupId, final RaftStorage storage)
        throws IOException
    {
        super.initialize(server, groupId, storage);
        try
        {
            division = server.getDivision(groupId);
        }
        catch (final IOException notListed) // not expected: Ratis lists a division before it starts it
        {
            LOG.debug("{} region {}: division not listed at initialize: {}", node.id(), regionId, notListed.toString());
        }
        final java.util.function.BiConsumer<RegionStateMachine, RaftServer.Division> hook = initializeHookForTests;
        if (hook != null)
        {
            hook.accept(this, division);
        }
        getLifeCycle().startAndTransition(() ->
        {
            snapshots.init(storage);
            final RegionSnapshotStore.Latest latest = snapshots.latest();
            if (latest != null)
            {
                load(latest, false);
            }
            else if (initial != null)
            {
                // Created here by a split or bootstrap: RocksDB holds the region's data now, before any entry.
                final TermIndex zero = TermIndex.valueOf(0, 0);
                try
                {
                    snapshots.write(zero, initial, node.rocks().db());
                }
                catch (final RocksDBException ex)
                {
                    throw new IOException("initial snapshot of " + initial + " failed", ex);
                }
                meta = initial;
                node.clock().observe(initial.lastVersion());
                updateLastAppliedTermIndex(zero.getTerm(), zero.getIndex());
            }
            if (meta == null)
            {
                node.awaitingSnapshot(regionId); // watched: Ratis' leader can lose this follower's appender
            }
            LOG.debug("{} initialized: {}", node.id(), meta == null ? "waiting for a snapshot" : meta);
        }, IOException.class);
        node.progress().signal();
    }

    /**
     * Adopt a snapshot: ingest it into RocksDB unless this node already holds it, publish its region view, evict
     * the cache's copy (the host's apply-snapshot path, with the new epoch taken at the next load).
     */
    private void load(final RegionSnapshotStore.Latest latest, final boolean installed) throws IOException
    {
        final RegionMeta m = latest.meta();
        if (m.id() != regionId)
        {
            throw new IOException("snapshot of region " + m.id() + " in the group of region " + regionId);
        }
        final boolean ingest = !latest.ingested();
        if (ingest)
        {
            try
            {
                // Checked before anything is deleted: the replace starts with a synced deleteRange of the region,
                // so ingesting a damaged file would lose the range's data on this node.
                RangeSst.replace(node.rocks().db(), m.start(), m.end(), latest.verifiedSst());
            }
            catch (final RocksDBException ex)
            {
                throw new IOException("ingest of " + latest.dir() + " failed", ex);
            }
            snapshots.markIngested(latest);
        }
        final RegionMeta before = meta;
        if (m.state() == RegionMeta.State.SEALED)
        {
            node.recordSealed(m); // a snapshot taken while sealed: what a target checks its commit against
        }
        meta = m;
        node.snapshotArrived(regionId);
        node.clock().observe(m.lastVersion());
        updateLastAppliedTermIndex(latest.termIndex().getTerm(), latest.termIndex().getIndex());
        if (installed || ingest)
        {
            node.counters().snapshotsInstalled.incrementAndGet();
            node.record(node.engine().applySnapshot(regionId));
            LOG.info("{} region {} installed snapshot {} (was {}, now {})", node.id(), regionId,
                latest.termIndex(), before, m);
            node.reconcileHistory(m);
        }
        node.progress().signal();
    }

    @Override
    public void pause()
    {
        final LifeCycle lc = getLifeCycle();
        if (lc.getCurrentState() == LifeCycle.State.RUNNING)
        {
            lc.transition(LifeCycle.State.PAUSING);
            lc.transition(LifeCycle.State.PAUSED);
        }
    }

    @Override
    public void reinitialize() throws IOException
    {
        final RegionSnapshotStore.Latest latest = snapshots.reload();
        if (latest != null)
        {
            load(latest, true);
        }
        final LifeCycle lc = getLifeCycle();
        if (lc.getCurrentState() == LifeCycle.State.PAUSED)
        {
            lc.transition(LifeCycle.State.STARTING);
            lc.transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage()
    {
        return snapshots;
    }

    @Override
    public long takeSnapshot() throws IOException
    {
        final RegionMeta m = meta;
        final TermIndex last = getLastAppliedTermIndex();
        if (m == null || last == null)
        {
            return -1;
        }
        final RegionSnapshotStore.Latest previous = snapshots.latest();
        if (previous != null && previous.termIndex().compareTo(last) >= 0)
        {
            return previous.termIndex().getIndex();
        }
        try
        {
            final long n = snapshots.write(last, m, node.rocks().db());
            node.counters().snapshotsTaken.incrementAndGet();
            LOG.debug("{} region {} snapshot at {}: {} entries", node.id(), regionId, last, n);
        }
        catch (final RocksDBException ex)
        {
            throw new IOException("snapshot of region " + regionId + " failed", ex);
        }
        return last.getIndex();
    }

    @Override
    public void notifyGroupRemove()
    {
        node.onGroupRemoved(this);
    }

    // ------------------------------------------------------------------ leadership

    @Override
    public void notifyLeaderChanged(final RaftGroupMemberId memberId, final RaftPeerId newLeaderId)
    {
        node.counters().leaderChanges.incrementAndGet();
        final boolean now = memberId.getPeerId().equals(newLeaderId);
        final boolean was = leader;
        leader = now;
        if (was && !now && node.config().followerPolicy() == ReplicaNode.FollowerCachePolicy.EVICT)
        {
            node.counters().followerEvictions.incrementAndGet();
            node.record(node.engine().evict(regionId, EvictReason.BECOME_FOLLOWER));
        }
        node.progress().signal();
    }

    /** Runs on the updater thread once the new leader applied its first entry: its region view is current. */
    @Override
    public void notifyLeaderReady()
    {
        leader = true;
        node.counters().becameLeader.incrementAndGet();
        warm();
        node.progress().signal();
    }

    private void warm()
    {
        final RegionMeta m = meta;
        if (node.config().warmOnLeader() && m != null && m.state() == RegionMeta.State.NORMAL)
        {
            node.counters().warmLoads.incrementAndGet();
            node.record(node.engine().loadRegion(m.toRegion()));
        }
    }

    // ------------------------------------------------------------------ writes

    @Override
    public TransactionContext startTransaction(final RaftClientRequest request) throws IOException
    {
        final TransactionContext.Builder b = TransactionContext.newBuilder().setStateMachine(this)
            .setClientRequest(request);
        try
        {
            final Entry e = EntryCodec.decode(request.getMessage().getContent().toByteArray());
            if (!e.mutates())
            {
                throw new EntryFormatException(Reason.INVALID, "a read sent as a write");
            }
            if (e.regionId() != regionId)
            {
                throw new EntryFormatException(Reason.INVALID, "region " + e.regionId() + " sent to " + regionId);
            }
            if (e instanceof Entry.Split s)
            {
                for (final long id : s.newRegionIds())
                {
                    if (node.machine(id) != null || node.isRemoved(id))
                    {
                        throw new EntryFormatException(Reason.INVALID, "new region id " + id + " is taken");
                    }
                }
            }
            checkMergeOnLeader(e);
            final Entry stamped = EntryCodec.withVersion(e, node.clock().next());
            return b.setLogData(ByteString.copyFrom(EntryCodec.encode(stamped))).build();
        }
        catch (final EntryFormatException ex)
        {
            node.counters().rejectedRequests.incrementAndGet();
            final TransactionContext t = b.build();
            t.setException(ex);
            return t;
        }
    }

    @Override
    public CompletableFuture<Message> applyTransaction(final TransactionContext trx)
    {
        final LogEntryProto entry = trx.getLogEntry();
        Reply reply;
        final RegionMeta m = meta;
        if (m == null)
        {
            node.counters().uninitializedApplies.incrementAndGet();
            LOG.error("{} region {} applied entry {} without data (no snapshot yet)", node.id(), regionId,
                entry.getIndex());
            reply = Reply.of(Reply.Status.NOT_INITIALIZED, null, "replica has no data");
        }
        else
        {
            try
            {
                reply = apply(m, EntryCodec.decode(entry.getStateMachineLogEntry().getLogData().toByteArray()));
            }
            catch (final EntryFormatException ex)
            {
                node.counters().rejectedInLog.incrementAndGet();
                LOG.error("{} region {} skipped a malformed log entry at {}: {}", node.id(), regionId,
                    entry.getIndex(), ex.getMessage());
                reply = Reply.of(Reply.Status.INVALID, null, ex.getMessage());
            }
        }
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        node.counters().onReply(reply.status());
        node.progress().signal(); // one volatile read unless someone waits
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply.encode())));
    }

    /**
     * Ratis applies its own entries (a new leader's first entry, configuration entries) here, not through
     * {@link #applyTransaction}: the applied index moves, so waiters for it are told too.
     */
    @Override
    public void notifyTermIndexUpdated(final long term, final long index)
    {
        super.notifyTermIndexUpdated(term, index);
        node.progress().signal();
    }

    private Reply apply(final RegionMeta m, final Entry e)
    {
        if (e.regionId() != regionId)
        {
            return Reply.of(Reply.Status.INVALID, m, "entry of region " + e.regionId());
        }
        if (m.state() == RegionMeta.State.MERGED)
        {
            return Reply.of(Reply.Status.REGION_GONE, m, "merged into another region");
        }
        if (e.epochVersion() != m.epochVersion())
        {
            return Reply.of(Reply.Status.STALE_EPOCH, m, "epoch " + e.epochVersion() + " != " + m.epochVersion());
        }
        final long version = Math.max(e.version(), m.lastVersion() + 1);
        if (e instanceof Entry.Write w)
        {
            return applyWrite(m, w, version);
        }
        if (e instanceof Entry.Split s)
        {
            return applySplit(m, s, version);
        }
        if (e instanceof Entry.PrepareMerge p)
        {
            if (m.state() != RegionMeta.State.NORMAL || p.targetId() == regionId)
            {
                return Reply.of(Reply.Status.INVALID, m, "cannot prepare a merge from " + m.state());
            }
            publish(m.withState(RegionMeta.State.MERGING, p.targetId(), m.epochVersion()), version);
            node.record(node.engine().prepareMerge(regionId));
            return Reply.ok(version, null);
        }
        if (e instanceof Entry.SealMerge sm)
        {
            return applySeal(m, sm);
        }
        if (e instanceof Entry.RollbackMerge)
        {
            if (m.state() == RegionMeta.State.SEALED)
            {
                // The seal came first in this log: the rollback stands only if the commit can never apply.
                final Boolean neverCommits = awaitTargetMoved(m);
                if (neverCommits == null)
                {
                    return Reply.of(Reply.Status.INVALID, m, "the merge into " + m.mergeTarget() + " is sealed and"
                        + " the target has not moved past epoch " + m.mergeTargetEpoch() + ": commit it");
                }
                if (!neverCommits)
                {
                    return Reply.of(Reply.Status.REGION_GONE, m, "merged into " + m.mergeTarget());
                }
            }
            else if (m.state() != RegionMeta.State.MERGING)
            {
                return Reply.of(Reply.Status.INVALID, m, "no merge to roll back");
            }
            // As TiKV: a rolled-back merge bumps the epoch, so requests routed during the merge are refused.
            publish(m.withState(RegionMeta.State.NORMAL, 0, m.epochVersion() + 1), version);
            node.record(node.engine().rollbackMerge(regionId));
            if (leader)
            {
                warm(); // tikv#18098: a region evicted by a merge that did not happen is loaded again
            }
            return Reply.ok(version, null);
        }
        if (e instanceof Entry.CommitMerge c)
        {
            return applyCommitMerge(m, c, version);
        }
        if (e instanceof Entry.DeleteRange d)
        {
            if (m.state() != RegionMeta.State.NORMAL)
            {
                return Reply.of(Reply.Status.MERGING, m, "region is merging");
            }
            final boolean inside = Arrays.compareUnsigned(d.start(), m.start()) >= 0 &&
                (m.end().length == 0 || (d.end().length > 0 && Arrays.compareUnsigned(d.end(), m.end()) <= 0)) &&
                (d.end().length == 0 || Arrays.compareUnsigned(d.start(), d.end()) < 0);
            if (!inside)
            {
                return Reply.of(Reply.Status.KEY_NOT_IN_REGION, m, "delete-range outside the region");
            }
            final CommandResult r = node.record(node.engine().deleteRange(d.start(), d.end(), version));
            publish(m, version);
            return r.code() == ResultCode.STORE_ERROR ? Reply.of(Reply.Status.STORE_ERROR, m, r.detail()) :
                Reply.ok(version, null);
        }
        return Reply.of(Reply.Status.INVALID, m, "not a log entry: " + e.getClass().getSimpleName());
    }

    private void publish(final RegionMeta m, final long version)
    {
        meta = m.withLastVersion(version);
        node.clock().observe(version);
    }

    private Reply applyWrite(final RegionMeta m, final Entry.Write w, final long version)
    {
        if (m.state() != RegionMeta.State.NORMAL)
        {
            return Reply.of(Reply.Status.MERGING, m, "region is merging");
        }
        final WriteBatch batch = new WriteBatch(regionId, m.epochVersion(), version, w.ops().size());
        for (final Entry.Op op : w.ops())
        {
            if (!m.contains(op.key()))
            {
                return Reply.of(Reply.Status.KEY_NOT_IN_REGION, m, "key outside the region");
            }
            if (op.op() == WriteBatch.PUT)
            {
                batch.put(op.key(), op.value());
            }
            else
            {
                batch.delete(op.key());
            }
        }
        // The engine's checks at the call (HybridEngine.write makes them before the store sees the batch): a batch
        // they refuse (a key or value over this node's configured limits) is not written anywhere, so it is answered
        // INVALID here instead of being acknowledged at a version that holds nothing. Any other answer but
        // STORE_ERROR, a later INVALID from the cache's apply thread included, means the store has the write.
        final String refused = batch.validate(node.engine().cache().config());
        if (refused != null)
        {
            return Reply.of(Reply.Status.INVALID, m, refused);
        }
        // Store first, then the cache; the apply waits for the cache so that a read served after this entry is
        // applied (a ReadIndex read) finds the write in either source.
        final CommandResult r = node.record(node.engine().write(batch));
        if (r.code() == ResultCode.STORE_ERROR)
        {
            return Reply.of(Reply.Status.STORE_ERROR, m, r.detail());
        }
        publish(m, version);
        return Reply.ok(version, null);
    }

    private Reply applySplit(final RegionMeta m, final Entry.Split s, final long version)
    {
        if (m.state() != RegionMeta.State.NORMAL)
        {
            return Reply.of(Reply.Status.MERGING, m, "region is merging");
        }
        final byte[][] keys = s.splitKeys();
        for (final byte[] k : keys)
        {
            if (Arrays.compareUnsigned(k, m.start()) <= 0 || !m.contains(k))
            {
                return Reply.of(Reply.Status.KEY_NOT_IN_REGION, m, "split key outside the region");
            }
        }
        final long newEpoch = m.epochVersion() + 1;
        final RegionMeta[] children = new RegionMeta[keys.length];
        byte[] from = m.start();
        for (int i = 0; i < keys.length; i++)
        {
            children[i] = new RegionMeta(s.newRegionIds()[i], from, keys[i], newEpoch, RegionMeta.State.NORMAL, 0,
                version, new long[0], new long[0]);
            from = keys[i];
        }
        final RegionMeta parent = m.withRange(from, m.end(), newEpoch).withChildren(s.newRegionIds());
        node.record(node.engine().split(regionId, m.epochVersion(), keys, s.newRegionIds(), newEpoch));
        publish(parent, version);
        // Each child becomes its own Raft group on the same peers. Created before this entry completes, so a
        // snapshot of the parent taken afterwards never hides a child this node has not created.
        for (final RegionMeta child : children)
        {
            node.createGroup(child, true);
        }
        return Reply.ok(version, null);
    }

    /**
     * Merge entries whose other region this node does not know, refused on the leader before they enter the log
     * (every replica then refuses alike: nothing is logged). {@link RegionClient} never sends them; raw entries did
     * (blackbox8/ForgedMergeEntryTest): a prepare or seal naming a target that never existed was applied, and the
     * sealed region then refused writes for good (its rollback waits for a target that never moves); a commit
     * naming a source with no seal recorded here waited 10 s on the apply thread and then merged the range it
     * named, over a live region, at the last version it named (Long.MAX_VALUE - 2 ran the node's clock out). The
     * apply-time checks stay as they are for the entries already in a log (replay decides as before).
     * <ul>
     * <li>{@code PrepareMerge}, {@code SealMerge}: the target must be a region this node hosts and has not
     * removed. The client checks every node holds the prepare before it seals, so a real target is known here.</li>
     * <li>{@code CommitMerge}: this node must have recorded the source's seal at the named epoch
     * ({@code commitMerge} waits until every node applied the seal, and the record is written before the sealed
     * view is published), unless its replica of the source is past that epoch: then the apply refuses it
     * {@code STALE_EPOCH}, as documented, and a record that differs from the entry, {@code INVALID}.</li>
     * </ul>
     */
    private void checkMergeOnLeader(final Entry e)
    {
        final long target = e instanceof Entry.PrepareMerge p ? p.targetId()
            : e instanceof Entry.SealMerge sm ? sm.targetId() : 0;
        if (target != 0 && (node.machine(target) == null || node.isRemoved(target)))
        {
            throw new EntryFormatException(Reason.INVALID, "merge target " + target + " is not a region of this node");
        }
        if (e instanceof Entry.CommitMerge c && node.sealedMerge(c.sourceId(), c.sourceEpochVersion()) == null)
        {
            final RegionStateMachine source = node.machine(c.sourceId());
            final RegionMeta sm = source == null ? null : source.meta();
            if (sm == null || sm.epochVersion() <= c.sourceEpochVersion())
            {
                throw new EntryFormatException(Reason.INVALID, "region " + c.sourceId() + " has no seal at epoch "
                    + c.sourceEpochVersion() + " on this node (" + (sm == null ? "no such region here" : sm) + ")");
            }
        }
    }

    /**
     * Seal a prepared merge: from here on a rollback stands only once the target moved past the sealed epoch without
     * merging this region, and the node records the source as it stands (range, target and its epoch, last version:
     * unchanged since the prepare, which refused every write after it), which is what a target's commit is checked
     * against. A second seal for the same target and epoch answers OK (a client retrying); for another target epoch,
     * {@code STALE_EPOCH} (the target moved: the commit cannot apply, roll back).
     */
    private Reply applySeal(final RegionMeta m, final Entry.SealMerge sm)
    {
        if (m.state() == RegionMeta.State.SEALED && m.mergeTarget() == sm.targetId())
        {
            return m.mergeTargetEpoch() == sm.targetEpoch() ? Reply.ok(m.lastVersion(), null)
                : Reply.of(Reply.Status.STALE_EPOCH, m, "sealed at target epoch " + m.mergeTargetEpoch());
        }
        if (m.state() != RegionMeta.State.MERGING || m.mergeTarget() != sm.targetId() || sm.targetEpoch() == 0)
        {
            return Reply.of(Reply.Status.INVALID, m, "not prepared to merge into " + sm.targetId());
        }
        // Recorded first, then published: a client that sees the sealed view (commitMerge's wait) may send the
        // commit at once, and the target's leader on this node checks the record before logging it.
        final RegionMeta sealed = m.withSeal(sm.targetEpoch());
        node.recordSealed(sealed);
        meta = sealed;
        return Reply.ok(m.lastVersion(), null);
    }

    /**
     * For a rollback of a sealed merge: wait (woken by the target's applies on this node, up to
     * {@link #MERGE_SOURCE_WAIT_MS}) until the target's replica here moved past the sealed epoch, or is gone.
     * Whether the target merged this region when it moved is decided by the target's log (the commit is the entry
     * that moved it, or the commit can never apply after it), so every replica answers alike.
     *
     * @return true if the commit can never apply (roll back), false if the target merged this region, null if the
     * target has not moved here in time (refuse: it can still commit).
     */
    private Boolean awaitTargetMoved(final RegionMeta m)
    {
        return awaitAnswer(() ->
        {
            if (node.isRemoved(regionId))
            {
                return Boolean.FALSE; // this node's target applied the commit
            }
            final RegionStateMachine target = node.machine(m.mergeTarget());
            final RegionMeta tm = target == null ? null : target.meta();
            if (tm != null && tm.epochVersion() > m.mergeTargetEpoch())
            {
                // one volatile read: the epoch and the merged sources of the same view
                return !contains(tm.mergedSources(), regionId);
            }
            if (tm == null && node.isRemoved(m.mergeTarget()))
            {
                return Boolean.TRUE; // merged away itself without merging this region here
            }
            if (tm != null && tm.state() == RegionMeta.State.MERGED)
            {
                // merged away itself at the sealed epoch (a target that merged this region first moved past it, above),
                // its group not yet removed here: it never commits this merge either; decided by the target's log
                return Boolean.TRUE;
            }
            return null;
        });
    }

    /**
     * Wait, woken by this node's applies (not by a timer), up to {@link #MERGE_SOURCE_WAIT_MS}, until {@code probe}
     * answers (non-null): the two merge waits, each deciding from the other region's replica on this node.
     *
     * @return the probe's answer, or null if it gave none in time (or the thread was interrupted; its interrupt
     * status is kept).
     */
    private <T> T awaitAnswer(final Supplier<T> probe)
    {
        final AtomicReference<T> answer = new AtomicReference<>();
        try
        {
            node.progress().await(() ->
            {
                answer.set(probe.get());
                return answer.get() != null;
            }, MERGE_SOURCE_WAIT_MS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        return answer.get();
    }

    private Reply applyCommitMerge(final RegionMeta m, final Entry.CommitMerge c, final long version)
    {
        if (m.state() != RegionMeta.State.NORMAL)
        {
            return Reply.of(Reply.Status.MERGING, m, "target is merging itself");
        }
        final boolean sourceLeft = c.sourceEnd().length > 0 && Arrays.equals(c.sourceEnd(), m.start());
        final boolean sourceRight = m.end().length > 0 && Arrays.equals(m.end(), c.sourceStart());
        if (!sourceLeft && !sourceRight)
        {
            return Reply.of(Reply.Status.INVALID, m, "source is not adjacent");
        }
        if (contains(m.mergedSources(), c.sourceId()))
        {
            return Reply.of(Reply.Status.INVALID, m, "region " + c.sourceId() + " is already merged into this one");
        }
        // The entry says what the sender read from the sealed source; every replica checks it against the source's
        // seal as this node recorded it (a record never changes once written, and survives restarts), so a raw
        // commit naming a wider range (over a live neighbour), another target, or a version floor below the
        // source's is refused alike everywhere, and so is one whose source rolled back instead of sealing (its
        // epoch moved on with no seal at the named one). The source's data must also be in this node's RocksDB: its
        // replica here must have applied the prepare and the seal, which is what writes the record.
        RegionMeta sealed = node.sealedMerge(c.sourceId(), c.sourceEpochVersion());
        if (sealed == null && !node.isRemoved(c.sourceId()))
        {
            final RegionMeta source = awaitSourceSealed(c);
            if (source == null)
            {
                node.counters().mergeSourceMissing.incrementAndGet();
                LOG.error("{} region {}: merge source {} not sealed on this node; merging its range anyway",
                    node.id(), regionId, c.sourceId());
            }
            else if (source.epochVersion() != c.sourceEpochVersion())
            {
                return Reply.of(Reply.Status.STALE_EPOCH, m, "source " + c.sourceId() + " never sealed at epoch "
                    + c.sourceEpochVersion() + " (it is at " + source.epochVersion() + ")");
            }
            else
            {
                sealed = source;
            }
        }
        if (sealed != null)
        {
            if (sealed.mergeTarget() == regionId && sealed.mergeTargetEpoch() != m.epochVersion())
            {
                // This region moved since the seal (a split, its own merge or rollback): this commit can never
                // apply, and the source may now roll back.
                return Reply.of(Reply.Status.STALE_EPOCH, m, "source " + c.sourceId() + " was sealed for this region "
                    + "at epoch " + sealed.mergeTargetEpoch() + ", not " + m.epochVersion());
            }
            final String wrong = sealed.mergeTarget() != regionId ? "was sealed for the merge into "
                + sealed.mergeTarget()
                : !Arrays.equals(sealed.start(), c.sourceStart()) || !Arrays.equals(sealed.end(), c.sourceEnd())
                ? "has another range" : sealed.lastVersion() != c.sourceLastVersion() ? "has last version "
                + sealed.lastVersion() + ", not " + c.sourceLastVersion() : null;
            if (wrong != null)
            {
                return Reply.of(Reply.Status.INVALID, m, "source " + c.sourceId() + " at its seal (epoch "
                    + c.sourceEpochVersion() + ") " + wrong);
            }
        }
        final long newEpoch = Math.max(m.epochVersion(), c.sourceEpochVersion()) + 1;
        final RegionMeta merged = (sourceLeft ? m.withRange(c.sourceStart(), m.end(), newEpoch) :
            m.withRange(m.start(), c.sourceEnd(), newEpoch)).withMergedSource(c.sourceId());
        final long v = Math.max(version, c.sourceLastVersion() + 1);
        node.record(node.engine().commitMerge(regionId, c.sourceId()));
        publish(merged, v);
        final RegionStateMachine source = node.machine(c.sourceId());
        if (source != null)
        {
            source.onMergedAway();
        }
        node.removeGroupLater(c.sourceId());
        if (leader)
        {
            warm();
        }
        return Reply.ok(v, null);
    }

    /**
     * Wait (woken by the source's applies on this node, not by a timer) until the source's replica here applied the
     * seal the commit names, or moved past its epoch without one (it rolled back).
     *
     * @return the recorded seal (at the commit's source epoch); the source's view past that epoch (it never sealed
     * at it); or null if neither happened within {@link #MERGE_SOURCE_WAIT_MS}.
     */
    private RegionMeta awaitSourceSealed(final Entry.CommitMerge c)
    {
        return awaitAnswer(() ->
        {
            // The source's view first, then the record: the source records its seal before it can publish a later
            // epoch (same updater thread; volatile meta), so a view past the epoch read first means the record read
            // second is there if this node ever applied that seal.
            final RegionStateMachine source = node.machine(c.sourceId());
            final RegionMeta sm = source == null ? null : source.meta();
            final RegionMeta sealed = node.sealedMerge(c.sourceId(), c.sourceEpochVersion());
            if (sealed != null)
            {
                return sealed;
            }
            return sm != null && sm.epochVersion() > c.sourceEpochVersion() ? sm : null;
        });
    }

    private static boolean contains(final long[] ids, final long id)
    {
        for (final long x : ids)
        {
            if (x == id)
            {
                return true;
            }
        }
        return false;
    }

    void onMergedAway()
    {
        final RegionMeta m = meta;
        if (m != null)
        {
            meta = m.withState(RegionMeta.State.MERGED, m.mergeTarget(), m.epochVersion());
        }
    }

    // ------------------------------------------------------------------ reads

    @Override
    public CompletableFuture<Message> query(final Message request)
    {
        Reply reply;
        try
        {
            reply = read(EntryCodec.decode(request.getContent().toByteArray()));
        }
        catch (final EntryFormatException ex)
        {
            node.counters().rejectedRequests.incrementAndGet();
            reply = Reply.of(Reply.Status.INVALID, null, ex.getMessage());
        }
        node.counters().onReply(reply.status());
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(reply.encode())));
    }

    private Reply read(final Entry e)
    {
        final RegionMeta m = meta;
        if (m == null || getLifeCycleState() != LifeCycle.State.RUNNING)
        {
            return Reply.of(Reply.Status.NOT_INITIALIZED, null, "replica has no data yet");
        }
        if (e instanceof Entry.Describe)
        {
            return new Reply(Reply.Status.OK, m.lastVersion(), null, m, leader ? "leader" : "follower");
        }
        if (!(e instanceof Entry.Get) && !(e instanceof Entry.Scan))
        {
            return Reply.of(Reply.Status.INVALID, m, "not a read");
        }
        if (e.regionId() != regionId)
        {
            return Reply.of(Reply.Status.INVALID, m, "read of region " + e.regionId());
        }
        if (m.state() == RegionMeta.State.MERGED)
        {
            return Reply.of(Reply.Status.REGION_GONE, m, "merged");
        }
        if (e.epochVersion() != m.epochVersion())
        {
            return Reply.of(Reply.Status.STALE_EPOCH, m, "epoch " + e.epochVersion() + " != " + m.epochVersion());
        }
        if (!m.contains(e instanceof Entry.Get g ? g.key() : ((Entry.Scan) e).start()))
        {
            return Reply.of(Reply.Status.KEY_NOT_IN_REGION, m, "key outside the region");
        }
        // Ratis ran this after the replica applied the leader's commit index as of the read (ReadIndex): the last
        // applied version covers every write acknowledged before the read began. A later version would not be
        // repeatable (a write may still take a version at or below it), so reads never go above it.
        final long readVersion = e.version() == 0 ? m.lastVersion() : Math.min(e.version(), m.lastVersion());
        if (e instanceof Entry.Scan sc)
        {
            return scan(m, sc, readVersion);
        }
        final Entry.Get g = (Entry.Get) e;
        final HybridReader reader = node.borrowReader();
        try
        {
            final byte[] value = reader.get(regionId, m.epochVersion(), readVersion, g.key());
            if (reader.lastStatus() == io.regioncache.SnapshotStatus.OK)
            {
                node.counters().cacheReads.incrementAndGet();
            }
            else
            {
                node.counters().storeReads.incrementAndGet();
            }
            return Reply.ok(readVersion, value);
        }
        finally
        {
            node.returnReader(reader);
        }
    }

    /**
     * A scan of {@code [start, min(end, region end))} at {@code readVersion}, answered as one {@link ScanPage} in the
     * reply's value, cut at the request's limit or near {@link ScanPage#MAX_BYTES}.
     */
    private Reply scan(final RegionMeta m, final Entry.Scan sc, final long readVersion)
    {
        final byte[] end = m.end().length == 0 ? sc.end()
            : sc.end().length == 0 || Arrays.compareUnsigned(sc.end(), m.end()) > 0 ? m.end() : sc.end();
        final ScanPage.Builder page = new ScanPage.Builder();
        final HybridReader reader = node.borrowReader();
        try (io.regioncache.hybrid.HybridScan scan = reader.scan(regionId, m.epochVersion(), readVersion, sc.start(),
            end))
        {
            boolean more = false;
            while (scan.next())
            {
                final byte[] key = scan.keyBytes();
                final byte[] value = scan.valueBytes();
                if (page.size() == sc.limit() || !page.fits(key, value))
                {
                    more = true; // the client asks again from after the last key of this page
                    break;
                }
                page.add(key, value);
            }
            if (scan.servedByCache())
            {
                node.counters().cacheReads.incrementAndGet();
            }
            else
            {
                node.counters().storeReads.incrementAndGet();
            }
            return Reply.ok(readVersion, page.build(more));
        }
        finally
        {
            node.returnReader(reader);
        }
    }

    @Override
    public String toString()
    {
        return "RegionStateMachine{" + node.id() + ", region " + regionId + "}";
    }
}
