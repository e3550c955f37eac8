package io.regioncache.ratis.blackbox23;

import static io.regioncache.ratis.blackbox23.Cluster23.b;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionClientException;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaCheck;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.Reply;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded random fault schedule against the README's "Fault scenarios" end checks: while three writers (one per
 * key) write and delete and a reader reads through leaders and followers, one thread draws from the seed a sequence
 * of splits, merges prepared then committed or rolled back, a node stopped and restarted from its directory,
 * leadership transfers, and snapshots (with Ratis' purge up to them, over entries every running replica applied;
 * taken while a node is stopped too, so that it returns to logs that start past it and must install a snapshot or be
 * freed by the leader's log-start remedy: see {@link FollowerReturnsAtTermBoundaryTest}). At the end: every stopped node back, converged,
 * zero divergences, every read of the history allowed per key (no stale or lost read), every key equal on every
 * replica, zero INTERNAL_ERROR / STORE_ERROR / malformed entries / entries applied without data, zero bytes in use
 * after close.
 * <p>
 * The seed is printed, and named in the failure; replay with {@code -Dbb23.seed=N}. The fault phase lasts
 * {@code -Dbb23.seconds} (default 30) seconds.
 */
class RandomFaultScheduleTest
{
    private static final int KEYS = 48;
    private static final int WRITERS = 3;
    private static final int PAD = 48;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void randomFaultScheduleKeepsEveryReadAllowedAndReplicasEqual() throws Throwable
    {
        final long seed = Long.getLong("bb23.seed", new java.security.SecureRandom().nextLong());
        System.out.println("bb23 RandomFaultScheduleTest seed " + seed + " (replay: -Dbb23.seed=" + seed + ")");
        final List<String> log = Collections.synchronizedList(new ArrayList<>());
        try
        {
            run(seed, log);
        }
        catch (final Throwable t)
        {
            throw new AssertionError("seed " + seed + " (replay with -Dbb23.seed=" + seed + "): " + t.getMessage()
                + "\nfault schedule: " + log, t);
        }
    }

    private static String key(final int i)
    {
        return String.format("rk/%02d", i);
    }

    private void run(final long seed, final List<String> log) throws Throwable
    {
        final Random rnd = new Random(seed);
        final long faultMs = TimeUnit.SECONDS.toMillis(Long.getLong("bb23.seconds", 30));
        final History23 h = new History23();
        final List<String> all = new ArrayList<>();
        for (int i = 0; i < KEYS; i++)
        {
            all.add(key(i));
        }
        // Automatic snapshots off in effect (the README's are every 1,000 entries): logs are purged only by the
        // schedule's snapshots, of entries every running replica applied, whether or not a node is down (a purge
        // past a stopped node is what FollowerReturnsAtTermBoundaryTest found stranding it before the leader's
        // log-start remedy).
        final Cluster23 cluster = new Cluster23(dir, 3, c -> c.segmentSize(Cluster23.SMALL_SEGMENTS)
            .snapshotThreshold(1_000_000));
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Thread> threads = new ArrayList<>();
        final AtomicReference<Throwable> crash = new AtomicReference<>();
        final AtomicInteger acked = new AtomicInteger();
        final AtomicInteger failedWrites = new AtomicInteger();
        try (RegionClient faults = new RegionClient(cluster.peers))
        {
            cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID);
            // two regions to start from
            faults.split(b(key(KEYS / 2)));
            for (int w = 0; w < WRITERS; w++)
            {
                final int me = w;
                final Random wr = new Random(seed * 31 + w);
                final Thread t = new Thread(() ->
                {
                    try (RegionClient wc = new RegionClient(cluster.peers))
                    {
                        while (!stop.get())
                        {
                            final int i = me + WRITERS * wr.nextInt(KEYS / WRITERS);
                            final int p = wr.nextInt(100);
                            final boolean ok;
                            if (p < 8)
                            {
                                ok = h.delete(wc, key(i));
                            }
                            else if (p < 16)
                            {
                                final int j = me + WRITERS * wr.nextInt(KEYS / WRITERS);
                                final Map<String, Boolean> ops = new TreeMap<>();
                                ops.put(key(i), false);
                                ops.put(key(j), wr.nextBoolean());
                                ok = h.batch(wc, ops, PAD);
                            }
                            else
                            {
                                ok = h.put(wc, key(i), PAD);
                            }
                            (ok ? acked : failedWrites).incrementAndGet();
                        }
                    }
                    catch (final Throwable ex)
                    {
                        crash.compareAndSet(null, ex);
                    }
                }, "bb23-writer-" + w);
                t.setDaemon(true);
                threads.add(t);
            }
            final Random rr = new Random(seed * 17);
            final Thread reader = new Thread(() ->
            {
                try (RegionClient rc = RegionClient.builder(cluster.peers).retries(5).build())
                {
                    while (!stop.get())
                    {
                        final String k = all.get(rr.nextInt(KEYS));
                        final List<String> up = new ArrayList<>(cluster.running.keySet());
                        if (rr.nextBoolean() || up.isEmpty())
                        {
                            h.read(k, () -> rc.get(b(k)));
                        }
                        else
                        {
                            final String node = up.get(rr.nextInt(up.size()));
                            h.read(k, () -> rc.getFromFollower(b(k), node));
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    crash.compareAndSet(null, ex);
                }
            }, "bb23-reader");
            reader.setDaemon(true);
            threads.add(reader);
            threads.forEach(Thread::start);

            final long start = System.nanoTime();
            String down = null;
            int downSteps = 0;
            int step = 0;
            while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(faultMs) && crash.get() == null)
            {
                step++;
                final int pick = rnd.nextInt(100);
                final List<RegionMeta> routes = sortedRoutes(faults);
                if (routes.isEmpty())
                {
                    log.add(step + ": no route learned");
                    continue;
                }
                if (down != null && (downSteps++ >= 2 && pick < 30 || downSteps > 6))
                {
                    cluster.start(down);
                    log.add(step + ": restart " + down);
                    down = null;
                }
                else if (pick < 20)
                {
                    final String at = key(1 + rnd.nextInt(KEYS - 1));
                    if (routes.size() < 8)
                    {
                        log.add(step + ": split at " + at + " → " + outcomeLong(() -> faults.split(b(at))));
                    }
                }
                else if (pick < 45 && routes.size() >= 2)
                {
                    final int i = rnd.nextInt(routes.size() - 1);
                    final boolean leftIntoRight = rnd.nextBoolean();
                    final long src = routes.get(leftIntoRight ? i : i + 1).id();
                    final long tgt = routes.get(leftIntoRight ? i + 1 : i).id();
                    final boolean commit = down == null && rnd.nextBoolean();
                    log.add(step + ": merge " + src + " into " + tgt + (commit ? " commit" : " rollback") + " → "
                        + merge(faults, src, tgt, commit));
                }
                else if (pick < 60 && down == null)
                {
                    final List<String> ids = new ArrayList<>(cluster.running.keySet());
                    final String victim = ids.get(rnd.nextInt(ids.size()));
                    // one failure at a time: a node restarted earlier must hold every region before another stops
                    if (cluster.await(() -> everyNodeHostsEveryRegion(cluster), 20_000))
                    {
                        down = victim;
                        downSteps = 0;
                        cluster.stop(down);
                        log.add(step + ": stop " + down);
                    }
                    else
                    {
                        log.add(step + ": stop of " + victim + " skipped (a node still lacks a region)");
                    }
                }
                else if (pick < 80)
                {
                    final RegionMeta r = routes.get(rnd.nextInt(routes.size()));
                    final List<String> ids = new ArrayList<>(cluster.running.keySet());
                    final String to = ids.get(rnd.nextInt(ids.size()));
                    log.add(step + ": transfer " + r.id() + " to " + to + " → "
                        + outcome(() -> faults.transferLeader(r.id(), to)));
                }
                else
                {
                    final RegionMeta r = routes.get(rnd.nextInt(routes.size()));
                    // only entries every running replica already applied are purged (see the class comment)
                    long commit = -1;
                    for (final ReplicaNode n : cluster.nodes())
                    {
                        commit = Math.max(commit, n.commitIndex(r.id()));
                    }
                    final long upTo = commit;
                    if (!cluster.await(() -> everyReplicaApplied(cluster, r.id(), upTo), 20_000))
                    {
                        log.add(step + ": snapshot of " + r.id() + " skipped (a replica is behind " + upTo + ")");
                        continue;
                    }
                    final StringBuilder out = new StringBuilder();
                    for (final String id : new ArrayList<>(cluster.running.keySet()))
                    {
                        out.append(id).append('=').append(outcomeLong(() -> faults.snapshot(r.id(), id))).append(' ');
                    }
                    log.add(step + ": snapshot " + r.id() + " " + out);
                }
            }
            if (down != null)
            {
                cluster.start(down);
                log.add("end: restart " + down);
            }
            stop.set(true);
            for (final Thread t : threads)
            {
                t.join(120_000);
                if (t.isAlive())
                {
                    throw new AssertionError(t.getName() + " did not stop");
                }
            }
            if (crash.get() != null)
            {
                throw crash.get();
            }
            cluster.endChecks("after the random fault schedule");
            // every key read through every node: all replicas alike (an in-flight write on all or none)
            for (final String k : all)
            {
                byte[] first = null;
                boolean firstSet = false;
                for (final String node : cluster.running.keySet())
                {
                    final RegionClient.ReadResult r = faults.getFromFollower(b(k), node);
                    h.history.read(k, History23.observed(k, r.value()), System.nanoTime(), System.nanoTime());
                    if (!firstSet)
                    {
                        first = r.value();
                        firstSet = true;
                    }
                    else if (!java.util.Arrays.equals(first, r.value()))
                    {
                        throw new AssertionError(k + ": replicas disagree: " + Cluster23.s(first) + " / "
                            + Cluster23.s(r.value()));
                    }
                }
            }
            h.assertNoViolations("random fault schedule");
            System.out.println("bb23 seed " + seed + ": " + log.size() + " faults, " + acked.get()
                + " writes acknowledged, " + failedWrites.get() + " not, " + h.history.reads() + " reads checked, "
                + sortedRoutes(faults).size() + " regions at the end; schedule " + log);
        }
        finally
        {
            stop.set(true);
            final List<String> leaks = cluster.closeAll();
            leaks.addAll(cluster.problems);
            if (!leaks.isEmpty())
            {
                throw new AssertionError("after close: " + leaks);
            }
        }
    }

    private static boolean everyReplicaApplied(final Cluster23 cluster, final long regionId, final long index)
    {
        for (final ReplicaNode n : cluster.nodes())
        {
            if (n.appliedIndex(regionId) < index)
            {
                return false;
            }
        }
        return true;
    }

    private static boolean everyNodeHostsEveryRegion(final Cluster23 cluster)
    {
        final java.util.Set<Long> all = ReplicaCheck.regions(cluster.nodes()).keySet();
        for (final ReplicaNode n : cluster.nodes())
        {
            if (!n.regions().keySet().containsAll(all))
            {
                return false;
            }
        }
        return true;
    }

    private static List<RegionMeta> sortedRoutes(final RegionClient c)
    {
        c.refresh();
        final List<RegionMeta> out = new ArrayList<>(c.routes());
        out.sort((x, y) -> java.util.Arrays.compareUnsigned(x.start(), y.start()));
        return out;
    }

    private interface Call
    {
        Object run();
    }

    private static String outcome(final Runnable r)
    {
        return outcomeOf(() ->
        {
            r.run();
            return "ok";
        });
    }

    private static String outcomeLong(final java.util.function.LongSupplier r)
    {
        return outcomeOf(() -> r.getAsLong());
    }

    private static String outcomeOf(final Call c)
    {
        try
        {
            return String.valueOf(c.run());
        }
        catch (final RegionClientException ex)
        {
            return ex.status().toString();
        }
    }

    /**
     * Prepare, then commit or roll back; a merge that was prepared is always finished (a refused commit is rolled
     * back, a rollback refused because the merge is sealed is committed), as the README's fault thread does.
     */
    private static String merge(final RegionClient c, final long src, final long tgt, final boolean commit)
    {
        try
        {
            c.prepareMerge(src, tgt);
        }
        catch (final RegionClientException ex)
        {
            return "prepare " + ex.status();
        }
        final StringBuilder out = new StringBuilder("prepared");
        boolean tryCommit = commit;
        for (int attempt = 0; attempt < 6; attempt++)
        {
            try
            {
                if (tryCommit)
                {
                    c.commitMerge(src, tgt);
                    return out.append(", committed").toString();
                }
                c.rollbackMerge(src);
                return out.append(", rolled back").toString();
            }
            catch (final RegionClientException ex)
            {
                out.append(tryCommit ? ", commit " : ", rollback ").append(ex.status());
                if (ex.status() == Reply.Status.REGION_GONE && !tryCommit)
                {
                    return out.append(" (merged)").toString();
                }
                tryCommit = !tryCommit;
            }
        }
        throw new AssertionError("merge of " + src + " into " + tgt + " not finished: " + out);
    }
}
