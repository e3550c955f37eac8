package io.regioncache.ratis;

import static io.regioncache.ratis.FollowerSnapshotInstallTest.key;
import static io.regioncache.ratis.FollowerSnapshotInstallTest.snapshotEverywhere;
import static io.regioncache.ratis.History.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionState;

/**
 * TiKV's two crash paths, produced by a real Raft log on every replica. Each test's bound (300 s) is a hang bound: a
 * run at a load of 14 on two cores took 120 s of the 150 s it had.
 */
class MergeAndSnapshotEpochTest
{
    /**
     * tikv#18008: a merge is prepared (the source is evicted, refuses writes), then rolled back (new epoch) while a
     * follower is down; the follower comes back after the logs were purged and installs the source's snapshot. The
     * source's leader loads it again after the rollback (tikv#18098).
     */
    @Test
    @Timeout(300)
    void mergePreparedThenRolledBackWhileAFollowerIsDown(@TempDir final Path dir) throws Exception
    {
        final History h = new History();
        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> c.segmentSize(SizeInBytes.valueOf("8KB"))
                 .snapshotThreshold(100)).startAll();
             RegionClient client = cluster.client())
        {
            cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID, 20_000);
            h.writeAll(client, History.keys(0, 200, 1), 4);
            final long source = client.split(b(key(100)));
            final String sourceLeader = cluster.awaitLeader(source, 20_000);
            final String down = sourceLeader.equals("n3") ? "n2" : "n3";
            cluster.stop(down);

            client.prepareMerge(source, ReplicaNode.ROOT_REGION_ID);
            final RegionClientException refused = assertThrows(RegionClientException.class,
                () -> client.put(b(key(5)), b("refused")));
            assertEquals(Reply.Status.MERGING, refused.status());
            h.writeAll(client, History.keys(100, 200, 1), 4);
            final long epochBefore = client.describe(source).epochVersion();
            client.rollbackMerge(source);
            final RegionMeta after = client.describe(source);
            assertEquals(RegionMeta.State.NORMAL, after.state());
            assertEquals(epochBefore + 1, after.epochVersion(), "a rollback bumps the epoch");

            for (int round = 0; round < 2; round++)
            {
                h.writeAll(client, History.keys(0, 200, 1), 4);
                if (round == 0)
                {
                    snapshotEverywhere(cluster, client);
                }
            }
            snapshotEverywhere(cluster, client);

            // The source's leader caches it again, at the new epoch, and serves from the cache.
            // A leader change between the wait and the read (an election timeout under load) sends the read to a
            // new leader whose cache may still be loading: that attempt is retried on the new leader; on a leader
            // that stayed, a read not served from its cache is the test's failure.
            for (int attempt = 1; ; attempt++)
            {
                final String leaderNow = cluster.awaitLeader(source, 20_000);
                final ReplicaNode ln = cluster.node(leaderNow);
                cluster.await(() -> ln.engine().cache().stateOf(source) == RegionState.ACTIVE,
                    "source reloaded on its leader");
                final long changes = ln.counters().leaderChanges();
                final Region cached = ln.engine().cache().region(source); // null only if evicted since the wait
                final long cacheReads = ln.counters().cacheReads();
                h.read(client, key(7), null);
                if (cached != null && ln.counters().cacheReads() > cacheReads)
                {
                    assertEquals(after.epochVersion(), cached.epochVersion());
                    break;
                }
                assertTrue(attempt < 3 && (!ln.isLeader(source) || ln.counters().leaderChanges() != changes),
                    "leader read served from its cache (" + leaderNow + ", attempt " + attempt + ")");
            }

            final ReplicaNode back = cluster.start(down);
            cluster.awaitConverged(60_000);
            assertTrue(back.counters().snapshotsInstalled() >= 1, back.counters().toMap().toString());
            for (int i = 0; i < 200; i++)
            {
                h.read(client, key(i), down);
            }
            assertTrue(h.violations().isEmpty(), "history: " + h.violations());
            cluster.assertHealthy();
        }
    }

    /**
     * A read through n3, which caches the region (KEEP: whether it leads or follows): it must be answered, from n3's
     * cache. An election timeout under load (600-1,200 ms, in reach of a loaded machine's stalls) can fail the read or
     * send it to n3 while its cache is reloaded by a new leadership: such an attempt is retried, 3 attempts at most,
     * only when a node saw a leader change during it. A read not served from the cache of a cluster whose leaders
     * stayed is left to the caller's count of cache reads.
     */
    private static void readThroughN3(final LocalCluster cluster, final RegionClient client, final History h,
        final ReplicaNode n3, final String key)
    {
        for (int attempt = 1; ; attempt++)
        {
            final long changes = cluster.leaderChanges();
            final long cacheReads = n3.counters().cacheReads();
            final RegionClientException ex = h.tryRead(client, key, "n3");
            if (ex == null && n3.counters().cacheReads() > cacheReads)
            {
                return;
            }
            final boolean moved = cluster.leaderChanges() != changes;
            if (attempt < 3 && moved)
            {
                System.out.println("read of " + key + " through n3 during a leader change (" + ex + "), asking again");
                continue;
            }
            if (ex != null)
            {
                throw new AssertionError("read of " + key + " through n3 failed (attempt " + attempt + ", leader " +
                    "changes " + (moved ? "moved" : "none") + ")" + cluster.describe(), ex);
            }
            return;
        }
    }

    /**
     * tikv#17405: a replica whose region is cached is cut off; meanwhile the region splits and the logs are purged;
     * it comes back, installs a snapshot that bumps the region's epoch (the cache evicts it: APPLY_SNAPSHOT), and
     * then applies another split of that region from the log. The cache never meets a state it did not expect.
     */
    @Test
    @Timeout(300)
    void epochBumpedBySnapshotThenSplit(@TempDir final Path dir) throws Exception
    {
        final History h = new History();
        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> c.segmentSize(SizeInBytes.valueOf("8KB"))
                 .snapshotThreshold(100).followerPolicy(ReplicaNode.FollowerCachePolicy.KEEP)).startAll();
             RegionClient client = cluster.client())
        {
            final long root = ReplicaNode.ROOT_REGION_ID;
            cluster.awaitLeader(root, 20_000);
            h.writeAll(client, History.keys(0, 300, 1), 4);
            // n3 leads, warms the region into its cache, hands leadership back and keeps the cache (KEEP policy).
            final ReplicaNode n3 = cluster.node("n3");
            // A transfer that timed out, or whose target lost the leadership to an election timeout under load
            // before the wait saw it, is asked again (LocalCluster.transferLeader).
            cluster.transferLeader(client, root, "n3", () -> n3.engine().cache().stateOf(root) == RegionState.ACTIVE,
                "n3 warmed the region");
            cluster.transferLeader(client, root, "n1", () -> true, "n1 leads again");
            assertEquals(RegionState.ACTIVE, n3.engine().cache().stateOf(root), "KEEP: follower keeps the cache");
            final long epochCached = n3.engine().cache().region(root).epochVersion();

            n3.detachReplica(root);
            final long child = client.split(b(key(150)));
            for (int round = 0; round < 2; round++)
            {
                h.writeAll(client, History.keys(0, 300, 2), 4);
                snapshotEverywhere(cluster, client);
            }
            assertEquals(RegionState.ACTIVE, n3.engine().cache().stateOf(root),
                "cut off, n3 still caches the region at its old epoch");

            final long evictedBefore = n3.engine().cache().metrics().get("evictions.APPLY_SNAPSHOT");
            n3.attachReplica(root);
            cluster.await(() -> n3.regions().containsKey(root) && n3.regions().get(root).epochVersion() > epochCached,
                "n3 installed the snapshot with the new epoch");
            cluster.await(() -> n3.engine().cache().metrics().get("evictions.APPLY_SNAPSHOT") > evictedBefore,
                "the stale cached region was evicted on apply-snapshot");

            // The split after the epoch bump (tikv#17405's crash), then n3 leads and caches the new range.
            final long second = client.split(b(key(200)));
            cluster.awaitConverged(60_000);
            cluster.transferLeader(client, root, "n3", () -> n3.engine().cache().stateOf(root) == RegionState.ACTIVE,
                "n3 warmed the split region");
            assertEquals(client.describe(root).epochVersion(), n3.engine().cache().region(root).epochVersion());
            assertNotNull(client.get(b(key(250))).value(), "leader read after the split");
            final long cacheReads = n3.counters().cacheReads();
            for (int i = 200; i < 300; i++)
            {
                readThroughN3(cluster, client, h, n3, key(i));
                h.read(client, key(i), "n2");
            }
            assertTrue(n3.counters().cacheReads() - cacheReads >= 100,
                () -> "n3 served its 100 reads from its cache: " + (n3.counters().cacheReads() - cacheReads) + " " +
                n3.counters().toMap() +
                " fallbacks " + java.util.Arrays.stream(io.regioncache.SnapshotStatus.values())
                .map(st -> st + "=" + n3.engine().metrics().fallbacks(st)).toList() + " cache " +
                n3.engine().cache().regions() + " leader " + cluster.leaderOf(root));
            assertNotNull(client.describe(child));
            assertNotNull(client.describe(second));
            assertEquals(3, cluster.regions().size(), cluster.describe());
            assertTrue(h.violations().isEmpty(), "history: " + h.violations());
            cluster.awaitConverged(30_000);
            cluster.assertHealthy();
        }
    }
}
