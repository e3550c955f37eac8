package io.regioncache.ratis.blackbox6;

import static io.regioncache.ratis.blackbox6.Cluster6.asMap;
import static io.regioncache.ratis.blackbox6.Cluster6.b;
import static io.regioncache.ratis.blackbox6.Cluster6.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionClientException;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.Reply;

/**
 * Sequences and races on one shared 3-node cluster. Each test works in its own key prefix, first isolated into its
 * own region(s), so the tests do not depend on each other's layout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(240)
class SharedSequencesTest
{
    private Path dir;
    private Cluster6 cluster;
    private RegionClient c1;
    private RegionClient c2;

    @BeforeAll
    void startCluster() throws Exception
    {
        dir = Files.createTempDirectory("blackbox6-shared");
        cluster = new Cluster6(dir, 3);
        c1 = cluster.client();
        c2 = cluster.client();
        cluster.awaitLeader(1);
    }

    @AfterAll
    void stopCluster() throws Exception
    {
        if (c1 != null)
        {
            c1.close();
            c2.close();
        }
        if (cluster != null)
        {
            cluster.close();
            // "zero bytes in use in every node's cache after close"
            assertEquals(List.of(), cluster.leaks, "README: zero bytes in use in every node's cache after close");
        }
        deleteTree(dir);
    }

    @AfterEach
    void convergedAndEqual() throws Exception
    {
        cluster.assertConvergedAndClean();
    }

    private RegionMeta isolate(final String prefix)
    {
        return Cluster6.isolate(c1, prefix);
    }

    private void assertOnEveryNode(final RegionClient c, final Map<String, String> expected, final String why)
    {
        for (final String node : cluster.peers.keySet())
        {
            for (final Map.Entry<String, String> e : expected.entrySet())
            {
                assertEquals(e.getValue(), s(c.getFromFollower(b(e.getKey()), node).value()),
                    why + " (key " + e.getKey() + " read on " + node + ")");
            }
        }
    }

    // ------------------------------------------------------------------ follower reads right after writes

    @Test
    void followerReadsRightAfterWritesSeeThem() throws Exception
    {
        final RegionMeta region = isolate("fr/");
        final String[] nodes = cluster.peers.keySet().toArray(new String[0]);
        for (int i = 0; i < 24; i++)
        {
            final String k = "fr/" + i;
            final long v = c1.put(b(k), b("v" + i));
            // Each iteration reads on a different node right after the ack (a follower for two of three).
            for (final String node : nodes)
            {
                final RegionClient.ReadResult r = c2.getFromFollower(b(k), node);
                // README: "a read without a version (version = 0, what RegionClient sends) reads at the serving
                // replica's last applied version after ReadIndex, so it sees every write acknowledged before the
                // read began" and "getFromFollower(key, "n2") ... linearizable, served by n2's cache or RocksDB"
                assertEquals("v" + i, s(r.value()), "README: follower read sees every write acknowledged before"
                    + " the read began (key " + k + " on " + node + ")");
                // README: "the reply carries the version read at"; it read at the last applied version, which is at
                // least the version the write was applied at.
                assertTrue(r.readVersion() >= v, "README: the read is at the replica's last applied version >= the"
                    + " acknowledged write's version " + v + ", was " + r.readVersion() + " on " + node);
            }
            if (i % 3 == 2)
            {
                final long d = c1.delete(b(k));
                for (final String node : nodes)
                {
                    final RegionClient.ReadResult r = c2.getFromFollower(b(k), node);
                    assertNull(r.value(), "README: a follower read sees an acknowledged delete (" + k + " on " + node
                        + ")");
                    assertTrue(r.readVersion() >= d, "read version >= tombstone version");
                }
            }
            if (i == 12)
            {
                // Move the leader and keep going: reads on the old leader (now a follower) right after.
                final String leader = cluster.awaitLeader(region.id());
                final String to = nodes[(Arrays.asList(nodes).indexOf(leader) + 1) % nodes.length];
                transfer(region.id(), to);
            }
        }
        // A batch, then every key on every node.
        final Map<byte[], byte[]> batch = new LinkedHashMap<>();
        final Map<String, String> expect = new TreeMap<>();
        for (int i = 0; i < 10; i++)
        {
            batch.put(b("fr/b" + i), i % 4 == 0 ? null : b("bv" + i));
            expect.put("fr/b" + i, i % 4 == 0 ? null : "bv" + i);
        }
        c1.write(batch);
        assertOnEveryNode(c2, expect, "README: a follower read sees every write acknowledged before the read began");
    }

    private void transfer(final long regionId, final String to) throws InterruptedException
    {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                c1.transferLeader(regionId, to);
                last = null;
                break;
            }
            catch (final RegionClientException ex)
            {
                last = ex; // a timed-out transfer on a loaded machine: asked again (as the README's tests do)
            }
        }
        if (last != null)
        {
            System.out.println("transfer of " + regionId + " to " + to + " did not succeed: " + last);
        }
    }

    // ------------------------------------------------------------------ two clients while leadership moves / node restarts

    @Test
    void twoClientsWriteWhileLeaderMovesAndANodeRestarts() throws Exception
    {
        final RegionMeta region = isolate("tc/");
        final int perClient = 60;
        final ConcurrentLinkedQueue<long[]> versions = new ConcurrentLinkedQueue<>(); // {client, i, version}
        final Map<String, Long> sharedVersion = Collections.synchronizedMap(new TreeMap<>());
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicInteger acked = new AtomicInteger();
        final CountDownLatch started = new CountDownLatch(2);
        final List<Thread> writers = new ArrayList<>();
        final RegionClient[] clients = {c1, c2};
        for (int w = 0; w < 2; w++)
        {
            final int me = w;
            final Thread t = new Thread(() ->
            {
                started.countDown();
                try
                {
                    long prev = 0;
                    for (int i = 0; i < perClient; i++)
                    {
                        final long v = clients[me].put(b("tc/c" + me + "/" + i), b("c" + me + "-" + i));
                        // README: "versions strictly increase in each region's log order"; this client's writes are
                        // sequential (each acknowledged before the next is sent), so they are in log order.
                        if (v <= prev)
                        {
                            throw new AssertionError("README: versions strictly increase in each region's log order:"
                                + " client " + me + " write " + i + " got " + v + " after " + prev);
                        }
                        prev = v;
                        versions.add(new long[] {me, i, v});
                        if (i % 5 == 0)
                        {
                            final String val = "shared-c" + me + "-" + i;
                            final long sv = clients[me].put(b("tc/shared"), b(val));
                            sharedVersion.put(val, sv);
                            versions.add(new long[] {me, 1000 + i, sv});
                            prev = sv;
                        }
                        acked.incrementAndGet();
                    }
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                }
            }, "tc-writer-" + w);
            t.start();
            writers.add(t);
        }
        started.await();
        final String[] nodes = cluster.peers.keySet().toArray(new String[0]);
        // Leadership moves around while both write.
        for (int round = 0; round < 3 && failure.get() == null; round++)
        {
            final int before = acked.get();
            cluster.await(() -> acked.get() >= before + 6 || failure.get() != null);
            final String leader = cluster.awaitLeader(region.id());
            transfer(region.id(), nodes[(Arrays.asList(nodes).indexOf(leader) + 1) % nodes.length]);
        }
        // Then the leader's node is stopped and restarted while both still write.
        final String leader = cluster.awaitLeader(region.id());
        final int before = acked.get();
        cluster.stop(leader);
        final int[] beforeRestart = {acked.get()};
        cluster.await(() -> acked.get() >= beforeRestart[0] + 6 || failure.get() != null || acked.get() == 2 * perClient);
        cluster.start(leader);
        for (final Thread t : writers)
        {
            t.join(120_000);
        }
        if (failure.get() != null)
        {
            throw new AssertionError("a writer failed (README: \"a new leader is elected, writes continue through it\")",
                failure.get());
        }
        assertTrue(acked.get() == 2 * perClient, "every write acknowledged, " + acked.get() + " (stopped at " + before + ")");
        // Every write of the region is in its log and got its own version (README: "versions strictly increase in
        // each region's log order ... identical on every replica").
        final Set<Long> distinct = new HashSet<>();
        versions.forEach(x -> distinct.add(x[2]));
        assertEquals(versions.size(), distinct.size(), "README: versions strictly increase in each region's log"
            + " order, so two writes of one region never share a version");
        assertNull(cluster.awaitConverged(), "README: the node recovers, catches up and converges");
        final Map<String, String> expect = new TreeMap<>();
        for (int w = 0; w < 2; w++)
        {
            for (int i = 0; i < perClient; i++)
            {
                expect.put("tc/c" + w + "/" + i, "c" + w + "-" + i);
            }
        }
        // The shared key holds the write with the highest version (the last in the region's log order).
        String last = null;
        long max = -1;
        for (final Map.Entry<String, Long> e : sharedVersion.entrySet())
        {
            if (e.getValue() > max)
            {
                max = e.getValue();
                last = e.getKey();
            }
        }
        expect.put("tc/shared", last);
        assertOnEveryNode(c1, expect, "README: every acknowledged write is present (LeaderFailoverTest); the shared key"
            + " holds the write last in log order, the highest version");
    }

    // ------------------------------------------------------------------ scans across region boundaries while splitting

    @Test
    void scansAcrossBoundariesWhileSplittingAndMerging() throws Exception
    {
        isolate("sc/");
        final TreeMap<String, String> expect = new TreeMap<>();
        for (int i = 0; i < 120; i += 8)
        {
            final Map<byte[], byte[]> batch = new LinkedHashMap<>();
            for (int j = i; j < i + 8; j++)
            {
                final String k = String.format("sc/%03d", j);
                batch.put(b(k), b("val" + j));
                expect.put(k, "val" + j);
            }
            c1.write(batch);
        }
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicInteger scans = new AtomicInteger();
        final Thread scanner = new Thread(() ->
        {
            try
            {
                int n = 0;
                while (!stop.get() || n < 3)
                {
                    final int limit = n % 3 == 0 ? 7 : 1000;
                    final List<io.regioncache.ratis.ScanPage.KeyValue> got = c2.scan(b("sc/"), b("sc0"), limit);
                    final TreeMap<String, String> want = new TreeMap<>();
                    for (final Map.Entry<String, String> e : expect.entrySet())
                    {
                        if (want.size() < limit)
                        {
                            want.put(e.getKey(), e.getValue());
                        }
                    }
                    final List<String> order = new ArrayList<>();
                    got.forEach(kv -> order.add(s(kv.key())));
                    final List<String> sorted = new ArrayList<>(new java.util.TreeSet<>(order));
                    if (!order.equals(sorted))
                    {
                        throw new AssertionError("README: scans in key order, routed across regions: got " + order);
                    }
                    if (!asMap(got).equals(want))
                    {
                        throw new AssertionError("README: \"the scan sees every write acknowledged before it began\""
                            + " (limit " + limit + "): got " + asMap(got).keySet() + " want " + want.keySet());
                    }
                    n++;
                    scans.incrementAndGet();
                }
            }
            catch (final Throwable ex)
            {
                failure.set(ex);
            }
        }, "scanner");
        scanner.start();
        final List<Long> lefts = new ArrayList<>();
        for (int i = 15; i < 120 && failure.get() == null; i += 15)
        {
            lefts.add(c1.split(b(String.format("sc/%03d", i))));
        }
        // Merge every other left piece back into its right neighbour.
        for (int j = 1; j < lefts.size() && failure.get() == null; j += 2)
        {
            final long src = lefts.get(j);
            c1.refresh();
            final RegionMeta m = c1.describe(src);
            final RegionMeta right = c1.locate(m.end());
            c1.prepareMerge(src, right.id());
            c1.commitMerge(src, right.id());
        }
        stop.set(true);
        scanner.join(120_000);
        if (failure.get() != null)
        {
            throw new AssertionError(failure.get().getMessage(), failure.get());
        }
        assertTrue(scans.get() >= 3, "scans ran");
        assertEquals(expect, asMap(c1.scan(b("sc/"), b("sc0"), 1000)), "README: scan across regions after merges");
    }

    // ------------------------------------------------------------------ stale routes in a second client

    @Test
    void secondClientWithStaleRoutesAfterSplitsAndMerges() throws Exception
    {
        isolate("st/");
        final TreeMap<String, String> expect = new TreeMap<>();
        for (int i = 0; i < 40; i++)
        {
            final String k = String.format("st/%02d", i);
            c1.put(b(k), b("a" + i));
            expect.put(k, "a" + i);
        }
        final RegionClient c3 = cluster.client();
        try
        {
            assertEquals("a5", s(c3.get(b("st/05")).value())); // c3 learns the current routes
            // c1 splits: c3's route for st/ is now stale.
            final long l10 = c1.split(b("st/10"));
            final long l20 = c1.split(b("st/20"));
            final long l30 = c1.split(b("st/30"));
            final long staleBefore = c3.staleRoutes();
            c3.put(b("st/25"), b("b25"));
            expect.put("st/25", "b25");
            // README: "A route older than another client's split costs one refused round: the answer (STALE_EPOCH)
            // refreshes the route and the call is checked again before it is re-sent"
            assertTrue(c3.staleRoutes() - staleBefore <= 1, "README: a route older than another client's split costs"
                + " one refused round; was " + (c3.staleRoutes() - staleBefore));
            // A batch that is one region by c3's route but crosses a split boundary now.
            final Map<byte[], byte[]> crossing = new LinkedHashMap<>();
            crossing.put(b("st/18"), b("X"));
            crossing.put(b("st/21"), b("X"));
            c1.split(b("st/35")); // c3's route is stale again
            final RegionClientException cut = assertThrows(RegionClientException.class, () -> c3.write(crossing),
                "README: a batch that a concurrent split cut is refused by the client before it is sent");
            assertEquals(Reply.Status.KEY_NOT_IN_REGION, cut.status(), "Javadoc of write: KEY_NOT_IN_REGION");
            // A split at a key another client already split at.
            c1.split(b("st/38"));
            final RegionClientException again = assertThrows(RegionClientException.class, () -> c3.split(b("st/38")),
                "README: a split at a key that already starts a region: INVALID");
            assertEquals(Reply.Status.INVALID, again.status(), "README: a split at a key that already starts a region");
            // A delete-range past the end of the region holding its start, by c3's stale route one region.
            c1.split(b("st/33"));
            final RegionClientException dr = assertThrows(RegionClientException.class,
                () -> c3.deleteRange(b("st/31"), b("st/34")),
                "README: a delete-range past the end of the region holding its start: KEY_NOT_IN_REGION");
            assertEquals(Reply.Status.KEY_NOT_IN_REGION, dr.status(),
                "README: a delete-range past the end of the region holding its start: KEY_NOT_IN_REGION");
            // c1 merges [st/10, st/20) into [st/20, st/30): c3 still routes st/1x to the merged-away source.
            c3.get(b("st/15")); // c3 holds the route to l20's... region of st/15
            final RegionMeta rightOf10 = c1.locate(b("st/20"));
            final RegionMeta src = c1.describe(c1.locate(b("st/10")).id());
            c1.prepareMerge(src.id(), rightOf10.id());
            c1.commitMerge(src.id(), rightOf10.id());
            c3.put(b("st/12"), b("c12"));
            expect.put("st/12", "c12");
            // Now a batch inside the merged region, across the old boundary: one region again for the cluster.
            final Map<byte[], byte[]> joined = new LinkedHashMap<>();
            joined.put(b("st/19"), b("d19"));
            joined.put(b("st/21"), b("d21"));
            c3.write(joined);
            expect.put("st/19", "d19");
            expect.put("st/21", "d21");
            // And a delete-range inside the merged region, across the old boundary (README: "a stale route must not
            // refuse what the cluster would take: a merge may have made it good", RegionClient Javadoc).
            final RegionClient c4 = cluster.client();
            try
            {
                c4.get(b("st/11"));
                // c1 splits and merges again behind c4's back, then c4 deletes across the joined boundary.
                final long l15 = c1.split(b("st/15"));
                c4.deleteRange(b("st/16"), b("st/18")); // inside [st/15, st/30): c4 holds [st/10,st/30) stale
                expect.remove("st/16");
                expect.remove("st/17");
                final RegionMeta r15 = c1.describe(l15);
                assertNotNull(r15);
                c1.refresh();
                // README: "new region [start, splitKey) with its own Raft group" (the left piece is the new one)
                assertEquals(l15, c1.locate(b("st/14")).id(), "README: c.split(splitKey) returns the new left region");
            }
            finally
            {
                c4.close();
            }
            assertEquals(expect, asMap(c3.scan(b("st/"), b("st0"), 1000)),
                "README: scan routed across regions sees every acknowledged write (stale client)");
            assertOnEveryNode(c3, expect, "README: linearizable reads through a client whose routes were stale");
            assertTrue(l10 != l20 && l20 != l30, "derived ids are distinct");
        }
        finally
        {
            c3.close();
        }
    }

    // ------------------------------------------------------------------ merge rolled back, split again, merged

    @Test
    void mergeRolledBackThenSplitAgainThenMerged() throws Exception
    {
        final RegionMeta whole = isolate("mr/");
        final TreeMap<String, String> expect = new TreeMap<>();
        for (char ch = 'a'; ch <= 'z'; ch++)
        {
            c1.put(b("mr/" + ch), b("v" + ch));
            expect.put("mr/" + ch, "v" + ch);
        }
        final long left = c1.split(b("mr/m"));
        final RegionMeta beforePrepare = c1.describe(left);
        c1.prepareMerge(left, whole.id());
        assertEquals(RegionMeta.State.MERGING, c1.describe(left).state(), "README: PrepareMerge ... stops its writes");
        final RegionClientException refused = assertThrows(RegionClientException.class, () -> c2.put(b("mr/b"), b("no")),
            "README: PrepareMerge (source log: writes refused with MERGING)");
        assertEquals(Reply.Status.MERGING, refused.status(), "README: writes refused with MERGING");
        c2.rollbackMerge(left);
        final RegionMeta rolled = c1.describe(left);
        // README: "RollbackMerge (source log: epoch bumped, evicted, reloaded by its leader)"
        assertTrue(rolled.epochVersion() > beforePrepare.epochVersion(), "README: RollbackMerge: epoch bumped; "
            + beforePrepare + " -> " + rolled);
        assertEquals(RegionMeta.State.NORMAL, rolled.state(), "rolled back region takes writes again");
        c1.put(b("mr/b"), b("after-rollback"));
        expect.put("mr/b", "after-rollback");
        assertOnEveryNode(c2, Map.of("mr/b", "after-rollback"), "README: writes after a rollback are replicated");
        // Split the rolled-back region again, then merge its left piece into its right piece.
        final long leftLeft = c1.split(b("mr/f"));
        c1.put(b("mr/c"), b("in-left-left"));
        expect.put("mr/c", "in-left-left");
        c2.prepareMerge(leftLeft, left);
        c2.commitMerge(leftLeft, left);
        final RegionMeta joined = c1.describe(left);
        // README: "CommitMerge (target log: ranges joined, epoch bumped, ...)"
        assertArrayEquals(b("mr/"), joined.start(), "README: CommitMerge: ranges joined; " + joined);
        assertArrayEquals(b("mr/m"), joined.end(), "README: CommitMerge: ranges joined; " + joined);
        // README: "If the target merged it, the rollback answers REGION_GONE."
        final RegionClientException gone = assertThrows(RegionClientException.class, () -> c1.rollbackMerge(leftLeft),
            "README: If the target merged it, the rollback answers REGION_GONE");
        assertEquals(Reply.Status.REGION_GONE, gone.status(), "README: If the target merged it, the rollback answers"
            + " REGION_GONE");
        // README: "for a moment after commitMerge returns, describe(source) may still get an answer ... then null"
        assertTrue(cluster.await(() -> c2.describe(leftLeft) == null), "README: describe(source) ... then null");
        // Merge the left region back into the whole one, then split at the same key as the first time.
        c1.prepareMerge(left, whole.id());
        c1.commitMerge(left, whole.id());
        final RegionMeta all = c1.describe(whole.id());
        assertArrayEquals(b("mr/"), all.start(), "README: CommitMerge: ranges joined; " + all);
        final long again = c2.split(b("mr/m"));
        // README: "a derived id names one region in the cluster's history"
        assertNotEquals(left, again, "README: a derived id names one region in the cluster's history");
        assertNotEquals(leftLeft, again, "README: a derived id names one region in the cluster's history");
        c2.put(b("mr/d"), b("after-resplit"));
        expect.put("mr/d", "after-resplit");
        assertEquals(expect, asMap(c1.scan(b("mr/"), b("mr0"), 1000)), "README: every acknowledged write present after"
            + " merge / rollback / split / merge / split");
        assertOnEveryNode(c1, expect, "README: every replica serves every acknowledged write");
    }

    // ------------------------------------------------------------------ commit and rollback racing, from two clients

    @Test
    void commitAndRollbackFromTwoClientsExactlyOneWins() throws Exception
    {
        final RegionMeta whole = isolate("ra/");
        final TreeMap<String, String> expect = new TreeMap<>();
        for (int round = 0; round < 2; round++)
        {
            final String splitKey = "ra/" + (char) ('m' + round);
            final long src = c1.split(b(splitKey));
            c1.put(b("ra/a" + round), b("r" + round));
            expect.put("ra/a" + round, "r" + round);
            c1.prepareMerge(src, whole.id());
            final long t0 = System.nanoTime();
            final AtomicReference<Object> commit = new AtomicReference<>();
            final AtomicReference<Object> rollback = new AtomicReference<>();
            final CountDownLatch go = new CountDownLatch(1);
            final Thread tc = new Thread(() -> run(go, commit, () -> c1.commitMerge(src, whole.id())));
            final Thread tr = new Thread(() -> run(go, rollback, () -> c2.rollbackMerge(src)));
            tc.start();
            tr.start();
            go.countDown();
            tc.join(120_000);
            tr.join(120_000);
            final boolean committed = "OK".equals(commit.get());
            final boolean rolledBack = "OK".equals(rollback.get());
            // README: "A commit and a rollback sent at once by two clients: exactly one succeeds, the other is refused"
            assertTrue(committed ^ rolledBack, "README: a commit and a rollback sent at once by two clients: exactly"
                + " one succeeds; round " + round + " commit=" + commit.get() + " rollback=" + rollback.get());
            for (final Object o : List.of(commit.get(), rollback.get()))
            {
                if (o instanceof Throwable && !(o instanceof RegionClientException))
                {
                    throw new AssertionError("unexpected failure", (Throwable) o);
                }
            }
            c1.refresh();
            if (committed)
            {
                assertTrue(cluster.await(() -> c2.describe(src) == null), "README: describe(source) ... then null");
                assertArrayEquals(b("ra/"), c1.describe(whole.id()).start(), "merged: ranges joined");
            }
            else
            {
                final RegionMeta m = c1.describe(src);
                assertEquals(RegionMeta.State.NORMAL, m.state(), "rolled back: " + m);
                // merge it now for the next round
                c1.prepareMerge(src, whole.id());
                c1.commitMerge(src, whole.id());
            }
            c2.put(b("ra/b" + round), b("w" + round));
            expect.put("ra/b" + round, "w" + round);
            System.out.println("race round " + round + " (" + (System.nanoTime() - t0) / 1_000_000 + " ms): commit="
                + commit.get() + " rollback=" + rollback.get());
        }
        assertOnEveryNode(c1, expect, "README: every acknowledged write present after racing commits and rollbacks");
    }

    // ------------------------------------------------------------------ a rollback after the seal, the commit landing

    /**
     * The rollback is sent (raw, so the client's at-once refusal does not step in) as soon as some replica applied the
     * seal, while {@code commitMerge} is still on its way to commit. README: "the source applies a RollbackMerge after
     * its seal only once its node's target replica has moved past that epoch without merging it ..., each source
     * replica waits for that (woken by the target's applies, up to 10 s) and otherwise refuses the rollback (INVALID,
     * "commit it" ...). If the target merged it, the rollback answers REGION_GONE."
     */
    @Test
    void rollbackAfterTheSealWhileTheCommitLandsAnswersRegionGone() throws Exception
    {
        final RegionMeta whole = isolate("rg/");
        final List<String> violations = new ArrayList<>();
        final List<String> outcomes = new ArrayList<>();
        for (int round = 0; round < 2; round++)
        {
            final long src = c1.split(b("rg/" + (char) ('m' + round)));
            c1.prepareMerge(src, whole.id());
            final long epoch = c1.describe(src).epochVersion();
            final AtomicReference<Object> commit = new AtomicReference<>();
            final CountDownLatch go = new CountDownLatch(1);
            final long[] commitMs = new long[1];
            final Thread tc = new Thread(() -> run(go, commit, () ->
            {
                final long s0 = System.nanoTime();
                c1.commitMerge(src, whole.id());
                commitMs[0] = (System.nanoTime() - s0) / 1_000_000;
            }));
            tc.start();
            go.countDown();
            // some replica applied the seal (or the commit already finished)
            assertTrue(cluster.await(() -> commit.get() != null || cluster.nodes().stream().anyMatch(n ->
            {
                final RegionMeta m = n.regions().get(src);
                return m != null && m.state() == RegionMeta.State.SEALED;
            })), "the seal is applied somewhere");
            final long t0 = System.nanoTime();
            final Reply r = c2.sendRaw(src, io.regioncache.ratis.EntryCodec.encode(
                new io.regioncache.ratis.Entry.RollbackMerge(src, epoch, 0)));
            final long ms = (System.nanoTime() - t0) / 1_000_000;
            tc.join(120_000);
            final String outcome = "round " + round + ": commit=" + commit.get() + ", rollback=" + r.status() + " '"
                + r.detail() + "' after " + ms + " ms (commitMerge took " + commitMs[0] + " ms)";
            outcomes.add(outcome);
            if ("OK".equals(commit.get()) && r.status() == Reply.Status.INVALID && r.detail().contains("commit it"))
            {
                violations.add(outcome);
            }
            c1.refresh();
            final RegionMeta left = c1.describe(src);
            if (left != null && left.state() != RegionMeta.State.MERGED)
            {
                // not merged (rolled back, or the commit failed): merge it for the next round
                if (left.state() != RegionMeta.State.NORMAL)
                {
                    c1.rollbackMerge(src);
                }
                c1.prepareMerge(src, whole.id());
                c1.commitMerge(src, whole.id());
            }
            assertTrue(cluster.await(() -> c2.describe(src) == null), "README: describe(source) ... then null");
        }
        outcomes.forEach(System.out::println);
        assertEquals(List.of(), violations, "README: \"If the target merged it, the rollback answers REGION_GONE\" "
            + "(a sealed source's rollback is refused INVALID \"commit it\" only when the target did not move within 10 s)."
            + " All rounds: " + outcomes);
    }

    private static void run(final CountDownLatch go, final AtomicReference<Object> out, final Runnable r)
    {
        try
        {
            go.await();
            r.run();
            out.set("OK");
        }
        catch (final Throwable ex)
        {
            out.set(ex);
        }
    }

    static void deleteTree(final Path p)
    {
        if (p == null)
        {
            return;
        }
        try (var walk = Files.walk(p))
        {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
        catch (final Exception ignore)
        {
            // best effort
        }
    }
}
