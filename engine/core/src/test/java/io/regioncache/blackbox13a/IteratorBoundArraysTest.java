package io.regioncache.blackbox13a;

import static io.regioncache.blackbox13a.K.b;
import static io.regioncache.blackbox13a.K.r;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotIterator;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * SnapshotIterator's Javadoc: it "positions only on keys ... inside [lower, upper) and inside the region". A host that
 * reuses its bound arrays (zero-allocation readers do) after iterator(lower, upper) returned must not make the
 * iterator leave the region (the split pieces share one table until compaction).
 */
class IteratorBoundArraysTest
{
    @Test
    void reusingTheBoundArraysAfterTheCallKeepsTheIteratorInItsRegion() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            assertEquals(ResultCode.OK, r(cache.createRegion(new Region(1, b("a"), b("z"), 1))).code());
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1")).put(b("c"), b("2"))
                .put(b("h"), b("3")).put(b("k"), b("4")))).code());
            assertEquals(ResultCode.OK, r(cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2)).code());
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(2, 2, 5)); // [a, g)
            final byte[] lower = b("b");
            final byte[] upper = b("f");
            final SnapshotIterator it = s.iterator(lower, upper);
            lower[0] = 'A'; // the host reuses its scratch arrays
            upper[0] = 'y';
            final List<String> seen = new ArrayList<>();
            for (boolean ok = it.seekToFirst(); ok; ok = it.next())
            {
                seen.add(new String(it.key()));
            }
            final List<String> back = new ArrayList<>();
            for (boolean ok = it.seekToLast(); ok; ok = it.prev())
            {
                back.add(new String(it.key()));
            }
            s.close();
            assertEquals(List.of("b", "c") + " " + List.of("c", "b"), seen + " " + back,
                "keys of region 2 [a, g) in [b, f), forward and backward");
        }
    }
}
