package io.regioncache.ratis.blackbox6;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BooleanSupplier;

import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.ProgressSignal;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaCheck;
import io.regioncache.ratis.ReplicaNode;

/** A small in-process cluster built from public API only (ReplicaNode, LocalNodes.freePorts, ReplicaCheck). */
final class Cluster6 implements AutoCloseable
{
    static final long DEADLINE_MS = 30_000;

    final Path root;
    final Map<String, String> peers = new LinkedHashMap<>();
    /** Running nodes; a concurrent map so ReplicaCheck.of(running.values()) reads it live. */
    final Map<String, ReplicaNode> running = new ConcurrentSkipListMap<>();
    final List<String> leaks = new ArrayList<>();

    private final java.util.function.Consumer<ReplicaNode.Config> tune;

    Cluster6(final Path root, final int n) throws IOException
    {
        this(root, n, c -> { });
    }

    Cluster6(final Path root, final int n, final java.util.function.Consumer<ReplicaNode.Config> tune)
        throws IOException
    {
        this.root = root;
        this.tune = tune;
        final int[] ports = LocalNodes.freePorts(n);
        for (int i = 1; i <= n; i++)
        {
            peers.put("n" + i, "127.0.0.1:" + ports[i - 1]);
        }
        for (final String id : peers.keySet())
        {
            start(id);
        }
    }

    ReplicaNode start(final String id) throws IOException
    {
        final ReplicaNode.Config config = new ReplicaNode.Config(id, peers, root.resolve(id));
        tune.accept(config);
        final ReplicaNode node = ReplicaNode.start(config);
        running.put(id, node);
        return node;
    }

    void stop(final String id)
    {
        final ReplicaNode node = running.remove(id);
        node.close();
        final long inUse = node.engine().cache().memoryInUse();
        if (inUse != 0)
        {
            leaks.add(id + ": " + inUse);
        }
    }

    RegionClient client()
    {
        return new RegionClient(peers);
    }

    Collection<ReplicaNode> nodes()
    {
        return running.values();
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

    /** Wait (on the nodes' progress signals, generous deadline) for a condition; false if it never held. */
    boolean await(final BooleanSupplier condition) throws InterruptedException
    {
        final List<ProgressSignal> signals = new ArrayList<>();
        running.values().forEach(n -> signals.add(n.progress()));
        return ProgressSignal.await(signals, condition, DEADLINE_MS);
    }

    String awaitLeader(final long regionId) throws InterruptedException
    {
        final String[] l = new String[1];
        if (!await(() -> (l[0] = leaderOf(regionId)) != null))
        {
            throw new AssertionError("no leader for region " + regionId + " in " + DEADLINE_MS + " ms");
        }
        return l[0];
    }

    /** @return null once converged, else the last problem (ReplicaCheck's documented in-process wait). */
    String awaitConverged() throws InterruptedException
    {
        return ReplicaCheck.awaitConverged(running.values(), DEADLINE_MS);
    }

    List<String> divergences()
    {
        return ReplicaCheck.divergences(running.values());
    }

    /** Sum of mergeSourceMissing over running nodes ("checked zero by every test"). */
    long mergeSourceMissing()
    {
        return running.values().stream().mapToLong(n -> n.counters().mergeSourceMissing()).sum();
    }

    long internalErrors()
    {
        long sum = 0;
        for (final ReplicaNode n : running.values())
        {
            sum += io.regioncache.ratis.ReplicaState.of(n, false).internalErrors();
        }
        return sum;
    }

    Map<Long, RegionMeta> regions()
    {
        return ReplicaCheck.regions(running.values());
    }

    /** Region holding a key by the nodes' views (highest epoch known). */
    RegionMeta regionOf(final byte[] key)
    {
        for (final RegionMeta m : regions().values())
        {
            if (m.contains(key))
            {
                return m;
            }
        }
        return null;
    }

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(final byte[] b)
    {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static TreeMap<String, String> asMap(final List<io.regioncache.ratis.ScanPage.KeyValue> kvs)
    {
        final TreeMap<String, String> m = new TreeMap<>();
        kvs.forEach(kv -> m.put(s(kv.key()), s(kv.value())));
        return m;
    }

    @Override
    public void close()
    {
        for (final String id : new ArrayList<>(running.keySet()))
        {
            stop(id);
        }
    }
}
