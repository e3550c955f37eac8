package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader of every region, running as its own JVM ({@link NodeMain}), is killed with SIGKILL in the middle of a
 * workload (no shutdown hook, no step-down, no snapshot on stop, RocksDB and the Raft log cut wherever they were): the
 * other two elect new leaders and keep acknowledging writes. The node is then restarted from its data directory (here
 * in this JVM, so its RocksDB and cache can be compared with the others'); it recovers its regions, catches up and
 * agrees with the other replicas, and the per-key history finds no lost or stale read.
 */
class KilledNodeProcessTest
{
    /**
     * Move a region's leadership to the child JVM, n3. Ratis gives a transfer 10 s for n3 to win its election; on the
     * shared machine at a load of 20+ the starved child sometimes does not (seen once in seven runs), or an election
     * timeout elects another node first (DIFFERENT_LEADER, seen at a load of 30), so such a transfer is asked again,
     * twice at most: each attempt is bounded by Ratis' own timeout, not a sleep.
     */
    private static void transferToChild(final RegionClient client, final long regionId)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                client.transferLeader(regionId, "n3");
                return;
            }
            catch (final RegionClientException ex)
            {
                if (attempt == 3 || !LocalCluster.electionOutcome(ex))
                {
                    throw ex;
                }
                System.out.println("transfer of region " + regionId + " to n3 failed, asking again: " + ex);
            }
        }
    }

    @Test
    @Timeout(150)
    void nodeKilledWithSigkillRestartsFromItsDataDirectory(@TempDir final Path dir) throws Exception
    {
        final History h = new History();
        final long[] atKill = {-1};
        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> { });
             RegionClient client = cluster.client())
        {
            cluster.start("n1");
            cluster.start("n2");
            final String peers = cluster.peers.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
            final String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            final Process child = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m",
                "-cp", cp, NodeMain.class.getName(),
                "--id", "n3", "--peers", peers, "--data-dir", dir.resolve("n3").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("n3.log").toFile()).start();
            try
            {
                // The child n3 can win an election (the new region's after the split, most often): wait for a
                // leader any running node leads or hears, not only for one of the two in this JVM (a CI run timed
                // out here with n3 leading the new region and n1 and n2 following it).
                cluster.awaitLeaderHeard(ReplicaNode.ROOT_REGION_ID, 30_000);
                h.writeAll(client, History.keys(0, 100, 1), 4);
                final long left = client.split(History.b("k050"));
                cluster.awaitLeaderHeard(left, 20_000);
                // n3 (the child process) hosts both regions and has caught up: Ratis tells when every replica
                // committed each region's log up to what n1 and n2 committed after the split (a watch request).
                for (final long region : new long[] {ReplicaNode.ROOT_REGION_ID, left})
                {
                    final long index = cluster.running.values().stream().mapToLong(n -> n.commitIndex(region))
                        .max().orElseThrow();
                    assertTrue(client.awaitAllCommitted(region, index, 30_000),
                        "every replica of region " + region + " committed " + index + cluster.describe());
                }
                client.getFromFollower(History.b("k010"), "n3");
                client.getFromFollower(History.b("k090"), "n3");

                // The child leads both regions when it is killed: the SIGKILL takes down a leader mid-workload, with
                // no snapshot, no step-down and its log and RocksDB cut wherever they were.
                transferToChild(client, ReplicaNode.ROOT_REGION_ID);
                transferToChild(client, left);

                final AtomicBoolean stop = new AtomicBoolean();
                final Semaphore acknowledged = new Semaphore(0);
                final List<Thread> writers = new ArrayList<>();
                for (int t = 0; t < 3; t++)
                {
                    final int owner = t;
                    final Thread w = new Thread(() ->
                    {
                        while (!stop.get())
                        {
                            for (int i = owner; i < 100 && !stop.get(); i += 3)
                            {
                                if (h.write(client, String.format("k%03d", i)))
                                {
                                    acknowledged.release(); // the work's own signal: one write acknowledged
                                }
                            }
                        }
                    });
                    w.start();
                    writers.add(w);
                }
                // Kill mid-workload: once the writers have 30 writes acknowledged by the leader about to die.
                assertTrue(acknowledged.tryAcquire(30, 60, TimeUnit.SECONDS), "writes before the kill");
                child.destroyForcibly(); // SIGKILL
                assertTrue(child.waitFor(20, TimeUnit.SECONDS), "child did not die");
                atKill[0] = h.acked.get();
                // A new leader among n1 and n2 takes the writes: 30 writes acknowledged after the kill. A writer
                // counts a write in h.acked before it releases its permit, so a permit may belong to a write already
                // in atKill: the wait is on the count asserted below, each permit a wake-up.
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (h.acked.get() < atKill[0] + 30)
                {
                    final long remaining = deadline - System.nanoTime();
                    assertTrue(remaining > 0 && acknowledged.tryAcquire(remaining, TimeUnit.NANOSECONDS),
                        "a new leader took writes after the leader's process was killed: " +
                            (h.acked.get() - atKill[0]));
                }
                stop.set(true);
                for (final Thread w : writers)
                {
                    w.join(60_000);
                }
            }
            finally
            {
                child.destroyForcibly();
                child.waitFor(20, TimeUnit.SECONDS);
            }

            assertTrue(atKill[0] >= 0 && h.acked.get() >= atKill[0] + 30,
                "a new leader took writes after the leader's process was killed: " + atKill[0] + " acknowledged at " +
                "the kill, " + h.acked.get() + " at the end");
            final ReplicaNode back = cluster.start("n3");
            cluster.awaitConverged(60_000);
            // Every read through the restarted node must be answered; one caught in an election timeout (in reach of
            // a loaded machine's stalls) is asked again, only while a node saw the leader change.
            for (int i = 0; i < 100; i++)
            {
                cluster.readAnswered(h, client, String.format("k%03d", i), "n3");
            }
            assertTrue(h.violations().isEmpty(), "history: " + h.violations());
            assertTrue(h.reads.get() >= 100, "reads through the restarted node: " + h.reads.get());
            assertTrue(back.regions().size() == 2, back.regions().toString());
            cluster.assertHealthy();
            System.out.printf("sigkill: acked %d, in flight/failed %d%n", h.acked.get(), h.failed.get());
        }
    }
}
