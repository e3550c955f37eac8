package io.regioncache.ratis.blackbox6;

import static io.regioncache.ratis.blackbox6.Cluster6.asMap;
import static io.regioncache.ratis.blackbox6.Cluster6.b;
import static io.regioncache.ratis.blackbox6.Cluster6.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import io.regioncache.ratis.RegionClient;
import io.regioncache.ratis.RegionClientException;
import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaNode;
import io.regioncache.ratis.Reply;

/** Splits, merges and rollbacks while a follower is stopped; it then restarts (log replay or snapshot install). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(240)
class FollowerDownSequencesTest
{
    private Path dir;
    private Cluster6 cluster;
    private RegionClient c;

    @BeforeAll
    void startCluster() throws Exception
    {
        dir = Files.createTempDirectory("blackbox6-down");
        // README: "64 KiB log segments (8 KiB in the snapshot-install and merge fault tests)": small segments, so a
        // snapshot purges the log a stopped follower would need.
        cluster = new Cluster6(dir, 3, cfg -> cfg.segmentSize(org.apache.ratis.util.SizeInBytes.valueOf("8KB")));
        c = cluster.client();
        cluster.awaitLeader(ReplicaNode.ROOT_REGION_ID);
    }

    @AfterAll
    void stopCluster()
    {
        if (c != null)
        {
            c.close();
        }
        if (cluster != null)
        {
            cluster.close();
            assertEquals(List.of(), cluster.leaks, "README: zero bytes in use in every node's cache after close");
        }
        SharedSequencesTest.deleteTree(dir);
    }

    @AfterEach
    void convergedAndEqual() throws Exception
    {
        cluster.assertConvergedAndClean();
    }

    private RegionMeta isolate(final String prefix)
    {
        return Cluster6.isolate(c, prefix);
    }

    /** A node that does not lead any of the given regions (all three have leaders somewhere). */
    private String aFollower(final long... regions) throws InterruptedException
    {
        for (final long r : regions)
        {
            cluster.awaitLeader(r);
        }
        final List<String> ids = new ArrayList<>(cluster.running.keySet());
        for (int i = ids.size() - 1; i >= 0; i--)
        {
            boolean leads = false;
            for (final long r : regions)
            {
                leads |= cluster.running.get(ids.get(i)).isLeader(r);
            }
            if (!leads)
            {
                return ids.get(i);
            }
        }
        // every node leads one: move one leadership away from the last node
        final String last = ids.get(ids.size() - 1);
        for (final long r : regions)
        {
            if (cluster.running.get(last).isLeader(r))
            {
                c.transferLeader(r, ids.get(0));
            }
        }
        return last;
    }

    /**
     * Reads through the returning node, before and while it catches up: an answer must never be stale. README
     * (FollowerSnapshotInstallTest): "reads through it are never stale"; "a read without a version ... sees every
     * write acknowledged before the read began". An error (not yet initialized) is retried until the deadline.
     */
    private void readAllThrough(final String node, final Map<String, String> expect) throws InterruptedException
    {
        final long deadline = System.nanoTime() + Cluster6.DEADLINE_MS * 1_000_000L;
        for (final Map.Entry<String, String> e : expect.entrySet())
        {
            while (true)
            {
                try
                {
                    final RegionClient.ReadResult r = c.getFromFollower(b(e.getKey()), node);
                    assertEquals(e.getValue(), s(r.value()), "README: reads through the returning node are never stale"
                        + " (key " + e.getKey() + " on " + node + ")");
                    break;
                }
                catch (final RegionClientException ex)
                {
                    if (System.nanoTime() > deadline)
                    {
                        throw new AssertionError("no answer through " + node + " for " + e.getKey() + " in "
                            + Cluster6.DEADLINE_MS + " ms", ex);
                    }
                    Thread.sleep(50); // a retry after an error answer (not a wait for time to pass)
                }
            }
        }
    }

    private void assertEveryNode(final Map<String, String> expect)
    {
        for (final String node : cluster.running.keySet())
        {
            for (final Map.Entry<String, String> e : expect.entrySet())
            {
                assertEquals(e.getValue(), s(c.getFromFollower(b(e.getKey()), node).value()),
                    "README: every acknowledged write present on every replica (" + e.getKey() + " on " + node + ")");
            }
        }
    }

    @Test
    void splitMergeRollbackWhileAFollowerIsDownThenItReplaysTheLog() throws Exception
    {
        final RegionMeta whole = isolate("lg/");
        final TreeMap<String, String> expect = new TreeMap<>();
        for (int i = 0; i < 30; i++)
        {
            final String k = String.format("lg/%02d", i);
            c.put(b(k), b("a" + i));
            expect.put(k, "a" + i);
        }
        final String down = aFollower(whole.id());
        cluster.stop(down);
        final long l10 = c.split(b("lg/10"));
        final long l20 = c.split(b("lg/20"));               // [lg/10, lg/20), whole = [lg/20, lg0)
        c.put(b("lg/05"), b("b5"));
        expect.put("lg/05", "b5");
        c.prepareMerge(l10, l20);
        c.rollbackMerge(l10);                              // a rollback needs only a majority
        c.put(b("lg/07"), b("after-rollback"));
        expect.put("lg/07", "after-rollback");
        final long l05 = c.split(b("lg/05"));               // split the rolled-back region again
        c.put(b("lg/03"), b("c3"));
        expect.put("lg/03", "c3");
        // README: "RegionClient.commitMerge first waits (10 s) until every node reports the source prepared and
        // otherwise throws MERGING so the caller rolls back"
        c.prepareMerge(l05, l10);
        final RegionClientException merging = assertThrows(RegionClientException.class, () -> c.commitMerge(l05, l10),
            "README: commitMerge ... otherwise throws MERGING so the caller rolls back (a node is down)");
        assertEquals(Reply.Status.MERGING, merging.status(), "README: otherwise throws MERGING");
        c.rollbackMerge(l05);
        assertEquals(RegionMeta.State.NORMAL, c.describe(l05).state(), "rolled back");
        c.put(b("lg/01"), b("d1"));
        expect.put("lg/01", "d1");
        c.deleteRange(b("lg/12"), b("lg/15"));
        expect.remove("lg/12");
        expect.remove("lg/13");
        expect.remove("lg/14");
        cluster.start(down);
        readAllThrough(down, expect);
        assertNull(cluster.awaitConverged(), "README: the returning follower converges");
        assertEquals(expect, asMap(c.scan(b("lg/"), b("lg0"), 1000)), "README: scans across regions see every write");
        assertEveryNode(expect);
        // After it is back, the merge that could not commit can commit now.
        c.prepareMerge(l05, l10);
        c.commitMerge(l05, l10);
        final RegionMeta joined = c.describe(l10);
        assertArrayEquals(b("lg/"), joined.start(), "README: CommitMerge: ranges joined; " + joined);
        assertEveryNode(expect);
    }

    @Test
    void splitsMergesAndPurgedLogsWhileAFollowerIsDownThenItInstallsSnapshots() throws Exception
    {
        final RegionMeta whole = isolate("sn/");
        final TreeMap<String, String> expect = new TreeMap<>();
        for (int i = 0; i < 30; i++)
        {
            final String k = String.format("sn/%02d", i);
            c.put(b(k), b("a" + i));
            expect.put(k, "a" + i);
        }
        final String down = aFollower(whole.id());
        cluster.stop(down);
        final long l10 = c.split(b("sn/10"));              // [sn/, sn/10)
        final long l20 = c.split(b("sn/20"));              // [sn/10, sn/20); whole = [sn/20, sn0)
        c.prepareMerge(l10, l20);
        c.rollbackMerge(l10);
        final long l05 = c.split(b("sn/05"));              // [sn/, sn/05); l10 = [sn/05, sn/10)
        for (int i = 0; i < 30; i += 3)
        {
            final String k = String.format("sn/%02d", i);
            c.put(b(k), b("b" + i));
            expect.put(k, "b" + i);
        }
        // A merge the down follower never sees prepared: committed with force, its log then purged (README:
        // "commitMerge(source, target, true) skips the check for a replica that will install the target's snapshot
        // anyway").
        c.prepareMerge(l20, whole.id());
        c.commitMerge(l20, whole.id(), true);
        c.put(b("sn/15"), b("after-merge"));
        expect.put("sn/15", "after-merge");
        // More than a few 8 KiB segments of writes after the commit in every region of the prefix, so the snapshots
        // below purge the commit (and the splits) from the running nodes' logs.
        for (final String part : List.of("sn/00", "sn/07", "sn/1", "sn/3"))
        {
            for (int batch = 0; batch < 5; batch++)
            {
                final Map<byte[], byte[]> ops = new LinkedHashMap<>();
                for (int j = 0; j < 16; j++)
                {
                    final String k = part + "f" + batch + "/" + j;
                    final String v = "filler-" + batch + "-" + j + "-" + "x".repeat(120);
                    ops.put(b(k), b(v));
                    expect.put(k, v);
                }
                c.write(ops);
            }
        }
        c.delete(b("sn/21"));
        expect.remove("sn/21");
        // Snapshot every region of the prefix on the running nodes: Ratis purges up to the snapshot (README: "purge
        // gap 1 and purge up to the snapshot index (a follower down long enough must install a snapshot)").
        c.refresh();
        for (final RegionMeta m : c.routes())
        {
            if (Cluster6.s(m.start()).startsWith("sn/"))
            {
                for (final String n : cluster.running.keySet())
                {
                    c.snapshot(m.id(), n);
                }
            }
        }
        final long installedBefore = 0;
        cluster.start(down);
        readAllThrough(down, expect);
        assertNull(cluster.awaitConverged(), "README: it installs region snapshots ... and converges");
        final long installed = cluster.running.get(down).counters().snapshotsInstalled();
        assertTrue(installed > installedBefore, "README: a follower down long enough must install a snapshot");
        assertEquals(expect, asMap(c.scan(b("sn/"), b("sn0"), 1000)), "README: scans across regions see every write");
        assertEveryNode(expect);
        // README: "drops the merged source": no node hosts l20 any more
        for (final ReplicaNode n : cluster.nodes())
        {
            assertTrue(!n.regions().containsKey(l20), "README: drops the merged source (" + n.id() + ")");
        }
        // The regions it never saw split off were created and serve: split and merge once more with it back.
        c.prepareMerge(l05, l10);
        c.commitMerge(l05, l10);
        assertEveryNode(expect);
    }
}
