package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Raw {@code CommitMerge} entries (sent with the public {@code sendRaw}) that do not match the source's prepare:
 * README "a target replica checks a CommitMerge against the source's prepare as its node recorded it". Each is
 * refused at apply on every replica (the entry is well-formed, so it is appended), the ranges still tile the key
 * space, nothing is lost, and the real commit still works afterwards. Found by the replication audit: a commit naming
 * a wider source range was applied over a live neighbour, leaving two regions over one range.
 */
@Timeout(180)
class RawMergeEntryTest extends SharedClusterTest
{
    private Reply commit(final long target, final long source, final long sourceEpoch, final byte[] start,
        final byte[] end, final long lastVersion)
    {
        final RegionMeta t = client.describe(target);
        return client.sendRaw(target, EntryCodec.encode(new Entry.CommitMerge(target, t.epochVersion(), 0, source,
            sourceEpoch, start, end, lastVersion)));
    }

    private void assertTilesAndConverges(final String at) throws InterruptedException
    {
        assertTiles(at);
        cluster.awaitConverged(30_000);
    }

    /** The audit's case: the source's start moved down over a live neighbour A. */
    @Test
    @Order(1)
    void aCommitNamingAWiderSourceRangeIsRefused() throws Exception
    {
        final long a = client.split(b("a"));   // A = [, a)
        final long s = client.split(b("c"));   // S = [a, c)
        final long t = client.locate(b("c")).id(); // T = [c, +inf)
        client.put(b("0"), b("in-A"));
        client.put(b("b"), b("in-S"));
        client.prepareMerge(s, t);
        final RegionMeta src = client.describe(s);
        final Reply r = commit(t, s, src.epochVersion(), new byte[0], src.end(), src.lastVersion());
        assertEquals(Reply.Status.INVALID, r.status(), r.toString());
        assertTrue(r.detail().contains("another range"), r.detail());
        assertTilesAndConverges("after the wider commit");
        assertEquals(a, client.locate(b("0")).id(), "A still holds its range");
        client.commitMerge(s, t);             // the real commit still applies
        assertTilesAndConverges("after the real commit");
        assertArrayEquals(b("in-A"), client.get(b("0")).value());
        assertArrayEquals(b("in-S"), client.get(b("b")).value());
        assertEquals(t, client.locate(b("b")).id());
    }

    /** A source prepared into its left neighbour, committed by its right neighbour. */
    @Test
    @Order(2)
    void aCommitByARegionTheSourceWasNotPreparedForIsRefused() throws Exception
    {
        final long a = client.locate(b("0")).id();      // A = [, a)
        final long s = client.split(b("e"));            // S = [a, e), the root keeps [e, +inf)
        final long root = client.locate(b("e")).id();
        client.prepareMerge(s, a);
        final RegionMeta src = client.describe(s);
        final Reply r = commit(root, s, src.epochVersion(), src.start(), src.end(), src.lastVersion());
        assertEquals(Reply.Status.INVALID, r.status(), r.toString());
        assertTrue(r.detail().contains("prepared to merge into " + a), r.detail());
        assertTilesAndConverges("after the commit by the wrong target");
        client.rollbackMerge(s);
        client.put(b("d"), b("in-S"));
        assertArrayEquals(b("in-S"), client.get(b("d")).value());
    }

    /** A version floor below the source's last version would let the merged region write below the source's data. */
    @Test
    @Order(3)
    void aCommitNamingALowerLastVersionIsRefused() throws Exception
    {
        final long s = client.locate(b("d")).id();      // S = [a, e), rolled back above
        final long root = client.locate(b("e")).id();
        client.prepareMerge(s, root);
        final RegionMeta src = client.describe(s);
        final Reply r = commit(root, s, src.epochVersion(), src.start(), src.end(), src.lastVersion() - 1);
        assertEquals(Reply.Status.INVALID, r.status(), r.toString());
        assertTrue(r.detail().contains("last version"), r.detail());
        assertTilesAndConverges("after the low commit");
        client.commitMerge(s, root);
        assertTilesAndConverges("after the real commit");
        assertArrayEquals(b("in-S"), client.get(b("d")).value());
        final long v = client.put(b("d"), b("after"));
        assertTrue(v > src.lastVersion(), v + " > " + src.lastVersion());
    }

    /** An epoch the source passed (by a split) without ever preparing at it: refused as stale on every replica. */
    @Test
    @Order(4)
    void aCommitNamingAnEpochTheSourceNeverPreparedAtIsStale() throws Exception
    {
        final long s = client.split(b("g"));            // S = [a, g), the root keeps [g, +inf)
        final long root = client.locate(b("g")).id();
        final RegionMeta before = client.describe(s);
        client.split(b("b"));                           // S = [b, g) at the next epoch
        final RegionMeta after = client.describe(s);
        final Reply r = commit(root, s, before.epochVersion(), after.start(), after.end(), after.lastVersion());
        assertEquals(Reply.Status.STALE_EPOCH, r.status(), r.toString());
        assertTilesAndConverges("after the stale commit");
    }

    /**
     * A real merge, then a follower restarts and replays the target's commit from its log: the source's group is
     * gone there, so the check reads the prepare record the node persisted, and every replica ends alike.
     */
    @Test
    @Order(5)
    void aReplayedCommitIsCheckedAgainstThePersistedPrepare() throws Exception
    {
        final long s = client.locate(b("c")).id();      // [b, g)
        final long root = client.locate(b("g")).id();
        client.put(b("f"), b("in-S"));
        client.prepareMerge(s, root);
        final long preparedAt = client.describe(s).epochVersion();
        client.commitMerge(s, root);
        final String leader = cluster.awaitLeader(root, 20_000);
        final String follower = leader.equals("n3") ? "n2" : "n3";
        cluster.stop(follower);
        client.put(b("h"), b("while down"));
        final ReplicaNode back = cluster.start(follower);
        final RegionMeta record = back.preparedMerge(s, preparedAt);
        assertTrue(record != null && record.mergeTarget() == root, "the prepare record read back from "
            + follower + "'s data directory: " + record);
        assertTilesAndConverges("after the restart");
        assertEquals(0, back.counters().mergeSourceMissing(), back.counters().toMap().toString());
        assertArrayEquals(b("in-S"), client.get(b("f")).value());
        assertArrayEquals(b("while down"), client.get(b("h")).value());
    }
}
