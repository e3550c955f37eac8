package io.regioncache.ratis;

import static io.regioncache.ratis.History.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ratis 3.2.2's start race, made to happen every time: a replica is detached, the other two purge their logs past it,
 * and on its re-attach its division is held inside its state machine's initialize until the leader's snapshot
 * install has reached it and taken the follower role (an install, unlike an append, is not refused before a start
 * completes), so the start's own follower role fails "previous != null". Ratis leaves that division listed nowhere
 * but unclosed, its storage locked. The node must close it and start the group again: the attach returns, the replica
 * catches up and serves every key, and a later detach and attach of the same replica works (its storage is free).
 * With the retry removed, the attach throws (audit 23 saw this in 6 of 14 re-attaches after a purge,
 * {@code blackbox23/EpochBumpedBySnapshotThenSplitTest}).
 */
class GroupStartRaceTest
{
    @AfterEach
    void clearHook()
    {
        RegionStateMachine.initializeHookForTests = null;
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aReattachThatLosesTheStartRaceIsClosedAndStartedAgain(@TempDir final Path dir) throws Exception
    {
        final long root = ReplicaNode.ROOT_REGION_ID;
        try (LocalCluster cluster = new LocalCluster(dir, 3, c -> c.segmentSize(SizeInBytes.valueOf("8KB")))
                 .startAll();
             RegionClient client = cluster.client())
        {
            final String leader = cluster.awaitLeader(root, 20_000);
            final ReplicaNode follower = cluster.node(leader.equals("n3") ? "n2" : "n3");
            for (int i = 0; i < 20; i++)
            {
                client.put(b("k" + i), b("v" + i));
            }
            cluster.await(() -> follower.appliedIndex(root) >= cluster.node(leader).appliedIndex(root),
                "the follower caught up");
            final long seen = follower.appliedIndex(root);
            follower.detachReplica(root);
            for (int i = 20; i < 40; i++)
            {
                client.put(b("k" + i), b("v" + i));
            }
            purgePast(cluster, client, root, seen, follower.id());

            final AtomicBoolean held = new AtomicBoolean();
            final AtomicReference<Boolean> tookFollowerRole = new AtomicReference<>();
            RegionStateMachine.initializeHookForTests = (sm, division) ->
            {
                if (division == null || sm.regionId() != root
                    || !division.getMemberId().getPeerId().toString().equals(follower.id())
                    || !held.compareAndSet(false, true))
                {
                    return; // only the first start of the follower's replica is held
                }
                // The install takes the follower role, then records the leader, which our state machine hears
                // (notifyLeaderChanged) and signals on the node's progress signal: wait on that, not on the clock.
                try
                {
                    tookFollowerRole.set(follower.progress().await(() -> division.getInfo().isFollower(), 20_000));
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    tookFollowerRole.set(false);
                }
            };
            final long retriesBefore = follower.counters().groupStartRetries();
            follower.attachReplica(root);

            assertTrue(held.get(), "the hook held the first start");
            assertEquals(Boolean.TRUE, tookFollowerRole.get(),
                "the leader's snapshot install took the follower role of the starting division (the race happened)");
            assertEquals(retriesBefore + 1, follower.counters().groupStartRetries(),
                "the failed start was closed and the group started again, once");
            assertEquals(1L, follower.counters().toMap().get("group_start_retries") - retriesBefore);
            final long commit = cluster.node(leader).commitIndex(root);
            cluster.await(() -> follower.appliedIndex(root) >= commit, 30_000, "the re-attached replica caught up");
            for (int i = 0; i < 40; i++)
            {
                assertEquals("v" + i, new String(client.getFromFollower(b("k" + i), follower.id()).value(),
                    StandardCharsets.UTF_8), "k" + i + " read on the re-attached replica");
            }

            // The failed start's storage was released: the same replica detaches and attaches again.
            RegionStateMachine.initializeHookForTests = null;
            follower.detachReplica(root);
            client.put(b("k40"), b("v40"));
            follower.attachReplica(root);
            final long commit2 = cluster.node(leader).commitIndex(root);
            cluster.await(() -> follower.appliedIndex(root) >= commit2, 30_000, "caught up after the second attach");
            assertEquals("v40", new String(client.getFromFollower(b("k40"), follower.id()).value(),
                StandardCharsets.UTF_8));
            assertEquals(retriesBefore + 1, follower.counters().groupStartRetries(), "no retry without the race");
            cluster.awaitConverged(30_000);
            cluster.assertHealthy();
        }
    }

    /** Snapshots on every node but {@code except} until their logs start past {@code pastIndex + 1}. */
    private static void purgePast(final LocalCluster cluster, final RegionClient client, final long regionId,
        final long pastIndex, final String except)
    {
        for (int round = 0; round < 40; round++)
        {
            boolean purged = true;
            for (final String id : cluster.running.keySet())
            {
                if (!id.equals(except))
                {
                    client.snapshot(regionId, id);
                    purged &= logStart(cluster.node(id), regionId) > pastIndex + 1;
                }
            }
            if (purged)
            {
                return;
            }
            for (int i = 0; i < 12; i++) // about 12 KiB: at least one more 8 KiB segment rolls
            {
                client.put(b("pad"), new byte[1000]);
            }
        }
        throw new AssertionError("setup: the logs were not purged past " + pastIndex + ": " + cluster.describe());
    }

    private static long logStart(final ReplicaNode n, final long regionId)
    {
        try
        {
            return n.server().getDivision(ReplicaNode.groupIdOf(regionId)).getRaftLog().getStartIndex();
        }
        catch (final IOException ex)
        {
            return -1;
        }
    }
}
