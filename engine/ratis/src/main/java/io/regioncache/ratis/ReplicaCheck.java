package io.regioncache.ratis;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.concurrent.atomic.AtomicReference;


import io.regioncache.BackingSnapshot;
import io.regioncache.store.MvccKeyCodec;

/**
 * Cross-replica checks: have the replicas converged, and do they agree (every replica's RocksDB equal per region,
 * every cached region equal to its node's RocksDB)? Over nodes running in this JVM (the tool's
 * {@code drive --replicas}) or over {@link ReplicaState}s fetched from each node's HTTP endpoint
 * ({@code drive --cluster}).
 */
public final class ReplicaCheck
{
    /**
     * How long digests are retaken while they disagree: a late apply can move an index while a node hashes, and a
     * leader elected after convergence (an election timeout under load) appends an entry a follower applies only
     * after the next heartbeat, which a loaded machine can delay past a second. Agreeing digests end the wait at
     * once; only a disagreement waits it out.
     */
    private static final long DIGEST_SETTLE_MS = 10_000;
    /** Over HTTP a remote node's progress is not seen here: its state is fetched again this often. */
    private static final long REMOTE_POLL_MS = 50;

    /** A condition over nodes' states. */
    @FunctionalInterface
    public interface Condition
    {
        /**
         * @return true when it holds.
         * @throws IOException if a node does not answer.
         */
        boolean holds() throws IOException;
    }

    /** Where nodes' states come from: nodes in this JVM ({@link #of}) or their HTTP endpoints. */
    @FunctionalInterface
    public interface Source
    {
        /**
         * @param digests with per-region digests and the cache cross-check.
         * @return every node's state now.
         * @throws IOException if a node does not answer.
         */
        List<ReplicaState> states(boolean digests) throws IOException;

        /**
         * Wait until the condition holds. Remote nodes (another process, over HTTP) are asked again every 50 ms:
         * their progress is not visible here; nodes in this JVM override this to wait on their
         * {@link ReplicaNode#progress() progress signals}.
         *
         * @param condition what to wait for, evaluated at once and then after each progress.
         * @param timeoutMs how long to wait.
         * @return true once it held, false if it did not in time.
         * @throws IOException          if a node does not answer.
         * @throws InterruptedException if interrupted.
         */
        default boolean await(final Condition condition, final long timeoutMs) throws IOException, InterruptedException
        {
            // toNanos saturates (a timeout of Long.MAX_VALUE ms waits for good instead of wrapping to a deadline in
            // the past), and the elapsed time is compared as a difference (nanoTime may wrap).
            final long waitNs = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            final long start = System.nanoTime();
            while (!condition.holds())
            {
                if (System.nanoTime() - start >= waitNs)
                {
                    return false;
                }
                Thread.sleep(REMOTE_POLL_MS);
            }
            return true;
        }
    }

    private ReplicaCheck()
    {
    }

