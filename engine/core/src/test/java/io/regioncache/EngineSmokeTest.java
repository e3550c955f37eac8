package io.regioncache;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EngineSmokeTest
{
    static byte[] b(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static CommandResult run(final RegionCache cache, final java.util.concurrent.CompletableFuture<CommandResult> f)
    {
        while (!f.isDone())
        {
            cache.applyCycle();
        }
        return f.join();
    }

    @Test
    void writeSplitReadEvict()
    {
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER).segmentSize(64 * 1024).build());
        assertEquals(ResultCode.OK, run(cache, cache.createRegion(new Region(1, b(""), b(""), 1))).code());
        for (int v = 1; v <= 100; v++)
        {
            final WriteBatch wb = new WriteBatch(1, 1, v).put(b("k" + (v % 10)), b("v" + v));
            assertEquals(ResultCode.OK, run(cache, cache.write(wb)).code());
        }
        final Snapshot s = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, s.open(1, 1, 50));
        assertArrayEquals(b("v50"), s.get(b("k0")));
        assertArrayEquals(b("v49"), s.get(b("k9")));
        final SnapshotIterator it = s.iterator();
        int n = 0;
        for (boolean ok = it.seekToFirst(); ok; ok = it.next())
        {
            n++;
        }
        assertEquals(10, n);

        final CommandResult split = run(cache, cache.split(1, 1, new byte[][] {b("k5")}, new long[] {2}, 2));
        assertEquals(ResultCode.OK, split.code(), split.toString());
        // the old snapshot still reads its table
        assertArrayEquals(b("v50"), s.get(b("k0")));
        assertEquals(RegionState.ACTIVE, cache.stateOf(2));
        assertEquals(SnapshotStatus.EPOCH_MISMATCH, cache.newSnapshot().open(1, 1, 100));
        final Snapshot left = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, left.open(2, 2, 100));
        assertArrayEquals(b("v100"), left.get(b("k0")));
        final Snapshot right = cache.newSnapshot();
        assertEquals(SnapshotStatus.OK, right.open(1, 2, 100));
        assertArrayEquals(b("v99"), right.get(b("k9")));

        // evict while pinned: PENDING_EVICT until the last unpin
        assertEquals(ResultCode.OK, run(cache, cache.evict(2, io.regioncache.EvictReason.MANUAL)).code());
        assertNull(cache.stateOf(2));
        assertArrayEquals(b("v100"), left.get(b("k0")));
        left.close();
        left.close();
        s.close();
        right.close();
        final long inUse = cache.memoryInUse();
        assertTrue(inUse > 0);
        cache.applyCycle();
        assertEquals(ResultCode.OK, run(cache, cache.evict(1, io.regioncache.EvictReason.MANUAL)).code());
        cache.applyCycle();
        assertEquals(0, cache.memoryInUse());
        assertFalse(left.isOpen());
        final io.regioncache.MetricsSnapshot m = cache.metrics();
        assertEquals(0, m.get("regions.ACTIVE"));
        assertEquals(2, m.get("evictions.MANUAL"));
        assertEquals(1, m.get("splits"));
        assertEquals(1, m.get("transitions.made.ACTIVE->PENDING_EVICT"));
        assertEquals(1, m.get("transitions.made.PENDING_EVICT->EVICTING"));
        assertEquals(1, m.get("snapshot.failures.EPOCH_MISMATCH"));
        assertTrue(m.toJson().startsWith("{\"regions.PENDING\":0"), m.toJson());
        cache.close();
        assertEquals(0, cache.pool().bytesInUse());
    }
}
