package io.regioncache.ratis.blackbox23;

import static io.regioncache.ratis.blackbox23.Cluster23.b;
import static io.regioncache.ratis.blackbox23.Cluster23.keys;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.regioncache.RegionState;
import io.regioncache.WriteBatch;
import io.regioncache.ratis.Entry;
import io.regioncache.ratis.EntryCodec;
import io.regioncache.ratis.EntryFormatException;
import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionClientException;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaCheck;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.Reply;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Fault scenarios": the scripted scenarios' stated outcomes, each followed by the section's common end checks
 * (converged, zero divergences, zero stale or lost reads per key, zero INTERNAL_ERROR / STORE_ERROR / malformed
 * log entries / entries applied without data), on one shared 3-node cluster (8 KiB log segments, as the README
 * says the snapshot-install and merge fault tests use). Each scenario works in its own key prefix. The last test
 * closes the cluster and checks zero bytes in use.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class FaultScenariosTest
{
    private static final int PAD = 200;

    @TempDir
    static Path dir;

    private Cluster23 cluster;
    private RegionClient client;

    @BeforeAll
    void startCluster() throws Exception
    {
        cluster = new Cluster23(dir, 3, c -> c.segmentSize(Cluster23.SMALL_SEGMENTS));
        client = new RegionClient(cluster.peers);
        cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID);
    }

    @AfterAll
    void stopCluster()
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

    @BeforeEach
    void everyNodeRuns() throws Exception
    {
        if (cluster.running.isEmpty())
        {
            return; // closed by the last test
        }
        cluster.startAll();
    }

    /** @return a node that does not lead the region (after moving the leadership away from it if needed). */
    private String follower(final long regionId) throws Exception
    {
        final String leader = cluster.awaitLeader(regionId);
        for (final String id : cluster.peers.keySet())
        {
            if (!id.equals(leader))
            {
                return id;
            }
        }
        throw new AssertionError("one node only");
    }

    /** A reader through one node, recording into the history, until stopped. */
    private Thread reader(final History23 h, final List<String> keys, final String node, final AtomicBoolean stop,
        final AtomicInteger reads)
    {
        final Thread t = new Thread(() ->
        {
            try (RegionClient rc = RegionClient.builder(cluster.peers).retries(3).build())
            {
                int i = 0;
                while (!stop.get())
                {
                    final String k = keys.get(i++ % keys.size());
                    h.read(k, () -> rc.getFromFollower(b(k), node));
                    reads.incrementAndGet();
                }
            }
        }, "bb23-reader-" + node);
        t.setDaemon(true);
        t.start();
        return t;
    }

    // ------------------------------------------------------------------ FollowerSnapshotInstallTest's scenario

    /**
     * README: "a follower stops; the cluster writes, splits, merges the first child into the second, deletes a range,
     * snapshots and purges; the follower restarts" → "it installs region snapshots (SST ingest + applySnapshot),
     * creates the groups of the children it never saw split off (they get their own snapshots), drops the merged
     * source, and converges; reads through it are never stale".
     */
    @Test
    @Order(1)
    void followerDownThroughSplitsMergeDeleteRangeAndPurgeInstallsSnapshotsAndConverges() throws Exception
    {
        final History23 h = new History23();
        final List<String> early = keys("fs/", 'a', 'l', 3);
        final List<String> late = keys("fs/", 'm', 'z', 3);
        final List<String> all = new ArrayList<>(early);
        all.addAll(late);
        for (final String k : early)
        {
            h.mustPut(client, k, PAD);
        }
        final String f = follower(ReplicaNode.ROOT_REGION_ID);
        cluster.awaitCaughtUp(f, ReplicaNode.ROOT_REGION_ID);
        final long seenRoot = cluster.node(f).appliedIndex(ReplicaNode.ROOT_REGION_ID);
        cluster.stop(f);

        // the cluster writes, splits twice, merges the first child into the second, deletes a range
        for (final String k : late)
        {
            h.mustPut(client, k, PAD);
        }
        final long first = client.split(b("fs/h"));
        final long second = client.split(b("fs/p"));
        for (final String k : early)
        {
            h.mustPut(client, k, PAD); // a second version of each early key, in the two children
        }
        client.prepareMerge(first, second);
        client.commitMerge(first, second, true); // a replica is down: README's force, purged below before it returns
        final RegionMeta merged = client.describe(second);
        assertNotNull(merged);
        assertEquals(0, merged.start().length, "the second child now starts where the first did: " + merged);
        assertArrayEquals(b("fs/p"), merged.end());
        final long invoke = System.nanoTime();
        client.deleteRange(b("fs/c"), b("fs/e"));
        final List<String> ranged = new ArrayList<>();
        for (final String k : all)
        {
            if (k.compareTo("fs/c") >= 0 && k.compareTo("fs/e") < 0)
            {
                ranged.add(k);
            }
        }
        h.deletedRange(ranged, invoke, System.nanoTime());

        // snapshots and purges, on every running node, of both regions left
        cluster.purgePast(client, ReplicaNode.ROOT_REGION_ID, seenRoot, h, "fs/zz-pad");
        cluster.purgePast(client, second, 1, h, "fs/hh-pad");
        all.add("fs/zz-pad");
        all.add("fs/hh-pad");

        // the follower restarts; a reader reads through it from the first moment
        final ReplicaNode back = cluster.start(f);
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger reads = new AtomicInteger();
        final Thread r = reader(h, all, f, stop, reads);
        try
        {
            cluster.endChecks("follower back after splits, merge, delete-range and purge");
            // drops the merged source (its group may exist briefly: README, "Known limits")
            assertTrue(cluster.await(() -> !back.regions().containsKey(first)
                && !Cluster23.groups(back).contains(first), 30_000),
                "the merged-away source's group is still on " + f + ": " + Cluster23.groups(back));
        }
        finally
        {
            stop.set(true);
            r.join(30_000);
        }
        assertTrue(back.counters().snapshotsInstalled() >= 2, "region snapshots installed on the returning follower: "
            + back.counters().snapshotsInstalled() + " (the root and the child it never saw split off)");
        assertTrue(back.regions().containsKey(second), "the child's group was created on " + f);
        assertTrue(back.regions().containsKey(ReplicaNode.ROOT_REGION_ID));
        h.assertEveryKeyOnEveryNode(client, cluster.running.keySet(), all);
        h.assertNoViolations("reads through the returning follower");
        assertTrue(reads.get() > 0, "the reader through " + f + " ran");
    }

    // ------------------------------------------------------------------ tikv#18008

    /**
     * README (MergeAndSnapshotEpochTest.mergePreparedThenRolledBackWhileAFollowerIsDown): "prepare merge (writes
     * refused MERGING), rollback (epoch + 1) with a follower down, logs purged" → "the source's leader reloads it at
     * the new epoch and serves from the cache (tikv#18098); the returning follower installs the post-rollback
     * snapshot".
     */
    @Test
    @Order(2)
    void mergePreparedThenRolledBackWhileAFollowerIsDown() throws Exception
    {
        final History23 h = new History23();
        client.split(b("mr/"));
        final long source = client.split(b("ms/"));
        final long target = client.split(b("mt/"));
        final List<String> keys = keys("mr/", 'a', 'j', 3);
        keys.addAll(keys("ms/", 'a', 'c', 3));
        for (final String k : keys)
        {
            h.mustPut(client, k, PAD);
        }
        final String leader = cluster.awaitLeader(source);
        final String f = follower(source);
        try
        {
            client.transferLeader(target, leader); // the follower to stop leads neither side
        }
        catch (final RegionClientException ex)
        {
            // it may lead the target still: stopping it then also moves that leadership
        }
        cluster.awaitCaughtUp(f, source);
        final long seen = cluster.node(f).appliedIndex(source);
        cluster.stop(f);

        final RegionMeta before = client.describe(source);
        client.prepareMerge(source, target);
        final RegionMeta prepared = client.describe(source);
        assertEquals(RegionMeta.State.MERGING, prepared.state(), prepared.toString());
        final Reply refused = client.sendRaw(source, EntryCodec.encode(new Entry.Write(source,
            prepared.epochVersion(), 0, List.of(new Entry.Op(WriteBatch.PUT, b("mr/a00"), b("refused"))))));
        assertEquals(Reply.Status.MERGING, refused.status(), "a write to a prepared source: " + refused);
        final RegionClientException viaClient = org.junit.jupiter.api.Assertions.assertThrows(
            RegionClientException.class, () -> client.put(b("mr/a01"), b("refused")));
        assertEquals(Reply.Status.MERGING, viaClient.status(), "through the client: " + viaClient);

        client.rollbackMerge(source);
        final RegionMeta rolled = client.describe(source);
        assertEquals(RegionMeta.State.NORMAL, rolled.state(), rolled.toString());
        assertEquals(before.epochVersion() + 1, rolled.epochVersion(), "rollback bumps the epoch by one: " + rolled);

        // the source's leader reloads it at the new epoch and serves from the cache
        final String nowLeader = cluster.awaitLeader(source);
        final ReplicaNode ln = cluster.node(nowLeader);
        assertTrue(cluster.await(() ->
        {
            final io.regioncache.Region cached = ln.engine().cache().region(source);
            return cached != null && cached.epochVersion() == rolled.epochVersion()
                && ln.engine().cache().stateOf(source) == RegionState.ACTIVE;
        }, 30_000), "the leader " + nowLeader + " did not reload region " + source + " at epoch "
            + rolled.epochVersion() + ": " + ln.engine().cache().regions());
        final long cacheReads = ln.counters().cacheReads();
        final byte[] got = client.get(b("mr/b01")).value();
        assertArrayEquals(h.expected("mr/b01"), got);
        if (ln.isLeader(source))
        {
            assertTrue(ln.counters().cacheReads() > cacheReads, "the leader served the read from its cache");
        }
        for (final String k : keys("mr/", 'a', 'j', 3))
        {
            h.mustPut(client, k, PAD); // writes are taken again after the rollback
        }
        cluster.purgePast(client, source, seen, h, "mr/zz-pad");
        keys.add("mr/zz-pad");

        final ReplicaNode back = cluster.start(f);
        cluster.endChecks("follower back after a rolled-back merge");
        assertTrue(back.counters().snapshotsInstalled() >= 1, "the returning follower installed a snapshot");
        final RegionMeta view = back.regions().get(source);
        assertNotNull(view, f + " hosts the source");
        assertEquals(rolled.epochVersion(), view.epochVersion(), "the returning follower's view: " + view);
        assertEquals(RegionMeta.State.NORMAL, view.state());
        h.assertEveryKeyOnEveryNode(client, cluster.running.keySet(), keys);
        h.assertNoViolations("merge rolled back while a follower was down");
    }

    // ------------------------------------------------------------------ LeaderFailoverTest's scenario

    /**
     * README: "four writers and a reader run; once 40 writes were acknowledged the root region's leader node is
     * stopped, and once 40 more were acknowledged (through a new leader) the workload stops and the node is
     * restarted" → "a new leader is elected, writes continue through it, every acknowledged write is present,
     * in-flight writes are on all replicas or none".
     */
    @Test
    @Order(3)
    void leaderStoppedWhileWritersRun() throws Exception
    {
        final History23 h = new History23();
        assertEquals(ReplicaNode.ROOT_REGION_ID, client.locate(b("zf/")).id(), "zf/ keys are in the root region");
        final String oldLeader = cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID);
        final Semaphore acks = new Semaphore(0);
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Thread> threads = new ArrayList<>();
        final List<String> all = new ArrayList<>();
        final AtomicReference<Throwable> crash = new AtomicReference<>();
        for (int w = 0; w < 4; w++)
        {
            final List<String> mine = new ArrayList<>();
            for (int j = 0; j < 5; j++)
            {
                mine.add("zf/w" + w + "k" + j);
            }
            all.addAll(mine);
            final Thread t = new Thread(() ->
            {
                try (RegionClient wc = new RegionClient(cluster.peers))
                {
                    int i = 0;
                    while (!stop.get())
                    {
                        if (h.put(wc, mine.get(i++ % mine.size()), 64))
                        {
                            acks.release();
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    crash.set(ex);
                }
            }, "bb23-writer-" + w);
            t.setDaemon(true);
            threads.add(t);
        }
        final AtomicInteger readsDone = new AtomicInteger();
        final Thread reader = new Thread(() ->
        {
            try (RegionClient rc = new RegionClient(cluster.peers))
            {
                int i = 0;
                while (!stop.get())
                {
                    final String k = all.get(i++ % all.size());
                    h.read(k, () -> rc.get(b(k)));
                    readsDone.incrementAndGet();
                }
            }
        }, "bb23-reader");
        reader.setDaemon(true);
        threads.forEach(Thread::start);
        reader.start();
        long afterStop = 0;
        try
        {
            assertTrue(acks.tryAcquire(40, 60, TimeUnit.SECONDS), "40 writes acknowledged before the failover");
            final String current = cluster.leaderNow(ReplicaNode.ROOT_REGION_ID);
            final String stopped = current == null ? oldLeader : current;
            cluster.stop(stopped);
            acks.drainPermits();
            assertTrue(acks.tryAcquire(40, 60, TimeUnit.SECONDS), "40 writes acknowledged after the leader stopped");
            afterStop = 40;
            final String newLeader = cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID);
            assertNotEquals(stopped, newLeader, "a new leader");
        }
        finally
        {
            stop.set(true);
            for (final Thread t : threads)
            {
                t.join(60_000);
            }
            reader.join(60_000);
        }
        assertNull(crash.get(), () -> "a writer crashed: " + crash.get());
        assertEquals(40, afterStop);
        cluster.startAll();
        cluster.endChecks("after the leader failover");
        // every acknowledged write present, in-flight writes on all replicas or none
        for (final String k : all)
        {
            byte[] first = null;
            boolean firstSet = false;
            for (final String node : cluster.running.keySet())
            {
                final byte[] got = h.read(k, () -> client.getFromFollower(b(k), node));
                if (!firstSet)
                {
                    first = got;
                    firstSet = true;
                }
                else
                {
                    assertArrayEquals(first, got, k + ": replicas disagree (an in-flight write on some only)");
                }
            }
        }
        h.assertNoViolations("leader failover (acknowledged writes present, no stale reads)");
        assertTrue(readsDone.get() > 0);
    }

    // ------------------------------------------------------------------ BasicReplicationTest's refusals

    /**
     * README: "a stale-epoch write is refused on every replica" (and the Replication section: "a well-formed entry at
     * a wrong epoch ... is refused at apply identically on every replica (STALE_EPOCH ...)"), here also on a replica
     * that was down and replays the entry from the log.
     */
    @Test
    @Order(4)
    void staleEpochWriteIsRefusedOnEveryReplica() throws Exception
    {
        final History23 h = new History23();
        h.mustPut(client, "se/k0", PAD);
        final RegionMeta old = client.describe(client.locate(b("se/k1")).id());
        final String f = follower(old.id());
        cluster.awaitCaughtUp(f, old.id());
        final Map<String, Long> staleBefore = new HashMap<>();
        for (final ReplicaNode n : cluster.nodes())
        {
            staleBefore.put(n.id(), n.counters().replies(Reply.Status.STALE_EPOCH));
        }
        cluster.stop(f);
        client.split(b("se/")); // the region holding se/k1 keeps its id at a new epoch
        final RegionMeta now = client.describe(old.id());
        assertTrue(now.epochVersion() > old.epochVersion(), now.toString());
        final Reply r = client.sendRaw(old.id(), EntryCodec.encode(new Entry.Write(old.id(), old.epochVersion(), 0,
            List.of(new Entry.Op(WriteBatch.PUT, b("se/k1"), b("stale"))))));
        assertEquals(Reply.Status.STALE_EPOCH, r.status(), "a write at the old epoch: " + r);
        final ReplicaNode back = cluster.start(f);
        cluster.endChecks("after a stale-epoch write");
        for (final ReplicaNode n : cluster.nodes())
        {
            final long refusedHere = n.counters().replies(Reply.Status.STALE_EPOCH)
                - (n == back ? 0 : staleBefore.get(n.id()));
            if (n == back && n.counters().snapshotsInstalled() > 0)
            {
                continue; // it did not replay the log (a snapshot covered it): nothing to see on this replica
            }
            assertTrue(refusedHere >= 1, n.id() + " did not refuse the stale-epoch write at apply");
            assertNull(client.getFromFollower(b("se/k1"), n.id()).value(), "the refused write is absent on " + n.id());
        }
    }

    private static void varint(final java.io.ByteArrayOutputStream out, final long v)
    {
        long x = v;
        while ((x & ~0x7FL) != 0)
        {
            out.write((int)((x & 0x7F) | 0x80));
            x >>>= 7;
        }
        out.write((int)x);
    }

    private static void bytes(final java.io.ByteArrayOutputStream out, final byte[] b)
    {
        varint(out, b.length);
        out.write(b, 0, b.length);
    }

    /** A format-2 write entry built by hand (the codec refuses to encode what is over its limits). */
    private static byte[] rawWrite(final long region, final long epoch, final byte[][] keys, final byte[][] values)
    {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(2);
        out.write(1);
        varint(out, region);
        varint(out, epoch);
        varint(out, 0);
        varint(out, keys.length);
        for (int i = 0; i < keys.length; i++)
        {
            out.write(1);
            bytes(out, keys[i]);
            bytes(out, values[i]);
        }
        return out.toByteArray();
    }

    private static byte[] rawSplit(final long region, final long epoch, final byte[] key, final long newId)
    {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(2);
        out.write(2);
        varint(out, region);
        varint(out, epoch);
        varint(out, 0);
        varint(out, 1);
        bytes(out, key);
        varint(out, newId);
        return out.toByteArray();
    }

    /**
     * README: "raw malformed, truncated, oversized and read-as-write requests" → "refused requests never reach the
     * log or the engine"; the Replication section: "A malformed or oversized request is refused in the leader's
     * startTransaction ... and is never appended (the client sees INVALID; RegionClient refuses one before sending
     * it, with a RegionClientException of status INVALID whose cause is the EntryFormatException)".
     */
    @Test
    @Order(5)
    void malformedTruncatedOversizedAndReadAsWriteRequestsNeverReachTheLogOrTheEngine() throws Exception
    {
        final History23 h = new History23();
        h.mustPut(client, "rw/k0", PAD);
        final RegionMeta m = client.describe(client.locate(b("rw/k0")).id());
        final long id = m.id();
        cluster.endChecks("before the raw requests");

        final List<byte[]> raws = new ArrayList<>();
        raws.add(new byte[0]);
        final java.util.Random rnd = new java.util.Random(23);
        for (int i = 0; i < 8; i++)
        {
            final byte[] g = new byte[1 + rnd.nextInt(64)];
            rnd.nextBytes(g);
            raws.add(g);
        }
        final byte[] good = EntryCodec.encode(new Entry.Write(id, m.epochVersion(), 0,
            List.of(new Entry.Op(WriteBatch.PUT, b("rw/k1"), b("never-stored")))));
        for (int len = 1; len < good.length; len++)
        {
            raws.add(java.util.Arrays.copyOf(good, len)); // every truncation
        }
        final byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
        raws.add(trailing);
        final byte[] unknownFormat = good.clone();
        unknownFormat[0] = 9;
        raws.add(unknownFormat);
        final byte[] unknownType = good.clone();
        unknownType[1] = 99;
        raws.add(unknownType);
        final byte[] badVarint = new byte[] {2, 1, (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF,
            (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0xFF, (byte)0x7F};
        raws.add(badVarint);
        raws.add(rawWrite(id, m.epochVersion(), new byte[][] {new byte[0]}, new byte[][] {b("v")})); // empty key
        raws.add(rawWrite(id, m.epochVersion(), new byte[][] {new byte[EntryCodec.MAX_KEY_BYTES + 1]},
            new byte[][] {b("v")}));
        raws.add(rawWrite(id, m.epochVersion(), new byte[][] {b("rw/k2")},
            new byte[][] {new byte[EntryCodec.MAX_VALUE_BYTES + 1]}));
        final byte[] big = new byte[EntryCodec.MAX_VALUE_BYTES - 16];
        raws.add(rawWrite(id, m.epochVersion(), new byte[][] {b("rw/k3"), b("rw/k4"), b("rw/k5")},
            new byte[][] {big, big, big})); // an entry over 2 MiB of values each within the limit
        raws.add(rawSplit(id, m.epochVersion(), b("rw/m"), 12_345)); // a split id that is not the derived one
        raws.add(EntryCodec.encode(new Entry.Get(id, m.epochVersion(), 0, b("rw/k0"))));
        raws.add(EntryCodec.encode(new Entry.Scan(id, m.epochVersion(), 0, b("rw/"), new byte[0], 10)));
        raws.add(EntryCodec.encode(new Entry.Describe(id, m.epochVersion(), 0)));

        final Map<String, Long> applied = new HashMap<>();
        final Map<String, Long> last = new HashMap<>();
        final Map<String, Long> rejected = new HashMap<>();
        final Map<String, String> digest = new HashMap<>();
        final Map<String, Long> puts = new HashMap<>();
        for (final ReplicaNode n : cluster.nodes())
        {
            applied.put(n.id(), n.appliedIndex(id));
            last.put(n.id(), Cluster23.logEnd(n, id));
            rejected.put(n.id(), n.counters().rejectedRequests());
            digest.put(n.id(), ReplicaCheck.digest(n, n.regions().get(id)));
            puts.put(n.id(), n.engine().cache().metrics().get("apply.puts"));
        }
        int i = 0;
        for (final byte[] raw : raws)
        {
            final Reply r = client.sendRaw(id, raw);
            assertEquals(Reply.Status.INVALID, r.status(), "raw request #" + i + " of " + raw.length + " bytes: " + r);
            i++;
        }
        // through the client: refused before anything is sent
        final RegionClientException tooBig = org.junit.jupiter.api.Assertions.assertThrows(RegionClientException.class,
            () -> client.put(b("rw/k6"), new byte[EntryCodec.MAX_VALUE_BYTES + 1]));
        assertEquals(Reply.Status.INVALID, tooBig.status());
        assertTrue(tooBig.getCause() instanceof EntryFormatException, "cause: " + tooBig.getCause());

        long rejectedSum = 0;
        for (final ReplicaNode n : cluster.nodes())
        {
            final long end = Cluster23.logEnd(n, id);
            assertFalse(Cluster23.stateMachineEntryIn(n, id, last.get(n.id()), end),
                n.id() + ": a refused request reached the log (" + last.get(n.id()) + " → " + end + ")");
            assertEquals(applied.get(n.id()), n.appliedIndex(id), n.id() + " applied something");
            assertEquals(digest.get(n.id()), ReplicaCheck.digest(n, n.regions().get(id)), n.id() + " stored something");
            assertEquals(puts.get(n.id()), n.engine().cache().metrics().get("apply.puts"), n.id() + " cache applied");
            assertEquals(0, n.counters().rejectedInLog(), n.id());
            rejectedSum += n.counters().rejectedRequests() - rejected.get(n.id());
        }
        assertEquals(raws.size(), rejectedSum, "refused requests counted once each (the client's own refusal not)");
        for (final String k : List.of("rw/k1", "rw/k2", "rw/k3", "rw/k4", "rw/k5", "rw/k6"))
        {
            assertNull(client.get(b(k)).value(), k);
        }
        assertEquals(m.epochVersion(), client.describe(id).epochVersion(), "the forged split did not apply");
        h.mustPut(client, "rw/k7", PAD); // the region still takes writes
        cluster.endChecks("after the raw requests");
    }

    /**
     * README (BasicReplicationTest): "writes, split, leader and follower reads on every node, scans across the
     * split, merge" → "routing across groups (scans in key order, hiding deletes, limits)".
     */
    @Test
    @Order(6)
    void scansAcrossSplitsAndMergeAreInKeyOrderHideDeletesAndKeepLimits() throws Exception
    {
        final History23 h = new History23();
        final List<String> keys = keys("sc/", 'a', 'z', 3);
        final java.util.TreeMap<String, byte[]> expect = new java.util.TreeMap<>();
        for (final String k : keys)
        {
            // six values of 200 KB in one region: its part of a scan comes in more than one page (about 1 MiB each)
            final int pad = k.startsWith("sc/j") || k.startsWith("sc/k") ? 200_000 : PAD;
            h.mustPut(client, k, pad);
            expect.put(k, History23.value(k, 0, pad));
        }
        client.split(b("sc/f"));
        final long fToM = client.split(b("sc/m"));
        final long mToT = client.split(b("sc/t"));
        for (int i = 0; i < keys.size(); i += 5)
        {
            assertTrue(h.delete(client, keys.get(i)));
            expect.remove(keys.get(i));
        }
        client.deleteRange(b("sc/p"), b("sc/r"));
        expect.subMap("sc/p", "sc/r").clear();
        checkScans(expect);
        // every node serves every key (leader and follower reads)
        for (final String k : keys)
        {
            for (final String node : cluster.running.keySet())
            {
                assertArrayEquals(expect.get(k), client.getFromFollower(b(k), node).value(), k + " on " + node);
            }
        }
        client.prepareMerge(fToM, mToT);
        client.commitMerge(fToM, mToT);
        checkScans(expect);
        cluster.endChecks("after the scans");
    }

    private void checkScans(final java.util.TreeMap<String, byte[]> expect)
    {
        final List<String> ks = new ArrayList<>(expect.keySet());
        for (final int limit : new int[] {0, 1, 7, 30, 1_000})
        {
            final List<io.regioncache.ratis.ScanPage.KeyValue> got = client.scan(b("sc/"), b("sc0"), limit);
            assertEquals(Math.min(limit, ks.size()), got.size(), "scan limit " + limit);
            for (int i = 0; i < got.size(); i++)
            {
                assertEquals(ks.get(i), Cluster23.s(got.get(i).key()), "scan limit " + limit + " position " + i);
                assertArrayEquals(expect.get(ks.get(i)), got.get(i).value(), ks.get(i));
            }
        }
        // a scan starting and ending inside regions
        final List<io.regioncache.ratis.ScanPage.KeyValue> part = client.scan(b("sc/e01"), b("sc/u"), 1_000);
        final List<String> want = new ArrayList<>(expect.subMap("sc/e01", "sc/u").keySet());
        final List<String> have = new ArrayList<>();
        part.forEach(kv -> have.add(Cluster23.s(kv.key())));
        assertEquals(want, have);
    }

    // ------------------------------------------------------------------ the end of every scenario

    /** README: "zero bytes in use in every node's cache after close". */
    @Test
    @Order(99)
    void closedNodesHoldZeroBytes() throws Exception
    {
        cluster.endChecks("before close");
        client.close();
        final List<String> leaks = cluster.closeAll();
        leaks.addAll(cluster.problems);
        if (!leaks.isEmpty())
        {
            fail(String.join("; ", leaks));
        }
    }
}
