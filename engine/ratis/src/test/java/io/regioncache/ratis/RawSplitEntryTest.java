package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;


/**
 * Raw Split entries (the entry format's 64 split keys, sent with the public {@code sendRaw}) whose new region ids
 * collide: README "a Split entry in the parent's log; each replica that applies it narrows the parent ... and creates
 * the children's groups"; "A malformed ... request is refused in the leader's startTransaction with a typed
 * EntryFormatException reason and is never appended (the client sees INVALID)"; the checks every scenario ends with:
 * "ranges tile the key space".
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(180)
class RawSplitEntryTest
{
    @TempDir
    static Path dir;
    private LocalCluster cluster;
    private RegionClient client;

    @BeforeAll
    void start() throws Exception
    {
        cluster = new LocalCluster(dir, 3, c -> { }).startAll();
        client = cluster.client();
        cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID, 60_000);
    }

    @AfterAll
    void stop() throws Exception
    {
        if (client != null)
        {
            client.close();
        }
        if (cluster != null)
        {
            cluster.close();
        }
    }

    private static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Reply rawSplit(final byte[][] keys, final long[] ids)
    {
        final RegionMeta m = client.locate(keys[0]);
        final byte[] bytes;
        try
        {
            bytes = EntryCodec.encode(new Entry.Split(m.id(), m.epochVersion(), 0, keys, ids));
        }
        catch (final EntryFormatException ex) // refused before sending: as good as the leader's INVALID
        {
            return new Reply(Reply.Status.INVALID, 0, null, null, "encode: " + ex.getMessage());
        }
        final Reply r = client.sendRaw(m.id(), bytes);
        return r;
    }

    /** A multi-key split with distinct fresh ids works: every piece is a region, the ranges tile. */
    @Test
    @Order(1)
    void aTwoKeySplitWithFreshIdsMakesTwoRegions() throws Exception
    {
        client.put(b("a/1"), b("x"));
        client.put(b("b/1"), b("y"));
        final Reply r = rawSplit(new byte[][] {b("a/"), b("b/")}, new long[] {1001, 1002});
        assertEquals(Reply.Status.OK, r.status(), r.detail());
        client.refresh();
        assertEquals(1001, client.locate(b("0")).id());
        assertEquals(1002, client.locate(b("a/1")).id());
        assertEquals(ReplicaNode.ROOT_REGION_ID, client.locate(b("b/1")).id());
        assertArrayEquals(b("x"), client.get(b("a/1")).value());
        assertNull(ReplicaCheck.awaitConverged(cluster.running.values(), 60_000));
    }

    /**
     * The same new id twice in one Split entry. Either it is refused (INVALID, nothing changes) or both pieces stay
     * reachable; what must not happen is a range no region holds.
     */
    @Test
    @Order(2)
    void aSplitNamingOneNewIdTwiceLeavesNoKeyWithoutARegion() throws Exception
    {
        client.put(b("c/1"), b("c"));
        client.put(b("d/1"), b("d"));
        final Reply r = rawSplit(new byte[][] {b("c/"), b("d/")}, new long[] {2001, 2001});
        client.refresh();
        if (r.status() != Reply.Status.OK)
        {
            assertEquals(Reply.Status.INVALID, r.status(), r.detail());
        }
        assertArrayEquals(b("c"), client.get(b("c/1")).value(), "c/1 (split said " + r.status() + ")");
        assertArrayEquals(b("d"), client.get(b("d/1")).value(), "d/1 (split said " + r.status() + ")");
        assertNull(ReplicaCheck.awaitConverged(cluster.running.values(), 30_000), "split said " + r.status());
    }

    /** A new id that is already a live region's id (here the region 1001 made above). */
    @Test
    @Order(3)
    void aSplitNamingALiveRegionsIdLeavesNoKeyWithoutARegion() throws Exception
    {
        client.put(b("e/1"), b("e"));
        client.put(b("e/2"), b("e2"));
        final RegionMeta before = client.describe(1001);
        final Reply r = rawSplit(new byte[][] {b("e/2")}, new long[] {1001});
        client.refresh();
        assertEquals(before.start().length, client.describe(1001).start().length, "region 1001 unchanged");
        assertArrayEquals(b("e"), client.get(b("e/1")).value(), "e/1 (split said " + r.status() + ")");
        assertArrayEquals(b("e2"), client.get(b("e/2")).value(), "e/2 (split said " + r.status() + ")");
        assertNull(ReplicaCheck.awaitConverged(cluster.running.values(), 30_000), "split said " + r.status());
    }
}
