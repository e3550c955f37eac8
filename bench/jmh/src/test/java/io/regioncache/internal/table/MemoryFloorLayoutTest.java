package io.regioncache.internal.table;

import org.junit.jupiter.api.Test;

import io.regioncache.bench.MemoryLatencyBenchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The floors {@code MemoryLatencyBenchmark} measures beside the gets load what the engine's gets load: an index entry
 * of {@link HashIndex#ENTRY_BYTES} (both lines), and for a batched get the first line of
 * {@link HashIndex#BATCH_TOUCH_AHEAD} entries after it. A change to either layout must change its floor too.
 */
class MemoryFloorLayoutTest
{
    @Test
    void theFloorsLoadWhatTheIndexLoads()
    {
        assertEquals(HashIndex.ENTRY_BYTES, MemoryLatencyBenchmark.ENTRY);
        assertEquals(HashIndex.BATCH_TOUCH_AHEAD, MemoryLatencyBenchmark.TOUCH_AHEAD);
    }
}
