package io.regioncache.ratis.blackbox30;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionClientException;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.blackbox30.Linearizability30.Budget;
import io.regioncache.ratis.blackbox30.Linearizability30.Kind;
import io.regioncache.ratis.blackbox30.Linearizability30.Op;
import io.regioncache.ratis.blackbox30.Linearizability30.Recorder;
import io.regioncache.ratis.blackbox30.Linearizability30.Result;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Jepsen-style check of the README's read promise ("Versions": a read without a version "sees every write
 * acknowledged before the read began (linearizable per region)", at the leader through {@code RegionClient.get} and at
 * a follower through {@code getFromFollower}, ReadIndex) on a real 3-node cluster, with <em>several concurrent
 * writers per key</em>, which the project's one-writer {@code KeyHistory} cannot check.
 * <p>
 * Five client threads, each with its own {@link RegionClient}, work on 8 hot keys spread over two regions (three
 * while a split is in place). Every thread writes (puts of values unique to the thread and its sequence number, some
 * deletes) and reads (half at the leader, half through a random node, the stopped one included: those reads fail and
 * are dropped). A fault thread meanwhile moves leaderships, splits a region, stops a node and starts it again from
 * its directory, and merges the split-off region back (committed), each a documented call. Every key's history then
 * goes through {@link Linearizability30} (Wing &amp; Gong with Lowe's memoization): a write that threw is
 * indeterminate (it may have applied, late, or never). The README's end checks (converged, no divergence, no
 * internal errors, no region left merging) and two consequences of "Versions" follow:
 * <ul>
 * <li>reads of one region that do not overlap in real time carry non-decreasing read versions: a read is served at
 * its replica's last applied version after ReadIndex, an applied entry is committed, so the next read's ReadIndex
 * covers it, and versions "strictly increase in each region's log order" and are "identical on every replica";</li>
 * <li>a read that began after the put whose value it returned was acknowledged carries a read version at least
 * that put's version (the put was applied at that version before its answer, and the read sees every write
 * acknowledged before it began).</li>
 * </ul>
 * A read concurrent with its put may carry a lower read version: the README says a write whose answer was lost "is
 * sent again, so a put or batch may be applied twice with the same values", and the put then returns the second
 * application's version while a read saw the first. Such puts are counted and printed as "applied twice", not
 * failed: the linearizability check still covers them (the put is one operation over its whole interval, so a value
 * that comes back after another client's write in between fails it).
 * The seed drives every draw (keys, operations, nodes, fault targets), not the threads' timing; it is printed and
 * named on failure, {@code -Dbb30.seed=N} replays it, {@code -Dbb30.seconds=N} sets the workload's length (default
 * 25 s; the whole test takes about 35-40 s on the shared 2-core machine).
 */
class LinearizableHistory30Test
{
    private static final int THREADS = 5;
    private static final String[] KEYS = {"lin30/a", "lin30/b", "lin30/c", "lin30/d", "lin30/e", "lin30/f",
        "lin30/g", "lin30/h"};
    /** The split at start: two regions of four keys each. */
    private static final String FIRST_SPLIT = "lin30/e";
    /** The fault's split, undone by the fault's merge. */
    private static final String FAULT_SPLIT = "lin30/c";

