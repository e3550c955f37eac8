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

    /**
     * Split so that [prefix, prefix-end) is one region of its own (a split at a key that already starts a region is
     * refused INVALID, which is fine here).
     *
     * @return that region, with exactly that range.
     */
    static RegionMeta isolate(final RegionClient c, final String prefix)
    {
        final String end = prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
        for (final String k : List.of(prefix, end))
        {
            try
            {
                c.split(b(k));
            }
            catch (final io.regioncache.ratis.RegionClientException ex)
            {
                org.junit.jupiter.api.Assertions.assertEquals(io.regioncache.ratis.Reply.Status.INVALID, ex.status(),
                    "split at a key that already starts a region");
            }
        }
        c.refresh();
        final RegionMeta m = c.locate(b(prefix));
        org.junit.jupiter.api.Assertions.assertArrayEquals(b(prefix), m.start());
        org.junit.jupiter.api.Assertions.assertArrayEquals(b(end), m.end());
        return m;
    }

    /**
     * README, Fault scenarios: "replicas converged (every running node hosts every region with the same view and has
     * applied the region's commit index; ranges tile the key space), zero divergences"; "a target replica that still
     * meets an unprepared source is counted (mergeSourceMissing, checked zero by every test)".
     */
    void assertConvergedAndClean() throws InterruptedException
    {
        org.junit.jupiter.api.Assertions.assertNull(awaitConverged(), "README: replicas converged");
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), divergences(), "README: zero divergences");
        org.junit.jupiter.api.Assertions.assertEquals(0, mergeSourceMissing(),
            "README: mergeSourceMissing checked zero by every test");
        org.junit.jupiter.api.Assertions.assertEquals(0, internalErrors(),
            "README: zero INTERNAL_ERROR, STORE_ERROR, malformed log entries");
    }
}
