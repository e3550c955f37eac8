package io.regioncache.ratis.blackbox14b;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.regioncache.ratis.RegionMeta;
import io.regioncache.ratis.ReplicaCheck;
import io.regioncache.ratis.ReplicaState;

/**
 * {@link ReplicaCheck}'s verdicts over hand-made {@link ReplicaState}s (no cluster): the special cases its Javadoc
 * names ("null if every node hosts every region with the same view, applied up to the region's commit index (the
 * highest any node reports), and the ranges tile the key space"; divergences "a region whose replicas' digests
 * differ, are missing or were taken at different applied indexes"), and the remote {@link ReplicaCheck.Source}'s
 * default {@code await} ("true once it held, false if it did not in time") at the timeout's edges.
 */
class ReplicaCheckEdgesTest
{
    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static RegionMeta meta(final long id, final String start, final String end, final long epoch)
    {
        return new RegionMeta(id, b(start), b(end), epoch, RegionMeta.State.NORMAL, 0, 0, new long[0], new long[0]);
    }

    static ReplicaState.Replica replica(final RegionMeta m, final String role, final long commit, final long applied,
        final String digest)
    {
        return new ReplicaState.Replica(m, role, commit, applied, digest);
    }

    /** A node hosting the given regions, each as a follower applied to commit index 5 with digest "1:aa". */
    static ReplicaState node(final String id, final RegionMeta... metas)
    {
        final Map<Long, ReplicaState.Replica> rs = new TreeMap<>();
        for (final RegionMeta m : metas)
        {
            rs.put(m.id(), replica(m, "FOLLOWER", 5, 5, "1:aa"));
        }
        return new ReplicaState(id, rs, Map.of(), 0, List.of());
    }

    static List<ReplicaState> threeNodes(final RegionMeta... metas)
    {
        return List.of(node("n1", metas), node("n2", metas), node("n3", metas));
    }

    // ------------------------------------------------------------------ convergenceProblemOf

    /** The baseline: one region over every key on every node, same view, applied = commit: converged (null). */
    @Test
    void oneRegionOverEveryKeyIsConverged()
    {
        assertNull(ReplicaCheck.convergenceProblemOf(threeNodes(meta(1, "", "", 1))));
        assertNull(ReplicaCheck.convergenceProblemOf(threeNodes(meta(2, "", "m", 2), meta(1, "m", "", 2))));
    }

    /**
     * "null if ... the ranges tile the key space": with no region at all (no state, or nodes hosting nothing) no
     * range covers any key, so the key space is not tiled and the answer must name a problem. A {@code drive
     * --cluster} whose nodes' states came back empty would otherwise be reported converged.
     */
    @Test
    void noRegionAtAllDoesNotTileTheKeySpace()
    {
        assertNotNull(ReplicaCheck.convergenceProblemOf(List.of()), "no state at all: nothing tiles the key space");
        assertNotNull(ReplicaCheck.convergenceProblemOf(List.of(node("n1"), node("n2"), node("n3"))),
            "three nodes hosting no region: nothing tiles the key space");
    }

    /**
     * "the ranges tile the key space": two regions over one range (same start) overlap, which is not a tiling
     * (README: "two regions over one range" is the failure the merge checks exist to prevent).
     */
    @Test
    void twoRegionsWithTheSameStartDoNotTile()
    {
        // region 2 [, m) and region 3 [, +inf): region 3 covers region 2's whole range
        final String overlap = ReplicaCheck.convergenceProblemOf(threeNodes(meta(2, "", "m", 2), meta(3, "", "", 2)));
        assertNotNull(overlap, "two regions over [\"\", m): an overlap, not a tiling");
        // region 2 [m, t) and region 3 [m, +inf) after region 1 [, m)
        assertNotNull(ReplicaCheck.convergenceProblemOf(threeNodes(meta(1, "", "m", 2), meta(2, "m", "t", 2),
            meta(3, "m", "", 2))), "two regions starting at m: an overlap, not a tiling");
    }

    /** Gaps, a first region not starting at the empty key, a last one not reaching +inf: each is named. */
    @Test
    void gapsAndOpenEndsAreNamed()
    {
        assertNotNull(ReplicaCheck.convergenceProblemOf(threeNodes(meta(1, "a", "", 1))), "nothing below a");
        assertNotNull(ReplicaCheck.convergenceProblemOf(threeNodes(meta(1, "", "m", 1))), "nothing from m");
        assertNotNull(ReplicaCheck.convergenceProblemOf(threeNodes(meta(1, "", "m", 1), meta(2, "n", "", 1))),
            "nothing in [m, n)");
        assertNotNull(ReplicaCheck.convergenceProblemOf(threeNodes(meta(1, "", "n", 1), meta(2, "m", "", 1))),
            "[m, n) twice");
    }

