package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.ratis.grpc.GrpcTlsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ResultCode;
import io.regioncache.WriteBatch;

/**
 * Raft and client traffic over mutual TLS (Ratis' gRPC TLS, certificates from PEM files made at test time by a
 * throwaway CA): a cluster of nodes with certificates from the CA works; a client with no certificate, with one
 * signed by another CA, or speaking plaintext is refused before anything reaches a log or an engine; a peer whose
 * certificate another CA signed never joins (it receives no entry, and the others go on without it).
 */
class MutualTlsTest
{
    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @Timeout(180)
    void clusterWorksOverMutualTlsAndRefusesClientsWithoutTheRightCertificate(@TempDir final Path dir)
        throws Exception
    {
        final TestCertificates ca = TestCertificates.newCa(dir.resolve("pki"), "good");
        final TestCertificates other = TestCertificates.newCa(dir.resolve("pki"), "rogue");
        final Map<String, TlsFiles> nodeCerts = new HashMap<>();
        for (final String n : List.of("n1", "n2", "n3"))
        {
            nodeCerts.put(n, ca.issue(n));
        }
        final TlsFiles clientCert = ca.issue("client");
        final TlsFiles rogue = other.issue("client");
        // The rogue client trusts the right CA: only the servers' check of its certificate can stop it.
        final TlsFiles rogueTrustingCa = new TlsFiles(rogue.cert(), rogue.key(), ca.caFile());

        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> c.tls(nodeCerts.get(c.id()))).startAll();
             RegionClient client = RegionClient.builder(cluster.peers).tls(clientCert).build())
        {
            cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID, 30_000);
            for (int i = 0; i < 40; i++)
            {
                client.put(b(String.format("k%03d", i)), b("v" + i));
            }
            final long left = client.split(b("k020"));
            assertNotEquals(ReplicaNode.ROOT_REGION_ID, left);
            cluster.awaitLeader(left, 30_000);
            for (int i = 0; i < 40; i += 3)
            {
                final String k = String.format("k%03d", i);
                final RegionClient.ReadResult r = client.get(b(k));
                assertArrayEquals(b("v" + i), r.value(), k);
                assertEquals(i < 20 ? left : ReplicaNode.ROOT_REGION_ID, r.regionId());
            }
            client.put(b("k005"), b("new"));
            for (final String n : cluster.peers.keySet())
            {
                assertArrayEquals(b("new"), client.getFromFollower(b("k005"), n).value(), "follower read on " + n);
                assertArrayEquals(b("v30"), client.getFromFollower(b("k030"), n).value(), "follower read on " + n);
            }
            cluster.awaitConverged(30_000);
            cluster.assertHealthy();

            final Map<String, Long> applied = new HashMap<>();
            final Map<String, Long> engineCalls = new HashMap<>();
            final Map<String, Long> rejected = new HashMap<>();
            for (final ReplicaNode n : cluster.running.values())
            {
                applied.put(n.id(), n.appliedIndex(ReplicaNode.ROOT_REGION_ID));
                engineCalls.put(n.id(), engineCalls(n));
                rejected.put(n.id(), n.counters().rejectedRequests());
            }
            final byte[] intrusion = EntryCodec.encode(new Entry.Write(ReplicaNode.ROOT_REGION_ID,
                client.locate(b("k030")).epochVersion(), 0,
                List.of(new Entry.Op(WriteBatch.PUT, b("k031"), b("intruder")))));
            final Map<String, RegionClient> strangers = Map.of(
                "plaintext", RegionClient.builder(cluster.peers).retries(2).build(),
                "no certificate", RegionClient.builder(cluster.peers).retries(2)
                    .grpcTls(new GrpcTlsConfig(null, null, ca.caFile().toFile(), false)).build(),
                "certificate of another CA", RegionClient.builder(cluster.peers).retries(2).tls(rogueTrustingCa)
                    .build());
            for (final Map.Entry<String, RegionClient> s : strangers.entrySet())
            {
                try (RegionClient stranger = s.getValue())
                {
                    final Reply r = stranger.sendRaw(ReplicaNode.ROOT_REGION_ID, intrusion);
                    assertNotEquals(Reply.Status.OK, r.status(), s.getKey() + ": " + r);
                    assertNull(stranger.describe(ReplicaNode.ROOT_REGION_ID), s.getKey() + " learned a region");
                    assertThrows(RuntimeException.class, () -> stranger.put(b("k099"), b("intruder")), s.getKey());
                    assertTrue(stranger.routes().isEmpty(), s.getKey() + " learned routes " + stranger.routes());
                }
            }
            // Nothing reached a log (applied indexes unchanged), a state machine (no request refused there) or an
            // engine; the certified client still works and sees no intruder's value.
            for (final ReplicaNode n : cluster.running.values())
            {
                assertEquals(applied.get(n.id()), n.appliedIndex(ReplicaNode.ROOT_REGION_ID), n.id() + " applied");
                assertEquals(engineCalls.get(n.id()), engineCalls(n), n.id() + " engine calls");
                assertEquals(rejected.get(n.id()), n.counters().rejectedRequests(), n.id() + " requests seen");
            }
            assertArrayEquals(b("v31"), client.get(b("k031")).value());
            assertNull(client.get(b("k099")).value());
            cluster.awaitConverged(30_000);
            cluster.assertHealthy();
        }
    }

    @Test
    @Timeout(120)
    void aPeerWithACertificateOfAnotherCaNeverJoins(@TempDir final Path dir) throws Exception
    {
        final TestCertificates ca = TestCertificates.newCa(dir.resolve("pki"), "good");
        final TestCertificates other = TestCertificates.newCa(dir.resolve("pki"), "rogue");
        final Map<String, TlsFiles> nodeCerts = new HashMap<>();
        nodeCerts.put("n1", ca.issue("n1"));
        nodeCerts.put("n2", ca.issue("n2"));
        final TlsFiles rogue = other.issue("n3");
        nodeCerts.put("n3", new TlsFiles(rogue.cert(), rogue.key(), ca.caFile())); // trusts the right CA itself
        final TlsFiles clientCert = ca.issue("client");

        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> c.tls(nodeCerts.get(c.id()))).startAll();
             RegionClient client = RegionClient.builder(cluster.peers).tls(clientCert).retries(5).build())
        {
            final String leader = cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID, 30_000);
            assertNotEquals("n3", leader);
            for (int i = 0; i < 20; i++)
            {
                client.put(b(String.format("k%03d", i)), b("v" + i));
            }
            assertArrayEquals(b("v7"), client.getFromFollower(b("k007"), leader.equals("n1") ? "n2" : "n1").value());
            final ReplicaNode n3 = cluster.node("n3");
            final ReplicaNode l = cluster.node(leader);
            assertTrue(l.appliedIndex(ReplicaNode.ROOT_REGION_ID) >= 20, "the two trusted nodes commit alone");
            // The stranger received no entry and no data: its replica is still at its bootstrap snapshot.
            assertEquals(0, n3.appliedIndex(ReplicaNode.ROOT_REGION_ID), "n3 applied something");
            assertEquals(0, n3.counters().engineResults(ResultCode.OK), "n3's engine was written");
            assertTrue(ReplicaCheck.digest(n3, n3.regions().get(ReplicaNode.ROOT_REGION_ID)).startsWith("0:"),
                "n3's RocksDB holds entries");
            assertNotEquals("LEADER", n3.role(ReplicaNode.ROOT_REGION_ID));
            // A follower read on the stranger is refused as well (the client does not trust its certificate).
            try (RegionClient impatient = RegionClient.builder(cluster.peers).tls(clientCert).retries(0).build())
            {
                assertArrayEquals(b("v7"), impatient.get(b("k007")).value());
                assertThrows(RuntimeException.class, () -> impatient.getFromFollower(b("k007"), "n3"));
            }
        }
    }

    private static long engineCalls(final ReplicaNode n)
    {
        long sum = 0;
        for (final ResultCode c : ResultCode.values())
        {
            sum += n.counters().engineResults(c);
        }
        return sum;
    }
}
