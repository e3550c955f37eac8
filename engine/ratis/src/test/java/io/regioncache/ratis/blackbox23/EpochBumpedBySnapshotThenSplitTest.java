package io.regioncache.ratis.blackbox23;

import static io.regioncache.ratis.blackbox23.Cluster23.b;
import static io.regioncache.ratis.blackbox23.Cluster23.keys;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.regioncache.Region;
import io.regioncache.RegionState;
import io.regioncache.ResultCode;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Fault scenarios", MergeAndSnapshotEpochTest.epochBumpedBySnapshotThenSplit (tikv#17405): "a replica caching
 * the region (KEEP policy) is detached; the region splits, logs purge; it re-attaches, installs a snapshot with a
 * newer epoch, then applies a second split from the log and leads" → "the stale cached region is evicted
 * (APPLY_SNAPSHOT), the split meets no unexpected state, the new leader caches the new range at the right epoch and
 * serves reads from it"; then the section's end checks and zero bytes in use after close.
 */
class EpochBumpedBySnapshotThenSplitTest
{
    private static final int PAD = 200;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void staleCachedRegionEvictedBySnapshotThenSplitFromTheLogAndLeads() throws Exception
    {
        final long root = ReplicaNode.ROOT_REGION_ID;
        final History23 h = new History23();
        final List<String> keys = keys("eb/", 'a', 'z', 2);
        final Cluster23 cluster = new Cluster23(dir, 3, c -> c.segmentSize(Cluster23.SMALL_SEGMENTS)
            .followerPolicy(ReplicaNode.FollowerCachePolicy.KEEP));
        try (RegionClient client = new RegionClient(cluster.peers))
        {
            cluster.awaitLeader(root);
            for (final String k : keys)
            {
                h.mustPut(client, k, PAD);
            }
            final String d = "n3";
            final ReplicaNode dn = cluster.node(d);
            final RegionMeta epoch1 = client.describe(root);
            // d leads (and warms its cache), then follows again, keeping the cached region (KEEP)
            client.transferLeader(root, d);
            assertTrue(cluster.await(() -> dn.isLeader(root) && cached(dn, root, epoch1.epochVersion()), 30_000),
                "the leader " + d + " did not cache the region: " + dn.engine().cache().regions());
            client.transferLeader(root, "n1");
            assertTrue(cluster.await(() -> cluster.node("n1").isLeader(root), 30_000), "n1 leads");
            assertTrue(cached(dn, root, epoch1.epochVersion()),
                "KEEP: the follower " + d + " keeps its cached region: " + dn.engine().cache().regions());
            cluster.awaitCaughtUp(d, root);
            final long seen = dn.appliedIndex(root);
            final long applySnapshotEvictions = dn.engine().cache().metrics().get("evictions.APPLY_SNAPSHOT");
            dn.detachReplica(root);

            // the region splits, logs purge (on the two attached replicas)
            final long child = client.split(b("eb/g"));
            for (final String k : keys)
            {
                h.mustPut(client, k, PAD);
            }
            cluster.purgePast(client, root, seen, h, "eb/zz-pad", List.of("n1", "n2"));
            final RegionMeta epoch2 = client.describe(root);
            assertTrue(epoch2.epochVersion() > epoch1.epochVersion(), epoch2.toString());
            assertTrue(cached(dn, root, epoch1.epochVersion()), "detached: the stale cached region stays");

            // it re-attaches and installs a snapshot with the newer epoch
            final long installed = dn.counters().snapshotsInstalled();
            dn.attachReplica(root);
            assertTrue(cluster.await(() ->
            {
                final RegionMeta v = dn.regions().get(root);
                return v != null && v.epochVersion() == epoch2.epochVersion();
            }, 60_000), d + " did not install the region at epoch " + epoch2.epochVersion() + ": " + cluster.describe());
            assertTrue(dn.counters().snapshotsInstalled() > installed, "a snapshot was installed on " + d);
            assertTrue(dn.engine().cache().metrics().get("evictions.APPLY_SNAPSHOT") > applySnapshotEvictions,
                "the stale cached region was evicted (APPLY_SNAPSHOT): " + dn.engine().cache().metrics().values());
            assertTrue(!cached(dn, root, epoch1.epochVersion()), "the stale cached region is gone");

            // then applies a second split from the log, and leads (the child it learned of from the snapshot has its
            // own snapshot first, so that the install counter only moves for the region split next)
            assertTrue(cluster.await(() -> dn.regions().containsKey(child), 60_000),
                d + " did not receive the child's snapshot: " + cluster.describe());
            final long snapshotsBefore = dn.counters().snapshotsInstalled();
            client.split(b("eb/p"));
            final RegionMeta epoch3 = client.describe(root);
            assertTrue(cluster.await(() ->
            {
                final RegionMeta v = dn.regions().get(root);
                return v != null && v.epochVersion() == epoch3.epochVersion();
            }, 30_000), d + " did not apply the second split");
            assertEquals(snapshotsBefore, dn.counters().snapshotsInstalled(), "the second split came from the log");
            client.transferLeader(root, d);
            assertTrue(cluster.await(() -> dn.isLeader(root), 30_000), d + " leads");
            // the new leader caches the new range at the right epoch and serves reads from it
            assertTrue(cluster.await(() ->
            {
                final Region r = dn.engine().cache().region(root);
                return r != null && r.epochVersion() == epoch3.epochVersion() && java.util.Arrays.equals(r.start(),
                    b("eb/p")) && dn.engine().cache().stateOf(root) == RegionState.ACTIVE;
            }, 30_000), d + " did not cache [eb/p, +inf) at epoch " + epoch3.epochVersion() + ": "
                + dn.engine().cache().regions());
            final long cacheReads = dn.counters().cacheReads();
            final long storeReads = dn.counters().storeReads();
            for (final String k : keys("eb/", 'p', 'z', 2))
            {
                final byte[] v = client.getFromFollower(b(k), d).value();
                assertArrayEquals(h.expected(k), v, k);
            }
            assertTrue(dn.counters().cacheReads() - cacheReads >= 22, "reads served by " + d + "'s cache: "
                + (dn.counters().cacheReads() - cacheReads) + " of 22");
            assertEquals(storeReads, dn.counters().storeReads(), "no read of the cached range went to RocksDB");
            // the split meets no unexpected state
            assertEquals(0, dn.counters().engineResults(ResultCode.INTERNAL_ERROR));
            assertEquals(0, dn.counters().engineResults(ResultCode.STATE_CONFLICT), "STATE_CONFLICT on " + d);
            assertEquals(0, dn.engine().cache().metrics().get("evictions.STATE_CONFLICT"));

            cluster.endChecks("after the snapshot with a newer epoch and the second split");
            assertNotNull(dn.regions().get(child), d + " hosts the child split off while it was detached");
            final List<String> all = new ArrayList<>(keys);
            all.add("eb/zz-pad");
            h.assertEveryKeyOnEveryNode(client, cluster.running.keySet(), all);
            h.assertNoViolations("epoch bumped by snapshot, then split");
        }
        finally
        {
            final List<String> leaks = cluster.closeAll();
            leaks.addAll(cluster.problems);
            assertTrue(leaks.isEmpty(), "bytes in use after close: " + leaks);
        }
    }

