package io.regioncache.ratis.blackbox8;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ratis.Entry;
import io.regioncache.ratis.EntryCodec;
import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.Reply;

/**
 * Black-box: well-formed raw merge entries naming regions that do not exist (a forged id), sent with
 * {@code RegionClient.sendRaw} to a one-node cluster split at "m" (left region L = ["", "m"), region 1 = ["m", "")).
 * README ("Merges"): a raw commit naming another range than the sealed source's (two regions over one range) is
 * refused; a sealed source may roll back once the commit can never apply.
 */
class ForgedMergeEntryTest
{
    private static final long NO_SUCH_REGION = 0x7777_7777L;

    @TempDir
    Path dir;

    private LocalNodes nodes;
    private RegionClient client;
    private long left;

    private static byte[] b(final String s)
    {
        return s.getBytes(US_ASCII);
    }

    @BeforeEach
    void start() throws Exception
    {
        nodes = LocalNodes.start(1, dir);
        final ReplicaNode n = nodes.nodes().get(0);
        assertTrue(n.progress().await(() -> n.isLeader(ReplicaNode.ROOT_REGION_ID), 30_000));
        client = RegionClient.builder(nodes.peers()).retries(3).build();
        client.put(b("a"), b("va"));
        client.put(b("x"), b("vx"));
        left = client.split(b("m"));
        assertTrue(n.progress().await(() -> n.isLeader(left), 30_000));
    }

    @AfterEach
    void stop()
    {
        if (client != null)
        {
            client.close();
        }
        if (nodes != null)
        {
            nodes.close();
        }
    }

    /**
     * A CommitMerge into L naming a source id no region ever had, with region 1's range ["m", "") as the source range.
     * Must be refused (no seal exists for it); L must keep ["", "m") and region 1 must keep serving "x" alone.
     */
    @Test
    void aCommitNamingAnUnknownSourceIsRefusedAndTakesNoRange()
    {
        final RegionMeta l = client.describe(left);
        final byte[] raw = EntryCodec.encode(new Entry.CommitMerge(left, l.epochVersion(), 0, NO_SUCH_REGION, 1,
            b("m"), b(""), 1));
        final long t0 = System.nanoTime();
        final Reply r = client.sendRaw(left, raw);
        final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println("forged commit of unknown source: " + r.status() + " " + r.detail() + " after " + ms + " ms");
        final RegionMeta after = client.describe(left);
        System.out.println("left region after: " + after);
        assertNotEquals(Reply.Status.OK, r.status(), "a commit of a source that never sealed must be refused");
        assertArrayEquals(b("m"), after.end(), "L must not take region 1's range: two regions over one range");
    }

    /**
     * The same forged commit carrying a source last version near Long.MAX_VALUE: the node's version clock must not be
     * pushed to the end of the long range. Two puts of one key afterwards get increasing positive versions and the
     * second value is read back.
     */
    @Test
    void aForgedSourceLastVersionCannotExhaustTheVersionClock()
    {
        final RegionMeta l = client.describe(left);
        final Reply r = client.sendRaw(left, EntryCodec.encode(new Entry.CommitMerge(left, l.epochVersion(), 0,
            NO_SUCH_REGION, 1, b("m"), b(""), Long.MAX_VALUE - 2)));
        System.out.println("forged commit with last version MAX-2: " + r.status() + " version " + r.version());
        final long v1 = client.put(b("b"), b("first"));
        final long v2 = client.put(b("b"), b("second"));
        final byte[] read = client.get(b("b")).value();
        System.out.println("puts after: " + v1 + ", " + v2 + "; read back: " + (read == null ? null : new String(read, US_ASCII)));
        assertArrayEquals(b("second"), read, "the latest acknowledged write is read back");
        assertTrue(v1 > 0 && v2 > v1, "versions must stay positive and increasing: " + v1 + ", " + v2);
        assertTrue(v2 < Long.MAX_VALUE / 2, "a forged entry pushed the version clock to " + v2);
        assertArrayEquals(b("second"), client.get(b("b")).value(), "the latest write is read back");
    }

    /**
     * PrepareMerge and SealMerge of region 1 into a target id that does not exist: either refused, or region 1 can
     * be rolled back and written again (the commit can never apply: there is no target). Otherwise two raw entries
     * make a region unwritable for good.
     */
    @Test
    void aSealIntoAnUnknownTargetDoesNotFreezeTheRegionForGood()
    {
        final long ep = client.describe(ReplicaNode.ROOT_REGION_ID).epochVersion();
        final Reply p = client.sendRaw(ReplicaNode.ROOT_REGION_ID, EntryCodec.encode(
            new Entry.PrepareMerge(ReplicaNode.ROOT_REGION_ID, ep, 0, NO_SUCH_REGION)));
        final Reply s = client.sendRaw(ReplicaNode.ROOT_REGION_ID, EntryCodec.encode(
            new Entry.SealMerge(ReplicaNode.ROOT_REGION_ID, ep, 0, NO_SUCH_REGION, 1)));
        System.out.println("prepare into unknown target: " + p.status() + "; seal: " + s.status() + " " + s.detail());
        Throwable rollback = null;
        try
        {
            client.rollbackMerge(ReplicaNode.ROOT_REGION_ID);
        }
        catch (final RuntimeException ex)
        {
            rollback = ex;
        }
        final Reply raw = client.sendRaw(ReplicaNode.ROOT_REGION_ID, EntryCodec.encode(
            new Entry.RollbackMerge(ReplicaNode.ROOT_REGION_ID, client.describe(ReplicaNode.ROOT_REGION_ID)
                .epochVersion(), 0)));
        System.out.println("client rollback: " + rollback + "; raw rollback: " + raw.status() + " " + raw.detail());
        final RegionMeta m = client.describe(ReplicaNode.ROOT_REGION_ID);
        System.out.println("region 1 after: " + m);
        assertEquals(RegionMeta.State.NORMAL, m.state(), "region 1 must be writable again: " + m);
        client.put(b("x"), b("vx2"));
        assertArrayEquals(b("vx2"), client.get(b("x")).value());
    }
}
