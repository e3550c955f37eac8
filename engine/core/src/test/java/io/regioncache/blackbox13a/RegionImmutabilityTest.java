package io.regioncache.blackbox13a;

import static io.regioncache.blackbox13a.K.b;
import static io.regioncache.blackbox13a.K.r;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/**
 * Region's Javadoc: "An immutable description of a region". A description the cache hands out (region(id),
 * regionFor(key), regions(), Snapshot.region()) must not let a caller change the cached region through its arrays.
 */
class RegionImmutabilityTest
{
    @Test
    void changingTheArraysOfAHandedOutRegionChangesNothingCached() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            final byte[] start = b("a");
            final byte[] end = b("m");
            final Region mine = new Region(1, start, end, 1);
            start[0] = 'x'; // the constructor copies
            assertEquals(ResultCode.OK, r(cache.createRegion(mine)).code());
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1")))).code());
            final Region handedOut = cache.region(1);
            handedOut.start()[0] = 'c'; // a caller scribbling on what it was handed
            handedOut.end()[0] = 'd';
            assertEquals(new Region(1, b("a"), b("m"), 1), cache.region(1), "the cached region must not change");
            assertEquals(1, cache.regionFor(b("b")) == null ? -1 : cache.regionFor(b("b")).id(), "routing of b");
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
            assertEquals("1", new String(s.get(b("b"))), "b is inside [a, m)");
            s.close();
        }
    }

    @Test
    void changingTheArraysOfASnapshotsRegionChangesNothingCached() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            assertEquals(ResultCode.OK, r(cache.createRegion(new Region(1, b("a"), b("m"), 1))).code());
            assertEquals(ResultCode.OK, r(cache.write(new WriteBatch(1, 1, 1).put(b("b"), b("1")))).code());
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 1));
            s.region().end()[0] = 'b';
            s.close();
            final ResultCode write = r(cache.write(new WriteBatch(1, 1, 2).put(b("c"), b("2")))).code();
            final Region regionForC = cache.regionFor(b("c"));
            assertEquals(SnapshotStatus.OK, s.open(1, 1, 2));
            String read;
            try
            {
                read = String.valueOf(s.get(b("c")) == null ? null : new String(s.get(b("c"))));
            }
            catch (final IllegalArgumentException e)
            {
                read = "IAE: " + e.getMessage();
            }
            s.close();
            assertEquals("OK / region 1 / 2 / [61, 6d)", write + " / " +
                (regionForC == null ? "no region" : "region " + regionForC.id()) + " / " + read + " / " +
                cache.regions().get(0).region().toString().replaceAll(".*(\\[.*\\)).*", "$1"),
                "write of c / regionFor(c) / read of c / cached range, after scribbling on Snapshot.region().end()");
        }
    }

    @Test
    void batchAndSplitArgumentsAreCopiedAtTheCall() throws Exception
    {
        try (RegionCache cache = K.cache())
        {
            assertEquals(ResultCode.OK, r(cache.createRegion(new Region(1, b("a"), b("m"), 1))).code());
            final byte[] k = b("b");
            final byte[] v = b("1");
            final WriteBatch w = new WriteBatch(1, 1, 1).put(k, v);
            k[0] = 'c';
            v[0] = '9';
            final java.util.concurrent.CompletableFuture<io.regioncache.CommandResult> f = cache.write(w);
            k[0] = 'd';
            assertEquals(ResultCode.OK, r(f).code());
            final byte[][] keys = {b("g")};
            final long[] ids = {2};
            final java.util.concurrent.CompletableFuture<io.regioncache.CommandResult> sp = cache.split(1, 1, keys, ids, 2);
            keys[0][0] = 'h';
            ids[0] = 3;
            assertEquals(ResultCode.OK, r(sp).code());
            assertEquals(new Region(2, b("a"), b("g"), 2), cache.region(2));
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(2, 2, 1));
            assertEquals("1", new String(s.get(b("b"))));
            assertEquals(null, s.get(b("c")));
            s.close();
        }
    }
}