    /**
     * @param nodes running nodes, read live at each call (a collection that changes as nodes stop and start is fine).
     * @return their states, taken in this JVM.
     */
    public static Source of(final Collection<ReplicaNode> nodes)
    {
        return new Source()
        {
            @Override
            public List<ReplicaState> states(final boolean digests)
            {
                return ReplicaCheck.states(nodes, digests);
            }

            @Override
            public boolean await(final Condition condition, final long timeoutMs) throws InterruptedException
            {
                final List<ProgressSignal> signals = new ArrayList<>();
                for (final ReplicaNode n : nodes)
                {
                    signals.add(n.progress());
                }
                return ProgressSignal.await(signals, () ->
                {
                    try
                    {
                        return condition.holds();
                    }
                    catch (final IOException ex)
                    {
                        throw new UncheckedIOException(ex); // in-process states do no I/O
                    }
                }, timeoutMs);
            }
        };
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
        if (all.isEmpty())
        {
            return states.isEmpty() ? "no node state to check" : "no node hosts any region: nothing tiles the key space";
        }
        final Map<String, RegionMeta> byStart = new TreeMap<>();
        for (final RegionMeta m : all.values())
        {
            final RegionMeta other = byStart.put(HexFormat.of().formatHex(m.start()), m);
            if (other != null)
            {
                return "ranges do not tile: " + other + " and " + m + " start at the same key";
            }
        }
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
        try
        {
            return awaitConverged(of(nodes), timeoutMs);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex); // in-process states do no I/O
        }
    }

    /**
     * Wait until the states show convergence ({@link #convergenceProblemOf}), re-checked on each node's progress
     * ({@link Source#await}).
     *
     * @param nodes     where the states come from.
     * @param timeoutMs how long to wait.
     * @return null once converged, else the last problem seen.
     * @throws IOException          if a node does not answer.
     * @throws InterruptedException if interrupted.
     */
    public static String awaitConverged(final Source nodes, final long timeoutMs)
        throws IOException, InterruptedException
    {
        final String[] why = new String[1];
        nodes.await(() -> (why[0] = convergenceProblemOf(nodes.states(false))) == null, timeoutMs);
        return why[0];
    }

    /**
     * @param nodes     where the states come from.
     * @param regionId  a region.
     * @param timeoutMs how long to wait.
     * @return the node that leads the region, once one does.
     * @throws IOException          if a node does not answer.
     * @throws InterruptedException if interrupted.
     * @throws IllegalStateException if no node leads it in time.
     */
    public static String awaitLeader(final Source nodes, final long regionId, final long timeoutMs)
        throws IOException, InterruptedException
    {
        final String[] leader = new String[1];
        final boolean found = nodes.await(() ->
        {
            for (final ReplicaState n : nodes.states(false))
            {
                final ReplicaState.Replica r = n.replicas().get(regionId);
                if (r != null && "LEADER".equals(r.role()))
                {
                    leader[0] = n.node();
                    return true;
                }
            }
            return false;
        }, timeoutMs);
        if (!found)
        {
            throw new IllegalStateException("no leader for region " + regionId + " after " + timeoutMs + " ms");
        }
        return leader[0];
    }

    /**
     * Call on converged replicas: takes every node's digests, and retakes them (for up to 10 s, after each
     * node's progress) while they disagree, since a late apply (an automatic snapshot's bookkeeping, a new leader's
     * first entry) can move an applied index while a node hashes; a real divergence stays.
     *
     * @param nodes where the states come from.
     * @return the last states taken, with digests; check them with {@link #divergencesOf}.
     * @throws IOException          if a node does not answer.
     * @throws InterruptedException if interrupted.
     */
    public static List<ReplicaState> settledDigests(final Source nodes) throws IOException, InterruptedException
    {
        final AtomicReference<List<ReplicaState>> last = new AtomicReference<>();
        nodes.await(() ->
        {
            last.set(nodes.states(true));
            return divergencesOf(last.get()).isEmpty();
        }, DIGEST_SETTLE_MS);
        return last.get();
    }

    /**
     * Call on converged replicas ({@link #settledDigests}).
     *
     * @param nodes running nodes.
     * @return the divergences: regions whose stored entries (every MVCC version) differ between replicas, cached
     *         regions that differ from their node's RocksDB; empty if none.
     */
    public static List<String> divergences(final Collection<ReplicaNode> nodes)
    {
        try
        {
            return divergencesOf(settledDigests(of(nodes)));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex); // in-process states do no I/O
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return List.of("interrupted while comparing digests");
        }
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
     * @throws io.regioncache.StoreException if the node's store is closed (or closes during the scan).
     */
    public static String digest(final ReplicaNode n, final RegionMeta m)
    {
        // Through a store snapshot, not the raw RocksDB handle: the store's lifecycle lock keeps a close (a node
        // stopping while its HTTP endpoint answers /digests) from releasing the database under the scan, which a raw
        // iterator on db() read after release (a native use-after-free). The bytes hashed are the stored ones,
        // rebuilt: the stored key (memcomparable key + ~version) and the stored value (flag byte + value).
        try (BackingSnapshot snap = n.rocks().openSnapshot())
        {
            final MessageDigest md = MessageDigest.getInstance("SHA-256");
            final long[] count = {0};
            final byte[] put = {MvccKeyCodec.FLAG_PUT};
            final byte[] delete = {MvccKeyCodec.FLAG_DELETE};
            snap.scan(m.start(), m.end(), (key, keyOffset, keyLength, version, value, valueOffset, valueLength) ->
            {
                final byte[] k = new byte[keyLength];
                key.getBytes(keyOffset, k);
                md.update(MvccKeyCodec.encode(k, version));
                md.update((byte) 0);
                if (value == null)
                {
                    md.update(delete);
                }
                else
                {
                    final byte[] v = new byte[valueLength];
                    value.getBytes(valueOffset, v);
                    md.update(put);
                    md.update(v);
                }
                md.update((byte) 0);
                count[0]++;
                return true;
            });
            return count[0] + ":" + HexFormat.of().formatHex(md.digest(), 0, 6);
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
