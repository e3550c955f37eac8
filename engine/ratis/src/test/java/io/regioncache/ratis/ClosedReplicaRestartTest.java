package io.regioncache.ratis;

import static io.regioncache.ratis.History.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica whose Ratis division closed while its node runs (what Ratis does when a state machine's apply or
 * snapshot install throws) is restarted by its node from its directory, catches up, and the region converges; the
 * node's cached copy of the region is dropped first (its log is replayed over it).
 */
class ClosedReplicaRestartTest
{
    @Test
    @Timeout(120)
    void aReplicaRatisClosedIsRestartedAndCatchesUp(@TempDir final Path dir) throws Exception
    {
        final long root = ReplicaNode.ROOT_REGION_ID;
        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> c.followerPolicy(ReplicaNode.FollowerCachePolicy.KEEP))
                 .startAll();
             RegionClient client = cluster.client())
        {
            final String leader = cluster.awaitLeader(root, 20_000);
            for (int i = 0; i < 20; i++)
            {
                client.put(b("k" + i), b("v" + i));
            }
            final ReplicaNode follower = cluster.node(leader.equals("n3") ? "n2" : "n3");
            cluster.await(() -> follower.appliedIndex(root) >= cluster.node(leader).appliedIndex(root),
                "the follower caught up");
            assertEquals(0, follower.counters().replicaRestarts());
            // The follower leads once, warms the region into its cache and keeps it (KEEP) when it hands back.
            cluster.transferLeader(client, root, follower.id(),
                () -> follower.engine().cache().stateOf(root) == io.regioncache.RegionState.ACTIVE, "follower warmed");
            cluster.transferLeader(client, root, leader, () -> true, "the first leader leads again");
            assertEquals(io.regioncache.RegionState.ACTIVE, follower.engine().cache().stateOf(root));
            final long evicted = follower.engine().cache().metrics().get("evictions.APPLY_SNAPSHOT");

            follower.server().getDivision(ReplicaNode.groupIdOf(root)).close(); // as Ratis does on an apply error
            for (int i = 20; i < 40; i++)
            {
                client.put(b("k" + i), b("v" + i)); // a majority remains: writes go on meanwhile
            }
            cluster.await(() -> follower.counters().replicaRestarts() >= 1, 30_000, "the node restarted the replica");
            cluster.await(() -> follower.appliedIndex(root) >= cluster.node(leader).appliedIndex(root), 30_000,
                "the restarted replica caught up");
            assertTrue(follower.engine().cache().metrics().get("evictions.APPLY_SNAPSHOT") > evicted,
                "the cached copy was dropped before the replay");
            for (int i = 0; i < 40; i++)
            {
                assertEquals("v" + i, new String(client.getFromFollower(b("k" + i), follower.id()).value(),
                    StandardCharsets.UTF_8), "k" + i + " read on the restarted replica");
            }
            assertEquals(1, follower.counters().replicaRestarts(), "one restart held");
            cluster.expectReplicaRestarts(follower.id(), 1);
            cluster.awaitConverged(30_000);
            cluster.assertHealthy();
        }
    }
}