    /**
     * The scenario's "it re-attaches" as the API says it: {@link ReplicaNode#attachReplica} "brings a detached replica
     * back from its directory; it catches up from the log or installs a snapshot". Six rounds of detach, writes and
     * purge, attach; each attach must return and the replica must catch up.
     */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void reattachingAReplicaWhoseLogWasPurgedSucceeds() throws Exception
    {
        final long root = ReplicaNode.ROOT_REGION_ID;
        final History23 h = new History23();
        final Cluster23 cluster = new Cluster23(dir, 3, c -> c.segmentSize(Cluster23.SMALL_SEGMENTS));
        try (RegionClient client = new RegionClient(cluster.peers))
        {
            cluster.awaitLeader(root);
            client.transferLeader(root, "n1");
            final ReplicaNode dn = cluster.node("n3");
            for (int round = 0; round < 6; round++)
            {
                for (final String k : keys("ra/", 'a', 'f', 2))
                {
                    h.mustPut(client, k, PAD);
                }
                cluster.awaitCaughtUp("n3", root);
                final long seen = dn.appliedIndex(root);
                dn.detachReplica(root);
                cluster.purgePast(client, root, seen, h, "ra/zz-pad" + round, List.of("n1", "n2"));
                dn.attachReplica(root);
                final long commit = cluster.node("n1").commitIndex(root);
                assertTrue(cluster.await(() -> dn.appliedIndex(root) >= commit, 60_000),
                    "round " + round + ": the re-attached replica did not catch up: " + cluster.describe());
            }
            cluster.endChecks("after six detach / attach rounds");
        }
        finally
        {
            final List<String> leaks = cluster.closeAll();
            assertTrue(leaks.isEmpty(), "bytes in use after close: " + leaks);
        }
    }

    private static boolean cached(final ReplicaNode n, final long regionId, final long epoch)
    {
        final Region r = n.engine().cache().region(regionId);
        return r != null && r.epochVersion() == epoch && n.engine().cache().stateOf(regionId) == RegionState.ACTIVE;
    }
}
