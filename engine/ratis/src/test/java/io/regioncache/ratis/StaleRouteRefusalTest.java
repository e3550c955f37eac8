package io.regioncache.ratis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;


/**
 * README: "so are calls every replica would refuse, on a route refreshed first (a split at a key that already starts
 * a region: INVALID; a delete-range past the end of the region holding its start: KEY_NOT_IN_REGION; each used to
 * cost 40 refused Raft rounds)". Here the client's route table is older than the split that makes the call bad, so
 * the first attempt goes out and is refused as stale; the refreshed route must then refuse the call, not a further
 * 39 attempts (found by the replication audit: 39 refused rounds, and KEY_NOT_IN_REGION for the split).
 */
@Timeout(120)
class StaleRouteRefusalTest
{
    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static long refusedKeyNotInRegion(final LocalNodes nodes)
    {
        long n = 0;
        for (final ReplicaNode node : nodes.nodes())
        {
            n += node.counters().toMap().getOrDefault("reply_key_not_in_region", 0L);
        }
        return n;
    }

    @Test
    void aSplitAtAKeyAnotherClientJustSplitAtIsInvalidWithoutFortyRounds(@TempDir final Path dir) throws Exception
    {
        try (LocalNodes nodes = LocalNodes.start(3, dir); RegionClient c1 = new RegionClient(nodes.peers());
            RegionClient c2 = new RegionClient(nodes.peers()))
        {
            c2.put(b("a"), b("1"));           // c2 learns region 1 = every key
            c1.split(b("m"));
            final long before = refusedKeyNotInRegion(nodes);
            final RegionClientException ex = assertThrows(RegionClientException.class, () -> c2.split(b("m")));
            final long rounds = refusedKeyNotInRegion(nodes) - before;
            assertEquals(Reply.Status.INVALID, ex.status(), "split at an existing boundary, stale route: " + ex
                + " after " + rounds + " KEY_NOT_IN_REGION replies");
            assertTrue(rounds <= 3, rounds + " refused Raft rounds (replies counted on 3 replicas)");
        }
    }

    @Test
    void aDeleteRangePastItsRegionWithAStaleRouteIsRefusedWithoutFortyRounds(@TempDir final Path dir) throws Exception
    {
        try (LocalNodes nodes = LocalNodes.start(3, dir); RegionClient c1 = new RegionClient(nodes.peers());
            RegionClient c2 = new RegionClient(nodes.peers()))
        {
            c2.put(b("a"), b("1"));
            c1.split(b("m"));
            final long before = refusedKeyNotInRegion(nodes);
            final RegionClientException ex = assertThrows(RegionClientException.class,
                () -> c2.deleteRange(b("a"), b("z")));
            final long rounds = refusedKeyNotInRegion(nodes) - before;
            assertEquals(Reply.Status.KEY_NOT_IN_REGION, ex.status(), ex.toString());
            assertTrue(rounds <= 3, rounds + " refused Raft rounds (replies counted on 3 replicas)");
        }
    }
}
