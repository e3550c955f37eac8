package io.regioncache.ratis.blackbox23;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.ProgressSignal;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaCheck;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.ReplicaState;

import org.apache.ratis.util.SizeInBytes;

/**
 * A 3-node in-process cluster for the fault scenarios, built from the public API only: Raft ports from
 * {@link LocalNodes#freePorts} on 127.0.0.1, {@link ReplicaNode#start}, waits on the nodes' {@link ProgressSignal}s,
 * end checks with {@link ReplicaCheck}. Nodes can be stopped and started again from their directories.
 */
final class Cluster23 implements AutoCloseable
{
    /** The segment size the README names for the snapshot-install and merge fault tests. */
    static final SizeInBytes SMALL_SEGMENTS = SizeInBytes.valueOf("8KB");

    final Path root;
    final Map<String, String> peers = new LinkedHashMap<>();
    /** Running nodes by id; a concurrent map so {@code running.values()} is a live view for ReplicaCheck. */
    final Map<String, ReplicaNode> running = new ConcurrentSkipListMap<>();
    /** Problems met while stopping nodes (errors counted before the stop, bytes left in use after it). */
    final List<String> problems = new ArrayList<>();
    private final Consumer<ReplicaNode.Config> tune;

    Cluster23(final Path root, final int n, final Consumer<ReplicaNode.Config> tune) throws IOException
    {
        this.root = root;
        this.tune = tune;
        final int[] ports = LocalNodes.freePorts(n);
        for (int i = 1; i <= n; i++)
        {
            peers.put("n" + i, "127.0.0.1:" + ports[i - 1]);
        }
        try
        {
            for (final String id : peers.keySet())
            {
                start(id);
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    ReplicaNode start(final String id) throws IOException
    {
        final ReplicaNode.Config c = new ReplicaNode.Config(id, peers, root.resolve(id));
        tune.accept(c);
        final ReplicaNode node = ReplicaNode.start(c);
        running.put(id, node);
        return node;
    }

    /** Stop a node (in-process, gracefully); what it counted and the bytes its cache still holds are checked. */
    void stop(final String id)
    {
        final ReplicaNode n = running.remove(id);
        if (n == null)
        {
            return;
        }
        final String errors = errorsOf(ReplicaState.of(n, false));
        if (errors != null)
        {
            problems.add("before stopping: " + errors);
        }
        n.close();
        final long inUse = n.engine().cache().memoryInUse();
        if (inUse != 0)
        {
            problems.add(id + " held " + inUse + " bytes in its cache after close");
        }
    }

    ReplicaNode node(final String id)
    {
        return running.get(id);
    }

    Collection<ReplicaNode> nodes()
    {
        return running.values();
    }

    /** Start every stopped node again. */
    void startAll() throws IOException
    {
        for (final String id : peers.keySet())
        {
            if (!running.containsKey(id))
            {
                start(id);
            }
        }
    }

    /**
     * Wait on the running nodes' progress signals (no sleeping). README ("How the Ratis tests wait"): a node signals
     * after every change another thread may wait for, so a condition that held only once the whole wait ran out
     * means a change did not signal: that fails, as in the project's own cluster helper.
     */
    boolean await(final BooleanSupplier condition, final long timeoutMs) throws InterruptedException
    {
        final List<ProgressSignal> signals = new ArrayList<>();
        for (final ReplicaNode n : running.values())
        {
            signals.add(n.progress());
        }
        final long start = System.nanoTime();
        final boolean held = ProgressSignal.await(signals, condition, timeoutMs);
        final long tookMs = (System.nanoTime() - start) / 1_000_000;
        if (held && tookMs >= timeoutMs)
        {
            throw new AssertionError("a condition held only when its " + timeoutMs + " ms wait ran out: a change "
                + "did not signal");
        }
        return held;
    }

    String awaitLeader(final long regionId) throws IOException, InterruptedException
    {
        return ReplicaCheck.awaitLeader(ReplicaCheck.of(running.values()), regionId, 30_000);
    }

    /** Wait until the node's replica applied the region's commit index (the highest any running node reports). */
    void awaitCaughtUp(final String nodeId, final long regionId) throws InterruptedException
    {
        final ReplicaNode n = running.get(nodeId);
        if (!await(() ->
        {
            long commit = -1;
            for (final ReplicaNode o : running.values())
            {
                commit = Math.max(commit, o.commitIndex(regionId));
            }
            return commit > 0 && n.appliedIndex(regionId) >= commit;
        }, 30_000))
        {
            throw new AssertionError(nodeId + " did not catch up on region " + regionId + ": " + describe());
        }
    }

    /** @return the node id whose replica leads the region now, or null. */
    String leaderNow(final long regionId)
    {
        for (final ReplicaNode n : running.values())
        {
            if (n.isLeader(regionId))
            {
                return n.id();
            }
        }
        return null;
    }

    /** @return the errors a node's state must not show (README: zero INTERNAL_ERROR, STORE_ERROR, ...), or null. */
    static String errorsOf(final ReplicaState s)
    {
        final long merge = s.counter("merge_source_missing");
        if (s.internalErrors() != 0 || merge != 0)
        {
            return s.node() + ": engine_internal_error=" + s.counter("engine_internal_error") + " engine_store_error="
                + s.counter("engine_store_error") + " reply_store_error=" + s.counter("reply_store_error")
                + " rejected_in_log=" + s.counter("rejected_in_log") + " uninitialized_applies="
                + s.counter("uninitialized_applies") + " merge_source_missing=" + merge;
        }
        return null;
    }

    /**
     * The README's end checks on the running nodes: converged (every node hosts every region with the same view,
     * applied to the commit index, ranges tile the key space), zero divergences, zero internal/store errors,
     * malformed log entries and entries applied without data, no region left merging.
     */
    void endChecks(final String what) throws InterruptedException
    {
        final String why = ReplicaCheck.awaitConverged(running.values(), 60_000);
        if (why != null)
        {
            throw new AssertionError(what + ": not converged in 60 s: " + why + "\n" + describe());
        }
        final List<String> div = ReplicaCheck.divergences(running.values());
        if (!div.isEmpty())
        {
            throw new AssertionError(what + ": divergences " + div);
        }
        final List<String> errs = new ArrayList<>(problems);
        for (final ReplicaNode n : running.values())
        {
            final String e = errorsOf(ReplicaState.of(n, false));
            if (e != null)
            {
                errs.add(e);
            }
            for (final RegionMeta m : n.regions().values())
            {
                if (m.state() != RegionMeta.State.NORMAL)
                {
                    errs.add(n.id() + " region left " + m.state() + ": " + m);
                }
            }
        }
        if (!errs.isEmpty())
        {
            throw new AssertionError(what + ": " + errs);
        }
    }

    /** @return the first index still in the node's Raft log of the region, or -1 if it hosts no running replica. */
    static long logStart(final ReplicaNode n, final long regionId)
    {
        try
        {
            return n.server().getDivision(ReplicaNode.groupIdOf(regionId)).getRaftLog().getStartIndex();
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /** @return the region ids of every Raft group the node's server holds. */
    static List<Long> groups(final ReplicaNode n)
    {
        final List<Long> out = new ArrayList<>();
        for (final org.apache.ratis.protocol.RaftGroupId g : n.server().getGroupIds())
        {
            out.add(ReplicaNode.regionIdOf(g));
        }
        return out;
    }

    /** @return the index of the node's latest snapshot of the region, or -1. */
    static long snapshotIndex(final ReplicaNode n, final long regionId)
    {
        try
        {
            return n.server().getDivision(ReplicaNode.groupIdOf(regionId)).getRaftLog().getSnapshotIndex();
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /** @return the last index in the node's Raft log of the region, or -1. */
    static long logEnd(final ReplicaNode n, final long regionId)
    {
        try
        {
            final var ti = n.server().getDivision(ReplicaNode.groupIdOf(regionId)).getRaftLog()
                .getLastEntryTermIndex();
            return ti == null ? -1 : ti.getIndex();
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
    }

    /** @return true if the node's log of the region holds a state-machine entry in {@code (from, to]}. */
    static boolean stateMachineEntryIn(final ReplicaNode n, final long regionId, final long from, final long to)
        throws IOException
    {
        final var log = n.server().getDivision(ReplicaNode.groupIdOf(regionId)).getRaftLog();
        for (long i = Math.max(from + 1, log.getStartIndex()); i <= to; i++)
        {
            final var e = log.get(i);
            if (e != null && e.hasStateMachineLogEntry())
            {
                return true;
            }
        }
        return false;
    }

    /**
     * Snapshot a region on every running node (Ratis then purges each log up to its snapshot), writing padding
     * through the client between rounds until every running node's log of the region starts after
     * {@code pastIndex + 1}: a replica whose next index is {@code pastIndex + 1} then cannot catch up from the log.
     *
     * @return how many padding writes were needed.
     */
    int purgePast(final io.regioncache.ratis.RegionClient c, final long regionId, final long pastIndex,
        final History23 h, final String padKey)
    {
        return purgePast(c, regionId, pastIndex, h, padKey, new ArrayList<>(running.keySet()));
    }

    /** {@link #purgePast} on the named nodes only (e.g. those whose replica of the region is attached). */
    int purgePast(final io.regioncache.ratis.RegionClient c, final long regionId, final long pastIndex,
        final History23 h, final String padKey, final Collection<String> on)
    {
        int pads = 0;
        for (int round = 0; round < 40; round++)
        {
            for (final String id : on)
            {
                try
                {
                    c.snapshot(regionId, id);
                }
                catch (final RuntimeException ex)
                {
                    // a replica still catching up may refuse: the next round asks again
                }
            }
            boolean purged = true;
            for (final String id : on)
            {
                purged &= logStart(running.get(id), regionId) > pastIndex + 1;
            }
            if (purged)
            {
                return pads;
            }
            for (int i = 0; i < 12; i++) // about 12 KiB: at least one more 8 KiB segment rolls
            {
                h.mustPut(c, padKey, 1000);
                pads++;
            }
        }
        throw new AssertionError("setup: the log of region " + regionId + " was not purged past " + pastIndex
            + ": " + describe());
    }

    String describe()
    {
        final StringBuilder b = new StringBuilder();
        for (final ReplicaNode n : running.values())
        {
            b.append(n.id()).append(": ");
            n.regions().forEach((id, m) -> b.append(id).append("@").append(n.appliedIndex(id)).append("/")
                .append(n.commitIndex(id)).append(" ").append(n.role(id)).append(" ").append(m).append("; "));
            b.append('\n');
        }
        return b.toString();
    }

    /** Close every node; @return the nodes whose cache still held bytes after close (plus earlier problems). */
    List<String> closeAll()
    {
        final List<String> leaks = new ArrayList<>();
        for (final String id : new ArrayList<>(running.keySet()))
        {
            final ReplicaNode n = running.remove(id);
            n.close();
            final long inUse = n.engine().cache().memoryInUse();
            if (inUse != 0)
            {
                leaks.add(id + ": " + inUse + " bytes in use after close");
            }
        }
        return leaks;
    }

    @Override
    public void close()
    {
        closeAll();
    }

    /** @return keys {@code prefix + letter + two digits}, {@code per} for each letter of {@code [from, to]}. */
    static List<String> keys(final String prefix, final char from, final char to, final int per)
    {
        final List<String> out = new ArrayList<>();
        for (char c = from; c <= to; c++)
        {
            for (int i = 0; i < per; i++)
            {
                out.add(prefix + c + String.format("%02d", i));
            }
        }
        return out;
    }

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(final byte[] b)
    {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
