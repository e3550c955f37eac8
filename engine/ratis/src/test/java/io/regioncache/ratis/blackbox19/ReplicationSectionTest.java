package io.regioncache.ratis.blackbox19;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.regioncache.ratis.Entry;
import io.regioncache.ratis.EntryCodec;
import io.regioncache.ratis.EntryFormatException;
import io.regioncache.ratis.LocalNodes;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionClientException;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaCheck;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.Reply;

/**
 * README "## Replication (Apache Ratis, multi-Raft)", checked through the public API on one shared 3-node cluster
 * ({@code LocalNodes}); the tests run in order and each builds on the regions the earlier ones left.
 * <p>
 * Layout as the tests go: root region 1 = every key; order 2 splits off H = [, h/) and merges it back; order 3 splits
 * off P = [, p/) with a format-1 entry; order 4 splits P's area into [, m/b) | A = [m/b, m/d) | B = [m/d, m/f) |
 * C = [m/f, p/).
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicationSectionTest
{
    private static final long WAIT_MS = 90_000;

    @TempDir
    static Path dir;
    private LocalNodes nodes;
    private RegionClient client;

    /** Ids made by order 4, used by the later merge tests. */
    private long a;
    private long b;
    private long c;
    /** The region order 2 split off and merged back (removed on every node). */
    private long h;

    @BeforeAll
    void start() throws Exception
    {
        nodes = LocalNodes.start(3, dir);
        client = new RegionClient(nodes.peers());
        leaderOf(ReplicaNode.ROOT_REGION_ID);
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
            nodes.close();
        }
    }

    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Re-checked after each progress signal of a node (an apply, a leader change, a snapshot), not on a timer. */
    private void await(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final List<io.regioncache.ratis.ProgressSignal> signals = new ArrayList<>();
        nodes.nodes().forEach(n -> signals.add(n.progress()));
        if (!io.regioncache.ratis.ProgressSignal.await(signals, condition, WAIT_MS))
        {
            throw new AssertionError("not within " + WAIT_MS + " ms: " + what);
        }
    }

    private ReplicaNode leaderOf(final long regionId) throws InterruptedException
    {
        final ReplicaNode[] found = new ReplicaNode[1];
        await(() ->
        {
            for (final ReplicaNode n : nodes.nodes())
            {
                if (n.isLeader(regionId))
                {
                    found[0] = n;
                    return true;
                }
            }
            return false;
        }, "a leader of region " + regionId);
        return found[0];
    }

    private long invalidReplies()
    {
        long sum = 0;
        for (final ReplicaNode n : nodes.nodes())
        {
            sum += n.counters().replies(Reply.Status.INVALID);
        }
        return sum;
    }

    private void assertConverged() throws InterruptedException
    {
        assertNull(ReplicaCheck.awaitConverged(nodes.nodes(), WAIT_MS));
    }

    /**
     * README: "raised at apply to {@code max(stamped, region's last version + 1)}. So versions strictly increase in
     * each region's log order, are identical on every replica (they are in the log)"; "every node observes every
     * version it applies".
     */
    @Test
    @Order(1)
    void versionsAreDistinctIncreasingAndTheSameOnEveryReplica() throws Exception
    {
        final List<Long> versions = Collections.synchronizedList(new ArrayList<>());
        final Thread[] writers = new Thread[2];
        final Throwable[] failed = new Throwable[1];
        for (int t = 0; t < writers.length; t++)
        {
            final int id = t;
            writers[t] = new Thread(() ->
            {
                long previous = 0;
                try
                {
                    for (int i = 0; i < 60; i++)
                    {
                        final long v = client.put(b("v/" + id + "/" + i), b("x" + i));
                        assertTrue(v > previous, "one writer's versions increase: " + v + " after " + previous);
                        previous = v;
                        versions.add(v);
                    }
                }
                catch (final Throwable ex)
                {
                    failed[0] = ex;
                }
            });
            writers[t].start();
        }
        for (final Thread w : writers)
        {
            w.join();
        }
        if (failed[0] != null)
        {
            throw new AssertionError(failed[0]);
        }
        final Set<Long> distinct = new HashSet<>(versions);
        assertEquals(versions.size(), distinct.size(), "every write of one region gets its own version");
        final long max = Collections.max(versions);
        await(() -> nodes.nodes().stream().allMatch(n -> n.regions().get(ReplicaNode.ROOT_REGION_ID) != null
            && n.regions().get(ReplicaNode.ROOT_REGION_ID).lastVersion() >= max), "every replica applied " + max);
        for (final ReplicaNode n : nodes.nodes())
        {
            assertEquals(max, n.regions().get(ReplicaNode.ROOT_REGION_ID).lastVersion(), n.id());
            assertTrue(n.clock().current() >= max, n.id() + " observed the versions it applied");
        }
        // a read without a version reads at the last applied version and says so
        final RegionClient.ReadResult r = client.getFromFollower(b("v/0/59"), "n2");
        assertEquals(max, r.readVersion());
        assertArrayEquals(b("x59"), r.value());
    }

    /**
     * README: "A {@code Split} naming any other id, one id twice, or an id a region on the leader already has or had,
     * is malformed"; "A malformed or oversized request is refused in the leader's {@code startTransaction} ... (the
     * client sees {@code INVALID})". A split sent again at the epoch of an earlier split derives the id that split
     * took: the child is alive ("has"), then merged away ("had"). Also "If the target merged it, the rollback answers
     * {@code REGION_GONE}", and "a source already merged into this region, {@code INVALID}".
     */
    @Test
    @Order(2)
    void aSplitDerivingAnIdTheLeaderHasOrHadIsInvalid() throws Exception
    {
        final RegionMeta root = client.describe(ReplicaNode.ROOT_REGION_ID);
        client.put(b("a"), b("left"));
        h = client.split(b("h/"));
        assertEquals(Entry.Split.newRegionId(root.id(), root.epochVersion(), 0), h, "the derived id");
        final byte[] again = EntryCodec.encode(Entry.Split.of(root, b("k/")));
        final Reply has = client.sendRaw(ReplicaNode.ROOT_REGION_ID, again);
        assertEquals(Reply.Status.INVALID, has.status(), "an id a region on the leader has: " + has);
        assertEquals(root.epochVersion() + 1, client.describe(ReplicaNode.ROOT_REGION_ID).epochVersion());

        client.prepareMerge(h, ReplicaNode.ROOT_REGION_ID);
        final RegionMeta prepared = client.describe(h);
        client.commitMerge(h, ReplicaNode.ROOT_REGION_ID);
        assertArrayEquals(b("left"), client.get(b("a")).value());
        await(() -> nodes.nodes().stream().noneMatch(n -> n.regions().containsKey(h)), "the source gone everywhere");

        final Reply had = client.sendRaw(ReplicaNode.ROOT_REGION_ID, again);
        assertEquals(Reply.Status.INVALID, had.status(), "an id a region on the leader had: " + had);

        final RegionClientException gone = assertThrows(RegionClientException.class, () -> client.rollbackMerge(h));
        assertEquals(Reply.Status.REGION_GONE, gone.status(), gone.toString());

        final RegionMeta merged = client.describe(ReplicaNode.ROOT_REGION_ID);
        final Reply twice = client.sendRaw(merged.id(), EntryCodec.encode(new Entry.CommitMerge(merged.id(),
            merged.epochVersion(), 0, h, prepared.epochVersion(), prepared.start(), prepared.end(),
            prepared.lastVersion())));
        assertEquals(Reply.Status.INVALID, twice.status(), "a source already merged into this region: " + twice);
        assertEquals(merged.epochVersion(), client.describe(merged.id()).epochVersion(), "nothing changed");
        assertConverged();
    }

    /** Format-1 bytes of a split: format 2's with the format byte 1 (README: "format 1's bytes with derived ids"). */
    private static byte[] format1(final Entry.Split split)
    {
        final byte[] bytes = EntryCodec.encode(split);
        bytes[0] = (byte) EntryCodec.FORMAT_1;
        return bytes;
    }

    /**
     * README: "format 1 still decodes with its ids as written, so logs written before keep replaying, and a format-1
     * split sent now is re-encoded by the leader and refused unless its ids are the derived ones".
     */
    @Test
    @Order(3)
    void aFormatOneSplitIsTakenWithDerivedIdsOnly() throws Exception
    {
        final RegionMeta root = client.describe(ReplicaNode.ROOT_REGION_ID);
        final Entry.Split derived = Entry.Split.of(root, b("p/"));
        final byte[] derivedBytes = format1(derived);
        final Entry.Split other = new Entry.Split(root.id(), root.epochVersion(), 0, new byte[][] {b("p/")},
            new long[] {424_242L});
        final Reply refused = client.sendRaw(root.id(), format1Raw(other));
        assertEquals(Reply.Status.INVALID, refused.status(), "a chosen id: " + refused);
        assertEquals(root.epochVersion(), client.describe(root.id()).epochVersion(), "never appended");

        final Reply ok = client.sendRaw(root.id(), derivedBytes);
        assertEquals(Reply.Status.OK, ok.status(), "a format-1 split with the derived id: " + ok);
        client.refresh();
        final long p = derived.newRegionIds()[0];
        assertEquals(p, client.locate(b("a")).id());
        assertEquals(ReplicaNode.ROOT_REGION_ID, client.locate(b("p/")).id());
        assertArrayEquals(b("left"), client.get(b("a")).value());
        assertConverged();
    }

    /** Format-1 bytes written field by field (for ids the format-2 encoder refuses). */
    private static byte[] format1Raw(final Entry.Split s)
    {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(EntryCodec.FORMAT_1);
        out.write(2); // SPLIT
        varint(out, s.regionId());
        varint(out, s.epochVersion());
        varint(out, 0);
        varint(out, s.splitKeys().length);
        for (int i = 0; i < s.splitKeys().length; i++)
        {
            varint(out, s.splitKeys()[i].length);
            out.writeBytes(s.splitKeys()[i]);
            varint(out, s.newRegionIds()[i]);
        }
        final byte[] bytes = out.toByteArray();
        assertEquals(s.newRegionIds()[0], ((Entry.Split) EntryCodec.decode(bytes)).newRegionIds()[0],
            "format 1 decodes its ids as written");
        return bytes;
    }

    private static void varint(final java.io.ByteArrayOutputStream out, final long value)
    {
        long v = value;
        while ((v & ~0x7FL) != 0)
        {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    /**
     * README: "{@code SealMerge} ... is sent by {@code RegionClient.commitMerge} once every node reports the source
     * prepared and fresh views show the target adjacent and not merging itself (otherwise {@code INVALID} or
     * {@code MERGING}, nothing sealed, and the caller rolls back)". Here the target is itself prepared to merge.
     */
    @Test
    @Order(4)
    void aCommitIntoATargetThatIsMergingItselfIsMergingAndSealsNothing() throws Exception
    {
        client.split(b("m/b"));
        a = client.split(b("m/d"));
        b = client.split(b("m/f"));
        c = client.locate(b("m/f")).id();
        client.put(b("m/c"), b("in-a"));
        client.put(b("m/e"), b("in-b"));
        client.put(b("m/g"), b("in-c"));
        client.prepareMerge(b, c);
        client.prepareMerge(a, b);
        final RegionClientException ex = assertThrows(RegionClientException.class, () -> client.commitMerge(a, b));
        assertEquals(Reply.Status.MERGING, ex.status(), ex.toString());
        assertEquals(RegionMeta.State.MERGING, client.describe(a).state(), "nothing sealed");
        client.rollbackMerge(a);
        client.rollbackMerge(b);
        assertEquals(RegionMeta.State.NORMAL, client.describe(a).state());
        assertEquals(RegionMeta.State.NORMAL, client.describe(b).state());
        client.put(b("m/c"), b("in-a again"));
        client.put(b("m/e"), b("in-b again"));
        assertArrayEquals(b("in-a again"), client.getFromFollower(b("m/c"), "n3").value());
        assertArrayEquals(b("in-b again"), client.getFromFollower(b("m/e"), "n1").value());
        assertConverged();
    }

    /**
     * README: "The leader also refuses, before logging them ({@code INVALID}, nothing in the log), ... a
     * {@code CommitMerge} whose source has no seal recorded there at the named epoch while the node's source replica
     * is not past it". Here the source is prepared but not sealed.
     */
    @Test
    @Order(5)
    void aCommitOfAPreparedButUnsealedSourceIsRefusedBeforeTheLog() throws Exception
    {
        client.prepareMerge(a, b);
        final RegionMeta src = client.describe(a);
        final RegionMeta target = client.describe(b);
        final ReplicaNode leader = leaderOf(b);
        final long index = leader.commitIndex(b);
        final Reply r = client.sendRaw(b, EntryCodec.encode(new Entry.CommitMerge(b, target.epochVersion(), 0, a,
            src.epochVersion(), src.start(), src.end(), src.lastVersion())));
        assertEquals(Reply.Status.INVALID, r.status(), r.toString());
        if (leader.isLeader(b))
        {
            assertEquals(index, leader.commitIndex(b), "nothing appended to the target's log");
        }
        assertEquals(target.epochVersion(), client.describe(b).epochVersion());
        assertEquals(RegionMeta.State.MERGING, client.describe(a).state());
    }

    /**
     * README: "the source applies a {@code RollbackMerge} after its seal only once its node's target replica has moved
     * past that epoch ... and otherwise refuses the rollback ({@code INVALID}, "commit it";
     * {@code RegionClient.rollbackMerge} says so at once, without sending)"; "A second seal at the same target epoch
     * answers OK, so a {@code commitMerge} that failed after it can be repeated; at another, {@code STALE_EPOCH}";
     * "naming the source as the seal fixed it (the prepared range and epoch, and the last version the seal answers)".
     */
    @Test
    @Order(6)
    void aSealedMergeIsNotRolledBackByTheClientAndItsCommitCanBeRepeated() throws Exception
    {
        final RegionMeta src = client.describe(a);
        assertEquals(RegionMeta.State.MERGING, src.state(), "prepared by order 5");
        final RegionMeta target = client.describe(b);
        final byte[] seal = EntryCodec.encode(new Entry.SealMerge(a, src.epochVersion(), 0, b, target.epochVersion()));
        final Reply first = client.sendRaw(a, seal);
        assertEquals(Reply.Status.OK, first.status(), first.toString());
        assertEquals(src.lastVersion(), first.version(), "the seal answers the source's last version");
        final Reply second = client.sendRaw(a, seal);
        assertEquals(Reply.Status.OK, second.status(), "a second seal at the same target epoch: " + second);
        final Reply other = client.sendRaw(a, EntryCodec.encode(new Entry.SealMerge(a, src.epochVersion(), 0, b,
            target.epochVersion() + 7)));
        assertEquals(Reply.Status.STALE_EPOCH, other.status(), "a seal at another target epoch: " + other);
        assertEquals(RegionMeta.State.SEALED, client.describe(a).state());
        assertEquals(target.epochVersion(), client.describe(a).mergeTargetEpoch(), "the seal names the target's epoch");

        await(() -> nodes.nodes().stream().allMatch(n -> n.regions().get(a) != null
            && n.regions().get(a).state() == RegionMeta.State.SEALED), "every replica sealed");
        final ReplicaNode leader = leaderOf(a);
        final long index = leader.commitIndex(a);
        final long invalid = invalidReplies();
        final RegionClientException refused = assertThrows(RegionClientException.class, () -> client.rollbackMerge(a));
        assertEquals(Reply.Status.INVALID, refused.status(), refused.toString());
        assertTrue(refused.getMessage().contains("commit it"), refused.getMessage());
        if (leader.isLeader(a))
        {
            assertEquals(index, leader.commitIndex(a), "the rollback was not sent");
        }
        assertEquals(invalid, invalidReplies(), "no replica refused a rollback: it was not sent");

        client.commitMerge(a, b);
        assertEquals(b, client.locate(b("m/c")).id());
        assertArrayEquals(b("in-a again"), client.get(b("m/c")).value());
        assertArrayEquals(b("in-b again"), client.get(b("m/e")).value());
        final long v = client.put(b("m/c"), b("after"));
        assertTrue(v > src.lastVersion(), v + " > " + src.lastVersion());
        final RegionClientException gone = assertThrows(RegionClientException.class, () -> client.rollbackMerge(a));
        assertEquals(Reply.Status.REGION_GONE, gone.status(), gone.toString());
        assertConverged();
    }

    /**
     * README: "So is a {@code PrepareMerge}, {@code SealMerge} or {@code CommitMerge} naming its own region as the
     * other side" [malformed]; "A malformed or oversized request is refused ... ({@code RegionClient} refuses one
     * before sending it, with a {@code RegionClientException} of status {@code INVALID} whose cause is the
     * {@code EntryFormatException})". The prepare into itself.
     */
    @Test
    @Order(7)
    void aPrepareIntoItselfIsInvalidWithTheCodecsReasonAsCause() throws Exception
    {
        final RegionMeta before = client.describe(c);
        final RegionClientException ex = assertThrows(RegionClientException.class, () -> client.prepareMerge(c, c));
        assertEquals(Reply.Status.INVALID, ex.status(), ex.toString());
        assertInstanceOf(EntryFormatException.class, ex.getCause(), "the cause is the codec's refusal");
        assertEquals(EntryFormatException.Reason.INVALID, ((EntryFormatException) ex.getCause()).reason());
        final RegionMeta after = client.describe(c);
        assertEquals(RegionMeta.State.NORMAL, after.state());
        assertEquals(before.epochVersion(), after.epochVersion());
    }

    /**
     * Same README sentences as order 7, for the commit: a {@code CommitMerge} naming its own region as the source is
     * malformed, and {@code RegionClient} refuses a malformed request before sending it with {@code INVALID} whose
     * cause is the {@code EntryFormatException}. When written (audit 19) it answered "source not prepared" without
     * a cause.
     */
    @Test
    @Order(8)
    void aCommitOfARegionIntoItselfIsInvalidWithTheCodecsReasonAsCause() throws Exception
    {
        final RegionMeta before = client.describe(c);
        final RegionClientException ex = assertThrows(RegionClientException.class, () -> client.commitMerge(c, c));
        assertEquals(Reply.Status.INVALID, ex.status(), ex.toString());
        final RegionMeta after = client.describe(c);
        assertEquals(RegionMeta.State.NORMAL, after.state());
        assertEquals(before.epochVersion(), after.epochVersion());
        assertNotNull(ex.getCause(), "no cause: " + ex);
        assertInstanceOf(EntryFormatException.class, ex.getCause(), "the cause is the codec's refusal");
    }

    /**
     * README: "the source applies a {@code RollbackMerge} after its seal only once its node's target replica has moved
     * past that epoch without merging it (a split, its own merge or rollback), when the commit can never apply". Here
     * the target's own merge into its right neighbour: the sealed source must then roll back and take writes. When
     * written (audit 19) it failed in 2 of 6 runs: {@code rollbackMerge} read the merged-away target's last view
     * (MERGED, its epoch unchanged, its group not yet removed) as "has not moved" and refused "commit it".
     */
    @Test
    @Order(9)
    void aSealedSourceRollsBackOnceItsTargetMergedAwayItself() throws Exception
    {
        final long l = client.locate(b("m/a")).id();    // [, m/b)
        assertEquals(b, client.locate(b("m/b")).id());  // [m/b, m/f) after order 6
        client.put(b("m/a"), b("in-l"));
        client.prepareMerge(l, b);
        final RegionMeta src = client.describe(l);
        final RegionMeta target = client.describe(b);
        final Reply seal = client.sendRaw(l, EntryCodec.encode(new Entry.SealMerge(l, src.epochVersion(), 0, b,
            target.epochVersion())));
        assertEquals(Reply.Status.OK, seal.status(), seal.toString());
        client.prepareMerge(b, c);
        // A second client rolls the source back as soon as the target answers its merged-away view (MERGED, same
        // epoch: its group is removed a moment later), while this client commits the target's own merge.
        final Object[] outcome = new Object[2];
        final Thread roller = new Thread(() ->
        {
            try (RegionClient other = new RegionClient(nodes.peers()))
            {
                final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
                RegionMeta seen = other.describe(b);
                while (seen != null && seen.state() != RegionMeta.State.MERGED && System.nanoTime() < deadline)
                {
                    seen = other.describe(b);
                }
                outcome[0] = seen;
                other.rollbackMerge(l);
                outcome[1] = "OK";
            }
            catch (final Throwable ex)
            {
                outcome[1] = ex;
            }
        });
        roller.start();
        client.commitMerge(b, c);                       // the target merges away into C = [m/b, p/)
        roller.join();
        assertEquals(c, client.locate(b("m/e")).id());
        assertEquals("OK", outcome[1], "rollback while the target answered " + outcome[0] + ": " + outcome[1]);
        final RegionMeta rolled = client.describe(l);
        assertEquals(RegionMeta.State.NORMAL, rolled.state(), rolled.toString());
        assertTrue(rolled.epochVersion() > src.epochVersion(), "a rollback bumps the epoch");
        client.put(b("m/a"), b("in-l again"));
        assertArrayEquals(b("in-l again"), client.getFromFollower(b("m/a"), "n2").value());
        assertArrayEquals(b("in-b again"), client.get(b("m/e")).value());
        assertConverged();
    }

    /**
     * README: "{@code commitMerge} once every node reports the source prepared and fresh views show the target
     * adjacent and not merging itself (otherwise {@code INVALID} or {@code MERGING}, or {@code REGION_GONE} for a
     * target already merged away and removed, nothing sealed, and the caller rolls back)". Here the target was merged
     * away after the source was prepared into it. Written by audit 19 when the README named only INVALID or MERGING.
     */
    @Test
    @Order(10)
    void aCommitIntoATargetMergedAwayIsRefusedUnsealedAndRollsBack() throws Exception
    {
        final long q0 = client.split(b("q/b"));        // [p/, q/b)
        final long q1 = client.split(b("q/d"));        // [q/b, q/d); the root keeps [q/d, +inf)
        client.put(b("q/a"), b("in-q0"));
        client.put(b("q/c"), b("in-q1"));
        client.prepareMerge(q0, q1);
        client.prepareMerge(q1, ReplicaNode.ROOT_REGION_ID);
        client.commitMerge(q1, ReplicaNode.ROOT_REGION_ID);
        final RegionClientException ex = assertThrows(RegionClientException.class, () -> client.commitMerge(q0, q1));
        final Reply.Status status = ex.status();
        assertEquals(RegionMeta.State.MERGING, client.describe(q0).state(), "nothing sealed");
        client.rollbackMerge(q0);
        client.put(b("q/a"), b("in-q0 again"));
        assertArrayEquals(b("in-q0 again"), client.get(b("q/a")).value());
        assertArrayEquals(b("in-q1"), client.get(b("q/c")).value());
        assertConverged();
        assertTrue(status == Reply.Status.INVALID || status == Reply.Status.MERGING
            || status == Reply.Status.REGION_GONE, "README names INVALID, MERGING or REGION_GONE, was " + ex);
    }

    /**
     * README "Ratis settings that matter": "purge gap 1 and purge up to the snapshot index ..., automatic snapshots
     * every 1,000 entries". After 1,000 entries of one region, every replica has snapshotted it and purged its log.
     */
    @Test
    @Order(11)
    void everyReplicaSnapshotsARegionAfterAThousandEntriesAndPurges() throws Exception
    {
        final long region = client.locate(b("z/")).id();
        final org.apache.ratis.protocol.RaftGroupId group = ReplicaNode.groupIdOf(region);
        final byte[] value = new byte[200];
        java.util.Arrays.fill(value, (byte) 'z');
        for (int i = 0; i < 1_050; i++)
        {
            client.put(b(String.format("z/%05d", i)), value);
        }
        await(() -> nodes.nodes().stream().allMatch(n ->
        {
            try
            {
                final var snap = n.server().getDivision(group).getStateMachine().getLatestSnapshot();
                return snap != null && snap.getIndex() >= 1_000
                    && n.server().getDivision(group).getRaftLog().getStartIndex() > 1;
            }
            catch (final java.io.IOException ex)
            {
                return false;
            }
        }), "every replica of region " + region + " snapshotted past index 1,000 and purged its log");
        for (final ReplicaNode n : nodes.nodes())
        {
            assertTrue(n.counters().snapshotsTaken() > 0, n.id());
        }
        assertArrayEquals(value, client.getFromFollower(b("z/01049"), "n3").value());
    }

    /**
     * README: "A write is stamped in the leader's {@code startTransaction} with {@code HybridLogicalClock.next()}
     * ({@code wallMillis << 16 | logical} ...)". All nodes share this JVM's wall clock, so a version's high bits are
     * a millisecond between the call and its answer.
     */
    @Test
    @Order(12)
    void aWriteIsStampedWithWallMillisShiftedSixteen() throws Exception
    {
        for (int i = 0; i < 5; i++)
        {
            final long before = System.currentTimeMillis();
            final long v = client.put(b("w/" + i), b("x"));
            final long after = System.currentTimeMillis();
            assertTrue((v >>> 16) >= before && (v >>> 16) <= after,
                "version " + v + " = " + (v >>> 16) + " ms << 16 | " + (v & 0xFFFF) + ", call in [" + before + ", "
                    + after + "]");
        }
    }

    /**
     * README: "1 byte to 4 KiB per written key (an empty key is malformed: the cache and the store refuse it)"; "A
     * malformed or oversized request is ... (the client sees {@code INVALID}; {@code RegionClient} refuses one before
     * sending it, with a {@code RegionClientException} of status {@code INVALID} whose cause is the
     * {@code EntryFormatException})". A delete of the empty key, and a batch holding one among good keys.
     */
    @Test
    @Order(13)
    void anEmptyWrittenKeyIsInvalidBeforeSendingInADeleteAndInABatch() throws Exception
    {
        final RegionClientException delete = assertThrows(RegionClientException.class,
            () -> client.delete(new byte[0]));
        assertEquals(Reply.Status.INVALID, delete.status(), delete.toString());
        assertInstanceOf(EntryFormatException.class, delete.getCause());
        final java.util.Map<byte[], byte[]> batch = new java.util.HashMap<>();
        batch.put(b("e/1"), b("one"));
        batch.put(new byte[0], b("empty"));
        batch.put(b("e/2"), b("two"));
        final RegionClientException write = assertThrows(RegionClientException.class, () -> client.write(batch));
        assertEquals(Reply.Status.INVALID, write.status(), write.toString());
        assertInstanceOf(EntryFormatException.class, write.getCause());
        assertNull(client.get(b("e/1")).value(), "nothing of the refused batch stored");
        assertNull(client.get(b("e/2")).value(), "nothing of the refused batch stored");
    }

    /**
     * README table: "{@code PrepareMerge} (source log: writes refused with {@code MERGING}, cache evicted)". A
     * delete-range (MVCC tombstones, a write) into a prepared source is refused {@code MERGING} and deletes nothing;
     * after the rollback it applies.
     */
    @Test
    @Order(14)
    void aDeleteRangeIntoAPreparedSourceIsRefusedMerging() throws Exception
    {
        final long s = client.split(b("r/"));         // [q/.., r/) is the left piece; the root keeps [r/, +inf)
        client.put(b("q/x"), b("kept"));
        assertEquals(s, client.locate(b("q/x")).id());
        final long target = client.locate(b("r/")).id();
        client.prepareMerge(s, target);
        final RegionClientException ex = assertThrows(RegionClientException.class,
            () -> client.deleteRange(b("q/x"), b("q/y")));
        assertEquals(Reply.Status.MERGING, ex.status(), ex.toString());
        assertArrayEquals(b("kept"), client.get(b("q/x")).value(), "the refused delete-range deleted nothing");
        client.rollbackMerge(s);
        client.deleteRange(b("q/x"), b("q/y"));
        assertNull(client.get(b("q/x")).value());
        assertConverged();
    }

    /**
     * README: "The leader also refuses, before logging them ({@code INVALID}, nothing in the log), merge entries naming
     * a region its node does not know: a {@code PrepareMerge} or {@code SealMerge} whose target is not a region of
     * that node". Here the target is a region merged away (order 2): the prepare is refused and the source stays
     * {@code NORMAL}, taking writes.
     */
    @Test
    @Order(15)
    void aPrepareIntoAMergedAwayRegionIsInvalidAndChangesNothing() throws Exception
    {
        assertTrue(h > 1, "order 2 ran");
        final long source = client.locate(b("w/0")).id();
        final RegionMeta before = client.describe(source);
        final RegionClientException ex = assertThrows(RegionClientException.class,
            () -> client.prepareMerge(source, h));
        assertEquals(Reply.Status.INVALID, ex.status(), ex.toString());
        final RegionMeta after = client.describe(source);
        assertEquals(RegionMeta.State.NORMAL, after.state(), after.toString());
        assertEquals(before.epochVersion(), after.epochVersion());
        client.put(b("w/0"), b("still"));
        assertArrayEquals(b("still"), client.getFromFollower(b("w/0"), "n1").value());
    }
}
