package io.regioncache.ratis;

import static io.regioncache.ratis.History.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower is stopped while the cluster writes, splits, merges and deletes a range; the leaders snapshot and
 * purge their logs; the follower restarts, finds the entries it missed gone, installs region snapshots (SSTs
 * ingested, cache told {@code applySnapshot}), creates the groups of the children it never saw split off, drops
 * the merged source, and converges.
 */
class FollowerSnapshotInstallTest
{
    static final String[] NODES = {"n1", "n2", "n3"};

    static String key(final int i)
    {
        return String.format("k%03d", i);
    }

    static void snapshotEverywhere(final LocalCluster cluster, final RegionClient client)
    {
        client.refresh();
        for (final RegionMeta m : client.routes())
        {
            for (final String n : cluster.running.keySet())
            {
                if (cluster.node(n).regions().containsKey(m.id()))
                {
                    client.snapshot(m.id(), n);
                }
            }
        }
    }

    @Test
    @Timeout(150)
    void restartedFollowerInstallsSnapshotsAndConverges(@TempDir final Path dir) throws Exception
    {
        final History h = new History();
        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> c.segmentSize(SizeInBytes.valueOf("8KB"))
                 .snapshotThreshold(100)).startAll();
             RegionClient client = cluster.client())
        {
            final String leader = cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID, 20_000);
            h.writeAll(client, History.keys(0, 300, 1), 4);
            final long left = client.split(b(key(100)));
            cluster.awaitLeader(left, 20_000);

            final String down = leader.equals("n3") ? "n2" : "n3";
            cluster.stop(down);

            // While it is down: writes everywhere, a split, a merge, a delete-range, snapshots and purges.
            h.writeAll(client, History.keys(0, 300, 2), 4);
            final long middle = client.split(b(key(200)));
            cluster.awaitLeader(middle, 20_000);
            client.prepareMerge(left, middle);
            // Forced: n3 is down and has no replica of the target (split off while it was down), so it will receive
            // the target's snapshot rather than replay this commit.
            client.commitMerge(left, middle, true);
            client.deleteRange(b(key(250)), b(key(260)));
            h.writeAll(client, History.keys(0, 300, 3, 250, 260), 4);
            snapshotEverywhere(cluster, client);
            h.writeAll(client, History.keys(0, 300, 1, 250, 260), 4);
            snapshotEverywhere(cluster, client);

            final ReplicaNode back = cluster.start(down);
            cluster.awaitConverged(60_000);
            assertTrue(back.counters().snapshotsInstalled() >= 2,
                "snapshots installed on " + down + ": " + back.counters().toMap());
            assertEquals(2, cluster.regions().size(), cluster.describe());

            // Every key, read through the restarted node and the leaders: nothing lost, nothing stale.
            for (int i = 0; i < 300; i++)
            {
                if (i < 250 || i >= 260)
                {
                    h.read(client, key(i), down);
                    h.read(client, key(i), null);
                }
            }
            assertTrue(h.violations().isEmpty(), "history: " + h.violations());
            for (int i = 250; i < 260; i++)
            {
                assertEquals(null, client.getFromFollower(b(key(i)), down).value(), "deleted range on " + down);
            }
            cluster.assertHealthy();
        }
    }
}
