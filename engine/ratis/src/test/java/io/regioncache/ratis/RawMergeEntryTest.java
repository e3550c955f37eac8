package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Raw {@code CommitMerge} entries (sent with the public {@code sendRaw}) that do not match the source's prepare:
 * README "A target replica checks a CommitMerge against the source's seal as its node recorded it". Each is
 * refused at apply on every replica (the entry is well-formed, so it is appended), the ranges still tile the key
 * space, nothing is lost, and the real commit still works afterwards. Found by the replication audit: a commit naming
 * a wider source range was applied over a live neighbour, leaving two regions over one range; and a commit naming a
 * source epoch since rolled back was applied. Also a commit and a rollback of one merge sent at once by two clients:
 * exactly one wins, on every replica alike.
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

    /**
     * Seal the source's merge, as {@code commitMerge} does before it sends the commit, and wait, as it does, until
     * every node's replica of the source applied the seal: the target's leader refuses a commit whose seal its node
     * has not recorded yet ("no seal at epoch"), before it checks what the test sends the commit for (a CI run of
     * 2026-12-06 sent it while the target leader's replica of the source was still MERGING).
     */
    private RegionMeta seal(final long source, final long target) throws InterruptedException
    {
        final RegionMeta m = client.describe(source);
        final Reply r = client.sendRaw(source, EntryCodec.encode(new Entry.SealMerge(source, m.epochVersion(), 0,
            target, client.describe(target).epochVersion())));
        assertEquals(Reply.Status.OK, r.status(), r.toString());
        final RegionMeta sealed = client.describe(source);
        assertEquals(RegionMeta.State.SEALED, sealed.state(), sealed.toString());
        cluster.await(() -> cluster.running.values().stream().allMatch(n ->
        {
            final RegionMeta there = n.regions().get(source);
            return there != null && there.state() == RegionMeta.State.SEALED;
        }), "every node's replica of the source applied the seal");
        return sealed;
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
        final RegionMeta src = seal(s, t);
        final Reply r = commit(t, s, src.epochVersion(), new byte[0], src.end(), src.lastVersion());
        assertEquals(Reply.Status.INVALID, r.status(), r.toString());
        assertTrue(r.detail().contains("another range"), r.detail());
        assertTilesAndConverges("after the wider commit");
        assertEquals(a, client.locate(b("0")).id(), "A still holds its range");
        client.commitMerge(s, t);             // the real commit still applies (its seal answers OK again)
        assertTilesAndConverges("after the real commit");
        assertArrayEquals(b("in-A"), client.get(b("0")).value());
        assertArrayEquals(b("in-S"), client.get(b("b")).value());
        assertEquals(t, client.locate(b("b")).id());
    }

    /** A source sealed for its left neighbour, committed by its right neighbour; then it cannot roll back. */
    @Test
    @Order(2)
    void aCommitByARegionTheSourceWasNotSealedForIsRefused() throws Exception
    {
        final long a = client.locate(b("0")).id();      // A = [, a)
        final long s = client.split(b("e"));            // S = [a, e), the root keeps [e, +inf)
        final long root = client.locate(b("e")).id();
        client.prepareMerge(s, a);
        final RegionMeta src = seal(s, a);
        final Reply r = commit(root, s, src.epochVersion(), src.start(), src.end(), src.lastVersion());
        assertEquals(Reply.Status.INVALID, r.status(), r.toString());
        assertTrue(r.detail().contains("sealed for the merge into " + a), r.detail());
        assertTilesAndConverges("after the commit by the wrong target");
        final RegionClientException sealed = org.junit.jupiter.api.Assertions.assertThrows(
            RegionClientException.class, () -> client.rollbackMerge(s));
        assertEquals(Reply.Status.INVALID, sealed.status(), sealed.toString());
        assertEquals(RegionMeta.State.SEALED, client.describe(s).state());
        client.commitMerge(s, a);
        assertTilesAndConverges("after the real commit");
        assertArrayEquals(b("in-S"), client.get(b("b")).value());
        assertEquals(a, client.locate(b("d")).id());
    }

    /** A version floor below the source's last version would let the merged region write below the source's data. */
    @Test
    @Order(3)
    void aCommitNamingALowerLastVersionIsRefused() throws Exception
    {
        final long s = client.split(b("g"));            // S = [e, g), the root keeps [g, +inf)
        final long root = client.locate(b("g")).id();
        client.put(b("f"), b("in-S"));
        client.prepareMerge(s, root);
        final RegionMeta src = seal(s, root);
        final Reply r = commit(root, s, src.epochVersion(), src.start(), src.end(), src.lastVersion() - 1);
        assertEquals(Reply.Status.INVALID, r.status(), r.toString());
        assertTrue(r.detail().contains("last version"), r.detail());
        assertTilesAndConverges("after the low commit");
        client.commitMerge(s, root);
        assertTilesAndConverges("after the real commit");
        assertArrayEquals(b("in-S"), client.get(b("f")).value());
        final long v = client.put(b("f"), b("after"));
        assertTrue(v > src.lastVersion(), v + " > " + src.lastVersion());
    }

    /** An epoch the source passed (by a split) without ever sealing at it: refused as stale on every replica. */
    @Test
    @Order(4)
    void aCommitNamingAnEpochTheSourceNeverSealedAtIsStale() throws Exception
    {
        final long s = client.split(b("k"));            // S = [e, k), the root keeps [k, +inf)
        final long root = client.locate(b("k")).id();
        final RegionMeta before = client.describe(s);
        client.split(b("f"));                           // S = [f, k) at the next epoch
        final RegionMeta after = client.describe(s);
        final Reply r = commit(root, s, before.epochVersion(), after.start(), after.end(), after.lastVersion());
        assertEquals(Reply.Status.STALE_EPOCH, r.status(), r.toString());
        assertTilesAndConverges("after the stale commit");
    }

    /**
     * The audit's second case: prepared, rolled back, prepared again; a commit naming the first prepare (its epoch,
     * range and version) is stale, because the source never sealed at that epoch.
     */
    @Test
    @Order(5)
    void aCommitNamingARolledBackPrepareIsStale() throws Exception
    {
        final long s = client.locate(b("g")).id();      // [f, k)
        final long root = client.locate(b("k")).id();
        client.prepareMerge(s, root);
        final RegionMeta stale = client.describe(s);
        client.rollbackMerge(s);
        client.prepareMerge(s, root);
        assertEquals(stale.epochVersion() + 1, client.describe(s).epochVersion());
        final Reply r = commit(root, s, stale.epochVersion(), stale.start(), stale.end(), stale.lastVersion());
        assertEquals(Reply.Status.STALE_EPOCH, r.status(), r.toString());
        assertTilesAndConverges("after the stale commit");
        client.rollbackMerge(s);
        client.put(b("h"), b("in-S again"));
        assertArrayEquals(b("in-S again"), client.get(b("h")).value());
    }

    /**
     * The target moves after the seal (here it splits off the piece next to the source): the commit can never apply,
     * so it is refused and the sealed source may roll back, and takes writes again.
     */
    @Test
    @Order(6)
    void aSealedMergeWhoseTargetMovedRollsBack() throws Exception
    {
        final long s = client.locate(b("g")).id();      // [f, k)
        final long root = client.locate(b("k")).id();   // [k, +inf)
        client.prepareMerge(s, root);
        seal(s, root);
        final long piece = client.split(b("m"));        // [k, m) split off; the root keeps [m, +inf)
        final RegionClientException commit = org.junit.jupiter.api.Assertions.assertThrows(
            RegionClientException.class, () -> client.commitMerge(s, root));
        assertEquals(Reply.Status.STALE_EPOCH, commit.status(), commit.toString());
        client.rollbackMerge(s);
        assertEquals(RegionMeta.State.NORMAL, client.describe(s).state());
        client.put(b("h"), b("after the unsealed rollback"));
        assertArrayEquals(b("after the unsealed rollback"), client.get(b("h")).value());
        assertEquals(piece, client.locate(b("k")).id());
        assertTilesAndConverges("after the rollback of a sealed merge");
    }

    /**
     * A raw rollback of a sealed merge whose target has not moved: every replica waits for the target (10 s), then
     * refuses it, since the commit can still apply; the commit then does.
     */
    @Test
    @Order(7)
    void aRawRollbackOfASealedMergeWhoseTargetStaysIsRefused() throws Exception
    {
        final long s = client.locate(b("g")).id();      // [f, k)
        final long piece = client.locate(b("k")).id();  // [k, m)
        client.prepareMerge(s, piece);
        final RegionMeta sealed = seal(s, piece);
        final Reply r = client.sendRaw(s, EntryCodec.encode(new Entry.RollbackMerge(s, sealed.epochVersion(), 0)));
        assertEquals(Reply.Status.INVALID, r.status(), r.toString());
        assertTrue(r.detail().contains("has not moved"), r.detail());
        assertEquals(RegionMeta.State.SEALED, client.describe(s).state());
        client.commitMerge(s, piece);
        assertArrayEquals(b("after the unsealed rollback"), client.get(b("h")).value());
        assertEquals(piece, client.locate(b("h")).id());
        assertTilesAndConverges("after the refused rollback and the commit");
    }

    /**
     * A commit and a rollback of one merge, sent at once by two clients, each round: exactly one wins, and the
     * client that rolled back writes into the source at once. The seal in the source's log orders them; before it,
     * a replica could apply the rollback and that write before its target applied the commit, and hold the write
     * where the other replicas had refused it. Every round ends converged (each region's data hashed on every
     * replica), and every acknowledged write reads back.
     */
    @Test
    @Order(8)
    void aCommitAndARollbackRacingEndAlikeOnEveryReplica() throws Exception
    {
        int commits = 0;
        int rollbacks = 0;
        try (RegionClient other = cluster.client())
        {
            for (int round = 0; round < 6; round++)
            {
                final String at = "round " + round;
                final byte[] bound = b("r/" + round + "/");
                final long s = client.split(bound);     // S = [.., r/<round>/), the root keeps the rest
                final long root = client.locate(bound).id();
                final byte[] key = b("r/" + round);     // in S
                client.put(key, b("before"));
                client.prepareMerge(s, root);
                final java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                final java.util.concurrent.CompletableFuture<Reply.Status> commit =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> outcome(go, () -> client.commitMerge(s,
                        root)));
                final java.util.concurrent.CompletableFuture<Reply.Status> rollback =
                    java.util.concurrent.CompletableFuture.supplyAsync(() -> outcome(go, () ->
                    {
                        other.rollbackMerge(s);
                        other.put(key, b("after the rollback"));
                    }));
                go.countDown();
                final Reply.Status c = commit.get();
                final Reply.Status r = rollback.get();
                System.out.println(at + ": commit " + c + ", rollback " + r); // which side won, for the record
                assertTrue((c == Reply.Status.OK) != (r == Reply.Status.OK), at + ": commit " + c + ", rollback " + r);
                if (c == Reply.Status.OK)
                {
                    commits++;
                    assertTrue(r == Reply.Status.INVALID || r == Reply.Status.REGION_GONE, at
                        + ": a rollback after the seal (refused) or after the merge: " + r);
                    assertArrayEquals(b("before"), client.get(key).value(), at);
                    assertEquals(root, client.locate(key).id(), at);
                }
                else
                {
                    rollbacks++;
                    assertTrue(c == Reply.Status.STALE_EPOCH || c == Reply.Status.INVALID, at
                        + ": a commit after the rollback (stale seal, or no prepared source left): " + c);
                    assertArrayEquals(b("after the rollback"), client.get(key).value(), at);
                    assertEquals(s, client.locate(key).id(), at);
                }
                assertTilesAndConverges(at);
            }
        }
        assertEquals(6, commits + rollbacks, commits + " commits, " + rollbacks + " rollbacks");
    }

    private static Reply.Status outcome(final java.util.concurrent.CountDownLatch go, final Runnable call)
    {
        try
        {
            go.await();
            call.run();
            return Reply.Status.OK;
        }
        catch (final RegionClientException ex)
        {
            return ex.status();
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return Reply.Status.INVALID;
        }
    }

    /**
     * A real merge, then a follower restarts and replays the target's commit from its log: the source's group is
     * gone there, so the check reads the seal record the node persisted, and every replica ends alike.
     */
    @Test
    @Order(9)
    void aReplayedCommitIsCheckedAgainstThePersistedSeal() throws Exception
    {
        final long s = client.split(b("x"));
        final long root = client.locate(b("x")).id();
        client.put(b("w"), b("in-S"));
        client.prepareMerge(s, root);
        final long sealedAt = client.describe(s).epochVersion();
        client.commitMerge(s, root);
        final String leader = cluster.awaitLeader(root, 20_000);
        final String follower = leader.equals("n3") ? "n2" : "n3";
        cluster.stop(follower);
        client.put(b("y"), b("while down"));
        final ReplicaNode back = cluster.start(follower);
        final RegionMeta record = back.sealedMerge(s, sealedAt);
        assertTrue(record != null && record.mergeTarget() == root && record.state() == RegionMeta.State.SEALED,
            "the seal record read back from " + follower + "'s data directory: " + record);
        assertTilesAndConverges("after the restart");
        assertEquals(0, back.counters().mergeSourceMissing(), back.counters().toMap().toString());
        assertArrayEquals(b("in-S"), client.get(b("w")).value());
        assertArrayEquals(b("while down"), client.get(b("y")).value());
    }
}
