package io.regioncache.internal.table;

import org.junit.jupiter.api.Test;

import io.regioncache.bench.MemoryLatencyBenchmark;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The floors {@code MemoryLatencyBenchmark} measures beside the gets load what the engine's gets load: an index entry
 * of {@link HashIndex#ENTRY_BYTES} (both lines), and for a batched get the first line of
 * {@link HashIndex#BATCH_TOUCH_AHEAD} entries after it; and the scans' walks step over nodes as the tables lay them
 * out ({@code walk100} at height 1, {@code walkHeights100} at the tables' random heights). A change to either layout
 * must change its floor too.
 */
class MemoryFloorLayoutTest
{
    @Test
    void theFloorsLoadWhatTheIndexLoads()
    {
        assertEquals(HashIndex.ENTRY_BYTES, MemoryLatencyBenchmark.ENTRY);
        assertEquals(HashIndex.BATCH_TOUCH_AHEAD, MemoryLatencyBenchmark.TOUCH_AHEAD);
    }

    @Test
    void theWalksStepAsTheNodesLie()
    {
        assertEquals(MvccTable.MAX_HEIGHT, MemoryLatencyBenchmark.MAX_HEIGHT);
        for (int height = 1; height <= MvccTable.MAX_HEIGHT; height++)
        {
            // nodes of a 16-byte key and a 100-byte value, one after the other: the distance to a node is its size
            assertEquals(NodeLayout.nodeSize(height, 16, 100), MemoryLatencyBenchmark.strideTo(height), "height " + height);
        }
        final SplittableRandom random = new SplittableRandom(20261206L);
        for (int i = 0; i < 1_000_000; i++)
        {
            final long word = i < 64 ? 1L << i : random.nextLong();
            assertEquals(MvccTable.heightFrom(word), MemoryLatencyBenchmark.heightFrom(word), "word " + word);
        }
        assertEquals(MvccTable.heightFrom(0), MemoryLatencyBenchmark.heightFrom(0));
    }
}
