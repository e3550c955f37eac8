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

            // Scans route across both regions, in key order, hiding the deleted key.
            final java.util.List<ScanPage.KeyValue> all = client.scan(b("k000"), new byte[0], 1_000);
            assertEquals(99, all.size());
            for (int i = 0, k = 0; i < all.size(); i++, k++)
            {
                k = k == 60 ? 61 : k;
                assertArrayEquals(b(String.format("k%03d", k)), all.get(i).key());
                assertArrayEquals(k == 10 ? b("new") : b("v" + k), all.get(i).value());
            }
            final java.util.List<ScanPage.KeyValue> across = client.scan(b("k045"), b("k055"), 1_000);
            assertEquals(10, across.size());
            assertArrayEquals(b("k045"), across.get(0).key());
            assertArrayEquals(b("k054"), across.get(9).key());
            assertEquals(7, client.scan(b("k047"), new byte[0], 7).size());
            assertEquals(0, client.scan(b("k100"), new byte[0], 10).size());

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

    @Test
    @Timeout(120)
    void malformedOrOversizedRequestsAreRefusedBeforeTheLog(@TempDir final Path dir) throws Exception
    {
        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> { }).startAll();
             RegionClient client = cluster.client())
        {
            final String leader = cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID, 20_000);
            client.put(b("a"), b("1"));
            cluster.awaitConverged(20_000);
            final ReplicaNode l = cluster.node(leader);
            final long applied = l.appliedIndex(ReplicaNode.ROOT_REGION_ID);
            final long engineOk = l.counters().engineResults(io.regioncache.ResultCode.OK) +
                l.counters().engineResults(io.regioncache.ResultCode.NOT_CACHED);

            final byte[] good = EntryCodec.encode(new Entry.Write(ReplicaNode.ROOT_REGION_ID, 1, 0,
                java.util.List.of(new Entry.Op(io.regioncache.WriteBatch.PUT, b("b"), b("2")))));
            final byte[][] bad = {
                new byte[0],
                java.util.Arrays.copyOf(good, good.length - 1),
                java.util.Arrays.copyOf(good, good.length + 3),
                {9, 1, 1, 1, 0, 1},
                EntryCodec.encode(new Entry.Get(ReplicaNode.ROOT_REGION_ID, 1, 0, b("a"))), // a read as a write
                new byte[EntryCodec.MAX_ENTRY_BYTES + 1],
            };
            for (final byte[] raw : bad)
            {
                final Reply r = client.sendRaw(ReplicaNode.ROOT_REGION_ID, raw);
                assertEquals(Reply.Status.INVALID, r.status(), r.detail());
            }
            assertEquals(bad.length, l.counters().rejectedRequests(), l.counters().toMap().toString());
            assertEquals(applied, l.appliedIndex(ReplicaNode.ROOT_REGION_ID), "nothing reached the log");
            assertEquals(engineOk, l.counters().engineResults(io.regioncache.ResultCode.OK) +
                l.counters().engineResults(io.regioncache.ResultCode.NOT_CACHED), "nothing reached the engine");
            // A well-formed write routed at a stale epoch goes through the log and is refused on every replica.
            final Reply stale = client.sendRaw(ReplicaNode.ROOT_REGION_ID, EntryCodec.encode(
                new Entry.Write(ReplicaNode.ROOT_REGION_ID, 0, 0,
                    java.util.List.of(new Entry.Op(io.regioncache.WriteBatch.PUT, b("b"), b("2"))))));
            assertEquals(Reply.Status.STALE_EPOCH, stale.status());
            assertNull(client.get(b("b")).value());
            cluster.awaitConverged(20_000);
            cluster.assertHealthy();
        }
    }
}
