package io.regioncache;

import io.regioncache.internal.memory.MemoryBudget;
import io.regioncache.internal.memory.SegmentPool;
import io.regioncache.internal.table.MvccTable;
import io.regioncache.store.InMemoryBackingStore;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scan thread of a pipelined load takes its segments from the pool itself, up to a queue of them ahead of the
 * loader. With a loader that does not keep up (here: none at all), only the scan thread's own check of the copy
 * ceiling, before each segment, keeps it from running the pool up to its hard cap, where every write to a cached
 * region is refused.
 */
class ScanPipeCeilingTest
{
    private static final int SEGMENT = 64 << 10;

    @Test
    void theScanThreadStopsAtTheCopyCeilingWithoutTheLoader() throws InterruptedException
    {
        final InMemoryBackingStore store = new InMemoryBackingStore();
        for (int i = 0; i < 20_000; i++)
        {
            store.put(("key-" + (100_000 + i)).getBytes(), 1, new byte[100]); // ~2.7 MB of nodes: 40 segments
        }
        // Cap 32 segments, evict at 2: the copy ceiling is 2 + (32 - 2) / 2 = 17 segments. With 13 in use already it
        // leaves the scan 5 segments; the load's queue takes 8, and with nobody polling it the scan would then wait
        // on it for good, 22 segments in use.
        final SegmentPool pool = new SegmentPool(SEGMENT, 32L * SEGMENT);
        final MemoryBudget budget = new MemoryBudget(pool, 32L * SEGMENT, 2L * SEGMENT, SEGMENT);
        pool.tryAcquireLarge(13 * SEGMENT);
        final MvccTable table = new MvccTable(pool, 64);
        final ScanPipe pipe = new ScanPipe(ScanPipe.newSparePool());
        final Thread scan = new Thread(pipe.producer(
            store.openSnapshot(), new byte[0], new byte[0], Long.MIN_VALUE, table.newNodeSegmentWriter(), budget));
        scan.setDaemon(true); // without the check it would block for good on the full queue
        scan.start();
        scan.join(30_000);
        assertFalse(scan.isAlive(), "the scan stopped by itself at the ceiling, queue not full");
        assertTrue(pipe.scanOutOfMemory());
        assertTrue(pool.bytesInUse() <= budget.copyCeiling() + SEGMENT,
            "in use " + pool.bytesInUse() + " against a ceiling of " + budget.copyCeiling());
    }
}
