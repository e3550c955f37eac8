package io.regioncache.ratis;

import static io.regioncache.ratis.History.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica that waits too long for its first snapshot makes its node ask the region's leader to step down over the
 * real admin RPC (Ratis 3.2.2 can lose a leader's appender for a follower that keeps hearing it; the next leader's
 * fresh appenders send the snapshot). The wait is reported through the node's own hook, so the test needs no broken
 * Ratis: what it checks is that the request is sent, that it moves the leadership, and that the region serves after.
 */
class SnapshotStallNudgeTest
{
    @Test
    @Timeout(120)
    void aReplicaWaitingTooLongForItsSnapshotMakesTheLeaderStepDown(@TempDir final Path dir) throws Exception
    {
        final long root = ReplicaNode.ROOT_REGION_ID;
        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> c.snapshotStallFirstMs(300)).startAll();
             RegionClient client = cluster.client())
        {
            final String leader = cluster.awaitLeader(root, 20_000);
            client.put(b("k1"), b("v1"));
            final ReplicaNode follower = cluster.node(leader.equals("n3") ? "n2" : "n3");
            cluster.await(() -> follower.appliedIndex(root) >= cluster.node(leader).appliedIndex(root),
                "the follower caught up (it hears the leader)");
            assertEquals(0, follower.counters().snapshotStallNudges());
            final long changes = cluster.leaderChanges();

            follower.awaitingSnapshot(root); // as a replica created empty reports itself
            cluster.await(() -> follower.counters().snapshotStallNudges() >= 1 && cluster.leaderChanges() > changes,
                30_000, "the waiting follower's node asked the leader to step down, and the leadership moved");
            follower.snapshotArrived(root);
            assertTrue(follower.awaitingSnapshots().isEmpty(), follower.awaitingSnapshots().toString());

            cluster.awaitLeader(root, 20_000);
            client.put(b("k2"), b("v2"));
            assertEquals("v1", new String(client.get(b("k1")).value(), java.nio.charset.StandardCharsets.UTF_8));
            assertEquals("v2", new String(client.get(b("k2")).value(), java.nio.charset.StandardCharsets.UTF_8));
            cluster.awaitConverged(30_000);
            cluster.assertHealthy();
        }
    }
}
