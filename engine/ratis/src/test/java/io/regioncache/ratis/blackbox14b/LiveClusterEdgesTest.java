package io.regioncache.ratis.blackbox14b;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.ratis.protocol.RaftGroupId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ratis.Entry;
import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionClientException;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaCheck;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.ReplicaState;
import io.regioncache.ratis.Reply;
import io.regioncache.ratis.ScanPage;

/**
 * One 3-node cluster ({@link LocalNodes#start}, the public in-process cluster) for the documented edges that need
 * replicas: the id {@code split} returns, scans and delete-ranges whose bounds fall exactly on a region's bounds, a
 * node's accessors and group changes for a region it does not host, a prepare naming a target no node has, reads of
 * the empty key, {@code awaitAllCommitted} that cannot be met, and the in-process {@code ReplicaState} /
 * {@code ReplicaCheck} on live nodes. Each test works under its own key prefix. Ends with {@code closeAll()}: no
 * cache holds memory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveClusterEdgesTest
{
    private static final long WAIT_MS = 60_000;

    @TempDir
    static Path dir;
    private LocalNodes nodes;
    private RegionClient client;

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @BeforeAll
    void start() throws Exception
    {
        nodes = LocalNodes.start(3, dir);
        ReplicaCheck.awaitLeader(ReplicaCheck.of(nodes.nodes()), ReplicaNode.ROOT_REGION_ID, WAIT_MS);
        client = RegionClient.builder(nodes.peers()).retries(10).build();
    }

    @AfterAll
    void stop()
    {
        if (client != null)
        {
            client.close();
        }
        if (nodes != null)
        {
            for (final ReplicaNode n : nodes.nodes())
            {
                assertEquals(0, ReplicaState.of(n, false).internalErrors(), n.id() + " internal errors");
                assertEquals(0, n.counters().mergeSourceMissing(), n.id());
            }
            assertEquals(List.of(), nodes.closeAll(), "no cache holds memory after close");
        }
    }

    private static List<String> keys(final List<ScanPage.KeyValue> kvs)
    {
        final List<String> out = new ArrayList<>();
        kvs.forEach(kv -> out.add(new String(kv.key(), StandardCharsets.UTF_8)));
        return out;
    }

    private RegionMeta leaderView(final long id)
    {
        final RegionMeta m = client.describe(id);
        assertNotNull(m, "region " + id);
        return m;
    }

    /**
     * {@code split}: "the left piece becomes a new region (its own Raft group), the right keeps the region's id";
     * "@return the new left region's id: {@code Entry.Split#newRegionId} of the region and the epoch it was split
     * at". Every node then hosts both with one view.
     */
    @Test
    @Order(1)
    void splitReturnsTheDerivedIdAndTheRightPieceKeepsTheRegion() throws Exception
    {
        final RegionMeta before = client.locate(b("s/"));
        final long left = client.split(b("s/"));
        assertEquals(Entry.Split.newRegionId(before.id(), before.epochVersion(), 0), left);
        final RegionMeta l = leaderView(left);
        final RegionMeta r = leaderView(before.id());
        assertArrayEquals(before.start(), l.start(), "the left piece starts where the region did");
        assertArrayEquals(b("s/"), l.end());
        assertArrayEquals(b("s/"), r.start(), "the right piece keeps the id");
        assertArrayEquals(before.end(), r.end());
        assertTrue(r.epochVersion() > before.epochVersion(), "the split bumps the epoch");
        final long middle = client.split(b("s/c"));
        assertEquals(before.id(), client.locate(b("s/c")).id(), "the right keeps the id again");
        assertEquals(middle, client.locate(b("s/b")).id());
        assertNull(ReplicaCheck.awaitConverged(nodes.nodes(), WAIT_MS));
        client.refresh();
        final List<RegionMeta> routes = client.routes();
        assertEquals(3, routes.size(), routes.toString());
        assertEquals(0, routes.get(0).start().length, "routes in start-key order, from the empty key");
        for (int i = 1; i < routes.size(); i++)
        {
            assertArrayEquals(routes.get(i - 1).end(), routes.get(i).start(), "routes tile: " + routes);
        }
        assertNull(ReplicaCheck.awaitConverged(nodes.nodes(), WAIT_MS));
    }

    /**
     * {@code scan}: "{@code start} inclusive start, {@code end} exclusive end (empty = +infinity), {@code limit} most
     * pairs"; "routed across regions"; deletes hidden. Bounds exactly at a region boundary ({@code s/c}), a limit
     * reached exactly at one, a first region part with nothing in it.
     */
    @Test
    @Order(2)
    void scansWhoseBoundsFallOnARegionBoundary()
    {
        for (final String k : new String[] {"s/a", "s/b", "s/c", "s/d"})
        {
            client.put(b(k), b("v" + k));
        }
        final byte[] end = b("s0"); // just above every "s/..." key
        assertEquals(List.of("s/a", "s/b"), keys(client.scan(b("s/a"), b("s/c"), 10)), "end at the boundary: excluded");
        assertEquals(List.of("s/c"), keys(client.scan(b("s/c"), b("s/d"), 10)), "start at the boundary: included");
        assertEquals(List.of("s/a", "s/b"), keys(client.scan(b("s/"), end, 2)), "the limit met at the boundary");
        assertEquals(List.of("s/b", "s/c"), keys(client.scan(b("s/b"), end, 2)), "the limit across the boundary");
        assertEquals(List.of("s/a", "s/b", "s/c", "s/d"), keys(client.scan(b("s/"), end, Integer.MAX_VALUE)));
        assertEquals(List.of(), keys(client.scan(b("s/b\u0000"), b("s/c"), 10)), "nothing left in the region");
        assertEquals(List.of("s/c"), keys(client.scan(b("s/b\u0000"), end, 1)), "an empty first part, then on");
        client.delete(b("s/c"));
        assertEquals(List.of("s/b", "s/d"), keys(client.scan(b("s/b"), end, 2)), "a delete is hidden, the limit kept");
        assertEquals(client.locate(b("s/d")).id(), client.get(b("s/d")).regionId(), "ReadResult: the region that served it");
        assertEquals(client.locate(b("s/a")).id(), client.getFromFollower(b("s/a"), "n2").regionId());
        final List<ScanPage.KeyValue> kv = client.scan(b("s/d"), new byte[0], 1);
        assertEquals(List.of("s/d"), keys(kv));
        assertArrayEquals(b("vs/d"), kv.get(0).value());
    }

    /**
     * {@code deleteRange}: "MVCC delete-range inside one region" and README "a delete-range past the end of the
     * region holding its start: {@code KEY_NOT_IN_REGION}" (refused at the call). An end exactly at the region's end
     * is inside; an empty end (+infinity) in a bounded region is past it.
     */
    @Test
    @Order(3)
    void deleteRangesWhoseEndFallsOnTheRegionEnd()
    {
        final RegionMeta mid = client.locate(b("s/a"));
        assertArrayEquals(b("s/c"), mid.end());
        final long refusedBefore = totalRejected();
        final RegionClientException past = assertThrows(RegionClientException.class,
            () -> client.deleteRange(b("s/a"), new byte[0]));
        assertEquals(Reply.Status.KEY_NOT_IN_REGION, past.status());
        assertEquals(refusedBefore, totalRejected(), "refused at the call");
        assertArrayEquals(b("vs/a"), client.get(b("s/a")).value(), "nothing deleted");
        final long v = client.deleteRange(b("s/a"), b("s/c"));
        assertTrue(v > 0);
        assertNull(client.get(b("s/a")).value());
        assertNull(client.get(b("s/b")).value());
        assertArrayEquals(b("vs/d"), client.get(b("s/d")).value(), "the next region untouched");
        client.put(b("s/c"), b("again"));
        assertArrayEquals(b("again"), client.get(b("s/c")).value());
    }

    private long totalRejected()
    {
        long n = 0;
        for (final ReplicaNode node : nodes.nodes())
        {
            n += node.counters().rejectedRequests() + node.counters().replies(Reply.Status.KEY_NOT_IN_REGION);
        }
        return n;
    }

    /**
     * A node asked about a region it does not host: {@code role} null ("null if it hosts no running replica"),
     * {@code isLeader} false, {@code appliedIndex} -1, {@code commitIndex} -1; {@code detachReplica} of it and
     * {@code attachReplica} of a region already attached: "@throws IOException if Ratis refuses". Group ids map
     * back ({@code regionIdOf}: "-1 if the group is not a region's"). The client: {@code describe} null,
     * {@code awaitAllCommitted} false "if not in time".
     */
    @Test
    @Order(4)
    void unknownRegionsAndImpossibleWaits() throws Exception
    {
        final long unknown = 123_456_789L;
        for (final ReplicaNode n : nodes.nodes())
        {
            assertNull(n.role(unknown), n.id());
            assertFalse(n.isLeader(unknown));
            assertEquals(-1, n.appliedIndex(unknown));
            assertEquals(-1, n.commitIndex(unknown));
            assertFalse(n.regions().containsKey(unknown));
            assertThrows(IOException.class, () -> n.detachReplica(unknown), n.id() + " detach of an unknown region");
            assertThrows(IOException.class, () -> n.attachReplica(ReplicaNode.ROOT_REGION_ID),
                n.id() + " attach of a region it hosts");
            assertNotNull(n.role(ReplicaNode.ROOT_REGION_ID), "the refused attach left the replica running");
        }
        assertEquals(unknown, ReplicaNode.regionIdOf(ReplicaNode.groupIdOf(unknown)));
        assertEquals(-1, ReplicaNode.regionIdOf(RaftGroupId.randomId()));
        assertNull(client.describe(unknown));
        assertNull(client.describe(0));
        final ReplicaNode any = nodes.nodes().get(0);
        final long commit = any.commitIndex(ReplicaNode.ROOT_REGION_ID);
        final long t0 = System.nanoTime();
        assertFalse(client.awaitAllCommitted(ReplicaNode.ROOT_REGION_ID, commit + 1_000_000, 500),
            "an index no one will commit in time");
        final long took = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(took >= 400 && took < 10_000, "about its 500 ms: " + took);
        assertTimeoutPreemptively(Duration.ofSeconds(30),
            () -> assertFalse(client.awaitAllCommitted(unknown, 1, 500), "a region no node hosts"));
        assertNull(ReplicaCheck.awaitConverged(nodes.nodes(), WAIT_MS));
    }

    /**
     * README "Merges": "The leader also refuses, before logging them ({@code INVALID}, nothing in the log), merge
     * entries naming a region its node does not know: a {@code PrepareMerge} ... whose target is not a region of
     * that node". Through the client: {@code INVALID}, the source stays {@code NORMAL} at its epoch and takes writes.
     * A prepare into itself is malformed ({@code INVALID}).
     */
    @Test
    @Order(5)
    void aPrepareIntoAnUnknownTargetIsInvalidAndChangesNothing() throws Exception
    {
        final RegionMeta source = client.locate(b("s/a"));
        final RegionClientException unknown = assertThrows(RegionClientException.class,
            () -> client.prepareMerge(source.id(), 987_654_321L));
        assertEquals(Reply.Status.INVALID, unknown.status(), unknown.getMessage());
        final RegionClientException self = assertThrows(RegionClientException.class,
            () -> client.prepareMerge(source.id(), source.id()));
        assertEquals(Reply.Status.INVALID, self.status(), self.getMessage());
        final RegionMeta after = leaderView(source.id());
        assertEquals(RegionMeta.State.NORMAL, after.state());
        assertEquals(source.epochVersion(), after.epochVersion());
        assertEquals(0, after.mergeTarget());
        client.put(b("s/a"), b("still"));
        assertArrayEquals(b("still"), client.getFromFollower(b("s/a"), "n3").value());
        assertNull(ReplicaCheck.awaitConverged(nodes.nodes(), WAIT_MS));
    }

    /**
     * The empty key: never written (the codec refuses it in a write), and a read of it must not break anything: an
     * answer (absent) or {@code INVALID}, in bounded time, on the leader and on a follower, and no node counts an
     * error.
     */
    @Test
    @Order(6)
    void readsOfTheEmptyKeyAnswer()
    {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
        {
            for (final String node : new String[] {null, "n1", "n2", "n3"})
            {
                try
                {
                    final RegionClient.ReadResult r = node == null ? client.get(new byte[0])
                        : client.getFromFollower(new byte[0], node);
                    assertNull(r.value(), "nothing is stored at the empty key");
                }
                catch (final RegionClientException ex)
                {
                    assertEquals(Reply.Status.INVALID, ex.status(), node + ": " + ex.getMessage());
                }
            }
            final RegionClientException put = assertThrows(RegionClientException.class,
                () -> client.put(new byte[0], b("v")));
            assertEquals(Reply.Status.INVALID, put.status());
        });
        for (final ReplicaNode n : nodes.nodes())
        {
            assertEquals(0, ReplicaState.of(n, false).internalErrors(), n.id());
        }
    }

    /**
     * {@code Reply}'s {@code meta}: the replica's view on every refusal by a replica that holds the region. Raw
     * entries through {@code sendRaw}: a write at a stale epoch carries the view; a rollback of a region with no merge
     * is refused {@code INVALID} at apply, and that reply carries the view too (audit 14 found the Javadoc promising
     * null there; the Javadoc now says what the state machine does).
     */
    @Test
    @Order(7)
    void aReplyCarriesAViewOnlyWhereDocumented()
    {
        final RegionMeta m = leaderView(client.locate(b("s/a")).id());
        final Reply stale = client.sendRaw(m.id(), io.regioncache.ratis.EntryCodec.encode(new Entry.Write(m.id(),
            m.epochVersion() + 5, 0, List.of(new Entry.Op(io.regioncache.WriteBatch.PUT, b("s/a"), b("x"))))));
        assertEquals(Reply.Status.STALE_EPOCH, stale.status(), stale.toString());
        assertEquals(m.id(), stale.meta().id(), "STALE_EPOCH carries the view");
        final Reply noMerge = client.sendRaw(m.id(), io.regioncache.ratis.EntryCodec.encode(
            new Entry.RollbackMerge(m.id(), m.epochVersion(), 0)));
        assertEquals(Reply.Status.INVALID, noMerge.status(), noMerge.detail());
        assertEquals(m.epochVersion(), leaderView(m.id()).epochVersion(), "the refused rollback changed nothing");
        // The Javadoc now says what the state machine does: a replica that holds the region attaches its view to
        // every refusal (the audit found it on INVALID, MERGING and REGION_GONE where the Javadoc promised null).
        assertNotNull(noMerge.meta(), "an INVALID refusal by a replica that holds the region carries its view");
        assertEquals(m.id(), noMerge.meta().id());
        assertEquals(m.epochVersion(), noMerge.meta().epochVersion());
    }

    /**
     * {@code ReplicaState.of(n, true)}: "optionally a digest of the region's stored entries", "count and SHA-256
     * prefix"; JSON round trip on live states; {@code ReplicaCheck}'s in-process verdicts: converged, no divergence,
     * a leader per region, {@code regions(nodes)} = {@code regionsOf(states)}; {@code digest} of a range nothing was
     * written to is a count of 0.
     */
    @Test
    @Order(8)
    void liveStatesDigestAndRoundTrip() throws Exception
    {
        assertNull(ReplicaCheck.awaitConverged(nodes.nodes(), WAIT_MS));
        assertEquals(List.of(), ReplicaCheck.divergences(nodes.nodes()));
        assertNull(ReplicaCheck.convergenceProblem(nodes.nodes()));
        final List<ReplicaState> states = ReplicaCheck.settledDigests(ReplicaCheck.of(nodes.nodes()));
        assertEquals(3, states.size());
        int led = 0;
        for (final ReplicaState s : states)
        {
            assertEquals(s, ReplicaState.fromJson(s.toJson()), s.node());
            for (final ReplicaState.Replica r : s.replicas().values())
            {
                assertNotNull(r.digest(), s.node() + " " + r.meta());
                assertTrue(r.digest().matches("\\d+:[0-9a-f]{12}"), r.digest());
            }
            led += s.led();
            assertEquals(s.replicas().size(), s.led() + s.followed());
        }
        final Map<Long, RegionMeta> regions = ReplicaCheck.regions(nodes.nodes());
        assertEquals(regions, ReplicaCheck.regionsOf(states));
        assertEquals(3, regions.size(), regions.toString());
        assertEquals(regions.size(), led, "one leader per region");
        for (final long id : regions.keySet())
        {
            final String leader = ReplicaCheck.awaitLeader(ReplicaCheck.of(nodes.nodes()), id, WAIT_MS);
            assertTrue(nodes.nodes().stream().anyMatch(n -> n.id().equals(leader) && n.isLeader(id)), leader);
        }
        final ReplicaNode n1 = nodes.nodes().get(0);
        final String empty = ReplicaCheck.digest(n1, RegionMeta.initial(999, b("zz/none"), b("zz/none\u0000")));
        assertTrue(empty.startsWith("0:"), empty);
        assertEquals(empty, ReplicaCheck.digest(nodes.nodes().get(1), RegionMeta.initial(998, b("zz/none"),
            b("zz/none\u0000"))), "the same empty range hashes alike on every node");
    }

    /**
     * {@code detachReplica}: "Take this node's replica of a region out of its group without stopping the node ...
     * Models a replica cut off from its peers"; {@code role}: "null if it hosts no running replica of it";
     * {@code commitIndex}: "-1 (no running replica)". The other two keep taking writes; {@code attachReplica}
     * "brings it back ... it catches up", and a follower read there sees the write made while it was out.
     */
    @Test
    @Order(9)
    void aDetachedReplicaIsNotRunningAndCatchesUpWhenAttached() throws Exception
    {
        final long region = client.locate(b("s/a")).id();
        final ReplicaNode follower = nodes.nodes().stream().filter(n -> !n.isLeader(region)).findFirst().orElseThrow();
        follower.detachReplica(region);
        assertNull(follower.role(region), "no running replica: no role");
        assertFalse(follower.isLeader(region));
        assertEquals(-1, follower.commitIndex(region));
        assertThrows(IOException.class, () -> follower.detachReplica(region), "a second detach: Ratis refuses");
        client.put(b("s/a"), b("while-out"));
        follower.attachReplica(region);
        assertNull(ReplicaCheck.awaitConverged(nodes.nodes(), WAIT_MS));
        assertNotNull(follower.role(region), "running again");
        assertArrayEquals(b("while-out"), client.getFromFollower(b("s/a"), follower.id()).value());
        assertEquals(List.of(), ReplicaCheck.divergences(nodes.nodes()));
    }
}
