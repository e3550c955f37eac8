package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

import io.regioncache.ResultCode;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.store.MvccKeyCodec;

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
        for (int i = 1; i <= n; i++)
        {
            peers.put("n" + i, "127.0.0.1:" + freePort());
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket s = new ServerSocket(0))
        {
            return s.getLocalPort();
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
        final long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline)
        {
            final String l = leaderOf(regionId);
            if (l != null)
            {
                return l;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no leader for region " + regionId);
    }

    /** Every region hosted anywhere, by the highest epoch any running node knows. */
    Map<Long, RegionMeta> regions()
    {
        final Map<Long, RegionMeta> all = new TreeMap<>();
        for (final ReplicaNode n : running.values())
        {
            n.regions().forEach((id, m) -> all.merge(id, m, (a, b) -> a.epochVersion() >= b.epochVersion() ? a : b));
        }
        return all;
    }

    /**
     * Wait until every running node hosts every live region with data and every replica applied the same index, equal
     * to the region's commit index.
     */
    void awaitConverged(final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + timeoutMs;
        String why = "";
        while (System.currentTimeMillis() < deadline)
        {
            why = convergenceProblem();
            if (why == null)
            {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("replicas did not converge in " + timeoutMs + " ms: " + why + "; regions " +
            describe());
    }

    private String convergenceProblem()
    {
        final Map<Long, RegionMeta> all = regions();
        for (final Map.Entry<Long, RegionMeta> e : all.entrySet())
        {
            final long id = e.getKey();
            long commit = -1;
            for (final ReplicaNode n : running.values())
            {
                commit = Math.max(commit, n.commitIndex(id));
            }
            for (final ReplicaNode n : running.values())
            {
                final RegionMeta m = n.regions().get(id);
                if (m == null)
                {
                    return n.id() + " has no data for region " + id;
                }
                if (!m.equals(e.getValue()))
                {
                    return n.id() + " sees " + m + ", another node " + e.getValue();
                }
                if (n.appliedIndex(id) != commit)
                {
                    return n.id() + " applied " + n.appliedIndex(id) + " of region " + id + ", commit " + commit;
                }
            }
        }
        // Ranges must tile the key space exactly once.
        byte[] expect = new byte[0];
        for (final RegionMeta m : new TreeMap<>(byStart(all)).values())
        {
            if (!java.util.Arrays.equals(m.start(), expect))
            {
                return "ranges do not tile: gap or overlap before " + m;
            }
            expect = m.end();
        }
        return expect.length == 0 ? null : "last region does not reach +inf";
    }

    private static Map<String, RegionMeta> byStart(final Map<Long, RegionMeta> all)
    {
        final Map<String, RegionMeta> out = new TreeMap<>();
        all.values().forEach(m -> out.put(HexFormat.of().formatHex(m.start()), m));
        return out;
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
     * Every replica's RocksDB equal per region (every stored entry of the range: all MVCC versions), every cached
     * region equal to its node's RocksDB, every node clean.
     *
     * @return the divergences (empty = none).
     */
    List<String> divergences()
    {
        final List<String> out = new ArrayList<>();
        for (final RegionMeta m : regions().values())
        {
            final Map<String, String> digests = new TreeMap<>();
            for (final ReplicaNode n : running.values())
            {
                digests.put(n.id(), digest(n, m));
            }
            if (new TreeSet<>(digests.values()).size() != 1)
            {
                out.add("region " + m + " differs: " + digests);
            }
        }
        for (final ReplicaNode n : running.values())
        {
            for (final CrossCheck.Report r : CrossCheck.checkAll(n.engine()))
            {
                if (r.status() == io.regioncache.SnapshotStatus.OK && !r.ok())
                {
                    out.add(n.id() + " cache of region " + r.regionId() + " differs from its RocksDB: " +
                        r.divergences());
                }
            }
        }
        return out;
    }

    /** @return count and SHA-256 of every stored entry of the region's range on one node. */
    static String digest(final ReplicaNode n, final RegionMeta m)
    {
        try (Slice lo = new Slice(MvccKeyCodec.encodeKey(m.start()));
             Slice hi = m.end().length == 0 ? null : new Slice(MvccKeyCodec.encodeKey(m.end()));
             ReadOptions ro = new ReadOptions().setIterateLowerBound(lo))
        {
            if (hi != null)
            {
                ro.setIterateUpperBound(hi);
            }
            final MessageDigest md = MessageDigest.getInstance("SHA-256");
            long count = 0;
            try (RocksIterator it = n.rocks().db().newIterator(ro))
            {
                for (it.seekToFirst(); it.isValid(); it.next())
                {
                    md.update(it.key());
                    md.update((byte)0);
                    md.update(it.value());
                    md.update((byte)0);
                    count++;
                }
            }
            return count + ":" + HexFormat.of().formatHex(md.digest(), 0, 6);
        }
        catch (final java.security.NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
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
