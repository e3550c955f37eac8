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
    private final Map<String, Long> expectedRestarts = new HashMap<>();
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

    /**
     * Wait until a region has a leader that a running node leads or hears, for clusters with a node in another
     * process (which {@link #awaitLeader} cannot ask: a region whose election the other process won would time out).
     *
     * @return the leader's id.
     */
    String awaitLeaderHeard(final long regionId, final long timeoutMs) throws InterruptedException
    {
        final String[] leader = new String[1];
        await(() ->
        {
            for (final ReplicaNode n : running.values())
            {
                final String heard = n.heardLeader(regionId);
                if (heard != null)
                {
                    leader[0] = heard;
                    return true;
                }
            }
            return false;
        }, timeoutMs, "a leader (led or heard by a running node) for region " + regionId);
        return leader[0];
    }

    String awaitLeader(final long regionId, final long timeoutMs) throws InterruptedException
    {
        final String[] leader = new String[1];
        await(() -> (leader[0] = leaderOf(regionId)) != null, timeoutMs, "a leader for region " + regionId);
        return leader[0];
    }

    /**
     * @return the leader changes every running node has seen so far, summed ({@link NodeCounters#leaderChanges()}:
     *         each replica counts each change of its group's leader, a candidate's "no leader" included).
     */
    long leaderChanges()
    {
        return running.values().stream().mapToLong(n -> n.counters().leaderChanges()).sum();
    }

    /**
     * A read through {@link History#tryRead}, that must be answered. An election timeout is in reach of a loaded
     * machine's stalls (600-1,200 ms), and a read caught in the election can exhaust its retries: a read that failed
     * while a node saw a leader change is asked again (3 attempts at most); one that failed while every leader stayed
     * fails the test.
     */
    void readAnswered(final History h, final RegionClient client, final String key, final String node)
    {
        for (int attempt = 1; ; attempt++)
        {
            final long changes = leaderChanges();
            final RegionClientException ex = h.tryRead(client, key, node);
            if (ex == null)
            {
                return;
            }
            final long now = leaderChanges();
            if (attempt == 3 || now == changes)
            {
                throw new AssertionError("read of " + key + " through " + (node == null ? "the leader" : node) +
                    " failed (attempt " + attempt + ", leader changes " + changes + " -> " + now + "): " + ex +
                    describe(), ex);
            }
            System.out.println("read of " + key + " failed during a leader change, asking again: " + ex);
        }
    }

    /**
     * @return whether a transfer failed as a correct cluster's election can make it: {@code TIMED_OUT} (the target
     *         did not win in time) or {@code DIFFERENT_LEADER} (an election timeout under load elected another node
     *         first).
     */
    static boolean electionOutcome(final RegionClientException ex)
    {
        final String m = String.valueOf(ex.getMessage());
        return m.contains("TIMED_OUT") || m.contains("DIFFERENT_LEADER");
    }

    /**
     * Move a region's leadership to a running node and wait until it leads and {@code ready} holds. Ratis gives a
     * transfer 10 s for the target to win its election: a transfer that timed out (a node starved on a loaded
     * machine) or met another leader elected first ({@link #electionOutcome}) is asked again, as is one whose target
     * then lost the leadership to an election timeout before {@code ready} held (another node leads); three attempts
     * at most. A target that leads but never gets ready fails the wait.
     */
    void transferLeader(final RegionClient client, final long regionId, final String node, final BooleanSupplier ready,
        final String what) throws InterruptedException
    {
        final ReplicaNode target = running.get(node);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                client.transferLeader(regionId, node);
            }
            catch (final RegionClientException ex)
            {
                if (attempt == 3 || !electionOutcome(ex))
                {
                    throw ex;
                }
                System.out.println("transfer of region " + regionId + " to " + node + " failed, asking again: " +
                    ex);
                continue;
            }
            final java.util.function.Supplier<Boolean> lostIt = () ->
            {
                final String l = leaderOf(regionId);
                return !target.isLeader(regionId) && l != null && !l.equals(node);
            };
            await(() -> target.isLeader(regionId) && ready.getAsBoolean() || lostIt.get(), what);
            if (target.isLeader(regionId) && ready.getAsBoolean())
            {
                return;
            }
            // The wait ended without ready: another node led meanwhile (an election the target lost).
            if (attempt == 3)
            {
                throw new AssertionError(what + ": " + node + " lost the leadership of region " + regionId +
                    " to an election " + attempt + " times" + describe());
            }
            System.out.println(node + " lost the leadership of region " + regionId + " before " + what +
                ", transferring again");
        }
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
            final Map<Long, Long> waiting = n.awaitingSnapshots();
            if (!waiting.isEmpty())
            {
                sb.append("waiting for a snapshot (region=ms): ").append(waiting).append("; ");
            }
            sb.append("Ratis divisions: ").append(n.divisions()).append("; ");
            sb.append("group_op_failures=").append(n.counters().groupOpFailures())
                .append(" group_create_retries=").append(n.counters().groupCreateRetries())
                .append(" group_start_retries=").append(n.counters().groupStartRetries())
                .append(" snapshot_stall_nudges=").append(n.counters().snapshotStallNudges());
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

    /** A test that closes a node's Ratis division on purpose expects that many restarts of it. */
    void expectReplicaRestarts(final String node, final long n)
    {
        expectedRestarts.put(node, n);
    }

    void assertHealthy()
    {
        final List<String> d = divergences();
        assertTrue(d.isEmpty(), "divergences: " + d);
        running.values().forEach(LocalCluster::checkClean);
        // A restart means Ratis closed a division on an error (an apply or snapshot install that threw).
        running.values().forEach(n -> assertEquals((long) expectedRestarts.getOrDefault(n.id(), 0L),
            n.counters().replicaRestarts(), n.id() + " replicas Ratis closed and the node restarted"));
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