    /**
     * Per region: a node without it, a node with another view, a node applied below the highest commit index any
     * node reports (also when that node itself reports a lower commit index): each is named, with the node.
     */
    @Test
    void aMissingReplicaAnotherViewOrALaggingApplyIsNamedWithTheNode()
    {
        final RegionMeta r1 = meta(1, "", "", 3);
        final String missing = ReplicaCheck.convergenceProblemOf(List.of(node("n1", r1), node("n2", r1), node("n3")));
        assertNotNull(missing);
        assertTrue(missing.contains("n3"), missing);

        // Same id, lower epoch on n2: the highest epoch is the region's view, n2's differs.
        final String view = ReplicaCheck.convergenceProblemOf(List.of(node("n1", r1), node("n2", meta(1, "", "", 2)),
            node("n3", r1)));
        assertNotNull(view);
        assertTrue(view.contains("n2"), view);

        final Map<Long, ReplicaState.Replica> behind = new TreeMap<>();
        behind.put(1L, replica(r1, "FOLLOWER", 4, 4, "1:aa")); // its own commit index is lower too
        final String lag = ReplicaCheck.convergenceProblemOf(List.of(node("n1", r1),
            new ReplicaState("n2", behind, Map.of(), 0, List.of()), node("n3", r1)));
        assertNotNull(lag, "applied 4 while another node reports commit 5");
        assertTrue(lag.contains("n2"), lag);
    }

    /** {@code regionsOf}: "every region hosted anywhere, by the highest epoch any node knows". */
    @Test
    void regionsOfKeepsTheHighestEpoch()
    {
        final Map<Long, RegionMeta> all = ReplicaCheck.regionsOf(List.of(node("n1", meta(1, "", "", 2)),
            node("n2", meta(1, "", "", 7), meta(9, "x", "", 1)), node("n3", meta(1, "", "", 3))));
        assertEquals(2, all.size());
        assertEquals(7, all.get(1L).epochVersion());
        assertEquals(1, all.get(9L).epochVersion());
        assertTrue(ReplicaCheck.regionsOf(List.of()).isEmpty());
    }

    // ------------------------------------------------------------------ divergencesOf

    /**
     * "a region whose replicas' digests differ, are missing or were taken at different applied indexes; a cached
     * region that differs from its node's RocksDB; empty if none".
     */
    @Test
    void divergencesNameMissingDifferingAndMisalignedDigests()
    {
        final RegionMeta r1 = meta(1, "", "", 1);
        assertEquals(List.of(), ReplicaCheck.divergencesOf(threeNodes(r1)), "equal digests at one index");
        assertEquals(List.of(), ReplicaCheck.divergencesOf(List.of()), "no state: nothing differs");

        final java.util.function.Function<ReplicaState.Replica, List<ReplicaState>> withN2 = r ->
        {
            final Map<Long, ReplicaState.Replica> m = new TreeMap<>();
            m.put(1L, r);
            return List.of(node("n1", r1), new ReplicaState("n2", m, Map.of(), 0, List.of()), node("n3", r1));
        };
        assertEquals(1, ReplicaCheck.divergencesOf(withN2.apply(replica(r1, "FOLLOWER", 5, 5, "1:bb"))).size(),
            "another digest");
        assertEquals(1, ReplicaCheck.divergencesOf(withN2.apply(replica(r1, "FOLLOWER", 5, 5, null))).size(),
            "no digest (applies kept moving)");
        assertEquals(1, ReplicaCheck.divergencesOf(withN2.apply(replica(r1, "FOLLOWER", 6, 6, "1:aa"))).size(),
            "the same digest at another applied index");
        final List<ReplicaState> allNull = new ArrayList<>();
        for (final String n : new String[] {"n1", "n2", "n3"})
        {
            allNull.add(new ReplicaState(n, Map.of(1L, replica(r1, "FOLLOWER", 5, 5, null)), Map.of(), 0, List.of()));
        }
        assertEquals(1, ReplicaCheck.divergencesOf(allNull).size(), "no replica has a digest: nothing was compared");
        assertEquals(1, ReplicaCheck.divergencesOf(List.of(node("n1", r1), node("n2", r1), node("n3"))).size(),
            "absent on n3");
        final List<ReplicaState> cache = new ArrayList<>(threeNodes(r1));
        cache.set(1, new ReplicaState("n2", cache.get(1).replicas(), Map.of(), 0, List.of("n2 cache of region 1 ...")));
        assertEquals(List.of("n2 cache of region 1 ..."), ReplicaCheck.divergencesOf(cache));
    }

    // ------------------------------------------------------------------ Source.await, awaitLeader, awaitConverged

    /** A remote-style source (the default {@code await}) whose states show a leader from the {@code n}-th call on. */
    static final class LateLeader implements ReplicaCheck.Source
    {
        final AtomicInteger calls = new AtomicInteger();
        final int leaderFrom;

        LateLeader(final int leaderFrom)
        {
            this.leaderFrom = leaderFrom;
        }

