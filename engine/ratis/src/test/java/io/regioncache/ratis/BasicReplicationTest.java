package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class BasicReplicationTest
{
    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(120)
    void writesSplitsReadsAndMergesReplicateToEveryNode(@TempDir final Path dir) throws Exception
    {
        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> { }).startAll();
             RegionClient client = cluster.client())
        {
            cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID, 20_000);
            long lastVersion = 0;
            for (int i = 0; i < 100; i++)
            {
                final long v = client.put(b(String.format("k%03d", i)), b("v" + i));
                assertTrue(v > lastVersion, "versions increase in log order");
                lastVersion = v;
            }
            final long left = client.split(b("k050"));
            assertNotEquals(ReplicaNode.ROOT_REGION_ID, left);
            cluster.awaitLeader(left, 20_000);
            assertEquals(2, client.routes().size(), client.routes().toString());
            for (int i = 0; i < 100; i += 7)
            {
                final String k = String.format("k%03d", i);
                final RegionClient.ReadResult r = client.get(b(k));
                assertArrayEquals(b("v" + i), r.value(), k);
                assertEquals(i < 50 ? left : ReplicaNode.ROOT_REGION_ID, r.regionId());
            }
            // Follower reads on every node, after overwriting through the new child group.
            client.put(b("k010"), b("new"));
            for (final String n : cluster.peers.keySet())
            {
                assertArrayEquals(b("new"), client.getFromFollower(b("k010"), n).value(), n);
            }
            client.delete(b("k060"));
            assertNull(client.get(b("k060")).value());

            // Merge the left child back into the root region.
            client.prepareMerge(left, ReplicaNode.ROOT_REGION_ID);
            client.commitMerge(left, ReplicaNode.ROOT_REGION_ID);
            assertEquals(1, client.routes().size(), client.routes().toString());
            assertArrayEquals(b("new"), client.get(b("k010")).value());
            assertArrayEquals(b("v70"), client.get(b("k070")).value());

            cluster.awaitConverged(30_000);
            cluster.assertHealthy();
        }
    }
}
