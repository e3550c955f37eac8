package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import io.regioncache.ResultCode;

/**
 * Real Ratis servers over gRPC on localhost, one {@link ReplicaNode} per directory, in this JVM; stop and restart
 * nodes; check that replicas converged and agree.
 */
final class LocalCluster implements AutoCloseable
{
    final Path root;
    final Map<String, String> peers = new LinkedHashMap<>();
    final Map<String, ReplicaNode> running = new TreeMap<>();
    final Map<String, NodeCounters> finished = new HashMap<>();
    private final Consumer<ReplicaNode.Config> tune;
    final List<String> leaks = new ArrayList<>();

    LocalCluster(final Path root, final int n, final Consumer<ReplicaNode.Config> tune) throws IOException
    {
        this.root = root;
        this.tune = tune;
        final int[] ports = LocalNodes.freePorts(n);
        for (int i = 1; i <= n; i++)
        {
            peers.put("n" + i, "127.0.0.1:" + ports[i - 1]);
        }
    }

    LocalCluster startAll() throws IOException
    {
        for (final String id : peers.keySet())
        {
            start(id);
        }
        return this;
    }

    ReplicaNode start(final String id) throws IOException
    {
        final ReplicaNode.Config c = new ReplicaNode.Config(id, peers, root.resolve(id));
        tune.accept(c);
        final ReplicaNode node = ReplicaNode.start(c);
        running.put(id, node);
        return node;
    }

    /** Stop a node (Ratis closes, the engine closes); its memory must all be returned. */
    void stop(final String id)
    {
        final ReplicaNode node = running.remove(id);
        node.close();
        final long inUse = node.engine().cache().memoryInUse();
        if (inUse != 0)
        {
            leaks.add(id + ": " + inUse + " bytes in use after close");
        }
        finished.merge(id, node.counters(), (a, b) -> b);
        checkClean(node);
    }

    ReplicaNode node(final String id)
    {
        return running.get(id);
    }

    RegionClient client()
    {
        return new RegionClient(peers);
    }

    String leaderOf(final long regionId)
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

    String awaitLeader(final long regionId, final long timeoutMs) throws InterruptedException
    {
        final String[] leader = new String[1];
        await(() -> (leader[0] = leaderOf(regionId)) != null, timeoutMs, "a leader for region " + regionId);
        return leader[0];
    }

    /** {@link #await(BooleanSupplier, long, String)} for up to 30 s. */
    void await(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        await(condition, 30_000, what);
    }

    /**
     * Wait until the condition holds, re-checked after each progress of any running node (an apply, a leader
     * change, a snapshot, a group change, a cache load installed: {@link ReplicaNode#progress()}), not on a timer.
     *
     * @param condition what to wait for.
     * @param timeoutMs how long at most.
     * @param what      what it is, for the failure.
     * @throws InterruptedException if interrupted.
     * @throws AssertionError       if it does not hold in time.
     */
    void await(final BooleanSupplier condition, final long timeoutMs, final String what) throws InterruptedException
    {
        final List<ProgressSignal> signals = new ArrayList<>();
        running.values().forEach(n -> signals.add(n.progress()));
        final long t0 = System.nanoTime();
        if (!ProgressSignal.await(signals, condition, timeoutMs))
        {
            throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what + describe());
        }
        requireSignalled(t0, timeoutMs, what);
    }

    /**
     * A wait that ended only when its time ran out, with the condition then true, means the change that made it
     * true did not signal: fail, so such a change cannot hide behind a slow but passing test.
     */
    private static void requireSignalled(final long t0, final long timeoutMs, final String what)
    {
        if (System.nanoTime() - t0 >= timeoutMs * 1_000_000L)
        {
            throw new AssertionError(what + " held only when the " + timeoutMs + " ms wait ran out: the change " +
                "that made it true did not signal ReplicaNode.progress()");
        }
    }

    /** Every region hosted anywhere, by the highest epoch any running node knows. */
    Map<Long, RegionMeta> regions()
    {
        return ReplicaCheck.regions(running.values());
    }

    /**
     * Wait until every running node hosts every live region with data and every replica applied the same index, equal
     * to the region's commit index ({@link ReplicaCheck#convergenceProblemOf}).
     */
    void awaitConverged(final long timeoutMs) throws InterruptedException
    {
        final long t0 = System.nanoTime();
        final String why = ReplicaCheck.awaitConverged(running.values(), timeoutMs);
        if (why != null)
        {
            throw new AssertionError("replicas did not converge in " + timeoutMs + " ms: " + why + "; regions " +
                describe());
        }
        requireSignalled(t0, timeoutMs, "convergence");
    }

    String describe()
    {
        final StringBuilder sb = new StringBuilder();
        for (final ReplicaNode n : running.values())
        {
            sb.append('\n').append(n.id()).append(": ");
            n.regions().forEach((id, m) -> sb.append(m).append(" applied=").append(n.appliedIndex(id))
                .append(" commit=").append(n.commitIndex(id)).append(n.isLeader(id) ? " L" : "").append("; "));
        }
        return sb.toString();
    }

    /**
     * Every replica's RocksDB equal per region (every stored entry of the range: all MVCC versions, at the same
     * applied index), every cached region equal to its node's RocksDB ({@link ReplicaCheck#divergences}).
     *
     * @return the divergences (empty = none).
     */
    List<String> divergences()
    {
        return ReplicaCheck.divergences(running.values());
    }

    static void checkClean(final ReplicaNode n)
    {
        final NodeCounters c = n.counters();
        assertEquals(0, c.engineResults(ResultCode.INTERNAL_ERROR), n.id() + " INTERNAL_ERROR");
        assertEquals(0, c.engineResults(ResultCode.STORE_ERROR), n.id() + " STORE_ERROR");
        assertEquals(0, c.rejectedInLog(), n.id() + " malformed entries in a log");
        assertEquals(0, c.uninitializedApplies(), n.id() + " entries applied without data");
        assertEquals(0, c.mergeSourceMissing(), n.id() + " merge source not ready");
        assertEquals(0, c.replies(Reply.Status.STORE_ERROR), n.id() + " store errors replied");
    }

    void assertHealthy()
    {
        final List<String> d = divergences();
        assertTrue(d.isEmpty(), "divergences: " + d);
        running.values().forEach(LocalCluster::checkClean);
    }

    @Override
    public void close()
    {
        for (final String id : new ArrayList<>(running.keySet()))
        {
            stop(id);
        }
        assertTrue(leaks.isEmpty(), "memory in use after close: " + leaks);
    }
}
