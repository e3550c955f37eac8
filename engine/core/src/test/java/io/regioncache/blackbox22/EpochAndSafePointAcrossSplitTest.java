package io.regioncache.blackbox22;

import static io.regioncache.blackbox22.B.b;
import static io.regioncache.blackbox22.B.cycle;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/** README "How it works": the epoch and the safe point a reader checks, across a split. */
class EpochAndSafePointAcrossSplitTest
{
    /**
     * README: "a reader adds one to its handle's cell, then reads the word and checks ACTIVE, the epoch and the safe
     * point" and "opening the old epoch returns EPOCH_MISMATCH": after a split every piece answers EPOCH_MISMATCH at
     * the old epoch, and the pieces keep the parent's safe point ("reads at or below the safe point are refused").
     */
    @Test
    void piecesCheckTheNewEpochAndKeepTheParentsSafePoint() throws Exception
    {
        try (RegionCache cache = RegionCache.create(B.invoker().build()))
        {
            assertEquals(ResultCode.OK, cycle(cache, cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
            assertEquals(ResultCode.OK,
                cycle(cache, cache.write(new WriteBatch(1, 1, 10).put(b("b"), b("1")).put(b("x"), b("2")))).code());
            assertEquals(ResultCode.OK, cycle(cache, cache.advanceSafePoint(1, 20)).code());
            assertEquals(ResultCode.OK,
                cycle(cache, cache.split(1, 1, new byte[][] {b("m")}, new long[] {2}, 2)).code());
            try (Snapshot s = cache.newSnapshot())
            {
                assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(1, 1, 30));
                assertEquals(SnapshotStatus.EPOCH_MISMATCH, s.open(2, 1, 30));
                assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(1, 2, 20));
                assertEquals(SnapshotStatus.TOO_OLD_READ, s.open(2, 2, 20));
                assertEquals(SnapshotStatus.OK, s.open(2, 2, 21));
                assertArrayEquals(b("1"), s.get(b("b")));
                assertEquals(SnapshotStatus.OK, s.open(1, 2, 21));
                assertArrayEquals(b("2"), s.get(b("x")));
            }
        }
    }
}
