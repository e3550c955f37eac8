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

import io.regioncache.SnapshotStatus;
import io.regioncache.hybrid.CrossCheck;
import io.regioncache.store.MvccKeyCodec;

/**
 * Cross-replica checks over nodes running in one JVM (the tool's {@code drive --replicas}): have the replicas
 * converged, and do they agree (every replica's RocksDB equal per region, every cached region equal to its node's
 * RocksDB)?
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
        final Map<Long, RegionMeta> all = new TreeMap<>();
        for (final ReplicaNode n : nodes)
        {
            n.regions().forEach((id, m) -> all.merge(id, m, (a, b) -> a.epochVersion() >= b.epochVersion() ? a : b));
        }
        return all;
    }

    /**
     * @param nodes running nodes.
     * @return null if every node hosts every region with the same view, applied up to the region's commit index,
     *         and the ranges tile the key space; otherwise what is not so.
     */
    public static String convergenceProblem(final Collection<ReplicaNode> nodes)
    {
        final Map<Long, RegionMeta> all = regions(nodes);
        for (final Map.Entry<Long, RegionMeta> e : all.entrySet())
        {
            final long id = e.getKey();
            long commit = -1;
            for (final ReplicaNode n : nodes)
            {
                commit = Math.max(commit, n.commitIndex(id));
            }
            for (final ReplicaNode n : nodes)
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
        final List<String> out = new ArrayList<>();
        for (final RegionMeta m : regions(nodes).values())
        {
            final Map<String, String> digests = new TreeMap<>();
            for (final ReplicaNode n : nodes)
            {
                digests.put(n.id(), digest(n, m));
            }
            if (new TreeSet<>(digests.values()).size() != 1)
            {
                out.add("region " + m + " differs: " + digests);
            }
        }
        for (final ReplicaNode n : nodes)
        {
            for (final CrossCheck.Report r : CrossCheck.checkAll(n.engine()))
            {
                if (r.status() == SnapshotStatus.OK && !r.ok())
                {
                    out.add(n.id() + " cache of region " + r.regionId() + " differs from its RocksDB: " +
                        r.divergences());
                }
            }
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