        @Override
        public List<ReplicaState> states(final boolean digests)
        {
            final int call = calls.incrementAndGet();
            final RegionMeta r1 = meta(1, "", "", 1);
            final List<ReplicaState> out = new ArrayList<>();
            for (final String n : new String[] {"n1", "n2", "n3"})
            {
                final String role = call >= leaderFrom && n.equals("n2") ? "LEADER" : "FOLLOWER";
                // until then, n3 lags (not converged)
                final long applied = call >= leaderFrom || !n.equals("n3") ? 5 : 4;
                out.add(new ReplicaState(n, Map.of(1L, replica(r1, role, 5, applied, "1:aa")), Map.of(), 0,
                    List.of()));
            }
            return out;
        }
    }

    /** "{@code @throws IllegalStateException} if no node leads it in time"; a leader already there is returned. */
    @Test
    void awaitLeaderThrowsWhenNoneInTimeAndAnswersAtOnceWhenThere() throws Exception
    {
        final IllegalStateException none = assertThrows(IllegalStateException.class,
            () -> ReplicaCheck.awaitLeader(new LateLeader(Integer.MAX_VALUE), 1, 0));
        assertTrue(none.getMessage().contains("region 1"), none.getMessage());
        assertThrows(IllegalStateException.class, () -> ReplicaCheck.awaitLeader(new LateLeader(Integer.MAX_VALUE),
            1, -5));
        assertThrows(IllegalStateException.class, () -> ReplicaCheck.awaitLeader(new LateLeader(1), 99, 0),
            "a region no node hosts");
        assertEquals("n2", ReplicaCheck.awaitLeader(new LateLeader(1), 1, 0), "held at the first look");
        assertEquals("n2", ReplicaCheck.awaitLeader(new LateLeader(3), 1, 10_000), "held at the third look");
    }

    /** "{@code @throws IOException} if a node does not answer": the source's failure comes through as it is. */
    @Test
    void aSourceThatFailsIsAnIOException()
    {
        final IOException down = new IOException("n2 down");
        final ReplicaCheck.Source failing = digests ->
        {
            throw down;
        };
        assertSame(down, assertThrows(IOException.class, () -> ReplicaCheck.awaitLeader(failing, 1, 1_000)));
        assertSame(down, assertThrows(IOException.class, () -> ReplicaCheck.awaitConverged(failing, 1_000)));
        assertSame(down, assertThrows(IOException.class, () -> ReplicaCheck.settledDigests(failing)));
    }

    /**
     * {@code Source.await}: "@param timeoutMs how long to wait. @return true once it held, false if it did not in
     * time." A caller with no deadline of its own passes {@code Long.MAX_VALUE} (as {@code awaitAllCommitted} is
     * documented and tested to take it); a condition that holds at the third look (150 ms later) must then be seen.
     * The default (remote) {@code await} computes {@code timeoutMs * 1_000_000} without saturating, so a huge timeout
     * overflows to a deadline in the past and the wait gives up after the first look.
     */
    @Test
    void aHugeTimeoutWaitsInsteadOfGivingUpAtOnce()
    {
        assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
        {
            final LateLeader src = new LateLeader(3);
            final List<String> wrong = new ArrayList<>();
            try
            {
                final String leader = ReplicaCheck.awaitLeader(src, 1, Long.MAX_VALUE);
                if (!"n2".equals(leader))
                {
                    wrong.add("awaitLeader(Long.MAX_VALUE) answered " + leader);
                }
            }
            catch (final IllegalStateException ex)
            {
                wrong.add("awaitLeader(Long.MAX_VALUE) threw after " + src.calls.get() + " look(s): " + ex.getMessage());
            }
            final LateLeader conv = new LateLeader(3);
            final String problem = ReplicaCheck.awaitConverged(conv, Long.MAX_VALUE);
            if (problem != null)
            {
                wrong.add("awaitConverged(Long.MAX_VALUE) gave up after " + conv.calls.get() + " look(s): " + problem);
            }
            final LateLeader ten = new LateLeader(3);
            final long centuries = 10_000_000_000_000L; // about 317 years: * 1_000_000 wraps to a negative long
            final String p2 = ReplicaCheck.awaitConverged(ten, centuries);
            if (p2 != null)
            {
                wrong.add("awaitConverged(" + centuries + " ms) gave up after " + ten.calls.get() + " look(s)");
            }
            assertEquals(List.of(), wrong, "a huge timeout must wait, not end the wait at once");
        });
    }

    /** The in-process source ({@link ReplicaCheck#of}) over no node: a condition that holds is true at once. */
    @Test
    void theInProcessSourceOverNoNodesAnswersAtOnce() throws Exception
    {
        final ReplicaCheck.Source none = ReplicaCheck.of(List.of());
        assertEquals(List.of(), none.states(true));
        assertTrue(none.await(() -> true, 0));
        assertTrue(none.await(() -> true, Long.MAX_VALUE));
        final long t0 = System.nanoTime();
        assertEquals(false, none.await(() -> false, 50));
        assertTrue(System.nanoTime() - t0 >= 40_000_000L, "waited about its 50 ms");
        assertEquals(List.of(), ReplicaCheck.settledDigests(none));
    }
}
