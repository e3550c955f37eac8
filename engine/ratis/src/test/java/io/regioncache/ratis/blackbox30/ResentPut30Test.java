package io.regioncache.ratis.blackbox30;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.blackbox30.Linearizability30.Budget;
import io.regioncache.ratis.blackbox30.Linearizability30.Kind;
import io.regioncache.ratis.blackbox30.Linearizability30.Op;
import io.regioncache.ratis.blackbox30.Linearizability30.Recorder;
import io.regioncache.ratis.blackbox30.Linearizability30.Result;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One hot key, three writers and two readers (each its own {@link RegionClient}, built with {@code retries(1)}, a
 * documented builder option), and the key's region leader stopped and started again, six rounds: the README's
 * re-send of a write whose answer was lost ("a put or batch may be applied twice with the same values") lets other
 * clients' writes land between the two applications, so a value that a read already saw comes back after a later
 * acknowledged write. The README's "Versions" promises reads "linearizable per region" and its Replication table
 * that a write is "applied once"; this history is not linearizable. Each put seen applied twice is counted (a read
 * concurrent with the put saw its value at a read version below the version the put returned).
 * <p>
 * Disabled as a documented known limit (see the annotation); run it with
 * {@code -Djunit.jupiter.conditions.deactivate=org.junit.*DisabledCondition}. {@code -Dbb30.resentRetries=60} (the
 * default retries) passed its two runs with no put applied twice; {@code -Dbb30.rounds=N} sets the rounds.
 */
class ResentPut30Test
{
    private static final String KEY = "resent30/k";

    @TempDir
    Path dir;

    @Test
    @Disabled("KNOWN LIMIT, documented under 'Running a cluster' since 2026-12-08 (found as a MISMATCH by this "
        + "audit): with RegionClient.builder(peers).retries(1) and the key's leader stopped, a put whose answer was "
        + "lost is re-sent by RegionClient as a new call and applied again seconds later (two versions), after other "
        + "clients' acknowledged puts: a read saw put(w1-10) at its first version, put(w2-11) was acknowledged after "
        + "that read, and a read begun after that acknowledgement returned w1-10 again at the second version. Not "
        + "linearizable in 3 of 5 runs (a put applied twice in 5 of 5, 3-6 per run); with the default 60 retries 0 of "
        + "2 runs (no put applied twice). Slow (six leader stops) and not deterministic, so run on demand")
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void aHotKeyStaysLinearizableWhileItsLeaderIsStoppedRoundAfterRound() throws Throwable
    {
        final int rounds = Integer.getInteger("bb30.rounds", 6);
        final int retries = Integer.getInteger("bb30.resentRetries", 1);
        final Recorder history = new Recorder();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> crash = new AtomicReference<>();
        final List<Thread> threads = new ArrayList<>();
        final List<String> log = new ArrayList<>();
        final Semaphore done = new Semaphore(0); // a permit per op answered
        final Cluster30 cluster = new Cluster30(dir);
        try
        {
            cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID);
            for (int t = 0; t < 5; t++)
            {
                final int me = t;
                final boolean writer = t < 3;
                final Random rnd = new Random(30_000 + t);
                final List<String> ids = new ArrayList<>(cluster.peers.keySet());
                final Thread th = new Thread(() ->
                {
                    try (RegionClient c = RegionClient.builder(cluster.peers).retries(retries).build())
                    {
                        int seq = 0;
                        while (!stop.get())
                        {
                            final long invoke = System.nanoTime();
                            if (writer)
                            {
                                final String v = "w" + me + "-" + seq++;
                                try
                                {
                                    final long version = c.put(KEY.getBytes(StandardCharsets.UTF_8),
                                        v.getBytes(StandardCharsets.UTF_8));
                                    history.add(KEY, new Op(me, Kind.PUT, v, invoke, System.nanoTime(), version, 0));
                                    done.release();
                                }
                                catch (final RuntimeException ex)
                                {
                                    history.add(KEY, new Op(me, Kind.PUT, v, invoke, Linearizability30.NEVER, 0, 0));
                                }
                                continue;
                            }
                            try
                            {
                                final String node = ids.get(rnd.nextInt(ids.size()));
                                final RegionClient.ReadResult r = rnd.nextBoolean()
                                    ? c.get(KEY.getBytes(StandardCharsets.UTF_8))
                                    : c.getFromFollower(KEY.getBytes(StandardCharsets.UTF_8), node);
                                history.add(KEY, new Op(me, Kind.GET, r.value() == null ? null
                                    : new String(r.value(), StandardCharsets.UTF_8), invoke, System.nanoTime(),
                                    r.readVersion(), r.regionId()));
                                done.release();
                            }
                            catch (final RuntimeException ex)
                            {
                                // a failed read is dropped
                            }
                        }
                    }
                    catch (final Throwable ex)
                    {
                        crash.compareAndSet(null, ex);
                    }
                }, "bb30-resent-" + t);
                th.setDaemon(true);
                threads.add(th);
            }
            threads.forEach(Thread::start);
            for (int round = 0; round < rounds && crash.get() == null; round++)
            {
                // let the clients work through the current leader: 50 more ops answered (20 s at most)
                done.drainPermits();
                done.tryAcquire(50, 20, TimeUnit.SECONDS);
                final String leader = cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID);
                cluster.stop(leader);
                cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID);
                cluster.start(leader);
                final boolean back = cluster.await(cluster::everyNodeHostsEveryRegion, 60_000);
                log.add("round " + round + ": stopped and restarted " + leader + (back ? "" : " (not back)"));
            }
            stop.set(true);
            for (final Thread th : threads)
            {
                th.join(120_000);
            }
            if (crash.get() != null)
            {
                throw crash.get();
            }
            final Map<String, List<Op>> ops = history.snapshot();
            final List<String> twice = new ArrayList<>();
            LinearizableHistory30Test.readsBelowTheirWrite(ops, twice);
            final List<Result> results = Linearizability30.checkAll(ops, new Budget(20_000, 15_000_000_000L));
            System.out.println("bb30 resent (retries " + retries + "): " + history.size() + " ops, " + log
                + "; puts seen applied twice: " + twice.size() + " " + twice);
            Linearizability30.assertAllLinearizable(results, "one hot key under leader stops");
            assertTrue(history.size() > 100, "too few ops: " + history.size());
        }
        finally
        {
            stop.set(true);
            final List<String> leaks = cluster.closeAll();
            assertTrue(leaks.isEmpty(), "after close: " + leaks);
        }
    }
}
