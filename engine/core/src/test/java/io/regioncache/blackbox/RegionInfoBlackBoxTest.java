package io.regioncache.blackbox;

import static io.regioncache.blackbox.BB.b;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import io.regioncache.CommandResult;
import io.regioncache.EvictReason;
import io.regioncache.Region;
import io.regioncache.RegionCache;
import io.regioncache.RegionCacheConfig;
import io.regioncache.RegionInfo;
import io.regioncache.ResultCode;
import io.regioncache.Snapshot;
import io.regioncache.SnapshotStatus;
import io.regioncache.WriteBatch;

/** RegionInfo (the catalog's fields) and regions.draining after pins, safe points, split, evict and merge. */
class RegionInfoBlackBoxTest
{
    /** {@link BB#wide()} with the eviction policy kept from running during a test. */
    static RegionCacheConfig.Builder config()
    {
        return BB.wide().policyIntervalMillis(3_600_000);
    }

    static String dump(final List<RegionInfo> infos)
    {
        final StringBuilder sb = new StringBuilder();
        for (final RegionInfo i : infos)
        {
            sb.append(i.region().id()).append(':').append(i.state()).append(" pins=").append(i.pins())
                .append(" sp=").append(i.safePoint()).append(" applied=").append(i.appliedVersion())
                .append(" gets=").append(i.gets()).append(" scanned=").append(i.scanned()).append('\n');
        }
        return sb.toString();
    }

    @Test
    void probe() throws Exception
    {
        try (RegionCache cache = RegionCache.create(config().build()))
        {
            assertEquals(ResultCode.OK, BB.await(cache, cache.createRegion(new Region(1, b("a"), b("m"), 1))).code());
            BB.await(cache, cache.write(new WriteBatch(1, 1, 10).put(b("c"), b("v")).put(b("h"), b("w"))));
            BB.await(cache, cache.write(new WriteBatch(1, 1, 20).put(b("c"), b("v2"))));
            assertEquals("1:ACTIVE pins=0 sp=0 applied=20 gets=0 scanned=0\n", dump(cache.regions()));
            final Snapshot s1 = cache.newSnapshot();
            final Snapshot s2 = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s1.open(1, 1, 30));
            assertEquals(SnapshotStatus.OK, s2.open(1, 1, 30));
            s1.get(b("c"));
            s1.get(b("h"));
            s1.get(b("d"));
            assertEquals(2, cache.regions().get(0).pins(), dump(cache.regions()));
            s1.close();
            s2.close();
            BB.await(cache, cache.advanceSafePoint(1, 15));
            assertEquals(15, cache.regions().get(0).safePoint());
            assertEquals(0, cache.regions().get(0).pins());
            BB.await(cache, cache.advanceSafePoint(18));
            assertEquals(18, cache.regions().get(0).safePoint());
            assertEquals(SnapshotStatus.TOO_OLD_READ, cache.newSnapshot().open(1, 1, 18));
            BB.await(cache, cache.split(1, 1, new byte[][] {b("g")}, new long[] {2}, 2));
            assertEquals("2:ACTIVE pins=0 sp=18 applied=20 gets=0 scanned=0\n1:ACTIVE pins=0 sp=18 applied=20 gets=0 scanned=0\n", dump(cache.regions()));
            final Snapshot p = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, p.open(2, 2, 30));
            BB.await(cache, cache.evict(2, EvictReason.MANUAL));
            cache.applyCycle();
            assertEquals(1, cache.regions().size(), "an evicted region leaves regions() at once");
            assertEquals(1, cache.metrics().get("regions.draining"));
            p.close();
            cache.applyCycle();
            BB.await(cache, cache.createRegion(new Region(5, b("m"), b("p"), 1)));
            final Snapshot q = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, q.open(5, 1, 30));
            BB.await(cache, cache.prepareMerge(5));
            cache.applyCycle();
            assertEquals(1, cache.metrics().get("regions.draining"), "a pinned merge-evicted record drains");
            assertEquals(1, cache.regions().size());
            q.close();
            cache.applyCycle();
            assertEquals(0, cache.metrics().get("regions.draining"));
        }
    }
}
