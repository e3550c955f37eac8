package io.regioncache.ratis;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.rocksdb.ReadOptions;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;

import io.regioncache.store.MvccKeyCodec;

/**
 * Cross-replica checks: have the replicas converged, and do they agree (every replica's RocksDB equal per region,
 * every cached region equal to its node's RocksDB)? Over nodes running in this JVM (the tool's
 * {@code drive --replicas}) or over {@link ReplicaState}s fetched from each node's HTTP endpoint
 * ({@code drive --cluster}).
 */
public final class ReplicaCheck
{
    private ReplicaCheck()
    {
    }

    /**
     * @param nodes running nodes.
     * @return every region hosted anywhere, by the highest epoch any node knows.
     */
    public static Map<Long, RegionMeta> regions(final Collection<ReplicaNode> nodes)
    {
        return regionsOf(states(nodes, false));
    }

    /**
     * @param states nodes' states.
     * @return every region hosted anywhere, by the highest epoch any node knows.
     */
    public static Map<Long, RegionMeta> regionsOf(final Collection<ReplicaState> states)
    {
        final Map<Long, RegionMeta> all = new TreeMap<>();
        for (final ReplicaState n : states)
        {
            n.replicas().forEach((id, r) -> all.merge(id, r.meta(),
                (a, b) -> a.epochVersion() >= b.epochVersion() ? a : b));
        }
        return all;
    }

    private static List<ReplicaState> states(final Collection<ReplicaNode> nodes, final boolean digests)
    {
        final List<ReplicaState> out = new ArrayList<>(nodes.size());
        for (final ReplicaNode n : nodes)
        {
            out.add(ReplicaState.of(n, digests));
        }
        return out;
    }

    /**
     * @param nodes running nodes.
     * @return null if every node hosts every region with the same view, applied up to the region's commit index,
     *         and the ranges tile the key space; otherwise what is not so.
     */
    public static String convergenceProblem(final Collection<ReplicaNode> nodes)
    {
        return convergenceProblemOf(states(nodes, false));
    }

    /**
     * @param states every node's state, taken after the workload stopped.
     * @return null if every node hosts every region with the same view, applied up to the region's commit index
     *         (the highest any node reports), and the ranges tile the key space; otherwise what is not so.
     */
    public static String convergenceProblemOf(final Collection<ReplicaState> states)
    {
        final Map<Long, RegionMeta> all = regionsOf(states);
        for (final Map.Entry<Long, RegionMeta> e : all.entrySet())
        {
            final long id = e.getKey();
            long commit = -1;
            for (final ReplicaState n : states)
            {
                final ReplicaState.Replica r = n.replicas().get(id);
                commit = Math.max(commit, r == null ? -1 : r.commitIndex());
            }
            for (final ReplicaState n : states)
            {
                final ReplicaState.Replica r = n.replicas().get(id);
                if (r == null)
                {
                    return n.node() + " has no data for region " + id;
                }
                if (!r.meta().equals(e.getValue()))
                {
                    return n.node() + " sees " + r.meta() + ", another node " + e.getValue();
                }
                if (r.appliedIndex() != commit)
                {
                    return n.node() + " applied " + r.appliedIndex() + " of region " + id + ", commit " + commit;
                }
            }
        }
        final Map<String, RegionMeta> byStart = new TreeMap<>();
        all.values().forEach(m -> byStart.put(HexFormat.of().formatHex(m.start()), m));
        byte[] expect = new byte[0];
        for (final RegionMeta m : byStart.values())
        {
            if (!Arrays.equals(m.start(), expect))
            {
                return "ranges do not tile: gap or overlap before " + m;
            }
            expect = m.end();
        }
        return expect.length == 0 ? null : "last region does not reach +inf";
    }

    /**
     * @param nodes     running nodes.
     * @param timeoutMs how long to wait.
     * @return null once converged, else the last problem seen.
     * @throws InterruptedException if interrupted.
     */
    public static String awaitConverged(final Collection<ReplicaNode> nodes, final long timeoutMs)
        throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + timeoutMs;
        String why = convergenceProblem(nodes);
        while (why != null && System.currentTimeMillis() < deadline)
        {
            Thread.sleep(50);
            why = convergenceProblem(nodes);
        }
        return why;
    }

    /**
     * Call on converged replicas.
     *
     * @param nodes running nodes.
     * @return the divergences: regions whose stored entries (every MVCC version) differ between replicas, cached
     *         regions that differ from their node's RocksDB; empty if none.
     */
    public static List<String> divergences(final Collection<ReplicaNode> nodes)
    {
        return divergencesOf(states(nodes, true));
    }

    /**
     * @param states every node's state with digests ({@code GET /digests}), taken on converged replicas.
     * @return the divergences: a region whose replicas' digests differ, are missing or were taken at different
     *         applied indexes; a cached region that differs from its node's RocksDB; empty if none.
     */
    public static List<String> divergencesOf(final Collection<ReplicaState> states)
    {
        final List<String> out = new ArrayList<>();
        for (final RegionMeta m : regionsOf(states).values())
        {
            final Map<String, String> digests = new TreeMap<>();
            for (final ReplicaState n : states)
            {
                final ReplicaState.Replica r = n.replicas().get(m.id());
                digests.put(n.node(), r == null ? "absent" : r.digest() + "@" + r.appliedIndex());
            }
            if (new TreeSet<>(digests.values()).size() != 1 || digests.containsValue("absent")
                || digests.values().stream().anyMatch(d -> d.startsWith("null@")))
            {
                out.add("region " + m + " differs: " + digests);
            }
        }
        for (final ReplicaState n : states)
        {
            out.addAll(n.cacheDivergences());
        }
        return out;
    }

    /**
     * @param n a node.
     * @param m a region.
     * @return count and SHA-256 prefix of every stored entry of the region's range on the node.
     */
    public static String digest(final ReplicaNode n, final RegionMeta m)
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
                    md.update((byte) 0);
                    md.update(it.value());
                    md.update((byte) 0);
                    count++;
                }
            }
            return count + ":" + HexFormat.of().formatHex(md.digest(), 0, 6);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