    /**
     * Ratis' retries per call of each client thread: the README's default (60, 100 ms apart) unless
     * {@code -Dbb30.retries=N}. With 1, calls caught in an election give up at once and the client re-sends a write
     * whose answer was lost, which applies it twice and can break the key's linearizability
     * ({@link ResentPut30Test}, disabled: a known limit the README documents).
     */
    private static final Integer RETRIES = Integer.getInteger("bb30.retries");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void concurrentWritersAndReadersUnderFaultsKeepEveryKeyLinearizable() throws Throwable
    {
        final long seed = Long.getLong("bb30.seed", new SecureRandom().nextLong());
        final long seconds = Long.getLong("bb30.seconds", 25);
        System.out.println("bb30 LinearizableHistory30Test seed " + seed + " (replay: -Dbb30.seed=" + seed + ")");
        final List<String> log = Collections.synchronizedList(new ArrayList<>());
        try
        {
            run(seed, seconds, log);
        }
        catch (final Throwable t)
        {
            throw new AssertionError("seed " + seed + " (replay with -Dbb30.seed=" + seed + "): " + t.getMessage()
                + "\nfault log: " + log, t);
        }
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String s(final byte[] v)
    {
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    /** What the client threads did, for the report. */
    private static final class Counts
    {
        final AtomicLong acked = new AtomicLong();
        final AtomicLong indeterminate = new AtomicLong();
        final AtomicLong reads = new AtomicLong();
        final AtomicLong followerReads = new AtomicLong();
        final AtomicLong failedReads = new AtomicLong();
        final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();

        void failed(final String op, final RuntimeException ex)
        {
            final String why = ex instanceof RegionClientException r ? r.status().toString()
                : ex.getClass().getSimpleName();
            failures.computeIfAbsent(op + " " + why, k -> new AtomicLong()).incrementAndGet();
        }

        @Override
        public String toString()
        {
            return acked + " writes acknowledged, " + indeterminate + " indeterminate, " + reads + " reads answered ("
                + followerReads + " through a chosen node), " + failedReads + " failed and dropped; failures by kind "
                + new TreeMap<>(failures);
        }
    }

    private void run(final long seed, final long seconds, final List<String> log) throws Throwable
    {
        final long t0 = System.nanoTime();
        final Recorder history = new Recorder();
        final Counts counts = new Counts();
        final AtomicBoolean stop = new AtomicBoolean();
        final CountDownLatch aborted = new CountDownLatch(1);
        final AtomicReference<Throwable> crash = new AtomicReference<>();
        final Cluster30 cluster = new Cluster30(dir);
        final List<Thread> threads = new ArrayList<>();
        try (RegionClient admin = new RegionClient(cluster.peers))
        {
            cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID);
            final long left = admin.split(b(FIRST_SPLIT));
            cluster.awaitLeader(left);
            log.add(String.format("%.1fs split at %s: region %d left of it, root %d right", secs(t0), FIRST_SPLIT,
                left, ReplicaNode.ROOT_REGION_ID));
            final List<String> nodeIds = new ArrayList<>(cluster.peers.keySet());
            for (int t = 0; t < THREADS; t++)
            {
                final int me = t;
                final Random rnd = new Random(seed * 31 + t);
                final Thread th = new Thread(() ->
                {
                    try (RegionClient c = RETRIES == null ? new RegionClient(cluster.peers)
                        : RegionClient.builder(cluster.peers).retries(RETRIES).build())
                    {
                        int seq = 0;
                        while (!stop.get())
                        {
                            final String key = KEYS[rnd.nextInt(KEYS.length)];
                            final int p = rnd.nextInt(100);
                            if (p < 30)
                            {
                                write(c, history, counts, me, key, "t" + me + "-" + seq++);
                            }
                            else if (p < 36)
                            {
                                write(c, history, counts, me, key, null);
                            }
                            else
                            {
                                read(c, history, counts, me, key, p < 68 ? null
                                    : nodeIds.get(rnd.nextInt(nodeIds.size())));
                            }
                        }
                    }
                    catch (final Throwable ex)
                    {
                        crash.compareAndSet(null, ex);
                        aborted.countDown();
                    }
                }, "bb30-client-" + t);
                th.setDaemon(true);
                threads.add(th);
            }
            threads.forEach(Thread::start);
            faults(cluster, admin, new Random(seed), left, TimeUnit.SECONDS.toNanos(seconds), aborted, log, t0);
            stop.set(true);
            for (final Thread th : threads)
            {
                th.join(120_000);
                assertTrue(!th.isAlive(), th.getName() + " did not stop");
            }
            if (crash.get() != null)
            {
                throw crash.get();
            }
            log.add(String.format("%.1fs workload stopped: %s", secs(t0), counts));
            cluster.endChecks("after the workload");
            // The final state, read through every node after convergence, is part of each key's history.
            for (final String key : KEYS)
            {
                for (final String node : nodeIds)
                {
                    read(admin, history, counts, THREADS, key, node);
                }
            }
            final Map<String, List<Op>> ops = history.snapshot();
            final long c0 = System.nanoTime();
            final List<Result> results = Linearizability30.checkAll(ops, new Budget(20_000, 15_000_000_000L));
            final StringBuilder perKey = new StringBuilder();
            long checked = 0;
            for (final Result r : results)
            {
                checked += r.ops();
                perKey.append(' ').append(r.key()).append('=').append(r.ops()).append('/').append(r.dropped())
                    .append('/').append(r.steps());
            }
            System.out.println(String.format("bb30 seed %d: %s; %d ops recorded, %d checked in %.2f s "
                + "(key=ops/dropped indeterminate/steps:%s); overlapping in real time on one key: %s; regions at "
                + "the end %d; faults %s", seed, counts, history.size(), checked, (System.nanoTime() - c0) / 1e9,
                perKey, overlaps(ops), sortedRoutes(admin).size(), log));
            Linearizability30.assertAllLinearizable(results, "per-key linearizability");
            // The check has teeth on this very history: one read made provably stale must be flagged.
            final String busiest = results.stream().max(Comparator.comparingInt(Result::ops)).orElseThrow().key();
            final List<Op> planted = Linearizability30Test.makeOneReadStale(new Random(seed), ops.get(busiest));
            assertTrue(planted != null, "no read of " + busiest + " could be made stale");
            assertEquals(Linearizability30.Outcome.VIOLATION, Linearizability30.check(busiest, planted,
                new Budget(20_000, 15_000_000_000L)).outcome(), "a stale read planted in the history of " + busiest);
            assertEquals(List.of(), readVersionsGoingBack(ops), "read versions of one region going back");
            final List<String> twice = new ArrayList<>();
            assertEquals(List.of(), readsBelowTheirWrite(ops, twice), "reads begun after their put was "
                + "acknowledged, at a version below it");
            System.out.println("bb30 seed " + seed + ": puts seen applied twice (a read concurrent with the put saw "
                + "its value at a read version below the version the put returned): " + twice.size() + " " + twice);
            assertTrue(counts.acked.get() > 100, "too few writes to judge: " + counts);
        }
        finally
        {
            stop.set(true);
            final List<String> leaks = cluster.closeAll();
            if (!leaks.isEmpty())
            {
                throw new AssertionError("after close: " + leaks);
            }
        }
    }

    /**
     * @return how many pairs of ops on one key overlap in real time, write-write and read-write (indeterminate writes
     *         not counted): how much concurrency the checker had to resolve.
     */
    static String overlaps(final Map<String, List<Op>> history)
    {
        long ww = 0;
        long rw = 0;
        for (final List<Op> l : history.values())
        {
            final List<Op> byInvoke = new ArrayList<>(l);
            byInvoke.sort(Comparator.comparingLong(Op::invoke));
            for (int i = 0; i < byInvoke.size(); i++)
            {
                final Op a = byInvoke.get(i);
                if (a.indeterminate())
                {
                    continue; // overlaps everything after it: not counted
                }
                for (int j = i + 1; j < byInvoke.size() && byInvoke.get(j).invoke() <= a.complete(); j++)
                {
                    final Op o = byInvoke.get(j);
                    if (a.write() && o.write())
                    {
                        ww++;
                    }
                    else if (a.write() || o.write())
                    {
                        rw++;
                    }
                }
            }
        }
        return ww + " write-write pairs, " + rw + " read-write pairs";
    }

    private static double secs(final long t0)
    {
        return (System.nanoTime() - t0) / 1e9;
    }

    /** A put (value non-null) or a delete; one that threw is recorded indeterminate. */
    private static void write(final RegionClient c, final Recorder h, final Counts counts, final int client,
        final String key, final String value)
    {
        final long invoke = System.nanoTime();
        try
        {
            final long version = value == null ? c.delete(b(key)) : c.put(b(key), b(value));
            final long complete = System.nanoTime();
            h.add(key, new Op(client, value == null ? Kind.DELETE : Kind.PUT, value, invoke, complete, version, 0));
            counts.acked.incrementAndGet();
        }
        catch (final RuntimeException ex)
        {
            h.add(key, new Op(client, value == null ? Kind.DELETE : Kind.PUT, value, invoke, Linearizability30.NEVER,
                0, 0));
            counts.indeterminate.incrementAndGet();
            counts.failed(value == null ? "delete" : "put", ex);
        }
    }

    /** A read at the leader (node null) or through a node's ReadIndex; one that threw is dropped. */
    private static void read(final RegionClient c, final Recorder h, final Counts counts, final int client,
        final String key, final String node)
    {
        final long invoke = System.nanoTime();
        try
        {
            final RegionClient.ReadResult r = node == null ? c.get(b(key)) : c.getFromFollower(b(key), node);
            final long complete = System.nanoTime();
            h.add(key, new Op(client, Kind.GET, s(r.value()), invoke, complete, r.readVersion(), r.regionId()));
            counts.reads.incrementAndGet();
            if (node != null)
            {
                counts.followerReads.incrementAndGet();
            }
        }
        catch (final RuntimeException ex)
        {
            counts.failedReads.incrementAndGet();
            counts.failed(node == null ? "get" : "getFromFollower", ex);
        }
    }

    /**
     * The fault schedule, paced over the workload: each step waits for its moment (a fraction of the run) on the
     * {@code aborted} latch, so a crashed client ends the schedule at once. The pacing is the point (faults spread
     * over a running workload); nothing is waited for by time: each step's own effects are waited on (leaders, a
     * restarted node hosting every region) through the nodes' progress signals.
     */
    private static void faults(final Cluster30 cluster, final RegionClient admin, final Random rnd, final long left,
        final long durationNanos, final CountDownLatch aborted, final List<String> log, final long t0)
        throws Exception
    {
        final long start = System.nanoTime();
        final List<String> ids = new ArrayList<>(cluster.peers.keySet());
        final String victim = ids.get(rnd.nextInt(ids.size()));
        long splitOff = -1;
        String leaderVictim = null;
        final double[] at = {0.06, 0.12, 0.18, 0.24, 0.32, 0.40, 0.50, 0.60, 0.72, 0.82, 0.90, 1.0};
        for (int step = 0; step < at.length; step++)
        {
            final long due = start + (long) (at[step] * durationNanos);
            if (aborted.await(Math.max(0, due - System.nanoTime()), TimeUnit.NANOSECONDS))
            {
                log.add("fault schedule ended: a client crashed");
                return;
            }
            final String when = String.format("%.1fs ", secs(t0));
            switch (step)
            {
                case 0 -> log.add(when + transfer(admin, ReplicaNode.ROOT_REGION_ID, ids.get(rnd.nextInt(3))));
                case 1 -> log.add(when + transfer(admin, left, ids.get(rnd.nextInt(3))));
                case 2 ->
                {
                    try
                    {
                        splitOff = admin.split(b(FAULT_SPLIT));
                        log.add(when + "split at " + FAULT_SPLIT + ": region " + splitOff);
                    }
                    catch (final RegionClientException ex)
                    {
                        log.add(when + "split at " + FAULT_SPLIT + " refused " + ex.status());
                    }
                }
                case 3 -> log.add(when + stop(cluster, victim));
                case 4 ->
                {
                    final List<String> up = new ArrayList<>(cluster.running.keySet());
                    log.add(when + transfer(admin, ReplicaNode.ROOT_REGION_ID, up.get(rnd.nextInt(up.size()))));
                }
                case 5 -> log.add(when + restart(cluster, victim));
                case 6 ->
                {
                    if (splitOff != -1)
                    {
                        final long target = admin.locate(b(FAULT_SPLIT)).id();
                        log.add(when + "merge " + splitOff + " into " + target + ": " + mergeCommitted(admin,
                            splitOff, target));
                    }
                }
                case 7 ->
                {
                    // the second stop takes the leader of the left region under load: an election mid-write
                    leaderVictim = cluster.running.entrySet().stream().filter(e -> e.getValue().isLeader(left))
                        .map(Map.Entry::getKey).findFirst().orElse(ids.get(rnd.nextInt(3)));
                    log.add(when + stop(cluster, leaderVictim) + " (leading region " + left + ")");
                }
                case 8 -> log.add(when + restart(cluster, leaderVictim));
                case 9 -> log.add(when + transfer(admin, left, ids.get(rnd.nextInt(3))));
                case 10 -> log.add(when + transfer(admin, ReplicaNode.ROOT_REGION_ID, ids.get(rnd.nextInt(3))));
                default ->
                {
                    // the end of the workload
                }
            }
        }
    }

    /** Stop a node once every node hosts every region (one failure at a time, a split's child included). */
    private static String stop(final Cluster30 cluster, final String id) throws InterruptedException
    {
        if (!cluster.await(cluster::everyNodeHostsEveryRegion, 30_000))
        {
            throw new AssertionError("a node did not host every region before the stop of " + id + ": "
                + cluster.describe());
        }
        cluster.stop(id);
        return "stopped " + id;
    }

    /** Start a node again from its directory and wait until it hosts every region. */
    private static String restart(final Cluster30 cluster, final String id) throws Exception
    {
        cluster.start(id);
        final boolean back = cluster.await(cluster::everyNodeHostsEveryRegion, 60_000);
        return "restarted " + id + (back ? "" : " (not yet hosting every region after 60 s)");
    }

    private static String transfer(final RegionClient admin, final long region, final String to)
    {
        try
        {
            admin.transferLeader(region, to);
            return "leader of " + region + " to " + to + ": ok";
        }
        catch (final RegionClientException ex)
        {
            return "leader of " + region + " to " + to + ": " + ex.status();
        }
    }

    /**
     * Prepare and commit a merge; a commit refused is rolled back and the merge tried again (3 times at most), a
     * rollback refused because the merge is sealed is committed, as the README's fault thread does. A merge that
     * never committed fails the test: the schedule promises one.
     */
    private static String mergeCommitted(final RegionClient c, final long src, final long tgt)
    {
        final StringBuilder out = new StringBuilder();
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                c.prepareMerge(src, tgt);
            }
            catch (final RegionClientException ex)
            {
                out.append("prepare ").append(ex.status()).append("; ");
                continue;
            }
            out.append("prepared");
            boolean commit = true;
            for (int i = 0; i < 6; i++)
            {
                try
                {
                    if (commit)
                    {
                        c.commitMerge(src, tgt);
                        return out.append(", committed").toString();
                    }
                    c.rollbackMerge(src);
                    out.append(", rolled back; ");
                    break;
                }
                catch (final RegionClientException ex)
                {
                    out.append(commit ? ", commit " : ", rollback ").append(ex.status());
                    if (!commit && ex.status() == io.regioncache.ratis.Reply.Status.REGION_GONE)
                    {
                        return out.append(" (so it merged)").toString();
                    }
                    commit = !commit;
                }
            }
        }
        throw new AssertionError("merge of " + src + " into " + tgt + " never committed: " + out);
    }

    private static List<RegionMeta> sortedRoutes(final RegionClient c)
    {
        c.refresh();
        final List<RegionMeta> out = new ArrayList<>(c.routes());
        out.sort((x, y) -> java.util.Arrays.compareUnsigned(x.start(), y.start()));
        return out;
    }

    /**
     * Reads of one region (the region that served them) that do not overlap in real time: the later one's read
     * version must not be below the earlier one's.
     *
     * @return each read whose version is below that of a read of its region that completed before it was invoked.
     */
    static List<String> readVersionsGoingBack(final Map<String, List<Op>> history)
    {
        final Map<Long, List<Op>> byRegion = new TreeMap<>();
        history.values().forEach(l -> l.stream().filter(o -> o.kind() == Kind.GET && o.regionId() != 0)
            .forEach(o -> byRegion.computeIfAbsent(o.regionId(), k -> new ArrayList<>()).add(o)));
        final List<String> out = new ArrayList<>();
        byRegion.forEach((region, reads) ->
        {
            final List<Op> byComplete = new ArrayList<>(reads);
            byComplete.sort(Comparator.comparingLong(Op::complete));
            final List<Op> byInvoke = new ArrayList<>(reads);
            byInvoke.sort(Comparator.comparingLong(Op::invoke));
            int i = 0;
            Op maxBefore = null;
            for (final Op r : byInvoke)
            {
                while (i < byComplete.size() && byComplete.get(i).complete() < r.invoke())
                {
                    final Op done = byComplete.get(i++);
                    if (maxBefore == null || done.version() > maxBefore.version())
                    {
                        maxBefore = done;
                    }
                }
                if (maxBefore != null && r.version() < maxBefore.version() && out.size() < 20)
                {
                    out.add("region " + region + ": " + r.describe(maxBefore.invoke()) + " after "
                        + maxBefore.describe(maxBefore.invoke()));
                }
            }
        });
        return out;
    }

    /**
     * @param twice filled with the puts a read concurrent with them saw at a read version below the version they
     *              returned (the README's double application of a write whose answer was lost), one line each.
     * @return each read that began after the acknowledged put whose value it returned completed, at a read version
     *         below that put's version.
     */
    static List<String> readsBelowTheirWrite(final Map<String, List<Op>> history, final List<String> twice)
    {
        final List<String> out = new ArrayList<>();
        history.forEach((key, ops) ->
        {
            final Map<String, Op> puts = new java.util.HashMap<>();
            ops.stream().filter(o -> o.kind() == Kind.PUT && !o.indeterminate()).forEach(o -> puts.put(o.value(), o));
            final java.util.Set<String> seenTwice = new java.util.TreeSet<>();
            for (final Op r : ops)
            {
                final Op w = r.kind() == Kind.GET && r.value() != null ? puts.get(r.value()) : null;
                if (w == null || r.version() >= w.version())
                {
                    continue;
                }
                final String line = key + ": " + r.describe(w.invoke()) + " returned " + w.describe(w.invoke());
                if (r.invoke() > w.complete())
                {
                    if (out.size() < 20)
                    {
                        out.add(line);
                    }
                }
                else if (seenTwice.add(w.value()))
                {
                    twice.add(line + String.format(" (%.1f ms between the versions)",
                        ((w.version() >>> 16) - (r.version() >>> 16)) / 1.0));
                }
            }
        });
        return out;
    }
}
