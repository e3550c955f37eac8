package io.regioncache;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;


import static io.regioncache.GcSupport.b;
import static io.regioncache.GcSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryFloodTest
{
    @Test
    void writeFloodNeverPassesCapacityAndEvictsOnlyTheWriters()
    {
        final long capacity = 4L << 20;
        final RegionCache cache = RegionCache.create(RegionCacheConfig.builder()
            .threading(RegionCacheConfig.Threading.INVOKER).segmentSize(64 * 1024).capacityBytes(capacity)
            .build());
        final int regions = 6;
        for (int id = 1; id <= regions; id++)
        {
            // region id covers keys "r<id>/..." : [r<id>, r<id+1>)
            assertEquals(ResultCode.OK, run(cache,
                cache.createRegion(new Region(id, b("r" + id), b("r" + (id + 1)), 1))).code());
        }
        final Random rnd = new Random(42);
        final Map<Long, GcSupport.Model> models = new HashMap<>();
        final Set<Long> limited = new HashSet<>();
        final long[] version = new long[regions + 1];
        long maxSeen = 0;
        // small writes everywhere first
        for (int id = 1; id <= regions; id++)
        {
            final GcSupport.Model m = models.computeIfAbsent((long)id, x -> new GcSupport.Model());
            for (int i = 0; i < 20; i++)
            {
                final long v = ++version[id];
                final String k = "r" + id + "/k" + rnd.nextInt(10);
                final CommandResult r = run(cache, cache.write(new WriteBatch(id, 1, v).put(b(k), b("v" + v))));
                assertEquals(ResultCode.OK, r.code());
                m.put(k, v, "v" + v);
                maxSeen = Math.max(maxSeen, cache.memoryInUse());
                assertTrue(cache.memoryInUse() <= capacity);
            }
        }
        // flood regions 1..3 with 8 KiB values until each has hit the hard cap
        final byte[] big = new byte[8 * 1024];
        rnd.nextBytes(big);
        int commands = 0;
        for (int round = 0; round < 10_000 && limited.size() < 3; round++)
        {
            final long id = 1 + (round % 3);
            if (limited.contains(id))
            {
                continue;
            }
            final long v = ++version[(int)id];
            final CommandResult r = run(cache, cache.write(new WriteBatch(id, 1, v)
                .put(b("r" + id + "/big" + v), big).put(b("r" + id + "/big" + v + "b"), big)));
            commands++;
            final long used = cache.memoryInUse();
            maxSeen = Math.max(maxSeen, used);
            assertTrue(used <= capacity, "usage " + used + " > capacity after command " + commands);
            if (r.code() == ResultCode.MEMORY_LIMIT)
            {
                limited.add(id);
                assertNull(cache.stateOf(id), "region " + id + " must be evicted after MEMORY_LIMIT");
                assertEquals(SnapshotStatus.NOT_CACHED, cache.newSnapshot().open(id, 1, Long.MAX_VALUE));
                // further writes to it are NOT_CACHED, not errors
                assertEquals(ResultCode.NOT_CACHED, run(cache,
                    cache.write(new WriteBatch(id, 1, ++version[(int)id]).put(b("r" + id + "/x"), b("x")))).code());
            }
            else
            {
                assertEquals(ResultCode.OK, r.code(), r.toString());
            }
        }
        assertEquals(Set.of(1L, 2L, 3L), limited, "each flooded region must hit the cap");
        assertTrue(maxSeen > capacity / 2, "flood never got near the cap: " + maxSeen);
        assertEquals(3, cache.counters().evictions(EvictReason.MEMORY_LIMIT));
        // untouched regions keep serving exactly the model
        for (long id = 4; id <= regions; id++)
        {
            assertEquals(RegionState.ACTIVE, cache.stateOf(id));
            final Snapshot s = cache.newSnapshot();
            assertEquals(SnapshotStatus.OK, s.open(id, 1, Long.MAX_VALUE));
            final GcSupport.Model m = models.get(id);
            assertEquals(m.view(Long.MAX_VALUE), GcSupport.scan(s));
            assertEquals(m.view(Long.MAX_VALUE), GcSupport.gets(s, m.data.keySet()));
            s.close();
        }
        // and they can still take writes now that the flooded regions' memory is back
        assertEquals(ResultCode.OK, run(cache,
            cache.write(new WriteBatch(4, 1, ++version[4]).put(b("r4/after"), big))).code());
        assertFalse(cache.memoryInUse() > capacity);
        cache.close();
        assertEquals(0, cache.pool().bytesInUse());
    }
}
