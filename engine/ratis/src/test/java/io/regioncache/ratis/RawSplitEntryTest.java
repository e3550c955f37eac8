package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Raw Split entries (the entry format's 64 split keys, sent with the public {@code sendRaw}) whose new region ids
 * are not the derived ones or collide: README "A Split's new region ids are derived, not chosen"; "a Split entry in
 * the parent's log; each replica that applies it narrows the parent ... and creates the children's groups"; "A malformed ... request is refused in the leader's startTransaction with a typed
 * EntryFormatException reason and is never appended (the client sees INVALID)"; the checks every scenario ends with:
 * "ranges tile the key space".
 */
@Timeout(180)
class RawSplitEntryTest extends SharedClusterTest
{
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
        final RegionMeta root = client.locate(b("a/"));
        final long[] ids = Entry.Split.newRegionIds(root.id(), root.epochVersion(), 2);
        final Reply r = rawSplit(new byte[][] {b("a/"), b("b/")}, ids);
        assertEquals(Reply.Status.OK, r.status(), r.detail());
        client.refresh();
        assertEquals(ids[0], client.locate(b("0")).id());
        assertEquals(ids[1], client.locate(b("a/1")).id());
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

    /** A new id that is already a live region's id (here the first region made above). */
    @Test
    @Order(3)
    void aSplitNamingALiveRegionsIdLeavesNoKeyWithoutARegion() throws Exception
    {
        client.put(b("e/1"), b("e"));
        client.put(b("e/2"), b("e2"));
        final long live = client.locate(b("0")).id();
        final RegionMeta before = client.describe(live);
        final Reply r = rawSplit(new byte[][] {b("e/2")}, new long[] {live});
        assertEquals(Reply.Status.INVALID, r.status(), r.detail());
        client.refresh();
        assertEquals(before.start().length, client.describe(live).start().length, "the live region unchanged");
        assertArrayEquals(b("e"), client.get(b("e/1")).value(), "e/1 (split said " + r.status() + ")");
        assertArrayEquals(b("e2"), client.get(b("e/2")).value(), "e/2 (split said " + r.status() + ")");
        assertNull(ReplicaCheck.awaitConverged(cluster.running.values(), 30_000), "split said " + r.status());
    }

    /**
     * The bytes of a split in format 1 (the previous format, whose ids were the sender's choice): what a raw sender
     * could still send. The leader decodes format 1 but appends only format 2, which allows derived ids alone.
     */
    private static byte[] format1(final Entry.Split split)
    {
        final Wire.Out out = new Wire.Out(64);
        out.u8(EntryCodec.FORMAT_1).u8(EntryCodec.SPLIT).varint(split.regionId()).varint(split.epochVersion())
            .varint(0).varint(split.splitKeys().length);
        for (int i = 0; i < split.splitKeys().length; i++)
        {
            out.bytes(split.splitKeys()[i]).varint(split.newRegionIds()[i]);
        }
        final byte[] legacy = out.toArray();
        // still a well-formed entry (an old log's split replays), so the refusal below is the leader's, not decode's
        assertArrayEquals(split.newRegionIds(), ((Entry.Split)EntryCodec.decode(legacy)).newRegionIds());
        return legacy;
    }

    /**
     * The audit's case: region L split (acknowledged) with its derived id X, then a split of R, led by another node
     * that may not have applied L's split yet, naming X. A leader could not see that X was taken; now it need not:
     * X is not R's derived id, so every leader refuses it (INVALID, never appended), whatever it has applied.
     */
    @Test
    @Order(4)
    void aSplitNamingAnIdAnotherRegionsSplitJustTookIsRefused() throws Exception
    {
        client.put(b("g/1"), b("g"));
        client.put(b("w/1"), b("w"));
        client.split(b("m/"));
        final RegionMeta left = client.locate(b("g/1"));
        final RegionMeta right = client.locate(b("w/1"));
        assertNotEquals(left.id(), right.id());
        final long taken = client.split(b("f/"));
        assertEquals(Entry.Split.newRegionId(left.id(), left.epochVersion(), 0), taken);
        final RegionMeta r = client.locate(b("w/1"));
        final Reply reply = client.sendRaw(r.id(), format1(new Entry.Split(r.id(), r.epochVersion(), 0,
            new byte[][] {b("w/")}, new long[] {taken})));
        assertEquals(Reply.Status.INVALID, reply.status(), reply.detail());
        // by the derivation, or by the leader's own view if it has applied the other split already: both say INVALID
        assertTrue(reply.detail().contains("derived") || reply.detail().contains("taken"), reply.detail());
        client.refresh();
        assertEquals(right.epochVersion(), client.describe(r.id()).epochVersion(), "the refused split changed nothing");
        assertArrayEquals(b("g"), client.get(b("g/1")).value());
        assertArrayEquals(b("w"), client.get(b("w/1")).value());
        assertNull(ReplicaCheck.awaitConverged(cluster.running.values(), 30_000));
    }

    /**
     * Two splits of two regions sent at once, each also forged to name the other's derived id: the forged ones are
     * refused, the real ones both applied with distinct ids, and every key keeps a region.
     */
    @Test
    @Order(5)
    void concurrentSplitsOfTwoRegionsNeverShareAnId() throws Exception
    {
        for (int round = 0; round < 4; round++)
        {
            client.refresh();
            final byte[] h = b("h/" + round);
            final byte[] x = b("x/" + round);
            final RegionMeta left = client.locate(h);
            final RegionMeta right = client.locate(x);
            final long leftId = Entry.Split.newRegionId(left.id(), left.epochVersion(), 0);
            final long rightId = Entry.Split.newRegionId(right.id(), right.epochVersion(), 0);
            assertNotEquals(leftId, rightId);
            final java.util.concurrent.CompletableFuture<Reply> forgedLeft = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> client.sendRaw(left.id(), format1(new Entry.Split(left.id(), left.epochVersion(),
                    0, new byte[][] {h}, new long[] {rightId}))));
            final java.util.concurrent.CompletableFuture<Reply> realRight = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> client.sendRaw(right.id(), EntryCodec.encode(Entry.Split.of(right,
                    x))));
            final java.util.concurrent.CompletableFuture<Reply> realLeft = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> client.sendRaw(left.id(), EntryCodec.encode(Entry.Split.of(left,
                    h))));
            final String at = "round " + round;
            assertEquals(Reply.Status.INVALID, forgedLeft.get().status(), at + ": " + forgedLeft.get());
            assertEquals(Reply.Status.OK, realRight.get().status(), at + ": " + realRight.get());
            assertEquals(Reply.Status.OK, realLeft.get().status(), at + ": " + realLeft.get());
            client.refresh();
            assertEquals(leftId, client.locate(below(h)).id(), at + " " + client.routes());
            assertEquals(rightId, client.locate(below(x)).id(), at + " " + client.routes());
            assertTiles(at);
        }
        assertNull(ReplicaCheck.awaitConverged(cluster.running.values(), 30_000));
    }

    /** @return a key just below {@code key} inside the piece a split at {@code key} makes (last byte minus one). */
    private static byte[] below(final byte[] key)
    {
        final byte[] k = key.clone();
        k[k.length - 1]--;
        return k;
    }
}
